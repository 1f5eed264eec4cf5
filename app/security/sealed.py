"""Ids that carry their own state, sealed to the caller who got them: opaque, unforgeable, valid on any instance.

A query task id holds Looker's task id, the result's cache key, its format and model. Keeping that in a
server-side table would need a store every worker and instance shares (Redis is optional), so the id
carries it instead, sealed with Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`): nobody can
read the payload, alter it or forge one, and any instance holding the same Looker client secret can open
it. The key is derived from that secret per purpose, so a task id is never a render id. The caller's
identity (identity_key) is sealed in too: for anyone else the id names nothing, which is a 404.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson
from cryptography.fernet import Fernet, InvalidToken

from app.errors import ApiError
from app.services import services

from .identity import caller_key


def _fernet(purpose: str) -> Fernet:
    secret = services().settings.looker_client_secret.reveal().encode()
    key = hmac.new(secret, f"looker-proxy sealed ids: {purpose}".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(purpose: str, payload: dict) -> str:
    """Return an opaque id holding the payload, usable only by the current caller."""
    sealed = _fernet(purpose).encrypt(orjson.dumps({"c": caller_key(), "p": payload}))
    return sealed.decode().rstrip("=")


def unseal(purpose: str, token: str, missing: str) -> dict:
    """Return the payload of an id the current caller got; anything else is 404 with `missing` as detail."""
    try:
        opened = orjson.loads(_fernet(purpose).decrypt(token + "=" * (-len(token) % 4)))
    except (InvalidToken, ValueError, TypeError):
        raise ApiError(404, missing) from None
    if not isinstance(opened, dict) or not hmac.compare_digest(str(opened.get("c")), caller_key()):
        raise ApiError(404, missing)
    return opened["p"]
