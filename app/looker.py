"""The one Looker client of a worker: thread-safe login, bounded calls, real HTTP statuses, our errors.

looker_sdk shares one requests.Session safely, but it does not lock its login, it writes a form
Content-Type into whatever transport_options dict triggers a login, its pool holds 10 connections,
and its errors carry no HTTP status. The transport below fixes those at the wire: it records the
status and raises typed errors before the SDK builds an SDKError (which would also fetch error
documentation from the internet), and it hands the SDK's login a throwaway options dict.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import looker_sdk
import orjson
import pybreaker
import requests
from flask import Flask, current_app, g, has_request_context
from looker_sdk.rtl import api_settings, transport
from looker_sdk.rtl.auth_token import AuthToken
from looker_sdk.rtl.requests_transport import NullAuth, RequestsTransport
from requests.adapters import HTTPAdapter

from .config import Settings
from .errors import ApiError

log = logging.getLogger("looker_proxy.looker")


class LookerHTTPError(Exception):
    """Looker answered with an error status."""

    def __init__(self, status: int, body: bytes, headers: dict, path: str):
        super().__init__(f"Looker answered {status}")
        self.status, self.body, self.headers, self.path = status, body, headers, path

    @property
    def is_login(self) -> bool:
        return self.path.rstrip("/").endswith("/login")

    def payload(self) -> dict:
        try:
            parsed = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


class LookerNetworkError(Exception):
    """Looker could not be reached, or did not answer in time. `kind`: timeout, tls or unreachable."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


@dataclass(frozen=True)
class LookerBody:
    """Looker's response bytes exactly as they arrived, with Looker's Content-Type."""

    content: bytes
    content_type: str


class _Settings(api_settings.ApiSettings):
    """Hand our validated settings to the SDK instead of looker.ini or LOOKERSDK_* lookups."""

    def __init__(self, settings: Settings):
        self._explicit = {
            "base_url": settings.looker_base_url,
            "client_id": settings.looker_client_id,
            "client_secret": settings.looker_client_secret.reveal(),
            "verify_ssl": str(settings.verify_ssl).lower(),
            "timeout": str(settings.looker_timeout),
        }
        super().__init__(filename="", env_prefix=None)

    def read_config(self):
        return dict(self._explicit)  # never a looker.ini that happens to lie in the working directory


class _Transport(RequestsTransport):
    """A RequestsTransport that knows the HTTP status and raises our typed errors."""

    def __init__(self, settings, session: requests.Session):
        super().__init__(settings, session)
        self.local = threading.local()

    def request(self, method, path, query_params=None, body=None, authenticator=None, transport_options=None):
        options = dict(transport_options or {})
        headers = {}
        if authenticator:
            headers.update(authenticator({}))  # a throwaway dict absorbs the login's header mutation
        headers.update(options.get("headers") or {})
        try:
            resp = self.session.request(
                method.name,
                path,
                auth=NullAuth(),
                params=query_params,
                data=body,
                headers=headers,
                timeout=options.get("timeout") or self.settings.timeout,
            )
        except requests.Timeout as exc:
            raise LookerNetworkError("timeout", f"no answer within {self.settings.timeout} s") from exc
        except requests.exceptions.SSLError as exc:
            raise LookerNetworkError("tls", "TLS verification of the Looker host failed") from exc
        except (requests.RequestException, OSError) as exc:
            raise LookerNetworkError("unreachable", _network_reason(exc)) from exc
        if resp.status_code >= 400:
            raise LookerHTTPError(resp.status_code, resp.content, dict(resp.headers), path)
        self.local.last = LookerBody(resp.content, resp.headers.get("Content-Type", ""))
        response = transport.Response(True, resp.content, transport.response_mode(resp.headers.get("content-type")))
        encoding = requests.utils.get_encoding_from_headers(resp.headers)
        if encoding:
            response.encoding = encoding
        return response


def _network_reason(exc: Exception) -> str:
    text = str(exc)
    if "NameResolution" in text or "Name or service not known" in text or "nodename" in text:
        return "the Looker host name does not resolve"
    if "refused" in text.lower():
        return "the Looker host refused the connection (wrong port, or Looker is down)"
    if "RemoteDisconnected" in text or "aborted" in text.lower() or "reset" in text.lower():
        return "Looker closed the connection without answering"
    return "Looker could not be reached"


