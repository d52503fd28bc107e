"""Routes of /api/reviews: parse, authorise, call one service function, return a schema."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.body import json_body
from app.api.deps import DecideKey, ReadKey, RerunKey, ReviewsDep, SettingsDep, SubmitKey
from app.api.schemas import (
    CreateReviewRequest,
    ReviewList,
    UpdateReviewRequest,
    documented,
    error_doc,
)
from app.api.webhooks import webhook_service
from app.core.errors import BadRequest, ValidationFailed
from app.core.gc_pause import collector_paused
from app.services.auth import Principal
from app.services.models import ListFilters, Review, ReviewSource, ReviewStatus
from app.services.reviews import ReviewService
from reviewer.engine.results import RiskLevel, Severity

router = APIRouter(prefix="/api/reviews", tags=["reviews"])

# A decision, a note, a title and tags: far below this.
UPDATE_BODY_BYTES = 64 * 1024

ReviewId = Annotated[str, Path(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$", description="Review id (ULID).")]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: error_doc(description)
    for status, description in (
        (400, "Malformed request (bad JSON, bad cursor)"),
        (401, "Missing or unknown API key, or an invalid, expired or forged sign-in token"),
        (403, "The key's scopes or the person's roles do not allow this"),
        (404, "No such review or version"),
        (503, "The review store is unavailable; retry"),
    )
}


def _json(data: bytes | str, status: int = 200) -> Response:
    return Response(content=data, media_type="application/json", status_code=status)


Body = TypeVar("Body", bound=BaseModel)


def _validated(model: type[Body], payload: Any, raw: bytes | None = None) -> Body:
    """Strict validation (false is not a number, "1" is not a number) with the first error as a 422.

    With `raw`, the JSON text is validated (JSON-mode strictness: an enum may come as its string).
    """
    if not isinstance(payload, dict):
        raise ValidationFailed("body must be a JSON object", details={"field": "body"})
    try:
        if raw is not None:
            return model.model_validate_json(raw.removeprefix(b"\xef\xbb\xbf"), strict=True)
        return model.model_validate(payload, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ValidationFailed(
            f"{field}: {first['msg']}", details=[{"field": field, "message": first["msg"]}]
        ) from None


def _expected_version(if_match: str | None, body_version: int | None) -> int | None:
    if if_match is not None:
        text = if_match.strip().removeprefix("W/").strip('"')
        if not text.isdecimal() or int(text) < 1:  # isdigit() also passes "²", which int() refuses
            raise BadRequest("If-Match must hold the version number you are editing, e.g. If-Match: 3")
        header_version = int(text)
        if body_version is not None and body_version != header_version:
            raise ValidationFailed(
                "If-Match and expected_version disagree", details={"field": "expected_version"}
            )
        return header_version
    return body_version


@router.post(
    "",
    status_code=202,
    operation_id="reviews-create",
    summary="Submit a plan for review",
    responses={
        **_ERRORS,
        202: documented("Review"),
        200: documented(
            "Review",
            "Not created: the review of an earlier request with this Idempotency-Key and body, "
            "or the existing review of the same Spacelift run, updated with this plan",
        ),
        409: error_doc("Idempotency-Key reused with another body"),
        413: error_doc("Body over the size limit"),
        415: error_doc("Not JSON, or an unsupported Content-Encoding"),
        422: error_doc("Not a Terraform plan, or wrong field types"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateReviewRequest"}}},
            "description": "terraform show -json output under `plan`; gzip with Content-Encoding: gzip.",
        }
    },
)
async def create_review(
    request: Request,
    reviews: ReviewsDep,
    settings: SettingsDep,
    principal: SubmitKey,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Store the plan (redacted) as version 1 PENDING and start the review; 202 with the review."""
    # The plan's million objects are parsed, redacted and dropped with no cyclic collection meanwhile.
    with collector_paused():
        return await _create_review(request, reviews, principal, idempotency_key, settings.max_body_bytes)


