"""The forked children's time limit holds however late the parent collects their results."""

from __future__ import annotations

import os
import time

import pytest

from reviewer.policies.errors import PolicyError
from reviewer.policies.sandbox import LimitedRun


def _answer() -> str:
    return "x" * 300_000  # more than a pipe holds: the child waits for the parent to read


def _slow() -> str:
    time.sleep(1.0)
    return "late"


def test_results_that_arrived_in_time_are_taken_after_the_deadline() -> None:
    with LimitedRun([_answer, lambda: 2], 0.5, "work") as run:
        time.sleep(1.0)  # the parent is busy past the deadline; the children finished long before
        assert run.results() == [_answer(), 2]


def test_a_child_finishing_after_the_deadline_is_a_time_limit_error_even_when_collected_later() -> None:
    with LimitedRun([_slow], 0.3, "slow work") as run:
        time.sleep(1.5)  # the child finished meanwhile, but after its limit
        with pytest.raises(PolicyError, match=r"slow work took longer than the limit of 0\.3 s"):
            run.results()


def test_a_child_still_computing_at_the_deadline_is_killed() -> None:
    started = time.monotonic()
    with (
        LimitedRun([lambda: time.sleep(30)], 0.3, "stuck work") as run,
        pytest.raises(PolicyError, match="stuck work took longer than the limit"),
    ):
        run.results()
    assert time.monotonic() - started < 5


def test_leaving_the_block_without_collecting_stops_the_children() -> None:
    with LimitedRun([lambda: time.sleep(30)], 60, "work") as run:
        pids = [pid for pid, _ in run._children.values()]
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped: killed and waited for on leaving
