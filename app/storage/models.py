"""The persisted review document (DESIGN.md §4); every version is one of these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from reviewer.engine.results import AIReview, ChangeSummary, Finding, PlanInfo, Risk, Severity
from reviewer.engine.secret_prefilter import may_hold_secret


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


# Bounds of every Spacelift string a review stores (webhook/events.py refuses longer ones first,
# so a delivery is answered `invalid`, never a 500; tests/webhook checks the two agree).
MAX_ID_CHARS = 256
MAX_NAME_CHARS = 1000
MAX_COMMIT_MESSAGE_CHARS = 16_000
MAX_URL_CHARS = 2048
MAX_STATE_CHARS = 64


class VersionAction(StrEnum):
    """What a person or key did to make a version (versions the reviewer writes have none)."""

    CREATED = "created"
    DECIDED = "decided"
    EDITED = "edited"
    RERUN = "rerun"
    PLAN_REPLACED = "plan_replaced"


class Actor(BaseModel):
    """Who acted: a signed-in person (from their verified token) or an API key (by its name)."""

    kind: str = Field(pattern=r"^(person|key|system)$", description="person, key or system.")
    subject: str = Field(max_length=256, description="The token's sub claim, or the key's name.")
    name: str = Field(max_length=200, description="Display name (the token's name claim, or the key's name).")
    email: str | None = Field(None, max_length=320)


# People's labels (titles, tags, notes, commit messages, branch names) are not plan values, but a token
# pasted into one is still a token: every secret shape is redacted from them before they are stored.
def redact_label(text: str) -> str:
    """A label with every secret shape redacted (see LabelText)."""
    if not may_hold_secret(text):
        return text
    # Imported on first use: the API's cold start loads no redaction (tests/app/test_handler_imports.py).
    from reviewer.engine.redaction import redact_text

    return redact_text(text)


LabelText = Annotated[str, AfterValidator(redact_label)]


class Commit(BaseModel):
    hash: str | None = Field(None, max_length=MAX_ID_CHARS)
    message: LabelText | None = Field(None, max_length=MAX_COMMIT_MESSAGE_CHARS)
    author: str | None = Field(None, max_length=MAX_NAME_CHARS)


class SpaceliftInfo(BaseModel):
    """Where a Spacelift-sourced review came from."""

    account: str | None = Field(None, max_length=MAX_ID_CHARS)
    stack_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    stack_name: LabelText | None = Field(None, max_length=MAX_NAME_CHARS)
    run_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    run_type: str | None = Field(None, max_length=MAX_STATE_CHARS)
    run_state: str | None = Field(None, max_length=MAX_STATE_CHARS)
    state_version: int | None = Field(None, ge=0, le=2**53)
    branch: LabelText | None = Field(None, max_length=MAX_NAME_CHARS)
    commit: Commit | None = None
    run_url: str | None = Field(None, max_length=MAX_URL_CHARS)


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
    # Why the status changed when it was not the normal path (a requeue after a lost reviewer, a failure).
    reason: str | None = None


class WriteBackInfo(BaseModel):
    """What happened when the result was posted back to Spacelift."""

    status: str = "pending"
    attempts: int = 0
    comment_posted: bool = False
    review_decision: str | None = None
    error: str | None = None
    at: datetime | None = None


class NotificationRecord(BaseModel):
    """One channel's delivery of one event of the review (read live from the outbox, not part of a version)."""

    kind: Literal["completed", "failed", "decided"]
    version: int = Field(
        description="The version whose event this is: it reached the status or got the decision."
    )
    channel: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class PlanRef(PlanInfo):
    """The stored (redacted) plan: facts plus where its chunks live."""

    chunks: int = 0


class ListRef(BaseModel):
    """Where a full list (findings or changes) of a review is stored: segments of one content address."""

    sha256: str
    total: int
    starts: list[int] = Field(description="Index of the first item of each stored segment.")


class ReviewDetail(BaseModel):
    """Internal: the stored full lists behind the first pages, and counts computed when they were written."""

    findings: ListRef | None = None
    changes: ListRef | None = None
    rule_counts: dict[str, int] = Field(default_factory=dict)
    posture_rule_counts: dict[str, int] = Field(default_factory=dict)


