"""Write a completed Spacelift review back to its run and record what happened on the review."""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.core.errors import VersionConflict
from app.core.ids import utcnow
from app.core.settings import Settings
from app.services.reviews import ReviewService
from app.services.secrets import spacelift_api_key_secret
from app.storage.models import Review, ReviewStatus, WriteBackInfo
from reviewer.engine.results import RiskLevel
from webhook.graphql import SpaceliftClient
from webhook.writeback import (
    SpaceliftWriter,
    WritebackOptions,
    WritebackResult,
    WritebackStatus,
    WritebackTarget,
    write_back,
    writeback_key,
)

logger = logging.getLogger(__name__)

UPDATE_ATTEMPTS = 4


def _spacelift_client(settings: Settings) -> SpaceliftClient | None:
    if not (settings.spacelift_api_endpoint and settings.spacelift_api_key_id):
        return None
    api_secret = spacelift_api_key_secret(settings)
    if not api_secret:
        return None
    return SpaceliftClient(settings.spacelift_api_endpoint, settings.spacelift_api_key_id, api_secret)


def write_back_review(
    reviews: ReviewService,
    review: Review,
    settings: Settings,
    *,
    client: SpaceliftWriter | None = None,
    render_markdown: Callable[[Review], str] | None = None,
) -> WritebackResult | None:
    """Post a completed Spacelift review to its run and record what happened on the review; never raises."""
    spacelift = review.spacelift
    if spacelift is None or not spacelift.run_id or not spacelift.stack_id:
        return None
    if review.status is not ReviewStatus.COMPLETED or review.risk is None:
        return None
    if review.writeback is not None and review.writeback.status == "done":
        return None
    options = WritebackOptions(
        write_comment=settings.spacelift_write_comment,
        write_review=settings.spacelift_write_review,
        reject_at=RiskLevel(settings.spacelift_reject_at),
    )
    if not (options.write_comment or options.write_review):
        return None
    target = WritebackTarget(
        account=spacelift.account or "",
        stack_id=spacelift.stack_id,
        run_id=spacelift.run_id,
        state_version=spacelift.state_version or 0,
        review_id=review.id,
        plan_sha=review.plan.sha256,
    )
    previous_attempts = review.writeback.attempts if review.writeback is not None else 0
    try:
        writer = client or _spacelift_client(settings)
        if writer is None:
            result = WritebackResult(
                key=writeback_key(target), errors=["Spacelift API key is not configured"]
            )
            result.comment = WritebackStatus.FAILED if options.write_comment else WritebackStatus.DISABLED
            result.review = WritebackStatus.FAILED if options.write_review else WritebackStatus.DISABLED
        else:
            report = render_markdown(review) if render_markdown else _render_markdown(reviews, review)
            result = write_back(
                writer,
                target,
                report_md=report,
                risk_level=review.risk.level,
                risk_score=review.risk.score,
                options=options,
            )
    except Exception as exc:  # write-back must never fail the review
        logger.exception("spacelift.writeback_crashed", extra={"event": "spacelift.writeback_crashed"})
        result = WritebackResult(key=writeback_key(target), errors=[f"{type(exc).__name__}"])
        result.comment = WritebackStatus.FAILED
    info = WriteBackInfo(
        status="done" if result.ok else "failed",
        attempts=previous_attempts + 1,
        comment_posted=result.comment in (WritebackStatus.POSTED, WritebackStatus.ALREADY_DONE),
        review_decision=result.decision.value if result.decision else None,
        error="; ".join(result.errors)[:1000] or None,
        at=utcnow(),
    )
    _record_writeback(reviews, review, info)
    return result


def _render_markdown(reviews: ReviewService, review: Review) -> str:
    from app.services.reports import render_report

    # The review document holds the first page of findings; the comment counts every finding.
    content, _media, _name = render_report(review, "md", reviews.all_findings(review))
    return content


def _record_writeback(reviews: ReviewService, review: Review, info: WriteBackInfo) -> None:
    current = review
    for _ in range(UPDATE_ATTEMPTS):
        try:
            reviews.record(current, writeback=info)
            return
        except VersionConflict:
            current = reviews.get(review.id)
            if current.plan.sha256 != review.plan.sha256 or current.status is not ReviewStatus.COMPLETED:
                # A newer plan is being reviewed; its own write-back will be recorded.
                return
        except Exception:
            logger.exception(
                "spacelift.writeback_not_recorded", extra={"event": "spacelift.writeback_not_recorded"}
            )
            return
