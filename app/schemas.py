"""The request models: one source of truth for what clients may send."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
FIELD = r"^[A-Za-z_][A-Za-z0-9_]{0,127}\.[A-Za-z_][A-Za-z0-9_]{0,127}$"
QueryFormat = Literal["json", "json_bi", "json_detail", "csv", "txt", "html", "md", "sql"]
LookFormat = Literal["json", "json_bi", "json_detail", "csv", "txt", "html", "md", "sql", "xlsx", "png", "jpg"]
Name = Annotated[str, StringConstraints(pattern=NAME)]
FieldName = Annotated[str, StringConstraints(pattern=FIELD)]
Sort = Annotated[str, StringConstraints(pattern=FIELD[:-1] + r"( (asc|desc|ASC|DESC))?$")]
Expression = Annotated[str, StringConstraints(max_length=1000)]


def write_query(model: str, view: str, fields: list[str], filters: dict, sorts: list[str] | None = None,
                pivots: list[str] | None = None, limit: int | str | None = 500,
                query_timezone: str | None = None) -> dict:
    """Return Looker's WriteQuery body in one canonical form, so equal questions share a cache key."""
    body = {"model": model, "view": view, "fields": list(fields), "limit": str(limit or 500),
            "filters": {name: str(value) for name, value in (filters or {}).items()}}
    if sorts:
        body["sorts"] = list(sorts)
    if pivots:
        body["pivots"] = list(pivots)
    if query_timezone:
        body["query_timezone"] = query_timezone
    return body


def _check_limit(value: int | None, info: ValidationInfo) -> int | None:
    maximum = (info.context or {}).get("max_rows", 5000)
    if value is not None and value > maximum:
        raise ValueError(f"limit may be at most {maximum} (MAX_ROWS)")
    return value


class QueryRequest(BaseModel):
    """A Looker query as a client sends it to POST /api/query."""

    model_config = ConfigDict(extra="forbid")

    model: Name
    view: Name
    fields: list[FieldName] = Field(min_length=1, max_length=200)
    filters: dict[FieldName, Expression | int | float] = Field(default_factory=dict, max_length=100)
    sorts: list[Sort] = Field(default_factory=list, max_length=50)
    pivots: list[FieldName] = Field(default_factory=list, max_length=10)
    limit: int = Field(500, ge=1)
    format: QueryFormat = "json"
    apply_formatting: bool = False
    query_timezone: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_+/-]{1,64}$")] | None = None

    _limit = field_validator("limit")(_check_limit)

    def looker_body(self) -> dict:
        """Return the WriteQuery body for Looker (limit as a string, as the spec types it)."""
        return write_query(self.model, self.view, self.fields, self.filters, self.sorts, self.pivots, self.limit,
                           self.query_timezone)


class LookParams(BaseModel):
    """Query-string options of GET /api/looks/<id>."""

    model_config = ConfigDict(extra="forbid")

    format: LookFormat = "json"
    limit: int | None = Field(None, ge=1)
    apply_formatting: bool = False

    _limit = field_validator("limit")(_check_limit)
