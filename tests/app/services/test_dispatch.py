"""The local dispatcher: like Lambda's async retries, an event that hit a store outage runs again."""

from __future__ import annotations

import threading
import time
from typing import Any

from app.core.errors import ServiceUnavailable
from app.services.dispatch import LocalDispatcher


def test_an_event_whose_claim_hit_an_outage_is_run_again() -> None:
    runs: list[dict[str, Any]] = []
    done = threading.Event()

    def run(event: dict[str, Any]) -> None:
        runs.append(event)
        if len(runs) < 3:
            raise ServiceUnavailable("the review store is unreachable")
        done.set()

    dispatcher = LocalDispatcher(run, redelivery_base_seconds=0.05)
    try:
        dispatcher.dispatch("01JD8Z4Q7W3V5K2M9N8P6R4T2Y", 1)
        assert done.wait(5), runs
    finally:
        dispatcher.shutdown()
    assert runs == [{"review_id": "01JD8Z4Q7W3V5K2M9N8P6R4T2Y", "version": 1}] * 3


def test_redeliveries_are_bounded_and_other_errors_are_not_redelivered() -> None:
    runs: list[str] = []

    def run(event: dict[str, Any]) -> None:
        runs.append(event["review_id"])
        if event["review_id"] == "outage":
            raise ServiceUnavailable("down")
        raise ValueError("a bug")

    dispatcher = LocalDispatcher(run, redeliveries=2, redelivery_base_seconds=0.02)
    try:
        dispatcher.dispatch("outage", 1)
        dispatcher.dispatch("bug", 1)
        time.sleep(0.5)
    finally:
        dispatcher.shutdown()
    assert (
        runs.count("outage") == 3 and runs.count("bug") == 1
    )  # first run + 2 redeliveries; then the sweeper
