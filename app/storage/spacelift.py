"""Spacelift delivery records: conditional writes that drop duplicate and out-of-order webhook deliveries."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from botocore.exceptions import ClientError

from app.storage import keys
from app.storage.client import DynamoDBClient, error_code, translate_errors

# The per-run item holding the highest sequence seen (sits beside the STATE# delivery records).
LATEST_SK = "LATEST"
DELIVERY_TTL_DAYS = 30


class Ordering(StrEnum):
    """What a delivery's sequence number counts: Spacelift's stateVersion, or the run's updated_at (ns)."""

    STATE_VERSION = "state_version"
    UPDATED_NS = "updated_ns"


class ClaimOutcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    STALE = "stale"


class SpaceliftDeliveryStore:
    """Claims each (account, run, sequence) once and keeps the highest sequence per run."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        ttl_days: int = DELIVERY_TTL_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table = table
        self._ttl_seconds = ttl_days * 86400
        self._clock = clock

    def claim(
        self, account: str, run_id: str, sequence: int, ordering: Ordering, *, state: str, kind: str
    ) -> ClaimOutcome:
        """NEW the first time a delivery is seen and it is not older than one already seen."""
        pk = keys.spacelift_delivery_pk(account, run_id)
        now = int(self._clock())
        try:
            with translate_errors("record Spacelift delivery"):
                self._client.put_item(
                    TableName=self._table,
                    Item={
                        keys.PK: {"S": pk},
                        keys.SK: {"S": keys.spacelift_state_sk(sequence)},
                        "state": {"S": state[:64]},
                        "kind": {"S": kind},
                        "ordering": {"S": ordering.value},
                        "received_at": {"N": str(now)},
                        keys.TTL_ATTRIBUTE: {"N": str(now + self._ttl_seconds)},
                    },
                    # No delivery id exists: (account, run, sequence) is the identity, written once.
                    ConditionExpression="attribute_not_exists(PK)",
                )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return ClaimOutcome.DUPLICATE
            raise
        try:
            with translate_errors("record highest Spacelift state"):
                self._client.update_item(
                    TableName=self._table,
                    Key={keys.PK: {"S": pk}, keys.SK: {"S": LATEST_SK}},
                    UpdateExpression="SET #max = :n, #ttl = :ttl",
                    # Deliveries arrive out of order: only a sequence at least as high as the highest seen counts.
                    # Equal is allowed so a released claim (transient failure) can be retried by Spacelift.
                    ConditionExpression="attribute_not_exists(#max) OR #max <= :n",
                    ExpressionAttributeNames={"#max": f"max_{ordering.value}", "#ttl": keys.TTL_ATTRIBUTE},
                    ExpressionAttributeValues={
                        ":n": {"N": str(sequence)},
                        ":ttl": {"N": str(now + self._ttl_seconds)},
                    },
                )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return ClaimOutcome.STALE
            raise
        return ClaimOutcome.NEW

    def release(self, account: str, run_id: str, sequence: int) -> None:
        """Forget a claimed delivery so Spacelift's retry of it is processed (after a transient failure)."""
        with translate_errors("release Spacelift delivery"):
            self._client.delete_item(
                TableName=self._table,
                Key={
                    keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)},
                    keys.SK: {"S": keys.spacelift_state_sk(sequence)},
                },
            )

    def highest(self, account: str, run_id: str, ordering: Ordering) -> int | None:
        """The highest sequence recorded for a run, if any."""
        with translate_errors("read highest Spacelift state"):
            response = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)}, keys.SK: {"S": LATEST_SK}},
                ConsistentRead=True,
            )
        value = response.get("Item", {}).get(f"max_{ordering.value}")
        return int(value["N"]) if value and "N" in value else None
