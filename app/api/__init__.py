"""The service's blueprints, one per resource; they reach the app's parts through `services()`."""

from __future__ import annotations

from . import (
    cookieless,
    dashboard_data,
    dashboards,
    docs,
    embed,
    health,
    looks,
    metrics,
    models,
    ops,
    query,
    renders,
    tasks,
)

BLUEPRINTS = (
    health.bp,
    query.bp,
    tasks.bp,
    looks.bp,
    dashboards.bp,
    dashboard_data.bp,
    models.bp,
    embed.bp,
    renders.bp,
    cookieless.bp,
    metrics.bp,
    ops.bp,
    docs.bp,
)

# Endpoints whose fresh cached answers the front door serves without the route (frontdoor/door.py).
FAST_ANSWERS = {
    "query.run_query": query.fresh_query,
    "looks.run_look": looks.fresh_look,
    "dashboard_data.get_dashboard_data": dashboard_data.fresh_dashboard_data,
    "metrics.get_metric": metrics.fresh_metric,
    "models.list_models": models.fresh_models,
    "models.list_explores": models.fresh_explores,
    "models.describe_explore": models.fresh_explore,
}
