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


def _bool(env: Mapping[str, str], name: str) -> bool | None:
    value = env.get(name, "").strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not '{env[name]}'")


def _int(env: Mapping[str, str], name: str, minimum: int = 0) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not '{value}'") from exc
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    items = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    return items or None


def _text(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _secret(env: Mapping[str, str], *names: str) -> Secret | None:
    _, value = _first(env, *names)
    return Secret(value) if value else None


def _log_level(env: Mapping[str, str]) -> str | None:
    level = env.get("LOG_LEVEL", "").strip().lower()
    if level and level not in ("debug", "info", "warning", "error", "critical"):
        raise ConfigError(f"LOG_LEVEL must be debug, info, warning or error, not '{level}'")
    return level or None


def _api_keys(env: Mapping[str, str]) -> tuple[tuple[str, Secret], ...]:
    """Parse API_KEYS entries, `key` or `label:key`; unlabelled keys get a numbered label."""
    keys = []
    for index, entry in enumerate(_list(env, "API_KEYS") or (), start=1):
        label, sep, key = entry.rpartition(":")
        label = label.strip() if sep else f"key{index}"
        if not key.strip() or not re.fullmatch(r"[A-Za-z0-9_.@-]+", label):
            raise ConfigError(f"API_KEYS entry {index} must be 'key' or 'label:key' with a simple label")
        if len(key.strip()) < 16:
            raise ConfigError(f"API_KEYS entry {index} ({label}) is shorter than 16 characters; use a long random key")
        keys.append((label, Secret(key.strip())))
    return tuple(keys)


def _base_url(env: Mapping[str, str]) -> str | None:
    name, url = _first(env, "LOOKERSDK_BASE_URL", "LOOKER_BASE_URL")
    if not url:
        return None
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


def _web_url(env: Mapping[str, str]) -> str | None:
    url = env.get("LOOKER_WEB_URL", "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"LOOKER_WEB_URL must look like https://acme.cloud.looker.com (no path), not '{url}'")
    return url


def _jwks_url(env: Mapping[str, str]) -> str | None:
    url = env.get("JWT_JWKS_URL", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(f"JWT_JWKS_URL must be an https URL (plain http only on loopback), not '{url}'")
    return url


def _rate_limit(env: Mapping[str, str]) -> str | None:
    from limits import parse_many

    value = env.get("RATE_LIMIT", "").strip()
    if not value:
        return None
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"RATE_LIMIT must look like 600/minute or 10/second;1000/hour, not '{value}'") from None
    return value


def _embed_host(env: Mapping[str, str]) -> str | None:
    host = env.get("LOOKER_EMBED_HOST", "").strip().rstrip("/")
    if host and not re.fullmatch(r"(https?://)?[A-Za-z0-9.-]+(:\d+)?", host):
        raise ConfigError(f"LOOKER_EMBED_HOST must be a host name such as acme.looker.com, not '{host}'")
    return host or None


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with `Settings.from_env(mapping)`."""

    looker_base_url: str = ""
    looker_web_url: str = ""  # empty: the base URL without its API port (see web_url)
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
    breaker_reset_seconds: float = 30
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
    demo_page: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read and validate settings; raise ConfigError naming the first bad variable.

        Each reader returns None for an unset variable, so every default is the field's, written once above.
        """
        env = os.environ if env is None else env
        read = {
            "looker_base_url": _base_url(env),
            "looker_web_url": _web_url(env),
            "looker_client_id": _first(env, "LOOKERSDK_CLIENT_ID", "LOOKER_CLIENT_ID")[1] or None,
            "looker_client_secret": _secret(env, "LOOKERSDK_CLIENT_SECRET", "LOOKER_CLIENT_SECRET"),
            "verify_ssl": _bool(env, "LOOKERSDK_VERIFY_SSL"),
            "looker_timeout": _int(env, "LOOKERSDK_TIMEOUT", minimum=1),
            "api_keys": _api_keys(env) or None,
            "allow_anonymous": _bool(env, "ALLOW_ANONYMOUS"),
            "jwt_secret": _secret(env, "JWT_SECRET"),
            "jwt_jwks_url": _jwks_url(env),
            "jwt_audience": _text(env, "JWT_AUDIENCE"),
            "jwt_issuer": _text(env, "JWT_ISSUER"),
            "cors_origins": _list(env, "CORS_ORIGINS"),
            "allowed_models": _list(env, "ALLOWED_MODELS"),
            "max_rows": _int(env, "MAX_ROWS", minimum=1),
            "cache_ttl": _int(env, "CACHE_TTL"),
            "cache_stale_seconds": _int(env, "CACHE_STALE_SECONDS"),
            "cache_max_bytes": _int(env, "CACHE_MAX_BYTES"),
            "redis_url": _text(env, "REDIS_URL"),
            "rate_limit": _rate_limit(env),
            "looker_max_concurrency": _int(env, "LOOKER_MAX_CONCURRENCY", minimum=1),
            "breaker_failures": _int(env, "LOOKER_BREAKER_FAILURES", minimum=1),
            "breaker_reset_seconds": _int(env, "LOOKER_BREAKER_RESET_SECONDS", minimum=1),
            "looker_embed_secret": _secret(env, "LOOKER_EMBED_SECRET"),
            "looker_embed_host": _embed_host(env),
            "embed_permissions": _list(env, "EMBED_PERMISSIONS"),
            "embed_models": _list(env, "EMBED_MODELS"),
            "embed_session_length": _int(env, "EMBED_SESSION_LENGTH", minimum=60),
            "metrics_file": _text(env, "METRICS_FILE"),
            "metrics_file_required": bool(_text(env, "METRICS_FILE")),
            "reports_file": _text(env, "REPORTS_FILE"),
            "port": _int(env, "PORT", minimum=1),
            "web_concurrency": _int(env, "WEB_CONCURRENCY", minimum=1),
            "threads": _int(env, "GUNICORN_THREADS", minimum=1),
            "log_level": _log_level(env),
            "demo_page": _bool(env, "DEMO_PAGE"),
        }
        values = {name: value for name, value in read.items() if value is not None}
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
    def web_url(self) -> str:
        """Return the Looker address browsers open: LOOKER_WEB_URL, else the base URL without its port."""
        if self.looker_web_url:
            return self.looker_web_url
        parts = urlsplit(self.looker_base_url)
        return f"{parts.scheme}://{parts.hostname}" if parts.hostname else ""

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


@dataclass(frozen=True)
class SmtpSettings:
    """SMTP_* variables, needed only when a report mails."""

    host: str = ""
    port: int = 587
    username: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))
    sender: str = ""
    starttls_setting: bool | None = None  # None: on for port 587

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """Read SMTP_* with the service's readers; raise ConfigError naming a bad variable."""
        env = os.environ if env is None else env
        read = {
            "host": _text(env, "SMTP_HOST"),
            "port": _int(env, "SMTP_PORT", minimum=1),
            "username": _text(env, "SMTP_USERNAME"),
            "password": _secret(env, "SMTP_PASSWORD"),
            "sender": _text(env, "SMTP_FROM"),
            "starttls_setting": _bool(env, "SMTP_STARTTLS"),
        }
        return cls(**{name: value for name, value in read.items() if value is not None})

    @property
    def starttls(self) -> bool:
        """Say whether to upgrade the connection with STARTTLS (default: on for port 587)."""
        return self.port == 587 if self.starttls_setting is None else self.starttls_setting


@dataclass(frozen=True)
class ReportSettings:
    """The report worker's configuration: the service's settings, SMTP, and where sent slots are remembered."""

    service: Settings
    smtp: SmtpSettings
    state_file: str = ".reports-state.json"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReportSettings:
        """Read the worker's settings; reports have no HTTP clients to authenticate."""
        env = os.environ if env is None else env
        state_file = _text(env, "REPORTS_STATE_FILE")
        return cls(
            service=Settings.from_env(env, allow_anonymous=True),
            smtp=SmtpSettings.from_env(env),
            **({"state_file": state_file} if state_file else {}),
        )


def log_level(env: Mapping[str, str] | None = None) -> str:
    """Return LOG_LEVEL (checked), for code that configures logging before building its settings."""
    return _log_level(os.environ if env is None else env) or Settings.log_level
