"""AWS service settings that let anyone in (aws_access_settings) and a web application firewall weakened
(TFR-AWS-WAF-001): severities, what stays quiet, and the verdict's words."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine.results import Severity
from tests.reviewer.engine.aws_access_cases import CACHE_USER, parameters, ssh
from tests.reviewer.engine.plans import change, only, plan, verdict

CDN = {"enabled": True, "web_acl_id": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc"}


def waf_rule(name: str, action: str, managed: bool = False) -> dict[str, Any]:
    """A WAFv2 web ACL rule that blocks or counts: a managed rule group (override_action) or its own rule."""
    chosen: dict[str, list[dict[str, Any]]] = {"block": [], "count": [], "allow": []}
    if managed:
        override: dict[str, list[dict[str, Any]]] = {
            "none": [{}] if action == "block" else [],
            "count": [{}] if action == "count" else [],
        }
        return {"name": name, "priority": 1, "action": [], "override_action": [override]}
    chosen[action] = [{}]
    return {"name": name, "priority": 1, "action": [chosen], "override_action": []}


def acl(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": "edge", "scope": "REGIONAL", "rule": list(rules)}


WAF_CHANGE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "TFR-AWS-WAF-001",
        plan(
            change(
                "aws_wafv2_web_acl",
                acl(waf_rule("common", "count", True)),
                before=acl(waf_rule("common", "block", True)),
            )
        ),
        plan(
            change(
                "aws_wafv2_web_acl",
                acl(waf_rule("common", "block", True)),
                before=acl(waf_rule("common", "count", True)),
            )
        ),
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [
        (acl(waf_rule("rate", "block")), acl(waf_rule("rate", "count")), "from block to count"),
        (
            acl(waf_rule("common", "block", True), waf_rule("rate", "block")),
            acl(waf_rule("rate", "block")),
            "removes",
        ),
    ],
)
def test_a_blocking_rule_removed_or_counting_weakens_the_firewall(
    before: dict[str, Any], after: dict[str, Any], words: str
) -> None:
    raw = plan(change("aws_wafv2_web_acl", after, before=before))
    [found] = only(raw, "TFR-AWS-WAF-001")
    assert words in found.message and found.severity is Severity.MEDIUM
    assert (
        verdict(raw) == "Review before applying: weakens the request filtering of a web application firewall."
    )


def test_a_rule_added_a_count_rule_removed_or_unknown_rules_are_not_a_weakening() -> None:
    rtype = "aws_wafv2_web_acl"
    added = plan(
        change(
            rtype,
            acl(waf_rule("rate", "block"), waf_rule("bots", "block")),
            before=acl(waf_rule("rate", "block")),
        )
    )
    assert only(added, "TFR-AWS-WAF-001") == []
    count_gone = plan(
        change(
            rtype,
            acl(waf_rule("rate", "block")),
            before=acl(waf_rule("rate", "block"), waf_rule("try", "count")),
        )
    )
    assert only(count_gone, "TFR-AWS-WAF-001") == []
    unknown = change(
        rtype, {**acl(), "rule": None}, before=acl(waf_rule("rate", "block")), after_unknown={"rule": True}
    )
    assert only(plan(unknown), "TFR-AWS-WAF-001") == []


def test_a_cdn_detached_from_its_web_acl_is_reported_and_one_attached_is_not() -> None:
    detached = plan(change("aws_cloudfront_distribution", {**CDN, "web_acl_id": ""}, before=CDN))
    assert [f.attribute for f in only(detached, "TFR-AWS-WAF-001")] == ["web_acl_id"]
    assert verdict(detached) == "Review before applying: weakens the request filtering of a CDN distribution."
    attached = plan(change("aws_cloudfront_distribution", CDN, before={**CDN, "web_acl_id": None}))
    assert only(attached, "TFR-AWS-WAF-001") == []


def test_a_passwordless_cache_user_is_medium_with_full_access_and_low_without() -> None:
    full = plan(change("aws_elasticache_user", {**CACHE_USER, "no_password_required": True}))
    assert [f.severity for f in only(full, "TFR-AWS-ECACHE-003")] == [Severity.MEDIUM]
    assert (
        verdict(full)
        == "Review before applying: lets clients into a cache without a password as a cache user."
    )
    narrow = {
        **CACHE_USER,
        "access_string": "on ~cache:* +get",
        "authentication_mode": [{"type": "no-password-required"}],
    }
    assert [f.severity for f in only(plan(change("aws_elasticache_user", narrow)), "TFR-AWS-ECACHE-003")] == [
        Severity.LOW
    ]


def test_node_group_ssh_from_anywhere_names_the_key_and_reads_as_ssh_to_the_internet() -> None:
    raw = plan(change("aws_eks_node_group", ssh()))
    [found] = only(raw, "TFR-AWS-EKS-005")
    assert "key ops" in found.message and found.severity is Severity.MEDIUM
    assert verdict(raw) == "Review before applying: opens SSH on the nodes of a node group to the internet."
    no_key = plan(change("aws_eks_node_group", {"cluster_name": "prod", "remote_access": []}))
    assert only(no_key, "TFR-AWS-EKS-005") == []


@pytest.mark.parametrize(
    ("rtype", "name", "value"),
    [
        ("aws_db_parameter_group", "rds.force_ssl", "0"),
        ("aws_db_parameter_group", "require_secure_transport", "0"),
        ("aws_docdb_cluster_parameter_group", "tls", "disabled"),
    ],
)
def test_a_parameter_group_that_lets_clients_skip_tls(rtype: str, name: str, value: str) -> None:
    raw = plan(
        change(rtype, parameters(name, value), before=parameters(name, "1" if name != "tls" else "enabled"))
    )
    [found] = only(raw, "TFR-AWS-RDS-006")
    assert found.introduced and f"{name} = {value}" in found.message
    assert (
        verdict(raw)
        == "Review before applying: lets clients connect without TLS through a database parameter group."
    )


def test_other_parameters_are_not_tls() -> None:
    assert (
        only(plan(change("aws_db_parameter_group", parameters("log_statement", "0"))), "TFR-AWS-RDS-006")
        == []
    )


@pytest.mark.parametrize(
    ("rtype", "after", "expected"),
    [
        (
            "aws_s3_object",
            {"bucket": "b", "key": "k", "acl": "public-read"},
            "Not safe to apply without review: makes an S3 object public.",
        ),
        (
            "aws_mwaa_environment",
            {"name": "a", "webserver_access_mode": "PUBLIC_ONLY"},
            "Review before applying: opens the web server of an Airflow environment to the internet.",
        ),
        (
            "aws_transfer_server",
            {"protocols": ["FTP"]},
            "Review before applying: accepts plain FTP on a file transfer server.",
        ),
        (
            "aws_guardduty_detector_feature",
            {"name": "EKS_AUDIT_LOGS", "status": "DISABLED"},
            "Review before applying: turns off audit logging or threat detection (a GuardDuty protection).",
        ),
        (
            "aws_emr_block_public_access_configuration",
            {"block_public_security_group_rules": False},
            "Review before applying: lets EMR clusters open security groups to the internet.",
        ),
    ],
)
def test_the_verdict_names_what_is_opened(rtype: str, after: dict[str, Any], expected: str) -> None:
    assert verdict(plan(change(rtype, after))) == expected
