"""The sample policies (both input shapes) on the sample plans: the findings a team expects."""

from __future__ import annotations

import pytest

from reviewer.engine.results import Finding, Introduction, Severity
from reviewer.policies.testing import Outcome, run_tests
from tests.reviewer.policies.conftest import SAMPLE_POLICIES, policy_findings, sample_plan

CONFTEST = str(SAMPLE_POLICIES / "conftest")
SPACELIFT = str(SAMPLE_POLICIES / "spacelift")


def _table(findings: list[Finding]) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule_id, f.address, f.introduction.value if f.introduction else None) for f in findings}


@pytest.mark.parametrize("folder", [CONFTEST, SPACELIFT])
def test_sample_policy_tests_pass(folder: str) -> None:
    results = run_tests([folder], timeout=60)
    assert results and all(r.outcome is Outcome.PASS for r in results), results


def test_conftest_samples_on_the_multi_region_plan() -> None:
    findings = policy_findings([CONFTEST], sample_plan("multi-region-storage"))
    assert _table(findings) == {
        ("tfreview.allowed_regions", None, None),  # the provider aws.us, not a resource
        ("tfreview.allowed_regions", "aws_s3_bucket.us_replica", "introduced"),
        ("tfreview.allowed_regions", "azurerm_storage_account.exports", "introduced"),
        ("tfreview.allowed_regions", "google_storage_bucket.media", "pre_existing"),
        ("tfreview.no_public_buckets", "aws_s3_bucket_acl.us_replica", "introduced"),
        ("tfreview.no_public_buckets", "aws_s3_bucket_public_access_block.us_replica", "introduced"),
        ("tfreview.required_tags", "aws_s3_bucket.us_replica", "introduced"),
        ("tfreview.required_tags", "aws_s3_bucket.archive", "pre_existing"),
    }
    block = [f for f in findings if f.address == "aws_s3_bucket_public_access_block.us_replica"]
    assert {f.attribute for f in block} == {
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    }
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["tfreview.required_tags"].severity is Severity.MEDIUM  # METADATA custom.severity
    assert by_rule["tfreview.required_tags"].title == "Required tags"
    assert by_rule["tfreview.required_tags"].remediation.startswith("Add the missing keys")
    assert by_rule["tfreview.no_public_buckets"].category.value == "security"
    assert by_rule["tfreview.allowed_regions"].severity is Severity.HIGH
    archive = next(f for f in findings if f.address == "aws_s3_bucket.archive")
    assert archive.introduced is False and archive.message.endswith("(already present before this plan)")
    assert archive.type == "aws_s3_bucket" and archive.action == "update"


def test_spacelift_samples_on_the_multi_region_plan() -> None:
    findings = policy_findings([SPACELIFT], sample_plan("multi-region-storage"))
    assert _table(findings) == {
        ("spacelift.allowed_regions", "aws_s3_bucket.us_replica", "introduced"),
        ("spacelift.allowed_regions", "azurerm_storage_account.exports", "introduced"),
        ("spacelift.allowed_regions", "google_storage_bucket.media", "pre_existing"),
        ("spacelift.no_public_buckets", "aws_s3_bucket_acl.us_replica", "introduced"),
        ("spacelift.no_public_buckets", "aws_s3_bucket_public_access_block.us_replica", "introduced"),
        ("spacelift.required_tags", "aws_s3_bucket.us_replica", "introduced"),
        ("spacelift.required_tags", "aws_s3_bucket.archive", "pre_existing"),
    }
    # Spacelift messages are plain strings: the address comes from the message.
    warn = next(f for f in findings if f.rule_id == "spacelift.allowed_regions")
    assert warn.severity is Severity.HIGH  # package METADATA beats the warn default (MEDIUM)
    deny = next(f for f in findings if f.rule_id == "spacelift.no_public_buckets")
    assert deny.severity is Severity.HIGH and deny.title == "Policy spacelift.no_public_buckets"


@pytest.mark.parametrize(
    ("folder", "prefix"), [(CONFTEST, "tfreview"), (SPACELIFT, "spacelift")], ids=["conftest", "spacelift"]
)
def test_samples_on_the_other_sample_plans(folder: str, prefix: str) -> None:
    exposure = _table(policy_findings([folder], sample_plan("azure-gcp-exposure")))
    assert exposure == {
        (f"{prefix}.no_public_buckets", "azurerm_storage_account.reports", "introduced"),
        (f"{prefix}.no_public_buckets", "google_storage_bucket_iam_member.public", "introduced"),
        (f"{prefix}.required_tags", "azurerm_storage_account.reports", "introduced"),
    }
    # Tags that were already missing before an update are posture, not introduced by the plan.
    assert _table(policy_findings([folder], sample_plan("safe-tag-update"))) == {
        (f"{prefix}.required_tags", "aws_s3_bucket.assets", "pre_existing"),
        (f"{prefix}.required_tags", "aws_cloudwatch_log_group.api", "pre_existing"),
    }
    assert policy_findings([folder], sample_plan("prod-payments-risky")) == []


def test_both_shapes_together() -> None:
    findings = policy_findings([CONFTEST, SPACELIFT], sample_plan("azure-gcp-exposure"))
    assert {f.rule_id for f in findings} == {
        "tfreview.no_public_buckets",
        "tfreview.required_tags",
        "spacelift.no_public_buckets",
        "spacelift.required_tags",
    }
    assert all(f.introduction is Introduction.INTRODUCED for f in findings)


def test_policy_findings_in_reports() -> None:
    import json

    import jsonschema

    from reviewer.engine.config import PolicyConfig
    from reviewer.engine.reports import render
    from reviewer.engine.review import review_plan
    from reviewer.policies.policy_set import PolicySet
    from tests.reviewer.engine.test_reports import sarif_schema

    policies = PolicySet.load(PolicyConfig(paths=[CONFTEST, SPACELIFT]))
    result = review_plan(sample_plan("multi-region-storage"), extra_findings=policies.extra_findings()).result
    sarif = json.loads(render("sarif", result))
    jsonschema.validate(sarif, sarif_schema())
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    custom = {rule["id"]: rule for rule in rules if "." in rule["id"]}
    assert set(custom) == {
        "tfreview.required_tags",
        "tfreview.allowed_regions",
        "tfreview.no_public_buckets",
        "spacelift.required_tags",
        "spacelift.allowed_regions",
        "spacelift.no_public_buckets",
    }
    assert custom["tfreview.required_tags"]["shortDescription"]["text"] == "Required tags"
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    markdown = render("md", result)
    assert "tfreview.no_public_buckets" in markdown and "spacelift.required_tags" in markdown
