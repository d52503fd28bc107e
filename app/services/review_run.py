"""The review run: claim a dispatched review, run the engine and the AI step, store the result.

And the sweep that finds reviews whose reviewer is gone and hands them out again. A transient store
fault only delays a review: every step retries with backoff, a step that still fails leaves the review
where it is for the sweeper, and only a review out of attempts (or with a permanent error) is FAILED.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field, ValidationError

from app.core.errors import AppError, NotFound, ServiceUnavailable, VersionConflict
from app.core.gc_pause import collector_paused
from app.core.ids import iso, utcnow
from app.core.logging import emit_metric
from app.core.settings import Settings
from app.services.dispatch import ReviewDispatcher
from app.services.reviews import ReviewService
from app.storage.client import RetryPolicy
from app.storage.models import Review, ReviewStatus, StatusEvent
from reviewer.engine.errors import ConfigError
from reviewer.engine.results import AIReview, EngineResult, Finding, Risk

if TYPE_CHECKING:
    from app.services.notifications.delivery import Notifier

    # The engine proper loads when a review runs, not when the API imports this module.
    from reviewer.engine import ReviewConfig
    from reviewer.engine.plan import Plan
    from reviewer.engine.prompt import ReviewContext

logger = logging.getLogger(__name__)

# Optimistic-concurrency rounds for one step (a human edit or a run-state update landing in between).
WRITE_ATTEMPTS = 5


class ReviewEvent(BaseModel):
    """The dispatch payload: which review, and the version at which it became PENDING."""

    review_id: str = Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")
    version: int = Field(ge=1)


_REJECTED: dict[str, Any] = {
    "status": "rejected",
    "reason": "event must be {review_id, version} or {notify: review_id}",
}


class NotifyEvent(BaseModel):
    """The API's request to deliver a review's due events now (after a decision it wrote)."""

    notify: str = Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")


class AIOutcomeLike(Protocol):
    """What the AI step returns (reviewer.llm.AIOutcome)."""

    @property
    def ai(self) -> AIReview: ...

    @property
    def findings(self) -> list[Finding]: ...

    @property
    def risk(self) -> Risk: ...


class AIStep(Protocol):
    """The LLM layer, passed in so this module never imports an LLM SDK (reviewer.llm.run_ai_review)."""

    def __call__(
        self,
        plan: Plan,
        result: EngineResult,
        *,
        context: ReviewContext,
        custom_instructions: str,
        tokens_used_today: int,
    ) -> AIOutcomeLike: ...


WriteBack = Callable[[ReviewService, Review], Any]
# The engine hook of custom policies for one review (reviewer.policies), or None when none are configured.
PolicyFindings = Callable[[Review], Any]
ChangeViews = Callable[["Plan"], list[Any]]


@dataclass(kw_only=True)
class SweepDeps:
    """What the sweep needs (and what storing a result needs): the reviews, a dispatcher, retries."""

    settings: Settings
    reviews: ReviewService
    # The sweep hands reviews out again through it; the review run itself never dispatches.
    dispatcher: ReviewDispatcher
    retry: RetryPolicy
    clock: Callable[[], datetime] = utcnow
    # Delivers review events (app.services.notifications); None when no bus or channel is configured.
    notifier: Notifier | None = None


@dataclass(kw_only=True)
class ReviewerDeps(SweepDeps):
    """What a reviewer needs; built once per container or process by app.services.container."""

    config: ReviewConfig
    ai_step: AIStep
    change_views: ChangeViews
    policy_findings: PolicyFindings | None = None
    write_back: WriteBack | None = None


def _pending_version(review: Review) -> int | None:
    """The version at which the review last became PENDING."""
    for event in reversed(review.status_history):
        if event.status is ReviewStatus.PENDING:
            return event.version
    return None


def _since(review: Review) -> datetime:
    """When the review entered its current status."""
    return review.status_history[-1].at if review.status_history else review.created_at


def claim(deps: ReviewerDeps, event: ReviewEvent) -> Review | None:
    """PENDING → IN_PROGRESS for this dispatch; None when it is not ours to run (duplicate, retried, stale)."""
    # One start time for every try: after an ambiguous write (committed, answer lost) the re-read
    # shows our own claim by it.
    started = deps.clock()

    def one_round() -> Review | None:
        try:
            current = deps.reviews.get(event.review_id)
        except NotFound:
            logger.warning("review_missing", extra={"review_id": event.review_id})
            return None
        if current.status is ReviewStatus.IN_PROGRESS and current.started_at == started:
            return current
        if current.status is not ReviewStatus.PENDING or _pending_version(current) != event.version:
            logger.info("claim_skipped", extra={"review_id": event.review_id, "status": current.status.value})
            return None
        history = [
            *current.status_history,
            StatusEvent(status=ReviewStatus.IN_PROGRESS, at=started, version=current.latest_version + 1),
        ]
        return deps.reviews.record(
            current, status=ReviewStatus.IN_PROGRESS, started_at=started, status_history=history
        )

    for _ in range(WRITE_ATTEMPTS):
        try:
            return deps.retry.call(one_round, name="claim review")
        except VersionConflict:
            # Another writer was first: another invocation's claim (the re-read shows IN_PROGRESS and we
            # skip), or an edit that leaves it PENDING (a Spacelift state update, a human note), after
            # which nothing would dispatch it again: look again and claim it.
            logger.info("claim_conflict", extra={"review_id": event.review_id})
    logger.warning("claim_lost", extra={"review_id": event.review_id})
    return None


def finish(deps: SweepDeps, claimed: Review, status: ReviewStatus, **fields: Any) -> Review:
    """Write the terminal version; re-applied on top of concurrent human edits, retried through outages."""
    current = claimed
    for _ in range(WRITE_ATTEMPTS):
        if current.status is not ReviewStatus.IN_PROGRESS or current.started_at != claimed.started_at:
            # The sweeper requeued or failed it meanwhile (or our own write landed): not ours any more.
            logger.info("finish_skipped", extra={"review_id": claimed.id, "status": current.status.value})
            return current
        now = deps.clock()
        started = claimed.started_at or now
        reason = fields.get("error") if status is ReviewStatus.FAILED else None
        history = [
            *current.status_history,
            StatusEvent(status=status, at=now, version=current.latest_version + 1, reason=reason),
        ]
        write = partial(
            deps.reviews.record,
            current,
            status=status,
            completed_at=now,
            duration_ms=int((now - started).total_seconds() * 1000),
            status_history=history,
            **fields,
        )
        try:
            return deps.retry.call(write, name="store review result")
        except VersionConflict:
            current = deps.retry.call(lambda: deps.reviews.get(claimed.id), name="read review")
    raise VersionConflict(
        f"could not store the result of review {claimed.id} after {WRITE_ATTEMPTS} attempts"
    )


def _tokens_used_today(deps: ReviewerDeps) -> int:
    totals = deps.reviews.repository.day_totals(deps.clock().date().isoformat())
    return int(totals.get("ai_tokens_in", 0)) + int(totals.get("ai_tokens_out", 0))


def run_review(deps: ReviewerDeps, claimed: Review) -> Review:
    """Engine, then the AI step; an LLM failure alone never fails the review."""
    from reviewer.engine.prompt import ReviewContext
    from reviewer.engine.review import review_redacted_plan

    blob = deps.retry.call(lambda: deps.reviews.repository.blobs.get(claimed.plan.sha256), name="read plan")
    # The stored plan is what prepare_plan made of the POST: validated, redacted and hashed. The engine
    # takes it as such instead of redacting and hashing it again (redaction is idempotent).
    output = review_redacted_plan(
        json.loads(blob),
        deps.config,
        digest=(claimed.plan.sha256, claimed.plan.bytes),
        today=deps.clock().date(),
        extra_findings=deps.policy_findings(claimed) if deps.policy_findings is not None else None,
    )
    spacelift = claimed.spacelift
    context = ReviewContext(
        title=claimed.title,
        source=claimed.source.value,
        stack_id=spacelift.stack_id if spacelift else None,
        stack_name=spacelift.stack_name if spacelift else None,
        run_id=spacelift.run_id if spacelift else None,
        run_type=spacelift.run_type if spacelift else None,
        branch=spacelift.branch if spacelift else None,
        commit_message=spacelift.commit.message if spacelift and spacelift.commit else None,
    )
    used = (
        deps.retry.call(lambda: _tokens_used_today(deps), name="read token usage")
        if deps.settings.llm_daily_token_budget
        else 0
    )
    outcome = deps.ai_step(
        output.plan,
        output.result,
        context=context,
        custom_instructions=deps.config.custom_instructions,
        tokens_used_today=used,
    )
    views = deps.change_views(output.plan)
    return finish(
        deps,
        claimed,
        ReviewStatus.COMPLETED,
        summary=output.result.summary,
        findings=[*output.result.findings, *outcome.findings],
        risk=outcome.risk,
        ai=outcome.ai,
        changes=views,
        error=None,
    )


def fail(deps: SweepDeps, claimed: Review, reason: str) -> Review:
    """Mark the review FAILED with a reason a person can act on, and count it."""
    emit_metric("ReviewsFailed", 1, env=deps.settings.env)
    return finish(deps, claimed, ReviewStatus.FAILED, error=reason)


def process(deps: ReviewerDeps, payload: dict[str, Any]) -> dict[str, Any]:
    """Handle one dispatch: validate, claim, review, store.

    Raises ServiceUnavailable when the store stayed down past the retry budget, so the runtime retries
    the event (Lambda's async retries, the local dispatcher's requeue); the sweeper covers the rest.
    """
    if isinstance(payload, dict) and "notify" in payload:
        return _deliver_requested(deps, payload)
    try:
        event = ReviewEvent.model_validate(payload)
    except ValidationError as exc:
        logger.error("bad_event", extra={"errors": exc.error_count()})
        return dict(_REJECTED)
    claimed = claim(deps, event)
    if claimed is None:
        return {"status": "skipped", "review_id": event.review_id}
    try:
        # A big plan is a million objects the cyclic collector would rescan while they are built.
        with collector_paused():
            done = run_review(deps, claimed)
    except ServiceUnavailable:
        # Transient, and still failing after the retries: never a reason to fail the review. It stays
        # IN_PROGRESS; the sweeper hands it out again once it is stale (a new attempt).
        logger.warning("review_interrupted", extra={"review_id": claimed.id})
        raise
    except AppError as exc:
        logger.warning("review_failed", extra={"review_id": claimed.id, "code": exc.code})
        done = fail(deps, claimed, f"{exc.code}: {exc.message}")
    except ConfigError as exc:  # a broken or too slow custom policy: the reason names the file and line
        logger.warning("review_failed", extra={"review_id": claimed.id, "code": "configuration_error"})
        done = fail(deps, claimed, f"configuration_error: {exc}")
    except Exception as exc:
        logger.exception("review_crashed", extra={"review_id": claimed.id})
        done = fail(deps, claimed, f"reviewer error: {type(exc).__name__}")
    if deps.write_back is not None and done.status is ReviewStatus.COMPLETED and done.spacelift is not None:
        try:
            deps.write_back(deps.reviews, done)
        except Exception:
            logger.exception("writeback_crashed", extra={"review_id": done.id})
    _notify(deps, done.id)
    return {"status": done.status.value, "review_id": done.id, "version": done.version}


def _deliver_requested(deps: ReviewerDeps, payload: dict[str, Any]) -> dict[str, Any]:
    """A {notify: review_id} event: deliver that review's due events (what the sweep would do later)."""
    try:
        event = NotifyEvent.model_validate(payload)
    except ValidationError as exc:
        logger.error("bad_event", extra={"errors": exc.error_count()})
        return dict(_REJECTED)
    _notify(deps, event.notify)
    return {"status": "notified", "review_id": event.notify}


