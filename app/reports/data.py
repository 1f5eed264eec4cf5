"""A report's data: rows for the message, and the full result in the report's format for the attachment."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson

from ..errors import ApiError
from ..looker.client import LookerClient
from ..looker.renders import DEFAULT_SIZE, RenderSpec, wait_for_file
from ..metrics.catalog import Catalog
from ..metrics.series import series_query, to_points
from .config import Report

CONTENT_TYPES = {
    "csv": "text/csv",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list]
    attachment: bytes
    filename: str
    content_type: str
    render_of: str = ""  # for a rendered report: what the attachment shows, e.g. "dashboard 'Business Pulse'"


def render(columns: list[str], rows: list[list], fmt: str) -> bytes:
    """Render a table as csv, an HTML table or xlsx (openpyxl)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().encode()
    if fmt == "html":
        return html_table(columns, rows).encode()
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def html_table(columns: list[str], rows: list[list]) -> str:
    """Return a plain HTML table that mail clients render."""
    head = "".join(f"<th style='text-align:left;padding:4px 8px'>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='padding:4px 8px'>{html.escape('' if v is None else str(v))}</td>" for v in row)
        + "</tr>"
        for row in rows
    )
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"


def _rows(raw: bytes) -> tuple[list[str], list[list]]:
    records = orjson.loads(raw)
    columns = list(records[0]) if records else []
    return columns, [[record.get(c) for c in columns] for record in records]


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
    return Table([], [], body, filename, content_type, render_of=f"{kind.title()} '{title}'")


def fetch(report: Report, client: LookerClient, catalog: Catalog, today: dt.date) -> Table:
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
            lambda sdk, options: sdk.run_inline_query("json", body, transport_options=options),
        ).content
        points = to_points(orjson.loads(raw), metric, time_field, start, end, granularity)
        columns, rows = ["period", metric.label], [[p["period"], p["value"]] for p in points]
        return Table(columns, rows, render(columns, rows, report.format), filename, CONTENT_TYPES[report.format])

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

    columns, rows = _rows(run("json"))
    return Table(columns, rows, run(report.format), filename, CONTENT_TYPES[report.format])
