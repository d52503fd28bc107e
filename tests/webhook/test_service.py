"""The webhook use case with in-memory fakes: plan-source order, claims released on failure, logging."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest

from app.core.errors import ServiceUnavailable, Unauthorized
from app.core.settings import load_settings
from app.services.spacelift import GraphQLPlanFetcher, Outcome, SpaceliftWebhookService
from app.services.spacelift_signature import build_verifier, webhook_secrets
from app.storage.spacelift import ClaimOutcome, Ordering, RunReviewClaim
from tests.fakes.spacelift import FakeRun, fake_spacelift
from tests.webhook.payloads import POLICY_PAYLOAD, run_event
from webhook.graphql import SpaceliftClient
from webhook.signature import NoWebhookSecret, SignatureStatus, SignatureVerifier, compute_signature

SECRET = "whsec-unit-0123456789abcdef0123456789ab"


class Ledger:
    def __init__(self) -> None:
        self.claimed: dict[tuple[str, str, int], str] = {}
        self.released: list[tuple[str, str, int]] = []
        self.run_reviews: dict[tuple[str, str], str | None] = {}

    def latest(self, account: str, run_id: str, ordering: Ordering) -> tuple[int, str] | None:
        return None

    def claim(
        self, account: str, run_id: str, sequence: int, ordering: Ordering, *, state: str, kind: str
    ) -> ClaimOutcome:
        key = (account, run_id, sequence)
        if key in self.claimed:
            return ClaimOutcome.DUPLICATE
        self.claimed[key] = state
        return ClaimOutcome.NEW

    def release(self, account: str, run_id: str, sequence: int) -> None:
        self.claimed.pop((account, run_id, sequence), None)
        self.released.append((account, run_id, sequence))

    def claim_run_review(self, account: str, run_id: str) -> RunReviewClaim:
        if (account, run_id) in self.run_reviews:
            return RunReviewClaim(won=False, review_id=self.run_reviews[(account, run_id)])
        self.run_reviews[(account, run_id)] = None
        return RunReviewClaim(won=True)

    def run_review_id(self, account: str, run_id: str) -> str | None:
        return self.run_reviews.get((account, run_id))

    def set_run_review(self, account: str, run_id: str, review_id: str) -> None:
        self.run_reviews[(account, run_id)] = review_id

    def release_run_review(self, account: str, run_id: str) -> None:
        if self.run_reviews.get((account, run_id)) is None:
            self.run_reviews.pop((account, run_id), None)


class Reviews:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.created: list[dict[str, Any]] = []
        self.fail_with = fail_with

    def find_by_run(self, run_id: str) -> list[Any]:
        return []

    def create_review(self, plan: dict[str, Any], **kwargs: Any) -> tuple[Any, bool]:
        if self.fail_with is not None:
            raise self.fail_with
        self.created.append({"plan": plan, **kwargs})

        class Created:
            id = f"review-{len(self.created)}"

        return Created(), True


def service(reviews: Reviews, ledger: Ledger, fetcher: Any = None) -> SpaceliftWebhookService:
    return SpaceliftWebhookService(reviews, ledger, SignatureVerifier([SECRET]), lambda: fetcher)  # type: ignore[arg-type]


def signed(payload: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-Signature-256": compute_signature(SECRET, body)}


def test_bad_signature_raises_unauthorized_before_parsing() -> None:
    ledger = Ledger()
    with pytest.raises(Unauthorized):
        service(Reviews(), ledger).handle(b"{}", {"X-Signature-256": "sha256=" + "0" * 64})
    assert ledger.claimed == {}


def test_planning_log_is_used_when_the_change_list_is_missing() -> None:
    payload = copy.deepcopy(POLICY_PAYLOAD)
    payload["run"]["changes"] = None
    payload["planning_log"] = "  # aws_kms_key.k will be destroyed\n  # aws_s3_bucket.b will be created\n"
    reviews = Reviews()
    result = service(reviews, Ledger()).handle(*signed(payload))
    assert result.outcome is Outcome.CREATED and result.plan_source == "spacelift_planning_log"
    plan = reviews.created[0]["plan"]
    assert {rc["address"] for rc in plan["resource_changes"]} == {"aws_kms_key.k", "aws_s3_bucket.b"}


def test_unreplaced_log_placeholder_and_empty_changes_review_an_empty_plan() -> None:
    payload = copy.deepcopy(POLICY_PAYLOAD)
    payload["run"]["changes"] = []
    payload["planning_log"] = "spacelift::logs::planning"
    reviews = Reviews()
    result = service(reviews, Ledger()).handle(*signed(payload))
    assert result.outcome is Outcome.CREATED
    assert reviews.created[0]["plan"]["resource_changes"] == []


def test_graphql_fetcher_prefers_changes_then_logs() -> None:
    with fake_spacelift(api_keys={"id": "secret"}) as fake:
        fake.add_run("s", "with-changes", FakeRun(changes=[{"address": "a.b", "metadata": {"type": "ADD"}}]))
        fake.add_run("s", "with-log", FakeRun(logs={"PLANNING": ["  # aws_vpc.v will be created\n"]}))
        fake.add_run("s", "empty")
        fetcher = GraphQLPlanFetcher(SpaceliftClient(fake.url, "id", "secret", sleep=lambda _: None))
        with_changes = fetcher.fetch("s", "with-changes")
        assert with_changes is not None and with_changes[1] == "spacelift_changes_v3"
        with_log = fetcher.fetch("s", "with-log")
        assert with_log is not None and with_log[1] == "spacelift_planning_log"
        assert fetcher.fetch("s", "empty") is None


def test_claims_are_released_when_processing_fails() -> None:
    ledger = Ledger()
    payload = run_event(state="FINISHED", state_version=3, run_type="PROPOSED")
    payload_policy = copy.deepcopy(POLICY_PAYLOAD)
    with pytest.raises(ServiceUnavailable):
        service(Reviews(fail_with=ServiceUnavailable("db down")), ledger).handle(*signed(payload_policy))
    with pytest.raises(RuntimeError):
        service(Reviews(fail_with=RuntimeError("bug")), ledger).handle(*signed(payload_policy))
    assert ledger.claimed == {} and len(ledger.released) == 2
    assert ledger.run_reviews == {}, "a failed creation gives the run's creation claim back"
    # No plan anywhere is a permanent answer: the claim stays.
    assert service(Reviews(), ledger).handle(*signed(payload)).outcome is Outcome.NO_PLAN
    assert len(ledger.claimed) == 1


def test_unknown_fields_are_logged_by_name_only(caplog: pytest.LogCaptureFixture) -> None:
    payload = run_event(state="PLANNING", state_version=2)
    payload["mysteryField"] = "do-not-log-this-value"
    with caplog.at_level(logging.INFO):
        result = service(Reviews(), Ledger()).handle(*signed(payload))
    assert result.outcome is Outcome.NO_REVIEW
    records = [r for r in caplog.records if r.getMessage() == "spacelift.unknown_fields"]
    assert records and "mysteryField" in records[0].__dict__["fields"]
    assert "do-not-log-this-value" not in caplog.text


def test_verifier_from_settings() -> None:
    from_manager = load_settings(
        env="prod", spacelift_webhook_secret_id="arn:secret", spacelift_webhook_secret_previous="old"
    )
    assert webhook_secrets(from_manager, lambda secret_id: f"{secret_id}-value\n") == [
        "arn:secret-value",
        "old",
    ]
    verifier = build_verifier(from_manager, lambda _: "fetched")
    assert verifier is not None
    assert verifier.verify(b"x", compute_signature("fetched", b"x")) is SignatureStatus.VALID
    assert verifier.verify(b"x", compute_signature("old", b"x")) is SignatureStatus.VALID
    with pytest.raises(NoWebhookSecret):
        build_verifier(load_settings(env="prod"))
    assert build_verifier(load_settings(env="dev", spacelift_allow_unsigned=True)) is None


def _held_by_another_creator(ledger: Ledger) -> tuple[str, str]:
    key = (POLICY_PAYLOAD["account"], POLICY_PAYLOAD["run"]["id"])
    ledger.run_reviews[key] = None  # claimed, no review id yet
    return key


def test_a_delivery_waiting_on_a_creator_that_gives_up_creates_the_review_itself() -> None:
    ledger, reviews = Ledger(), Reviews()
    account, run_id = _held_by_another_creator(ledger)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:  # the other delivery found no plan and released its claim
            ledger.release_run_review(account, run_id)

    webhook = SpaceliftWebhookService(reviews, ledger, SignatureVerifier([SECRET]), lambda: None, sleep=sleep)  # type: ignore[arg-type]
    result = webhook.handle(*signed(POLICY_PAYLOAD))
    assert result.outcome is Outcome.CREATED and len(reviews.created) == 1
    assert ledger.run_reviews[(account, run_id)] == result.review_id


def test_a_creator_still_working_after_the_wait_makes_a_retryable_503_and_releases_the_delivery() -> None:
    ledger, reviews = Ledger(), Reviews()
    _held_by_another_creator(ledger)
    slept: list[float] = []
    webhook = SpaceliftWebhookService(
        reviews,  # type: ignore[arg-type]
        ledger,
        SignatureVerifier([SECRET]),
        lambda: None,
        sleep=slept.append,
    )
    with pytest.raises(ServiceUnavailable):
        webhook.handle(*signed(POLICY_PAYLOAD))
    # Long enough for a creator on a busy host, short of the API's 30 s limit.
    assert 15 <= sum(slept) <= 25
    assert reviews.created == [] and len(ledger.released) == 1
