"""A short run of the load benchmark's mixed workload, then integrity checks over the whole table.

Concurrent creates, reads, lists, analytics and signed webhook deliveries (new runs, duplicates,
out-of-order state updates) against a child server process with the local reviewer running.
Afterwards: no 5xx, no review lost (every 202 is stored) or duplicated (one review per create and
per Spacelift run), every version history contiguous, every review reviewed, counters equal to the
number of reviews. The full benchmark with figures: python -m tests.benchmarks.bench_load.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.storage.client import dynamodb_client
from tests.benchmarks.bench_load import run_load
from tests.security.support import ServerProcess, contiguous_versions, scan_table
from tests.support import KEY_LINES, READ_AUTH

pytestmark = [pytest.mark.integration, pytest.mark.http]

SECRET = "whsec-load-integrity-0123456789abcdef0123"
DURATION = 10.0
CONCURRENCY = 8


@pytest.fixture
def server(dynamodb_endpoint: str) -> Iterator[tuple[ServerProcess, str]]:
    table = f"tfr-load-{uuid.uuid4().hex[:12]}"
    process = ServerProcess(
        {
            "TFR_ENV": "test",
            "TFR_TABLE_NAME": table,
            "TFR_DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_API_KEYS": ",".join(KEY_LINES),
            "TFR_DISPATCHER": "local",
            "TFR_LLM_PROVIDER": "none",
            "TFR_SPACELIFT_WEBHOOK_SECRET": SECRET,
            "TFR_LOG_LEVEL": "WARNING",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    try:
        process.wait_ready()
        yield process, table
    finally:
        process.stop()


def _current_items(endpoint: str, table: str) -> list[dict[str, Any]]:
    items = scan_table(dynamodb_client("us-east-1", endpoint), table)
    return [i for i in items if i["PK"]["S"].startswith("REVIEW#") and i["SK"]["S"] == "VERSION#0"]


def test_mixed_load_loses_and_duplicates_nothing(
    server: tuple[ServerProcess, str], dynamodb_endpoint: str
) -> None:
    process, table = server
    result = asyncio.run(run_load(process.url, duration=DURATION, concurrency=CONCURRENCY, secret=SECRET))
    assert result.server_errors == 0, result.summary()
    assert not result.errors, result.errors[:10]
    assert result.requests > 50 and result.created and result.run_reviews, result.summary()
    assert result.duplicates_sent and result.webhook_outcomes["duplicate"] >= 1, result.summary()

    # Every review finishes (the local reviewer works through the backlog).
    deadline = time.monotonic() + 90
    while True:
        current = _current_items(dynamodb_endpoint, table)
        pending = [
            i for i in current if i.get("GSI2PK", {}).get("S") in ("STATUS#PENDING", "STATUS#IN_PROGRESS")
        ]
        if not pending:
            break
        assert time.monotonic() < deadline, f"{len(pending)} reviews never finished"
        time.sleep(0.5)

    items = scan_table(dynamodb_client("us-east-1", dynamodb_endpoint), table)
    latest = contiguous_versions(items)  # no gaps, no orphan versions, no version without its review
    # Not lost: every accepted create and every webhook-created review is stored.
    created = set(result.created)
    assert len(created) == len(result.created)  # each 202 named a new review
    from_runs = {review_id for ids in result.run_reviews.values() for review_id in ids}
    assert all(len(ids) == 1 for ids in result.run_reviews.values()), result.run_reviews  # one per run
    assert set(latest) == created | from_runs
    # Not duplicated: one review per Spacelift run in the table itself.
    per_run = Counter(i["GSI1PK"]["S"] for i in _current_items(dynamodb_endpoint, table) if "GSI1PK" in i)
    assert per_run and max(per_run.values()) == 1, per_run.most_common(3)
    assert len(per_run) == len(result.run_reviews)
    statuses = Counter(i["GSI2PK"]["S"] for i in _current_items(dynamodb_endpoint, table))
    assert set(statuses) == {"STATUS#COMPLETED"}, statuses
    with httpx.Client(base_url=process.url, timeout=30) as http:
        totals = http.get("/api/analytics?days=2", headers=READ_AUTH).json()["totals"]
    assert totals["reviews"] == len(latest) and totals["completed"] == len(latest), totals
