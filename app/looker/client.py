"""The one Looker client of a worker: thread-safe login, bounded calls, a breaker, and our errors.

Every Looker call goes through `call` (or `fetch` for a result's raw bytes) with a function of the SDK, so a
reader follows it straight to the SDK method: `client.call("Look 1", lambda sdk: sdk.look("1"))`. Around the
call: at most LOOKER_MAX_CONCURRENCY at once per worker (more wait up to 5 s, then 503), the circuit breaker
(breaker.py), one login however many threads arrive together, one re-login when Looker revoked the token,
and every failure turned into an ApiError (errors.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import looker_sdk
from looker_sdk.rtl.auth_token import AuthToken
from looker_sdk.sdk.api40.methods import Looker40SDK
from requests.adapters import HTTPAdapter

from app.config import Settings
from app.errors import ApiError
from app.frontdoor.state import acting_user

from .breaker import Breaker, BreakerOpen
from .errors import from_http, from_network
from .results import check
from .transport import (
    RAW,
    LookerBody,
    LookerHTTPError,
    LookerNetworkError,
    SdkSettings,
    Transport,
    UserTokenRefused,
    WireBody,
    acting_as,
    acting_token,
)

if TYPE_CHECKING:
    from app.telemetry import Telemetry

    from .users import UserSessions

log = logging.getLogger("looker_proxy.looker")
T = TypeVar("T")
Options = dict[str, Any]  # the SDK's transport_options


def operation_of(run: Callable) -> str:
    """Return the SDK method a call's function uses (its first name that is one), for the latency metric."""
    names = getattr(getattr(run, "__code__", None), "co_names", ())
    return next((name for name in names if hasattr(Looker40SDK, name)), "call")


