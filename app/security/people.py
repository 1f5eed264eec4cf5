"""Per-user data (USER_ATTRIBUTES): a JWT caller acts in Looker as its own embed user, with attributes from claims.

Looker decides the rows (LookML `access_filter`s on user attributes); the proxy's part is to say who the user
is, faithfully, and to keep everything it stores for one such user apart from every other. A claim the
settings name but the token lacks is a 403 before any Looker call: never a fall back to the service account,
which sees every row. API-key callers stay the service account (back-end jobs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from app.config import Settings
from app.errors import ApiError

from .identity import Caller, identity_key


@dataclass(frozen=True)
class LookerUser:
    """The Looker embed user a caller acts as: its external id and the attribute values from its claims."""

    external_user_id: str
    attributes: tuple[tuple[str, str], ...]

    @property
    def fingerprint(self) -> str:
        """Return what every cache key, memo and shared token of this user carries: who, with which values."""
        raw = orjson.dumps([self.external_user_id, self.attributes])
        return hashlib.sha256(raw).hexdigest()[:24]

    @property
    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)


def _claim(claims: dict, path: str):
    value = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def literal(value: str) -> str:
    """Return a claim's value as a Looker filter expression that matches exactly that text.

    Looker reads the value of a user attribute in an access_filter as a filter expression, so a claim of `%`
    would match every row, `-Nike` every brand but one, `a,b` two. `^` escapes each of those characters.
    """
    escaped = "".join("^" + char if char in ",%_^\\" else char for char in value)
    if escaped.startswith("-") or escaped.upper() in ("NULL", "EMPTY", "-NULL", "-EMPTY"):
        escaped = "^" + escaped
    return escaped


def looker_user(settings: Settings, caller: Caller) -> LookerUser | None:
    """Return the Looker user a JWT caller acts as under USER_ATTRIBUTES, None for the service account; or 403."""
    if not settings.user_attributes or caller.kind != "jwt":
        return None
    values = []
    for attribute, path in settings.user_attributes:
        value = _claim(caller.claims, path)
        if isinstance(value, bool):
            value = "yes" if value else "no"  # Looker's yesno user attributes
        if value is None or isinstance(value, dict | list) or str(value).strip() == "":
            raise ApiError(
                403,
                f"The token has no '{path}' claim; this service needs it for the Looker user attribute "
                f"'{attribute}', and never falls back to seeing every row.",
            )
        values.append((attribute, literal(str(value))))
    return LookerUser(identity_key(*caller.identity), tuple(values))
