"""Render query results in Looker's result formats, with the content types the SDK decodes correctly."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io

import orjson

from .compiler import Result
from .lookml import Field

TEXT = {"csv": "text/csv", "txt": "text/plain", "html": "text/html", "md": "text/markdown", "sql": "text/plain"}
BINARY = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}
JSON_FORMATS = ("json", "json_bi", "json_detail")
FORMATS = (*JSON_FORMATS, *TEXT, *BINARY)


class UnknownFormat(ValueError):
    """Looker answers 400 for a result format it does not know."""


def content_type(fmt: str) -> str:
    """Return the Content-Type the emulator sends for a result format."""
    if fmt in JSON_FORMATS:
        return "application/json; charset=utf-8"
    if fmt in TEXT:
        return TEXT[fmt] + "; charset=utf-8"
    if fmt in BINARY:
        return BINARY[fmt]
    raise UnknownFormat(fmt)


def _table(result: Result) -> tuple[list[str], list[list]]:
    """Flatten rows (and pivot columns) into a header of labels and rows of values."""
    header, getters = [], []
    for f in result.fields:
        if f.category == "measure" and result.pivots:
            for key in result.pivot_keys:
                header.append(f"{f.label} {key.replace('|FIELD|', ' ')}")
                getters.append(lambda row, name=f.name, key=key: row[name].get(key))
        else:
            header.append(f.label)
            getters.append(lambda row, name=f.name: row[name])
    return header, [[get(row) for get in getters] for row in result.rows]


def _text(value) -> str:
    return "" if value is None else str(value)


def _bi_field(f: Field) -> dict:
    return {
        "name": f.name,
        "label": f.label,
        "view_label": f.view_label,
        "view": f.view,
        "category": f.category,
        "type": f.type,
        "sql": f.sql,
        "dimension_group": f.dimension_group,
        "field_group_label": None,
        "field_group_variant": f.label_short,
        "hidden": f.hidden,
        "description": f.description,
    }


def _detail_field(f: Field) -> dict:
    return {
        **_bi_field(f),
        "label_short": f.label_short,
        "is_numeric": f.is_numeric,
        "align": "right" if f.is_numeric else "left",
        "value_format": f.value_format,
    }


def render(result: Result, fmt: str, query: dict) -> bytes:
    """Return the result body for one format."""
    if fmt == "json":
        return orjson.dumps(result.rows)
    if fmt == "json_bi":
        fields = {
            "dimensions": [_bi_field(f) for f in result.fields if f.category == "dimension"],
            "measures": [_bi_field(f) for f in result.fields if f.category == "measure"],
            "pivots": [_bi_field(f) for f in result.pivots],
            "table_calculations": [],
        }
        pivots = [
            {
                "key": key,
                "is_total": False,
                "sort_values": {},
                "data": dict(zip([p.name for p in result.pivots], key.split("|FIELD|"), strict=True)),
            }
            for key in result.pivot_keys
        ]
        metadata = {
            "big_query_metadata": {"total_bytes_processed": 0, "backend_cache_hit": False},
            "fields": fields,
            "pivots": pivots,
            "has_subtotals": False,
            "has_totals": False,
            "columns_truncated": "false",
            "filter_expression": "",
            "filters": dict(query.get("filters") or {}),
            "sql": result.sql,
        }
        return orjson.dumps({"metadata": metadata, "rows": result.rows})
    if fmt == "json_detail":
        data = [{name: {"value": value} for name, value in row.items()} for row in result.rows]
        fields = {
            "dimensions": [_detail_field(f) for f in result.fields if f.category == "dimension"],
            "measures": [_detail_field(f) for f in result.fields if f.category == "measure"],
        }
        return orjson.dumps(
            {
                "data": data,
                "fields": fields,
                "sql": result.sql,
                "pivots": result.pivot_keys,
                "ran_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "has_row_limit": True,
                "number_format": None,
            }
        )
    if fmt == "sql":
        return result.sql.encode()
    header, rows = _table(result)
    if fmt in ("csv", "txt"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[_text(v) for v in row] for row in rows])
        return buffer.getvalue().encode()
    if fmt == "html":
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>" for row in rows)
        return f"<table>\n<tr>{head}</tr>\n{body}\n</table>\n".encode()
    if fmt == "md":

        def line(cells):
            return "| " + " | ".join(_text(c).replace("|", "\\|") for c in cells) + " |"

        return "\n".join([line(header), "|" + "---|" * len(header), *map(line, rows)]).encode() + b"\n"
    if fmt == "xlsx":
        return _xlsx(header, rows)
    if fmt in ("png", "jpg"):
        return _chart(header, rows, fmt)
    raise UnknownFormat(fmt)


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _chart(header: list[str], rows: list[list], fmt: str, width: int = 640, height: int = 360) -> bytes:
    """Draw a bar chart of the first numeric column by the first column, as Looker renders a Look."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    column = next((i for i, v in enumerate(rows[0]) if isinstance(v, int | float)), None) if rows else None
    if column is not None:
        values = [row[column] if isinstance(row[column], int | float) else 0 for row in rows[:30]]
        top = max(max(values), 1)
        bar = (width - 40) / len(values)
        for i, value in enumerate(values):
            x = 20 + i * bar
            draw.rectangle(
                [x + 2, height - 30 - (height - 60) * value / top, x + bar - 2, height - 30], fill=(66, 133, 244)
            )
        draw.text((20, 8), header[column], fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG" if fmt == "png" else "JPEG")
    return buffer.getvalue()
