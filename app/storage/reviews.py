"""The review repository: versioned writes in one transaction, reads, listing through the indexes."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from app.core.errors import BadRequest, IdempotencyConflict, NotFound, VersionConflict
from app.storage import keys
from app.storage.client import DynamoDBClient, deserialize, error_code, query_all, translate_errors
from app.storage.mapper import INLINE_BODY_LIMIT, body_bytes, review_from_body, review_items
from app.storage.models import Review, ReviewDetail, ReviewStatus
from app.storage.plans import BlobStore
from app.storage.segments import SegmentStore
from app.storage.stats import counter_delta, counter_updates

if TYPE_CHECKING:
    from app.storage.outbox import OutboxEvent, OutboxStore

logger = logging.getLogger(__name__)

MAX_PAGE_FETCHES = 40
TRANSACTION_ATTEMPTS = 8

# The events a new version raises (app.services.notifications): written in the version's transaction.
OutboxHook = Callable[[Review, Review], "list[OutboxEvent]"]


@dataclass(frozen=True)
class ListFilters:
    """Filters of GET /api/reviews; all optional."""

    status: ReviewStatus | None = None
    risk_level: str | None = None
    stack_id: str | None = None
    run_id: str | None = None
    decision: str | None = None
    query: str | None = None

    def fingerprint(self) -> str:
        raw = json.dumps(
            [self.status, self.risk_level, self.stack_id, self.run_id, self.decision, self.query]
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


@dataclass
class _Stream:
    """One index partition read newest-first, buffered for the k-way merge."""

    name: str
    index: str
    pk_attr: str
    pk_value: str
    resume_key: dict[str, Any] | None
    fetch_key: dict[str, Any] | None = None
    exhausted: bool = False
    buffer: list[dict[str, Any]] = field(default_factory=list)
    last_taken: dict[str, Any] | None = None


@dataclass(frozen=True)
class IdempotentHit:
    """An earlier request with the same Idempotency-Key and body created this review."""

    review_id: str


class ReviewRepository:
    """Every read and write of review items."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        blobs: BlobStore,
        idempotency_ttl_hours: int,
        *,
        outbox_hook: OutboxHook | None = None,
    ) -> None:
        self._client = client
        self._table = table
        self._blobs = blobs
        self._segments = SegmentStore(client, table)
        self._idempotency_ttl = idempotency_ttl_hours * 3600
        self._outbox_hook = outbox_hook
        self._outbox: OutboxStore | None = None
        if outbox_hook is not None:
            # Loaded only with notifications configured: otherwise the API's cold start skips it.
            from app.storage.outbox import OutboxStore

            self._outbox = OutboxStore(client, table)

    @property
    def outbox(self) -> OutboxStore | None:
        """The notification outbox, when notifications are configured."""
        return self._outbox

    @property
    def blobs(self) -> BlobStore:
        return self._blobs

    @property
    def segments(self) -> SegmentStore:
        """Full findings and changes lists behind a version's first pages."""
        return self._segments

    # Writes -----------------------------------------------------------------------------------

    def _items_for(self, review: Review) -> tuple[dict[str, Any], dict[str, Any]]:
        document = review.model_dump_json().encode()
        body = body_bytes(document)
        blob_sha: str | None = None
        if len(body) > INLINE_BODY_LIMIT:
            blob_sha, _ = self._blobs.put(document)
        return review_items(review, body=body, blob_sha=blob_sha)

    def create(
        self, review: Review, *, idempotency_key: str | None = None, body_sha: str | None = None
    ) -> Review:
        """Write version 1 and the current item; with a key, remember it in the same transaction."""
        version_item, current_item = self._items_for(review)
        # A fresh id never exists; the condition turns an id collision into an error, not an overwrite.
        operations = [self._put_once(version_item), self._put_once(current_item)]
        if idempotency_key is not None:
            operations.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            keys.PK: {"S": keys.idempotency_pk(idempotency_key)},
                            keys.SK: {"S": keys.NO_SORT},
                            "review_id": {"S": review.id},
                            "body_sha": {"S": body_sha or ""},
                            keys.TTL_ATTRIBUTE: {"N": str(int(time.time()) + self._idempotency_ttl)},
                        },
                        # The key is claimed once; a second request with it must reuse the first review.
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        counters = counter_updates(self._table, review, counter_delta(None, review))
        try:
            self._transact_counted(operations, counters, "create review")
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException" and idempotency_key is not None:
                reasons = exc.response.get("CancellationReasons", [])
                if len(reasons) > 2 and reasons[2].get("Code") == "ConditionalCheckFailed":
                    hit = self.idempotency_lookup(idempotency_key, body_sha or "")
                    if hit is not None:
                        raise IdempotentReplay(hit.review_id) from None
            raise
        return review

    def write_version(self, previous: Review, new: Review) -> Review:
        """Append `new` as version previous.latest_version + 1; VersionConflict if someone was first."""
        expected = previous.latest_version
        if new.version != expected + 1 or new.latest_version != new.version:
            raise ValueError("new version must be previous.latest_version + 1")
        version_item, current_item = self._items_for(new)
        operations = [
            # Versions are immutable: written once, never replaced.
            self._put_once(version_item),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": current_item,
                    # Optimistic concurrency: only the writer that saw the latest version may advance it.
                    "ConditionExpression": "latest_version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(expected)}},
                }
            },
        ]
        if self._outbox_hook is not None and self._outbox is not None:
            # Beside the version: an event exists exactly when the version it reports does.
            operations += [self._outbox.put_operation(event) for event in self._outbox_hook(previous, new)]
        counters = counter_updates(self._table, new, counter_delta(previous, new))
        try:
            self._transact_counted(operations, counters, "write review version")
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons", [])
                lost = any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons[:2])
                if lost or any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                    current = self.get(new.id)
                    message = (
                        f"review {new.id} is at version {current.latest_version}, not {expected}"
                        if lost
                        else f"review {new.id} was being changed by another request; retry"
                    )
                    raise VersionConflict(
                        message,
                        details={"expected_version": expected, "current": current.model_dump(mode="json")},
                    ) from None
            raise
        return new

    def _put_once(self, item: dict[str, Any]) -> dict[str, Any]:
        """A transaction Put that fails instead of overwriting an existing item."""
        return {
            "Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}
        }

    def _transact_counted(
        self, operations: list[dict[str, Any]], counters: list[dict[str, Any]], operation: str
    ) -> None:
        """The review writes with their counter updates in one transaction; counters never fail a review.

        Counters ride in the review's transaction so they stay exact. If DynamoDB refuses the
        transaction because of a counter (a validation error or a size limit on a counter item), the
        review is written alone and the counters of this change are lost, logged as counters_skipped.
        """
        try:
            self._transact([*operations, *counters], operation)
        except ClientError as exc:
            if not counters or not _counter_refused(exc, len(operations)):
                raise
            logger.error(
                "counters_skipped",
                extra={"operation": operation, "error": error_code(exc), "counters": len(counters)},
            )
            self._transact(operations, operation)

    def _transact(self, operations: list[dict[str, Any]], operation: str) -> None:
        """TransactWriteItems, retried while it only collided with another transaction (hot counters)."""
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with translate_errors(operation):
                    self._client.transact_write_items(TransactItems=operations)  # type: ignore[arg-type]
                return
            except ClientError as exc:
                reasons = exc.response.get("CancellationReasons", [])
                codes = {reason.get("Code") for reason in reasons}
                retryable = (
                    error_code(exc) == "TransactionCanceledException"
                    and "ConditionalCheckFailed" not in codes
                )
                if not retryable or "TransactionConflict" not in codes or attempt == TRANSACTION_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.005, 0.02) * (2**attempt))

    # Reads ------------------------------------------------------------------------------------

    def _load(self, item: dict[str, Any]) -> Review:
        if "body_gz" in item:
            review = review_from_body(bytes(item["body_gz"]["B"]))
        else:
            review = Review.model_validate_json(self._blobs.get(item["body_sha"]["S"]))
        if "detail_json" in item:
            review.detail = ReviewDetail.model_validate_json(item["detail_json"]["S"])
        return review

    def get_json(self, review_id: str, version: int = 0) -> bytes:
        """The stored JSON of a version (0 = current) without building a model: the fast read path."""
        item = self._get_item(review_id, version)
        if "body_gz" in item:
            return gzip.decompress(bytes(item["body_gz"]["B"]))
        return self._blobs.get(item["body_sha"]["S"])

    def _get_item(self, review_id: str, version: int, *, attributes: str | None = None) -> dict[str, Any]:
        """The item of a version (0 = current), or only the named attributes of it."""
        sort_key = keys.CURRENT_SK if version == 0 else keys.version_sk(version)
        projection: dict[str, Any] = {"ProjectionExpression": attributes} if attributes else {}
        with translate_errors("read review"):
            response = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.review_pk(review_id)}, keys.SK: {"S": sort_key}},
                ConsistentRead=True,
                **projection,
            )
        item = response.get("Item")
        if not item:
            what = f"review {review_id}" if version == 0 else f"version {version} of review {review_id}"
            raise NotFound(f"{what} does not exist")
        return dict(item)

    def get(self, review_id: str) -> Review:
        """The current version of a review."""
        return self.get_version(review_id, 0)

    def get_version(self, review_id: str, version: int) -> Review:
        """One version (0 = current); NotFound when absent."""
        return self._load(self._get_item(review_id, version))

    def version_summaries(
        self, review_id: str, *, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """List forms of versions after `after`, ascending (at most `limit`), and the latest version."""
        # Only the latest version number: the current item's document may be hundreds of KB.
        current = self._get_item(review_id, 0, attributes="latest_version")
        with translate_errors("list versions"):
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="#pk = :pk AND #sk > :after",
                ExpressionAttributeNames={"#pk": keys.PK, "#sk": keys.SK, "#list": "list_json"},
                ExpressionAttributeValues={
                    ":pk": {"S": keys.review_pk(review_id)},
                    ":after": {"S": keys.version_sk(after)},
                },
                ProjectionExpression="#list",
                ConsistentRead=True,
                Limit=limit,
            )
        items = [json.loads(item["list_json"]["S"]) for item in response.get("Items", [])]
        return items, int(current["latest_version"]["N"])

    def list_versions(self, review_id: str) -> list[Review]:
        """Every version in ascending order."""
        with translate_errors("list versions"):
            versions = [
                self._load(item)
                for item in query_all(
                    self._client,
                    TableName=self._table,
                    KeyConditionExpression="#pk = :pk AND #sk > :zero",
                    ExpressionAttributeNames={"#pk": keys.PK, "#sk": keys.SK},
                    ExpressionAttributeValues={
                        ":pk": {"S": keys.review_pk(review_id)},
                        ":zero": {"S": keys.CURRENT_SK},
                    },
                    ConsistentRead=True,
                )
            ]
        if not versions:
            raise NotFound(f"review {review_id} does not exist")
        return versions

    def idempotency_lookup(self, key: str, body_sha: str) -> IdempotentHit | None:
        """The review an earlier request with this key created; IdempotencyConflict if the body differs."""
        with translate_errors("read idempotency key"):
            response = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.idempotency_pk(key)}, keys.SK: {"S": keys.NO_SORT}},
                ConsistentRead=True,
            )
        item = response.get("Item")
        if not item or int(item.get(keys.TTL_ATTRIBUTE, {}).get("N", "0")) < time.time():
            return None
        if item["body_sha"]["S"] != body_sha:
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request body",
                details={"review_id": item["review_id"]["S"]},
            )
        return IdempotentHit(review_id=item["review_id"]["S"])

    def find_by_run(self, run_id: str) -> list[Review]:
        """Reviews of one Spacelift run, newest first (GSI1)."""
        with translate_errors("find reviews by run"):
            return [
                self._load(item)
                for item in query_all(
                    self._client,
                    TableName=self._table,
                    IndexName=keys.GSI1,
                    KeyConditionExpression="#pk = :pk",
                    ExpressionAttributeNames={"#pk": keys.GSI1_PK},
                    ExpressionAttributeValues={":pk": {"S": keys.gsi1_pk(run_id)}},
                    ScanIndexForward=False,
                )
            ]

    def ids_in_status(self, status: ReviewStatus, created_before_iso: str) -> list[str]:
        """Ids of reviews in a status created before a time (GSI2), oldest first."""
        with translate_errors("list reviews by status"):
            return [
                item["id"]["S"]
                for item in query_all(
                    self._client,
                    TableName=self._table,
                    IndexName=keys.GSI2,
                    KeyConditionExpression="#pk = :pk AND #sk < :before",
                    ExpressionAttributeNames={"#pk": keys.GSI2_PK, "#sk": keys.GSI2_SK},
                    ExpressionAttributeValues={
                        ":pk": {"S": keys.gsi2_pk(status.value)},
                        ":before": {"S": keys.created_sk(created_before_iso)},
                    },
                    ProjectionExpression="id",
                )
            ]

    # Listing ----------------------------------------------------------------------------------

    def list_reviews(
        self, filters: ListFilters, *, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of list items, newest first, and an opaque cursor for the next page."""
        state = _decode_cursor(cursor, filters) if cursor else {}
        streams = self._streams(filters, state)
        names, values, filter_expression = _filter_expression(filters)
        taken: list[dict[str, Any]] = []
        positions: dict[str, int] = {}
        fetches = 0
        while len(taken) < limit:
            for stream in streams:
                while not stream.buffer and not stream.exhausted and fetches < MAX_PAGE_FETCHES:
                    fetches += 1
                    self._fetch(stream, names, values, filter_expression, page=max(limit, 25))
            ready = [stream for stream in streams if stream.buffer]
            if not ready:
                break
            newest = max(ready, key=lambda s: (s.buffer[0]["_sort"], s.buffer[0]["id"]["S"]))
            item = newest.buffer.pop(0)
            newest.last_taken = item
            review_id = item["id"]["S"]
            if review_id in positions:
                # Index entries follow status changes eventually (and partitions are read at different
                # moments), so a review can show up under its old and its new status: keep the newer one.
                earlier = taken[positions[review_id]]
                if _version_of(item) > _version_of(earlier):
                    taken[positions[review_id]] = item
                continue
            positions[review_id] = len(taken)
            taken.append(item)
        next_state: dict[str, Any] = {}
        more = False
        for stream in streams:
            if stream.buffer or not stream.exhausted:
                more = True
                key = _start_key_of(stream.last_taken, stream) if stream.last_taken else stream.resume_key
                next_state[stream.name] = key
            else:
                next_state[stream.name] = "done"
        items = [json.loads(item["list_json"]["S"]) for item in taken]
        return items, (_encode_cursor(next_state, filters) if more and taken else None)

    def _streams(self, filters: ListFilters, state: dict[str, Any]) -> list[_Stream]:
        if filters.run_id:
            specs = [("run", keys.GSI1, keys.GSI1_PK, keys.gsi1_pk(filters.run_id))]
        else:
            statuses = [filters.status] if filters.status else list(ReviewStatus)
            specs = [(s.value, keys.GSI2, keys.GSI2_PK, keys.gsi2_pk(s.value)) for s in statuses]
        streams = []
        for name, index, pk_attr, pk_value in specs:
            saved = state.get(name)
            resume = saved if isinstance(saved, dict) else None
            if resume and not _valid_start_key(resume, index, pk_attr, pk_value):
                # A hand-made cursor naming another partition or item makes DynamoDB fail the query (a 500).
                raise BadRequest(f"cursor position for {name!r} is not valid", code="invalid_cursor")
            stream = _Stream(name, index, pk_attr, pk_value, resume_key=resume, fetch_key=resume)
            stream.exhausted = saved == "done"
            streams.append(stream)
        return streams

    def _fetch(
        self,
        stream: _Stream,
        names: dict[str, str],
        values: dict[str, Any],
        filter_expression: str | None,
        *,
        page: int,
    ) -> None:
        index_sk = keys.GSI1_SK if stream.index == keys.GSI1 else keys.GSI2_SK
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": stream.index,
            "KeyConditionExpression": "#ipk = :ipk",
            "ExpressionAttributeNames": {"#ipk": stream.pk_attr, **names},
            "ExpressionAttributeValues": {":ipk": {"S": stream.pk_value}, **values},
            "ScanIndexForward": False,
            "Limit": page,
            "ProjectionExpression": f"{keys.PK}, {keys.SK}, {stream.pk_attr}, {index_sk}, id, latest_version, list_json",
        }
        if filter_expression:
            kwargs["FilterExpression"] = filter_expression
        if stream.fetch_key:
            kwargs["ExclusiveStartKey"] = stream.fetch_key
        with translate_errors("list reviews"):
            response = self._client.query(**kwargs)
        for item in response.get("Items", []):
            row: dict[str, Any] = dict(item)
            row["_sort"] = item[index_sk]["S"]
            stream.buffer.append(row)
        stream.fetch_key = response.get("LastEvaluatedKey")
        stream.exhausted = stream.fetch_key is None

    # Analytics --------------------------------------------------------------------------------

    def stats_items(self, days: list[str]) -> list[dict[str, Any]]:
        """Every counter item (ALL and per stack) of the given days, one Query per day."""

        def one_day(day: str) -> list[dict[str, Any]]:
            return [
                deserialize(item)
                for item in query_all(
                    self._client,
                    TableName=self._table,
                    KeyConditionExpression="#pk = :pk",
                    ExpressionAttributeNames={"#pk": keys.PK},
                    ExpressionAttributeValues={":pk": {"S": keys.stats_pk(day)}},
                )
            ]

        with translate_errors("read analytics"), ThreadPoolExecutor(max_workers=8) as pool:
            return [item for day_items in pool.map(one_day, days) for item in day_items]

    def day_totals(self, day: str) -> dict[str, Any]:
        """The day's ALL counter item alone (empty before its first review)."""
        with translate_errors("read analytics"):
            response = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.stats_pk(day)}, keys.SK: {"S": keys.STATS_ALL_SK}},
            )
        return deserialize(response.get("Item", {}))

    def ping(self) -> None:
        """Raise ServiceUnavailable unless the table answers."""
        with translate_errors("readiness check"):
            self._client.describe_table(TableName=self._table)


