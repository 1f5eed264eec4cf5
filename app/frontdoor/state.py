"""What the front door learned about the request in hand, kept in one typed object for everything after it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.security.people import LookerUser

KEY = "looker_proxy.request"  # the WSGI environ key the state travels under into Flask
ANONYMOUS = ("anonymous", "anonymous")


@dataclass
class RequestState:
    """One request's id, arrival time, caller and rate count, and the Looker time spent on it."""

    started: float
    request_id: str
    identity: tuple[str, str] = ANONYMOUS  # (kind, name): kind is key, jwt or anonymous
    rate: tuple = ()  # X-RateLimit values to send back
    looker_ms: float = 0.0
    user: LookerUser | None = None  # per-user data: the Looker user this caller acts as (None: the service account)


_CURRENT: ContextVar[RequestState | None] = ContextVar("looker_proxy_request", default=None)


def current() -> RequestState | None:
    """Return the state of the request this thread serves (None outside a request)."""
    return _CURRENT.get()


def enter(state: RequestState):
    """Make `state` the current request's; return the token `leave` needs."""
    return _CURRENT.set(state)


def leave(token) -> None:
    """Forget the current request's state."""
    _CURRENT.reset(token)


def acting_user() -> LookerUser | None:
    """Return the Looker user the current request acts as (None: the service account)."""
    state = _CURRENT.get()
    return state.user if state is not None else None


def scope() -> str:
    """Return the identity every key of the current request carries ("" for the service account's shared data)."""
    state = _CURRENT.get()
    return state.user.fingerprint if state is not None and state.user is not None else ""


def add_looker_ms(ms: float) -> None:
    """Add a Looker call's time to the current request's access line (nothing outside a request)."""
    state = _CURRENT.get()
    if state is not None:
        state.looker_ms += ms
