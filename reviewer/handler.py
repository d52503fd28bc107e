"""The reviewer Lambda and the scheduled sweep: validate the event, call the review run (app.services.review_run)."""

from __future__ import annotations

import threading
from typing import Any

from app.core.logging import configure_logging
from app.core.settings import Settings, get_settings
from app.services.container import build_reviewer, build_sweeper
from app.services.review_run import ReviewerDeps, SweepDeps, process, sweep

_deps: ReviewerDeps | None = None
_sweep_deps: SweepDeps | None = None
_deps_lock = threading.Lock()


def build_deps(settings: Settings) -> ReviewerDeps:
    """The reviewer's dependencies for these settings (tests build their own)."""
    return build_reviewer(settings)


def _shared_deps() -> ReviewerDeps:
    global _deps
    with _deps_lock:
        if _deps is None:
            settings = get_settings()
            configure_logging(settings.log_level)
            _deps = build_deps(settings)
        return _deps


def _shared_sweep_deps() -> SweepDeps:
    global _sweep_deps
    with _deps_lock:
        if _sweep_deps is None:
            settings = get_settings()
            configure_logging(settings.log_level)
            _sweep_deps = build_sweeper(settings)
        return _sweep_deps


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry: {review_id, version} (review it) or {notify: review_id} (deliver its due events now);
    raises on a lasting store outage so Lambda retries the event."""
    return process(_shared_deps(), event)


def sweep_handler(event: dict[str, Any] | None = None, context: Any = None) -> dict[str, Any]:
    """Lambda entry for the scheduled sweep: requeue reviews whose reviewer is gone, fail exhausted ones."""
    result = sweep(_shared_sweep_deps())
    return {"requeued": result.requeued, "failed": result.failed}
