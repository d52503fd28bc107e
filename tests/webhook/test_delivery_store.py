"""Spacelift delivery records on DynamoDB Local: once per (account, run, sequence), never older than seen."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.core.settings import Settings
from app.services.container import build_services
from app.storage import keys
from app.storage.client import dynamodb_client
from app.storage.spacelift import ClaimOutcome, Ordering, RunReviewClaim, SpaceliftDeliveryStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store(settings: Settings) -> SpaceliftDeliveryStore:
    build_services(settings)  # creates the table
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    return SpaceliftDeliveryStore(client, settings.resolved_table_name, clock=lambda: 1_800_000_000.0)


def claim(
    store: SpaceliftDeliveryStore, sequence: int, run_id: str = "run-1", account: str = "acme"
) -> ClaimOutcome:
    return store.claim(account, run_id, sequence, Ordering.STATE_VERSION, state="X", kind="run_event")


def test_duplicates_and_older_states_are_dropped(store: SpaceliftDeliveryStore) -> None:
    assert claim(store, 5) is ClaimOutcome.NEW
    assert claim(store, 5) is ClaimOutcome.DUPLICATE
    assert claim(store, 3) is ClaimOutcome.STALE
    assert claim(store, 3) is ClaimOutcome.DUPLICATE
    assert claim(store, 7) is ClaimOutcome.NEW
    assert claim(store, 6) is ClaimOutcome.STALE
    assert store.highest("acme", "run-1", Ordering.STATE_VERSION) == 7
    # Other runs and other accounts are independent.
    assert claim(store, 1, run_id="run-2") is ClaimOutcome.NEW
    assert claim(store, 5, account="other") is ClaimOutcome.NEW


def test_orderings_are_tracked_separately(store: SpaceliftDeliveryStore) -> None:
    assert claim(store, 9) is ClaimOutcome.NEW
    updated_ns = 1_767_225_600_123_456_789
    assert (
        store.claim("acme", "run-1", updated_ns, Ordering.UPDATED_NS, state="Y", kind="policy")
        is ClaimOutcome.NEW
    )
    assert claim(store, 10) is ClaimOutcome.NEW
    assert store.highest("acme", "run-1", Ordering.UPDATED_NS) == updated_ns


def test_release_lets_the_retry_through(store: SpaceliftDeliveryStore) -> None:
    assert claim(store, 4) is ClaimOutcome.NEW
    store.release("acme", "run-1", 4)
    assert claim(store, 4) is ClaimOutcome.NEW


def test_records_carry_a_ttl(store: SpaceliftDeliveryStore, settings: Settings) -> None:
    claim(store, 2)
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    item = client.get_item(
        TableName=settings.resolved_table_name,
        Key={keys.PK: {"S": "SPACELIFT#acme#run-1"}, keys.SK: {"S": keys.spacelift_state_sk(2)}},
    )["Item"]
    assert int(item[keys.TTL_ATTRIBUTE]["N"]) == 1_800_000_000 + 30 * 86400


def test_concurrent_claims_of_one_delivery_have_one_winner(store: SpaceliftDeliveryStore) -> None:
    with ThreadPoolExecutor(max_workers=32) as pool:
        outcomes = list(pool.map(lambda _: claim(store, 12, run_id="hot"), range(100)))
    assert outcomes.count(ClaimOutcome.NEW) == 1
    assert outcomes.count(ClaimOutcome.DUPLICATE) == 99


def test_one_creator_per_run_with_an_expiring_lease(settings: Settings) -> None:
    build_services(settings)
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    now = [1_800_000_000.0]
    store = SpaceliftDeliveryStore(client, settings.resolved_table_name, clock=lambda: now[0])
    assert store.claim_run_review("acme", "run-9").won
    assert store.claim_run_review("acme", "run-9") == RunReviewClaim(won=False, review_id=None)
    now[0] += 61  # the creator crashed: its lease runs out and a retry takes over
    assert store.claim_run_review("acme", "run-9").won
    store.set_run_review("acme", "run-9", "01JREVIEW")
    now[0] += 3600  # a created review is never given away
    assert store.claim_run_review("acme", "run-9") == RunReviewClaim(won=False, review_id="01JREVIEW")
    assert store.run_review_id("acme", "run-9") == "01JREVIEW"
    store.release_run_review("acme", "run-9")
    assert store.run_review_id("acme", "run-9") == "01JREVIEW"
    assert store.claim_run_review("acme", "run-10").won
    store.release_run_review("acme", "run-10")
    assert store.claim_run_review("acme", "run-10").won
