"""A review's policy evaluation: beside the engine's rules when a CPU is idle, after them otherwise, same findings."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine.config import PolicyConfig
from reviewer.engine.review import review_plan
from reviewer.policies import policy_set
from reviewer.policies.errors import PolicyError
from reviewer.policies.inputs import spacelift_context
from reviewer.policies.policy_set import PolicyRun, PolicySet
from tests.reviewer.policies.conftest import SAMPLE_POLICIES, sample_plan

SLOW = """package slow
import rego.v1
deny contains n if {
	count(input.resource_changes) > 0
	some n in numbers.range(1, 2000000000)
	n < 0
}
"""


@pytest.mark.parametrize("spare", [0, 1])
def test_the_children_start_on_entering_only_when_a_cpu_is_idle(
    monkeypatch: pytest.MonkeyPatch, spare: int
) -> None:
    monkeypatch.setattr(policy_set, "spare_cpus", lambda: spare)
    policies = PolicySet.load(PolicyConfig(paths=[str(SAMPLE_POLICIES)]))
    output = review_plan(sample_plan("multi-region-storage"))
    run = PolicyRun(policies, output.plan, output.redacted, spacelift_context())
    with run as findings:
        assert bool(run._run._children) is bool(spare)
        assert findings()
    assert not run._run._children  # reaped


def test_both_ways_give_the_same_review(monkeypatch: pytest.MonkeyPatch) -> None:
    policies = PolicySet.load(PolicyConfig(paths=[str(SAMPLE_POLICIES)]))
    results: dict[int, list[dict[str, Any]]] = {}
    for spare in (0, 1):
        monkeypatch.setattr(policy_set, "spare_cpus", lambda spare=spare: spare)
        results[spare] = [
            asdict(review_plan(sample_plan(name), extra_findings=policies.extra_findings()).result)
            for name in ("multi-region-storage", "safe-tag-update", "azure-gcp-exposure")
        ]
    assert results[0] == results[1]
    assert any(f["source"] == "policy" for result in results[1] for f in result["findings"])


@pytest.mark.parametrize("spare", [0, 1])
def test_the_time_limit_holds_either_way(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spare: int) -> None:
    (tmp_path / "slow.rego").write_text(SLOW)
    policies = PolicySet.load(PolicyConfig(paths=[str(tmp_path)], timeout_seconds=0.5))
    monkeypatch.setattr(policy_set, "spare_cpus", lambda: spare)
    with pytest.raises(PolicyError, match=r"slow\.rego took longer than the limit of 0\.5 s"):
        review_plan(sample_plan("multi-region-storage"), extra_findings=policies.extra_findings())
