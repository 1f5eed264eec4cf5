"""One error shape for the whole service: RFC 9457 problem+json, built here and nowhere else.

400 invalid_request         malformed JSON, wrong types, missing fields, limit over MAX_ROWS, unknown format
401 unauthorized            no or bad client credentials (with WWW-Authenticate: Bearer)
403 forbidden               model not allowed, or Looker refuses the service account
404 not_found               unknown route, Look, dashboard, model, explore, task, metric or report
405 method_not_allowed      with Allow
413 payload_too_large       body over 64 KiB
414 uri_too_long            a request line gunicorn refuses (over 4 KB)
415 unsupported_media_type  a body that is not JSON where JSON is expected
417 expectation_failed      an Expect header other than 100-continue
422 looker_validation       Looker rejected the query; its messages in `errors`
422 looker_query_failed     Looker ran the query and the database failed it (200 with `looker_error`); never cached
429 rate_limited            with Retry-After
431 headers_too_large       request headers gunicorn refuses (too many or too large)
500 internal_error          a bug of ours; logged with its traceback, never shown
501 not_implemented         a Transfer-Encoding gunicorn does not support
502 looker_error            Looker answered 5xx or garbage, or refused the service account's credentials
503 looker_unavailable      Looker unreachable or rate-limiting us (with Retry-After)
504 looker_timeout          a Looker call ran past LOOKERSDK_TIMEOUT
"""

from __future__ import annotations

import orjson
from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from .frontdoor.state import current

CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    417: "expectation_failed",
    422: "looker_validation",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    502: "looker_error",
    503: "looker_unavailable",
    504: "looker_timeout",
}
QUERY_FAILED = "looker_query_failed"
MORE_CODES = {422: {QUERY_FAILED: "the database failed the query Looker ran"}}  # besides each status's own code
TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    414: "Request line too long",
    415: "Unsupported media type",
    417: "Expectation failed",
    422: "Looker rejected the query",
    429: "Too many requests",
    431: "Request headers too large",
    500: "Internal error",
    501: "Not implemented",
    502: "Looker error",
    503: "Looker unavailable",
    504: "Looker timeout",
}
PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """An error a view or the Looker client raises; the handler turns it into problem+json."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors
        self.headers = headers or {}
        self.code = code or CODES.get(status, "error")

    def copy(self) -> ApiError:
        """Return the same error as a new exception, for another thread to raise."""
        return ApiError(self.status, self.detail, errors=self.errors, headers=dict(self.headers), code=self.code)

    def problem(self) -> dict:
        """Return the fields needed to rebuild this error in another process."""
        return {
            "status": self.status,
            "detail": self.detail,
            "errors": self.errors,
            "headers": self.headers,
            "code": self.code,
        }


def invalid(detail: str, errors: list[dict] | None = None) -> ApiError:
    """Return a 400 naming what is wrong with the request."""
    return ApiError(400, detail, errors=errors)


def problem_body(status: int, detail: str, code: str | None = None, errors: list[dict] | None = None) -> dict:
    """Return the problem object; dashboard tiles embed it as their `error`."""
    state = current()
    return problem_document(status, detail, state.request_id if state is not None else None, code, errors)


def problem_document(
    status: int, detail: str, request_id: str | None, code: str | None = None, errors: list[dict] | None = None
) -> dict:
    """Return the problem object for a request id, with no request context (gunicorn's refusals use it)."""
    code = code or CODES.get(status, "error")
    body = {
        "type": f"/docs#{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def _problem(response: Response, status: int, detail: str, code: str | None, errors: list[dict] | None):
    response.status_code = status
    response.set_data(orjson.dumps(problem_body(status, detail, code, errors)))
    response.content_type = PROBLEM_JSON
    response.headers["Cache-Control"] = "no-store"
    for name in ("ETag", "Last-Modified", "Age"):
        response.headers.pop(name, None)
    return response


def _http_error(exc: HTTPException):
    response = exc.get_response()  # keeps Werkzeug's own headers: Allow on 405, Retry-After on 429/503
    status = exc.code or 500
    detail = exc.description or TITLES.get(status, "Error")
    if status == 500:
        detail = "The service hit an unexpected error; it has been logged with the request id."
    elif status == 413:
        detail = "The request body is larger than 64 KiB."
    elif status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return _problem(response, status, detail, None, None)


def problem_answer(exc: ApiError) -> tuple[int, list[tuple[str, str]], bytes]:
    """Return an error's status, headers and problem+json body, for answers built outside Flask."""
    body = orjson.dumps(problem_body(exc.status, exc.detail, exc.code, exc.errors))
    headers = [*exc.headers.items(), ("Content-Type", PROBLEM_JSON), ("Cache-Control", "no-store")]
    if exc.status == 401:
        headers.append(("WWW-Authenticate", "Bearer"))
    return exc.status, [*headers, ("Content-Length", str(len(body)))], body


def _api_error(exc: ApiError):
    status, headers, body = problem_answer(exc)
    return Response(body, status=status, headers=headers)


def init_app(app: Flask) -> None:
    """Register the two handlers every error goes through."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ApiError, _api_error)
