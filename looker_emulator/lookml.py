"""Load the bundled LookML into models, explores and fields the query compiler understands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import lkml

LOOKML_DIR = Path(__file__).with_name("lookml")
REF = re.compile(r"\$\{([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)?)\}")
NUMERIC_TYPES = {"number", "count", "count_distinct", "sum", "average", "min", "max", "tier"}
# Looker resolves a named value format to its format string in field metadata (value_format).
NAMED_FORMATS = {"usd": "$#,##0.00", "decimal_1": "#,##0.0"}

# SQLite expressions for each time frame of a dimension_group; {0} is the raw timestamp.
TIMEFRAMES = {
    "raw": ("{0}", "date_time"),
    "time": ("{0}", "date_time"),
    "date": ("date({0})", "date_date"),
    "week": ("date({0}, '-6 days', 'weekday 1')", "date_week"),
    "month": ("strftime('%Y-%m', {0})", "date_month"),
    "quarter": ("strftime('%Y', {0}) || '-Q' || ((CAST(strftime('%m', {0}) AS INTEGER) + 2) / 3)", "date_quarter"),
    "year": ("CAST(strftime('%Y', {0}) AS INTEGER)", "date_year"),
}


def _title(name: str) -> str:
    return " ".join(part.capitalize() for part in name.split("_"))


@dataclass
class Field:
    """One dimension or measure, named `view.field` as Looker names it."""

    view: str
    short: str
    category: str  # "dimension" | "measure"
    type: str
    sql: str
    label_short: str
    view_label: str
    description: str | None = None
    hidden: bool = False
    value_format_name: str | None = None
    dimension_group: str | None = None
    timeframe: str | None = None
    tiers: tuple[float, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.view}.{self.short}"

    @property
    def label(self) -> str:
        return f"{self.view_label} {self.label_short}"

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES or self.timeframe == "year"

    @property
    def is_time(self) -> bool:
        return self.timeframe is not None

    @property
    def value_format(self) -> str | None:
        return NAMED_FORMATS.get(self.value_format_name or "")


@dataclass
class View:
    name: str
    table: str
    primary_key: str | None
    fields: dict[str, Field] = field(default_factory=dict)


@dataclass
class Join:
    name: str
    sql_on: str
    relationship: str


@dataclass
class AccessFilter:
    """An explore's `access_filter`: the field narrowed by each user's value of the attribute."""

    field: str
    user_attribute: str


@dataclass
class Explore:
    name: str
    model: str
    view_name: str
    label: str
    description: str | None
    joins: list[Join]
    hidden: bool = False
    access_filters: list[AccessFilter] = field(default_factory=list)

    def views(self) -> list[str]:
        return [self.view_name] + [join.name for join in self.joins]


@dataclass
class Datagroup:
    """A caching policy: results are fresh until `sql_trigger`'s value changes or `max_cache_age` passes."""

    name: str
    label: str
    sql_trigger: str | None
    max_cache_age: str | None
    description: str | None = None


@dataclass
class Model:
    name: str
    label: str
    connection: str
    explores: dict[str, Explore]
    views: dict[str, View]
    datagroups: dict[str, Datagroup] = field(default_factory=dict)
    persist_with: str | None = None


def _load_view(raw: dict) -> View:
    name = raw["name"]
    view = View(name=name, table=raw.get("sql_table_name", name).strip(), primary_key=None)
    label = raw.get("label", _title(name))
    for dim in raw.get("dimensions", []):
        if dim.get("primary_key") == "yes":
            view.primary_key = dim["name"]
        view.fields[dim["name"]] = Field(
            view=name,
            short=dim["name"],
            category="dimension",
            type=dim.get("type", "string"),
            sql=dim.get("sql", "${TABLE}." + dim["name"]),
            label_short=dim.get("label", _title(dim["name"])),
            view_label=label,
            description=dim.get("description"),
            hidden=dim.get("hidden") == "yes",
            value_format_name=dim.get("value_format_name"),
            tiers=tuple(float(t) for t in dim.get("tiers", [])),
        )
    for group in raw.get("dimension_groups", []):
        for frame in group.get("timeframes", ["raw", "date"]):
            expr, field_type = TIMEFRAMES[frame]
            short = f"{group['name']}_{frame}"
            view.fields[short] = Field(
                view=name,
                short=short,
                category="dimension",
                type=field_type,
                sql=expr.format("(" + group["sql"] + ")"),
                label_short=f"{_title(group['name'])} {_title(frame)}",
                view_label=label,
                description=group.get("description"),
                dimension_group=f"{name}.{group['name']}",
                timeframe=frame,
            )
    for measure in raw.get("measures", []):
        view.fields[measure["name"]] = Field(
            view=name,
            short=measure["name"],
            category="measure",
            type=measure.get("type", "count"),
            sql=measure.get("sql", ""),
            label_short=measure.get("label", _title(measure["name"])),
            view_label=label,
            description=measure.get("description"),
            hidden=measure.get("hidden") == "yes",
            value_format_name=measure.get("value_format_name"),
        )
    return view


def _included(pattern: str, directory: Path) -> list[Path]:
    return sorted(directory.glob(pattern.lstrip("/")))


def load_models(directory: Path = LOOKML_DIR) -> dict[str, Model]:
    """Parse every `*.model.lkml` in the directory with the views it includes."""
    models = {}
    for path in sorted(directory.glob("*.model.lkml")):
        raw = lkml.load(path.read_text())
        name = path.name.removesuffix(".model.lkml")
        views: dict[str, View] = {}
        for pattern in raw.get("includes", []):
            for view_path in _included(pattern, directory):
                for view_raw in lkml.load(view_path.read_text()).get("views", []):
                    views[view_raw["name"]] = _load_view(view_raw)
        explores = {}
        for exp in raw.get("explores", []):
            joins = [Join(j["name"], j["sql_on"], j.get("relationship", "many_to_one")) for j in exp.get("joins", [])]
            explores[exp["name"]] = Explore(
                name=exp["name"],
                model=name,
                view_name=exp.get("view_name", exp["name"]),
                label=exp.get("label", _title(exp["name"])),
                description=exp.get("description"),
                joins=joins,
                hidden=exp.get("hidden") == "yes",
                access_filters=[AccessFilter(a["field"], a["user_attribute"]) for a in exp.get("access_filters", [])],
            )
        models[name] = Model(
            name=name,
            label=raw.get("label", _title(name)),
            connection=raw.get("connection", ""),
            explores=explores,
            views=views,
            datagroups={d["name"]: _load_datagroup(d) for d in raw.get("datagroups", [])},
            persist_with=raw.get("persist_with"),
        )
    return models


def _load_datagroup(raw: dict) -> Datagroup:
    return Datagroup(
        name=raw["name"],
        label=raw.get("label", _title(raw["name"])),
        sql_trigger=raw.get("sql_trigger"),
        max_cache_age=raw.get("max_cache_age"),
        description=raw.get("description"),
    )
