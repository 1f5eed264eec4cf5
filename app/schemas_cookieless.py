"""The cookieless embed endpoints' bodies and answers: the shapes `@looker/embed-sdk`'s initCookieless uses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Token = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class CookielessTokensRequest(BaseModel):
    """The tokens the SDK holds when it asks for fresh ones."""

    model_config = ConfigDict(extra="forbid")

    api_token: Token
    navigation_token: Token


class CookielessTokens(BaseModel):
    """Fresh navigation and API tokens; a session_reference_token_ttl of 0 means the session has ended."""

    navigation_token: str | None
    navigation_token_ttl: int | None
    api_token: str | None
    api_token_ttl: int | None
    session_reference_token_ttl: int | None


class CookielessSession(CookielessTokens):
    """What initCookieless expects from its acquire call: the one-time login token and the session's tokens."""

    authentication_token: str | None
    authentication_token_ttl: int | None


class CookielessConfig(BaseModel):
    """Where the browser reaches Looker: the host for initCookieless, and the full address."""

    looker_host: str
    looker_url: str
    session_length: int