def _notify(deps: SweepDeps, review_id: str | None = None) -> None:
    """Deliver due events (one review's, or every due one); a delivery problem is only logged."""
    if deps.notifier is None:
        return
    try:
        if review_id is None:
            deps.notifier.deliver_due()
        else:
            deps.notifier.deliver_review(review_id)
    except Exception:
        # The events stay in the outbox, due: the next sweep delivers them.
        logger.exception("notifications_deferred", extra={"review_id": review_id})


# The sweep -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: reviews handed out again, and reviews out of attempts marked FAILED."""

    requeued: list[str]
    failed: list[str]


def _requeue(deps: SweepDeps, review: Review, reason: str) -> Review:
    """A new PENDING version (one more attempt), dispatched; the old dispatch's event is then skipped."""
    now = deps.clock()
    version = review.latest_version + 1
    history = [
        *review.status_history,
        StatusEvent(status=ReviewStatus.PENDING, at=now, version=version, reason=reason),
    ]
    requeued = deps.reviews.record(
        review,
        status=ReviewStatus.PENDING,
        started_at=None,
        status_history=history,
        attempts=review.attempts + 1,
    )
    deps.dispatcher.dispatch(requeued.id, requeued.version)
    return requeued


def _give_up(deps: SweepDeps, review: Review, reason: str) -> Review:
    """FAILED after the last attempt; a PENDING review passes through IN_PROGRESS so counters stay whole."""
    if review.status is ReviewStatus.PENDING:
        now = deps.clock()
        review = deps.reviews.record(
            review,
            status=ReviewStatus.IN_PROGRESS,
            started_at=now,
            status_history=[
                *review.status_history,
                StatusEvent(status=ReviewStatus.IN_PROGRESS, at=now, version=review.latest_version + 1),
            ],
        )
    return fail(deps, review, reason)


