"""gunicorn settings for production and the Replit deployment: `gunicorn` with no arguments uses this file."""

import os
import shutil
import sys
import tempfile

# Before anything imports prometheus_client: each worker writes its counters here and /metrics sums them.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="looker-proxy-metrics-")
    _OWN_METRICS_DIR = True
else:
    _OWN_METRICS_DIR = False


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the project, wherever gunicorn was started


def _settings():
    """Read the service's settings once, here, so a bad value is one line naming the variable and exit 2."""
    from app import load_settings
    from app.config import ConfigError

    try:
        return load_settings()
    except ConfigError as exc:
        print(f"looker-proxy: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


_SETTINGS = _settings()
wsgi_app = "app:create_app()"  # each worker builds its own app and Looker client after the fork
bind = f"0.0.0.0:{_SETTINGS.port}"
worker_class = "app.worker.ProblemWorker"  # gthread, with problem+json for the requests gunicorn refuses
workers = _SETTINGS.web_concurrency
threads = _SETTINGS.threads
timeout = 60  # gthread heartbeat only; each Looker call is bounded by LOOKERSDK_TIMEOUT
graceful_timeout = 20
keepalive = 5
preload_app = False
# Workers are not recycled: each holds the in-process result cache, the Looker session and the body memo, all
# bounded (CACHE_MAX_BYTES, fixed-size memos), so recycling would reclaim nothing but would empty the cache every
# few thousand requests and send those questions back to Looker.
max_requests = 0
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
control_socket_disable = True
accesslog = None  # the app logs one structured line per request itself
errorlog = "-"
loglevel = _SETTINGS.log_level


def on_starting(server):
    """Configure the service's JSON logs and say loudly when it runs open."""
    from app.logs import configure_logging

    configure_logging(_SETTINGS.log_level)
    if _SETTINGS.allow_anonymous:
        # Said also when keys or JWTs are configured: a request with no credentials at all still gets in, as
        # the service account, which under USER_ATTRIBUTES sees every user's rows.
        also = " as the service account (every row), whatever keys or JWTs are configured"
        open_to = "ALLOW_ANONYMOUS is on: anyone who can reach this service can query Looker"
        server.log.warning(open_to + (also if _auth_configured() else ""))


def _auth_configured() -> bool:
    return bool(_SETTINGS.api_keys or _SETTINGS.jwt_secret or _SETTINGS.jwt_jwks_url)


def child_exit(server, worker):
    """Drop a finished worker's live gauges from the summed metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this configuration created."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
