"""schemathesis, in-process, against the app's own /openapi.json with the emulator behind it.

It checks that no input produces a server error, an undocumented status or content type, or a body that
breaks the documented schema. It is part of the README test command (and so of CI). schemathesis loads
the schema when the module is collected, so the module starts its own emulator then.
"""

import atexit

import schemathesis
from hypothesis import HealthCheck, settings

from app import create_app
from app.config import Settings
from looker_emulator.server import RunningEmulator

from .helpers import ADMIN_KEY, emulator_env

EMULATOR = RunningEmulator().start()
atexit.register(EMULATOR.stop)
APP = create_app(
    Settings.from_env(emulator_env(EMULATOR, RATE_LIMIT="100000/minute", EMBED_MODELS="thelook", LOOKERSDK_TIMEOUT="5"))
)
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)
CASES = {"count": 0}
DATA_PATH = "/api/dashboards/{dashboard_id}/data"


def _filter_names() -> set[str]:
    """Return the filter names of the emulator's dashboards: only they exist, which no document can list."""
    client = APP.test_client()
    boards = [client.get(f"/api/dashboards/{i}", headers={"Authorization": f"Bearer {ADMIN_KEY}"}) for i in (1, 2, 3)]
    return {f["name"] for board in boards if board.status_code == 200 for f in board.get_json()["filters"]}


FILTER_NAMES = _filter_names()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_own_openapi(case):
    CASES["count"] += 1
    headers = dict(case.headers or {})
    headers.setdefault("Authorization", f"Bearer {ADMIN_KEY}")
    if case.operation.path == DATA_PATH and case.query:
        # A filter name is the dashboard's, known only at run time like its id; any other is 400 by contract
        # (tests/test_input.py). Generated names a dashboard lacks would fail "valid data is accepted", so they go.
        case.query = {name: value for name, value in case.query.items() if name in FILTER_NAMES}
    case.call_and_validate(headers=headers)


def test_report_case_count():
    print(f"\nschemathesis generated {CASES['count']} cases")
    assert CASES["count"] > 100
