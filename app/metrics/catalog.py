"""The named metrics catalogue (METRICS_FILE): read and checked once, at start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.config import ConfigError
from app.names import FIELD_NAME, GRANULARITIES, LOOKML_NAME, LOOKML_NAME_RULE
from app.tables import check_table, read_toml

KEYS = {"label", "description", "model", "explore", "measure", "time", "filters", "granularities"}
DEFAULT_MAX_DAYS = 3660


@dataclass(frozen=True)
class Metric:
    """A measure over a time dimension group, with fixed filters."""

    name: str
    label: str
    model: str
    explore: str
    measure: str
    time: str
    description: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    granularities: tuple[str, ...] = GRANULARITIES

    def summary(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "model": self.model,
            "explore": self.explore,
            "measure": self.measure,
            "granularities": list(self.granularities),
        }


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, Metric]
    max_days: int = DEFAULT_MAX_DAYS


def _metric(path: str, name: str, raw: dict) -> Metric:
    bad = check_table(
        path,
        "metric",
        name,
        raw,
        KEYS,
        ("label", "model", "explore", "measure", "time"),
        LOOKML_NAME,
        LOOKML_NAME_RULE,
    )
    for key in ("model", "explore"):
        if not LOOKML_NAME.fullmatch(raw[key]):
            raise bad(key, f"'{raw[key]}' is not a LookML name")
    for key, example in (("measure", "order_items.total_sale_price"), ("time", "orders.created")):
        if not FIELD_NAME.fullmatch(raw[key]):
            raise bad(key, f"'{raw[key]}' must be a view.field name such as {example}")
    filters = raw.get("filters", {})
    if not isinstance(filters, dict) or not all(
        isinstance(v, str) and FIELD_NAME.fullmatch(k) for k, v in filters.items()
    ):
        raise bad("filters", "must map view.field names to filter expressions (text)")
    granularities = raw.get("granularities", list(GRANULARITIES))
    if not isinstance(granularities, list) or not granularities or set(granularities) - set(GRANULARITIES):
        raise bad("granularities", f"must be a list drawn from {', '.join(GRANULARITIES)}")
    return Metric(
        name=name,
        label=raw["label"],
        model=raw["model"],
        explore=raw["explore"],
        measure=raw["measure"],
        time=raw["time"],
        description=raw.get("description"),
        filters=dict(filters),
        granularities=tuple(g for g in GRANULARITIES if g in granularities),
    )


def load_catalog(path: str, required: bool) -> Catalog:
    """Read the metrics file; a missing default file is an empty catalogue, anything malformed a ConfigError."""
    file = Path(path)
    if not file.is_file():
        if required:
            raise ConfigError(f"METRICS_FILE '{path}' does not exist")
        return Catalog({})
    raw = read_toml(path, {"metrics", "max_days"}, "use [metrics.NAME] tables and max_days")
    max_days = raw.get("max_days", DEFAULT_MAX_DAYS)
    if not isinstance(max_days, int) or max_days < 1:
        raise ConfigError(f"{path}: max_days must be a positive whole number")
    metrics = raw.get("metrics", {})
    if not isinstance(metrics, dict):
        raise ConfigError(f"{path}: metrics must be tables, [metrics.NAME]")
    return Catalog({name: _metric(path, name, spec) for name, spec in metrics.items()}, max_days)
