"""Daily counter items: deltas between two versions of a review, as bounded transaction updates."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
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


# A review contributes its TOP_DIMENSIONS largest resource types and rules (by count) to per-day
# dimension items; the rest is summed under OTHER. That bounds the operations of a version's
# transaction (at most 2 x (TOP_DIMENSIONS + 1) dimension updates) and its expression sizes, however
# many types a plan has, while the day's ALL item keeps only a fixed set of counters.
TOP_DIMENSIONS = 20
OTHER = "(other)"
# Sort keys may be 1 KB; a longer (hostile) type or rule name is shortened with a digest of it.
MAX_NAME_CHARS = 200
COUNT_ATTRIBUTE = "count"


def _name(name: str) -> str:
    if len(name) <= MAX_NAME_CHARS and "#" not in name:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{name[: MAX_NAME_CHARS - 14].replace('#', '_')}~{digest}"


def _top_of(kind: str, counts: dict[str, int]) -> Counter[tuple[str, str]]:
    """The largest entries of one dimension, the rest summed under OTHER."""
    ranked = sorted(((n, c) for n, c in counts.items() if c), key=lambda nc: (-nc[1], nc[0]))
    top: Counter[tuple[str, str]] = Counter()
    for name, count in ranked[:TOP_DIMENSIONS]:
        top[(kind, _name(name))] += count
    rest = sum(count for _, count in ranked[TOP_DIMENSIONS:])
    if rest:
        top[(kind, OTHER)] += rest
    return top


def _state_counts(review: Review | None) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """The counters one review contributes while it is in this version's state: (fixed, dimensions)."""
    counts: Counter[str] = Counter()
    dimensions: Counter[tuple[str, str]] = Counter()
    if review is None:
        return counts, dimensions
    counts["reviews"] += 1
    counts[f"status#{review.status.value}"] += 1
    if review.decision is not None:
        counts[f"decision#{review.decision.value}"] += 1
    if review.status is ReviewStatus.COMPLETED and review.risk is not None:
        counts[f"risk#{review.risk.level.value}"] += 1
        dimensions.update(_top_of("RULE", review.rule_counts()))
        if review.summary is not None:
            dimensions.update(_top_of("TYPE", review.summary.by_type))
    return counts, dimensions


@dataclass(frozen=True)
class CounterDelta:
    """What to ADD when one version becomes the next: fixed counters and dimension counters."""

    fixed: dict[str, float]
    dimensions: dict[tuple[str, str], int]

    def __bool__(self) -> bool:
        return bool(self.fixed or self.dimensions)


def counter_delta(old: Review | None, new: Review) -> CounterDelta:
    """What to ADD to the creation day's counters when `old` becomes `new`."""
    new_fixed, new_dimensions = _state_counts(new)
    old_fixed, old_dimensions = _state_counts(old)
    new_fixed.subtract(old_fixed)
    new_dimensions.subtract(old_dimensions)
    result: dict[str, float] = {name: value for name, value in new_fixed.items() if value}
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
    return CounterDelta(result, {key: value for key, value in new_dimensions.items() if value})


def _number(value: float) -> dict[str, str]:
    return {"N": str(int(value)) if float(value).is_integer() else str(value)}


def counter_updates(table: str, review: Review, delta: CounterDelta) -> list[dict[str, Any]]:
    """TransactWriteItems Updates: the day's ALL item, the stack's item (fixed counters only) and one
    small item per resource type or rule the review counts in."""
    if not delta:
        return []
    day = review.created_at.date().isoformat()
    operations: list[dict[str, Any]] = []
    if delta.fixed:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds: list[str] = []
        for index, (name, value) in enumerate(sorted(delta.fixed.items())):
            names[f"#c{index}"] = name
            values[f":c{index}"] = _number(value)
            adds.append(f"#c{index} :c{index}")
        expression = "ADD " + ", ".join(adds)
        operations.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {keys.PK: {"S": keys.stats_pk(day)}, keys.SK: {"S": keys.STATS_ALL_SK}},
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": dict(names),
                    "ExpressionAttributeValues": dict(values),
                }
            }
        )
        stack_id = review.spacelift.stack_id if review.spacelift else None
        if stack_id and review.spacelift is not None:
            operations.append(
                {
                    "Update": {
                        "TableName": table,
                        "Key": {
                            keys.PK: {"S": keys.stats_pk(day)},
                            keys.SK: {"S": keys.stats_stack_sk(_name(stack_id))},
                        },
                        "UpdateExpression": "SET #sid = :sid, #sname = :sname " + expression,
                        "ExpressionAttributeNames": {**names, "#sid": "stack_id", "#sname": "stack_name"},
                        "ExpressionAttributeValues": {
                            **values,
                            ":sid": {"S": stack_id},
                            ":sname": {"S": review.spacelift.stack_name or stack_id},
                        },
                    }
                }
            )
    for (kind, name), value in sorted(delta.dimensions.items()):
        operations.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {
                        keys.PK: {"S": keys.stats_pk(day)},
                        keys.SK: {"S": keys.stats_dimension_sk(kind, name)},
                    },
                    "UpdateExpression": "SET #dim = :dim, #name = :name ADD #count :count",
                    "ExpressionAttributeNames": {
                        "#dim": "dimension",
                        "#name": "name",
                        "#count": COUNT_ATTRIBUTE,
                    },
                    "ExpressionAttributeValues": {
                        ":dim": {"S": kind},
                        ":name": {"S": name},
                        ":count": _number(value),
                    },
                }
            }
        )
    return operations
