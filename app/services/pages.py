"""Bounded documents: a review keeps first pages of its findings and changes; the rest is paged."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter

from app.core.errors import BadRequest
from app.storage.models import (
    ListRef,
    ResourceChangeView,
    Review,
    ReviewDetail,
    severity_counts,
)
from app.storage.segments import SegmentStore
from reviewer.engine.results import SEVERITY_RANK, ChangeSummary, Finding

# The first page embedded in a review document, and the default page of the paged resources.
FIRST_PAGE_ITEMS = 100
# A page stops before its items pass this many bytes of JSON (it always holds at least one item),
# so that a page of any `limit` stays far below Lambda's 6 MB response limit even uncompressed.
PAGE_BYTES = 1024 * 1024
# Summary maps (by type, by module) keep their largest entries; the rest is summed under OTHER_KEY.
SUMMARY_MAP_ENTRIES = 500
OTHER_KEY = "(other)"
_CHANGES = TypeAdapter(list[ResourceChangeView])


def finding_order(finding: Finding) -> tuple[int, int, str, str]:
    """Introduced (or worsened) findings first, then posture; worst first within each."""
    return (
        0 if finding.introduced else 1,
        -SEVERITY_RANK[finding.severity],
        finding.address or "",
        finding.rule_id,
    )


def encode_finding(finding: Finding) -> bytes:
    return orjson.dumps(finding)


def encode_change(change: ResourceChangeView | dict[str, Any]) -> bytes:
    if isinstance(change, ResourceChangeView):
        return change.model_dump_json().encode()
    try:
        return orjson.dumps(change)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits from the plan
        return json.dumps(change, ensure_ascii=False, separators=(",", ":")).encode()


def first_page(encoded: Sequence[bytes], limit: int = FIRST_PAGE_ITEMS) -> int:
    """How many leading items fit the first page (by count and by bytes)."""
    size = 0
    for index, item in enumerate(encoded[:limit]):
        size += len(item) + 1
        if index > 0 and size > PAGE_BYTES:
            return index
    return min(limit, len(encoded))


def _bounded_map(counts: dict[str, int]) -> dict[str, int]:
    if len(counts) <= SUMMARY_MAP_ENTRIES:
        return counts
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = dict(ranked[: SUMMARY_MAP_ENTRIES - 1])
    kept[OTHER_KEY] = kept.get(OTHER_KEY, 0) + sum(number for _, number in ranked[SUMMARY_MAP_ENTRIES - 1 :])
    return kept


def bounded_summary(summary: ChangeSummary) -> ChangeSummary:
    """The change summary with by_type and by_module cut to their largest entries plus "(other)"."""
    if len(summary.by_type) <= SUMMARY_MAP_ENTRIES and len(summary.by_module) <= SUMMARY_MAP_ENTRIES:
        return summary
    return replace(summary, by_type=_bounded_map(summary.by_type), by_module=_bounded_map(summary.by_module))


def split_lists(
    segments: SegmentStore,
    current: Review,
    *,
    findings: list[Finding] | None,
    changes: Sequence[ResourceChangeView | dict[str, Any]] | None,
) -> dict[str, Any]:
    """Field updates for a version given its full lists: first pages inline, the rest stored."""
    detail = (current.detail or ReviewDetail()).model_copy()
    updates: dict[str, Any] = {}
    if findings is not None:
        ordered = sorted(findings, key=finding_order)
        encoded = [encode_finding(finding) for finding in ordered]
        head = first_page(encoded)
        detail.findings = segments.put(encoded) if head < len(ordered) else None
        rules: dict[str, int] = {}
        posture_rules: dict[str, int] = {}
        for finding in ordered:
            rules[finding.rule_id] = rules.get(finding.rule_id, 0) + 1
            if not finding.introduced:
                posture_rules[finding.rule_id] = posture_rules.get(finding.rule_id, 0) + 1
        detail.rule_counts, detail.posture_rule_counts = rules, posture_rules
        every, introduced, posture = severity_counts(ordered)
        updates.update(
            findings=ordered[:head],
            findings_total=len(ordered),
            finding_counts=every,
            introduced_counts=introduced,
            posture_count=posture,
        )
    if changes is not None:
        encoded = [encode_change(change) for change in changes]
        head = first_page(encoded)
        detail.changes = segments.put(encoded) if head < len(changes) else None
        updates.update(
            changes=_CHANGES.validate_python(changes[:head]),
            changes_total=len(changes),
            changes_truncated=len(changes) - head,
        )
    updates["detail"] = detail
    return updates


# Paging ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a paged resource, ready to send."""

    items: list[Any]
    next_cursor: str | None
    total: int

    def to_json(self) -> bytes:
        return orjson.dumps({"items": self.items, "next_cursor": self.next_cursor, "total": self.total})


def _fingerprint(kind: str, filters: Iterable[Any]) -> str:
    return hashlib.sha256(orjson.dumps([kind, *filters])).hexdigest()[:12]


def encode_cursor(kind: str, version: int, offset: int, filters: Iterable[Any]) -> str:
    raw = orjson.dumps({"v": version, "o": offset, "f": _fingerprint(kind, filters)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, filters: Iterable[Any]) -> tuple[int, int]:
    """(version, offset) of a cursor made for the same resource and filters; 400 otherwise."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        version, offset, fingerprint = data["v"], data["o"], data["f"]
    except (ValueError, KeyError, TypeError):
        raise BadRequest("cursor is not valid; start again without it", code="invalid_cursor") from None
    if not (isinstance(version, int) and isinstance(offset, int) and version >= 1 and 0 <= offset < 10**9):
        raise BadRequest("cursor is not valid; start again without it", code="invalid_cursor")
    if fingerprint != _fingerprint(kind, filters):
        raise BadRequest("cursor belongs to other filters; start again without it", code="invalid_cursor")
    return version, offset


def collect(
    items: Iterator[tuple[int, Any]],
    *,
    limit: int,
    keep: Callable[[Any], bool],
    max_bytes: int = PAGE_BYTES,
) -> tuple[list[Any], int | None]:
    """Up to `limit` kept items (and at most max_bytes of them); the offset to resume at, if any."""
    taken: list[Any] = []
    size = 0
    for index, item in items:
        if not keep(item):
            continue
        item_size = len(orjson.dumps(item)) + 1
        if len(taken) >= limit or (taken and size + item_size > max_bytes):
            return taken, index
        taken.append(item)
        size += item_size
    return taken, None


def listed(
    segments: SegmentStore, ref: ListRef | None, head: Sequence[Any], offset: int
) -> Iterator[tuple[int, Any]]:
    """(index, JSON-ready item) of a full list from offset: the stored segments, or the inline page."""
    if ref is not None:
        yield from segments.iterate(ref, offset)
        return
    for index in range(offset, len(head)):
        item = head[index]
        yield (
            index,
            item.model_dump(mode="json") if isinstance(item, BaseModel) else orjson.loads(orjson.dumps(item)),
        )


def findings_total(review: Review, severity: str | None, introduced: bool | None) -> int:
    """How many findings match the filters, from the counts stored with the version."""
    if introduced is None:
        counts = review.finding_counts
    else:
        counts = review.introduced_counts if introduced else review.posture_counts()
    return sum(counts.values()) if severity is None else counts.get(severity, 0)