async def _create_review(
    request: Request,
    reviews: ReviewService,
    principal: Principal,
    idempotency_key: str | None,
    max_body_bytes: int,
) -> Response:
    raw, payload = await json_body(request, max_body_bytes)
    if isinstance(payload, dict) and "plan" not in payload and "format_version" in payload:
        payload = {"plan": payload}  # a bare `terraform show -json` body is accepted as the plan
    if not isinstance(payload, dict):
        raise ValidationFailed("body must be a JSON object with a `plan` field", details={"field": "body"})
    body = _validated(CreateReviewRequest, payload)
    request_sha = hashlib.sha256(raw).hexdigest() if idempotency_key else None
    # Redaction, parsing and the DynamoDB writes block: run them off the event loop so one large
    # plan does not stall every other request of the process.
    if body.spacelift is not None and body.spacelift.run_id:
        # A plan for a Spacelift run (the after_plan hook) shares the webhook's one-review-per-run claim.
        review, created = await run_in_threadpool(
            webhook_service(request.app).submit_plan,
            body.plan,
            body.spacelift,
            title=body.title,
            tags=body.tags,
            metadata=body.metadata,
            created_by=principal.name,
            creator=principal.actor(),
            idempotency_key=idempotency_key,
            request_sha=request_sha,
        )
        return _created_response(review, created)
    review, created = await run_in_threadpool(
        reviews.create_review,
        body.plan,
        title=body.title,
        tags=body.tags,
        metadata=body.metadata,
        source=ReviewSource(body.source),
        spacelift=body.spacelift,
        created_by=principal.name,
        creator=principal.actor(),
        idempotency_key=idempotency_key,
        request_sha=request_sha,
    )
    return _created_response(review, created)


def _created_response(review: Review, created: bool) -> Response:
    response = _json(review.model_dump_json(), status=202 if created else 200)
    response.headers["Location"] = f"/api/reviews/{review.id}"
    response.headers["ETag"] = f'"{review.latest_version}"'
    return response


