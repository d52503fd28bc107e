"""Write-back of a stored, completed Spacelift review: rendered report, exact mutations, recorded result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.core.ids import utcnow
from app.core.settings import Settings
from app.services.container import Services, build_services
from app.services.writeback import write_back_review
from app.storage.models import Review, ReviewSource, ReviewStatus, SpaceliftInfo
from reviewer.engine.results import Category, ChangeSummary, Finding, Risk, RiskLevel, Severity
from tests.fakes.spacelift import FakeSpacelift, fake_spacelift
from tests.support import simple_plan
from webhook.graphql import COMMENT_MUTATION, REVIEW_MUTATION, SpaceliftClient

pytestmark = pytest.mark.integration

KEY_ID, KEY_SECRET = "01KEYID0000000000000000000", "spacelift-key-secret"
STACK, RUN = "prod-network", "01JWRITEBACKRUN00000000000"


@pytest.fixture
def spacelift() -> Iterator[FakeSpacelift]:
    with fake_spacelift(api_keys={KEY_ID: KEY_SECRET}) as fake:
        fake.add_run(STACK, RUN)
        yield fake


def _settings(settings_factory: Any, spacelift: FakeSpacelift, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "spacelift_webhook_secret": "whsec-0123456789abcdef0123456789abcdef",
        "spacelift_api_endpoint": spacelift.url,
        "spacelift_api_key_id": KEY_ID,
        "spacelift_api_key_secret": KEY_SECRET,
        "spacelift_write_comment": True,
        "spacelift_write_review": True,
        "spacelift_reject_at": "HIGH",
    }
    values.update(overrides)
    settings: Settings = settings_factory(**values)
    return settings


def _completed_review(services: Services, level: RiskLevel) -> Review:
    review, _ = services.reviews.create_review(
        simple_plan(),
        source=ReviewSource.SPACELIFT,
        spacelift=SpaceliftInfo(
            account="acme", stack_id=STACK, run_id=RUN, run_state="UNCONFIRMED", state_version=5
        ),
    )
    finding = Finding(
        rule_id="TFR-DEL-001",
        title="Database deleted",
        severity=Severity.HIGH,
        category=Category.CHANGE,
        address="aws_db_instance.main",
        message="aws_db_instance.main is deleted",
    )
    return services.reviews.record(
        review,
        status=ReviewStatus.COMPLETED,
        summary=ChangeSummary(create=1, delete=1),
        findings=[finding],
        risk=Risk(score=70, level=level, reasons=["a database is deleted"]),
        completed_at=utcnow(),
    )


def test_completed_review_is_posted_and_recorded(settings_factory: Any, spacelift: FakeSpacelift) -> None:
    settings = _settings(settings_factory, spacelift)
    services = build_services(settings)
    review = _completed_review(services, RiskLevel.HIGH)
    result = write_back_review(services.reviews, review, settings)
    assert result is not None and result.ok
    writes = [c for c in spacelift.calls if c.root_field in ("runComment", "runReview")]
    assert [c.query for c in writes] == [COMMENT_MUTATION, REVIEW_MUTATION]
    body = writes[0].variables["body"]
    assert "aws_db_instance.main" in body and f"review {review.id}" in body
    assert writes[1].variables["decision"] == "REJECT"
    stored = services.reviews.get(review.id)
    assert stored.writeback is not None
    assert (stored.writeback.status, stored.writeback.comment_posted, stored.writeback.review_decision) == (
        "done",
        True,
        "REJECT",
    )
    # Idempotent: a second completion handler for the same run state posts nothing more.
    assert write_back_review(services.reviews, stored, settings) is None
    assert len(spacelift.runs[(STACK, RUN)].comments) == 1


def test_failures_are_recorded_never_raised(settings_factory: Any, spacelift: FakeSpacelift) -> None:
    settings = _settings(settings_factory, spacelift, spacelift_reject_at="CRITICAL")
    services = build_services(settings)
    review = _completed_review(services, RiskLevel.HIGH)
    spacelift.fail_next = [503] * 40
    client = SpaceliftClient(spacelift.url, KEY_ID, KEY_SECRET, sleep=lambda _: None)
    result = write_back_review(services.reviews, review, settings, client=client)
    assert result is not None and not result.ok
    stored = services.reviews.get(review.id)
    assert stored.writeback is not None and stored.writeback.status == "failed"
    assert stored.writeback.attempts == 1 and "SpaceliftTransientError" in (stored.writeback.error or "")
    assert stored.status is ReviewStatus.COMPLETED
    spacelift.fail_next = []
    retried = write_back_review(services.reviews, stored, settings, client=client)
    assert retried is not None and retried.ok and retried.decision is not None
    assert retried.decision.value == "APPROVE"
    assert services.reviews.get(review.id).writeback.attempts == 2  # type: ignore[union-attr]


def test_disabled_or_unconfigured(settings_factory: Any, spacelift: FakeSpacelift) -> None:
    off = _settings(settings_factory, spacelift, spacelift_write_comment=False, spacelift_write_review=False)
    services = build_services(off)
    review = _completed_review(services, RiskLevel.LOW)
    assert write_back_review(services.reviews, review, off) is None
    no_key = _settings(settings_factory, spacelift, spacelift_api_key_secret=None)
    services = build_services(no_key)
    review = _completed_review(services, RiskLevel.LOW)
    result = write_back_review(services.reviews, review, no_key)
    assert result is not None and result.errors == ["Spacelift API key is not configured"]
    assert spacelift.calls == []
