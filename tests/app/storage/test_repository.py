"""The review repository against the real DynamoDB Local: versions, races, blobs, listing, counters."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.errors import BadRequest, IdempotencyConflict, NotFound, VersionConflict
from app.core.ids import new_ulid
from app.core.settings import Settings
from app.storage import keys
from app.storage.bootstrap import ensure_table
from app.storage.client import dynamodb_client
from app.storage.models import Decision, PlanRef, Review, ReviewStatus, SpaceliftInfo, StatusEvent
from app.storage.plans import BlobStore
from app.storage.reviews import IdempotentReplay, ListFilters, ReviewRepository
from reviewer.engine.results import AIReview, AIStatus, Category, Finding, Risk, RiskLevel, Severity


def _repo(settings: Settings) -> ReviewRepository:
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    table = settings.resolved_table_name
    if settings.create_table:
        ensure_table(client, table)
    return ReviewRepository(client, table, BlobStore(client, table, 1), 1)


def _review(created: datetime | None = None, **extra: Any) -> Review:
    now = created or datetime.now(UTC)
    values: dict[str, Any] = {
        "id": new_ulid(int(now.timestamp() * 1000)),
        "version": 1,
        "latest_version": 1,
        "status": ReviewStatus.PENDING,
        "title": "test review",
        "plan": PlanRef(sha256="0" * 64, bytes=10),
        "status_history": [StatusEvent(status=ReviewStatus.PENDING, at=now, version=1)],
        "created_at": now,
        "updated_at": now,
    }
    values.update(extra)
    return Review(**values)


def _next(review: Review, **changes: Any) -> Review:
    version = review.latest_version + 1
    return review.model_copy(update={**changes, "version": version, "latest_version": version})


def test_create_then_read_current_and_version(settings: Settings) -> None:
    repo = _repo(settings)
    review = repo.create(_review())
    assert repo.get(review.id) == review
    assert repo.get_version(review.id, 1) == review
    with pytest.raises(NotFound):
        repo.get_version(review.id, 2)
    with pytest.raises(NotFound):
        repo.get(new_ulid())


def test_versions_are_immutable_and_conflicts_are_detected(settings: Settings) -> None:
    repo = _repo(settings)
    first = repo.create(_review())
    second = repo.write_version(first, _next(first, title="renamed"))
    with pytest.raises(VersionConflict) as raised:
        repo.write_version(first, _next(first, title="stale writer"))
    assert raised.value.details["current"]["latest_version"] == 2
    assert [v.title for v in repo.list_versions(first.id)] == ["test review", "renamed"]
    assert repo.get(first.id) == second


def test_twenty_concurrent_writers_leave_contiguous_versions(settings: Settings) -> None:
    repo = _repo(settings)
    base = repo.create(_review())
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        barrier.wait()
        try:
            repo.write_version(base, _next(base, title=f"writer {n}"))
            result = "won"
        except VersionConflict:
            result = "409"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1 and outcomes.count("409") == 19
    versions = repo.list_versions(base.id)
    assert [v.version for v in versions] == [1, 2]
    assert repo.get(base.id) == versions[-1]


def test_large_blob_round_trips_in_chunks(settings: Settings) -> None:
    repo = _repo(settings)
    data = os.urandom(2 * 1024 * 1024)  # incompressible: forces ~6 chunks
    sha, chunks = repo.blobs.put(data)
    assert chunks >= 5
    assert repo.blobs.get(sha) == data
    with pytest.raises(NotFound):
        repo.blobs.get("f" * 64)


def test_review_too_large_for_one_item_spills_to_blob(settings: Settings) -> None:
    repo = _repo(settings)
    findings = [
        Finding(
            rule_id=f"TFR-X-{i}",
            title="x",
            severity=Severity.LOW,
            category=Category.CHANGE,
            message=os.urandom(400).hex(),
            address=f"aws_s3_bucket.b{i}",
        )
        for i in range(1200)
    ]
    review = repo.create(_review(findings=findings))
    assert repo.get(review.id).findings == findings


def test_idempotency_key_same_body_replays_other_body_conflicts(settings: Settings) -> None:
    repo = _repo(settings)
    first = repo.create(_review(), idempotency_key="k1", body_sha="a")
    with pytest.raises(IdempotentReplay) as replay:
        repo.create(_review(), idempotency_key="k1", body_sha="a")
    assert replay.value.review_id == first.id
    with pytest.raises(IdempotencyConflict):
        repo.create(_review(), idempotency_key="k1", body_sha="b")


def _record_calls(repo: ReviewRepository) -> list[str]:
    calls: list[str] = []
    client = repo._client  # noqa: SLF001 - the test records what the repository asks DynamoDB

    def before_call(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    client.meta.events.register("before-call.dynamodb.*", before_call)
    return calls


def test_listing_is_newest_first_paginates_and_never_scans(settings: Settings) -> None:
    repo = _repo(settings)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    created = []
    for i in range(23):
        review = repo.create(_review(start + timedelta(minutes=i), title=f"r{i:02d}"))
        if i % 3 == 0:
            review = repo.write_version(review, _next(review, status=ReviewStatus.COMPLETED))
        created.append(review)
    calls = _record_calls(repo)
    seen: list[str] = []
    cursor = None
    while True:
        items, cursor = repo.list_reviews(ListFilters(), limit=5, cursor=cursor)
        seen += [item["title"] for item in items]
        if cursor is None:
            break
    assert seen == [f"r{i:02d}" for i in range(22, -1, -1)]
    completed, _ = repo.list_reviews(ListFilters(status=ReviewStatus.COMPLETED), limit=50, cursor=None)
    assert [i["title"] for i in completed] == [f"r{i:02d}" for i in range(21, -1, -3)]
    assert "Scan" not in calls and set(calls) == {"Query"}


def test_filters_search_and_run_lookup(settings: Settings) -> None:
    repo = _repo(settings)
    a = repo.create(_review(title="Prod database", spacelift=SpaceliftInfo(stack_id="prod", run_id="RUN1")))
    b = repo.create(
        _review(title="Staging bucket", spacelift=SpaceliftInfo(stack_id="staging", run_id="RUN2"))
    )
    repo.write_version(
        b,
        _next(
            b,
            status=ReviewStatus.COMPLETED,
            risk=Risk(score=80, level=RiskLevel.HIGH),
            decision=Decision.APPROVED,
        ),
    )

    def titles(**f: Any) -> list[str]:
        return [i["title"] for i in repo.list_reviews(ListFilters(**f), limit=10, cursor=None)[0]]

    assert titles(stack_id="prod") == ["Prod database"]
    assert titles(risk_level="HIGH") == ["Staging bucket"]
    assert titles(decision="APPROVED") == ["Staging bucket"]
    assert titles(decision="NONE") == ["Prod database"]
    assert titles(query="database") == ["Prod database"]
    assert titles(query="RUN2") == ["Staging bucket"]
    assert titles(run_id="RUN1") == ["Prod database"]
    assert [r.id for r in repo.find_by_run("RUN1")] == [a.id]


def test_cursor_from_other_filters_or_garbage_is_rejected(settings: Settings) -> None:
    repo = _repo(settings)
    for _ in range(3):
        repo.create(_review())
    _, cursor = repo.list_reviews(ListFilters(), limit=1, cursor=None)
    assert cursor
    with pytest.raises(BadRequest):
        repo.list_reviews(ListFilters(stack_id="x"), limit=1, cursor=cursor)
    with pytest.raises(BadRequest):
        repo.list_reviews(ListFilters(), limit=1, cursor="not-a-cursor")


def test_counters_follow_status_changes_in_the_same_transaction(settings: Settings) -> None:
    repo = _repo(settings)
    day = datetime(2026, 11, 20, 12, tzinfo=UTC)
    review = repo.create(_review(day, spacelift=SpaceliftInfo(stack_id="prod", stack_name="Prod")))
    review = repo.write_version(review, _next(review, status=ReviewStatus.IN_PROGRESS))
    review = repo.write_version(
        review,
        _next(
            review,
            status=ReviewStatus.COMPLETED,
            duration_ms=1500,
            risk=Risk(score=90, level=RiskLevel.CRITICAL),
            findings=[
                Finding(
                    rule_id="R1", title="t", severity=Severity.HIGH, category=Category.CHANGE, message="m"
                )
            ],
        ),
    )
    repo.write_version(review, _next(review, decision=Decision.REJECTED))
    calls = _record_calls(repo)
    items = {item["SK"]: item for item in repo.stats_items(["2026-11-20"])}
    assert set(calls) == {"Query"}
    total = items["ALL"]
    assert total["reviews"] == 1
    assert (
        total["status#COMPLETED"] == 1 and total["status#PENDING"] == 0 and total["status#IN_PROGRESS"] == 0
    )
    assert total["risk#CRITICAL"] == 1 and total["decision#REJECTED"] == 1
    assert items[keys.stats_dimension_sk("RULE", "R1")]["count"] == 1
    assert total["dur_sum"] == 1500 and total["dur_count"] == 1
    assert items[keys.stats_stack_sk("prod")]["stack_name"] == "Prod"


def test_the_day_totals_are_one_read_of_the_all_item(settings: Settings) -> None:
    """What the reviewer's token budget reads: the ALL item, not every stack, type and rule item of the day."""
    repo = _repo(settings)
    day = datetime(2026, 11, 22, 12, tzinfo=UTC)
    review = repo.create(_review(day, spacelift=SpaceliftInfo(stack_id="prod")))
    review = repo.write_version(review, _next(review, status=ReviewStatus.IN_PROGRESS))
    repo.write_version(
        review,
        _next(
            review,
            status=ReviewStatus.COMPLETED,
            duration_ms=900,
            risk=Risk(score=10, level=RiskLevel.LOW),
            ai=AIReview(status=AIStatus.OK, tokens_in=1200, tokens_out=300),
        ),
    )
    every = {item["SK"]: item for item in repo.stats_items(["2026-11-22"])}
    calls = _record_calls(repo)
    totals = repo.day_totals("2026-11-22")
    assert calls == ["GetItem"]
    assert totals == every["ALL"] and len(every) > 1
    assert (totals["ai_tokens_in"], totals["ai_tokens_out"]) == (1200, 300)
    assert repo.day_totals("2026-11-23") == {}


