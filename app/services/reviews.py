"""Use cases of reviews: create, read, decide, rerun, and the Spacelift run hooks."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import TypeAdapter

from app.core.errors import BadRequest, NotFound, PreconditionRequired, ServiceUnavailable, ValidationFailed
from app.core.gc_pause import collector_paused
from app.core.ids import new_ulid, utcnow
from app.services import pages
from app.services.dispatch import ReviewDispatcher
from app.storage.models import (
    Actor,
    Decision,
    PlanRef,
    Review,
    ReviewSource,
    ReviewStatus,
    SpaceliftInfo,
    StatusEvent,
    VersionAction,
    redact_label,
)
from app.storage.plans import sha256_hex
from app.storage.reviews import IdempotentReplay, ListFilters, ReviewRepository
from reviewer.engine.results import Finding

logger = logging.getLogger(__name__)

_FINDINGS = TypeAdapter(list[Finding])


def prepare_plan(plan: Any) -> tuple[bytes, PlanRef]:
    """Validate a plan, redact it and describe it; ValidationFailed (422) says what is wrong."""
    with collector_paused():
        return _prepare_plan(plan)


def _prepare_plan(plan: Any) -> tuple[bytes, PlanRef]:
    # Loaded by the first POST, not at every cold start: reads and webhooks never parse a plan.
    from reviewer.engine import PlanError, canonical_json, load_plan, parse_plan, redact_plan

    try:
        raw = load_plan(plan)
        redacted, _report = redact_plan(raw)
        parsed = parse_plan(redacted)
    except PlanError as exc:
        # The engine may quote plan values (a 20 MB format_version): never echo more than a line back.
        message = exc.message if len(exc.message) <= 300 else exc.message[:300] + "…"
        raise ValidationFailed(
            f"plan: {message}", code="invalid_plan", details={"field": "plan", "reason": exc.code}
        ) from None
    try:
        data = canonical_json(redacted)
    except UnicodeEncodeError:
        # JSON may escape a lone UTF-16 surrogate (\ud800); it is no Unicode text and cannot be stored.
        raise ValidationFailed(
            "plan: holds a lone UTF-16 surrogate escape, which is not valid Unicode",
            code="invalid_plan",
            details={"field": "plan", "reason": "invalid_unicode"},
        ) from None
    ref = PlanRef(
        sha256=sha256_hex(data),
        bytes=len(data),
        terraform_version=parsed.terraform_version,
        format_version=parsed.format_version,
        errored=bool(parsed.errored),
        applyable=parsed.applyable,
        complete=parsed.complete,
    )
    return data, ref


class ReviewService:
    """Everything the API and the webhook do with reviews."""

    def __init__(self, repository: ReviewRepository, dispatcher: ReviewDispatcher) -> None:
        self._repo = repository
        self._dispatcher = dispatcher

    @property
    def repository(self) -> ReviewRepository:
        return self._repo

    def create_review(
        self,
        plan: Any,
        *,
        title: str | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, str] | None = None,
        source: ReviewSource = ReviewSource.API,
        spacelift: SpaceliftInfo | None = None,
        created_by: str | None = None,
        creator: Actor | None = None,
        idempotency_key: str | None = None,
        request_sha: str | None = None,
    ) -> tuple[Review, bool]:
        """Store the redacted plan and version 1 PENDING, then dispatch; (review, created)."""
        if idempotency_key is not None:
            hit = self._repo.idempotency_lookup(idempotency_key, request_sha or "")
            if hit is not None:
                return self._repo.get(hit.review_id), False
        data, ref = prepare_plan(plan)
        _, ref.chunks = self._repo.blobs.put(data, ref.sha256)
        now = utcnow()
        review = Review(
            id=new_ulid(),
            version=1,
            latest_version=1,
            status=ReviewStatus.PENDING,
            source=source,
            title=title or _default_title(spacelift, ref),
            tags=tags or [],
            metadata=metadata or {},
            spacelift=spacelift,
            plan=ref,
            status_history=[StatusEvent(status=ReviewStatus.PENDING, at=now, version=1)],
            attempts=1,
            created_at=now,
            updated_at=now,
            created_by=creator.name if creator is not None else created_by,
            creator=creator,
            acted_by=creator,
            action=VersionAction.CREATED,
        )
        try:
            self._repo.create(review, idempotency_key=idempotency_key, body_sha=request_sha)
        except IdempotentReplay as replay:
            return self._repo.get(replay.review_id), False
        logger.info("review_created", extra={"review_id": review.id, "source": source.value})
        self._dispatch(review)
        return review, True

    def merge_run_plan(self, existing: Review, plan: Any, spacelift: SpaceliftInfo) -> Review:
        """A full plan for a run that already has a review: that review is re-run on the full plan."""
        merged = (existing.spacelift or SpaceliftInfo()).model_copy(
            update={k: v for k, v in spacelift.model_dump(exclude_none=True).items() if k != "commit"}
        )
        if spacelift.commit is not None:
            merged.commit = spacelift.commit
        data, ref = prepare_plan(plan)
        if ref.sha256 == existing.plan.sha256:
            return existing
        _, ref.chunks = self._repo.blobs.put(data, ref.sha256)
        new = self._advance_pending(existing, existing.latest_version, actor=None, plan=ref, spacelift=merged)
        self._dispatch(new)
        return new

    def _dispatch(self, review: Review) -> None:
        """Hand a stored PENDING version to the reviewer; a failed hand-off is the sweeper's to repeat."""
        try:
            self._dispatcher.dispatch(review.id, review.version)
        except ServiceUnavailable:
            # The review is stored and answered 202: a client's retry would only find it again. The
            # sweeper dispatches PENDING reviews that nobody picked up (sweep_pending_after_seconds).
            logger.warning("dispatch_deferred", extra={"review_id": review.id, "version": review.version})

    def get(self, review_id: str) -> Review:
        return self._repo.get(review_id)

    def get_json(self, review_id: str, version: int = 0) -> bytes:
        """The stored JSON of a version (0 = current), without building a model: the fast read path."""
        return self._repo.get_json(review_id, version)

    def get_current_json(self, review_id: str) -> bytes:
        """The current version's JSON with the review's notification deliveries (when notifications are on)."""
        from app.services.notifications.records import current_with_notifications

        return current_with_notifications(
            lambda: self._repo.get_json(review_id), self._repo.outbox, review_id
        )

    def ping(self) -> None:
        """ServiceUnavailable unless the review store answers."""
        self._repo.ping()

    def get_version(self, review_id: str, version: int) -> Review:
        if version < 1:
            raise NotFound(f"version {version} of review {review_id} does not exist")
        return self._repo.get_version(review_id, version)

    def list_versions(self, review_id: str) -> list[Review]:
        return self._repo.list_versions(review_id)

    def versions_page(self, review_id: str, *, limit: int, cursor: str | None) -> pages.Page:
        """Version summaries (list form, no findings or changes), oldest first."""
        after = pages.decode_cursor(cursor, "versions", [])[1] if cursor else 0
        items, latest = self._repo.version_summaries(review_id, after=after, limit=limit)
        last = items[-1]["version"] if items else latest
        more = bool(items) and last < latest
        return pages.Page(
            items=items,
            next_cursor=pages.encode_cursor("versions", latest, last, []) if more else None,
            total=latest,
        )

    def _paged_version(self, review_id: str, version: int | None, cursor_version: int | None) -> Review:
        if cursor_version is not None and version is not None and cursor_version != version:
            raise BadRequest("cursor belongs to another version", code="invalid_cursor")
        wanted = cursor_version or version
        return self._repo.get_version(review_id, wanted) if wanted else self._repo.get(review_id)

    def findings_page(
        self,
        review_id: str,
        *,
        limit: int,
        cursor: str | None,
        version: int | None = None,
        severity: str | None = None,
        introduced: bool | None = None,
    ) -> pages.Page:
        """Findings of a version (default: current) in review order, optionally filtered."""
        filters = [severity, introduced]
        cursor_version, offset = pages.decode_cursor(cursor, "findings", filters) if cursor else (None, 0)
        review = self._paged_version(review_id, version, cursor_version)
        detail = review.detail.findings if review.detail else None

        def keep(item: Any) -> bool:
            return (severity is None or item.get("severity") == severity) and (
                introduced is None or bool(item.get("introduced")) == introduced
            )

        items, resume = pages.collect(
            pages.listed(self._repo.segments, detail, review.findings, offset), limit=limit, keep=keep
        )
        return pages.Page(
            items=items,
            next_cursor=None
            if resume is None
            else pages.encode_cursor("findings", review.version, resume, filters),
            total=pages.findings_total(review, severity, introduced),
        )

    def changes_page(
        self, review_id: str, *, limit: int, cursor: str | None, version: int | None = None
    ) -> pages.Page:
        """Changed resources of a version (default: current): destroys and replaces first."""
        cursor_version, offset = pages.decode_cursor(cursor, "changes", []) if cursor else (None, 0)
        review = self._paged_version(review_id, version, cursor_version)
        detail = review.detail.changes if review.detail else None
        items, resume = pages.collect(
            pages.listed(self._repo.segments, detail, review.changes, offset),
            limit=limit,
            keep=lambda _: True,
        )
        return pages.Page(
            items=items,
            next_cursor=None
            if resume is None
            else pages.encode_cursor("changes", review.version, resume, []),
            total=review.changes_total,
        )

    def all_findings(self, review: Review) -> list[Finding]:
        """Every finding of a version, in review order (reports need them all)."""
        ref = review.detail.findings if review.detail else None
        if ref is None:
            return list(review.findings)
        return _FINDINGS.validate_python([item for _, item in self._repo.segments.iterate(ref, 0)])

    def list_reviews(
        self, filters: ListFilters, *, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        return self._repo.list_reviews(filters, limit=limit, cursor=cursor)

    def update(
        self,
        review_id: str,
        *,
        expected_version: int | None,
        actor: Actor | None,
        decision: Decision | None = None,
        note: str | None = None,
        title: str | None = None,
        tags: list[str] | None = None,
    ) -> Review:
        """A human edit (decision, note, title, tags) as a new version; needs the expected version."""
        if expected_version is None:
            raise PreconditionRequired(
                "send the version you are editing in the If-Match header or as expected_version",
                details={"field": "expected_version"},
            )
        current = self._repo.get(review_id)
        if decision is None and note is None and title is None and tags is None:
            raise ValidationFailed(
                "nothing to change: send decision, note, title or tags", details={"field": "body"}
            )
        if decision is Decision.APPROVED and current.plan.errored:
            # Terraform could not finish this plan: what it would apply is unknown, so nobody may approve it.
            raise ValidationFailed(
                "an errored plan cannot be approved: fix the plan and run it again, or reject it",
                details={"field": "decision"},
                code="plan_errored",
            )
        now = utcnow()
        changes: dict[str, Any] = {
            "acted_by": actor,
            "action": VersionAction.DECIDED if decision is not None else VersionAction.EDITED,
        }
        # _advance copies the model without validating it: labels are redacted here (models.LabelText).
        note = redact_label(note) if note is not None else None
        if decision is not None:
            changes.update(
                decision=decision,
                decided_by=actor.name if actor is not None else None,
                decider=actor,
                decided_at=now,
                decision_note=note,
            )
        elif note is not None:
            changes["decision_note"] = note
        if title is not None:
            changes["title"] = redact_label(title)
        if tags is not None:
            changes["tags"] = [redact_label(tag) for tag in tags]
        updated = self._advance(current, expected_version, now, **changes)
        if decision is not None and self._repo.outbox is not None:
            # The decision's event sits in the outbox (same transaction): deliver it now, not at the
            # next scheduled sweep. The dispatcher never raises here; the sweep remains the safety net.
            self._dispatcher.notify(updated.id)
        return updated

    def rerun(self, review_id: str, *, expected_version: int | None, actor: Actor | None) -> Review:
        """A new PENDING version reviewed again from the stored plan."""
        current = self._repo.get(review_id)
        expected = current.latest_version if expected_version is None else expected_version
        new = self._advance_pending(current, expected, actor=actor, action=VersionAction.RERUN)
        self._dispatch(new)
        return new

    def replace_plan(self, review_id: str, plan: Any, *, actor: Actor | None = None) -> Review:
        """Swap in a fuller plan (e.g. the after_plan hook's) and review again."""
        current = self._repo.get(review_id)
        data, ref = prepare_plan(plan)
        _, ref.chunks = self._repo.blobs.put(data, ref.sha256)
        new = self._advance_pending(
            current, current.latest_version, actor=actor, action=VersionAction.PLAN_REPLACED, plan=ref
        )
        self._dispatch(new)
        return new

    def find_by_run(self, run_id: str) -> list[Review]:
        return self._repo.find_by_run(run_id)

    def update_run_state(
        self, review_id: str, *, run_state: str, state_version: int | None, seen: Review | None = None
    ) -> Review:
        """Record a later Spacelift run state (applied, discarded, …) on an existing review.

        With `seen`, the write lands only on that version (VersionConflict otherwise), so a caller that
        compared states on it never writes an older state over one that arrived meanwhile.
        """
        current = seen if seen is not None else self._repo.get(review_id)
        spacelift = (current.spacelift or SpaceliftInfo()).model_copy(
            update={"run_state": run_state, "state_version": state_version}
        )
        return self._advance(current, current.latest_version, utcnow(), spacelift=spacelift)

    def record(self, current: Review, **changes: Any) -> Review:
        """Write any other field change (reviewer, write-back) as the next version."""
        return self._advance(current, current.latest_version, utcnow(), **changes)

    def _advance_pending(
        self,
        current: Review,
        expected: int,
        *,
        actor: Actor | None,
        action: VersionAction | None = None,
        **extra: Any,
    ) -> Review:
        now = utcnow()
        version = expected + 1
        history = [*current.status_history, StatusEvent(status=ReviewStatus.PENDING, at=now, version=version)]
        return self._advance(
            current,
            expected,
            now,
            status=ReviewStatus.PENDING,
            decision=None,
            decided_by=None,
            decider=None,
            decided_at=None,
            acted_by=actor,
            action=action if actor is not None else None,
            decision_note=None,
            findings=[],
            risk=None,
            summary=None,
            ai=None,
            changes=[],
            changes_truncated=0,
            error=None,
            started_at=None,
            completed_at=None,
            duration_ms=None,
            status_history=history,
            writeback=None,
            attempts=1,
            **extra,
        )

    def _advance(self, current: Review, expected: int, now: Any, **changes: Any) -> Review:
        """Write the next version; `findings` and `changes`, when given, are the full lists."""
        version = expected + 1
        if "findings" in changes or "changes" in changes:
            # A document holds first pages only; the full lists are stored apart and paged.
            changes.update(
                pages.split_lists(
                    self._repo.segments,
                    current,
                    findings=changes.pop("findings", None),
                    changes=changes.pop("changes", None),
                )
            )
        if changes.get("summary") is not None:
            changes["summary"] = pages.bounded_summary(changes["summary"])
        # Who made a version belongs to that version only: the reviewer's later versions name nobody.
        changes.setdefault("acted_by", None)
        changes.setdefault("action", None)
        new = current.model_copy(
            update={**changes, "version": version, "latest_version": version, "updated_at": now}
        )
        # Re-validate so that model_copy's unchecked updates cannot store a malformed review.
        detail = new.detail
        new = Review.model_validate(new.model_dump())
        new.detail = detail
        return self._repo.write_version(current.model_copy(update={"latest_version": expected}), new)


def _default_title(spacelift: SpaceliftInfo | None, ref: PlanRef) -> str:
    if spacelift is not None and spacelift.stack_id:
        return f"{spacelift.stack_name or spacelift.stack_id}: run {spacelift.run_id or '?'}"
    return f"Plan {ref.sha256[:12]}"
