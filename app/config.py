"""Settings: every variable of the contract, read once from a mapping (os.environ by default) and validated."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and what to do."""


class Secret(str):
    """A string that never shows itself in a repr, a log line or a traceback's locals."""

    def __repr__(self) -> str:
        return "Secret('***')"

    def reveal(self) -> str:
        return str.__str__(self)


_TRUE = {"1", "true", "yes", "y", "t", "on"}
_FALSE = {"0", "false", "no", "n", "f", "off", ""}


def _first(env: Mapping[str, str], *names: str) -> tuple[str, str]:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return names[0], ""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not '{env[name]}'")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not '{value}'") from exc
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _api_keys(env: Mapping[str, str]) -> tuple[tuple[str, Secret], ...]:
    """Parse API_KEYS entries, `key` or `label:key`; unlabelled keys get a numbered label."""
    keys = []
    for index, entry in enumerate(_list(env, "API_KEYS"), start=1):
        label, sep, key = entry.rpartition(":")
        label = label.strip() if sep else f"key{index}"
        if not key.strip() or not re.fullmatch(r"[A-Za-z0-9_.@-]+", label):
            raise ConfigError(f"API_KEYS entry {index} must be 'key' or 'label:key' with a simple label")
        if len(key.strip()) < 16:
            raise ConfigError(f"API_KEYS entry {index} ({label}) is shorter than 16 characters; use a long random key")
        keys.append((label, Secret(key.strip())))
    return tuple(keys)


def _base_url(env: Mapping[str, str]) -> str:
    name, url = _first(env, "LOOKERSDK_BASE_URL", "LOOKER_BASE_URL")
    if not url:
        return ""
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must look like https://acme.cloud.looker.com, not '{url}'")
    if parts.path not in ("", "/"):
        raise ConfigError(f"{name} must have no path (the SDK adds /api/4.0 itself): drop '{parts.path}'")
    port = env.get("LOOKER_PORT", "").strip()
    if port and parts.port is None:
        if not port.isdigit():
            raise ConfigError(f"LOOKER_PORT must be a port number, not '{port}'")
        url = f"{url}:{port}"
    return url


def _jwks_url(env: Mapping[str, str]) -> str:
    url = env.get("JWT_JWKS_URL", "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(f"JWT_JWKS_URL must be an https URL (plain http only on loopback), not '{url}'")
    return url


def _rate_limit(env: Mapping[str, str]) -> str:
    from limits import parse_many

    value = env.get("RATE_LIMIT", "").strip() or "600/minute"
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"RATE_LIMIT must look like 600/minute or 10/second;1000/hour, not '{value}'") from None
    return value


def _embed_host(env: Mapping[str, str]) -> str:
    host = env.get("LOOKER_EMBED_HOST", "").strip().rstrip("/")
    if host and not re.fullmatch(r"(https?://)?[A-Za-z0-9.-]+(:\d+)?", host):
        raise ConfigError(f"LOOKER_EMBED_HOST must be a host name such as acme.looker.com, not '{host}'")
    return host


