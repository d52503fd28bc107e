"""Spacelift delivery records: conditional writes that drop duplicate and out-of-order webhook deliveries."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from app.storage import keys
from app.storage.client import DynamoDBClient, error_code, translate_errors

# The per-run item holding the highest sequence seen (sits beside the STATE# delivery records).
LATEST_SK = "LATEST"
# The per-run item naming the run's review: whoever writes it first creates the review.
REVIEW_SK = "REVIEW"
DELIVERY_TTL_DAYS = 30
CREATION_LEASE_SECONDS = 60


class Ordering(StrEnum):
    """What a delivery's sequence number counts: Spacelift's stateVersion, or the run's updated_at (ns)."""

    STATE_VERSION = "state_version"
    UPDATED_NS = "updated_ns"


class ClaimOutcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    STALE = "stale"


@dataclass(frozen=True)
class RunReviewClaim:
    """Whether this caller may create the run's review, else the review id once the winner has one."""

    won: bool
    review_id: str | None = None


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
        """NEW the first time a delivery is seen and no newer one was; STALE the first time an older one
        is seen; DUPLICATE when this delivery was seen before.

        The delivery record and the run's highest sequence are written in one transaction, so a fault
        between them cannot leave a delivery recorded as seen whose newer state was never counted.
        """
        pk = keys.spacelift_delivery_pk(account, run_id)
        now = int(self._clock())
        record = self._record(pk, sequence, now, ordering=ordering, state=state, kind=kind)
        latest = {
            "Update": {
                "TableName": self._table,
                "Key": {keys.PK: {"S": pk}, keys.SK: {"S": LATEST_SK}},
                "UpdateExpression": "SET #max = :n, #state = :state, #ttl = :ttl",
                # Deliveries arrive out of order: only a sequence at least as high as the highest seen
                # counts. Equal is allowed so a released claim (transient failure) can be retried.
                "ConditionExpression": "attribute_not_exists(#max) OR #max <= :n",
                "ExpressionAttributeNames": {
                    "#max": f"max_{ordering.value}",
                    "#state": f"state_{ordering.value}",
                    "#ttl": keys.TTL_ATTRIBUTE,
                },
                "ExpressionAttributeValues": {
                    ":n": {"N": str(sequence)},
                    ":state": {"S": state[:64]},
                    ":ttl": {"N": str(now + self._ttl_seconds)},
                },
            }
        }
        try:
            with translate_errors("record Spacelift delivery"):
                self._client.transact_write_items(TransactItems=[{"Put": record}, latest])  # type: ignore[list-item, typeddict-item]
            return ClaimOutcome.NEW
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            reasons = [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return ClaimOutcome.DUPLICATE
            if len(reasons) < 2 or reasons[1] != "ConditionalCheckFailed":
                raise
        # Older than a delivery already seen: record it alone (it may still create the run's review,
        # never move its state back).
        try:
            with translate_errors("record Spacelift delivery"):
                self._client.put_item(**record)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return ClaimOutcome.DUPLICATE
            raise
        return ClaimOutcome.STALE

    def _record(
        self, pk: str, sequence: int, now: int, *, ordering: Ordering, state: str, kind: str
    ) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Item": {
                keys.PK: {"S": pk},
                keys.SK: {"S": keys.spacelift_state_sk(sequence)},
                "state": {"S": state[:64]},
                "kind": {"S": kind},
                "ordering": {"S": ordering.value},
                "received_at": {"N": str(now)},
                keys.TTL_ATTRIBUTE: {"N": str(now + self._ttl_seconds)},
            },
            # No delivery id exists: (account, run, sequence) is the identity, written once.
            "ConditionExpression": "attribute_not_exists(PK)",
        }

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
        latest = self.latest(account, run_id, ordering)
        return latest[0] if latest else None

    def latest(self, account: str, run_id: str, ordering: Ordering) -> tuple[int, str] | None:
        """The highest sequence recorded for a run and the state it carried, if any."""
        with translate_errors("read highest Spacelift state"):
            response = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)}, keys.SK: {"S": LATEST_SK}},
                ConsistentRead=True,
            )
        item = response.get("Item", {})
        value = item.get(f"max_{ordering.value}")
        if not value or "N" not in value:
            return None
        return int(value["N"]), str(item.get(f"state_{ordering.value}", {}).get("S", ""))

    def claim_run_review(
        self, account: str, run_id: str, *, lease_seconds: int = CREATION_LEASE_SECONDS
    ) -> RunReviewClaim:
        """Win the right to create the run's review, or learn who has it (and its review id, once known)."""
        now = int(self._clock())
        key = {keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)}, keys.SK: {"S": REVIEW_SK}}
        try:
            with translate_errors("claim Spacelift run review"):
                self._client.put_item(
                    TableName=self._table,
                    Item={
                        **key,
                        "lease_until": {"N": str(now + lease_seconds)},
                        keys.TTL_ATTRIBUTE: {"N": str(now + self._ttl_seconds)},
                    },
                    # Two plan-ready deliveries (or a crashed creator's lease) must not make two reviews:
                    # the first writer wins; a lease without a review id expires so a retry can take over.
                    ConditionExpression="attribute_not_exists(PK) OR (attribute_not_exists(review_id) AND lease_until < :now)",
                    ExpressionAttributeValues={":now": {"N": str(now)}},
                )
            return RunReviewClaim(won=True)
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
        with translate_errors("read Spacelift run review"):
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item", {})
        review_id = item.get("review_id", {}).get("S")
        return RunReviewClaim(won=False, review_id=review_id)

    def run_review_id(self, account: str, run_id: str) -> str | None:
        """The id of the run's review once its creator recorded it."""
        with translate_errors("read Spacelift run review"):
            item = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)}, keys.SK: {"S": REVIEW_SK}},
                ConsistentRead=True,
            ).get("Item", {})
        value = item.get("review_id", {}).get("S")
        return value if isinstance(value, str) else None

    def set_run_review(self, account: str, run_id: str, review_id: str) -> None:
        """Record the review the winner created."""
        with translate_errors("record Spacelift run review"):
            self._client.update_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)}, keys.SK: {"S": REVIEW_SK}},
                UpdateExpression="SET review_id = :id",
                ExpressionAttributeValues={":id": {"S": review_id}},
            )

    def release_run_review(self, account: str, run_id: str) -> None:
        """Give up a won claim that created no review, so a later delivery can create it."""
        try:
            with translate_errors("release Spacelift run review"):
                self._client.delete_item(
                    TableName=self._table,
                    Key={
                        keys.PK: {"S": keys.spacelift_delivery_pk(account, run_id)},
                        keys.SK: {"S": REVIEW_SK},
                    },
                    # Never drop the pointer to a review that exists.
                    ConditionExpression="attribute_not_exists(review_id)",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
