"""Looker's answer when the database fails a query: HTTP 200 whose body carries a `looker_error`.

Looker checks a query's fields before it writes SQL (a bad field is a 422), but once the SQL is sent, a
failure in the database does not change the status: the caller gets 200 and finds the error in the body.
Here any exception raised while building the WHERE clause's values or executing the SQL (sqlite errors,
overflow in date arithmetic, anything but a `QueryError`) is that failure. The body per result format:

- `json`: `[{"looker_error": "SQL Error: ..."}]`, the shape spectacles-ci/spectacles#67 recorded.
- `json_bi`: the usual `{"metadata", "rows"}` with the SQL in `metadata.sql` and the rows
  `[{"looker_error": ...}]`, as spectacles models a failed json_bi result.
- `json_detail`: the usual keys with no data, plus `looker_error` and `errors`, a list of
  `{"message", "message_details", "sql_error_loc"}` as spectacles reads a failed detailed result.
- `csv`, `txt`, `html`, `md`: a one-column table headed `looker_error` holding the message (Looker's docs
  do not show these; a table keeps each format parseable and the message findable).
- `sql`: the SQL Looker would have sent, under a `-- looker_error:` comment line.
- `xlsx`: a sheet shaped like the csv; `png`, `jpg`: an image of the message.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io

import orjson

from .compiler import Compiler, QueryError, Result

INJECTED = "SQL Error: injected database failure (emulator fault)"
EMPTY_FIELDS = {"dimensions": [], "measures": [], "pivots": [], "table_calculations": []}


class DatabaseError(Exception):
    """A query that passed validation but failed in the database; `sql` is what was sent, if known."""

    def __init__(self, message: str, sql: str = ""):
        super().__init__(message)
        self.message, self.sql = message, sql


def run(compiler: Compiler, query: dict, access: list | None = None) -> Result:
    """Run a query (with a user's access filters); a failure past validation becomes a `DatabaseError`."""
    try:
        return compiler.run(query, access=access or [])
    except QueryError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the database raises is the query's error
        raise DatabaseError(f"SQL Error: {exc}", _sql_of(compiler, query)) from exc


def _sql_of(compiler: Compiler, query: dict) -> str:
    try:
        return compiler.compile(query)[0]
    except Exception:  # noqa: BLE001 - the SQL could not even be written; Looker then shows none
        return ""


def body(message: str, fmt: str, query: dict | None = None, sql: str = "") -> bytes:
    """Return the result body that carries a database error in one result format."""
    query = query or {}
    if fmt == "json":
        return orjson.dumps([{"looker_error": message}])
    if fmt == "json_bi":
        metadata = {
            "big_query_metadata": {"total_bytes_processed": 0, "backend_cache_hit": False},
            "fields": EMPTY_FIELDS,
            "pivots": [],
            "has_subtotals": False,
            "has_totals": False,
            "columns_truncated": "false",
            "filter_expression": "",
            "filters": dict(query.get("filters") or {}),
            "sql": sql,
        }
        return orjson.dumps({"metadata": metadata, "rows": [{"looker_error": message}]})
    if fmt == "json_detail":
        return orjson.dumps(
            {
                "looker_error": message,
                "errors": [{"message": message, "message_details": None, "sql_error_loc": None}],
                "data": [],
                "fields": {"dimensions": [], "measures": []},
                "sql": sql,
                "pivots": [],
                "ran_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "has_row_limit": True,
                "number_format": None,
            }
        )
    if fmt == "sql":
        return f"-- looker_error: {message}\n{sql}".encode()
    if fmt in ("csv", "txt"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerows([["looker_error"], [message]])
        return buffer.getvalue().encode()
    if fmt == "html":
        return f"<table>\n<tr><th>looker_error</th></tr>\n<tr><td>{html.escape(message)}</td></tr>\n</table>\n".encode()
    if fmt == "md":
        return f"| looker_error |\n|---|\n| {message.replace('|', chr(92) + '|')} |\n".encode()
    if fmt == "xlsx":
        return _xlsx(message)
    if fmt in ("png", "jpg"):
        return _image(message, fmt)
    return orjson.dumps([{"looker_error": message}])


def _xlsx(message: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["looker_error"])
    book.active.append([message])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _image(message: str, fmt: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 120), "white")
    draw = ImageDraw.Draw(image)
    for line, start in enumerate(range(0, min(len(message), 400), 80)):
        draw.text((12, 12 + 16 * line), message[start : start + 80], fill=(176, 0, 32))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG" if fmt == "png" else "JPEG")
    return buffer.getvalue()
