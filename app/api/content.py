"""The models Looker content uses, looked up cheaply and remembered briefly: Looks, dashboards and embeds need them.

Shared by the Looks and embed blueprints (blueprints never import each other). Each lookup asks Looker only
for the fields it needs and keeps the answer in the metadata cache, so a second request asks nothing; an
unknown Look, dashboard or explore is Looker's 404.
"""

from __future__ import annotations

import orjson

from ..cache.keys import META_TAG, cache_key
from ..looker.dashboards import element_query
from ..looker.errors import sent
from ..services import services

DASHBOARD_MODELS = "id,dashboard_elements(query(model),result_maker(query(model)),look(query(model)))"


def look_model_key(look_id: int) -> str:
    """Return the metadata-cache key of a Look's model."""
    return cache_key("look-model", look=look_id)


def look_model(look_id: int) -> str:
    """Return the model a Look's query uses; 404 when Looker has no such Look."""
    parts = services()

    def fetch():
        look = parts.looker.call(f"Look {look_id}", lambda sdk: sdk.look(str(look_id), fields="query(model)"))
        return sent(sent(look, "query").query, "model").model.encode(), "text/plain"

    return parts.meta_cache.lookup(look_model_key(look_id), fetch, META_TAG).entry.body.decode()


def dashboard_models(dashboard_id: str) -> list[str]:
    """Return the models a dashboard's tiles use; 404 when Looker has no such dashboard."""
    parts = services()

    def fetch():
        board = parts.looker.call(
            f"dashboard {dashboard_id}", lambda sdk: sdk.dashboard(dashboard_id, fields=DASHBOARD_MODELS)
        )
        sent(board, "id")
        queries = (element_query(element) for element in board.dashboard_elements or [])
        return orjson.dumps(sorted({query.model for query in queries if query is not None and query.model})), "json"

    entry = parts.meta_cache.lookup(cache_key("dashboard-models", id=dashboard_id), fetch, META_TAG).entry
    return orjson.loads(entry.body)


def require_explore(model: str, explore: str) -> None:
    """Raise 404 unless Looker has the explore (asking only for its name)."""
    parts = services()

    def fetch():
        what = f"explore '{model}/{explore}'"
        found = parts.looker.call(what, lambda sdk: sdk.lookml_model_explore(model, explore, fields="name"))
        return sent(found, "name").name.encode(), "text/plain"

    parts.meta_cache.lookup(cache_key("explore-exists", model=model, explore=explore), fetch, META_TAG)
