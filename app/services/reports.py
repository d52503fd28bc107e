"""Reports of a stored review, rendered by the engine's renderers; JSON and SARIF paged by findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import TypeAdapter

from app.core.errors import BadRequest, Conflict
from app.services import pages
from app.storage.models import Review, ReviewStatus
from reviewer.engine import ENGINE_VERSION
from reviewer.engine.reports import render
from reviewer.engine.results import SEVERITY_ORDER, EngineResult, Finding

if TYPE_CHECKING:
    from app.services.reviews import ReviewService

ReportFormat = Literal["md", "json", "sarif"]

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "sarif": "application/sarif+json",
}
# Findings JSON per report page: SARIF writes about 2.3 times the bytes of the findings it holds,
# so a page stays near 3.5 MB even uncompressed (gzip makes it a tenth of that).
REPORT_PAGE_BYTES = 1536 * 1024
REPORT_PAGE_ITEMS = 20_000

_FINDINGS = TypeAdapter(list[Finding])


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
    review: Review, fmt: ReportFormat, findings: list[Finding] | None = None
) -> tuple[str, str, str]:
    """(content, media type, file name) of one report format."""
    content = render(fmt, engine_result(review, findings), ai=review.ai, title=review.title)
    return content, MEDIA_TYPES[fmt], f"tfreview-{review.id}.{fmt}"


@dataclass(frozen=True)
class ReportPage:
    """One page of a report: a complete document of its format holding a slice of the findings."""

    content: bytes | str
    media_type: str
    filename: str
    next_cursor: str | None
    findings_total: int


def _posture(review: Review) -> dict[str, Any]:
    """The posture section of the whole review, from the counts stored with the version."""
    by_severity = review.posture_counts()
    rules = sorted(review.posture_rule_counts().items(), key=lambda kv: -kv[1])
    return {
        "count": review.posture_count,
        "by_severity": {
            s.value: by_severity[s.value] for s in reversed(SEVERITY_ORDER) if by_severity.get(s.value)
        },
        "rules": dict(rules),
    }


def report_page(
    reviews: ReviewService,
    review: Review,
    fmt: ReportFormat,
    *,
    cursor: str | None,
    limit: int = REPORT_PAGE_ITEMS,
) -> ReportPage:
    """A report page. Markdown is one bounded page of every finding; JSON and SARIF hold the findings
    from `cursor` up to REPORT_PAGE_BYTES, and say where the next page starts."""
    filename = f"tfreview-{review.id}.{fmt}"
    engine_result(review)  # 409 before any work when the review has not completed
    if fmt == "md":
        if cursor is not None:
            raise BadRequest("the Markdown report is a single page; send no cursor", code="invalid_cursor")
        content, media_type, _ = render_report(review, fmt, reviews.all_findings(review))
        return ReportPage(content, media_type, filename, None, review.findings_total)
    filters = [fmt]
    offset = 0
    if cursor is not None:
        version, offset = pages.decode_cursor(cursor, "report", filters)
        if version != review.version:
            review = reviews.get_version(review.id, version)
    detail = review.detail.findings if review.detail else None
    items, resume = pages.collect(
        pages.listed(reviews.repository.segments, detail, review.findings, offset),
        limit=limit,
        keep=lambda _: True,
        max_bytes=REPORT_PAGE_BYTES,
    )
    content, media_type, _ = render_report(review, fmt, _FINDINGS.validate_python(items))
    next_cursor = None if resume is None else pages.encode_cursor("report", review.version, resume, filters)
    if offset == 0 and next_cursor is None:
        return ReportPage(content, media_type, filename, None, review.findings_total)
    # A partial report: its posture section describes the whole review, and it says which page it is.
    document = orjson.loads(content)
    page = {
        "offset": offset,
        "count": len(items),
        "findings_total": review.findings_total,
        "next_cursor": next_cursor,
    }
    section = document if fmt == "json" else document["runs"][0]["properties"]
    section["posture"] = _posture(review)
    section["page"] = page
    return ReportPage(orjson.dumps(document), media_type, filename, next_cursor, review.findings_total)
