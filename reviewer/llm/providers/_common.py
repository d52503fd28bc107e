"""Small helpers the provider clients share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def retry_after_seconds(headers: Mapping[str, str] | Any) -> float | None:
    """The Retry-After header in seconds, when present and numeric."""
    try:
        value = headers.get("retry-after") if headers is not None else None
    except AttributeError:
        return None
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None
