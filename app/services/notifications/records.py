"""The review resource's `notifications`: each channel's delivery of each event, read from the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from app.storage.models import NotificationRecord
from app.storage.outbox import OutboxStore

# Reads of deliveries beside a GET's document read (a few threads per process, created on first use).
_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="notifications-read")


def notification_records(store: OutboxStore | None, review_id: str) -> list[NotificationRecord]:
    """Every (event, channel) delivery of a review, oldest version first."""
    if store is None:
        return []
    return [
        NotificationRecord(
            kind=event.kind,
            version=event.version,
            channel=channel,
            status=state.status,
            attempts=state.attempts,
            last_error=state.last_error,
            last_attempt_at=state.last_attempt_at,
            sent_at=state.sent_at,
            next_attempt_at=state.next_attempt_at,
        )
        for event in store.for_review(review_id)
        for channel, state in sorted(event.channels.items())
    ]


def current_with_notifications(read: Callable[[], bytes], store: OutboxStore | None, review_id: str) -> bytes:
    """The current review JSON (`read`) with its deliveries; the two reads run side by side."""
    if store is None:
        return read()  # notifications are off: the document as stored (the field's default is [])
    # The outbox Query costs about what the document's GetItem does: overlapped, a GET waits for one.
    pending = _READS.submit(notification_records, store, review_id)
    document = read()
    return with_notifications(document, pending.result())


def with_notifications(document: bytes, records: list[NotificationRecord]) -> bytes:
    """The stored review JSON with `notifications` added, without parsing the (possibly large) document."""
    body = document.rstrip()
    if not body.endswith(b"}"):
        return document
    listed = json.dumps([record.model_dump(mode="json") for record in records], separators=(",", ":"))
    # A stored version never holds the key: deliveries are not part of a version (api.schemas.ReviewResource).
    return body[:-1] + b',"notifications":' + listed.encode() + b"}"
