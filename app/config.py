"""Settings: every variable of the contract, read once from a mapping (os.environ by default) and validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .readers import (
    ConfigError,
    Secret,
    first_set,
    read_api_keys,
    read_base_url,
    read_bool,
    read_embed_host,
    read_int,
    read_jwks_url,
    read_list,
    read_log_level,
    read_rate_limit,
    read_secret,
    read_text,
    read_user_attributes,
    read_web_url,
)


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with `Settings.from_env(mapping)`."""

    looker_base_url: str = ""
    looker_web_url: str = ""
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
    cors_credentials: bool = False
    allowed_models: tuple[str, ...] = ()
    max_rows: int = 5000
    cache_ttl: int = 3600
    cache_stale_seconds: int = 86400
    cache_max_bytes: int = 134217728
    cache_swr_seconds: int = 0
    datagroup_poll_seconds: int = 60
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
    render_timeout: int = 300
    port: int = 3000
    web_concurrency: int = 2
    threads: int = 8
    log_level: str = "info"
    demo_page: bool = False
    user_attributes: tuple[tuple[str, str], ...] = ()  # (Looker user attribute, claim path)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, check: bool = True, **overrides) -> Settings:
        """Read and validate settings; raise ConfigError naming the first bad variable.

        Each reader returns None for an unset variable, so every default is the field's, written once above.
        `check=False` skips the checks that need Looker credentials, for commands that never call Looker.
        """
        env = os.environ if env is None else env
        base_url = read_base_url(env)
        read = {
            "looker_base_url": base_url,
            "looker_web_url": read_web_url(env, base_url),
            "looker_client_id": first_set(env, "LOOKERSDK_CLIENT_ID", "LOOKER_CLIENT_ID")[1] or None,
            "looker_client_secret": read_secret(env, "LOOKERSDK_CLIENT_SECRET", "LOOKER_CLIENT_SECRET"),
            "verify_ssl": read_bool(env, "LOOKERSDK_VERIFY_SSL"),
            "looker_timeout": read_int(env, "LOOKERSDK_TIMEOUT", minimum=1),
            "api_keys": read_api_keys(env) or None,
            "allow_anonymous": read_bool(env, "ALLOW_ANONYMOUS"),
            "jwt_secret": read_secret(env, "JWT_SECRET"),
            "jwt_jwks_url": read_jwks_url(env),
            "jwt_audience": read_text(env, "JWT_AUDIENCE"),
            "jwt_issuer": read_text(env, "JWT_ISSUER"),
            "cors_origins": read_list(env, "CORS_ORIGINS"),
            "cors_credentials": read_bool(env, "CORS_CREDENTIALS"),
            "allowed_models": read_list(env, "ALLOWED_MODELS"),
            "max_rows": read_int(env, "MAX_ROWS", minimum=1),
            "cache_ttl": read_int(env, "CACHE_TTL"),
            "cache_stale_seconds": read_int(env, "CACHE_STALE_SECONDS"),
            "cache_max_bytes": read_int(env, "CACHE_MAX_BYTES"),
            "cache_swr_seconds": read_int(env, "CACHE_SWR_SECONDS"),
            "datagroup_poll_seconds": read_int(env, "DATAGROUP_POLL_SECONDS"),
            "redis_url": read_text(env, "REDIS_URL"),
            "rate_limit": read_rate_limit(env),
            "looker_max_concurrency": read_int(env, "LOOKER_MAX_CONCURRENCY", minimum=1),
            "breaker_failures": read_int(env, "LOOKER_BREAKER_FAILURES", minimum=1),
            "breaker_reset_seconds": read_int(env, "LOOKER_BREAKER_RESET_SECONDS", minimum=1),
            "looker_embed_secret": read_secret(env, "LOOKER_EMBED_SECRET"),
            "looker_embed_host": read_embed_host(env),
            "embed_permissions": read_list(env, "EMBED_PERMISSIONS"),
            "embed_models": read_list(env, "EMBED_MODELS"),
            "embed_session_length": read_int(env, "EMBED_SESSION_LENGTH", minimum=60),
            "metrics_file": read_text(env, "METRICS_FILE"),
            "metrics_file_required": bool(read_text(env, "METRICS_FILE")),
            "reports_file": read_text(env, "REPORTS_FILE"),
            "render_timeout": read_int(env, "RENDER_TIMEOUT", minimum=1),
            "port": read_int(env, "PORT", minimum=1),
            "web_concurrency": read_int(env, "WEB_CONCURRENCY", minimum=1),
            "threads": read_int(env, "GUNICORN_THREADS", minimum=1),
            "log_level": read_log_level(env),
            "demo_page": read_bool(env, "DEMO_PAGE"),
            "user_attributes": read_user_attributes(env),
        }
        values = {name: value for name, value in read.items() if value is not None}
        values.update(overrides)
        settings = cls(**values)
        if check:
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
        """Return the Looker host people open in a browser (LOOKER_WEB_URL, else the base URL without its port)."""
        return self.looker_web_url or self.looker_base_url

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
            "host": read_text(env, "SMTP_HOST"),
            "port": read_int(env, "SMTP_PORT", minimum=1),
            "username": read_text(env, "SMTP_USERNAME"),
            "password": read_secret(env, "SMTP_PASSWORD"),
            "sender": read_text(env, "SMTP_FROM"),
            "starttls_setting": read_bool(env, "SMTP_STARTTLS"),
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
        state_file = read_text(env, "REPORTS_STATE_FILE")
        return cls(
            service=Settings.from_env(env, allow_anonymous=True),
            smtp=SmtpSettings.from_env(env),
            **({"state_file": state_file} if state_file else {}),
        )


def demo_looker_port(env: Mapping[str, str] | None = None) -> int | None:
    """Return DEMO_LOOKER_PORT (checked), the port the demo's emulator listens on; None picks a free one."""
    port = read_int(os.environ if env is None else env, "DEMO_LOOKER_PORT", minimum=1)
    if port is not None and port > 65535:
        raise ConfigError(f"DEMO_LOOKER_PORT must be a port number (1-65535), not {port}")
    return port


def log_level(env: Mapping[str, str] | None = None) -> str:
    """Return LOG_LEVEL (checked), for code that configures logging before building its settings."""
    return read_log_level(os.environ if env is None else env) or Settings.log_level
