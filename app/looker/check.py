"""python -m app check: validate the settings, log in to Looker, and say precisely what is wrong."""

from __future__ import annotations

from collections.abc import Mapping

from app.config import ConfigError, Settings
from app.errors import ApiError

from .client import LookerClient
from .transport import LookerHTTPError, LookerNetworkError

ADVICE = {
    "timeout": "Looker did not answer within LOOKERSDK_TIMEOUT; check the host, the API port and firewalls.",
    "tls": "TLS verification failed; for a private CA set REQUESTS_CA_BUNDLE (LOOKERSDK_VERIFY_SSL=false only "
    "for testing).",
}


def _speaks_api_4(client: LookerClient) -> bool:
    """Ask the unauthenticated /versions endpoint whether this host serves Looker API 4.0."""
    url = f"{client.settings.looker_base_url}/api/4.0/versions"  # the SDK's versions() would log in first
    try:
        reply = client.sdk.transport.session.get(url, timeout=client.settings.looker_timeout)
        return any(v.get("version") == "4.0" for v in reply.json().get("supported_versions") or [])
    except Exception:  # noqa: BLE001 - any failure means "not a Looker API we can use"
        return False


def _diagnose(exc: Exception, settings: Settings, client: LookerClient) -> str:
    if isinstance(exc, LookerNetworkError):
        if exc.kind in ADVICE:
            return ADVICE[exc.kind]
        hint = (
            "check the host name in LOOKERSDK_BASE_URL"
            if "resolve" in str(exc)
            else (
                "check LOOKERSDK_BASE_URL; self-hosted Looker serves its API on another port (often 19999, "
                "set LOOKER_PORT)"
            )
        )
        return f"Cannot reach {settings.looker_base_url}: {exc}; {hint}."
    if isinstance(exc, LookerHTTPError):
        if exc.is_login and exc.status == 404 and not _speaks_api_4(client):
            return (
                f"{settings.looker_base_url} answers, but not with Looker API 4.0: the API may be disabled, "
                "or on another port (self-hosted: often 19999, set LOOKER_PORT)."
            )
        if exc.is_login and exc.status in (401, 403, 404):
            return (
                "Looker refused the credentials: check LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET "
                "(Admin > Users > Edit Keys for the API user)."
            )
        if exc.status == 404:
            return (
                f"{settings.looker_base_url} answers, but not with Looker API 4.0: the API may be disabled or "
                "on another port (self-hosted: often 19999, set LOOKER_PORT)."
            )
        return f"Looker answered with status {exc.status}."
    return f"Looker's answer could not be read ({type(exc).__name__}): is LOOKERSDK_BASE_URL really a Looker host?"


def run_check(env: Mapping[str, str], out=print) -> int:
    """Check configuration and connection; print one line; return the exit status."""
    try:
        settings = Settings.from_env(env, allow_anonymous=True)
    except ConfigError as exc:
        out(f"Configuration problem: {exc}")
        return 1
    client = LookerClient(settings, pool_size=2)
    try:
        client.sdk.auth.authenticate({})
        user = client.sdk.me(fields="display_name,email")
    except (LookerHTTPError, LookerNetworkError, ApiError, Exception) as exc:  # noqa: BLE001 - diagnose all
        out(f"Cannot connect to Looker: {_diagnose(exc, settings, client)}")
        return 1
    out(f"Connected to Looker as {user.display_name} ({user.email})")
    for line in unfiltered_explores(client, settings):
        out(line)
    return 0


def unfiltered_explores(client: LookerClient, settings: Settings) -> list[str]:
    """List the explores of EMBED_MODELS with no access_filter: per-user callers see all their rows."""
    if not settings.user_attributes:
        return []
    models = settings.embed_models or settings.allowed_models
    if not models:
        models = tuple(m.name for m in client.sdk.all_lookml_models(fields="name") if m.name)
    open_explores = []
    for model in models:
        for explore in client.sdk.lookml_model(model, fields="explores(name)").explores or []:
            found = client.sdk.lookml_model_explore(model, explore.name, fields="access_filters")
            if not found.access_filters:
                open_explores.append(f"{model}/{explore.name}")
    if not open_explores:
        return ["Every explore of the embed models narrows rows per user (access_filter)."]
    return [
        f"Warning: {len(open_explores)} explore(s) of the embed models have no access_filter, so per-user "
        f"callers see every row there: {', '.join(open_explores)}"
    ]
