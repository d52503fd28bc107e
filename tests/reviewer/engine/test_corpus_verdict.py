"""On every real and public peer plan the verdict is about the change: posture never sets the level."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import PlanError, load_plan, review_plan
from reviewer.engine.scoring import score_plan
from tests.reviewer.engine.test_corpus import FILES as SHARED
from tests.reviewer.engine.test_peer_corpus import FILES as PEER

# The shared corpus (real plans, absent on some machines) and the public peer corpus in tests/fixtures/peer.
FILES = [*SHARED, *PEER]

REDACTED = "(redacted)"


def reviewable(path: Path) -> dict[str, Any]:
    """The plan in `path`; the test is skipped when the file is no reviewable plan."""
    try:
        return load_plan(path.read_bytes())
    except PlanError:
        pytest.skip("not a reviewable plan")


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_level_is_explained_by_introduced_findings_alone(path: Path) -> None:
    raw = reviewable(path)
    output = review_plan(raw)
    result = output.result
    introduced = [f for f in result.findings if f.introduced]
    alone = score_plan(output.plan, introduced)
    assert (result.risk.level, result.risk.score) == (alone.level, alone.score)
    assert result.risk.introduced == len(introduced)
    assert result.risk.posture == len(result.findings) - len(introduced)


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_no_finding_points_at_a_redacted_address(path: Path) -> None:
    raw = reviewable(path)
    findings = review_plan(raw).result.findings
    assert [f.address for f in findings if f.address and REDACTED in f.address] == []


def tags_only(raw: dict[str, Any], count: int = 30) -> dict[str, Any]:
    """The same infrastructure, but the plan only changes tags on up to `count` resources (the rest no-op)."""
    changes = []
    tagged = 0
    for rc in raw.get("resource_changes") or ():
        change = rc.get("change") or {}
        before = change.get("before")
        if rc.get("mode") == "data" or not isinstance(before, dict) or rc.get("deposed"):
            continue  # data reads and objects that do not exist yet are not part of "the same infrastructure"
        after = copy.deepcopy(before)
        actions = ["no-op"]
        if tagged < count and isinstance(after.get("tags"), dict | None) and "tags" in after:
            after["tags"] = {**(after.get("tags") or {}), "CostCenter": "1234"}
            actions, tagged = ["update"], tagged + 1
        entry = {k: v for k, v in rc.items() if k not in ("action_reason", "previous_address", "importing")}
        entry["change"] = {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": change.get("before_sensitive", False),
            "after_sensitive": change.get("before_sensitive", False),
        }
        changes.append(entry)
    outputs = {
        name: {**out, "actions": ["no-op"], "after": out.get("before"), "after_unknown": False}
        for name, out in (raw.get("output_changes") or {}).items()
        if isinstance(out, dict) and out.get("before") is not None
    }
    drop = ("resource_drift", "checks", "deferred_changes", "resource_changes", "output_changes")
    rest = {k: v for k, v in raw.items() if k not in drop}
    return {
        **rest,
        "resource_changes": changes,
        "output_changes": outputs,
        "errored": False,
        "applyable": True,
        "complete": True,
    }


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_tags_only_version_of_every_plan_is_low(path: Path) -> None:
    # Whatever is wrong with the infrastructure is posture; a plan that only retags it is safe to apply.
    raw = reviewable(path)
    result = review_plan(tags_only(raw)).result
    introduced = [
        f"{f.rule_id} {f.severity.value} {f.address}"
        for f in result.findings
        if f.introduced and f.severity.rank > 1
    ]
    assert (result.risk.level.value, introduced) == ("LOW", [])
