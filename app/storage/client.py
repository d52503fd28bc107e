"""The DynamoDB client and the translation of its failures into domain errors."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.core import aws
from app.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient as DynamoDBClient
else:
    DynamoDBClient = Any

logger = logging.getLogger(__name__)
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# Throttling and server faults are worth a retry by the client; everything else is a bug or bad input.
_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)
T = TypeVar("T")


@lru_cache(maxsize=8)
def dynamodb_client(region: str, endpoint_url: str | None) -> DynamoDBClient:
    """A low-level DynamoDB client with short timeouts, shared per endpoint."""
    config = Config(
        connect_timeout=2,
        read_timeout=10,
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=32,
    )
    kwargs: dict[str, Any] = {"region_name": region, "config": config}
    if endpoint_url:
        # DynamoDB Local accepts any credentials but boto3 still needs some to sign with.
        kwargs.update(endpoint_url=endpoint_url, aws_access_key_id="local", aws_secret_access_key="local")
    # Built on first use from the process's one session (app.core.aws): importing the API costs no client.
    client: DynamoDBClient = aws.client("dynamodb", **kwargs)
    return client


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    """Python values to DynamoDB attribute values."""
    return {key: _serializer.serialize(value) for key, value in item.items() if value is not None}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values to Python values."""
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def query_all(client: DynamoDBClient, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, following LastEvaluatedKey page by page."""
    while True:
        response = client.query(**kwargs)
        yield from response.get("Items", [])
        start_key = response.get("LastEvaluatedKey")
        if not start_key:
            return
        kwargs["ExclusiveStartKey"] = start_key


# BatchWriteItem takes at most 25 items; what DynamoDB leaves unprocessed (throttling) is sent again.
BATCH_WRITE_ITEMS = 25
UNPROCESSED_ATTEMPTS = 8


def batch_write(client: DynamoDBClient, table: str, requests: list[dict[str, Any]], operation: str) -> None:
    """Every PutRequest written, 25 at a time; ServiceUnavailable when DynamoDB keeps refusing some."""
    with translate_errors(operation):
        for first in range(0, len(requests), BATCH_WRITE_ITEMS):
            pending: dict[str, Any] = {table: requests[first : first + BATCH_WRITE_ITEMS]}
            for attempt in range(UNPROCESSED_ATTEMPTS):
                response = client.batch_write_item(RequestItems=pending)
                pending = dict(response.get("UnprocessedItems") or {})
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                # Unprocessed items are throttling: transient, so callers retry (RetryPolicy) or answer 503.
                logger.warning("dynamodb_unprocessed", extra={"operation": operation})
                raise ServiceUnavailable(
                    f"the review store is unavailable ({operation}); try again shortly",
                    details={"operation": operation, "reason": "throttled"},
                )


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Turn connection failures and throttling into ServiceUnavailable (503)."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _TRANSIENT_CODES or status >= 500:
            # The AWS error code goes to the log; the client gets a stable reason, no internal names.
            logger.warning("dynamodb_unavailable", extra={"operation": operation, "error": code})
            reason = "throttled" if "Throttl" in code or "Exceeded" in code else "unavailable"
            raise ServiceUnavailable(
                f"the review store is unavailable ({operation}); try again shortly",
                details={"operation": operation, "reason": reason},
            ) from exc
        raise
    except BotoCoreError as exc:
        logger.warning("dynamodb_unreachable", extra={"operation": operation, "error": type(exc).__name__})
        raise ServiceUnavailable(
            f"the review store is unreachable ({operation}); try again shortly",
            details={
                "operation": operation,
                "reason": "timeout" if "Timeout" in type(exc).__name__ else "unreachable",
            },
        ) from exc


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded, jittered exponential backoff for transient store faults.

    Only ServiceUnavailable is retried: translate_errors raises it for throttling, 5xx answers and
    connection errors. A failed condition (VersionConflict, a duplicate) is an answer, never retried.
    """

    budget_seconds: float = 45.0
    base_seconds: float = 0.1
    cap_seconds: float = 5.0
    max_attempts: int = 60

    def call(
        self,
        operation: Callable[[], T],
        *,
        name: str,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> T:
        """Run `operation`, retrying ServiceUnavailable until the attempts or the time budget run out."""
        deadline = clock() + self.budget_seconds
        attempt = 0
        while True:
            try:
                return operation()
            except ServiceUnavailable:
                attempt += 1
                # Full jitter: many reviewers retrying after one outage do not come back in step.
                delay = random.uniform(self.base_seconds, max(self.base_seconds, self._ceiling(attempt)))
                if attempt >= self.max_attempts or clock() + delay > deadline:
                    logger.warning("store_retry_exhausted", extra={"operation": name, "attempts": attempt})
                    raise
                logger.info("store_retry", extra={"operation": name, "attempt": attempt})
                sleep(delay)

    def _ceiling(self, attempt: int) -> float:
        return float(min(self.cap_seconds, self.base_seconds * 2**attempt))


NO_RETRY = RetryPolicy(budget_seconds=0, max_attempts=1)