def sweep_one(deps: SweepDeps, review: Review) -> str | None:
    """Requeue or fail one review if its reviewer is gone: 'requeued', 'failed' or None (left alone)."""
    settings = deps.settings
    now = deps.clock()
    waited = now - _since(review)
    attempts = max(review.attempts, 1)
    if review.status is ReviewStatus.IN_PROGRESS:
        stale = timedelta(seconds=settings.stale_in_progress_seconds)
        if waited < stale:
            return None
        what = (
            f"attempt {attempts} of {settings.review_max_attempts} was IN_PROGRESS for "
            f"{int(waited.total_seconds())} s; its reviewer stopped (the reviewer timeout is "
            f"{settings.reviewer_timeout_seconds} s)"
        )
        if attempts < settings.review_max_attempts:
            _requeue(deps, review, f"requeued: {what}")
            return "requeued"
        _give_up(deps, review, f"timed out: {what}")
        return "failed"
    if review.status is ReviewStatus.PENDING:
        if waited < timedelta(seconds=settings.sweep_pending_after_seconds):
            return None
        if attempts < settings.review_max_attempts:
            what = f"attempt {attempts} was not picked up within {int(waited.total_seconds())} s"
            _requeue(deps, review, f"requeued: {what}")
            return "requeued"
        # The last dispatch may still be waiting in Lambda's async queue: fail only once it cannot arrive.
        last_chance = timedelta(
            seconds=settings.async_event_max_age_seconds + settings.reviewer_timeout_seconds
        )
        if waited < last_chance:
            return None
        _give_up(
            deps,
            review,
            f"never started: dispatched {attempts} times, the last {int(waited.total_seconds())} s ago, "
            "and no reviewer picked it up",
        )
        return "failed"
    return None


