"""Hands a stored review version to the reviewer: a Lambda async invoke, or a local worker thread."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from app.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_lambda.client import LambdaClient

logger = logging.getLogger(__name__)

# Local redeliveries of an event whose run hit a store outage (Lambda retries an async event twice).
REDELIVERIES = 4


def _subject(event: dict[str, Any]) -> Any:
    """The review an event is about: a review run's or a notification delivery's."""
    return event.get("review_id", event.get("notify"))


class ReviewDispatcher(Protocol):
    """Starts the reviewer for one version of one review; must not block on the review itself."""

    def dispatch(self, review_id: str, version: int) -> None: ...

    def notify(self, review_id: str) -> None:
        """Have the reviewer deliver the review's due events now (a decision the API wrote); never raises."""
        ...


class LambdaDispatcher:
    """Invokes the reviewer Lambda asynchronously (InvocationType=Event)."""

    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def _invoke(self, event: dict[str, Any]) -> None:
        payload = json.dumps(event).encode()
        self._client.invoke(FunctionName=self._function_name, InvocationType="Event", Payload=payload)

    def dispatch(self, review_id: str, version: int) -> None:
        try:
            self._invoke({"review_id": review_id, "version": version})
        except (ClientError, BotoCoreError) as exc:
            logger.warning("dispatch_failed", extra={"review_id": review_id, "error": type(exc).__name__})
            raise ServiceUnavailable(
                "the reviewer could not be started; the review stays PENDING and will be retried",
                details={"review_id": review_id, "reason": "reviewer_unavailable"},
            ) from exc

    def notify(self, review_id: str) -> None:
        try:
            self._invoke({"notify": review_id})
        except (ClientError, BotoCoreError) as exc:
            # The events stay due in the outbox: the next scheduled sweep delivers them.
            logger.warning("notify_deferred", extra={"review_id": review_id, "error": type(exc).__name__})


class LocalDispatcher:
    """Runs the review run in a worker thread of this process (local mode).

    Like Lambda's async retries, an event whose run raised ServiceUnavailable (the store stayed down
    past the reviewer's own retries) is run again after a backoff, a bounded number of times; after
    that the sweeper hands the review out again. No event is dropped because a claim failed.
    """

    def __init__(
        self,
        run: Callable[[dict[str, Any]], Any] | None = None,
        workers: int = 2,
        *,
        redeliveries: int = REDELIVERIES,
        redelivery_base_seconds: float = 2.0,
    ) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reviewer")
        self._redeliveries = redeliveries
        self._base = redelivery_base_seconds
        self._lock = threading.Lock()
        self._timers: set[threading.Timer] = set()
        self._closed = False

    def start(self, run: Callable[[dict[str, Any]], Any]) -> None:
        """Set the callable that runs one event (built after the dispatcher, which the sweep needs)."""
        self._run = run

    def dispatch(self, review_id: str, version: int) -> None:
        self._submit({"review_id": review_id, "version": version}, 0)

    def notify(self, review_id: str) -> None:
        self._submit({"notify": review_id}, 0)

    def _submit(self, event: dict[str, Any], delivery: int) -> None:
        with self._lock:
            if self._closed:
                logger.warning("local_dispatch_after_shutdown", extra={"review_id": _subject(event)})
                return
            self._pool.submit(self._safe_run, event, delivery)

    def _safe_run(self, event: dict[str, Any], delivery: int) -> None:
        if self._run is None:
            raise RuntimeError("LocalDispatcher.start() was not called")
        try:
            self._run(event)
        except ServiceUnavailable:
            self._redeliver(event, delivery + 1)
        except Exception:
            logger.exception("local_review_crashed", extra={"review_id": _subject(event)})

    def _redeliver(self, event: dict[str, Any], delivery: int) -> None:
        if delivery > self._redeliveries:
            logger.warning("local_redelivery_exhausted", extra={"review_id": _subject(event)})
            return
        delay = self._base * 2 ** (delivery - 1)
        logger.info("local_redelivery", extra={"review_id": _subject(event), "delivery": delivery})

        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
            self._submit(event, delivery)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            if self._closed:
                return
            self._timers.add(timer)
        timer.start()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            timers, self._timers = list(self._timers), set()
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=True, cancel_futures=False)


class NullDispatcher:
    """Leaves reviews PENDING (tests of the API alone, or a reviewer running elsewhere)."""

    def __init__(self) -> None:
        self.dispatched: list[tuple[str, int]] = []
        self.notified: list[str] = []

    def dispatch(self, review_id: str, version: int) -> None:
        self.dispatched.append((review_id, version))

    def notify(self, review_id: str) -> None:
        self.notified.append(review_id)
