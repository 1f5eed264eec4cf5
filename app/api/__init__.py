"""The service's blueprints, one per resource; they reach the app's parts through `services()`."""

from __future__ import annotations

from . import dashboard_data, dashboards, docs, embed, health, looks, metrics, models, ops, query, renders, tasks

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
    metrics.bp,
    ops.bp,
    docs.bp,
)
