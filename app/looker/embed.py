"""Sign Looker embed URLs locally, exactly as Looker verifies them (HMAC-SHA1 over the documented lines)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import quote, urlencode

# The signed parameters, in the order Looker joins them; the optional group lines may be left out.
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


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def sign(secret: str, host: str, embed_path: str, params: dict[str, str]) -> str:
    """Return the base64 HMAC-SHA1 of host, path and the JSON-encoded signed parameters present."""
    lines = [host, embed_path, *(params[name] for name in SIGNED if name in params)]
    return base64.b64encode(hmac.new(secret.encode(), "\n".join(lines).encode(), hashlib.sha1).digest()).decode()


def signed_embed_url(
    secret: str,
    host: str,
    target: str,
    *,
    external_user_id: str,
    permissions: list[str],
    models: list[str],
    session_length: int,
    now: float | None = None,
    nonce: str | None = None,
    user_attributes: dict[str, str] | None = None,
) -> str:
    """Return a one-time signed URL that logs the external user in and opens the target path."""
    scheme, _, bare_host = host.rpartition("://")
    embed_path = "/login/embed/" + quote(target, safe="")
    params = {
        "nonce": _json(nonce or secrets.token_hex(16)),
        "time": _json(int(now or time.time())),
        "session_length": _json(session_length),
        "external_user_id": _json(external_user_id),
        "permissions": _json(permissions),
        **({"user_attributes": _json(user_attributes)} if user_attributes else {}),
        "models": _json(models),
        "access_filters": "{}",
    }
    query = urlencode(
        {**params, "force_logout_login": "true", "signature": sign(secret, bare_host, embed_path, params)}
    )
    return f"{scheme or 'https'}://{bare_host}{embed_path}?{query}"
