"""Delivery of outbox events: at least once per channel, retried with backoff, recorded per channel.

The reviewer delivers a review's events right after its final write; the sweep (a schedule on AWS,
a thread locally) delivers the rest: decisions, retries, and whatever a crashed deliverer left. A
delivery never touches the review itself, so it can never change the review's status.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.errors import ServiceUnavailable
from app.core.ids import utcnow
from app.core.logging import emit_metric
from app.core.settings import Settings
from app.services.notifications.senders import DeliveryError, Senders
from app.storage.outbox import DeliveryState, OutboxEvent, OutboxStore

logger = logging.getLogger(__name__)

# Longer than one pass over an event's channels (10 s per HTTP send), so a live deliverer keeps it.
LEASE_SECONDS = 180
MAX_BACKOFF_SECONDS = 3600.0
MAX_ERROR_CHARS = 300
# The sweep Lambda runs 120 s; deliveries get at most this much of it (slow receivers wait for the next).
DUE_BUDGET_SECONDS = 60.0


def idempotency_key(event: OutboxEvent, channel: str) -> str:
    """The same for every delivery of one (review, version, kind, channel): receivers drop repeats by it."""
    return f"{event.review_id}:{event.version}:{event.kind}:{channel}"


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """Wait after the n-th failed attempt: base, 2x base, 4x base, ... at most an hour."""
    return float(min(MAX_BACKOFF_SECONDS, settings.notify_retry_base_seconds * 2 ** (attempts - 1)))


@dataclass
class Notifier:
    """Delivers due outbox events to their channels."""

    settings: Settings
    store: OutboxStore
    senders: Senders
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    def deliver_review(self, review_id: str) -> None:
        """Deliver a review's events that are due (the reviewer, right after the final write)."""
        now = self.clock()
        for event in self.store.for_review(review_id):
            due = event.next_due()
            if due is not None and due <= now:
                self.deliver(event.review_id, event.version, event.kind)

    def deliver_due(self, budget_seconds: float = DUE_BUDGET_SECONDS) -> int:
        """Deliver events with a channel due now (the sweep), within a time budget; how many were handled."""
        handled = 0
        deadline = time.monotonic() + budget_seconds
        for review_id, version, kind in self.store.due(self.clock()):
            if time.monotonic() > deadline:
                break  # the rest stay due: the next sweep takes them
            try:
                self.deliver(review_id, version, kind)
                handled += 1
            except ServiceUnavailable:
                logger.warning("notification_interrupted", extra={"review_id": review_id})
        return handled

    def deliver(self, review_id: str, version: int, kind: str) -> None:
        """Send each due, pending channel of one event under the event's lease, recording each outcome."""
        event = self.store.claim(
            review_id, version, kind, owner=self.owner, now=self.clock(), lease_seconds=LEASE_SECONDS
        )
        if event is None:
            return  # another deliverer holds it
        try:
            for channel, state in sorted(event.channels.items()):
                now = self.clock()
                if state.status != "pending" or (state.next_attempt_at and state.next_attempt_at > now):
                    continue
                event.channels[channel] = self._attempt(event, channel, state)
                if not self.store.save_channel(event, channel, event.channels[channel], owner=self.owner):
                    logger.warning("notification_lease_lost", extra={"review_id": review_id})
                    return
        finally:
            self.store.release(event, owner=self.owner)

    def _attempt(self, event: OutboxEvent, channel: str, state: DeliveryState) -> DeliveryState:
        now = self.clock()
        attempts = state.attempts + 1
        where = {
            "review_id": event.review_id,
            "version": event.version,
            "kind": event.kind,
            "channel": channel,
        }
        try:
            self.senders.get(channel).send(event.detail, idempotency_key(event, channel))
        except DeliveryError as exc:
            error, retryable = exc.reason[:MAX_ERROR_CHARS], exc.retryable
        except Exception as exc:  # a bug in one channel must not stop the others
            logger.exception("notification_crashed", extra=where)
            error, retryable = f"sender error: {type(exc).__name__}", True
        else:
            logger.info("notification_sent", extra={**where, "attempts": attempts})
            # The last error stays: it says why an event went out late.
            return DeliveryState(
                status="sent",
                attempts=attempts,
                last_error=state.last_error,
                last_attempt_at=now,
                sent_at=now,
            )
        if retryable and attempts < self.settings.notify_max_attempts:
            retry_at = now + timedelta(seconds=backoff_seconds(self.settings, attempts))
            logger.warning("notification_retry", extra={**where, "attempts": attempts, "error": error})
            return DeliveryState(
                status="pending",
                attempts=attempts,
                last_error=error,
                last_attempt_at=now,
                next_attempt_at=retry_at,
            )
        logger.error("notification_failed", extra={**where, "attempts": attempts, "error": error})
        emit_metric("NotificationsFailed", 1, env=self.settings.env)
        return DeliveryState(status="failed", attempts=attempts, last_error=error, last_attempt_at=now)
