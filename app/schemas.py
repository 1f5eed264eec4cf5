"""The request models: one source of truth for what clients may send."""

from __future__ import annotations

import math
import zoneinfo
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from .names import DASHBOARD_ID, FIELD_NAME, LOOKML_NAME, Granularity

NAME = f"^{LOOKML_NAME.pattern}$"
MAX_ID = 2**53 - 1  # the largest integer a browser's JSON keeps exactly
FIELD = f"^{FIELD_NAME.pattern}$"
QueryFormat = Literal["json", "json_bi", "json_detail", "csv", "txt", "html", "md", "sql"]
LookFormat = Literal["json", "json_bi", "json_detail", "csv", "txt", "html", "md", "sql", "xlsx", "png", "jpg"]
Name = Annotated[str, StringConstraints(pattern=NAME)]
FieldName = Annotated[str, StringConstraints(pattern=FIELD)]
Sort = Annotated[str, StringConstraints(pattern=FIELD[:-1] + r"( (asc|desc|ASC|DESC))?$")]
Expression = Annotated[str, StringConstraints(max_length=1000)]
MAX_EXPRESSION = 1000
TIME_ZONES = frozenset(zoneinfo.available_timezones())  # the IANA names Looker's query_timezone takes


def _filter_value(value: object) -> str | int | float:
    """Accept a Looker filter expression or a plain number, with one message for anything else."""
    if isinstance(value, str) and len(value) <= MAX_EXPRESSION:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    raise ValueError(f"must be a filter expression (a string of at most {MAX_EXPRESSION} characters) or a number")


FilterValue = Annotated[
    str | int | float,
    PlainValidator(_filter_value),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_EXPRESSION}, {"type": "number"}]}),
]


def write_query(
    model: str,
    view: str,
    fields: list[str],
    filters: dict,
    sorts: list[str] | None = None,
    pivots: list[str] | None = None,
    limit: int | str | None = 500,
    query_timezone: str | None = None,
) -> dict:
    """Return Looker's WriteQuery body in one canonical form, so equal questions share a cache key."""
    body = {
        "model": model,
        "view": view,
        "fields": list(fields),
        "limit": str(limit or 500),
        "filters": {name: str(value) for name, value in (filters or {}).items()},
    }
    if sorts:
        body["sorts"] = list(sorts)
    if pivots:
        body["pivots"] = list(pivots)
    if query_timezone:
        body["query_timezone"] = query_timezone
    return body


def _limit_number(value: object) -> object:
    """Take a limit as a JSON integer or a string of ASCII digits (Looker's spec types it as a string)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("limit must be an integer")
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= 12):
            raise ValueError("limit must be an integer")
        return int(value)
    return value


def _check_time_zone(value: str | None) -> str | None:
    if value is not None and value not in TIME_ZONES:
        raise ValueError(f"'{value}' is not an IANA time zone name (such as 'UTC' or 'America/New_York')")
    return value


TimeZone = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(TIME_ZONES)})]  # documented as checked


def _check_limit(value: int | None, info: ValidationInfo) -> int | None:
    maximum = (info.context or {}).get("max_rows", 5000)
    if value is not None and value > maximum:
        raise ValueError(f"limit may be at most {maximum} (MAX_ROWS)")
    return value


class QueryRequest(BaseModel):
    """A Looker query as a client sends it to POST /api/query (JSON types as they are: `true` is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    model: Name
    view: Name
    fields: list[FieldName] = Field(min_length=1, max_length=200)
    filters: dict[FieldName, FilterValue] = Field(
        default_factory=dict, max_length=100, json_schema_extra={"additionalProperties": False}
    )
    sorts: list[Sort] = Field(default_factory=list, max_length=50)
    pivots: list[FieldName] = Field(default_factory=list, max_length=10)
    limit: Annotated[int, BeforeValidator(_limit_number)] = Field(500, ge=1)
    format: QueryFormat = "json"
    apply_formatting: bool = False
    query_timezone: TimeZone | None = None

    _limit = field_validator("limit")(_check_limit)
    _time_zone = field_validator("query_timezone")(_check_time_zone)

    def looker_body(self) -> dict:
        """Return the WriteQuery body for Looker (limit as a string, as the spec types it)."""
        return write_query(
            self.model, self.view, self.fields, self.filters, self.sorts, self.pivots, self.limit, self.query_timezone
        )


def _query_bool(value: object) -> object:
    """Take `true` or `false` from a query string; pydantic alone also takes yes, on, 1, t..."""
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError("must be true or false")
        return value == "true"
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


class LookParams(BaseModel):
    """Query-string options of GET /api/looks/<id>."""

    model_config = ConfigDict(extra="forbid")

    format: LookFormat = "json"
    limit: int | None = Field(None, ge=1)
    apply_formatting: QueryBool = False

    _limit = field_validator("limit")(_check_limit)


DATE = r"^\d{4}-\d{2}-\d{2}$"


class MetricParams(BaseModel):
    """Query-string options of GET /api/metrics/<name>."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Annotated[str, StringConstraints(pattern=DATE)] | None = Field(None, alias="from")
    to: Annotated[str, StringConstraints(pattern=DATE)] | None = None
    granularity: Granularity | None = None


# ---- response shapes (documented in /openapi.json, checked by the schemathesis run) -----------------------


class EmbedRequestBody(BaseModel):
    """What a client may choose for an embed: filter values, nothing else."""

    model_config = ConfigDict(extra="forbid")

    filters: dict[str, Annotated[str, StringConstraints(max_length=1000)]] = Field(default_factory=dict, max_length=50)


PaperSize = Literal["letter", "legal", "tabloid", "a0", "a1", "a2", "a3", "a4", "a5"]  # Looker's pdf_paper_size
Pixels = Annotated[int, Field(ge=100, le=4000)]


class RenderRequest(BaseModel):
    """A dashboard (pdf, png or jpg) or a Look (png or jpg) to render through Looker's render tasks."""

    model_config = ConfigDict(extra="forbid")  # problems() is stated in the schema by openapi/renders.py

    dashboard: Annotated[str, StringConstraints(pattern=f"^({DASHBOARD_ID.pattern})$")] | None = None
    look: int | None = Field(None, ge=1, le=MAX_ID)
    format: Literal["pdf", "png", "jpg"] | None = Field(
        None, description="default: pdf for a dashboard, png for a Look"
    )
    width: Pixels | None = None
    height: Pixels | None = None
    filters: dict[str, Expression] = Field(default_factory=dict, max_length=50, description="dashboard filter values")
    pdf_paper_size: PaperSize | None = None
    pdf_landscape: bool = False

    def problems(self) -> list[dict]:
        """Return what is wrong across fields (the target, and options that do not fit it), each naming its field."""
        if self.dashboard is not None and self.look is not None:
            return [{"field": f, "message": "give a dashboard or a look, not both"} for f in ("dashboard", "look")]
        if self.dashboard is None and self.look is None:
            return [{"field": "dashboard", "message": "give a dashboard id or a look id"}]
        look, pdf = self.look is not None, self.target_format == "pdf"
        checks = (
            ("format", look and self.format == "pdf", "Looker renders Looks as png or jpg"),
            ("filters", look and bool(self.filters), "only dashboards take filters"),
            ("pdf_paper_size", not pdf and self.pdf_paper_size is not None, "only for a pdf"),
            ("pdf_landscape", not pdf and self.pdf_landscape, "only for a pdf"),
        )
        return [{"field": name, "message": message} for name, wrong, message in checks if wrong]

    @property
    def target_format(self) -> str:
        return self.format or ("pdf" if self.dashboard is not None else "png")
