"""On every real plan of the shared corpus the verdict is about the change: posture never sets the level."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.engine import PlanError, load_plan, review_plan
from reviewer.engine.scoring import score_plan
from tests.reviewer.engine.test_corpus import FILES

REDACTED = "(redacted)"


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_level_is_explained_by_introduced_findings_alone(path: Path) -> None:
    try:
        raw = load_plan(path.read_bytes())
    except PlanError:
        pytest.skip("not a reviewable plan")
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
    try:
        raw = load_plan(path.read_bytes())
    except PlanError:
        pytest.skip("not a reviewable plan")
    findings = review_plan(raw).result.findings
    assert [f.address for f in findings if f.address and REDACTED in f.address] == []
