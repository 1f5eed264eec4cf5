"""The service's blueprints, one per resource; they reach the app's parts through `services()`."""

from __future__ import annotations

from . import cookieless, dashboard_data, dashboards, docs, embed, health, looks, metrics, models, ops, query, tasks

BLUEPRINTS = (
    health.bp,
    query.bp,
    tasks.bp,
    looks.bp,
    dashboards.bp,
    dashboard_data.bp,
    models.bp,
    embed.bp,
    cookieless.bp,
    metrics.bp,
    ops.bp,
    docs.bp,
)