def severity_counts(findings: Iterable[Finding]) -> tuple[dict[str, int], dict[str, int], int]:
    """(all per severity, introduced or worsened per severity, posture) of the findings."""
    every = {severity.value: 0 for severity in reversed(Severity)}
    introduced = dict(every)
    posture = 0
    for finding in findings:
        every[finding.severity.value] += 1
        if finding.introduced:
            introduced[finding.severity.value] += 1
        else:
            posture += 1
    return every, introduced, posture


class Review(BaseModel):
    """One version of a review; the current item is a copy of the latest version."""

    model_config = ConfigDict(use_enum_values=False)

    id: str
    version: int
    latest_version: int
    status: ReviewStatus
    decision: Decision | None = None
    decision_note: LabelText | None = None
    decided_by: str | None = Field(None, description="Display name of who decided (decider.name).")
    decider: Actor | None = Field(
        None, description="Who recorded the decision: a person, or a key granted decide."
    )
    decided_at: datetime | None = None
    source: ReviewSource = ReviewSource.API
    title: LabelText = ""
    tags: list[LabelText] = Field(default_factory=list)
    metadata: dict[str, LabelText] = Field(default_factory=dict)
    spacelift: SpaceliftInfo | None = None
    plan: PlanRef
    summary: ChangeSummary | None = None
    findings: list[Finding] = Field(
        default_factory=list,
        description="The first page of findings (introduced first, then posture; worst first); "
        "the rest at /api/reviews/{id}/findings.",
    )
    findings_total: int = Field(0, description="How many findings the review has in all.")
    finding_counts: dict[str, int] = Field(
        default_factory=dict, description="All findings per severity (every severity present once reviewed)."
    )
    introduced_counts: dict[str, int] = Field(
        default_factory=dict, description="Findings this plan introduces or worsens, per severity."
    )
    posture_count: int = Field(0, description="Findings already present before this plan.")
    risk: Risk | None = None
    ai: AIReview | None = None
    changes: list[ResourceChangeView] = Field(
        default_factory=list,
        description="The first page of changed resources (destroys and replaces first); "
        "the rest at /api/reviews/{id}/changes.",
    )
    changes_total: int = Field(0, description="How many changed resources the review has in all.")
    changes_truncated: int = Field(
        0, description="Changed resources not in this document's first page (changes_total - len(changes))."
    )
    status_history: list[StatusEvent] = Field(default_factory=list)
    # Times this version's work was handed to a reviewer (the first dispatch is 1; the sweeper adds one per requeue).
    attempts: int = 0
    writeback: WriteBackInfo | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_ms: int | None = None
    error: str | None = None
    created_by: str | None = None
    creator: Actor | None = Field(None, description="Who submitted the plan (a person or a key).")
    acted_by: Actor | None = Field(
        None,
        description="Who made this version (upload, decision, edit, rerun); none for the reviewer's versions.",
    )
    action: VersionAction | None = Field(None, description="What acted_by did to make this version.")
    # Stored beside the document, never sent: excluded from dumps, so model_dump() round trips drop it.
    detail: SkipJsonSchema[ReviewDetail | None] = Field(None, exclude=True)

    @model_validator(mode="after")
    def _totals_cover_pages(self) -> Review:
        # Documents stored before paging held every finding and change inline, without totals.
        self.findings_total = max(self.findings_total, len(self.findings))
        self.changes_total = max(self.changes_total, len(self.changes) + self.changes_truncated)
        if self.findings_total == len(self.findings):
            # The first page is every finding, so counting it is exact; otherwise the counts were
            # stored when the full list was written.
            self.finding_counts, self.introduced_counts, self.posture_count = severity_counts(self.findings)
        return self

    def posture_counts(self) -> dict[str, int]:
        """Posture findings per severity (every severity present once reviewed)."""
        return {
            severity: number - self.introduced_counts.get(severity, 0)
            for severity, number in self.finding_counts.items()
        }

    def posture_rule_counts(self) -> dict[str, int]:
        """Posture findings per rule id."""
        if self.detail is not None:
            return dict(self.detail.posture_rule_counts)
        counts: dict[str, int] = {}
        for finding in self.findings:
            if not finding.introduced:
                counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
        return counts

    def rule_counts(self) -> dict[str, int]:
        """Findings per rule id."""
        if self.detail is not None:
            return dict(self.detail.rule_counts)
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
        return counts
