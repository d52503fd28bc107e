"""Write a finished review back to its Spacelift run: a Markdown comment and, optionally, a review."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from reviewer.engine.results import RISK_ORDER, RiskLevel
from webhook.graphql import ReviewDecision

log = logging.getLogger(__name__)

# Spacelift documents no comment size limit; stay well under common 64 KiB text limits.
MAX_COMMENT_CHARS = 60_000
MAX_NOTE_CHARS = 500
MARKER_PREFIX = "tfreview:"


class SpaceliftWriter(Protocol):
    """The part of the Spacelift client write-back needs (a fake in tests)."""

    def run_comments(self, stack_id: str, run_id: str) -> list[str]: ...

    def run_comment(self, stack_id: str, run_id: str, body: str) -> object: ...

    def run_review(
        self, stack_id: str, run_id: str, decision: ReviewDecision, note: str | None = None
    ) -> object: ...


class WritebackStatus(StrEnum):
    POSTED = "posted"
    ALREADY_DONE = "already_done"
    DISABLED = "disabled"
    FAILED = "failed"


class WritebackTarget(BaseModel):
    """Which run (and which state of it) a review is written back to."""

    account: str = ""
    stack_id: str
    run_id: str
    state_version: int = 0
    review_id: str
    plan_sha: str = ""


class WritebackOptions(BaseModel):
    """What to write, from settings (spacelift_write_comment, spacelift_write_review, spacelift_reject_at)."""

    write_comment: bool = False
    write_review: bool = False
    reject_at: RiskLevel = RiskLevel.HIGH


class WritebackResult(BaseModel):
    """What happened, to be recorded on the review; never raised."""

    key: str
    comment: WritebackStatus = WritebackStatus.DISABLED
    review: WritebackStatus = WritebackStatus.DISABLED
    decision: ReviewDecision | None = None
    truncated: bool = False
    errors: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return WritebackStatus.FAILED not in (self.comment, self.review)


def writeback_key(target: WritebackTarget) -> str:
    """The idempotency key: one write-back per run and state version (and plan, so a fuller plan is posted)."""
    return f"{target.account}/{target.stack_id}/{target.run_id}/{target.state_version}/{target.plan_sha[:12]}"


def marker(target: WritebackTarget) -> str:
    """A visible footer that identifies our comment for this run state, so a retry can see it was posted."""
    plan = f" · plan {target.plan_sha[:12]}" if target.plan_sha else ""
    return f"<sub>{MARKER_PREFIX} review {target.review_id} · run state {target.state_version}{plan}</sub>"


def decide(risk_level: RiskLevel, reject_at: RiskLevel) -> ReviewDecision:
    """REJECT at or above the threshold, APPROVE below it."""
    return (
        ReviewDecision.REJECT
        if RISK_ORDER.index(risk_level) >= RISK_ORDER.index(reject_at)
        else ReviewDecision.APPROVE
    )


def comment_body(report_md: str, target: WritebackTarget, limit: int = MAX_COMMENT_CHARS) -> tuple[str, bool]:
    """The comment: the report, cut at a line boundary to fit the limit, then the marker."""
    footer = "\n\n" + marker(target)
    room = limit - len(footer)
    if len(report_md) <= room:
        return report_md + footer, False
    notice = "\n\n_…report truncated to fit a Spacelift comment; the full review is in tfreview._"
    cut = report_md[: room - len(notice)]
    newline = cut.rfind("\n")
    if newline > room // 2:
        cut = cut[:newline]
    return cut + notice + footer, True


def _error(step: str, exc: Exception) -> str:
    # The exception type and our own message only: GraphQL messages never echo secrets or the body.
    return f"{step}: {type(exc).__name__}: {str(exc)[:300]}"


def write_back(
    client: SpaceliftWriter,
    target: WritebackTarget,
    *,
    report_md: str,
    risk_level: RiskLevel,
    risk_score: int | None = None,
    options: WritebackOptions,
) -> WritebackResult:
    """Post the comment and the review as configured; failures come back in the result."""
    result = WritebackResult(key=writeback_key(target))
    context = {"event": "spacelift.writeback", "run_id": target.run_id, "state_version": target.state_version}
    if options.write_comment:
        body, result.truncated = comment_body(report_md, target)
        try:
            existing = client.run_comments(target.stack_id, target.run_id)
            if any(marker(target) in text for text in existing):
                result.comment = WritebackStatus.ALREADY_DONE
            else:
                client.run_comment(target.stack_id, target.run_id, body)
                result.comment = WritebackStatus.POSTED
        except Exception as exc:  # write-back must never fail the review
            result.comment = WritebackStatus.FAILED
            result.errors.append(_error("comment", exc))
    if options.write_review:
        decision = decide(risk_level, options.reject_at)
        score = f" (score {risk_score})" if risk_score is not None else ""
        note = f"tfreview {target.review_id}: risk {risk_level}{score}; reject at {options.reject_at}"[
            :MAX_NOTE_CHARS
        ]
        result.decision = decision
        try:
            # runReview is idempotent on Spacelift's side: each reviewer's latest review counts.
            client.run_review(target.stack_id, target.run_id, decision, note)
            result.review = WritebackStatus.POSTED
        except Exception as exc:  # write-back must never fail the review
            result.review = WritebackStatus.FAILED
            result.errors.append(_error("review", exc))
    log.info(
        "spacelift.writeback",
        extra={**context, "comment": str(result.comment), "review": str(result.review), "ok": result.ok},
    )
    return result
