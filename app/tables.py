"""The service's TOML files (METRICS_FILE, REPORTS_FILE): read once at start, every table checked the same way."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from .config import ConfigError


def read_toml(path: str, top_level: set[str], usage: str) -> dict:
    """Parse a TOML file, refusing unknown top-level keys; raise ConfigError naming the file."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for key in sorted(set(raw) - top_level):
        raise ConfigError(f"{path}: top-level key '{key}' is not known ({usage})")
    return raw


def check_table(
    path: str,
    kind: str,
    name: str,
    raw,
    known: set[str],
    required: tuple[str, ...],
    name_pattern: re.Pattern,
    name_rule: str,
) -> Callable[[str, str], ConfigError]:
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
