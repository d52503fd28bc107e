"""Content-addressed, gzip-compressed blobs split into chunks under DynamoDB's 400 KB item limit."""

from __future__ import annotations

import gzip
import hashlib
import time
from typing import Any

from app.core.errors import NotFound
from app.storage import keys
from app.storage.client import DynamoDBClient, batch_write, query_all, translate_errors

# 350 KB of payload leaves room for keys and attribute names below the 400 KB item limit.
CHUNK_BYTES = 350 * 1024


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Stores and loads immutable blobs (redacted plans, large review bodies) by their sha256."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_days: int) -> None:
        self._client = client
        self._table = table
        self._ttl_seconds = ttl_days * 86400

    def put(self, data: bytes, sha256: str | None = None) -> tuple[str, int]:
        """Store data (idempotent for identical content); return (sha256, chunk count)."""
        digest = sha256 or sha256_hex(data)
        compressed = gzip.compress(data, compresslevel=6, mtime=0)
        chunks = [compressed[i : i + CHUNK_BYTES] for i in range(0, len(compressed), CHUNK_BYTES)] or [b""]
        expires_at = int(time.time()) + self._ttl_seconds
        requests: list[dict[str, Any]] = [
            {
                "PutRequest": {
                    "Item": {
                        keys.PK: {"S": keys.plan_pk(digest)},
                        keys.SK: {"S": keys.plan_chunk_sk(index)},
                        "data": {"B": chunk},
                        "chunks": {"N": str(len(chunks))},
                        keys.TTL_ATTRIBUTE: {"N": str(expires_at)},
                    }
                }
            }
            for index, chunk in enumerate(chunks)
        ]
        batch_write(self._client, self._table, requests, "store plan")
        return digest, len(chunks)

    def get(self, sha256: str) -> bytes:
        """Load and decompress a blob; NotFound when it is missing or expired."""
        with translate_errors("load plan"):
            parts = [
                bytes(item["data"]["B"])
                for item in query_all(
                    self._client,
                    TableName=self._table,
                    KeyConditionExpression="#pk = :pk",
                    ExpressionAttributeNames={"#pk": keys.PK},
                    ExpressionAttributeValues={":pk": {"S": keys.plan_pk(sha256)}},
                    ConsistentRead=True,
                )
            ]
        if not parts:
            raise NotFound(f"stored plan {sha256[:12]}… is missing or expired")
        return gzip.decompress(b"".join(parts))
