"""The body of GET /api/analytics: loaded by its first request (or /openapi.json), not at start-up."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AnalyticsTotals(BaseModel):
    reviews: int
    completed: int
    failed: int
    by_status: dict[str, int]
    by_risk: dict[str, int]
    by_decision: dict[str, int]


class AnalyticsDay(BaseModel):
    date: str
    reviews: int
    by_status: dict[str, int]
    by_risk: dict[str, int]
    by_decision: dict[str, int]


class RuleCount(BaseModel):
    rule_id: str
    title: str
    count: int


class TypeCount(BaseModel):
    type: str
    count: int


class StackRow(BaseModel):
    stack_id: str
    stack_name: str
    reviews: int
    failed: int
    by_risk: dict[str, int]


class DurationStats(BaseModel):
    mean_ms: int | None = None
    p95_ms: int | None = Field(
        None, description="Upper bound of the histogram bucket holding the 95th percentile."
    )


class AIUsage(BaseModel):
    tokens_in: int
    tokens_out: int
    cost_usd: float


class Analytics(BaseModel):
    """Read from the daily counter items: the cost is O(days), whatever the number of reviews."""

    model_config = ConfigDict(populate_by_name=True)

    days: int
    from_: str = Field(alias="from")
    to: str
    totals: AnalyticsTotals
    daily: list[AnalyticsDay]
    top_rules: list[RuleCount]
    top_resource_types: list[TypeCount]
    stacks: list[StackRow]
    duration: DurationStats
    ai: AIUsage