class IdempotentReplay(Exception):
    """The create lost to an earlier request with the same key and body."""

    def __init__(self, review_id: str) -> None:
        super().__init__(review_id)
        self.review_id = review_id


_COUNTER_SAFE_REASONS = {"None", "ConditionalCheckFailed", "TransactionConflict", "ThrottlingError"}


def _counter_refused(exc: ClientError, first_counter: int) -> bool:
    """True when DynamoDB refused the transaction over one of its counter updates, not the review."""
    code = error_code(exc)
    if code == "ValidationException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons", [])
    core = {str(reason.get("Code")) for reason in reasons[:first_counter]}
    counters = {str(reason.get("Code")) for reason in reasons[first_counter:]}
    return core <= {"None"} and not counters <= _COUNTER_SAFE_REASONS


def _version_of(item: dict[str, Any]) -> int:
    return int(item.get("latest_version", {}).get("N", "0"))


def _start_key_of(item: dict[str, Any], stream: _Stream) -> dict[str, Any]:
    index_sk = keys.GSI1_SK if stream.index == keys.GSI1 else keys.GSI2_SK
    return {
        keys.PK: item[keys.PK],
        keys.SK: item[keys.SK],
        stream.pk_attr: item[stream.pk_attr],
        index_sk: item[index_sk],
    }


