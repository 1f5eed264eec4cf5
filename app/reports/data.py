"""A report's data: labelled, formatted rows for the message, the full result as the attachment, a link to Looker."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import orjson

from ..errors import ApiError
from ..looker.client import LookerClient
from ..looker.renders import DEFAULT_SIZE, RenderSpec, wait_for_file
from ..metrics.catalog import Catalog
from ..metrics.series import series_query, to_points
from .cells import Column
from .config import Report

CONTENT_TYPES = {
    "csv": "text/csv",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CELL = "padding:4px 8px;border-bottom:1px solid #ddd"
HEAD = "padding:4px 8px;border-bottom:2px solid #999"


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[list]  # Looker's values
    cells: list[list[str]]  # the same, as a reader sees them
    attachment: bytes
    filename: str
    content_type: str
    link: str | None = None
    render_of: str = ""  # for a rendered report: what the attachment shows, e.g. "Dashboard 'Business Pulse'"

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]


def render(columns: list[Column], rows: list[list], cells: list[list[str]], fmt: str) -> bytes:
    """Render a table as csv, an HTML table (formatted) or xlsx (openpyxl, values as numbers)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.label for c in columns])
        writer.writerows(rows)
        return buffer.getvalue().encode()
    if fmt == "html":
        return html_table(columns, cells).encode()
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([c.label for c in columns])
    for row in rows:
        sheet.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def html_table(columns: list[Column], cells: list[list[str]]) -> str:
    """Return an HTML table mail clients render: labelled, numbers right-aligned, styles inline."""
    align = ["right" if c.numeric else "left" for c in columns]
    head = "".join(
        f"<th style='text-align:{a};{HEAD}'>{html.escape(c.label)}</th>" for c, a in zip(columns, align, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:{a};{CELL}'>{html.escape(v)}</td>" for v, a in zip(row, align, strict=True))
        + "</tr>"
        for row in cells
    )
    return (
        f"<table style='border-collapse:collapse;font-family:sans-serif;font-size:14px'><tr>{head}</tr>{body}</table>"
    )


def text_table(columns: list[Column], cells: list[list[str]]) -> str:
    """Return the same table as fixed-width text, numbers right-aligned, for the plain-text part."""
    widths = [max([len(c.label), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if c.numeric else v.ljust(w) for v, w, c in zip(values, widths, columns, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line([c.label for c in columns]), rule, *(line(row) for row in cells)])


def _failed(record) -> str | None:
    if isinstance(record, dict):
        if record.get("looker_error"):
            return str(record["looker_error"])
        errors = record.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            return str(first.get("message") or first) if isinstance(first, dict) else str(first)
    return None


def read_detail(raw: bytes, what: str) -> tuple[list[Column], list[list], list[list[str]]]:
    """Read Looker's json_detail answer into labelled columns, values and their shown text."""
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(502, f"Looker's answer for {what} was not JSON", code="looker_error") from None
    data = answer.get("data") if isinstance(answer, dict) else None
    message = _failed(answer) or (_failed(answer[0]) if isinstance(answer, list) and answer else None)
    if message or not isinstance(data, list):
        raise ApiError(422, message or f"Looker's answer for {what} had no data", code="looker_query_failed")
    fields = answer.get("fields") or {}
    described = {
        f["name"]: f
        for group in ("dimensions", "measures", "table_calculations")
        for f in fields.get(group) or []
        if isinstance(f, dict) and f.get("name")
    }
    names = list(data[0]) if data else list(described)
    columns, getters = [], []
    for name in names:
        column = Column.from_field(described.get(name, {"name": name}))
        sample = data[0].get(name) if data else None
        pivoted = isinstance(sample, dict) and "value" not in sample
        for key in sample if pivoted else [None]:
            label = f"{column.label} {key.replace('|FIELD|', ' ')}" if pivoted else column.label
            columns.append(Column(column.name, label, column.numeric, column.value_format))
            getters.append((name, key))

    def cell(record: dict, name: str, key: str | None) -> dict:
        found = record.get(name)
        found = found.get(key) if key is not None and isinstance(found, dict) else found
        return found if isinstance(found, dict) and "value" in found else {"value": found}

    rows, cells = [], []
    for record in data:
        found = [cell(record, name, key) for name, key in getters]
        rows.append([c["value"] for c in found])
        cells.append([col.show(c["value"], c.get("rendered")) for col, c in zip(columns, found, strict=True)])
    return columns, rows, cells


def explore_url(web_url: str, query: dict) -> str:
    """Return the Looker explore URL that opens the query (fields, filters, sorts, pivots, limit)."""
    params = [("fields", ",".join(query.get("fields") or []))]
    params += [(f"f[{name}]", value) for name, value in (query.get("filters") or {}).items()]
    for key in ("sorts", "pivots"):
        if query.get(key):
            params.append((key, ",".join(query[key])))
    if query.get("limit"):
        params.append(("limit", str(query["limit"])))
    return f"{web_url}/explore/{query['model']}/{query['view']}?{urlencode(params, quote_via=quote, safe=',[]')}"


def rendered(report: Report, client: LookerClient, filename: str) -> Table:
    """Render the report's dashboard or Look in Looker and wait for the file (bounded by RENDER_TIMEOUT)."""
    ask = report.render
    kind = "dashboard" if "dashboard" in ask else "look"
    target, filters = str(ask.get("dashboard") or ask.get("look")), ask.get("filters") or {}
    if kind == "dashboard":
        board = client.call(f"dashboard {target}", lambda sdk: sdk.dashboard(target))
        unknown = sorted(set(filters) - {f.name for f in board.dashboard_filters or []})
        if unknown:  # Looker would ignore them and render unfiltered
            raise ApiError(400, f"Dashboard {target} has no filter(s) {', '.join(unknown)}.")
        title = board.title or f"Dashboard {target}"
    else:
        title = client.call(f"Look {target}", lambda sdk: sdk.look(target, fields="title")).title or f"Look {target}"
    width, height = DEFAULT_SIZE[kind]
    spec = RenderSpec(
        kind,
        target,
        report.format,
        ask.get("width") or width,
        ask.get("height") or height,
        dashboard_filters=urlencode(filters),
        pdf_paper_size=ask.get("pdf_paper_size"),
        pdf_landscape=bool(ask.get("pdf_landscape")),
    )
    body, content_type = wait_for_file(client, spec, client.settings.render_timeout)
    return Table([], [], [], body, filename, content_type, report.link, render_of=f"{kind.title()} '{title}'")


def fetch(report: Report, client: LookerClient, catalog: Catalog, today: dt.date, web_url: str = "") -> Table:
    """Ask Looker for the report's data (Looker renders csv/html/xlsx itself for Looks and queries)."""
    filename = f"{report.name}-{today.isoformat()}.{report.format}"
    if report.render is not None:
        return rendered(report, client, filename)
    if report.metric is not None:
        metric = catalog.metrics[report.metric["name"]]
        granularity = report.metric.get("granularity", "day")
        start, end = today - dt.timedelta(days=report.metric.get("last_days", 7)), today - dt.timedelta(days=1)
        body, time_field = series_query(metric, start, end, granularity)
        raw = client.fetch(
            f"metric '{metric.name}'",
            lambda sdk, options: sdk.run_inline_query("json_detail", body, transport_options=options),
        ).content
        found, values, _ = read_detail(raw, f"metric '{metric.name}'")
        records = [dict(zip([c.name for c in found], row, strict=True)) for row in values]
        points = to_points(records, metric, time_field, start, end, granularity)
        measure = next((c for c in found if c.name == metric.measure), Column(metric.measure, metric.label, True))
        columns = [Column("period", "Period"), Column(measure.name, metric.label, True, measure.value_format)]
        rows = [[p["period"], p["value"]] for p in points]
        cells = [[c.show(v) for c, v in zip(columns, row, strict=True)] for row in rows]
        link = report.link or (web_url and explore_url(web_url, body)) or None
        attachment = render(columns, rows, cells, report.format)
        return Table(columns, rows, cells, attachment, filename, CONTENT_TYPES[report.format], link)

    def run(fmt: str) -> bytes:
        if report.look is not None:
            return client.fetch(
                f"Look {report.look}",
                lambda sdk, options: sdk.run_look(str(report.look), fmt, transport_options=options),
            ).content
        return client.fetch(
            f"report '{report.name}'",
            lambda sdk, options: sdk.run_inline_query(fmt, report.query, transport_options=options),
        ).content

    columns, rows, cells = read_detail(run("json_detail"), f"report '{report.name}'")
    if report.link or not web_url:
        link = report.link
    else:
        link = f"{web_url}/looks/{report.look}" if report.look is not None else explore_url(web_url, report.query)
    return Table(columns, rows, cells, run(report.format), filename, CONTENT_TYPES[report.format], link)
