"""The gunicorn worker: gthread, except that requests gunicorn itself refuses answer problem+json too.

gunicorn answers what it cannot parse (a request line over 4 KB, `Content-Length: -1`, a lowercase method,
bad header bytes) before the app sees it, with its own HTML page written by `Worker.handle_error`. A custom
`worker_class` is gunicorn's documented way to change a worker, and `handle_error` is the one method every
worker calls for such requests, so overriding it here covers all of them without patching gunicorn's modules.
The status follows gunicorn's own choice for each refusal; what gunicorn adds in a later version falls back
to 400 when it is a parse error and 500 otherwise.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson
from gunicorn import util
from gunicorn.http import errors as refused
from gunicorn.workers.gthread import ThreadWorker

from app.errors import PROBLEM_JSON, problem_document
from app.logs import log_request, request_id

REFUSALS = (  # first match wins: the response-header errors subclass the request-header ones
    ((refused.InvalidResponseHeader, refused.InvalidResponseHeaderName), 500, "The service hit an unexpected error."),
    ((refused.LimitRequestLine,), 414, "The request line is longer than the service accepts."),
    ((refused.LimitRequestHeaders,), 431, "The request's headers are too many or too large."),
    ((refused.UnsupportedTransferCoding,), 501, "The request's Transfer-Encoding is not supported."),
    ((refused.ExpectationFailed,), 417, "Only 'Expect: 100-continue' is supported."),
    ((refused.ForbiddenProxyRequest,), 403, "Proxy protocol requests from this address are refused."),
    ((refused.ConfigurationProblem,), 500, "The service is misconfigured."),
)
DETAIL_LIMIT = 200


def refusal(exc: BaseException) -> tuple[int, str]:
    """Return the status and detail for an error gunicorn raised before (or instead of) the app answering."""
    for kinds, status, detail in REFUSALS:
        if isinstance(exc, kinds):
            return status, detail
    if isinstance(exc, refused.ParseException):
        return 400, f"The request is not valid HTTP/1.1: {str(exc)[:DETAIL_LIMIT]}."
    return 500, "The service hit an unexpected error; it has been logged with the request id."


def problem_response(status: int, detail: str, rid: str) -> bytes:
    """Return a whole HTTP/1.1 answer carrying the problem, closing the connection as gunicorn does."""
    body = orjson.dumps(problem_document(status, detail, rid))
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"X-Request-ID: {rid}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ProblemWorker(ThreadWorker):
    """gunicorn's gthread worker whose own error answers are problem+json."""

    def handle_error(self, req, client, addr, exc):
        """Log what gunicorn refused and answer it with a problem instead of an HTML page."""
        status, detail = refusal(exc)
        if status == 500:
            self.log.exception("Error handling request")
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        rid = request_id("")
        log_request(
            method=getattr(req, "method", None) or "",
            path=getattr(req, "path", None) or "",
            status=status,
            started=None,
            cache=None,
            looker_ms=0.0,
            request_id=rid,
            caller=None,
        )
        try:
            util.write_nonblock(client, problem_response(status, detail, rid))
        except OSError:
            self.log.debug("Failed to send error message.")
