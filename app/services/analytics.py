"""Analytics over the daily counter items: O(days), never a scan of reviews."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from app.storage.reviews import ReviewRepository
from app.storage.stats import COUNT_ATTRIBUTE, DURATION_BUCKETS_MS, OTHER, OVERFLOW_BUCKET
from reviewer.engine.results import RiskLevel

STATUSES = ("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED")
DECISIONS = ("APPROVED", "REJECTED")


def _by_prefix(item: dict[str, Any], prefix: str, names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(item.get(f"{prefix}#{name}", 0)) for name in names}


def _p95(buckets: Counter[str], total: int) -> int | None:
    """The upper bound of the histogram bucket that holds the 95th percentile."""
    if total <= 0:
        return None
    threshold = 0.95 * total
    seen = 0
    for bound in DURATION_BUCKETS_MS:
        seen += buckets.get(f"dur_le_{bound}", 0)
        if seen >= threshold:
            return bound
    return DURATION_BUCKETS_MS[-1] if buckets.get(OVERFLOW_BUCKET, 0) == 0 else None


def analytics(
    repository: ReviewRepository, *, days: int, today: date, rule_titles: dict[str, str]
) -> dict[str, Any]:
    """Totals, daily series, top rules and types, stacks, durations and AI usage for the last N days."""
    day_list = [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]
    items = repository.stats_items(day_list)
    risks = tuple(level.value for level in RiskLevel)
    daily_all: dict[str, dict[str, Any]] = {}
    stacks: dict[str, Counter[str]] = defaultdict(Counter)
    stack_names: dict[str, str] = {}
    totals: Counter[str] = Counter()
    dimensions: dict[str, Counter[str]] = {"RULE": Counter(), "TYPE": Counter()}
    for item in items:
        day = str(item["PK"]).removeprefix("STATS#")
        sort_key = str(item["SK"])
        kind = sort_key.split("#", 1)[0]
        if kind in dimensions:
            dimensions[kind][str(item.get("name", sort_key.split("#", 1)[-1]))] += int(
                item.get(COUNT_ATTRIBUTE, 0)
            )
            continue
        numbers = Counter({k: int(v) for k, v in item.items() if isinstance(v, int | float | Decimal)})
        if sort_key == "ALL":
            daily_all[day] = item
            totals.update(numbers)
        else:
            stack_id = str(item.get("stack_id") or str(item["SK"]).removeprefix("STACK#"))
            stacks[stack_id].update(numbers)
            stack_names[stack_id] = str(item.get("stack_name") or stack_id)
    daily = []
    for day in day_list:
        item = daily_all.get(day, {})
        daily.append(
            {
                "date": day,
                "reviews": int(item.get("reviews", 0)),
                "by_status": _by_prefix(item, "status", STATUSES),
                "by_risk": _by_prefix(item, "risk", risks),
                "by_decision": _by_prefix(item, "decision", DECISIONS),
            }
        )
    total_dict = dict(totals)
    # Counters written before dimension items existed live as rule#/type# attributes of ALL items.
    for prefix, kind in (("rule#", "RULE"), ("type#", "TYPE")):
        for name, value in totals.items():
            if name.startswith(prefix):
                dimensions[kind][name.removeprefix(prefix)] += value
    # OTHER sums each review's smaller types and rules: not one of them, so not in a top list.
    rules = Counter({k: v for k, v in dimensions["RULE"].items() if v > 0 and k != OTHER})
    types = Counter({k: v for k, v in dimensions["TYPE"].items() if v > 0 and k != OTHER})
    duration_count = totals.get("dur_count", 0)
    stack_rows = [
        {
            "stack_id": stack_id,
            "stack_name": stack_names.get(stack_id, stack_id),
            "reviews": counts.get("reviews", 0),
            "failed": counts.get("status#FAILED", 0),
            "by_risk": {level: counts.get(f"risk#{level}", 0) for level in risks},
        }
        for stack_id, counts in stacks.items()
    ]
    stack_rows.sort(key=lambda row: (-int(str(row["reviews"])), str(row["stack_id"])))
    return {
        "days": days,
        "from": day_list[0],
        "to": day_list[-1],
        "totals": {
            "reviews": totals.get("reviews", 0),
            "completed": totals.get("status#COMPLETED", 0),
            "failed": totals.get("status#FAILED", 0),
            "by_status": _by_prefix(total_dict, "status", STATUSES),
            "by_risk": _by_prefix(total_dict, "risk", risks),
            "by_decision": _by_prefix(total_dict, "decision", DECISIONS),
        },
        "daily": daily,
        "top_rules": [
            {"rule_id": rule_id, "title": rule_titles.get(rule_id, rule_id), "count": count}
            for rule_id, count in rules.most_common(10)
        ],
        "top_resource_types": [{"type": name, "count": count} for name, count in types.most_common(10)],
        "stacks": stack_rows[:50],
        "duration": {
            "mean_ms": round(totals.get("dur_sum", 0) / duration_count) if duration_count else None,
            "p95_ms": _p95(totals, duration_count),
        },
        "ai": {
            "tokens_in": totals.get("ai_tokens_in", 0),
            "tokens_out": totals.get("ai_tokens_out", 0),
            "cost_usd": round(totals.get("ai_cost_micro_usd", 0) / 1_000_000, 6),
        },
    }
