"""The review document types the services speak; the API imports them here, never from app.storage."""

from __future__ import annotations

from app.storage.models import (
    Commit,
    Decision,
    NotificationRecord,
    ResourceChangeView,
    Review,
    ReviewSource,
    ReviewStatus,
    SpaceliftInfo,
    StatusEvent,
    WriteBackInfo,
)
from app.storage.reviews import ListFilters

__all__ = [
    "Commit",
    "Decision",
    "ListFilters",
    "NotificationRecord",
    "ResourceChangeView",
    "Review",
    "ReviewSource",
    "ReviewStatus",
    "SpaceliftInfo",
    "StatusEvent",
    "WriteBackInfo",
]
