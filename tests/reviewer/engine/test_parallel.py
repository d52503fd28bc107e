"""The CLI's parallel rule run: same findings in the same order, whatever happens to the child."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reviewer.engine import PlanError, load_plan, parse_plan, redact_plan, review_plan
from reviewer.engine import forked as forked_module
from reviewer.engine import redaction as redaction_module
from reviewer.engine import review as review_module
from reviewer.engine.forked import Forked, spare_cpus
from reviewer.engine.results import Category, Finding, FindingSource, Severity
from reviewer.engine.review import review_loaded_plan
from reviewer.engine.rules import RuleRun, run_rules
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.test_secrets import FIXTURE

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


def test_rule_run_parts_combine_to_the_whole() -> None:
    raw = load_plan(mixed_plan(200))
    redacted, _ = redact_plan(raw)
    parsed = parse_plan(redacted)
    whole = run_rules(parsed, redacted)
    assert len(whole) > 200
    run = RuleRun(parsed, redacted)
    parts = [
        run.resource_findings(0.0, 0.3),
        run.resource_findings(0.3, 0.44),
        run.resource_findings(0.44, 1.0),
    ]
    assert RuleRun.combine(parts, run.plan_findings()) == whole


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[Forked[object]]:
    """Parallel paths taken from 10 resources on, as if a spare CPU existed; records each fork."""
    started: list[Forked[object]] = []

    def fork(work: Callable[[], object]) -> Forked[object]:
        started.append(Forked(work))
        return started[-1]

    for module in (review_module, redaction_module):
        monkeypatch.setattr(module, "PARALLEL_MIN_RESOURCES", 10)
        monkeypatch.setattr(module, "spare_cpus", lambda: 1)
        monkeypatch.setattr(module, "Forked", fork)
    return started


def test_parallel_review_equals_the_sequential_one(forks: list[Forked[object]]) -> None:
    raw = load_plan(mixed_plan(200))
    parallel = review_loaded_plan(raw, parallel=True).result
    assert len(forks) == 2  # redaction, then rules
    assert parallel == review_plan(raw).result


def test_parallel_redaction_equals_the_sequential_one(forks: list[Forked[object]]) -> None:
    # The planted-secrets fixture, its resources repeated under new addresses: marks, copies, patterns.
    base = load_plan(FIXTURE.read_bytes())
    changes = [{**rc, "address": f"{rc['address']}_{i}"} for i in range(6) for rc in base["resource_changes"]]
    raw = {**base, "resource_changes": changes}
    sequential = redact_plan(raw)
    assert redact_plan(raw, parallel=True) == sequential
    assert len(forks) == 1 and sequential[1].count > 20


def test_spare_cpus_is_never_negative() -> None:
    assert spare_cpus() >= 0


def test_busy_cpus_are_not_spare(monkeypatch: pytest.MonkeyPatch) -> None:
    # On a busy machine a second process would only wait for a core: the review stays in one process.
    assert forked_module._running_now() >= 1
    usable = len(os.sched_getaffinity(0))
    monkeypatch.setattr(forked_module, "_running_now", lambda: 1)
    assert spare_cpus() == usable - 1
    monkeypatch.setattr(forked_module, "_running_now", lambda: usable + 5)
    assert spare_cpus() == 0


def test_secret_found_late_voids_the_early_rules_run(forks: list[Forked[object]]) -> None:
    # Only planned_values names this password; a tag copies it. Only the second redaction pass catches
    # the copy, after the child started: its findings are dropped and the rules run again.
    password = "Sup3r-S3cret-Value-77"
    raw = load_plan(mixed_plan(40))
    raw["resource_changes"].append(
        change("aws_instance", {"ami": "a", "tags": {"Note": f"pw {password}"}}, name="tagged")
    )
    ghost = {"address": "aws_db_instance.ghost", "type": "aws_db_instance", "name": "ghost", "mode": "managed",
             "values": {"identifier": "ghost", "password": password}, "sensitive_values": {}}  # fmt: skip
    raw["planned_values"] = {"root_module": {"resources": [ghost]}}
    parallel = review_loaded_plan(raw, parallel=True)
    sequential = review_plan(raw)
    assert len(forks) == 2
    assert parallel.result == sequential.result and parallel.redacted == sequential.redacted
    assert any(
        f.rule_id == "TFR-SEC-004" and f.address == "aws_instance.tagged" for f in parallel.result.findings
    )
    assert password not in json.dumps(parallel.redacted)


def test_parallel_output_holds_the_whole_redacted_plan(forks: list[Forked[object]]) -> None:
    raw = load_plan(FIXTURE.read_bytes())
    raw["resource_changes"] = raw["resource_changes"] * 3
    parallel = review_loaded_plan(raw, parallel=True)
    assert parallel.redacted == review_plan(raw).redacted == redact_plan(raw)[0]


def test_cancel_stops_the_child() -> None:
    parent = os.getpid()
    child = Forked(lambda: "here" if os.getpid() == parent else time.sleep(30))
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 5
    assert child.result() == "here"  # no child left: the work runs in this process


def reaped(child: Forked[Any]) -> bool:
    """The child process is gone, not even a zombie left (other tests' servers may still run)."""
    assert child.child_pid is not None
    try:
        os.waitpid(child.child_pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_leaving_the_block_early_stops_the_child() -> None:
    parent = os.getpid()
    with (
        pytest.raises(ValueError),
        Forked(lambda: None if os.getpid() == parent else time.sleep(30)) as child,
    ):
        raise ValueError("the parent's part failed")
    assert reaped(child)


def test_lone_surrogate_in_a_parallel_review_is_an_input_error(forks: list[Forked[object]]) -> None:
    raw = load_plan(mixed_plan(40))
    raw["resource_changes"].append(change("aws_instance", {"ami": "a", "tags": {"x": "\ud800"}}, name="odd"))
    with pytest.raises(PlanError, match="surrogate"):
        review_loaded_plan(raw, parallel=True)
    assert len(forks) == 2 and all(reaped(child) for child in forks)


def with_planned_values(body: dict[str, Any]) -> dict[str, Any]:
    """The plan with planned_values repeating its resources' after values, and a marked password."""
    resources: list[dict[str, Any]] = [
        {"address": rc["address"], "mode": "managed", "type": rc["type"], "name": rc["name"],
         "values": rc["change"]["after"], "sensitive_values": {}}
        for rc in body["resource_changes"]
        if rc["change"]["after"] is not None
    ]  # fmt: skip
    db = change("aws_db_instance", {"identifier": "main", "password": "Marked-Pa55word-1"}, name="main")
    db["change"]["after_sensitive"] = {"password": True}
    resources.append({"address": db["address"], "mode": "managed", "type": db["type"], "name": "main",
                      "values": db["change"]["after"], "sensitive_values": {"password": True}})  # fmt: skip
    body["resource_changes"].append(db)
    body["planned_values"] = {"root_module": {"resources": resources}}
    return load_plan(body)


def test_the_child_redacts_the_late_sections_so_this_process_need_not(
    forks: list[Forked[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the child's few results cross the pipe: the redacted planned_values/prior_state stay there.
    calls: list[int] = []
    late = redaction_module._Redactor.late

    def counted(self: redaction_module._Redactor, key: str, item: Any) -> Any:
        calls.append(os.getpid())  # a child's appends stay in its own memory
        return late(self, key, item)

    monkeypatch.setattr(redaction_module._Redactor, "late", counted)
    raw = with_planned_values(mixed_plan(60))
    parallel = review_loaded_plan(raw, parallel=True)
    assert len(forks) == 2 and calls == []
    assert parallel.redacted == redact_plan(raw)[0]  # still there when asked for: redacted here then
    assert "Marked-Pa55word-1" not in json.dumps(parallel.redacted)
    assert calls and set(calls) == {os.getpid()}
    assert parallel.result == review_plan(raw).result


def test_parallel_review_with_custom_findings_equals_the_sequential_one(forks: list[Forked[object]]) -> None:
    # Custom policies read the whole redacted plan: this process redacts it while the child runs rules.
    seen: list[dict[str, Any]] = []

    @contextlib.contextmanager
    def extra(parsed: Any, redacted: dict[str, Any]) -> Iterator[Callable[[], list[Finding]]]:
        seen.append(redacted)
        yield lambda: [
            Finding(
                rule_id="POLICY-1",
                title="custom",
                severity=Severity.HIGH,
                category=Category.POLICY,
                address=parsed.resource_changes[0].address,
                message=f"{len(redacted['planned_values'])} planned sections",
                source=FindingSource.POLICY,
            )
        ]

    raw = with_planned_values(mixed_plan(60))
    parallel = review_loaded_plan(raw, parallel=True, extra_findings=extra)
    assert len(forks) == 2
    assert seen[0] == redact_plan(raw)[0]
    sequential = review_plan(raw, extra_findings=extra)
    assert parallel.result == sequential.result
    assert any(f.rule_id == "POLICY-1" for f in parallel.result.findings)