@router.get(
    "",
    operation_id="reviews-list",
    summary="List reviews, newest first",
    responses={**_ERRORS, 200: documented("ReviewList"), 422: error_doc("A filter has a wrong value")},
)
def list_reviews(
    reviews: ReviewsDep,
    _: ReadKey,
    status: ReviewStatus | None = None,
    risk_level: RiskLevel | None = None,
    stack_id: Annotated[str | None, Query(max_length=200)] = None,
    run_id: Annotated[str | None, Query(max_length=200)] = None,
    decision: Annotated[Literal["APPROVED", "REJECTED", "NONE"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search title, run id or review id.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> Response:
    """Filter by status, risk, stack, run, decision or text; paginate with the opaque cursor."""
    filters = ListFilters(
        status=status,
        risk_level=risk_level.value if risk_level else None,
        stack_id=stack_id,
        run_id=run_id,
        decision=decision,
        query=q.strip() if q and q.strip() else None,
    )
    items, next_cursor = reviews.list_reviews(filters, limit=limit, cursor=cursor)
    return _json(ReviewList.model_validate({"items": items, "next_cursor": next_cursor}).model_dump_json())


@router.get(
    "/{review_id}",
    operation_id="reviews-get",
    summary="Get the current version of a review",
    responses={**_ERRORS, 200: documented("ReviewResource")},
)
def get_review(review_id: ReviewId, reviews: ReviewsDep, _: ReadKey) -> Response:
    """The latest version, straight from the stored document, with its notification deliveries."""
    return _json(reviews.get_current_json(review_id))


PageLimit = Annotated[int, Query(ge=1, le=500, description="At most this many items (and at most 1 MiB).")]
PageCursor = Annotated[
    str | None, Query(max_length=1000, description="Opaque: next_cursor of the previous page.")
]
VersionParam = Annotated[
    int | None, Query(ge=1, le=10_000_000, description="A version number; default the current version.")
]


@router.get(
    "/{review_id}/versions",
    operation_id="reviews-versions",
    summary="Version summaries of a review, oldest first, paged",
    responses={**_ERRORS, 200: documented("ReviewVersions")},
)
def list_versions(
    review_id: ReviewId,
    reviews: ReviewsDep,
    _: ReadKey,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> Response:
    """Each version in its list form (no findings or changes); GET /versions/{n} has the document."""
    return _json(reviews.versions_page(review_id, limit=limit, cursor=cursor).to_json())


@router.get(
    "/{review_id}/findings",
    operation_id="reviews-findings",
    summary="Findings of a review, paged",
    responses={**_ERRORS, 200: documented("FindingPage")},
)
def list_findings(
    review_id: ReviewId,
    reviews: ReviewsDep,
    _: ReadKey,
    limit: PageLimit = 100,
    cursor: PageCursor = None,
    version: VersionParam = None,
    severity: Severity | None = None,
    introduced: Annotated[
        bool | None, Query(description="true: introduced or worsened by this plan; false: posture.")
    ] = None,
) -> Response:
    """Introduced findings first, then posture; worst first within each; the cursor keeps the version."""
    page = reviews.findings_page(
        review_id,
        limit=limit,
        cursor=cursor,
        version=version,
        severity=severity.value if severity else None,
        introduced=introduced,
    )
    return _json(page.to_json())


@router.get(
    "/{review_id}/changes",
    operation_id="reviews-changes",
    summary="Changed resources of a review with their attribute diffs, paged",
    responses={**_ERRORS, 200: documented("ChangePage")},
)
def list_changes(
    review_id: ReviewId,
    reviews: ReviewsDep,
    _: ReadKey,
    limit: PageLimit = 100,
    cursor: PageCursor = None,
    version: VersionParam = None,
) -> Response:
    """Destroys and replaces first, then by address; the cursor keeps the version."""
    return _json(reviews.changes_page(review_id, limit=limit, cursor=cursor, version=version).to_json())


@router.get(
    "/{review_id}/versions/{version}",
    operation_id="reviews-version",
    summary="One version of a review",
    responses={**_ERRORS, 200: documented("Review")},
)
def get_version(
    review_id: ReviewId,
    version: Annotated[int, Path(ge=1, le=10_000_000)],
    reviews: ReviewsDep,
    _: ReadKey,
) -> Response:
    return _json(reviews.get_json(review_id, version))


@router.put(
    "/{review_id}",
    operation_id="reviews-update",
    summary="Record a human decision, note, title or tags as a new version",
    responses={
        **_ERRORS,
        200: documented("Review"),
        409: error_doc("Another writer was first; details.current is the latest"),
        413: error_doc("Body over the size limit"),
        415: error_doc("Not JSON"),
        422: error_doc("Wrong field types or nothing to change"),
        428: error_doc("No expected version (If-Match or expected_version)"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpdateReviewRequest"}}},
        }
    },
)
async def update_review(
    request: Request,
    review_id: ReviewId,
    reviews: ReviewsDep,
    settings: SettingsDep,
    principal: DecideKey,
    if_match: Annotated[str | None, Header(max_length=50)] = None,
) -> Response:
    """Optimistic concurrency: send the version you saw; 409 with the current one if it moved on."""
    # Parsed like POST (duplicate keys, NaN and 1e999 refused), not by FastAPI's lenient json.loads.
    raw, payload = await json_body(request, min(settings.max_body_bytes, UPDATE_BODY_BYTES))
    body = _validated(UpdateReviewRequest, payload, raw)
    review = await run_in_threadpool(
        reviews.update,
        review_id,
        expected_version=_expected_version(if_match, body.expected_version),
        actor=principal.actor(),
        decision=body.decision,
        note=body.note,
        title=body.title,
        tags=body.tags,
    )
    response = _json(review.model_dump_json())
    response.headers["ETag"] = f'"{review.latest_version}"'
    return response


@router.post(
    "/{review_id}/rerun",
    status_code=202,
    operation_id="reviews-rerun",
    summary="Review the stored plan again as a new PENDING version",
    responses={**_ERRORS, 202: documented("Review"), 409: error_doc("Another writer was first")},
)
def rerun_review(
    review_id: ReviewId,
    reviews: ReviewsDep,
    principal: RerunKey,
    if_match: Annotated[str | None, Header(max_length=50)] = None,
) -> Response:
    review = reviews.rerun(
        review_id, expected_version=_expected_version(if_match, None), actor=principal.actor()
    )
    return _json(review.model_dump_json(), status=202)


@router.get(
    "/{review_id}/report",
    operation_id="reviews-report",
    summary="The review as a Markdown, JSON or SARIF report (JSON and SARIF paged by findings)",
    responses={
        **_ERRORS,
        200: {
            "description": "The report. A JSON or SARIF report with more findings than one page holds "
            "(about 1.5 MB of findings) is split: each page is a complete document with a slice of the "
            "findings and a `page` object (`offset`, `count`, `findings_total`, `next_cursor`; in SARIF "
            "under runs[0].properties); the X-Next-Cursor header and a Link rel=next header name the next page.",
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                "application/sarif+json": {"schema": {"type": "object"}},
            },
        },
        409: error_doc("The review has not completed yet"),
    },
)
def review_report(
    review_id: ReviewId,
    reviews: ReviewsDep,
    _: ReadKey,
    format: Literal["md", "json", "sarif"] = "md",
    cursor: PageCursor = None,
    limit: Annotated[
        int, Query(ge=1, le=20_000, description="At most this many findings per page.")
    ] = 20_000,
) -> Response:
    """Rendered by the engine's report renderers from the stored result."""
    from app.services.reports import report_page

    page = report_page(reviews, reviews.get(review_id), format, cursor=cursor, limit=limit)
    headers = {
        "Content-Disposition": f'attachment; filename="{page.filename}"',
        "X-Findings-Total": str(page.findings_total),
    }
    if page.next_cursor is not None:
        headers["X-Next-Cursor"] = page.next_cursor
        headers["Link"] = (
            f'</api/reviews/{review_id}/report?format={format}&limit={limit}&cursor={page.next_cursor}>; rel="next"'
        )
    return Response(content=page.content, media_type=page.media_type, headers=headers)
