"""Full lists of a review (findings, changes) stored as gzip segments, read a page at a time."""

from __future__ import annotations

import bisect
import gzip
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from app.core.errors import NotFound
from app.storage import keys
from app.storage.client import DynamoDBClient, batch_write, translate_errors
from app.storage.models import ListRef

SEGMENT_ITEMS = 500
# Raw JSON per segment; gzip brings it far below the 400 KB item limit, and a segment that does not
# compress well enough is split again (SEGMENT_MAX_GZIP).
SEGMENT_RAW_BYTES = 1024 * 1024
SEGMENT_MAX_GZIP = 350 * 1024


def _segments(items: Sequence[bytes]) -> list[tuple[int, int]]:
    """(start, stop) ranges of at most SEGMENT_ITEMS items and about SEGMENT_RAW_BYTES each."""
    ranges: list[tuple[int, int]] = []
    start = 0
    size = 0
    for index, item in enumerate(items):
        if index > start and (index - start >= SEGMENT_ITEMS or size + len(item) > SEGMENT_RAW_BYTES):
            ranges.append((start, index))
            start, size = index, 0
        size += len(item) + 1
    if start < len(items):
        ranges.append((start, len(items)))
    return ranges


def _encode(items: Sequence[bytes]) -> bytes:
    return gzip.compress(b"[" + b",".join(items) + b"]", compresslevel=6, mtime=0)


class SegmentStore:
    """Writes a list once under its content address; reads the segments a page needs."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def put(self, items: Sequence[bytes]) -> ListRef:
        """Store JSON-encoded items in order (idempotent for identical lists); their reference."""
        digest = hashlib.sha256(b"\n".join(items)).hexdigest()
        stored: list[tuple[int, bytes]] = []
        pending = list(_segments(items))
        while pending:
            start, stop = pending.pop(0)
            data = _encode(items[start:stop])
            if len(data) > SEGMENT_MAX_GZIP and stop - start > 1:
                middle = (start + stop) // 2
                pending[:0] = [(start, middle), (middle, stop)]
                continue
            stored.append((start, data))
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        keys.PK: {"S": keys.list_pk(digest)},
                        keys.SK: {"S": keys.list_segment_sk(index)},
                        "start": {"N": str(start)},
                        "data": {"B": data},
                    }
                }
            }
            for index, (start, data) in enumerate(stored)
        ]
        batch_write(self._client, self._table, requests, "store review list")
        return ListRef(sha256=digest, total=len(items), starts=[start for start, _ in stored])

    def _segment(self, ref: ListRef, index: int) -> list[Any]:
        import orjson

        with translate_errors("read review list"):
            response = self._client.get_item(
                TableName=self._table,
                Key={keys.PK: {"S": keys.list_pk(ref.sha256)}, keys.SK: {"S": keys.list_segment_sk(index)}},
            )
        item = response.get("Item")
        if not item:
            raise NotFound(f"stored list {ref.sha256[:12]}… is missing segment {index}")
        data = orjson.loads(gzip.decompress(bytes(item["data"]["B"])))
        if not isinstance(data, list):
            raise NotFound(f"stored list {ref.sha256[:12]}… has a malformed segment {index}")
        return data

    def iterate(self, ref: ListRef, offset: int) -> Iterator[tuple[int, Any]]:
        """(index, item) from offset to the end, loading one segment at a time."""
        if offset >= ref.total or not ref.starts:
            return
        segment = max(0, bisect.bisect_right(ref.starts, offset) - 1)
        while segment < len(ref.starts):
            start = ref.starts[segment]
            for position, item in enumerate(self._segment(ref, segment)):
                if start + position >= offset:
                    yield start + position, item
            segment += 1
