"""The shapes of the service's answers, for the OpenAPI document (requests are app/schemas.py's)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error the service answers."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None
    errors: list[FieldError] | None = None


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    looker: Literal["ok"]


class TileQuery(BaseModel):
    model: str
    view: str
    fields: list[str]
    filters: dict[str, str]
    sorts: list[str]
    limit: int | None


class DashboardElement(BaseModel):
    id: str
    title: str
    type: str
    look_id: str | None
    query_id: str | None
    query: TileQuery | None


class DashboardFilter(BaseModel):
    name: str
    title: str | None
    type: str | None
    default_value: str | None
    model: str | None
    explore: str | None
    dimension: str | None


class Dashboard(BaseModel):
    id: str
    title: str | None
    description: str | None
    element_count: int
    elements: list[DashboardElement]
    filters: list[DashboardFilter]


class TileData(BaseModel):
    id: str
    title: str
    type: str
    data: list[dict] | None


class TileFailure(BaseModel):
    id: str
    title: str
    type: str
    error: Problem


class DashboardData(BaseModel):
    id: str
    title: str | None
    elements: list[TileData | TileFailure]


class ExploreSummary(BaseModel):
    name: str
    label: str | None
    description: str | None


class LookmlModel(BaseModel):
    name: str
    label: str | None
    explores: list[ExploreSummary]


class ExploreField(BaseModel):
    name: str
    label: str | None
    type: str | None
    description: str | None


class Explore(BaseModel):
    name: str
    label: str | None
    description: str | None
    dimensions: list[ExploreField]
    measures: list[ExploreField]


class Task(BaseModel):
    id: str
    status: Literal["added", "running", "complete", "error", "killed", "expired"]


class EmbedUrl(BaseModel):
    url: str
    session_length: int


class MetricSummary(BaseModel):
    name: str
    label: str
    description: str | None
    model: str
    explore: str
    measure: str
    granularities: list[str]


class Point(BaseModel):
    period: str
    value: float
    partial: bool = Field(False, description="true when `from` or `to` cuts the period; absent otherwise")


class MetricSeries(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    metric: str
    label: str
    from_: str = Field(alias="from")
    to: str
    granularity: str
    points: list[Point]


class Render(BaseModel):
    id: str
    status: Literal["pending", "rendering", "success", "failure"]
    status_detail: str | None = None
