"""Reading environment variables: each reader names its variable in the error and returns None when unset.

Settings (config.py) builds every field with these, so a field's default is written once, on the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and what to do."""


class Secret(str):
    """A string that never shows itself in a repr, a log line or a traceback's locals."""

    def __repr__(self) -> str:
        return "Secret('***')"

    def reveal(self) -> str:
        return str.__str__(self)


TRUE_WORDS = {"1", "true", "yes", "y", "t", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "off", ""}


def first_set(env: Mapping[str, str], *names: str) -> tuple[str, str]:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return names[0], ""


def read_bool(env: Mapping[str, str], name: str) -> bool | None:
    value = env.get(name, "").strip().lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not '{env[name]}'")


def read_int(env: Mapping[str, str], name: str, minimum: int = 0) -> int | None:
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


def read_list(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    items = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    return items or None


def read_text(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def read_secret(env: Mapping[str, str], *names: str) -> Secret | None:
    _, value = first_set(env, *names)
    return Secret(value) if value else None


def read_user_attributes(env: Mapping[str, str]) -> tuple[tuple[str, str], ...] | None:
    """Parse USER_ATTRIBUTES: `looker_attribute=claim` pairs; a claim may be a dotted path into nested claims."""
    pairs = []
    for entry in read_list(env, "USER_ATTRIBUTES") or ():
        attribute, sep, claim = (part.strip() for part in entry.partition("="))
        if (
            not sep
            or not re.fullmatch(r"[a-z_][a-z0-9_]{0,63}", attribute)
            or not re.fullmatch(r"[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*", claim)
        ):
            raise ConfigError(
                f"USER_ATTRIBUTES entry '{entry}' must be looker_attribute=claim, e.g. brand=brand,region=org.region"
            )
        pairs.append((attribute, claim))
    return tuple(pairs) or None


def read_log_level(env: Mapping[str, str]) -> str | None:
    level = env.get("LOG_LEVEL", "").strip().lower()
    if level and level not in ("debug", "info", "warning", "error", "critical"):
        raise ConfigError(f"LOG_LEVEL must be debug, info, warning or error, not '{level}'")
    return level or None


def read_api_keys(env: Mapping[str, str]) -> tuple[tuple[str, Secret], ...]:
    """Parse API_KEYS entries, `key` or `label:key`; unlabelled keys get a numbered label."""
    keys = []
    for index, entry in enumerate(read_list(env, "API_KEYS") or (), start=1):
        label, sep, key = entry.rpartition(":")
        label = label.strip() if sep else f"key{index}"
        if not key.strip() or not re.fullmatch(r"[A-Za-z0-9_.@-]+", label):
            raise ConfigError(f"API_KEYS entry {index} must be 'key' or 'label:key' with a simple label")
        if len(key.strip()) < 16:
            raise ConfigError(f"API_KEYS entry {index} ({label}) is shorter than 16 characters; use a long random key")
        keys.append((label, Secret(key.strip())))
    return tuple(keys)


def read_base_url(env: Mapping[str, str]) -> str | None:
    name, url = first_set(env, "LOOKERSDK_BASE_URL", "LOOKER_BASE_URL")
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


def read_web_url(env: Mapping[str, str], base_url: str | None) -> str | None:
    """Return LOOKER_WEB_URL, else the base URL without its port (the API port; people browse the plain host)."""
    url = env.get("LOOKER_WEB_URL", "").strip().rstrip("/")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ConfigError(f"LOOKER_WEB_URL must look like https://acme.cloud.looker.com, not '{url}'")
        return url
    if not base_url:
        return None
    parts = urlsplit(base_url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{parts.scheme}://{host}"


def read_jwks_url(env: Mapping[str, str]) -> str | None:
    url = env.get("JWT_JWKS_URL", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(f"JWT_JWKS_URL must be an https URL (plain http only on loopback), not '{url}'")
    return url


def read_rate_limit(env: Mapping[str, str]) -> str | None:
    from limits import parse_many

    value = env.get("RATE_LIMIT", "").strip()
    if not value:
        return None
    try:
        items = parse_many(value)
    except ValueError:
        raise ConfigError(f"RATE_LIMIT must look like 600/minute or 10/second;1000/hour, not '{value}'") from None
    if any(item.amount < 1 for item in items):
        raise ConfigError(f"RATE_LIMIT must allow at least one request per window, not '{value}'")
    return value


def read_embed_host(env: Mapping[str, str]) -> str | None:
    host = env.get("LOOKER_EMBED_HOST", "").strip().rstrip("/")
    if host and not re.fullmatch(r"(https?://)?[A-Za-z0-9.-]+(:\d+)?", host):
        raise ConfigError(f"LOOKER_EMBED_HOST must be a host name such as acme.looker.com, not '{host}'")
    return host or None
