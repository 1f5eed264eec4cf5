"""The emulator's HTTP surface: Looker API 4.0 at /api/4.0 plus test controls under /__emulator."""

from __future__ import annotations

import logging
import threading
import traceback

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from .data import build_database
from .routes import BLUEPRINTS
from .state import Config, Fault, State
from .wire import body_json, error, json_response, state

controls = Blueprint("controls", __name__, url_prefix="/__emulator")
log = logging.getLogger("looker_emulator")


class EmulatorApp(Flask):
    """Flask, except that a crash in a route is logged as one line saying where, not a bare traceback."""

    def log_exception(self, exc_info) -> None:
        """Log an unhandled error once: the request, the exception, and the emulator frame it came from."""
        _, exc, tb = exc_info
        frames = [f for f in traceback.extract_tb(tb) if "looker_emulator" in f.filename] or traceback.extract_tb(tb)
        where = (
            f"{frames[-1].filename.rsplit('looker_emulator', 1)[-1].lstrip('/')}:{frames[-1].lineno}" if frames else "?"
        )
        log.error(
            "%s %s answered 500: %s: %s (at %s in %s)",
            request.method,
            request.full_path.rstrip("?"),
            type(exc).__name__,
            exc,
            where,
            frames[-1].name if frames else "?",
        )


@controls.get("/calls")
def get_calls():
    """Return how many times each operation was called."""
    with state().lock:
        return json_response(dict(state().calls))


@controls.post("/reset")
def reset():
    """Forget call counts and faults."""
    state().reset()
    return Response(status=204)


@controls.post("/faults")
def add_fault():
    """Inject a fault: {operation, times, latency_ms, status, body, drop, retry_after, content_type, message}."""
    spec = body_json()
    allowed = Fault.__dataclass_fields__
    fault = Fault(**{k: v for k, v in spec.items() if k in allowed})
    with state().lock:
        state().faults.append(fault)
    return json_response({"faults": len(state().faults)}, 201)


@controls.delete("/faults")
def clear_faults():
    """Remove every injected fault."""
    with state().lock:
        state().faults.clear()
    return Response(status=204)


@controls.post("/revoke_tokens")
def revoke_tokens():
    """Invalidate every access token, as a Looker restart or an admin would."""
    state().revoke()
    return Response(status=204)


@controls.post("/reload")
def reload_data():
    """Rebuild the sample data from {seed} (default: the starting seed), then run the datagroups' trigger checks."""
    seed = body_json().get("seed", state().config.seed)
    if not isinstance(seed, int) or isinstance(seed, bool):
        return error(400, "seed must be an integer")
    state().compiler.replace_data(build_database(seed, state().today))
    return json_response({"seed": seed, "triggered": state().datagroups.check()})


def create_emulator(config: Config | None = None) -> Flask:
    """Build the emulator app with its data, LookML and content loaded."""
    app = EmulatorApp(__name__)
    app.extensions["looker_emulator"] = State(config or Config())
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(controls)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error(exc.code or 500, exc.description or exc.name)

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # tests and the demo do not want a line per call
        pass


class RunningEmulator:
    """An emulator serving on a loopback port in a background thread."""

    def __init__(self, config: Config | None = None, host: str = "127.0.0.1", port: int = 0):
        self.app = create_emulator(config)
        self.server = make_server(host, port, self.app, threaded=True, request_handler=_QuietHandler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="looker-emulator", daemon=True)

    @property
    def state(self) -> State:
        return self.app.extensions["looker_emulator"]

    def start(self) -> RunningEmulator:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
