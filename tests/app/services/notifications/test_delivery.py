"""The outbox on DynamoDB Local: one event per (review, version, kind), one send per channel under the
lease, a lost deliverer's event taken over once its lease runs out, backoff, and routing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.settings import NotificationChannel
from app.services.container import build_repository
from app.services.dispatch import NullDispatcher
from app.services.notifications.delivery import LEASE_SECONDS, Notifier, backoff_seconds
from app.services.notifications.events import channel_wants, kinds_raised, routed_channels
from app.services.notifications.senders import DeliveryError
from app.services.reviews import ReviewService
from app.storage.models import Decision, Review, ReviewStatus, SpaceliftInfo
from reviewer.engine.results import Risk, RiskLevel
from tests.support import simple_plan

pytestmark = [pytest.mark.integration]

CHANNELS = [{"name": "hook", "type": "webhook", "min_level": "LOW"}]


class Recorder:
    """Stands in for Senders: records each send, failing the first `fail` of them."""

    def __init__(self, fail: int = 0, retryable: bool = True) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail
        self.retryable = retryable

    def get(self, name: str) -> Any:
        recorder = self

        class One:
            def send(self, detail: dict[str, Any], idempotency_key: str) -> None:
                if recorder.fail:
                    recorder.fail -= 1
                    raise DeliveryError("HTTP 503", retryable=recorder.retryable)
                recorder.sent.append((name, idempotency_key))

        return One()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def completed_review(
    settings: Any, level: RiskLevel = RiskLevel.HIGH, stack: str | None = None
) -> tuple[Any, Review]:
    repository = build_repository(settings)
    reviews = ReviewService(repository, NullDispatcher())
    spacelift = SpaceliftInfo(stack_id=stack, run_id="run-1") if stack else None
    review, _ = reviews.create_review(simple_plan(), spacelift=spacelift)
    review = reviews.record(review, status=ReviewStatus.IN_PROGRESS, started_at=review.created_at)
    done = reviews.record(review, status=ReviewStatus.COMPLETED, risk=Risk(score=70, level=level))
    return repository, done


def test_two_deliverers_send_each_channel_once(settings_factory: Any) -> None:
    settings = settings_factory(notify_channels=json.dumps(CHANNELS))
    repository, done = completed_review(settings)
    recorder = Recorder()
    first = Notifier(settings=settings, store=repository.outbox, senders=recorder)  # type: ignore[arg-type]
    second = Notifier(settings=settings, store=repository.outbox, senders=recorder)  # type: ignore[arg-type]
    first.deliver_review(done.id)
    second.deliver_review(done.id)
    second.deliver_due()
    assert recorder.sent == [("hook", f"{done.id}:{done.version}:completed:hook")]


def test_a_lost_deliverers_event_is_taken_over_after_its_lease(settings_factory: Any) -> None:
    settings = settings_factory(notify_channels=json.dumps(CHANNELS))
    repository, done = completed_review(settings)
    clock = Clock()
    # A deliverer that claimed the event and died before sending or releasing it.
    assert repository.outbox.claim(
        done.id, done.version, "completed", owner="gone", now=clock.now, lease_seconds=LEASE_SECONDS
    )
    recorder = Recorder()
    notifier = Notifier(settings=settings, store=repository.outbox, senders=recorder, clock=clock)  # type: ignore[arg-type]
    notifier.deliver_due()
    assert recorder.sent == []  # its lease still runs
    clock.now += timedelta(seconds=LEASE_SECONDS + 1)
    notifier.deliver_due()
    notifier.deliver_due()
    assert len(recorder.sent) == 1


def test_failures_back_off_then_fail_for_good_without_touching_the_review(settings_factory: Any) -> None:
    settings = settings_factory(
        notify_channels=json.dumps(CHANNELS), notify_max_attempts=3, notify_retry_base_seconds=10
    )
    repository, done = completed_review(settings)
    clock = Clock()
    recorder = Recorder(fail=10)
    notifier = Notifier(settings=settings, store=repository.outbox, senders=recorder, clock=clock)  # type: ignore[arg-type]
    notifier.deliver_review(done.id)
    notifier.deliver_due()  # not due yet: the backoff runs
    (event,) = repository.outbox.for_review(done.id)
    state = event.channels["hook"]
    assert (state.status, state.attempts, state.last_error) == ("pending", 1, "HTTP 503")
    assert state.next_attempt_at == clock.now + timedelta(seconds=backoff_seconds(settings, 1))
    for _ in range(2):
        clock.now += timedelta(seconds=3600)
        notifier.deliver_due()
    (event,) = repository.outbox.for_review(done.id)
    assert (event.channels["hook"].status, event.channels["hook"].attempts) == ("failed", 3)
    assert repository.outbox.due(clock.now + timedelta(days=1)) == []  # settled: out of the due index
    current = repository.get(done.id)
    assert current.status is ReviewStatus.COMPLETED and current.latest_version == done.latest_version


def test_one_event_per_version_and_kind() -> None:
    base = Review.model_validate(
        {
            "id": "01JAAAAAAAAAAAAAAAAAAAAAAA",
            "version": 2,
            "latest_version": 2,
            "status": "IN_PROGRESS",
            "plan": {"sha256": "0" * 64, "bytes": 1},
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )
    completed = base.model_copy(update={"status": ReviewStatus.COMPLETED, "version": 3})
    assert kinds_raised(base, completed) == ["completed"]
    assert kinds_raised(completed, completed.model_copy(update={"title": "renamed"})) == []
    decided = completed.model_copy(update={"decision": Decision.APPROVED, "decided_at": base.created_at})
    assert kinds_raised(completed, decided) == ["decided"]
    assert kinds_raised(decided, decided.model_copy(update={"tags": ["x"]})) == []
    failed = base.model_copy(update={"status": ReviewStatus.FAILED})
    assert kinds_raised(base, failed) == ["failed"]


@pytest.mark.parametrize(
    ("channel", "level", "stack", "wanted"),
    [
        ({"min_level": "HIGH"}, RiskLevel.HIGH, None, True),
        ({"min_level": "HIGH"}, RiskLevel.MEDIUM, None, False),
        ({"min_level": "HIGH"}, RiskLevel.CRITICAL, None, True),
        ({"min_level": "LOW", "stacks": ["prod-*"]}, RiskLevel.LOW, "prod-network", True),
        ({"min_level": "LOW", "stacks": ["prod-*"]}, RiskLevel.LOW, "dev-network", False),
        ({"min_level": "LOW", "stacks": ["prod-*"]}, RiskLevel.LOW, None, False),
    ],
)
def test_threshold_and_stack_routing(
    channel: dict[str, Any], level: RiskLevel, stack: str | None, wanted: bool
) -> None:
    config = NotificationChannel.model_validate({"name": "c", "type": "slack", **channel})
    review = Review.model_validate(
        {
            "id": "01JAAAAAAAAAAAAAAAAAAAAAAA",
            "version": 3,
            "latest_version": 3,
            "status": "COMPLETED",
            "plan": {"sha256": "0" * 64, "bytes": 1},
            "risk": {"score": 50, "level": level.value},
            "spacelift": {"stack_id": stack} if stack else None,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )
    assert channel_wants(config, "completed", review) is wanted


def test_failures_and_decisions_follow_their_switches(settings_factory: Any) -> None:
    channels = [
        {"name": "all", "type": "slack"},
        {"name": "quiet", "type": "slack", "on_failure": False, "on_decision": False},
    ]
    settings = settings_factory(notify_channels=json.dumps(channels), event_bus_name="default")
    _, done = completed_review(settings, RiskLevel.LOW)
    assert routed_channels(settings, "failed", done) == ["eventbridge", "all"]
    assert routed_channels(settings, "decided", done) == ["eventbridge", "all"]
    assert routed_channels(settings, "completed", done) == ["eventbridge"]  # LOW is under HIGH


def test_the_sweep_leaves_what_exceeds_its_time_budget_for_the_next(settings_factory: Any) -> None:
    settings = settings_factory(notify_channels=json.dumps(CHANNELS))
    repository, done = completed_review(settings)
    recorder = Recorder()
    notifier = Notifier(settings=settings, store=repository.outbox, senders=recorder)  # type: ignore[arg-type]
    assert notifier.deliver_due(budget_seconds=-1) == 0 and recorder.sent == []
    assert notifier.deliver_due() == 1 and len(recorder.sent) == 1


def test_a_decision_asks_the_reviewer_to_deliver_now_only_when_events_are_kept(settings_factory: Any) -> None:
    notifying = settings_factory(notify_channels=json.dumps(CHANNELS))
    repository, done = completed_review(notifying)
    dispatcher = NullDispatcher()
    reviews = ReviewService(repository, dispatcher)
    edited = reviews.update(done.id, expected_version=done.latest_version, actor=None, note="looked at it")
    assert dispatcher.notified == []  # a note alone raises no event
    reviews.update(done.id, expected_version=edited.latest_version, actor=None, decision=Decision.APPROVED)
    assert dispatcher.notified == [done.id]

    silent = settings_factory()  # no channel, no event bus: nothing is kept, nothing to deliver
    repository, done = completed_review(silent)
    dispatcher = NullDispatcher()
    ReviewService(repository, dispatcher).update(
        done.id, expected_version=done.latest_version, actor=None, decision=Decision.REJECTED
    )
    assert dispatcher.notified == []
