"""Which run transitions start a review."""

from __future__ import annotations

import pytest

from webhook.events import RunState, RunType
from webhook.trigger import TriggerAction, decide


@pytest.mark.parametrize(
    ("run_type", "state"),
    [
        ("PROPOSED", "FINISHED"),
        ("PROPOSED", "PENDING_REVIEW"),
        ("TRACKED", "UNCONFIRMED"),
        ("tracked", "unconfirmed"),
    ],
)
def test_plan_ready_starts_a_review(run_type: str, state: str) -> None:
    assert decide(run_type, state) is TriggerAction.START_REVIEW


def test_everything_else_only_updates_state() -> None:
    starters = {("PROPOSED", "FINISHED"), ("PROPOSED", "PENDING_REVIEW"), ("TRACKED", "UNCONFIRMED")}
    for run_type in RunType:
        for state in RunState:
            if (run_type.value, state.value) not in starters:
                assert decide(run_type, state) is TriggerAction.UPDATE_STATE, (run_type, state)


@pytest.mark.parametrize(
    ("run_type", "state"), [(None, "FINISHED"), ("PROPOSED", None), ("ODD", "FINISHED"), ("TRACKED", "ODD")]
)
def test_unknown_values_never_start_a_review(run_type: str | None, state: str | None) -> None:
    assert decide(run_type, state) is TriggerAction.UPDATE_STATE
