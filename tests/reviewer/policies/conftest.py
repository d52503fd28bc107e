"""Helpers for the policy tests: sample folders, plans, and policies written on the fly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine.config import PolicyConfig
from reviewer.engine.results import Finding
from reviewer.engine.review import review_plan
from reviewer.policies.policy_set import PolicySet

REPO = Path(__file__).resolve().parents[3]
SAMPLE_POLICIES = REPO / "samples" / "policies"
SAMPLE_PLANS = REPO / "samples" / "plans"


def sample_plan(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE_PLANS / f"{name}.json").read_text())
    return data


def policy_findings(paths: list[str], plan: dict[str, Any], **config: Any) -> list[Finding]:
    """The policy findings of a review of `plan` with these policies."""
    policies = PolicySet.load(PolicyConfig(paths=paths, **config))
    output = review_plan(plan, extra_findings=policies.extra_findings())
    return [f for f in output.result.findings if f.source == "policy"]


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a .rego file into a fresh folder and return the folder."""

    def write(name: str, source: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        return tmp_path

    return write
