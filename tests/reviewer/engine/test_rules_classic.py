"""Classic risks (issue 13): controls deleted, public access blocks deleted, each with positive, negative,
introduced, pre-existing and unknown cases."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import Finding, Severity
from reviewer.engine.rules.audit_controls import AWS_CONTROLS, AZURE_CONTROLS, GCP_CONTROLS
from tests.reviewer.engine.plans import change, plan

PAB_ON = {
    "bucket": "data",
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}
PAB_OFF = {**PAB_ON, **{flag: False for flag in PAB_ON if flag != "bucket"}}
CONTROLS = [
    *[("TFR-AWS-AUD-001", t, s) for t, (_, s) in AWS_CONTROLS.items()],
    *[("TFR-AZ-010", t, s) for t, (_, s) in AZURE_CONTROLS.items()],
    *[("TFR-GCP-008", t, s) for t, (_, s) in GCP_CONTROLS.items()],
]
CONTROL_BEFORE = {"id": "ctl-1", "name": "main", "enable_logging": True, "enable": True}


def only(raw: dict[str, Any], rule_id: str) -> list[Finding]:
    return [f for f in review_plan(raw).result.findings if f.rule_id == rule_id]


# (rule id, plan that must fire it, plan that must not): read by test_rules_change's catalog check.
CLASSIC_CHANGE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "TFR-AWS-AUD-001",
        plan(change("aws_cloudtrail", None, before=CONTROL_BEFORE)),
        plan(change("aws_cloudtrail", CONTROL_BEFORE)),
    ),
    (
        "TFR-AZ-010",
        plan(change("azurerm_monitor_diagnostic_setting", None, before={"name": "audit"})),
        plan(change("azurerm_monitor_diagnostic_setting", {"name": "audit"})),
    ),
    (
        "TFR-GCP-008",
        plan(change("google_project_iam_audit_config", None, before={"service": "allServices"})),
        plan(change("google_project_iam_audit_config", {"service": "allServices"})),
    ),
    (
        "TFR-AWS-S3-012",
        plan(change("aws_s3_bucket_public_access_block", None, before=PAB_ON)),
        plan(change("aws_s3_bucket_public_access_block", None, before=PAB_OFF)),
    ),
]


@pytest.mark.parametrize(("rule_id", "rtype", "severity"), CONTROLS, ids=[c[1] for c in CONTROLS])
def test_control_deleted_is_introduced(rule_id: str, rtype: str, severity: Severity) -> None:
    found = only(plan(change(rtype, None, before=CONTROL_BEFORE)), rule_id)
    assert len(found) == 1
    assert found[0].introduced and found[0].severity is severity
    assert found[0].address == f"{rtype}.this" and found[0].action == "delete"


@pytest.mark.parametrize(("rule_id", "rtype", "severity"), CONTROLS, ids=[c[1] for c in CONTROLS])
def test_control_kept_is_not_reported(rule_id: str, rtype: str, severity: Severity) -> None:
    created = plan(change(rtype, CONTROL_BEFORE))
    updated = plan(change(rtype, {**CONTROL_BEFORE, "name": "renamed"}, before=CONTROL_BEFORE))
    # Already gone before the plan (or never there) is posture, not this change: an unchanged object says nothing.
    unchanged = plan(change(rtype, CONTROL_BEFORE, before=CONTROL_BEFORE, action="no-op"))
    unknown = plan(change(rtype, {"id": "ctl-1"}, before=CONTROL_BEFORE, after_unknown={"name": True}))
    for raw in (created, updated, unchanged, unknown):
        assert only(raw, rule_id) == []


def test_flow_log_deleted_with_its_vpc_is_not_reported() -> None:
    flow = {"id": "fl-1", "vpc_id": "vpc-1", "traffic_type": "ALL"}
    raw = plan(
        change("aws_flow_log", None, before=flow),
        change("aws_vpc", None, before={"id": "vpc-1", "cidr_block": "10.0.0.0/16"}),
    )
    assert only(raw, "TFR-AWS-AUD-001") == []
    alone = only(plan(change("aws_flow_log", None, before=flow)), "TFR-AWS-AUD-001")
    assert alone and alone[0].severity is Severity.MEDIUM


def test_trail_replaced_by_a_new_one_is_low() -> None:
    raw = plan(
        change("aws_cloudtrail", None, before=CONTROL_BEFORE, name="old"),
        change("aws_cloudtrail", {"name": "new", "enable_logging": True}, name="new"),
    )
    found = only(raw, "TFR-AWS-AUD-001")
    assert [f.severity for f in found] == [Severity.LOW]
    assert "created in the same plan" in found[0].message


def test_trail_deletion_sets_a_high_level() -> None:
    result = review_plan(plan(change("aws_cloudtrail", None, before=CONTROL_BEFORE))).result
    assert result.risk.level.value in ("HIGH", "CRITICAL")


@pytest.mark.parametrize(
    ("rtype", "severity"),
    [
        ("aws_s3_bucket_public_access_block", Severity.MEDIUM),
        ("aws_s3_account_public_access_block", Severity.HIGH),
    ],
)
def test_public_access_block_deleted(rtype: str, severity: Severity) -> None:
    found = only(plan(change(rtype, None, before=PAB_ON)), "TFR-AWS-S3-012")
    assert len(found) == 1 and found[0].introduced and found[0].severity is severity
    assert "block_public_policy" in found[0].message


def test_public_access_block_kept_or_gone_with_its_bucket_is_not_reported() -> None:
    rule = "TFR-AWS-S3-012"
    with_bucket = plan(
        change("aws_s3_bucket_public_access_block", None, before=PAB_ON),
        change("aws_s3_bucket", None, before={"bucket": "data", "id": "data"}),
    )
    unchanged = plan(change("aws_s3_bucket_public_access_block", PAB_ON, before=PAB_ON, action="no-op"))
    unknown = plan(
        change(
            "aws_s3_bucket_public_access_block",
            {"bucket": "data"},
            before=PAB_ON,
            after_unknown={"block_public_acls": True},
        )
    )
    created = plan(change("aws_s3_bucket_public_access_block", PAB_ON))
    for raw in (with_bucket, unchanged, unknown, created):
        assert only(raw, rule) == []
