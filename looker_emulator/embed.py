"""Sign and verify Looker's legacy SSO embed URLs (HMAC over the documented newline-joined string)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

SIGNED = (
    "nonce",
    "time",
    "session_length",
    "external_user_id",
    "permissions",
    "models",
    "group_ids",
    "external_group_id",
    "user_attributes",
    "access_filters",
)


def _j(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def embed_path(target: str) -> str:
    """Return /login/embed/ followed by the target path encoded as one component."""
    return "/login/embed/" + quote(target, safe="")


def signature(secret: str, host: str, path: str, params: dict[str, str], algorithm: str = "sha1") -> str:
    """Sign already JSON-encoded parameter strings; absent optional lines are left out, as Looker allows."""
    lines = [host, path] + [params[name] for name in SIGNED if name in params]
    digest = hmac.new(secret.encode(), "\n".join(lines).encode(), getattr(hashlib, algorithm)).digest()
    return base64.b64encode(digest).decode()


def signed_url(secret: str, host: str, target: str, values: dict, scheme: str = "https") -> str:
    """Return a full signed embed URL for the target path and the user values given."""
    params = {name: _j(values[name]) for name in SIGNED if name in values}
    params.setdefault("access_filters", "{}")
    path = embed_path(target)
    extra = {k: _j(v) for k, v in values.items() if k in ("first_name", "last_name", "force_logout_login")}
    query = {**params, **extra, "signature": signature(secret, host, path, params)}
    return f"{scheme}://{host}{path}?{urlencode(query)}"
