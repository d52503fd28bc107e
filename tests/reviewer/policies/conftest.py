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


# What the sample policies find on samples/plans/multi-region-storage.json, per folder (input shape):
# (rule id = package, severity, address, introduction, introduced). The CLI, the reviewer Lambda handler
# and the API each must give exactly these.
MULTI_REGION_EXPECTED: dict[str, set[tuple[str, str, str | None, str | None, bool]]] = {
    "conftest": {
        ("tfreview.allowed_regions", "HIGH", None, None, True),  # the provider aws.us, not a resource
        ("tfreview.allowed_regions", "HIGH", "aws_s3_bucket.us_replica", "introduced", True),
        ("tfreview.allowed_regions", "HIGH", "azurerm_storage_account.exports", "introduced", True),
        ("tfreview.allowed_regions", "HIGH", "google_storage_bucket.media", "pre_existing", False),
        ("tfreview.no_public_buckets", "HIGH", "aws_s3_bucket_acl.us_replica", "introduced", True),
        (
            "tfreview.no_public_buckets",
            "HIGH",
            "aws_s3_bucket_public_access_block.us_replica",
            "introduced",
            True,
        ),
        ("tfreview.required_tags", "MEDIUM", "aws_s3_bucket.us_replica", "introduced", True),
        ("tfreview.required_tags", "MEDIUM", "aws_s3_bucket.archive", "pre_existing", False),
    },
    "spacelift": {
        ("spacelift.allowed_regions", "HIGH", "aws_s3_bucket.us_replica", "introduced", True),
        ("spacelift.allowed_regions", "HIGH", "azurerm_storage_account.exports", "introduced", True),
        ("spacelift.allowed_regions", "HIGH", "google_storage_bucket.media", "pre_existing", False),
        ("spacelift.no_public_buckets", "HIGH", "aws_s3_bucket_acl.us_replica", "introduced", True),
        (
            "spacelift.no_public_buckets",
            "HIGH",
            "aws_s3_bucket_public_access_block.us_replica",
            "introduced",
            True,
        ),
        ("spacelift.required_tags", "HIGH", "aws_s3_bucket.us_replica", "introduced", True),
        ("spacelift.required_tags", "HIGH", "aws_s3_bucket.archive", "pre_existing", False),
    },
}


def finding_table(findings: list[dict[str, Any]]) -> set[tuple[str, str, str | None, str | None, bool]]:
    """The policy findings of a JSON report or API response as MULTI_REGION_EXPECTED rows."""
    return {
        (f["rule_id"], f["severity"], f["address"], f["introduction"], f["introduced"])
        for f in findings
        if f["source"] == "policy"
    }


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
