"""The SDK's wire: our settings instead of looker.ini, real HTTP statuses, typed errors, raw result bytes.

looker_sdk shares one requests.Session safely, but it does not lock its login, it writes a form
Content-Type into whatever transport_options dict triggers a login, and its errors carry no HTTP status.
This transport fixes those at the wire: it raises typed errors before the SDK builds an SDKError (which
would also fetch error documentation from the internet), it hands the SDK's login a throwaway options
dict, and for calls marked `RAW` it returns Looker's bytes and Content-Type as they came.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import orjson
import requests
from looker_sdk.rtl import api_settings, transport
from looker_sdk.rtl.requests_transport import NullAuth, RequestsTransport

from app.config import Settings
from app.errors import ApiError

RAW = "looker_proxy_raw"  # transport option: return the body as a WireBody, untouched
BINARY = transport.ResponseMode.BINARY
_ACTING: ContextVar[str | None] = ContextVar("looker_proxy_acting_token", default=None)


class UserTokenRefused(ApiError):
    """Looker refused the login_user token a call ran with (revoked, or expired early)."""

    def __init__(self):
        super().__init__(502, "Looker refused the session of this caller's Looker user.")


@contextmanager
def acting_as(token: str):
    """Run the Looker calls inside the block with a user's token instead of the service account's."""
    reset = _ACTING.set(token)
    try:
        yield
    finally:
        _ACTING.reset(reset)


def acting_token() -> str | None:
    """Return the user token the current call runs with (None: the service account)."""
    return _ACTING.get()


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


class WireBody(bytes):
    """Response bytes that keep Looker's Content-Type on their way back through the SDK."""

    content_type: str

    def __new__(cls, content: bytes, content_type: str) -> WireBody:
        made = super().__new__(cls, content)
        made.content_type = content_type
        return made


class SdkSettings(api_settings.ApiSettings):
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


class Transport(RequestsTransport):
    """A RequestsTransport that knows the HTTP status and raises our typed errors."""

    def request(self, method, path, query_params=None, body=None, authenticator=None, transport_options=None):
        options = dict(transport_options or {})
        headers = {}
        if authenticator:
            headers.update(authenticator({}))  # a throwaway dict absorbs the login's header mutation
        headers.update(options.get("headers") or {})
        user_token = _ACTING.get()
        if user_token is not None and not path.rstrip("/").endswith("/login"):
            headers["Authorization"] = f"token {user_token}"  # this call, and only it, runs as the user
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
        if options.get(RAW):  # a result: the SDK hands BINARY values back untouched, so the bytes arrive as sent
            return transport.Response(True, WireBody(resp.content, resp.headers.get("Content-Type", "")), BINARY)
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
