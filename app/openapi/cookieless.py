"""The cookieless embed endpoints in the OpenAPI document, kept apart so the main table stays readable."""

from __future__ import annotations

from collections.abc import Callable

from app import schemas_cookieless as c

MODELS = (c.CookielessTokensRequest, c.CookielessTokens, c.CookielessSession, c.CookielessConfig)
EMBED_ERRORS = (403, 404, 502, 503, 504)


def _ref(model) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def cookieless_paths(operation: Callable[..., dict], answer: Callable[..., dict]) -> dict:
    """Describe the four cookieless endpoints with the document's own operation and answer builders."""
    no_store = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}
    return {
        "/api/embed/cookieless/config": {
            "get": operation(
                "get_cookieless_config",
                "Say which Looker host the browser embeds from (LOOKER_WEB_URL), for initCookieless.",
                "embed",
                {"200": answer(_ref(c.CookielessConfig), headers=no_store)},
                errors=(403,),
            )
        },
        "/api/embed/cookieless/acquire": {
            "get": operation(
                "acquire_cookieless_session",
                "Start or join the caller's cookieless embed session (per caller and User-Agent); "
                "the session reference token stays on the server.",
                "embed",
                {"200": answer(_ref(c.CookielessSession), headers=no_store)},
                errors=EMBED_ERRORS,
            )
        },
        "/api/embed/cookieless/tokens": {
            "put": operation(
                "generate_cookieless_tokens",
                "Return fresh navigation and API tokens for the caller's session "
                "(a session Looker no longer knows is replaced by a new one).",
                "embed",
                {"200": answer(_ref(c.CookielessTokens), headers=no_store)},
                body=_ref(c.CookielessTokensRequest),
                errors=EMBED_ERRORS,
            )
        },
        "/api/embed/cookieless/session": {
            "delete": operation(
                "end_cookieless_session",
                "End the caller's cookieless embed session in Looker.",
                "embed",
                {"204": {"description": "Ended (or there was none)", "headers": no_store}},
                errors=EMBED_ERRORS,
            )
        },
    }