class LookerClient:
    """One shared SDK per worker process, safe for every thread of a gthread worker."""

    def __init__(
        self,
        settings: Settings,
        *,
        pool_size: int = 16,
        telemetry: Telemetry | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_call: Callable[[float], None] | None = None,
    ):
        self.settings = settings
        self.telemetry = telemetry
        self.on_call = on_call  # told each call's milliseconds (the access log sums them per request)
        self.users: UserSessions | None = None  # per-user identities' Looker sessions (USER_ATTRIBUTES)
        self._slots = threading.BoundedSemaphore(settings.looker_max_concurrency)
        self.slot_wait = min(5.0, float(settings.looker_timeout))
        self.breaker = Breaker(settings.breaker_failures, settings.breaker_reset_seconds, clock)
        self.pool_size = pool_size
        self._sdk: Looker40SDK | None = None
        self._lock = threading.Lock()

    @property
    def sdk(self) -> Looker40SDK:
        """Build the SDK on first use, never at import or start (gunicorn forks after import)."""
        if self._sdk is None:
            with self._lock:
                if self._sdk is None:
                    sdk = looker_sdk.init40(config_settings=SdkSettings(self.settings))
                    wire = Transport(sdk.auth.settings, sdk.transport.session)
                    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.pool_size)
                    wire.session.mount("https://", adapter)
                    wire.session.mount("http://", adapter)
                    sdk.transport = sdk.auth.transport = wire
                    self._sdk = sdk
        return self._sdk

    def call(
        self,
        what: str,
        run: Callable[[Looker40SDK], T],
        subject: str | None = None,
        *,
        op: str = "",
        service: bool = False,
    ) -> T:
        """Return `run(sdk)`, turning every failure into an ApiError; `what` names the thing in messages.

        `subject` tells the breaker which question this is (default: `what`), so one failing question
        cannot open it for everyone. The call runs as the request's Looker user under USER_ATTRIBUTES
        (its login_user token on this one call), as the service account otherwise or with `service`.
        """
        user = None if service or self.users is None else acting_user()
        if user is None:
            return self._bounded(what, run, subject, op)
        for attempt in (1, 2):
            token = self.users.token(user)
            with acting_as(token):
                try:
                    return self._bounded(what, run, subject, op)
                except UserTokenRefused:
                    self.users.forget(user)  # revoked or expired early: make a new one, once
                    if attempt == 2:
                        raise ApiError(
                            502, "Looker no longer accepts the session of this caller's Looker user."
                        ) from None
        raise AssertionError("unreachable")

    def _bounded(self, what: str, run: Callable[[Looker40SDK], T], subject: str | None, op: str) -> T:
        started = time.perf_counter()
        if not self._slots.acquire(timeout=self.slot_wait):
            raise ApiError(
                503,
                "Looker is busy with this service's other requests; try again shortly.",
                headers={"Retry-After": "2"},
            )
        try:
            self.breaker.before()
            result = self._call(what, run)
        except BreakerOpen:
            self._count_error(503)
            raise ApiError(
                503,
                "Looker has been failing; the service is giving it a moment before asking again.",
                headers={"Retry-After": str(int(self.settings.breaker_reset_seconds))},
            ) from None
        except ApiError as exc:
            if exc.status >= 500:
                self.breaker.failed(subject or what)
            else:
                self.breaker.neutral()
            self._count_error(exc.status)
            raise
        except BaseException:
            self.breaker.neutral()
            raise
        else:
            self.breaker.succeeded()
            return result
        finally:
            self._slots.release()
            elapsed = time.perf_counter() - started
            if self.telemetry is not None:
                self.telemetry.looker_seconds.labels(op or operation_of(run)).observe(elapsed)
            if self.on_call is not None:
                self.on_call(elapsed * 1000)

    def fetch(
        self, what: str, run: Callable[[Looker40SDK, Options], Any], subject: str | None = None, *, fmt: str = ""
    ) -> LookerBody:
        """Return a result's bytes and Content-Type exactly as Looker sent them: `run(sdk, transport_options)`.

        With `fmt`, the body must be a result in that format (results.check), checked inside the call so a
        body that is not one counts as Looker failing and Looker's database error does not.
        """

        def fetched(sdk: Looker40SDK) -> LookerBody:
            raw = run(sdk, {RAW: True})
            if not isinstance(raw, WireBody):
                raise ApiError(502, "Looker sent an answer the service could not read.")
            body = LookerBody(bytes(raw), raw.content_type)
            if fmt:
                check(body, fmt)
            return body

        return self.call(what, fetched, subject, op=operation_of(run))

    def _count_error(self, status: int) -> None:
        if self.telemetry is not None:
            self.telemetry.looker_errors.labels(str(status)).inc()

    def _ensure_login(self) -> None:
        sdk = self.sdk
        if not sdk.auth.is_authenticated:
            with self._lock:
                if not sdk.auth.is_authenticated:  # one login, however many threads arrive together
                    sdk.auth.authenticate({})

    def _call(self, what: str, run: Callable[[Looker40SDK], T]) -> T:
        try:
            for attempt in (1, 2):
                try:
                    self._ensure_login()
                    token = self.sdk.auth.token
                    return run(self.sdk)
                except LookerHTTPError as exc:
                    if exc.status == 401 and acting_token() is not None:
                        raise UserTokenRefused() from None  # the user's token, not the service account's
                    if exc.status == 401 and not exc.is_login and attempt == 1:
                        with self._lock:  # a token revoked server-side: log in again once, then retry
                            if self.sdk.auth.token is token:
                                self.sdk.auth.token = AuthToken()
                        continue
                    raise
            raise AssertionError("unreachable")
        except LookerHTTPError as exc:
            raise from_http(exc, what) from None
        except LookerNetworkError as exc:
            raise from_network(exc) from None
        except ApiError:
            raise
        except Exception as exc:  # noqa: BLE001 - cattrs and deserialisation errors escape the SDK too
            log.warning("unreadable Looker answer", extra={"event": "looker_unreadable", "error": type(exc).__name__})
            raise ApiError(502, "Looker sent an answer the service could not read.") from None
