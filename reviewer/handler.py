"""The reviewer Lambda: claim a PENDING review, run the engine and the LLM, store the result."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from app.core.errors import AppError, NotFound, VersionConflict
from app.core.ids import iso, utcnow
from app.core.logging import configure_logging, emit_metric
from app.core.settings import DispatcherKind, Settings, get_settings
from app.services.reviews import ReviewService
from app.storage.models import Review, ReviewStatus, StatusEvent
from reviewer.changes import change_views
from reviewer.engine import ConfigError, ReviewConfig, load_config, review_plan
from reviewer.policies.configured import ConfiguredPolicies

logger = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5


class ReviewEvent(BaseModel):
    """The async invoke payload."""

    review_id: str = Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")
    version: int = Field(ge=1)


@dataclass
class ReviewerDeps:
    """What the reviewer needs; built once per container or process."""

    settings: Settings
    reviews: ReviewService
    config: ReviewConfig
    policies: ConfiguredPolicies = ConfiguredPolicies()


def _pending_version(review: Review) -> int | None:
    """The version at which the review last became PENDING."""
    for event in reversed(review.status_history):
        if event.status is ReviewStatus.PENDING:
            return event.version
    return None


def claim(deps: ReviewerDeps, event: ReviewEvent) -> Review | None:
    """PENDING → IN_PROGRESS for this dispatch; None when it is not ours to run (duplicate, retried, stale)."""
    for _ in range(WRITE_ATTEMPTS):
        try:
            current = deps.reviews.get(event.review_id)
        except NotFound:
            logger.warning("review_missing", extra={"review_id": event.review_id})
            return None
        if current.status is not ReviewStatus.PENDING or _pending_version(current) != event.version:
            logger.info("claim_skipped", extra={"review_id": event.review_id, "status": current.status.value})
            return None
        now = utcnow()
        history = [
            *current.status_history,
            StatusEvent(status=ReviewStatus.IN_PROGRESS, at=now, version=current.latest_version + 1),
        ]
        try:
            return deps.reviews.record(
                current, status=ReviewStatus.IN_PROGRESS, started_at=now, status_history=history
            )
        except VersionConflict:
            # Another writer was first: another invocation's claim (the re-read shows IN_PROGRESS and we
            # skip), or an edit that leaves it PENDING (a Spacelift state update, a human note), after
            # which nothing would dispatch it again: look again and claim it.
            logger.info("claim_conflict", extra={"review_id": event.review_id})
    logger.warning("claim_lost", extra={"review_id": event.review_id})
    return None


def _finish(deps: ReviewerDeps, claimed: Review, status: ReviewStatus, **fields: Any) -> Review:
    """Write the terminal version; re-applied on top of concurrent human edits."""
    current = claimed
    for _ in range(WRITE_ATTEMPTS):
        if current.status is not ReviewStatus.IN_PROGRESS or current.started_at != claimed.started_at:
            logger.info("finish_skipped", extra={"review_id": claimed.id, "status": current.status.value})
            return current
        now = utcnow()
        started = claimed.started_at or now
        history = [
            *current.status_history,
            StatusEvent(status=status, at=now, version=current.latest_version + 1),
        ]
        try:
            return deps.reviews.record(
                current,
                status=status,
                completed_at=now,
                duration_ms=int((now - started).total_seconds() * 1000),
                status_history=history,
                **fields,
            )
        except VersionConflict:
            current = deps.reviews.get(claimed.id)
    raise RuntimeError(f"could not store the result of review {claimed.id} after {WRITE_ATTEMPTS} attempts")


def _tokens_used_today(deps: ReviewerDeps) -> int:
    items = deps.reviews.repository.stats_items([utcnow().date().isoformat()])
    return sum(
        int(item.get("ai_tokens_in", 0)) + int(item.get("ai_tokens_out", 0))
        for item in items
        if item["SK"] == "ALL"
    )


def _policy_context(review: Review) -> dict[str, Any]:
    """input.spacelift for Spacelift-shaped policies: what the review knows of its run."""
    from reviewer.policies.inputs import spacelift_context

    spacelift = review.spacelift
    if spacelift is None:
        return spacelift_context()
    commit = spacelift.commit
    return spacelift_context(
        stack_id=spacelift.stack_id,
        stack_name=spacelift.stack_name,
        run_id=spacelift.run_id,
        run_type=spacelift.run_type,
        branch=spacelift.branch,
        commit_hash=commit.hash if commit else None,
        commit_message=commit.message if commit else None,
        commit_author=commit.author if commit else None,
    )


def run_review(deps: ReviewerDeps, claimed: Review) -> Review:
    """Engine, then the LLM layer; an LLM failure alone never fails the review."""
    from reviewer.engine.prompt import ReviewContext
    from reviewer.llm import run_ai_review

    raw = json.loads(deps.reviews.repository.blobs.get(claimed.plan.sha256))
    spacelift = claimed.spacelift
    output = review_plan(
        raw,
        deps.config,
        today=utcnow().date(),
        extra_findings=deps.policies.extra_findings(_policy_context(claimed)),
    )
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
    outcome = run_ai_review(
        output.plan,
        output.result,
        settings=deps.settings,
        context=context,
        custom_instructions=deps.config.custom_instructions,
        tokens_used_today=_tokens_used_today(deps) if deps.settings.llm_daily_token_budget else 0,
    )
    views = change_views(output.plan)
    return _finish(
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


def fail(deps: ReviewerDeps, claimed: Review, reason: str) -> Review:
    """Mark the review FAILED with a reason a person can act on, and count it."""
    emit_metric("ReviewsFailed", 1, env=deps.settings.env)
    return _finish(deps, claimed, ReviewStatus.FAILED, error=reason)


def process(deps: ReviewerDeps, payload: dict[str, Any]) -> dict[str, Any]:
    """Handle one invoke: validate, claim, review, store; always leaves the review terminal once claimed."""
    try:
        event = ReviewEvent.model_validate(payload)
    except ValidationError as exc:
        logger.error("bad_event", extra={"errors": exc.error_count()})
        return {"status": "rejected", "reason": "event must be {review_id, version}"}
    claimed = claim(deps, event)
    if claimed is None:
        return {"status": "skipped", "review_id": event.review_id}
    try:
        done = run_review(deps, claimed)
    except AppError as exc:
        logger.warning("review_failed", extra={"review_id": claimed.id, "code": exc.code})
        done = fail(deps, claimed, f"{exc.code}: {exc.message}")
    except ConfigError as exc:  # a broken or too slow custom policy: the reason names the file and line
        logger.warning("review_failed", extra={"review_id": claimed.id, "code": "configuration_error"})
        done = fail(deps, claimed, f"configuration_error: {exc}")
    except Exception as exc:
        logger.exception("review_crashed", extra={"review_id": claimed.id})
        done = fail(deps, claimed, f"reviewer error: {type(exc).__name__}")
    _write_back(deps, done)
    return {"status": done.status.value, "review_id": done.id, "version": done.version}


def _write_back(deps: ReviewerDeps, review: Review) -> None:
    """Post the result to Spacelift when the review came from there; never fails the review."""
    if review.spacelift is None or review.status is not ReviewStatus.COMPLETED:
        return
    if not (deps.settings.spacelift_write_comment or deps.settings.spacelift_write_review):
        return
    try:
        from webhook.writeback import write_back_review

        write_back_review(deps.reviews, review, deps.settings)
    except Exception:
        logger.exception("writeback_crashed", extra={"review_id": review.id})


def sweep(deps: ReviewerDeps) -> list[str]:
    """Mark reviews IN_PROGRESS (or never picked up) longer than the reviewer timeout as FAILED."""
    timeout = timedelta(seconds=deps.settings.reviewer_timeout_seconds)
    now = utcnow()
    swept: list[str] = []
    for status in (ReviewStatus.IN_PROGRESS, ReviewStatus.PENDING):
        limit = timeout if status is ReviewStatus.IN_PROGRESS else timeout * 2
        for review_id in deps.reviews.repository.ids_in_status(status, iso(now - limit)):
            review = deps.reviews.get(review_id)
            since = review.status_history[-1].at if review.status_history else review.created_at
            if review.status is not status or now - since < limit:
                continue
            reason = (
                f"timed out: IN_PROGRESS for more than {int(limit.total_seconds())} s"
                if status is ReviewStatus.IN_PROGRESS
                else f"never started: PENDING for more than {int(limit.total_seconds())} s"
            )
            try:
                if status is ReviewStatus.PENDING:
                    review = deps.reviews.record(
                        review,
                        status=ReviewStatus.IN_PROGRESS,
                        started_at=now,
                        status_history=[
                            *review.status_history,
                            StatusEvent(
                                status=ReviewStatus.IN_PROGRESS, at=now, version=review.latest_version + 1
                            ),
                        ],
                    )
                fail(deps, review, reason)
                swept.append(review_id)
            except VersionConflict:
                continue
    if swept:
        logger.warning("reviews_swept", extra={"count": len(swept)})
    return swept


# Entry points --------------------------------------------------------------------------------

_deps: ReviewerDeps | None = None
_deps_lock = threading.Lock()


def build_deps(settings: Settings) -> ReviewerDeps:
    from app.services.container import build_services
    from app.services.dispatch import NullDispatcher

    services = build_services(settings.model_copy(update={"dispatcher": DispatcherKind.NONE}))
    config = load_config(settings.review_config_path) if settings.review_config_path else ReviewConfig()
    # The reviewer never dispatches; reruns come through the API.
    services.reviews = ReviewService(services.repository, NullDispatcher())
    policies = ConfiguredPolicies.load(config, settings.policy_paths)
    return ReviewerDeps(settings=settings, reviews=services.reviews, config=config, policies=policies)


def _shared_deps() -> ReviewerDeps:
    global _deps
    with _deps_lock:
        if _deps is None:
            settings = get_settings()
            configure_logging(settings.log_level)
            _deps = build_deps(settings)
        return _deps


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry: {review_id, version}."""
    return process(_shared_deps(), event)


def sweep_handler(event: dict[str, Any] | None = None, context: Any = None) -> dict[str, Any]:
    """Lambda entry for the scheduled stuck-review sweep."""
    return {"swept": sweep(_shared_deps())}


def local_runner(settings: Settings) -> Any:
    """The callable the local dispatcher runs in a worker thread."""
    deps = build_deps(settings)

    def run(event: dict[str, Any]) -> dict[str, Any]:
        return process(deps, event)

    return run


def run_sweeps_forever(settings: Settings, stop: threading.Event) -> None:
    """Local mode: sweep every sweep_interval_seconds until stopped."""
    deps = build_deps(settings)
    while not stop.wait(settings.sweep_interval_seconds):
        try:
            sweep(deps)
        except Exception:
            logger.exception("sweep_failed")
