"""Reports of a stored review, rendered by the engine's renderers."""

from __future__ import annotations

from typing import Literal

from app.core.errors import Conflict
from app.storage.models import Review, ReviewStatus
from reviewer.engine import ENGINE_VERSION
from reviewer.engine.reports import render
from reviewer.engine.results import EngineResult, Finding

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "sarif": "application/sarif+json",
}


def engine_result(review: Review, findings: list[Finding] | None = None) -> EngineResult:
    """The engine's view of a completed review (findings include grounded AI findings).

    `findings` are the ones to report (all of them, or a page); the review's first page otherwise.
    """
    if review.status is not ReviewStatus.COMPLETED or review.summary is None or review.risk is None:
        raise Conflict(
            f"review {review.id} is {review.status.value}; reports exist once it is COMPLETED",
            code="not_completed",
            details={"status": review.status.value},
        )
    return EngineResult(
        plan=review.plan,
        summary=review.summary,
        findings=review.findings if findings is None else findings,
        risk=review.risk,
        engine_version=ENGINE_VERSION,
    )


def render_report(
    review: Review, fmt: Literal["md", "json", "sarif"], findings: list[Finding] | None = None
) -> tuple[str, str, str]:
    """(content, media type, file name) of one report format."""
    content = render(fmt, engine_result(review, findings), ai=review.ai, title=review.title)
    return content, MEDIA_TYPES[fmt], f"tfreview-{review.id}.{fmt}"
