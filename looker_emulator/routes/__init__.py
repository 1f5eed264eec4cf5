"""The Looker API 4.0 routes the SDK calls, one module per section of the API, in the official spec's shapes."""

from __future__ import annotations

from . import content, cookieless, embed, models, queries, session, tasks

BLUEPRINTS = (
    session.bp,
    session.unversioned,
    models.bp,
    queries.bp,
    content.bp,
    tasks.bp,
    embed.bp,
    embed.pages,
    cookieless.bp,
    cookieless.pages,
)
