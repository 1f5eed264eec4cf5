"""Hostile HTTP against a real gunicorn: whatever arrives, the answer is problem+json, never an HTML page."""

import socket

import orjson
import pytest
import requests

from .helpers import API_KEY, emulator_env, start_service

QUERY = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def service(running_emulator):
    process, base = start_service(emulator_env(running_emulator))
    yield base
    process.terminate()
    process.wait(timeout=30)


def raw(base: str, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are and read the whole answer (gunicorn closes the connection after a refusal)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /api/looks/" + b"1" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        (b"get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\x01Name: 1\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 200 + b"\r\n", 431),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"POST /api/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"GET /api/looks//1 HTTP/1.1\r\nHost: x\r\nX-API-Key: " + API_KEY.encode() + b"\r\n\r\n", 404),
        (b"GET /api/dashboards/1//data HTTP/1.1\r\nHost: x\r\nX-API-Key: " + API_KEY.encode() + b"\r\n\r\n", 404),
    ],
)
def test_requests_gunicorn_or_routing_refuse_answer_problem_json(service, request_bytes, status):
    got, headers, body = raw(service, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/problem+json"
    problem = orjson.loads(body)
    assert problem["status"] == status and problem["code"] and problem["request_id"] == headers["x-request-id"]
    assert b"<" not in body


def chunked(payload: bytes, size: int = 8192) -> bytes:
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    parts = [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces]
    return b"".join(parts) + b"0\r\n\r\n"


def padded_query(total: int) -> bytes:
    """Return a valid query body of exactly `total` bytes (JSON whitespace after the opening brace)."""
    body = orjson.dumps(QUERY)
    return b"{" + b" " * (total - len(body)) + body[1:]


@pytest.mark.parametrize(("size", "status"), [(LIMIT, 200), (LIMIT + 1, 413), (4 * LIMIT, 413)])
@pytest.mark.parametrize("how", ["chunked", "content-length"])
def test_bodies_past_64_kib_are_413_however_they_arrive_under_gunicorn(service, size, status, how):
    body = padded_query(size)
    assert len(body) == size
    head = b"POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: %s\r\n" % (
        API_KEY.encode()
    )
    if how == "chunked":
        request = head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(body)
    else:
        request = head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % size + body
    got, headers, answer = raw(service, request)
    assert got == status
    if status == 413:
        assert headers["content-type"] == "application/problem+json"
        assert orjson.loads(answer)["code"] == "payload_too_large"


def test_a_chunked_body_under_the_limit_still_runs_with_requests(service):
    answer = requests.post(
        f"{service}/api/query",
        data=iter([orjson.dumps(QUERY)]),
        headers={"X-API-Key": API_KEY, "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200 and {row["orders.status"] for row in answer.json()} >= {"complete"}
