"""The persisted review document (DESIGN.md §4); every version is one of these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reviewer.engine.results import AIReview, ChangeSummary, Finding, PlanInfo, Risk, Severity


class ReviewStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    @property
    def terminal(self) -> bool:
        return self in (ReviewStatus.COMPLETED, ReviewStatus.FAILED)


class Decision(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ReviewSource(StrEnum):
    API = "api"
    SPACELIFT = "spacelift"
    CLI = "cli"


class Commit(BaseModel):
    hash: str | None = None
    message: str | None = None
    author: str | None = None


class SpaceliftInfo(BaseModel):
    """Where a Spacelift-sourced review came from."""

    account: str | None = None
    stack_id: str | None = None
    stack_name: str | None = None
    run_id: str | None = None
    run_type: str | None = None
    run_state: str | None = None
    state_version: int | None = None
    branch: str | None = None
    commit: Commit | None = None
    run_url: str | None = None


class AttributeChange(BaseModel):
    path: str
    before: Any = None
    after: Any = None


class ResourceChangeView(BaseModel):
    """One changed resource with the attributes that change, for the dashboard diff."""

    address: str
    type: str
    action: str
    module: str | None = None
    changed: list[AttributeChange] = Field(default_factory=list)


class StatusEvent(BaseModel):
    status: ReviewStatus
    at: datetime
    version: int


class WriteBackInfo(BaseModel):
    """What happened when the result was posted back to Spacelift."""

    status: str = "pending"
    attempts: int = 0
    comment_posted: bool = False
    review_decision: str | None = None
    error: str | None = None
    at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class PlanRef(PlanInfo):
    """The stored (redacted) plan: facts plus where its chunks live."""

    chunks: int = 0


class Review(BaseModel):
    """One version of a review; the current item is a copy of the latest version."""

    model_config = ConfigDict(use_enum_values=False)

    id: str
    version: int
    latest_version: int
    status: ReviewStatus
    decision: Decision | None = None
    decision_note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    source: ReviewSource = ReviewSource.API
    title: str = ""
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    spacelift: SpaceliftInfo | None = None
    plan: PlanRef
    summary: ChangeSummary | None = None
    findings: list[Finding] = Field(default_factory=list)
    risk: Risk | None = None
    ai: AIReview | None = None
    changes: list[ResourceChangeView] = Field(default_factory=list)
    changes_truncated: int = 0
    status_history: list[StatusEvent] = Field(default_factory=list)
    writeback: WriteBackInfo | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_ms: int | None = None
    error: str | None = None
    created_by: str | None = None

    def finding_counts(self) -> dict[str, int]:
        """Findings per severity, every severity present."""
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts
