"""Plans made by the real Terraform CLI and AWS provider 5.100 against moto (tests/fixtures/provider_plans).

Each scenario's verdict is what a senior cloud-security reviewer expects: the level, and the rules that
must fire at the named addresses as introduced findings. The benign twins come out LOW with no
introduced finding above LOW.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import EngineResult, RiskLevel, Severity
from tests.fixtures.provider_plans.regenerate import HERE, regenerate, scenarios, skip_reason

LOW, MEDIUM, HIGH, CRITICAL = RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL


@dataclass(frozen=True)
class Expected:
    """The verdict on one scenario: its level and the (rule, address) pairs it must report as introduced."""

    level: RiskLevel
    findings: tuple[tuple[str, str], ...] = ()


BENIGN = Expected(LOW)
EXPECTED: dict[str, Expected] = {
    # --- benign twins ---
    "benign_tag_only_update": BENIGN,
    "benign_no_op": BENIGN,
    "benign_private_bucket_created": BENIGN,
    "benign_sg_narrowed": BENIGN,
    "benign_sg_https_open_created": BENIGN,
    "benign_vpc_ingress_rule_private": BENIGN,
    "benign_vpc_ingress_rule_from_app_group": BENIGN,
    "benign_rds_safe_created": BENIGN,
    "benign_iam_scoped_policy": BENIGN,
    "benign_lambda_permission_service": BENIGN,
    # Refactors that touch no real object: a moved block, an import block, a removed block (forget).
    "benign_bucket_renamed_with_moved_block": Expected(LOW, (("TFR-CHG-015", "aws_s3_bucket.static_site"),)),
    "benign_bucket_imported": Expected(LOW, (("TFR-CHG-014", "aws_s3_bucket.assets"),)),
    "bucket_forgotten_with_removed_block": Expected(LOW, (("TFR-CHG-013", "aws_s3_bucket.assets"),)),
    "drift_benign_tags_changed": Expected(LOW, (("TFR-CHG-016", "aws_s3_bucket.data"),)),
    # --- network exposure: inline blocks and both separate-rule resources, IPv4 and IPv6 ---
    "sg_inline_ssh_open_world": Expected(HIGH, (("TFR-AWS-NET-001", "aws_security_group.app"),)),
    "sg_inline_rdp_open_ipv6_created": Expected(HIGH, (("TFR-AWS-NET-002", "aws_security_group.app"),)),
    "sg_inline_all_traffic_open_both_stacks_created": Expected(
        HIGH, (("TFR-AWS-NET-004", "aws_security_group.app"),)
    ),
    "sg_rule_postgres_open_world": Expected(HIGH, (("TFR-AWS-NET-005", "aws_security_group_rule.postgres"),)),
    "sg_rule_ssh_open_ipv6": Expected(HIGH, (("TFR-AWS-NET-001", "aws_security_group_rule.ssh"),)),
    "vpc_ingress_rule_all_traffic_world": Expected(
        HIGH, (("TFR-AWS-NET-004", "aws_vpc_security_group_ingress_rule.all"),)
    ),
    "vpc_ingress_rule_ssh_ipv6_world": Expected(
        HIGH, (("TFR-AWS-NET-001", "aws_vpc_security_group_ingress_rule.ssh"),)
    ),
    "vpc_ingress_rule_postgres_widened": Expected(
        HIGH, (("TFR-AWS-NET-005", "aws_vpc_security_group_ingress_rule.postgres"),)
    ),
    # Someone opened SSH in the console; this plan closes it again, so applying it is no risk.
    "drift_sg_opened_out_of_band": Expected(LOW, (("TFR-CHG-016", "aws_security_group.app"),)),
    # An open rule on a database or host that has a public address: one compound finding names both.
    "rds_public_behind_open_sg_rule_created": Expected(
        CRITICAL,
        (
            ("TFR-CMP-003", "aws_db_instance.orders"),
            ("TFR-AWS-RDS-002", "aws_db_instance.orders"),
            ("TFR-AWS-NET-005", "aws_vpc_security_group_ingress_rule.postgres"),
        ),
    ),
    "ec2_public_instance_open_ssh_created": Expected(
        CRITICAL,
        (
            ("TFR-CMP-003", "aws_instance.bastion"),
            ("TFR-AWS-NET-001", "aws_security_group.app"),
        ),
    ),
    # --- databases ---
    "rds_made_public": Expected(HIGH, (("TFR-AWS-RDS-002", "aws_db_instance.orders"),)),
    "rds_protection_off_no_final_snapshot": Expected(
        HIGH,
        (
            ("TFR-CMP-001", "aws_db_instance.orders"),
            ("TFR-CHG-006", "aws_db_instance.orders"),
            ("TFR-CHG-007", "aws_db_instance.orders"),
        ),
    ),
    "rds_unencrypted_created": Expected(HIGH, (("TFR-AWS-RDS-001", "aws_db_instance.orders"),)),
    "rds_destroyed": Expected(CRITICAL, (("TFR-CHG-001", "aws_db_instance.orders"),)),
    # Turning encryption on forces a new database: destroyed first, with skip_final_snapshot on.
    "rds_replaced_by_enabling_encryption": Expected(CRITICAL, (("TFR-CMP-004", "aws_db_instance.orders"),)),
    # Provider 5.x renames a database in place (no replacement): nothing this plan introduces.
    "rds_identifier_renamed_in_place": Expected(LOW),
    # No point-in-time recovery and no deletion protection: the delete keeps no copy of the table.
    "dynamodb_table_destroyed": Expected(
        CRITICAL,
        (("TFR-CMP-004", "aws_dynamodb_table.sessions"), ("TFR-CHG-001", "aws_dynamodb_table.sessions")),
    ),
    # Deleted in the console: its data is already gone and this plan creates an empty table.
    "drift_dynamodb_table_deleted_out_of_band": Expected(
        MEDIUM, (("TFR-CHG-016", "aws_dynamodb_table.sessions"),)
    ),
    "dynamodb_table_replaced_by_key_change": Expected(
        CRITICAL, (("TFR-CMP-004", "aws_dynamodb_table.sessions"),)
    ),
    # --- S3 ---
    # force_destroy = true: the delete empties the bucket first, so its objects are gone for good.
    "s3_bucket_destroyed": Expected(
        CRITICAL, (("TFR-CMP-004", "aws_s3_bucket.assets"), ("TFR-CHG-001", "aws_s3_bucket.assets"))
    ),
    # Every guard off and a grant to anyone: readable by the internet (Security Hub rates S3.2/S3.3 CRITICAL).
    "s3_public_access_block_off_public_policy": Expected(
        CRITICAL,
        (
            ("TFR-CMP-002", "aws_s3_bucket_policy.assets"),
            ("TFR-AWS-IAM-009", "aws_s3_bucket_policy.assets"),
            ("TFR-AWS-S3-004", "aws_s3_bucket_public_access_block.assets"),
        ),
    ),
    "s3_public_acl_grant": Expected(
        CRITICAL,
        (
            ("TFR-CMP-002", "aws_s3_bucket_acl.assets"),
            ("TFR-AWS-S3-001", "aws_s3_bucket_acl.assets"),
            ("TFR-AWS-S3-003", "aws_s3_bucket_public_access_block.assets"),
        ),
    ),
    # The grant to AllUsers spelled as an access_control_policy block instead of a canned ACL.
    "s3_acl_grant_all_users_via_access_control_policy": Expected(
        CRITICAL,
        (
            ("TFR-CMP-002", "aws_s3_bucket_acl.assets"),
            ("TFR-AWS-S3-001", "aws_s3_bucket_acl.assets"),
        ),
    ),
    "s3_public_access_block_removed": Expected(
        MEDIUM, (("TFR-AWS-S3-012", "aws_s3_bucket_public_access_block.assets"),)
    ),
    # --- IAM and Lambda ---
    "iam_role_policy_star": Expected(CRITICAL, (("TFR-AWS-IAM-001", "aws_iam_role_policy.app"),)),
    # The policy comes from a data.aws_iam_policy_document read while planning.
    "iam_policy_document_admin": Expected(CRITICAL, (("TFR-AWS-IAM-001", "aws_iam_role_policy.app"),)),
    "iam_admin_policy_attached": Expected(
        HIGH, (("TFR-AWS-IAM-007", "aws_iam_role_policy_attachment.admin"),)
    ),
    "iam_role_trust_any_principal": Expected(CRITICAL, (("TFR-AWS-IAM-008", "aws_iam_role.app"),)),
    "iam_user_admin_attached": Expected(HIGH, (("TFR-AWS-IAM-007", "aws_iam_user_policy_attachment.admin"),)),
    "iam_passrole_on_star": Expected(HIGH, (("TFR-AWS-IAM-004", "aws_iam_policy.deployer"),)),
    "lambda_permission_public_principal": Expected(
        HIGH, (("TFR-AWS-LAMBDA-001", "aws_lambda_permission.anyone"),)
    ),
    "lambda_function_url_auth_none": Expected(HIGH, (("TFR-AWS-LAMBDA-003", "aws_lambda_function_url.api"),)),
    "lambda_env_secret": Expected(HIGH, (("TFR-SEC-001", "aws_lambda_function.api"),)),
    # `sensitive = true` hides the value from Terraform's output, not from GetFunctionConfiguration.
    "lambda_env_secret_from_sensitive_variable": Expected(
        HIGH, (("TFR-SEC-001", "aws_lambda_function.api"),)
    ),
    "benign_lambda_function_url_iam_auth": BENIGN,
    # --- encryption, keys, detection, cost ---
    "ebs_volume_unencrypted_created": Expected(MEDIUM, (("TFR-AWS-EC2-001", "aws_ebs_volume.data"),)),
    "kms_key_scheduled_for_deletion": Expected(HIGH, (("TFR-CHG-001", "aws_kms_key.data"),)),
    "cloudtrail_removed": Expected(HIGH, (("TFR-AWS-AUD-001", "aws_cloudtrail.main"),)),
    "guardduty_detector_removed": Expected(HIGH, (("TFR-AWS-AUD-001", "aws_guardduty_detector.main"),)),
    "cloudtrail_logging_stopped": Expected(HIGH, (("TFR-AWS-CT-004", "aws_cloudtrail.main"),)),
    "guardduty_detector_disabled": Expected(HIGH, (("TFR-AWS-GD-001", "aws_guardduty_detector.main"),)),
    # terraform plan -replace=aws_instance.app: destroyed first, so the server is down in between.
    "ec2_instance_replaced_by_request": Expected(
        MEDIUM,
        (("TFR-CHG-004", "aws_instance.app"), ("TFR-CHG-012", "aws_instance.app")),
    ),
    "ec2_instance_upsized": Expected(MEDIUM, (("TFR-COST-001", "aws_instance.app"),)),
}
SCENARIOS = [path.name for path in scenarios() if (path / "plan.json").exists()]


@cache
def reviewed(name: str) -> EngineResult:
    return review_plan(json.loads((HERE / name / "plan.json").read_text())).result


def test_every_scenario_has_a_plan_and_an_expectation() -> None:
    assert sorted(SCENARIOS) == sorted(EXPECTED)
    for name in SCENARIOS:
        raw = json.loads((HERE / name / "plan.json").read_text())
        # Made by the real CLI and provider, not by hand.
        assert raw["terraform_version"] and raw["configuration"]["provider_config"]["aws"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_level(name: str) -> None:
    result = reviewed(name)
    summary = [(f.severity.value, f.rule_id, f.address) for f in result.findings if f.introduced]
    assert result.risk.level is EXPECTED[name].level, summary


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_findings_at_their_addresses(name: str) -> None:
    introduced = {(f.rule_id, f.address) for f in reviewed(name).findings if f.introduced}
    missing = set(EXPECTED[name].findings) - introduced
    assert not missing, sorted(introduced)


@pytest.mark.parametrize("name", [n for n in SCENARIOS if EXPECTED[n].level is LOW])
def test_benign_scenarios_introduce_nothing_above_low(name: str) -> None:
    above = [
        (f.severity.value, f.rule_id, f.address)
        for f in reviewed(name).findings
        if f.introduced and f.severity.rank > Severity.LOW.rank
    ]
    assert above == []


def _shape(plan: dict[str, Any]) -> list[tuple[str, tuple[str, ...], str | None]]:
    return sorted(
        (rc["address"], tuple(rc["change"]["actions"]), rc.get("action_reason"))
        for rc in plan["resource_changes"]
    )


@pytest.mark.timeout(600)
def test_a_scenario_regenerates_to_the_same_plan(tmp_path: Path) -> None:
    """The script works: the real CLI and provider give the committed plan's changes again."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    name = "kms_key_scheduled_for_deletion"
    assert regenerate([name], out=tmp_path) == 0
    fresh = json.loads((tmp_path / name / "plan.json").read_text())
    committed = json.loads((HERE / name / "plan.json").read_text())
    assert _shape(fresh) == _shape(committed)
    assert reviewed(name).risk.level is review_plan(fresh).result.risk.level
