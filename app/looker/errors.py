"""Looker's failures, at the wire, turned into the contract's errors (section 4 of the API contract).

| Looker                                   | ours                         |
|------------------------------------------|------------------------------|
| login refused (400/401/403/404)          | 502 looker_error             |
| 401 on a call after one re-login         | 502 looker_error             |
| 403                                      | 403 forbidden                |
| 404                                      | 404 not_found                |
| 400, 409, 422                            | 422 looker_validation        |
| 429                                      | 503 looker_unavailable       |
| other 4xx/5xx                            | 502 looker_error             |
| timeout / TLS / unreachable              | 504 / 502 / 503              |
"""

from __future__ import annotations

from typing import TypeVar

from app.errors import ApiError

from .transport import LookerHTTPError, LookerNetworkError

T = TypeVar("T")


def from_http(exc: LookerHTTPError, what: str) -> ApiError:
    """Return our error for Looker's error status on a call about `what`."""
    payload = exc.payload()
    message = str(payload.get("message") or "").strip()[:500]
    if exc.is_login and exc.status in (400, 401, 403, 404):
        return ApiError(
            502,
            "Looker refused the service account's credentials; check LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET.",
        )
    if exc.status == 401:
        return ApiError(502, "Looker no longer accepts the service account's session.")
    if exc.status == 403:
        return ApiError(403, f"Looker does not let the service account see {what}.")
    if exc.status == 404:  # `what` is a noun phrase ("Look 5", "the query on thelook/nope"): it reads after "for"
        said = f": {message.rstrip('.')}" if message and message.lower().rstrip(".") != "not found" else ""
        return ApiError(404, f"Looker found nothing for {what}{said}.")
    if exc.status in (400, 409, 422):
        errors = [
            {"field": str(e.get("field") or ""), "message": str(e.get("message") or "")}
            for e in payload.get("errors") or []
            if isinstance(e, dict)
        ]
        return ApiError(422, f"Looker rejected {what}: {message or 'invalid request'}", errors=errors)
    if exc.status == 429:
        retry = exc.headers.get("Retry-After", "30")
        return ApiError(
            503,
            "Looker is rate-limiting the service; try again shortly.",
            headers={"Retry-After": retry if str(retry).isdigit() else "30"},
        )
    return ApiError(502, f"Looker answered with status {exc.status}.")


def sent(value: T, *required: str) -> T:
    """Return Looker's object if every required field is set; a 200 without them (`{}`, `null`) is 502."""
    if (
        value is None
        or isinstance(value, str | bytes | list)
        or any(getattr(value, f, None) in (None, "") for f in required)
    ):
        raise ApiError(502, f"Looker sent an answer without {', '.join(required) or 'content'}.")
    return value


def from_network(exc: LookerNetworkError) -> ApiError:
    """Return our error for a Looker that could not be reached or did not answer in time."""
    if exc.kind == "timeout":
        return ApiError(504, f"Looker did not answer in time ({exc}).")
    if exc.kind == "tls":
        return ApiError(502, "TLS verification of the Looker host failed.")
    return ApiError(503, f"Looker is unreachable: {exc}.", headers={"Retry-After": "5"})
