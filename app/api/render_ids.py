"""Render ids: sealed (AES-GCM), so they reveal nothing, and bound to the caller who started the render.

An id carries what any worker or instance needs to answer for it: the finished file's cache key, Looker's
render task id, when the render started, its format and file name. It is encrypted with a key derived
from the Looker client secret (every instance has it; no client does), with the caller's `identity_key`
as associated data: an id presented by anyone else fails authentication exactly as a forged or altered
one does, and both are answered 404, so an id cannot even be confirmed to exist by another caller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import ApiError
from ..security.identity import caller_key
from ..services import services

NONCE_BYTES = 12
LABEL = b"looker-proxy render ids v1"


def _cipher() -> AESGCM:
    secret = services().settings.looker_client_secret.reveal().encode()
    return AESGCM(hmac.new(secret, LABEL, hashlib.sha256).digest())


def seal(render: dict) -> str:
    """Return an opaque, URL-safe id for a render, readable only with the current caller's identity."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher().encrypt(nonce, orjson.dumps(render), caller_key().encode())
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def unseal(render_id: str) -> dict:
    """Return the render an id names, or raise 404 if it is malformed, forged, altered or another caller's."""
    try:
        raw = base64.urlsafe_b64decode(render_id + "=" * (-len(render_id) % 4))
        if len(raw) <= NONCE_BYTES:
            raise ValueError("too short")
        plain = _cipher().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], caller_key().encode())
        return orjson.loads(plain)
    except (ValueError, binascii.Error, InvalidTag, orjson.JSONDecodeError):
        raise ApiError(404, "There is no such render.") from None
