"""Turns reviews into DynamoDB items and back; the only place that knows the item layout."""

from __future__ import annotations

import gzip
import json
from typing import Any

from app.core.ids import iso
from app.storage import keys
from app.storage.models import Review

# Review bodies above this (compressed) go to the blob store so the item stays under 400 KB.
INLINE_BODY_LIMIT = 300 * 1024

LIST_ATTRIBUTES = ("id", "list_json", "created_at")


def list_item(review: Review) -> dict[str, Any]:
    """The compact form shown in lists, with triage counts; no findings, changes, AI text or maps."""
    data = review.model_dump(
        mode="json",
        exclude={"findings", "changes", "ai", "status_history", "writeback", "metadata", "changes_truncated"},
    )
    if data.get("summary"):
        # by_type and by_module grow with the plan; a list row carries the action counts only.
        data["summary"].pop("by_type", None)
        data["summary"].pop("by_module", None)
    data["destroyed"] = review.summary.delete if review.summary else 0
    data["replaced"] = review.summary.replace if review.summary else 0
    data["plan_errored"] = bool(review.plan.errored)
    data["ai_status"] = review.ai.status.value if review.ai else None
    return data


def body_bytes(review: Review) -> bytes:
    return gzip.compress(review.model_dump_json().encode(), compresslevel=5, mtime=0)


def review_item(review: Review, *, current: bool, body: bytes, blob_sha: str | None) -> dict[str, Any]:
    """The DynamoDB item (low-level attribute values) for one version or the current copy."""
    created = iso(review.created_at)
    item: dict[str, Any] = {
        keys.PK: {"S": keys.review_pk(review.id)},
        keys.SK: {"S": keys.CURRENT_SK if current else keys.version_sk(review.version)},
        "id": {"S": review.id},
        "version": {"N": str(review.version)},
        "latest_version": {"N": str(review.latest_version)},
        "status": {"S": review.status.value},
        "created_at": {"S": created},
        "updated_at": {"S": iso(review.updated_at)},
        "title_lc": {"S": review.title.lower()},
        "list_json": {"S": json.dumps(list_item(review), separators=(",", ":"))},
    }
    if review.detail is not None:
        item["detail_json"] = {"S": review.detail.model_dump_json()}
    if blob_sha is None:
        item["body_gz"] = {"B": body}
    else:
        item["body_sha"] = {"S": blob_sha}
    if review.risk is not None:
        item["risk_level"] = {"S": review.risk.level.value}
    if review.decision is not None:
        item["decision"] = {"S": review.decision.value}
    if review.spacelift is not None:
        if review.spacelift.stack_id:
            item["stack_id"] = {"S": review.spacelift.stack_id}
        if review.spacelift.run_id:
            item["run_id"] = {"S": review.spacelift.run_id}
    if current:
        # Only the current item is indexed, so each review appears once in every index.
        item[keys.GSI2_PK] = {"S": keys.gsi2_pk(review.status.value)}
        item[keys.GSI2_SK] = {"S": keys.created_sk(created)}
        if review.spacelift is not None and review.spacelift.run_id:
            item[keys.GSI1_PK] = {"S": keys.gsi1_pk(review.spacelift.run_id)}
            item[keys.GSI1_SK] = {"S": keys.created_sk(created)}
    return item


def review_from_body(body: bytes) -> Review:
    return Review.model_validate_json(gzip.decompress(body))
