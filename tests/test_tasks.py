"""Async query tasks: nobody waits on a slow query, ids work anywhere, results land in the cache."""

import time

import pytest

from looker_emulator.state import Fault

from .helpers import ADMIN_KEY, API_KEY, QUERY, calls, problem, wait_complete


def test_a_slow_query_runs_without_any_request_waiting(client, emulator):
    emulator.state.faults.append(Fault(operation="query_task_execution", latency_ms=1500))
    started = client.post("/api/query_tasks", json=QUERY)
    assert started.status_code == 202 and started.headers["Location"] == f"/api/query_tasks/{started.json['id']}"
    task_id = started.json["id"]
    assert client.get(f"/api/query_tasks/{task_id}").json["status"] in ("added", "running")
    pending = client.get(f"/api/query_tasks/{task_id}/results")
    assert pending.status_code == 202 and pending.headers["Retry-After"] == "1"
    assert pending.json == {"id": task_id, "status": pending.json["status"]}
    done = wait_complete(client, task_id)
    assert done.status_code == 200 and done.content_type == "application/json" and b"orders.count" in done.data
    assert client.get(f"/api/query_tasks/{task_id}").json["status"] == "complete"


def test_prefer_respond_async_on_query_starts_a_task(client):
    reply = client.post("/api/query", json=QUERY, headers={"Prefer": "respond-async"})
    assert reply.status_code == 202 and reply.headers["Preference-Applied"] == "respond-async"
    assert wait_complete(client, reply.json["id"]).status_code == 200


def test_a_finished_task_lands_in_the_cache_and_a_cached_query_answers_at_once(client, emulator):
    task_id = client.post("/api/query_tasks", json=QUERY).json["id"]
    wait_complete(client, task_id)
    assert client.post("/api/query", json=QUERY).headers["X-Cache"] == "HIT"
    again = client.post("/api/query_tasks", json=QUERY)
    assert again.json["status"] == "complete" and calls(emulator, "create_query_task") == 1
    assert client.get(f"/api/query_tasks/{again.json['id']}/results").headers["X-Cache"] == "HIT"


def test_task_ids_work_on_another_worker(make_app, client):
    task_id = client.post("/api/query_tasks", json={**QUERY, "format": "csv"}).json["id"]
    other = make_app().test_client()  # a separate app: its own cache, nothing shared in memory
    other.environ_base["HTTP_X_API_KEY"] = API_KEY
    reply = wait_complete(other, task_id)
    assert reply.status_code == 200 and reply.content_type == "text/csv; charset=utf-8"


def test_delete_kills_the_query_in_looker(client, emulator):
    emulator.state.faults.append(Fault(operation="query_task_execution", latency_ms=1000))
    task_id = client.post("/api/query_tasks", json=QUERY).json["id"]
    assert client.delete(f"/api/query_tasks/{task_id}").status_code == 204
    assert calls(emulator, "kill_query") == 1
    assert client.get(f"/api/query_tasks/{task_id}").json["status"] == "killed"
    problem(client.get(f"/api/query_tasks/{task_id}/results"), 404, "not_found")


@pytest.mark.parametrize("task_id", ["nope", "eyJ0IjoiYWJjIn0.forged"])
def test_unknown_or_forged_task_ids_are_404(client, task_id):
    problem(client.get(f"/api/query_tasks/{task_id}"), 404, "not_found")
    problem(client.get(f"/api/query_tasks/{task_id}/results"), 404, "not_found")


def test_a_failed_query_reports_lookers_problem(client, emulator):
    emulator.state.faults.append(Fault(operation="query_task_execution", status=500, times=1))
    task_id = client.post("/api/query_tasks", json=QUERY).json["id"]
    reply = wait_complete(client, task_id)
    assert reply.status_code == 422 and "failed in the database" in reply.json["detail"]
    assert client.post("/api/query", json=QUERY).headers["X-Cache"] == "MISS"  # the failure was not stored


def test_task_bodies_are_validated_like_queries(client, emulator):
    problem(client.post("/api/query_tasks", json={**QUERY, "limit": 0}), 400, "invalid_request")
    assert calls(emulator, "create_query_task") == 0


def _jwt(sub: str) -> str:
    import jwt

    claims = {"sub": sub, "exp": int(time.time()) + 300}
    return jwt.encode(claims, "jwt-secret-0123456789-0123456789-abcdef", algorithm="HS256")


@pytest.mark.parametrize(
    "intruder",
    [
        lambda: {"X-API-Key": ADMIN_KEY},  # another API key, even the admin
        lambda: {"Authorization": "Bearer " + _jwt("web")},  # a token whose sub is the owner's key label
    ],
)
def test_another_caller_gets_404_for_a_task_id(make_app, emulator, intruder):
    intruder = intruder()  # the token is made when the test runs: one made at collection may have expired
    app = make_app(JWT_SECRET="jwt-secret-0123456789-0123456789-abcdef")
    owner, other = app.test_client(), app.test_client()
    owner.environ_base["HTTP_X_API_KEY"] = API_KEY
    task_id = owner.post("/api/query_tasks", json=QUERY).json["id"]
    for method, path in [
        ("GET", f"/api/query_tasks/{task_id}"),
        ("GET", f"/api/query_tasks/{task_id}/results"),
        ("DELETE", f"/api/query_tasks/{task_id}"),
    ]:
        problem(other.open(path, method=method, headers=intruder), 404, "not_found")
    assert calls(emulator, "kill_query") == 0 and calls(emulator, "query_task") == 0
    assert wait_complete(owner, task_id).status_code == 200


def test_a_task_id_reveals_nothing_it_carries(client, emulator):
    import base64
    import zlib

    task_id = client.post("/api/query_tasks", json=QUERY).json["id"]
    looker_task = next(iter(emulator.state.tasks))
    decoded = b""
    for part in task_id.split("."):
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        try:
            raw += zlib.decompress(raw)  # a signed-only id may be compressed, which hides nothing
        except zlib.error:
            pass
        decoded += raw
    for secret in (b"thelook", b"orders", looker_task.encode(), b"web"):
        assert secret not in decoded and secret.decode() not in task_id
    tampered = task_id[:-2] + ("A" if task_id[-2] != "A" else "B") + task_id[-1]
    problem(client.get(f"/api/query_tasks/{tampered}"), 404, "not_found")
