"""The Looker API 4.0 routes the SDK calls, one module per section of the API, in the official spec's shapes."""

from __future__ import annotations

from . import content, cookieless, datagroups, embed, models, queries, renders, session, tasks, users, web

BLUEPRINTS = (
    session.bp,
    session.unversioned,
    models.bp,
    queries.bp,
    content.bp,
    tasks.bp,
    renders.bp,
    embed.bp,
    embed.pages,
    cookieless.bp,
    cookieless.pages,
    datagroups.bp,
    users.bp,
    users.controls,
    web.pages,
)
