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


def body_bytes(document: bytes) -> bytes:
    """The review's JSON as stored inline in its items (body_gz)."""
    return gzip.compress(document, compresslevel=5, mtime=0)


def review_items(
    review: Review, *, body: bytes, blob_sha: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The DynamoDB items (low-level attribute values) of one version and of the current copy.

    `body` is the gzipped document, or `blob_sha` names the blob holding it when it is too large.
    """
    created = iso(review.created_at)
    version_item: dict[str, Any] = {
        keys.PK: {"S": keys.review_pk(review.id)},
        keys.SK: {"S": keys.version_sk(review.version)},
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
        version_item["detail_json"] = {"S": review.detail.model_dump_json()}
    if blob_sha is None:
        version_item["body_gz"] = {"B": body}
    else:
        version_item["body_sha"] = {"S": blob_sha}
    if review.risk is not None:
        version_item["risk_level"] = {"S": review.risk.level.value}
    if review.decision is not None:
        version_item["decision"] = {"S": review.decision.value}
    if review.spacelift is not None:
        if review.spacelift.stack_id:
            version_item["stack_id"] = {"S": review.spacelift.stack_id}
        if review.spacelift.run_id:
            version_item["run_id"] = {"S": review.spacelift.run_id}
    # Only the current item is indexed, so each review appears once in every index.
    current_item = {
        **version_item,
        keys.SK: {"S": keys.CURRENT_SK},
        keys.GSI2_PK: {"S": keys.gsi2_pk(review.status.value)},
        keys.GSI2_SK: {"S": keys.created_sk(created)},
    }
    if review.spacelift is not None and review.spacelift.run_id:
        current_item[keys.GSI1_PK] = {"S": keys.gsi1_pk(review.spacelift.run_id)}
        current_item[keys.GSI1_SK] = {"S": keys.created_sk(created)}
    return version_item, current_item


def review_from_body(body: bytes) -> Review:
    return Review.model_validate_json(gzip.decompress(body))
