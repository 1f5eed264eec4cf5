"""What a render shows, worked out once from the saved content and the data, before any drawing.

A dashboard becomes a `Board` of `Tile`s: each tile's query is the saved one with the dashboard's filter
values (the given ones, else the defaults) merged into the fields it listens to, exactly as the dashboard
route describes its tiles, and is run through the same compiler the query endpoints use. Drawing code
then only reads labels, numbers and text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from ..compiler import Compiler, QueryError, Result
from ..content import DASHBOARDS, LOOKS
from ..routes.queries import FORMATTERS

CHART_VIS = {
    "looker_column": "column",
    "looker_bar": "bar",
    "looker_line": "line",
    "looker_area": "area",
    "looker_pie": "pie",
}


@dataclass
class Tile:
    """One tile as drawn: a chart, a big number, a table, a text, or the error its query gave."""

    title: str
    kind: str  # column | bar | line | area | pie | single_value | table | text | error
    labels: list[str] = field(default_factory=list)  # the first dimension, as text
    values: list[float] = field(default_factory=list)  # the first measure
    measure: str = ""  # the label of the plotted measure
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)  # every cell formatted as Looker shows it
    number: str = ""  # a single value tile's number, formatted
    text: str = ""  # a text tile's body, or the error message


@dataclass
class Board:
    """A dashboard ready to draw: its title, the filter values applied, and its tiles in order."""

    title: str
    filters: list[tuple[str, str]]
    tiles: list[Tile]


def format_value(value, value_format_name: str | None) -> str:
    """Return a cell as Looker shows it, with the field's value format applied."""
    if value is None:
        return "∅"
    if isinstance(value, dict):  # a pivoted measure: show its total across the pivot columns
        value = sum(v for v in value.values() if isinstance(v, int | float))
    pattern = FORMATTERS.get(value_format_name or "")
    if pattern and isinstance(value, int | float):
        return pattern.format(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _number(value) -> float:
    if isinstance(value, dict):
        return float(sum(v for v in value.values() if isinstance(v, int | float)))
    return float(value) if isinstance(value, int | float) else 0.0


def tile_from_result(title: str, vis: str | None, result: Result) -> Tile:
    """Turn one query result into what its visualisation draws."""
    header = [f.label for f in result.fields]
    rows = [[format_value(row[f.name], f.value_format_name) for f in result.fields] for row in result.rows]
    dimension = next((f for f in result.fields if f.category == "dimension"), None)
    measure = next((f for f in result.fields if f.category == "measure"), None)
    tile = Tile(title=title, kind="table", header=header, rows=rows)
    if vis == "single_value" and result.fields:
        shown = measure or result.fields[0]
        first = result.rows[0][shown.name] if result.rows else None
        tile.kind, tile.number, tile.measure = "single_value", format_value(first, shown.value_format_name), shown.label
    elif vis in CHART_VIS and measure is not None:
        tile.kind, tile.measure = CHART_VIS[vis], measure.label
        tile.labels = [format_value(row[dimension.name], None) if dimension else "" for row in result.rows]
        tile.values = [_number(row[measure.name]) for row in result.rows]
    return tile


def run_tile(compiler: Compiler, title: str, vis: str | None, query: dict) -> Tile:
    """Run a tile's query; a query Looker would reject becomes an error tile, as a dashboard shows it."""
    try:
        return tile_from_result(title, vis, compiler.run(query))
    except QueryError as exc:
        return Tile(title=title, kind="error", text=exc.message)


def filter_values(dashboard_id: str, encoded: str | None) -> dict[str, str]:
    """Return every dashboard filter's value: the url-encoded one given, else its default."""
    spec = DASHBOARDS[dashboard_id]
    values = {f["name"]: f.get("default_value") or "" for f in spec["filters"]}
    for name, value in parse_qsl(encoded or "", keep_blank_values=True):
        if name in values:  # Looker ignores names the dashboard has no filter for
            values[name] = value
    return values


def tile_query(tile: dict, values: dict[str, str]) -> dict:
    """Return a tile's saved query with the filter values it listens to merged in."""
    base = LOOKS[tile["look_id"]]["query"] if tile.get("look_id") else tile["query"]
    filters = dict(base.get("filters") or {})
    for name, dimension in tile.get("listen", {}).items():
        if values.get(name):
            filters[dimension] = values[name]
    return {**base, "filters": filters}


def dashboard_board(compiler: Compiler, dashboard_id: str, encoded_filters: str | None) -> Board:
    """Build the board a dashboard render draws, with its filters applied to the listening tiles."""
    spec = DASHBOARDS[dashboard_id]
    values = filter_values(dashboard_id, encoded_filters)
    tiles = []
    for element in spec["elements"]:
        if "text" in element:
            tiles.append(Tile(title=element["title"], kind="text", text=element["text"]))
        else:
            tiles.append(run_tile(compiler, element["title"], element["vis"], tile_query(element, values)))
    shown = [(f["title"], values[f["name"]] or "is any value") for f in spec["filters"]]
    return Board(title=spec["title"], filters=shown, tiles=tiles)


def look_tile(compiler: Compiler, look_id: str) -> Tile:
    """Build the tile a Look render draws: a line over time, columns otherwise, a table without a measure."""
    look = LOOKS[look_id]
    result = compiler.run(look["query"])  # a failing Look fails its render task, so errors propagate
    over_time = any(f.is_time for f in result.fields if f.category == "dimension")
    return tile_from_result(look["title"], "looker_line" if over_time else "looker_column", result)
