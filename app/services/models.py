"""The review document types the services speak; the API imports them here, never from app.storage."""

from __future__ import annotations

from app.storage.models import (
    Actor,
    Commit,
    Decision,
    NotificationRecord,
    ResourceChangeView,
    Review,
    ReviewDetail,
    ReviewSource,
    ReviewStatus,
    SpaceliftInfo,
    StatusEvent,
    VersionAction,
    WriteBackInfo,
)
from app.storage.reviews import ListFilters

__all__ = [
    "Actor",
    "Commit",
    "Decision",
    "ListFilters",
    "NotificationRecord",
    "ResourceChangeView",
    "Review",
    "ReviewDetail",
    "ReviewSource",
    "ReviewStatus",
    "SpaceliftInfo",
    "StatusEvent",
    "VersionAction",
    "WriteBackInfo",
]
