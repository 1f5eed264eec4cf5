"""Looker's result bytes checked against the format asked for, then turned into our response.

A 200 from Looker is not proof of a result: a proxy's HTML error page, a truncated body or garbage can
arrive with status 200, and Looker itself answers a query that failed in the database with 200 and a
`looker_error` in the body. `check` runs on every result fetched (on a miss only; a hit never pays for
it), inside the Looker call, so what it refuses is never stored or served: a body that is not the format
is 502 `looker_error` (counted as Looker failing, so a stale entry may stand in), and Looker's database
error is 422 `looker_query_failed` with Looker's message (a real answer: not stale, not a breaker failure).

What is checked, per format:
- json, json_bi, json_detail: a JSON Content-Type, a body that parses, the format's shape (json: a list
  of objects; json_bi: an object with `rows`; json_detail: an object with `data`), `looker_error` members.
- csv, txt, html, md, sql: a text Content-Type of the format, no NUL byte, no HTML page where the format
  is not html, a `<table>` in an html result, and the emulator's database-error table (one column headed
  `looker_error`) or, for sql, the `-- looker_error:` line. Real Looker's text answers for a failed query
  are not documented; a one-column table headed `looker_error` is the only shape detected.
- xlsx, png, jpg: the Content-Type and the file's signature at both ends (zip local header and end of
  central directory; PNG signature and IEND; JPEG SOI and EOI), which also catches truncated bodies; an
  xlsx whose first sheet is one column headed `looker_error` is the database error. A database error
  drawn into a png or jpg is a valid image and is served as one (reading it would need OCR).
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import orjson

from app.errors import QUERY_FAILED, ApiError

from .transport import LookerBody

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {
    "json": "application/json",
    "json_bi": "application/json",
    "json_detail": "application/json",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "sql": "text/plain; charset=utf-8",
    "xlsx": XLSX,
    "png": "image/png",
    "jpg": "image/jpeg",
}
JSON_FORMATS = ("json", "json_bi", "json_detail")
ACCEPTED = {  # media types Looker may label each format with (its docs do not list them)
    "csv": {"text/csv", "text/plain", "application/csv", "text/comma-separated-values"},
    "txt": {"text/plain", "text/tab-separated-values"},
    "html": {"text/html"},
    "md": {"text/markdown", "text/x-markdown", "text/plain"},
    "sql": {"text/plain", "application/sql", "text/x-sql"},
    "xlsx": {XLSX, "application/octet-stream", "application/zip"},
    "png": {"image/png"},
    "jpg": {"image/jpeg", "image/jpg"},
}
SIGNATURES = {  # (how the file starts, how it ends); a zip's end record is followed by its comment
    "png": (b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"),
    "jpg": (b"\xff\xd8\xff", b"\xff\xd9"),
    "xlsx": (b"PK\x03\x04", b"PK\x05\x06"),
}
RESULT_TABLE = re.compile(rb"<table", re.IGNORECASE)
HTML_PAGE = re.compile(rb"\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
TEXT_ERROR = {  # the first line of the emulator's database-error table, per text format
    "csv": re.compile(rb'"?looker_error"?\r?\n'),
    "txt": re.compile(rb"looker_error\r?\n"),
    "md": re.compile(rb"\|\s*looker_error\s*\|\r?\n"),
    "html": re.compile(rb"\s*<table>\s*<tr>\s*<th>looker_error</th>\s*</tr>", re.IGNORECASE),
}
SHEET = "xl/worksheets/sheet1.xml"


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def unreadable(why: str) -> ApiError:
    """Return the 502 for a Looker answer that is not the result asked for."""
    return ApiError(502, f"Looker sent an answer the service could not read: {why}.")


def query_failed(message) -> ApiError:
    """Return the 422 for a query Looker ran and the database failed, with Looker's message."""
    text = str(message).strip()[:1000] or "the database failed the query"
    return ApiError(422, f"Looker could not run the query: {text}", code=QUERY_FAILED)


