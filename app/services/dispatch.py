"""Hands a stored review version to the reviewer: a Lambda async invoke, or a local worker thread."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from app.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_lambda.client import LambdaClient

logger = logging.getLogger(__name__)


class ReviewDispatcher(Protocol):
    """Starts the reviewer for one version of one review; must not block on the review itself."""

    def dispatch(self, review_id: str, version: int) -> None: ...


class LambdaDispatcher:
    """Invokes the reviewer Lambda asynchronously (InvocationType=Event)."""

    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def dispatch(self, review_id: str, version: int) -> None:
        payload = json.dumps({"review_id": review_id, "version": version}).encode()
        try:
            self._client.invoke(FunctionName=self._function_name, InvocationType="Event", Payload=payload)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("dispatch_failed", extra={"review_id": review_id, "error": type(exc).__name__})
            raise ServiceUnavailable(
                "the reviewer could not be started; the review stays PENDING and will be retried",
                details={"review_id": review_id, "reason": "reviewer_unavailable"},
            ) from exc


class LocalDispatcher:
    """Runs the reviewer entry point in a worker thread of this process (local mode)."""

    def __init__(self, run: Callable[[dict[str, Any]], Any], workers: int = 2) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reviewer")

    def dispatch(self, review_id: str, version: int) -> None:
        self._pool.submit(self._safe_run, {"review_id": review_id, "version": version})

    def _safe_run(self, event: dict[str, Any]) -> None:
        try:
            self._run(event)
        except Exception:
            logger.exception("local_review_crashed", extra={"review_id": event["review_id"]})

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


class NullDispatcher:
    """Leaves reviews PENDING (tests of the API alone, or a reviewer running elsewhere)."""

    def __init__(self) -> None:
        self.dispatched: list[tuple[str, int]] = []

    def dispatch(self, review_id: str, version: int) -> None:
        self.dispatched.append((review_id, version))