def check_table(
    path: str,
    kind: str,
    name: str,
    raw,
    known: set[str],
    required: tuple[str, ...],
    name_pattern: re.Pattern,
    name_rule: str,
):
    """Check one [<kind>s.NAME] table of a config file; return the function that words its field errors."""

    def bad(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: {kind} '{name}': field '{key}' {problem}")

    if not name_pattern.fullmatch(name):
        raise ConfigError(f"{path}: {kind} name '{name}' must be {name_rule}")
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {kind} '{name}' must be a table ([{kind}s.{name}])")
    for key in sorted(set(raw) - known):
        raise bad(key, f"is not known (use: {', '.join(sorted(known))})")
    for key in required:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise bad(key, "is required and must be text")
    return bad


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with `Settings.from_env(mapping)`."""

    looker_base_url: str = ""
    looker_client_id: str = ""
    looker_client_secret: Secret = field(default_factory=lambda: Secret(""))
    verify_ssl: bool = True
    looker_timeout: int = 30
    api_keys: tuple[tuple[str, Secret], ...] = ()
    jwt_secret: Secret = field(default_factory=lambda: Secret(""))
    jwt_jwks_url: str = ""
    jwt_audience: str = ""
    jwt_issuer: str = ""
    jwt_jwks_cooldown: float = 5.0
    allow_anonymous: bool = False
    cors_origins: tuple[str, ...] = ()
    allowed_models: tuple[str, ...] = ()
    max_rows: int = 5000
    cache_ttl: int = 3600
    cache_stale_seconds: int = 86400
    cache_max_bytes: int = 134217728
    redis_url: str = ""
    rate_limit: str = "600/minute"
    looker_max_concurrency: int = 10
    breaker_failures: int = 5
    breaker_reset_seconds: float = 30.0
    looker_embed_secret: Secret = field(default_factory=lambda: Secret(""))
    looker_embed_host: str = ""
    embed_permissions: tuple[str, ...] = ("access_data", "see_looks", "see_user_dashboards")
    embed_models: tuple[str, ...] = ()
    embed_session_length: int = 3600
    metrics_file: str = "metrics.toml"
    metrics_file_required: bool = False
    reports_file: str = "reports.toml"
    port: int = 3000
    web_concurrency: int = 2
    threads: int = 8
    log_level: str = "info"
    demo: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read and validate settings; raise ConfigError naming the first bad variable."""
        env = os.environ if env is None else env
        _, client_id = _first(env, "LOOKERSDK_CLIENT_ID", "LOOKER_CLIENT_ID")
        _, secret = _first(env, "LOOKERSDK_CLIENT_SECRET", "LOOKER_CLIENT_SECRET")
        level = env.get("LOG_LEVEL", "info").strip().lower() or "info"
        if level not in ("debug", "info", "warning", "error", "critical"):
            raise ConfigError(f"LOG_LEVEL must be debug, info, warning or error, not '{level}'")
        values = dict(
            looker_base_url=_base_url(env),
            looker_client_id=client_id,
            looker_client_secret=Secret(secret),
            verify_ssl=_bool(env, "LOOKERSDK_VERIFY_SSL", True),
            looker_timeout=_int(env, "LOOKERSDK_TIMEOUT", 30, minimum=1),
            api_keys=_api_keys(env),
            allow_anonymous=_bool(env, "ALLOW_ANONYMOUS", False),
            jwt_secret=Secret(env.get("JWT_SECRET", "").strip()),
            jwt_jwks_url=_jwks_url(env),
            jwt_audience=env.get("JWT_AUDIENCE", "").strip(),
            jwt_issuer=env.get("JWT_ISSUER", "").strip(),
            cors_origins=_list(env, "CORS_ORIGINS"),
            allowed_models=_list(env, "ALLOWED_MODELS"),
            max_rows=_int(env, "MAX_ROWS", 5000, minimum=1),
            cache_ttl=_int(env, "CACHE_TTL", 3600),
            cache_stale_seconds=_int(env, "CACHE_STALE_SECONDS", 86400),
            cache_max_bytes=_int(env, "CACHE_MAX_BYTES", 134217728),
            redis_url=env.get("REDIS_URL", "").strip(),
            rate_limit=_rate_limit(env),
            looker_max_concurrency=_int(env, "LOOKER_MAX_CONCURRENCY", 10, minimum=1),
            breaker_failures=_int(env, "LOOKER_BREAKER_FAILURES", 5, minimum=1),
            breaker_reset_seconds=float(_int(env, "LOOKER_BREAKER_RESET_SECONDS", 30, minimum=1)),
            looker_embed_secret=Secret(env.get("LOOKER_EMBED_SECRET", "").strip()),
            looker_embed_host=_embed_host(env),
            embed_permissions=_list(env, "EMBED_PERMISSIONS") or ("access_data", "see_looks", "see_user_dashboards"),
            embed_models=_list(env, "EMBED_MODELS"),
            embed_session_length=_int(env, "EMBED_SESSION_LENGTH", 3600, minimum=60),
            metrics_file=env.get("METRICS_FILE", "").strip() or "metrics.toml",
            metrics_file_required=bool(env.get("METRICS_FILE", "").strip()),
            reports_file=env.get("REPORTS_FILE", "").strip() or "reports.toml",
            port=_int(env, "PORT", 3000, minimum=1),
            web_concurrency=_int(env, "WEB_CONCURRENCY", 2, minimum=1),
            threads=_int(env, "GUNICORN_THREADS", 8, minimum=1),
            log_level=level,
        )
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse to run without Looker credentials or without a way to authenticate clients."""
        if not self.looker_base_url:
            raise ConfigError(
                "LOOKERSDK_BASE_URL is not set: give your Looker host, e.g. https://acme.cloud.looker.com"
            )
        if not self.looker_client_id:
            raise ConfigError("LOOKERSDK_CLIENT_ID is not set: create API credentials for a dedicated Looker user")
        if not self.looker_client_secret:
            raise ConfigError("LOOKERSDK_CLIENT_SECRET is not set: it comes with the client id from Looker")
        if not (self.api_keys or self.jwt_secret or self.jwt_jwks_url or self.allow_anonymous):
            raise ConfigError(
                "API_KEYS is not set: give client keys (or JWT_SECRET / JWT_JWKS_URL), or set "
                "ALLOW_ANONYMOUS=true to run open"
            )
        if self.jwt_secret and len(self.jwt_secret) < 32:
            raise ConfigError("JWT_SECRET is shorter than 32 characters; HS256 needs a long random secret")
        if self.jwt_secret and self.jwt_jwks_url:
            raise ConfigError("JWT_SECRET and JWT_JWKS_URL are both set: choose HS256 with a secret or keys from JWKS")
        if self.looker_embed_secret and not self.looker_embed_host:
            raise ConfigError("LOOKER_EMBED_HOST is not set: local embed signing needs the host browsers will open")
        if self.embed_session_length > 2592000:
            raise ConfigError("EMBED_SESSION_LENGTH may be at most 2592000 seconds (30 days), Looker's limit")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, for tests and log scrubbing."""
        return tuple(
            s.reveal()
            for s in (
                self.looker_client_secret,
                self.looker_embed_secret,
                self.jwt_secret,
                *(k for _, k in self.api_keys),
            )
            if s
        )