class LookerClient:
    """One shared SDK per worker process, safe for every thread of a gthread worker."""

    def __init__(self, settings: Settings, pool_size: int = 16, metrics=None):
        self.settings = settings
        self.metrics = metrics
        # At most this many Looker calls at once per worker: a burst of distinct queries waits its turn
        # (bounded) instead of exhausting Looker's connections.
        self._slots = threading.BoundedSemaphore(settings.looker_max_concurrency)
        self.slot_wait = min(5.0, float(settings.looker_timeout))
        # After repeated failures, fail fast for a cool-down instead of piling up timeouts; then probe.
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=settings.breaker_failures,
            reset_timeout=settings.breaker_reset_seconds,
            exclude=[lambda exc: not (isinstance(exc, ApiError) and exc.status >= 500)],
            throw_new_error_on_trip=False,
            name="looker",
        )
        self.pool_size = pool_size
        self._sdk = None
        self._transport: _Transport | None = None
        self._lock = threading.Lock()

    @property
    def sdk(self):
        """Build the SDK on first use, never at import or start (gunicorn forks after import)."""
        if self._sdk is None:
            with self._lock:
                if self._sdk is None:
                    sdk = looker_sdk.init40(config_settings=_Settings(self.settings))
                    transport_ = _Transport(sdk.auth.settings, sdk.transport.session)
                    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.pool_size)
                    transport_.session.mount("https://", adapter)
                    transport_.session.mount("http://", adapter)
                    sdk.transport = sdk.auth.transport = transport_
                    self._transport, self._sdk = transport_, sdk
        return self._sdk

    def _ensure_login(self) -> None:
        sdk = self.sdk
        if not sdk.auth.is_authenticated:
            with self._lock:
                if not sdk.auth.is_authenticated:  # one login, however many threads arrive together
                    sdk.auth.authenticate({})

    def call(self, what: str, method: str, *args, **kwargs):
        """Call an SDK method and return its value, turning every failure into an ApiError."""
        started = time.perf_counter()
        if not self._slots.acquire(timeout=self.slot_wait):
            raise ApiError(
                503,
                "Looker is busy with this service's other requests; try again shortly.",
                headers={"Retry-After": "2"},
            )
        try:
            return self.breaker.call(self._call, what, method, *args, **kwargs)
        except pybreaker.CircuitBreakerError:
            if self.metrics:
                self.metrics.looker_errors.labels("503").inc()
            raise ApiError(
                503,
                "Looker has been failing; the service is giving it a moment before asking again.",
                headers={"Retry-After": str(int(self.settings.breaker_reset_seconds))},
            ) from None
        except ApiError as exc:
            if self.metrics:
                self.metrics.looker_errors.labels(str(exc.status)).inc()
            raise
        finally:
            self._slots.release()
            elapsed = time.perf_counter() - started
            if self.metrics:
                self.metrics.looker_seconds.labels(method).observe(elapsed)
            if has_request_context():
                g.looker_ms = g.get("looker_ms", 0.0) + elapsed * 1000

    def _call(self, what: str, method: str, *args, **kwargs):
        try:
            for attempt in (1, 2):
                try:
                    self._ensure_login()
                    token = self.sdk.auth.token
                    return getattr(self.sdk, method)(*args, **kwargs)
                except LookerHTTPError as exc:
                    if exc.status == 401 and not exc.is_login and attempt == 1:
                        with self._lock:  # a token revoked server-side: log in again once, then retry
                            if self.sdk.auth.token is token:
                                self.sdk.auth.token = AuthToken()
                        continue
                    raise
        except LookerHTTPError as exc:
            raise _from_http(exc, what) from None
        except LookerNetworkError as exc:
            raise _from_network(exc) from None
        except ApiError:
            raise
        except Exception as exc:  # noqa: BLE001 - cattrs and deserialisation errors escape the SDK too
            log.warning("unreadable Looker answer", extra={"event": "looker_unreadable", "error": type(exc).__name__})
            raise ApiError(502, "Looker sent an answer the service could not read.") from None

    def fetch(self, what: str, method: str, *args, **kwargs) -> LookerBody:
        """Call a run_* method and return Looker's bytes untouched, as they came off the wire."""
        self.call(what, method, *args, **kwargs)
        return self._transport.local.last


def _from_http(exc: LookerHTTPError, what: str) -> ApiError:
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
    if exc.status == 404:
        return ApiError(404, f"Looker has no {what}.")
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


def _from_network(exc: LookerNetworkError) -> ApiError:
    if exc.kind == "timeout":
        return ApiError(504, f"Looker did not answer in time ({exc}).")
    if exc.kind == "tls":
        return ApiError(502, "TLS verification of the Looker host failed.")
    return ApiError(503, f"Looker is unreachable: {exc}.", headers={"Retry-After": "5"})


def init_app(app: Flask, settings: Settings) -> None:
    """Bind one Looker client to the app; nothing is built or called until the first request."""
    app.extensions["looker"] = LookerClient(
        settings, pool_size=settings.threads + 8, metrics=app.extensions.get("telemetry")
    )


def looker() -> LookerClient:
    """Return the current app's Looker client."""
    return current_app.extensions["looker"]
