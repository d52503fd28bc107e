"""Daily counter items: deltas between two versions of a review, and reading them back."""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.storage import keys
from app.storage.models import Review, ReviewStatus

# Upper bounds (ms) of the review-duration histogram; p95 is read from these buckets.
DURATION_BUCKETS_MS: tuple[int, ...] = (
    250,
    500,
    1000,
    2000,
    5000,
    10_000,
    20_000,
    30_000,
    60_000,
    120_000,
    300_000,
)
OVERFLOW_BUCKET = "dur_inf"


def duration_bucket(duration_ms: int) -> str:
    for bound in DURATION_BUCKETS_MS:
        if duration_ms <= bound:
            return f"dur_le_{bound}"
    return OVERFLOW_BUCKET


def _state_counts(review: Review | None) -> Counter[str]:
    """The counters one review contributes while it is in this version's state."""
    counts: Counter[str] = Counter()
    if review is None:
        return counts
    counts["reviews"] += 1
    counts[f"status#{review.status.value}"] += 1
    if review.decision is not None:
        counts[f"decision#{review.decision.value}"] += 1
    if review.status is ReviewStatus.COMPLETED and review.risk is not None:
        counts[f"risk#{review.risk.level.value}"] += 1
        for finding in review.findings:
            counts[f"rule#{finding.rule_id}"] += 1
        if review.summary is not None:
            for resource_type, number in review.summary.by_type.items():
                counts[f"type#{resource_type}"] += number
    return counts


def counter_delta(old: Review | None, new: Review) -> dict[str, float]:
    """What to ADD to the creation day's counters when `old` becomes `new`."""
    delta: Counter[str] = Counter(_state_counts(new))
    delta.subtract(_state_counts(old))
    result: dict[str, float] = {name: value for name, value in delta.items() if value}
    newly_terminal = new.status.terminal and (old is None or not old.status.terminal)
    if newly_terminal and new.duration_ms is not None:
        result["dur_sum"] = new.duration_ms
        result["dur_count"] = 1
        result[duration_bucket(new.duration_ms)] = 1
    if newly_terminal and new.ai is not None:
        if new.ai.tokens_in:
            result["ai_tokens_in"] = new.ai.tokens_in
        if new.ai.tokens_out:
            result["ai_tokens_out"] = new.ai.tokens_out
        if new.ai.cost_usd:
            # Micro-dollars keep the counter an integer, so ADD stays exact.
            result["ai_cost_micro_usd"] = round(new.ai.cost_usd * 1_000_000)
    return result


def counter_updates(table: str, review: Review, delta: dict[str, float]) -> list[dict[str, Any]]:
    """TransactWriteItems Update operations for the ALL and STACK counter items of the review's day."""
    if not delta:
        return []
    day = review.created_at.date().isoformat()
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds: list[str] = []
    for index, (name, value) in enumerate(sorted(delta.items())):
        names[f"#c{index}"] = name
        values[f":c{index}"] = {"N": str(int(value)) if float(value).is_integer() else str(value)}
        adds.append(f"#c{index} :c{index}")
    expression = "ADD " + ", ".join(adds)
    targets: list[tuple[str, dict[str, str] | None]] = [(keys.STATS_ALL_SK, None)]
    stack_id = review.spacelift.stack_id if review.spacelift else None
    if stack_id:
        targets.append((keys.stats_stack_sk(stack_id), {"stack_id": stack_id}))
    operations = []
    for sort_key, extra in targets:
        update: dict[str, Any] = {
            "TableName": table,
            "Key": {keys.PK: {"S": keys.stats_pk(day)}, keys.SK: {"S": sort_key}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": dict(names),
            "ExpressionAttributeValues": dict(values),
        }
        if extra is not None and review.spacelift is not None:
            update["UpdateExpression"] = "SET #sid = :sid, #sname = :sname " + expression
            update["ExpressionAttributeNames"].update({"#sid": "stack_id", "#sname": "stack_name"})
            update["ExpressionAttributeValues"].update(
                {
                    ":sid": {"S": review.spacelift.stack_id or ""},
                    ":sname": {"S": review.spacelift.stack_name or review.spacelift.stack_id or ""},
                }
            )
        operations.append({"Update": update})
    return operations
