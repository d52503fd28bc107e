"""Which events a new review version raises, the event detail (docs/schemas/event-detail.json), and routing.

One event per (review, version, kind): `completed` and `failed` when a version reaches that status,
`decided` when a version carries a new decision. The detail names the review, its level, score and
counts, the stack and run and links; it never holds a plan value, a secret or a finding's message.
"""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from app.core.settings import NotificationChannel, Settings
from app.storage.models import Review, ReviewStatus, SpaceliftInfo
from app.storage.outbox import DeliveryState, EventKind, OutboxEvent
from reviewer.engine.results import RiskLevel

SCHEMA_VERSION = "1"
EVENT_SOURCE = "tfreview"
DETAIL_TYPES: dict[str, str] = {
    "completed": "Review Completed",
    "failed": "Review Failed",
    "decided": "Review Decided",
}
EVENTBRIDGE_CHANNEL = "eventbridge"
TOP_FINDINGS = 5
MAX_TITLE = 200
MAX_ERROR = 300
MAX_AI_SUMMARY = 600
MAX_VERDICT = 600
MAX_REASON = 400
MAX_REASONS = 8


def kinds_raised(previous: Review, new: Review) -> list[EventKind]:
    """The events of the step previous -> new: a status reached, a decision made."""
    kinds: list[EventKind] = []
    if new.status is not previous.status and new.status.terminal:
        kinds.append("completed" if new.status is ReviewStatus.COMPLETED else "failed")
    if new.decision is not None and (
        new.decision is not previous.decision or new.decided_at != previous.decided_at
    ):
        kinds.append("decided")
    return kinds


def channel_wants(channel: NotificationChannel, kind: EventKind, review: Review) -> bool:
    """The channel's threshold and stack routing for one event."""
    if channel.stacks is not None:
        stack = review.spacelift.stack_id if review.spacelift else None
        if not stack or not any(fnmatchcase(stack, pattern) for pattern in channel.stacks):
            return False
    if kind == "failed":
        return channel.on_failure
    if kind == "decided":
        return channel.on_decision
    level = review.risk.level if review.risk is not None else RiskLevel.LOW
    return level.rank >= RiskLevel(channel.min_level).rank


def routed_channels(settings: Settings, kind: EventKind, review: Review) -> list[str]:
    """Names of the channels an event goes to: the event bus always, the others by their routing."""
    names = [EVENTBRIDGE_CHANNEL] if settings.event_bus_name else []
    return names + [c.name for c in settings.notify_channels if channel_wants(c, kind, review)]


def _text(value: str | None, limit: int) -> str | None:
    """One line of display text, made inert the way the Markdown report makes it (reports.markdown.cell)."""
    # Loaded with the first event, not when the API starts: the report module brings the rule catalog.
    from reviewer.engine.reports.markdown import cell

    return cell(value, limit) if value else None


def _ai_summary(review: Review) -> str | None:
    ai = review.ai
    if ai is None or ai.status.value != "ok" or not ai.summary_md.strip():
        return None
    # Stored AI text already went through sanitize_markdown (reviewer.llm.grounding); cell() makes it
    # one inert line like every text of the Markdown report.
    first = ai.summary_md.strip().split("\n\n", 1)[0]
    return _text(first, MAX_AI_SUMMARY)


def _words(value: str | None, limit: int) -> str | None:
    """The engine's words made inert as the Markdown report makes them (reports.markdown.words)."""
    from reviewer.engine.reports.markdown import words

    return words(value, limit) if value else None


def _why(review: Review) -> list[dict[str, Any]]:
    """The engine's reasons by concern, in words (inert), with the rules behind them for machines."""
    if review.risk is None:
        return []
    return [
        {
            "concern": reason.concern,
            "title": reason.title,
            "severity": reason.severity.value,
            "text": _words(reason.text, MAX_REASON) or "",
            "rule_ids": reason.rule_ids[:20],
        }
        for reason in review.risk.why[:MAX_REASONS]
    ]


def _stack(spacelift: SpaceliftInfo | None) -> dict[str, Any] | None:
    if spacelift is None or not spacelift.stack_id:
        return None
    return {"id": spacelift.stack_id, "name": _text(spacelift.stack_name, MAX_TITLE)}


def _run(spacelift: SpaceliftInfo | None) -> dict[str, Any] | None:
    if spacelift is None or not spacelift.run_id:
        return None
    commit = spacelift.commit
    return {
        "id": spacelift.run_id,
        "type": spacelift.run_type,
        "state": spacelift.run_state,
        "branch": _text(spacelift.branch, MAX_TITLE),
        "commit": commit.hash if commit else None,
        "url": spacelift.run_url,
    }


def review_url(settings: Settings, review_id: str) -> str | None:
    """The review's dashboard page, when the dashboard's public URL is configured."""
    if not settings.dashboard_url:
        return None
    return f"{settings.dashboard_url.rstrip('/')}/reviews/{review_id}"


def event_detail(settings: Settings, review: Review, kind: EventKind, at: datetime) -> dict[str, Any]:
    """The event's detail: facts about the review, never a plan value, a secret or a finding message."""
    summary = review.summary
    top = [
        {
            "rule_id": finding.rule_id,
            "severity": finding.severity.value,
            "title": _text(finding.title, MAX_TITLE),
            "address": _text(finding.address, MAX_TITLE),
        }
        for finding in review.findings
        if finding.introduced
    ][:TOP_FINDINGS]
    decision = (
        {
            "decision": review.decision.value,
            "decided_by": _text(review.decided_by, MAX_TITLE),
            "decided_at": review.decided_at.isoformat().replace("+00:00", "Z") if review.decided_at else None,
        }
        if review.decision is not None
        else None
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "id": review.id,
        "version": review.version,
        "status": review.status.value,
        "source": review.source.value,
        "title": _text(review.title, MAX_TITLE) or "",
        "level": review.risk.level.value if review.risk is not None else None,
        "score": review.risk.score if review.risk is not None else None,
        "counts": {
            "findings": dict(review.finding_counts),
            "introduced": dict(review.introduced_counts),
            "posture": review.posture_count,
            "create": summary.create if summary else 0,
            "update": summary.update if summary else 0,
            "delete": summary.delete if summary else 0,
            "replace": summary.replace if summary else 0,
        },
        "verdict": _words(review.risk.verdict, MAX_VERDICT) if kind != "failed" and review.risk else None,
        "why": _why(review) if kind != "failed" else [],
        "top_findings": top,
        "decision": decision,
        "error": _text(review.error, MAX_ERROR) if kind == "failed" else None,
        "ai_summary": _ai_summary(review) if kind == "completed" else None,
        "stack": _stack(review.spacelift),
        "run": _run(review.spacelift),
        "urls": {
            "review": review_url(settings, review.id),
            "run": review.spacelift.run_url if review.spacelift else None,
        },
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
    }


def outbox_hook(settings: Settings) -> Any:
    """The repository hook: the outbox events of a new version, each with its routed channels."""

    def events(previous: Review, new: Review) -> list[OutboxEvent]:
        raised = []
        for kind in kinds_raised(previous, new):
            channels = routed_channels(settings, kind, new)
            if not channels:
                continue
            raised.append(
                OutboxEvent(
                    review_id=new.id,
                    version=new.version,
                    kind=kind,
                    detail=event_detail(settings, new, kind, new.updated_at),
                    channels={name: DeliveryState() for name in channels},
                    created_at=new.updated_at,
                )
            )
        return raised

    return events