def _filter_expression(filters: ListFilters) -> tuple[dict[str, str], dict[str, Any], str | None]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses: list[str] = []
    if filters.run_id and filters.status:
        names["#st"] = "status"
        values[":st"] = {"S": filters.status.value}
        clauses.append("#st = :st")
    for attr, value in (("risk_level", filters.risk_level), ("stack_id", filters.stack_id)):
        if value:
            names[f"#{attr}"] = attr
            values[f":{attr}"] = {"S": value}
            clauses.append(f"#{attr} = :{attr}")
    if filters.decision:
        names["#decision"] = "decision"
        if filters.decision == "NONE":
            clauses.append("attribute_not_exists(#decision)")
        else:
            values[":decision"] = {"S": filters.decision}
            clauses.append("#decision = :decision")
    if filters.query:
        names["#title"] = "title_lc"
        names["#run"] = "run_id"
        names["#rid"] = "id"
        values[":q"] = {"S": filters.query.lower()}
        values[":qraw"] = {"S": filters.query}
        clauses.append("(contains(#title, :q) OR contains(#run, :qraw) OR #rid = :qraw)")
    return names, values, (" AND ".join(clauses) or None)


def _encode_cursor(state: dict[str, Any], filters: ListFilters) -> str:
    raw = json.dumps({"f": filters.fingerprint(), "s": state}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, filters: ListFilters) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        state = data["s"]
        if not isinstance(state, dict):
            raise ValueError("bad state")
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest("cursor is not valid; start again without it", code="invalid_cursor") from exc
    if data.get("f") != filters.fingerprint():
        raise BadRequest("cursor belongs to other filters; start again without it", code="invalid_cursor")
    for name, value in state.items():
        if value != "done" and value is not None and not _looks_like_key(value):
            raise BadRequest(f"cursor position for {name!r} is not valid", code="invalid_cursor")
    return dict(state)


def _valid_start_key(key: dict[str, Any], index: str, pk_attr: str, pk_value: str) -> bool:
    """A start key this stream could have produced: its index partition, a current review item."""
    index_sk = keys.GSI1_SK if index == keys.GSI1 else keys.GSI2_SK
    return (
        set(key) == {keys.PK, keys.SK, pk_attr, index_sk}
        and key[pk_attr]["S"] == pk_value
        and key[keys.SK]["S"] == keys.CURRENT_SK
        and key[keys.PK]["S"].startswith("REVIEW#")
        and all(len(value["S"]) <= 200 for value in key.values())
    )


def _looks_like_key(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in value.values()
    )
