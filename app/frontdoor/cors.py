"""CORS for the configured browser origins only: answers to listed origins carry CORS headers, others none.

Every answer varies by Origin once CORS_ORIGINS is set (`Vary: Origin`), so a shared cache never hands one
origin's answer to another. Preflights are answered here, before routing, identity or limits (a browser
sends them without credentials). Credentials (cookies) are allowed only with CORS_CREDENTIALS: the API's own
credentials travel in Authorization, which needs no cookie mode.
"""

from __future__ import annotations

import re

from app.config import Settings

ALLOW_HEADERS = "Authorization, X-API-Key, Content-Type, If-None-Match, Cache-Control, Prefer, X-Request-ID"
ALLOW_METHODS = "GET, POST, PUT, DELETE"
# Content-Disposition is not CORS-safelisted: without it a page cannot read a render's file name.
EXPOSE_HEADERS = (
    "ETag, X-Cache, Cache-Status, Age, X-Request-ID, Retry-After, Location, Preference-Applied, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Content-Disposition"
)
MAX_AGE = "600"


def origin_pattern(origin: str) -> re.Pattern:
    """Turn an entry such as `http://localhost:*` into an exact-match pattern (`*`: a port or a host label)."""
    escaped = re.escape(origin).replace(r":\*", r"(:[0-9]{1,5})?").replace(r"\*", r"[A-Za-z0-9-]+")
    return re.compile(f"{escaped}")


class Cors:
    """The CORS rules of CORS_ORIGINS, applied to one request's Origin at a time."""

    def __init__(self, settings: Settings):
        self.enabled = bool(settings.cors_origins)
        self.exact = {o for o in settings.cors_origins if "*" not in o}
        self.patterns = [origin_pattern(o) for o in settings.cors_origins if "*" in o]
        self.credentials = settings.cors_credentials
        self._known: dict[str, bool] = {}  # origins seen, judged once (bounded below)

    def allowed(self, origin: str | None) -> bool:
        """Say whether a request's Origin is one of CORS_ORIGINS."""
        if not origin or not self.enabled:
            return False
        known = self._known.get(origin)
        if known is None:
            known = origin in self.exact or any(p.fullmatch(origin) for p in self.patterns)
            if len(self._known) < 1024:
                self._known[origin] = known
        return known

    def headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Return the CORS headers an answer to this Origin carries (only Vary for an origin not listed)."""
        if not self.enabled:
            return []
        if not self.allowed(origin):
            return [("Vary", "Origin")]
        listed = [
            ("Access-Control-Allow-Origin", origin),
            ("Vary", "Origin"),
            ("Access-Control-Expose-Headers", EXPOSE_HEADERS),
        ]
        if self.credentials:
            listed.append(("Access-Control-Allow-Credentials", "true"))
        return listed

    def preflight(self, origin: str) -> list[tuple[str, str]]:
        """Return the headers of a preflight's 204 for a listed origin."""
        listed = [
            ("Access-Control-Allow-Origin", origin),
            ("Vary", "Origin"),
            ("Access-Control-Allow-Methods", ALLOW_METHODS),
            ("Access-Control-Allow-Headers", ALLOW_HEADERS),
            ("Access-Control-Max-Age", MAX_AGE),
        ]
        if self.credentials:
            listed.append(("Access-Control-Allow-Credentials", "true"))
        return listed
