"""The review resource's `notifications`: each channel's delivery of each event, read from the outbox."""

from __future__ import annotations

import json

from app.storage.models import NotificationRecord
from app.storage.outbox import OutboxStore


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


def with_notifications(document: bytes, store: OutboxStore | None, review_id: str) -> bytes:
    """The stored review JSON with `notifications` added, without parsing the (possibly large) document."""
    if store is None:
        return document  # notifications are off: the document as stored (the field's default is [])
    records = notification_records(store, review_id)
    body = document.rstrip()
    if not body.endswith(b"}"):
        return document
    listed = json.dumps([record.model_dump(mode="json") for record in records], separators=(",", ":"))
    # A stored version never holds the key: deliveries are not part of a version (api.schemas.ReviewResource).
    return body[:-1] + b',"notifications":' + listed.encode() + b"}"