def sweep(deps: SweepDeps) -> SweepResult:
    """Hand out again the reviews whose reviewer is gone; fail those out of attempts, saying why."""
    settings = deps.settings
    now = deps.clock()
    requeued: list[str] = []
    failed: list[str] = []
    limits = {
        ReviewStatus.IN_PROGRESS: settings.stale_in_progress_seconds,
        ReviewStatus.PENDING: settings.sweep_pending_after_seconds,
    }
    for status, seconds in limits.items():
        # Created before the cut-off is necessary (not sufficient) for being stale; the read decides.
        cutoff = iso(now - timedelta(seconds=seconds))
        for review_id in deps.reviews.repository.ids_in_status(status, cutoff):
            try:
                review = deps.reviews.get(review_id)
                if review.status is not status:
                    continue
                outcome = sweep_one(deps, review)
            except VersionConflict:
                continue  # the reviewer (or a person) wrote first: it is alive
            except ServiceUnavailable:
                logger.warning("sweep_interrupted", extra={"review_id": review_id})
                continue
            if outcome == "requeued":
                requeued.append(review_id)
            elif outcome == "failed":
                failed.append(review_id)
    if requeued or failed:
        logger.warning("reviews_swept", extra={"requeued": len(requeued), "failed": len(failed)})
        emit_metric("ReviewsRequeued", len(requeued), env=settings.env)
    # After the reviews: a review this sweep failed has its event in the outbox already.
    _notify(deps)
    return SweepResult(requeued=requeued, failed=failed)


def run_sweeps_forever(deps: SweepDeps, stop: threading.Event) -> None:
    """Local mode: sweep every sweep_interval_seconds until stopped."""
    while not stop.wait(deps.settings.sweep_interval_seconds):
        try:
            sweep(deps)
        except Exception:
            logger.exception("sweep_failed")
