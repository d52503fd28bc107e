"""Classic risks (issue 13): controls deleted, public access blocks deleted, each with positive, negative,
introduced, pre-existing and unknown cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import Severity
from reviewer.engine.rules.audit_controls import AWS_CONTROLS, AZURE_CONTROLS, GCP_CONTROLS
from tests.reviewer.engine.classic_cases import github_trust
from tests.reviewer.engine.plans import change, only, plan
from tests.reviewer.engine.posture_cases import policy

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


# (rule, type, attribute, protected value, unprotected value): attributes as the provider schema names them.
PROTECTIONS = [
    ("TFR-CHG-006", "aws_dynamodb_table", "deletion_protection_enabled", True, False),
    ("TFR-CHG-006", "aws_cognito_user_pool", "deletion_protection", "ACTIVE", "INACTIVE"),
    ("TFR-CHG-008", "aws_ecr_repository", "force_delete", False, True),
]


@pytest.mark.parametrize(
    ("rule_id", "rtype", "attribute", "good", "bad"), PROTECTIONS, ids=[p[1] for p in PROTECTIONS]
)
def test_protection_attributes_named_by_the_schema(
    rule_id: str, rtype: str, attribute: str, good: object, bad: object
) -> None:
    base = {"name": "x"}
    turned = only(plan(change(rtype, {**base, attribute: bad}, before={**base, attribute: good})), rule_id)
    assert len(turned) == 1 and turned[0].introduced and turned[0].attribute == attribute
    deleted = only(plan(change(rtype, None, before={**base, attribute: bad})), rule_id)
    assert deleted and deleted[0].severity is Severity.HIGH
    kept = plan(change(rtype, {**base, attribute: good}, before={**base, attribute: bad}))
    already = plan(
        change(rtype, {**base, attribute: bad, "tags": {"a": "b"}}, before={**base, attribute: bad})
    )
    unknown = plan(change(rtype, base, before={**base, attribute: good}, after_unknown={attribute: True}))
    for raw in (kept, already, unknown):
        assert only(raw, rule_id) == []


ACCESS_KEY = "AKIAQ3EGRSTUVWXYZ7AB"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY"


def _provider(**expressions: object) -> dict[str, Any]:
    return {
        "provider_config": {
            "aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}, **expressions}}
        }
    }


def _variables(**values: str) -> dict[str, Any]:
    return {name: {"value": value} for name, value in values.items()}


FED = plan(
    change("aws_s3_bucket", {"bucket": "b"}),
    variables=_variables(key_one=ACCESS_KEY, key_two=SECRET_KEY, region="eu-west-1"),
    configuration=_provider(
        access_key={"references": ["var.key_one"]}, secret_key={"references": ["var.key_two"]}
    ),
)
CLASSIC_CHANGE_CASES.append(
    (
        "TFR-AWS-PRV-002",
        FED,
        plan(
            variables=_variables(region="eu-west-1", access_key=""),
            configuration=_provider(assume_role={"references": ["var.role_arn"]}),
        ),
    )
)


def test_credentials_feeding_the_provider_are_one_high_rotate_finding() -> None:
    from reviewer.engine.reports import render

    output = review_plan(FED)
    found = [f for f in output.result.findings if f.rule_id == "TFR-AWS-PRV-002"]
    assert len(found) == 1
    assert found[0].severity is Severity.HIGH and found[0].introduced
    assert "key_one" in found[0].message and "key_two" in found[0].message and "rotate" in found[0].message
    assert "used by the aws provider" in found[0].message
    for fmt in ("json", "md", "text", "sarif"):
        text = render(fmt, output.result)
        assert ACCESS_KEY not in text and SECRET_KEY not in text


@pytest.mark.parametrize("name", ["aws_access_key_id", "AWS_SECRET_ACCESS_KEY", "aws_session_token"])
def test_credential_variable_names_alone_fire(name: str) -> None:
    raw = plan(variables=_variables(**{name: "x" * 20}))
    assert len(only(raw, "TFR-AWS-PRV-002")) == 1


@pytest.mark.parametrize(
    "variables",
    [
        _variables(access_key="", secret_key=""),  # empty: nothing passed
        _variables(aws_access_key_id="arn:aws:secretsmanager:eu-west-1:1:secret:k"),  # a reference
        _variables(access_key="minio-key"),  # no aws provider, no "aws" in the name
        _variables(db_host="db.internal", region="eu-west-1"),
    ],
)
def test_other_variables_are_not_credentials(variables: dict[str, Any]) -> None:
    assert only(plan(variables=variables), "TFR-AWS-PRV-002") == []


@pytest.mark.parametrize(
    "rtype",
    [
        "aws_iam_role_policy_attachment",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_route_table_association",
        "null_resource",
        "random_password",
        "time_sleep",
        "terraform_data",
        "google_project_iam_member",
        "azurerm_role_assignment",
        "oci_identity_group",
        "azuread_group_member",
    ],
)
def test_many_free_resources_are_no_cost_risk(rtype: str) -> None:
    raw = plan(
        *[
            change(rtype, {"name": f"n{i}"}, name="many", address=f"{rtype}.many[{i}]", index=i)
            for i in range(12)
        ]
    )
    assert only(raw, "TFR-COST-002") == []


def test_many_billed_resources_are_a_cost_risk() -> None:
    raw = plan(
        *[
            change(
                "aws_instance",
                {"instance_type": "t3.micro"},
                name="many",
                address=f"aws_instance.many[{i}]",
                index=i,
            )
            for i in range(12)
        ]
    )
    assert len(only(raw, "TFR-COST-002")) == 1


@pytest.mark.parametrize(
    "action",
    ["ecr:GetAuthorizationToken", "sts:GetCallerIdentity", "logs:DescribeLogGroups", "sts:GetSessionToken"],
)
def test_actions_that_only_take_star_are_not_flagged(action: str) -> None:
    from tests.reviewer.engine.posture_cases import allow, policy

    raw = plan(change("aws_iam_role_policy", {"name": "p", "policy": policy(allow(action))}))
    assert [f.rule_id for f in review_plan(raw).result.findings if f.rule_id.startswith("TFR-AWS-IAM")] == []


def test_privileged_azure_role_on_a_resource_group_is_medium() -> None:
    scope = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/app"
    raw = plan(
        change(
            "azurerm_role_assignment", {"scope": scope, "role_definition_name": "Owner", "principal_id": "p"}
        )
    )
    found = only(raw, "TFR-AZ-011")
    assert [f.severity for f in found] == [Severity.MEDIUM]


def test_account_level_block_turned_off_is_high() -> None:
    on = {"account_id": "1", "block_public_policy": True}
    raw = plan(change("aws_s3_account_public_access_block", {**on, "block_public_policy": False}, before=on))
    found = only(raw, "TFR-AWS-S3-004")
    assert [f.severity for f in found] == [Severity.HIGH] and found[0].introduced


@pytest.mark.parametrize(
    ("resource", "every"),
    [
        ("*", True),
        ("arn:aws:iam::*:role/*", True),
        ("arn:aws:iam::123456789012:role/*", True),
        ("arn:aws:secretsmanager:*:*:secret:*", True),
        ("arn:aws:s3:::*", True),
        ("arn:aws:s3:::*/*", True),
        ("arn:aws:s3:::uploads/*", False),
        ("arn:aws:iam::123456789012:role/app-*", False),
        ("arn:aws:iam::123456789012:role/app", False),
        ("not-an-arn/*", False),
    ],
)
def test_every_resource_of_a_type(resource: str, every: bool) -> None:
    from reviewer.engine.rules.policy import every_of_its_type

    assert every_of_its_type(resource) is every


def test_pass_role_on_every_role_is_privilege_escalation() -> None:
    from tests.reviewer.engine.posture_cases import allow, policy

    wide = plan(change("aws_iam_policy", {"policy": policy(allow("iam:PassRole", "arn:aws:iam::*:role/*"))}))
    narrow = plan(
        change("aws_iam_policy", {"policy": policy(allow("iam:PassRole", "arn:aws:iam::1:role/app-*"))})
    )
    assert len(only(wide, "TFR-AWS-IAM-004")) == 1
    assert only(narrow, "TFR-AWS-IAM-004") == []
    objects = plan(
        change("aws_iam_policy", {"policy": policy(allow("s3:GetObject", "arn:aws:s3:::uploads/*"))})
    )
    assert only(objects, "TFR-AWS-IAM-006") == []


def test_cloudfront_default_certificate_and_private_cloud_sql_are_not_flagged() -> None:
    default_cert = {
        "viewer_certificate": [{"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1"}]
    }
    assert only(plan(change("aws_cloudfront_distribution", default_cert)), "TFR-AWS-TLS-001") == []
    private = {
        "settings": [
            {"ip_configuration": [{"ipv4_enabled": False, "ssl_mode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}]}
        ]
    }
    assert only(plan(change("google_sql_database_instance", private)), "TFR-GCP-010") == []


ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "x",
    [],
    {},
    [None],
    {"a": None},
    "0.0.0.0/0",
    "*",
    [["x"]],
]


def _slots(value: Any, depth: int = 0) -> Iterator[tuple[Any, Any]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in list(items):
        yield value, key
        if depth < 3:
            yield from _slots(item, depth + 1)


def test_odd_values_in_rule_cases_never_crash() -> None:
    # A value of an unexpected type (a list where a string belongs) once crashed a set lookup.
    from tests.reviewer.engine.classic_cases import CLASSIC_CASES
    from tests.reviewer.engine.posture_cases import CASES as BASE_CASES

    entries = [change(c.rtype, c.bad) for c in [*BASE_CASES, *CLASSIC_CASES]]
    entries += [change(rtype, None, before=dict(CONTROL_BEFORE, vpc_id="v")) for _, rtype, _ in CONTROLS]
    entries += [change("aws_s3_bucket_public_access_block", None, before=PAB_ON)]
    for entry in entries:
        for side in ("after", "before"):
            for container, key in list(_slots(entry["change"][side])):
                original = container[key]
                for odd in ODD_VALUES:
                    container[key] = json.loads(json.dumps(odd))
                    review_plan(plan(json.loads(json.dumps(entry))))
                container[key] = original


@pytest.mark.parametrize(
    ("condition", "restricting"),
    [
        ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, False),
        ({"IpAddressIfExists": {"aws:SourceIp": ["10.0.0.0/8", "::/0"]}}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, False),
        ({"StringLike": {"aws:PrincipalArn": "*"}}, False),
        ({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}, False),
        ({"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:PrincipalOrgID": "o-1"}}, True),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, True),
        ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, True),
        ({"StringEquals": {"aws:PrincipalAccount": "*"}}, True),  # StringEquals "*" matches only "*"
        ({}, False),
    ],
)
def test_which_conditions_restrict_a_public_statement(condition: dict[str, Any], restricting: bool) -> None:
    from reviewer.engine.rules.policy import restricting_condition

    assert restricting_condition(condition) is restricting


def test_public_bucket_policy_with_only_tls_condition_is_public() -> None:
    from tests.reviewer.engine.posture_cases import policy

    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    raw = plan(change("aws_s3_bucket_policy", {"bucket": "site", "policy": policy(statement)}))
    assert len(only(raw, "TFR-AWS-IAM-009")) == 1


def test_privileged_gcp_role_for_anyone_on_the_internet_is_critical() -> None:
    public = {"project": "p", "role": "roles/editor", "member": "allUsers"}
    found = only(plan(change("google_project_iam_member", public)), "TFR-GCP-009")
    assert [f.severity for f in found] == [Severity.CRITICAL]
    assert "to anyone on the internet" in found[0].message
    assert (
        review_plan(plan(change("google_project_iam_member", public))).result.risk.level.value == "CRITICAL"
    )
    # One finding for one exposure: the public grant of a privileged role is not also TFR-GCP-001's.
    assert only(plan(change("google_project_iam_member", public)), "TFR-GCP-001") == []
    viewer = {**public, "role": "roles/viewer"}
    assert len(only(plan(change("google_project_iam_member", viewer)), "TFR-GCP-001")) == 1
    # allUsers added to an existing binding of a privileged role makes it worse, not pre-existing.
    named = {"project": "p", "role": "roles/owner", "members": ["group:ops@example.com"]}
    widened = {**named, "members": ["group:ops@example.com", "allAuthenticatedUsers"]}
    found = only(plan(change("google_project_iam_binding", widened, before=named)), "TFR-GCP-009")
    assert [(f.severity, f.introduced) for f in found] == [(Severity.CRITICAL, True)]


GITHUB = "token.actions.githubusercontent.com"


@pytest.mark.parametrize(
    ("statement", "open_to_every_tenant"),
    [
        (github_trust({f"{GITHUB}:sub": "repo:*"}, "StringLike"), True),
        (github_trust({f"{GITHUB}:sub": "*"}, "StringLike"), True),
        (github_trust({f"{GITHUB}:sub": "repo:acme/*"}, "StringLike"), False),
        (github_trust({f"{GITHUB}:repository_owner": "acme"}), False),
        (
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/gitlab.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"gitlab.com:aud": "https://gitlab.com"}},
            },
            True,
        ),
        (
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/gitlab.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"gitlab.com:project_path": "acme/*"}},
            },
            False,
        ),
        # A cluster's own OIDC issuer is not shared with other customers.
        (
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
            },
            False,
        ),
    ],
)
def test_trust_of_a_shared_oidc_platform_needs_a_tenant_condition(
    statement: dict[str, Any], open_to_every_tenant: bool
) -> None:
    role = {"name": "ci", "assume_role_policy": policy(statement)}
    found = only(plan(change("aws_iam_role", role)), "TFR-AWS-IAM-008")
    assert bool(found) is open_to_every_tenant
    if found:
        assert found[0].severity is Severity.CRITICAL and "every" in found[0].message


@pytest.mark.parametrize(("effect", "public"), [("Allow", True), ("Deny", False)])
def test_not_principal_allows_everyone_but_the_named(effect: str, public: bool) -> None:
    statement = {
        "Effect": effect,
        "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data/*",
    }
    bucket_policy = {"bucket": "data", "policy": policy(statement)}
    found = only(plan(change("aws_s3_bucket_policy", bucket_policy)), "TFR-AWS-IAM-009")
    assert bool(found) is public


def test_custom_role_with_every_action_but_access_management_is_medium() -> None:
    role = {
        "name": "operator",
        "permissions": [{"actions": ["*"], "not_actions": ["Microsoft.Authorization/*/Write"]}],
    }
    [found] = only(plan(change("azurerm_role_definition", role)), "TFR-AZ-016")
    assert found.severity is Severity.MEDIUM and "except access management" in found.message
