"""Bodies past 64 KiB are refused however they arrive, chunked or with a Content-Length.

Werkzeug checks a declared Content-Length against MAX_CONTENT_LENGTH, but a chunked body (a server that
dechunks sets `wsgi.input_terminated`) is only read up to the limit: the rest was silently dropped and the
cut body ran. Here a chunked body is read once, up to one byte past the limit, and handed on as a body with a
Content-Length, so Werkzeug's 413 applies to it as to any other. The fast path, in front, takes sized bodies only.
"""

from __future__ import annotations

import io

READ_SIZE = 16 * 1024


def _is_unsized(environ) -> bool:
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return bool(environ.get("wsgi.input_terminated")) and (chunked or not environ.get("CONTENT_LENGTH"))


def read_up_to(stream, limit: int) -> bytes:
    """Read at most `limit` bytes from a stream that may return fewer than asked per read."""
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(min(READ_SIZE, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class SizedBodies:
    """WSGI middleware: give every unsized (chunked) body a Content-Length, reading one byte past `limit`."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    def __call__(self, environ, start_response):
        if _is_unsized(environ):
            body = read_up_to(environ["wsgi.input"], self.limit + 1)  # one byte more says "too large"
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def wrap(app, limit: int) -> None:
    """Put the sizing in front of Flask; call before fast_path.wrap, which passes chunked bodies on to it."""
    app.wsgi_app = SizedBodies(app.wsgi_app, limit)