def _check_json(body: LookerBody, fmt: str) -> None:
    media = _media_type(body.content_type)
    if media != "application/json" and not media.endswith("+json"):
        raise unreadable(f"{media or 'no Content-Type'} where JSON was asked for")
    try:
        parsed = orjson.loads(as_utf8(body, fmt))
    except orjson.JSONDecodeError:
        raise unreadable("the JSON does not parse") from None
    if fmt == "json":
        if not isinstance(parsed, list) or not all(isinstance(row, dict) for row in parsed):
            raise unreadable("json results are a list of rows")
        if parsed and "looker_error" in parsed[0]:
            raise query_failed(parsed[0]["looker_error"])
        return
    rows_key = "rows" if fmt == "json_bi" else "data"
    if not isinstance(parsed, dict) or not isinstance(parsed.get(rows_key), list):
        raise unreadable(f"{fmt} results are an object with '{rows_key}'")
    if "looker_error" in parsed:
        raise query_failed(parsed["looker_error"])
    rows = parsed[rows_key]
    if rows and isinstance(rows[0], dict) and "looker_error" in rows[0]:
        raise query_failed(rows[0]["looker_error"])


def _check_text(body: LookerBody, fmt: str) -> None:
    content = body.content
    if b"\x00" in content:
        raise unreadable(f"binary data where {fmt} was asked for")
    if fmt != "html" and HTML_PAGE.match(content[:512]):
        raise unreadable(f"an HTML page where {fmt} was asked for")
    if fmt == "html" and RESULT_TABLE.search(content) is None:
        raise unreadable("an HTML page with no result table")
    if fmt == "sql":
        if content.startswith(b"-- looker_error:"):
            raise query_failed(content[16:].split(b"\n", 1)[0].decode(errors="replace"))
        return
    first = TEXT_ERROR[fmt].match(content)
    if first is not None:
        raise query_failed(_text_message(content[first.end() :], fmt))


def _text_message(rest: bytes, fmt: str) -> str:
    line = rest.decode(errors="replace").strip().split("\n", 1)[0]
    if fmt == "csv":
        return line.strip('"').replace('""', '"')
    if fmt == "md":  # the line after the header is its |---| rule
        line = rest.decode(errors="replace").strip().split("\n")[1:2] or [""]
        return line[0].strip().strip("|").strip().replace("\\|", "|")
    if fmt == "html":
        return html.unescape(re.sub(r"<[^>]+>", "", line)).strip()
    return line


def _check_file(body: LookerBody, fmt: str) -> None:
    start, end = SIGNATURES[fmt]
    content = body.content
    tail = content[-65_557:] if fmt == "xlsx" else content[-len(end) :]  # a zip comment may follow its end record
    if not content.startswith(start) or end not in tail:
        raise unreadable(f"the body is not a complete {fmt} file")
    if fmt == "xlsx":
        message = _sheet_error(content)
        if message is not None:
            raise query_failed(message)


def _sheet_error(content: bytes) -> str | None:
    """Return the message of a workbook whose first sheet is one column headed `looker_error`, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            names = set(book.namelist())
            if "xl/workbook.xml" not in names:
                raise unreadable("the zip is not a workbook")
            if SHEET not in names:
                return None
            with book.open(SHEET) as sheet:
                head = sheet.read(8192).decode(errors="replace")  # the dimension and first cells, not the sheet
    except (zipfile.BadZipFile, OSError, EOFError):
        raise unreadable("the body is not a readable xlsx file") from None
    dimension = re.search(r'<dimension ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"', head)
    texts = re.findall(r"<t[^>]*>(.*?)</t>", head, re.DOTALL)
    if dimension is None or not re.fullmatch(r"A1(:A\d+)?", dimension.group(1)) or texts[:1] != ["looker_error"]:
        return None
    return html.unescape(texts[1]) if len(texts) > 1 else ""


def check(body: LookerBody, fmt: str) -> None:
    """Raise 502 unless Looker's body is a result in `fmt`, and 422 when it carries Looker's database error."""
    if not body.content:
        raise unreadable("an empty body")
    if fmt in JSON_FORMATS:
        _check_json(body, fmt)
        return
    media = _media_type(body.content_type)
    if media not in ACCEPTED[fmt]:
        raise unreadable(f"{media or 'no Content-Type'} where {fmt} was asked for")
    if fmt in SIGNATURES:
        _check_file(body, fmt)
    else:
        _check_text(body, fmt)


def as_utf8(body: LookerBody, fmt: str) -> bytes:
    """Return Looker's bytes unchanged, unless Looker declared a text charset other than UTF-8."""
    charset = _charset(body.content_type)
    if TYPES[fmt].startswith(("text/", "application/json")) and charset and charset not in ("utf-8", "utf8"):
        return body.content.decode(charset, errors="replace").encode()
    return body.content


def looker_result(body: LookerBody, fmt: str) -> tuple[bytes, str]:
    """Return Looker's result bytes with the Content-Type of its format, ready to store and serve."""
    return as_utf8(body, fmt), TYPES[fmt]
