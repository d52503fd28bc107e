"""Counters that scale: any number of resource types completes, counter items stay bounded, analytics
reads O(days) items, and a counter DynamoDB refuses never fails the review (real API + DynamoDB Local)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.services.container import build_services
from app.storage import keys, stats
from tests.support import READ_AUTH, WRITE_AUTH, live_server, wait_terminal

TYPES = 400


def many_types_plan(types: int) -> dict[str, Any]:
    """A plan creating one resource of each of `types` distinct types (a few per type for ranking)."""
    changes = []
    for index in range(types):
        for copy in range(1 + index % 3):
            changes.append(
                {
                    "address": f"vendor_thing_{index:04d}.r{copy}",
                    "mode": "managed",
                    "type": f"vendor_thing_{index:04d}",
                    "name": f"r{copy}",
                    "provider_name": "registry.terraform.io/acme/vendor",
                    "change": {
                        "actions": ["create"],
                        "before": None,
                        "after": {"n": copy},
                        "after_unknown": {},
                    },
                }
            )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": changes,
        "errored": False,
    }


@pytest.fixture
def stack(settings_factory: Any) -> Iterator[tuple[httpx.Client, Any]]:
    settings = settings_factory(dispatcher="local")
    services = build_services(settings)
    with live_server(create_app(settings, services)) as base, httpx.Client(base_url=base, timeout=60) as http:
        yield http, services
    services.close()


def day_items(services: Any, day: str) -> list[dict[str, Any]]:
    return list(services.repository.stats_items([day]))


def test_a_plan_with_400_resource_types_completes_and_counters_stay_bounded(
    stack: tuple[httpx.Client, Any],
) -> None:
    http, services = stack
    ids = []
    for _ in range(2):  # and a rerun: its deltas take back exactly what the first run added
        created = http.post("/api/reviews", json={"plan": many_types_plan(TYPES)}, headers=WRITE_AUTH)
        assert created.status_code == 202, created.text
        ids.append(created.json()["id"])
    for review_id in ids:
        review = wait_terminal(http, review_id)
        assert review["status"] == "COMPLETED", review.get("error")
        assert len(review["summary"]["by_type"]) == TYPES
    rerun = http.post(f"/api/reviews/{ids[0]}/rerun", headers=WRITE_AUTH)
    assert rerun.status_code == 202
    assert wait_terminal(http, ids[0])["status"] == "COMPLETED"

    day = review["created_at"][:10]
    items = day_items(services, day)
    all_item = next(item for item in items if item["SK"] == keys.STATS_ALL_SK)
    # The day's ALL item holds a fixed set of counters, whatever the plans hold.
    assert len(all_item) < 40 and not any(name.startswith(("type#", "rule#")) for name in all_item)
    dimension_items = [item for item in items if item["SK"].startswith(("TYPE#", "RULE#"))]
    type_items = {item["name"]: item["count"] for item in dimension_items if item["dimension"] == "TYPE"}
    # Both reviews count the same top types, plus one "(other)" item with the rest: 2 x 3 x 400 resources.
    assert len(type_items) == stats.TOP_DIMENSIONS + 1
    assert sum(type_items.values()) == 2 * sum(1 + i % 3 for i in range(TYPES))
    analytics = http.get("/api/analytics?days=7", headers=READ_AUTH).json()
    top = analytics["top_resource_types"]
    assert top and all(row["type"] != stats.OTHER for row in top) and top[0]["count"] == 6
    assert analytics["totals"]["completed"] == 2 and analytics["totals"]["reviews"] == 2


def test_a_counter_dynamodb_refuses_never_fails_the_review(
    stack: tuple[httpx.Client, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    http, _ = stack
    real = stats.counter_updates

    def refused(table: str, review: Any, delta: Any) -> list[dict[str, Any]]:
        operations = real(table, review, delta)
        if operations:
            # A sort key over DynamoDB's 1 KB limit: DynamoDB refuses this update with a ValidationException.
            operations.append(
                {
                    "Update": {
                        "TableName": table,
                        "Key": {keys.PK: {"S": "STATS#2026-01-01"}, keys.SK: {"S": "X" * 2000}},
                        "UpdateExpression": "ADD #c :c",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":c": {"N": "1"}},
                    }
                }
            )
        return operations

    monkeypatch.setattr("app.storage.reviews.counter_updates", refused)
    with caplog.at_level(logging.ERROR, logger="app.storage.reviews"):
        created = http.post("/api/reviews", json={"plan": many_types_plan(3)}, headers=WRITE_AUTH)
        assert created.status_code == 202, created.text
        assert wait_terminal(http, created.json()["id"])["status"] == "COMPLETED"
    assert any(record.getMessage() == "counters_skipped" for record in caplog.records)


def test_long_or_hostile_names_are_shortened_into_valid_keys() -> None:
    long_name = "x" * 5000
    shortened = stats._name(long_name)  # noqa: SLF001
    assert len(shortened) <= stats.MAX_NAME_CHARS and shortened != stats._name("x" * 4999)  # noqa: SLF001
    assert "#" not in stats._name("a#b")  # noqa: SLF001
    assert stats._name("aws_s3_bucket") == "aws_s3_bucket"  # noqa: SLF001
