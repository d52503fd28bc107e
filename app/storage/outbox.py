"""The notification outbox: one item per (review, version, kind) with the delivery state of each channel.

An event's item is written in the same transaction as the review version it reports (the repository's
outbox hook), so an event exists exactly when its version does. Delivery takes a lease on the item
(a conditional update), so two deliverers never send the same channel at once, and a channel marked
sent is never sent again.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from app.core.ids import iso
from app.storage import keys
from app.storage.client import DynamoDBClient, error_code, query_all, translate_errors

EventKind = Literal["completed", "failed", "decided"]
DeliveryStatus = Literal["pending", "sent", "failed"]
# Outbox items outlive their delivery for the review page's history, then DynamoDB TTL removes them.
OUTBOX_TTL_DAYS = 400
_FREE = ""


class DeliveryState(BaseModel):
    """Where one channel's delivery of one event stands."""

    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None


class OutboxEvent(BaseModel):
    """One review event and its deliveries."""

    review_id: str
    version: int
    kind: EventKind
    detail: dict[str, Any]
    channels: dict[str, DeliveryState] = Field(default_factory=dict)
    created_at: datetime

    def next_due(self) -> datetime | None:
        """When the earliest pending channel is due; None once every channel is settled."""
        due = [
            state.next_attempt_at or self.created_at
            for state in self.channels.values()
            if state.status == "pending"
        ]
        return min(due) if due else None


def _channel_attr(name: str) -> str:
    return f"ch_{name}"


def _key(review_id: str, version: int, kind: str) -> dict[str, Any]:
    return {keys.PK: {"S": keys.outbox_pk(review_id)}, keys.SK: {"S": keys.outbox_sk(version, kind)}}


def _from_item(item: dict[str, Any]) -> OutboxEvent:
    names = json.loads(item["channel_names"]["S"])
    return OutboxEvent(
        review_id=item["review_id"]["S"],
        version=int(item["version"]["N"]),
        kind=item["kind"]["S"],
        detail=json.loads(item["detail_json"]["S"]),
        channels={
            name: DeliveryState.model_validate_json(item[_channel_attr(name)]["S"])
            for name in names
            if _channel_attr(name) in item
        },
        created_at=datetime.fromisoformat(item["created_at"]["S"].replace("Z", "+00:00")),
    )


class OutboxStore:
    """Reads and writes of outbox items."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def put_operation(self, event: OutboxEvent) -> dict[str, Any]:
        """The transaction Put of a new event, written beside the review version it reports."""
        due = iso(event.created_at)
        item: dict[str, Any] = {
            **_key(event.review_id, event.version, event.kind),
            "review_id": {"S": event.review_id},
            "version": {"N": str(event.version)},
            "kind": {"S": event.kind},
            "detail_json": {"S": json.dumps(event.detail, separators=(",", ":"), sort_keys=True)},
            "channel_names": {"S": json.dumps(sorted(event.channels))},
            "created_at": {"S": due},
            "lease_until": {"S": _FREE},
            keys.GSI2_PK: {"S": keys.OUTBOX_DUE_PK},
            keys.GSI2_SK: {"S": keys.outbox_due_sk(due, event.review_id, event.version, event.kind)},
            keys.TTL_ATTRIBUTE: {"N": str(int(time.time()) + OUTBOX_TTL_DAYS * 86400)},
        }
        for name, state in event.channels.items():
            item[_channel_attr(name)] = {"S": state.model_dump_json()}
        # No condition of its own: the version item it rides with is put once, so this item is too
        # (a replayed transaction fails on the version and writes nothing).
        return {"Put": {"TableName": self._table, "Item": item}}

    def for_review(self, review_id: str) -> list[OutboxEvent]:
        """Every event of a review, oldest version first."""
        with translate_errors("read notifications"):
            items = list(
                query_all(
                    self._client,
                    TableName=self._table,
                    KeyConditionExpression="#pk = :pk",
                    ExpressionAttributeNames={"#pk": keys.PK},
                    ExpressionAttributeValues={":pk": {"S": keys.outbox_pk(review_id)}},
                    ConsistentRead=True,
                )
            )
        return [_from_item(item) for item in items]

    def due(self, now: datetime, limit: int = 100) -> list[tuple[str, int, str]]:
        """(review id, version, kind) of events with a channel due by `now`, most overdue first."""
        with translate_errors("list due notifications"):
            response = self._client.query(
                TableName=self._table,
                IndexName=keys.GSI2,
                KeyConditionExpression="#pk = :pk AND #sk < :before",
                ExpressionAttributeNames={"#pk": keys.GSI2_PK, "#sk": keys.GSI2_SK},
                ExpressionAttributeValues={
                    ":pk": {"S": keys.OUTBOX_DUE_PK},
                    # '~' sorts after '#': an event due at exactly `now` is included.
                    ":before": {"S": f"DUE#{iso(now)}~"},
                },
                ProjectionExpression="review_id, version, kind",
                Limit=limit,
            )
        return [
            (item["review_id"]["S"], int(item["version"]["N"]), item["kind"]["S"])
            for item in response.get("Items", [])
        ]

    def claim(
        self, review_id: str, version: int, kind: str, *, owner: str, now: datetime, lease_seconds: int
    ) -> OutboxEvent | None:
        """Take the delivery lease of an event; None when another deliverer holds it (or it is gone)."""
        try:
            with translate_errors("claim notification"):
                response = self._client.update_item(
                    TableName=self._table,
                    Key=_key(review_id, version, kind),
                    # One deliverer at a time: a lease still running belongs to someone else, and a
                    # channel it is sending must not be sent twice.
                    ConditionExpression="attribute_exists(#pk) AND lease_until < :now",
                    UpdateExpression="SET lease_until = :until, lease_owner = :owner",
                    ExpressionAttributeNames={"#pk": keys.PK},
                    ExpressionAttributeValues={
                        ":now": {"S": iso(now)},
                        ":until": {"S": iso(now + timedelta(seconds=lease_seconds))},
                        ":owner": {"S": owner},
                    },
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return _from_item(response["Attributes"])

    def save_channel(self, event: OutboxEvent, channel: str, state: DeliveryState, *, owner: str) -> bool:
        """Record one channel's delivery while holding the lease; False when the lease was lost."""
        try:
            with translate_errors("record notification"):
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(event.review_id, event.version, event.kind),
                    ConditionExpression="lease_owner = :owner",
                    UpdateExpression="SET #ch = :state",
                    ExpressionAttributeNames={"#ch": _channel_attr(channel)},
                    ExpressionAttributeValues={
                        ":owner": {"S": owner},
                        ":state": {"S": state.model_dump_json()},
                    },
                )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, event: OutboxEvent, *, owner: str) -> None:
        """Give the lease back; the event leaves the due index once every channel is settled."""
        due = event.next_due()
        names = {"#gpk": keys.GSI2_PK, "#gsk": keys.GSI2_SK}
        values: dict[str, Any] = {":owner": {"S": owner}, ":free": {"S": _FREE}}
        if due is None:
            update = "SET lease_until = :free REMOVE #gpk, #gsk"
        else:
            update = "SET lease_until = :free, #gpk = :gpk, #gsk = :gsk"
            values[":gpk"] = {"S": keys.OUTBOX_DUE_PK}
            values[":gsk"] = {"S": keys.outbox_due_sk(iso(due), event.review_id, event.version, event.kind)}
        try:
            with translate_errors("release notification"):
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(event.review_id, event.version, event.kind),
                    ConditionExpression="lease_owner = :owner",
                    UpdateExpression=update,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
