"""Run queries as a Looker user, so that LookML `access_filter`s narrow the rows by that user's attributes.

Looker applies an explore's access filters to every query a user runs, whichever way the query arrives (inline,
saved, a Look, a task, a dashboard tile, an embed page), so every place in the emulator that runs a query goes
through `run_as`. The service account is modelled as an admin whose value matches everything: no filter.
"""

from __future__ import annotations

from flask import g

from . import sql_errors
from .compiler import QueryError, Result
from .lookml import Explore
from .users import SERVICE_ACCOUNT_ID, User
from .wire import state


def current_user() -> User | None:
    """Return the user whose token authorised this request (None outside an authorised request)."""
    return state().users.user(g.get("looker_user_id"))


def access_conditions(user: User | None, explore: Explore) -> list[tuple[str, str | None]]:
    """Return (field, filter expression) for each access filter of the explore; None means the user has no value."""
    if user is None or user.id == SERVICE_ACCOUNT_ID:
        return []
    return [(f.field, state().users.value_for(user, f.user_attribute)) for f in explore.access_filters]


def run_as(user: User | None, query: dict) -> Result:
    """Run a query as this user: only models the user may use, with the explore's access filters applied."""
    compiler = state().compiler
    model = query.get("model") or ""
    if user is not None and user.is_embed and model not in user.models:
        raise QueryError(f"model '{model}' not found", status=404)  # Looker hides models a user may not use
    explore = compiler.explore(model, query.get("view") or "")
    return sql_errors.run(compiler, query, access=access_conditions(user, explore))
