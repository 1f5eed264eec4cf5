"""python -m app warm: fill the shared cache for named dashboards, so the first viewer after a reload does not wait.

A datagroup triggers when the warehouse reloads (say at 06:00); from then on every result of that model is
stale, and without this the first person to open the dashboard waits for each tile's Looker query. Run
this on a schedule shortly after the reload: it learns the datagroups' triggers (one Looker call), runs
every tile of each dashboard with its default filters through the cache, and so asks Looker only for
tiles that are missing or no longer fresh. The answers land in Redis, which every instance reads, so it
needs REDIS_URL: without it there is no cache that another process could fill.
"""

from __future__ import annotations

import os
import sys

from .config import ConfigError, Settings
from .errors import ApiError


def warm(dashboards: list[str], env=None) -> int:
    """Run each dashboard's tiles through the cache; print one line per dashboard; return the exit status."""
    from . import create_app
    from .api.dashboard_data import run_with_defaults
    from .services import services

    try:  # no HTTP callers here; a stale tile must be fetched now, not refreshed in the background
        settings = Settings.from_env(os.environ if env is None else env, allow_anonymous=True, cache_swr_seconds=0)
    except ConfigError as exc:
        print(f"looker-proxy: {exc}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print("looker-proxy: REDIS_URL is not set: warming fills the cache the instances share", file=sys.stderr)
        return 2
    app = create_app(settings)
    parts = services(app)
    failed = 0
    with app.app_context():
        if settings.datagroup_poll_seconds > 0:
            parts.datagroups.poll_once(from_looker=True)
        for dashboard_id in dashboards:
            try:
                plan, results = run_with_defaults(dashboard_id)
            except ApiError as exc:
                failed += 1
                print(f"dashboard {dashboard_id}: {exc.status} {exc.detail}")
                continue
            errors = [r for r in results if isinstance(r, ApiError)]
            failed += bool(errors)
            ready = sum(1 for r in results if r is not None and not isinstance(r, ApiError))
            print(f"dashboard {dashboard_id} ({plan['title']}): {ready} tiles cached, {len(errors)} failed")
    return 1 if failed else 0