def test_outage_is_service_unavailable(settings: Settings) -> None:
    from app.core.errors import ServiceUnavailable

    dead = settings.model_copy(update={"dynamodb_endpoint_url": "http://127.0.0.1:9", "create_table": False})
    dynamodb_client.cache_clear()
    repo = _repo(dead)
    with pytest.raises(ServiceUnavailable):
        repo.get(new_ulid())


def test_a_review_seen_under_two_statuses_is_listed_once_at_its_newest_version(settings: Settings) -> None:
    repo = _repo(settings)
    review = repo.create(_review(title="moving"))
    current = repo.write_version(review, _next(review, status=ReviewStatus.IN_PROGRESS))
    # What a lagging index shows while the status changes: the old entry under STATUS#PENDING.
    stale = repo._client.get_item(  # noqa: SLF001
        TableName=settings.resolved_table_name,
        Key={keys.PK: {"S": keys.review_pk(review.id)}, keys.SK: {"S": keys.version_sk(1)}},
    )["Item"]
    stale.update(
        {
            keys.SK: {"S": "VERSION#0-stale"},
            keys.GSI2_PK: {"S": keys.gsi2_pk("PENDING")},
            keys.GSI2_SK: current_item_sort_key(repo, settings, review.id),
        }
    )
    repo._client.put_item(TableName=settings.resolved_table_name, Item=stale)  # noqa: SLF001
    items, _ = repo.list_reviews(ListFilters(), limit=10, cursor=None)
    assert [(i["id"], i["status"], i["version"]) for i in items] == [(current.id, "IN_PROGRESS", 2)]


def current_item_sort_key(repo: ReviewRepository, settings: Settings, review_id: str) -> Any:
    item = repo._client.get_item(  # noqa: SLF001
        TableName=settings.resolved_table_name,
        Key={keys.PK: {"S": keys.review_pk(review_id)}, keys.SK: {"S": keys.CURRENT_SK}},
    )["Item"]
    return item[keys.GSI2_SK]
