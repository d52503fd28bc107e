"""Every delivery order of a tracked and of a proposed run: one review each, the newest state wins.

Spacelift does not promise ordering (stateVersion exists for that). Whatever order a run's state
changes arrive in, a run that reached a plan-ready state gets exactly one review, and a newer run
state is never overwritten by an older one. Real DynamoDB Local, the Spacelift API faked over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import permutations
from typing import Any

import pytest

from app.core.settings import Settings
from app.services.container import Services, build_services
from app.services.spacelift import SpaceliftWebhookService, build_webhook_service
from tests.fakes.spacelift import FakeRun, FakeSpacelift, fake_spacelift
from tests.webhook.payloads import run_event
from webhook.signature import compute_signature

pytestmark = pytest.mark.integration

SECRET = "whsec-order-0123456789abcdef0123456789"
KEY_ID, KEY_SECRET = "01KEYID0000000000000000000", "order-key-secret"
STACK = "prod-network"
# (state, stateVersion) in the order Spacelift moves the run through them.
TRACKED = [("PLANNING", 2), ("UNCONFIRMED", 3), ("CONFIRMED", 4), ("APPLYING", 5), ("FINISHED", 6)]
PROPOSED = [("PLANNING", 2), ("PENDING_REVIEW", 3), ("FINISHED", 4)]
# A tracked run with autodeploy never stops at UNCONFIRMED; its plan was ready all the same.
AUTODEPLOY = [("PLANNING", 2), ("APPLYING", 3), ("FINISHED", 4)]
# Runs that never had a plan to review: no review, whatever the order.
NO_PLAN = [("QUEUED", 1), ("PLANNING", 2), ("FAILED", 3)]


@pytest.fixture
def spacelift() -> Iterator[FakeSpacelift]:
    with fake_spacelift(api_keys={KEY_ID: KEY_SECRET}) as fake:
        yield fake


@pytest.fixture
def wired(settings_factory: Any, spacelift: FakeSpacelift) -> tuple[Services, SpaceliftWebhookService]:
    settings: Settings = settings_factory(
        spacelift_webhook_secret=SECRET,
        spacelift_api_endpoint=spacelift.url,
        spacelift_api_key_id=KEY_ID,
        spacelift_api_key_secret=KEY_SECRET,
    )
    services = build_services(settings)
    return services, build_webhook_service(settings, services.reviews)


def _deliver(service: SpaceliftWebhookService, payload: dict[str, Any]) -> str:
    body = json.dumps(payload).encode()
    result = service.handle(body, {"X-Signature-256": compute_signature(SECRET, body)})
    return result.outcome.value


def _run_all_orders(
    wired: tuple[Services, SpaceliftWebhookService],
    spacelift: FakeSpacelift,
    run_type: str,
    states: list[tuple[str, int]],
    prefix: str,
) -> list[tuple[tuple[str, ...], Any]]:
    services, service = wired
    outcomes = []
    for number, order in enumerate(permutations(states)):
        run_id = f"01J{prefix}{number:04d}".ljust(26, "0")
        spacelift.add_run(
            STACK,
            run_id,
            FakeRun(
                changes=[{"address": "aws_s3_bucket.b", "previousAddress": "", "metadata": {"type": "ADD"}}]
            ),
        )
        for state, version in order:
            _deliver(service, run_event(state=state, state_version=version, run_type=run_type, run_id=run_id))
        # Redelivered, every one of them (Spacelift retries): still nothing more.
        for state, version in order:
            outcome = _deliver(
                service, run_event(state=state, state_version=version, run_type=run_type, run_id=run_id)
            )
            assert outcome == "duplicate", (order, state, outcome)
        outcomes.append((tuple(state for state, _ in order), services.reviews.find_by_run(run_id)))
    return outcomes


@pytest.mark.parametrize(
    ("run_type", "states", "prefix"),
    [("TRACKED", TRACKED, "TRK"), ("PROPOSED", PROPOSED, "PRP"), ("TRACKED", AUTODEPLOY, "AUT")],
    ids=["tracked", "proposed", "tracked-autodeploy"],
)
def test_every_order_gives_one_review_with_the_newest_state(
    wired: tuple[Services, SpaceliftWebhookService],
    spacelift: FakeSpacelift,
    run_type: str,
    states: list[tuple[str, int]],
    prefix: str,
) -> None:
    newest_state, newest_version = states[-1]
    orders = _run_all_orders(wired, spacelift, run_type, states, prefix)
    assert len(orders) == len(list(permutations(states)))
    for order, reviews in orders:
        assert len(reviews) == 1, (order, len(reviews))
        review = wired[0].reviews.get(reviews[0].id)
        assert review.spacelift is not None
        assert (review.spacelift.run_state, review.spacelift.state_version) == (
            newest_state,
            newest_version,
        ), order
        # Only the run state moved after creation: one plan, one review run dispatched.
        versions = wired[0].reviews.list_versions(review.id)
        assert {v.plan.sha256 for v in versions} == {versions[0].plan.sha256}
        assert all(v.status.value == "PENDING" for v in versions), order


def test_a_run_that_never_had_a_plan_gets_no_review_in_any_order(
    wired: tuple[Services, SpaceliftWebhookService], spacelift: FakeSpacelift
) -> None:
    for order, reviews in _run_all_orders(wired, spacelift, "TRACKED", NO_PLAN, "NOP"):
        assert reviews == [], order
