"""The CLI's parallel rule run: same findings in the same order, whatever happens to the child."""

from __future__ import annotations

import os

import pytest

from reviewer.engine import load_plan, parse_plan, redact_plan, review_plan
from reviewer.engine import rules as rules_module
from reviewer.engine.forked import Forked, spare_cpus
from reviewer.engine.review import review_loaded_plan
from tests.reviewer.engine.plans import change, plan

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def mixed_plan(count: int) -> dict[str, object]:
    """Many resources of the kinds the rules look at, in every action."""
    entries = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            entries.append(
                change(
                    "aws_security_group",
                    {
                        "ingress": [
                            {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
                        ]
                    },
                    name=f"sg{i}",
                )
            )
        elif kind == 1:
            entries.append(change("aws_s3_bucket", {"bucket": f"b{i}", "acl": "public-read"}, name=f"b{i}"))
        elif kind == 2:
            entries.append(
                change(
                    "aws_db_instance",
                    None,
                    before={"identifier": f"db{i}", "skip_final_snapshot": True},
                    name=f"db{i}",
                )
            )
        else:
            entries.append(
                change("aws_instance", {"ami": "b"}, before={"ami": "a"}, action="replace", name=f"vm{i}")
            )
    return plan(*entries)


def test_forked_work_runs_in_a_child_and_returns_its_value() -> None:
    assert Forked(os.getpid).result() != os.getpid()
    assert Forked(lambda: {"findings": [1, 2, 3]}).result() == {"findings": [1, 2, 3]}


def test_forked_work_that_fails_in_the_child_runs_again_here() -> None:
    parent = os.getpid()

    def work() -> str:
        if os.getpid() != parent:
            raise RuntimeError("child only")
        return "computed in the parent"

    assert Forked(work).result() == "computed in the parent"


def test_parallel_rules_give_the_same_findings_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_module, "PARALLEL_MIN_RESOURCES", 10)
    monkeypatch.setattr(rules_module, "spare_cpus", lambda: 1)
    raw = load_plan(mixed_plan(200))
    redacted, _ = redact_plan(raw)
    parsed = parse_plan(redacted)
    sequential = rules_module.run_rules(parsed, redacted)
    assert len(sequential) > 200
    assert rules_module.run_rules(parsed, redacted, parallel=True) == sequential
    assert review_loaded_plan(raw, parallel=True).result == review_plan(raw).result


def test_spare_cpus_is_never_negative() -> None:
    assert spare_cpus() >= 0
