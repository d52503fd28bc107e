"""Account guardrails loosened (TFR-AWS-ORG-001/002/003, TFR-AWS-IAM-010, TFR-AWS-S3-014), SCP deletion
(TFR-AWS-AUD-001) and whole-bucket lifecycle expiry (TFR-AWS-S3-013)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.engine.results import Severity
from tests.reviewer.engine.plans import change, only, plan, verdict


def scp(*statements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    content = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return {
        "name": "guardrails",
        "type": "SERVICE_CONTROL_POLICY",
        "content": content,
        "skip_destroy": False,
        **extra,
    }


DENY_LEAVE = {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
DENY_TRAIL = {
    "Effect": "Deny",
    "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
    "Resource": "*",
}
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
GUARDED = scp(DENY_LEAVE, DENY_TRAIL)
ACCOUNT = {"name": "legacy", "email": "legacy@acme.com", "close_on_deletion": False, "parent_id": "ou-x"}
PASSWORDS = {
    "minimum_password_length": 14,
    "require_symbols": True,
    "require_numbers": True,
    "require_uppercase_characters": True,
    "require_lowercase_characters": True,
    "password_reuse_prevention": 24,
}


def lock(days: int | None, mode: str = "COMPLIANCE") -> dict[str, Any]:
    rule = [{"default_retention": [{"mode": mode, "days": days, "years": None}]}] if days is not None else []
    return {"bucket": "audit", "object_lock_enabled": "Enabled", "rule": rule}


def lifecycle_rule(
    days: int | None = None,
    *,
    prefix: str = "",
    status: str = "Enabled",
    noncurrent: int | None = None,
    date: str | None = None,
) -> dict[str, Any]:
    return {
        "id": "purge",
        "status": status,
        "prefix": None,
        "filter": [
            {
                "prefix": prefix,
                "and": [],
                "tag": [],
                "object_size_greater_than": None,
                "object_size_less_than": None,
            }
        ],
        "expiration": [{"days": days, "date": date, "expired_object_delete_marker": False}]
        if days is not None or date
        else [],
        "noncurrent_version_expiration": [{"noncurrent_days": noncurrent, "newer_noncurrent_versions": None}]
        if noncurrent is not None
        else [],
    }


def lifecycle(*rules: dict[str, Any], bucket: str | None = "acme-invoices") -> dict[str, Any]:
    return {"bucket": bucket, "expected_bucket_owner": None, "rule": list(rules)}


LIFECYCLE = "aws_s3_bucket_lifecycle_configuration"


def trail(*flags: bool, advanced: bool = False) -> dict[str, Any]:
    selectors = [
        {"include_management_events": flag, "read_write_type": "All", "data_resource": []} for flag in flags
    ]
    advanced_selectors = [
        {"name": "all", "field_selector": [{"field": "eventCategory", "equals": ["Management"]}]}
    ]
    return {
        "name": "org",
        "enable_logging": True,
        "event_selector": selectors,
        "advanced_event_selector": advanced_selectors if advanced else [],
    }


GUARDRAIL_CHANGE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "TFR-AWS-CT-005",
        plan(change("aws_cloudtrail", trail(False), before=trail(True))),
        plan(change("aws_cloudtrail", trail(True, False), before=trail(True))),
    ),
    (
        "TFR-AWS-ORG-001",
        plan(change("aws_organizations_policy", scp(DENY_LEAVE), before=GUARDED)),
        plan(
            change(
                "aws_organizations_policy",
                scp(DENY_LEAVE, DENY_TRAIL, ALLOW_ALL | {"Effect": "Deny"}),
                before=GUARDED,
            )
        ),
    ),
    (
        "TFR-AWS-ORG-002",
        plan(change("aws_organizations_account", None, before={**ACCOUNT, "close_on_deletion": True})),
        plan(change("aws_organizations_account", None, before=ACCOUNT)),
    ),
    (
        "TFR-AWS-ORG-003",
        plan(change("aws_organizations_account", None, before=ACCOUNT)),
        plan(change("aws_organizations_account", None, before={**ACCOUNT, "close_on_deletion": True})),
    ),
    (
        "TFR-AWS-IAM-010",
        plan(
            change(
                "aws_iam_account_password_policy",
                {**PASSWORDS, "minimum_password_length": 8},
                before=PASSWORDS,
            )
        ),
        plan(
            change(
                "aws_iam_account_password_policy",
                {**PASSWORDS, "minimum_password_length": 16},
                before=PASSWORDS,
            )
        ),
    ),
    (
        "TFR-AWS-S3-014",
        plan(change("aws_s3_bucket_object_lock_configuration", lock(None), before=lock(365))),
        plan(change("aws_s3_bucket_object_lock_configuration", lock(730), before=lock(365))),
    ),
    (
        "TFR-AWS-S3-013",
        plan(change(LIFECYCLE, lifecycle(lifecycle_rule(1)))),
        plan(change(LIFECYCLE, lifecycle(lifecycle_rule(1, prefix="tmp/")))),
    ),
]


# --- service control policies ---------------------------------------------------------------------------


def test_deleting_an_scp_is_a_high_guardrail_loss_named_in_the_verdict() -> None:
    raw = plan(change("aws_organizations_policy", None, before=GUARDED))
    [found] = only(raw, "TFR-AWS-AUD-001")
    assert found.severity is Severity.HIGH and found.introduced
    assert verdict(raw) == "Not safe to apply without review: deletes a service control policy."


@pytest.mark.parametrize(
    "before",
    [
        {**GUARDED, "skip_destroy": True},  # only leaves the state: AWS keeps the policy
        {**GUARDED, "type": "TAG_POLICY", "content": "{}"},  # no guardrail
    ],
)
def test_an_scp_kept_by_skip_destroy_or_a_tag_policy_is_no_lost_guardrail(before: dict[str, Any]) -> None:
    assert only(plan(change("aws_organizations_policy", None, before=before)), "TFR-AWS-AUD-001") == []


def test_a_detached_scp_kept_by_skip_destroy_is_no_lost_guardrail() -> None:
    attachment = {"policy_id": "p-1", "target_id": "ou-1", "skip_destroy": True}
    assert (
        only(plan(change("aws_organizations_policy_attachment", None, before=attachment)), "TFR-AWS-AUD-001")
        == []
    )
    detached = plan(
        change("aws_organizations_policy_attachment", None, before={**attachment, "skip_destroy": False})
    )
    assert verdict(detached).endswith("deletes a service control policy attachment.")


def test_an_scp_that_denies_less_or_allows_everything_is_loosened() -> None:
    [fewer] = only(
        plan(change("aws_organizations_policy", scp(DENY_LEAVE), before=GUARDED)), "TFR-AWS-ORG-001"
    )
    assert "cloudtrail:deletetrail, cloudtrail:stoplogging" in fewer.message and fewer.introduced
    widened = plan(
        change("aws_organizations_policy", scp(ALLOW_ALL), before=scp({**ALLOW_ALL, "Action": "s3:*"}))
    )
    assert [f.message.split(" now ")[1][:22] for f in only(widened, "TFR-AWS-ORG-001")] == [
        'allows every action ("'
    ]
    assert verdict(widened) == "Review before applying: loosens a service control policy."


def test_a_deny_rewritten_as_a_wildcard_or_an_unknown_content_is_not_loosened() -> None:
    wider = scp(DENY_LEAVE, {**DENY_TRAIL, "Action": "cloudtrail:*"})
    assert only(plan(change("aws_organizations_policy", wider, before=GUARDED)), "TFR-AWS-ORG-001") == []
    unknown = change(
        "aws_organizations_policy",
        {**GUARDED, "content": None},
        before=GUARDED,
        after_unknown={"content": True},
    )
    assert only(plan(unknown), "TFR-AWS-ORG-001") == []


# --- accounts ------------------------------------------------------------------------------------------


def test_an_account_closed_is_high_and_one_leaving_the_organization_medium() -> None:
    closed = plan(change("aws_organizations_account", None, before={**ACCOUNT, "close_on_deletion": True}))
    assert [f.severity for f in only(closed, "TFR-AWS-ORG-002")] == [Severity.HIGH]
    assert verdict(closed) == "Not safe to apply without review: closes an AWS account."
    removed = plan(change("aws_organizations_account", None, before=ACCOUNT))
    assert [f.severity for f in only(removed, "TFR-AWS-ORG-003")] == [Severity.MEDIUM]
    assert verdict(removed) == "Review before applying: takes an AWS account out of the organization."


# --- password policy -----------------------------------------------------------------------------------


def test_a_weaker_password_policy_names_what_was_weakened() -> None:
    weaker = {
        **PASSWORDS,
        "minimum_password_length": 6,
        "require_symbols": False,
        "password_reuse_prevention": 0,
    }
    raw = plan(change("aws_iam_account_password_policy", weaker, before=PASSWORDS))
    [found] = only(raw, "TFR-AWS-IAM-010")
    assert "shorter passwords (minimum_password_length)" in found.message
    assert "no symbol required (require_symbols)" in found.message and "reuse" in found.message
    assert verdict(raw) == "Review before applying: weakens a password policy."


def test_a_new_or_unknown_password_policy_is_not_a_weakening() -> None:
    assert (
        only(
            plan(change("aws_iam_account_password_policy", {**PASSWORDS, "minimum_password_length": 8})),
            "TFR-AWS-IAM-010",
        )
        == []
    )
    unknown = change(
        "aws_iam_account_password_policy",
        {**PASSWORDS, "minimum_password_length": None},
        before=PASSWORDS,
        after_unknown={"minimum_password_length": True},
    )
    assert only(plan(unknown), "TFR-AWS-IAM-010") == []


# --- object lock ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "severity"),
    [
        (lock(365), lock(None), Severity.MEDIUM),
        (lock(365), lock(1), Severity.MEDIUM),
        (lock(365), None, Severity.MEDIUM),  # the configuration deleted
        (lock(365), lock(365, "GOVERNANCE"), Severity.LOW),
    ],
)
def test_object_lock_retention_removed_or_shortened(
    before: dict[str, Any], after: dict[str, Any] | None, severity: Severity
) -> None:
    raw = plan(change("aws_s3_bucket_object_lock_configuration", after, before=before))
    assert [f.severity for f in only(raw, "TFR-AWS-S3-014")] == [severity]


def test_object_lock_lengthened_new_or_unknown_is_not_reported() -> None:
    rtype = "aws_s3_bucket_object_lock_configuration"
    assert only(plan(change(rtype, lock(90), before=lock(30))), "TFR-AWS-S3-014") == []
    assert only(plan(change(rtype, lock(1))), "TFR-AWS-S3-014") == []
    unknown = change(rtype, {**lock(None), "rule": None}, before=lock(30), after_unknown={"rule": True})
    assert only(plan(unknown), "TFR-AWS-S3-014") == []
    removed = plan(change(rtype, lock(None), before=lock(30)))
    assert verdict(removed) == "Review before applying: weakens the object lock of a bucket."


# --- lifecycle expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "severity"),
    [
        (lifecycle_rule(1), Severity.HIGH),
        (lifecycle_rule(7), Severity.HIGH),
        (lifecycle_rule(30), Severity.MEDIUM),
        (lifecycle_rule(noncurrent=1), Severity.MEDIUM),
        (lifecycle_rule(date="2024-01-01T00:00:00Z"), Severity.HIGH),
    ],
)
def test_a_whole_bucket_expiry_on_an_existing_bucket_is_a_loss(
    rule: dict[str, Any], severity: Severity
) -> None:
    raw = plan(change(LIFECYCLE, lifecycle(rule)), timestamp="2026-12-04T18:00:00Z")
    [found] = only(raw, "TFR-AWS-S3-013")
    assert found.severity is severity and found.introduced and "acme-invoices" in found.message


@pytest.mark.parametrize(
    "rule",
    [
        lifecycle_rule(365),
        lifecycle_rule(1, prefix="tmp/"),
        lifecycle_rule(1, status="Disabled"),
        lifecycle_rule(noncurrent=90),
        lifecycle_rule(date="2099-01-01T00:00:00Z"),
    ],
)
def test_a_long_scoped_disabled_or_future_expiry_is_not_reported(rule: dict[str, Any]) -> None:
    assert (
        only(plan(change(LIFECYCLE, lifecycle(rule)), timestamp="2026-12-04T18:00:00Z"), "TFR-AWS-S3-013")
        == []
    )


def test_a_new_bucket_has_nothing_to_expire() -> None:
    bucket = change("aws_s3_bucket", {"bucket": "acme-invoices", "force_destroy": False})
    assert only(plan(bucket, change(LIFECYCLE, lifecycle(lifecycle_rule(1)))), "TFR-AWS-S3-013") == []
    # The bucket's name is unknown: it is created in this plan too.
    unknown = change(LIFECYCLE, lifecycle(lifecycle_rule(1), bucket=None), after_unknown={"bucket": True})
    assert only(plan(unknown), "TFR-AWS-S3-013") == []


def test_a_shortened_or_enabled_expiry_is_introduced_and_an_unchanged_one_is_not() -> None:
    shortened = plan(change(LIFECYCLE, lifecycle(lifecycle_rule(1)), before=lifecycle(lifecycle_rule(365))))
    assert [f.severity for f in only(shortened, "TFR-AWS-S3-013")] == [Severity.HIGH]
    enabled = plan(
        change(
            LIFECYCLE, lifecycle(lifecycle_rule(1)), before=lifecycle(lifecycle_rule(1, status="Disabled"))
        )
    )
    assert len(only(enabled, "TFR-AWS-S3-013")) == 1
    same = plan(
        change(
            LIFECYCLE,
            lifecycle(lifecycle_rule(1)) | {"expected_bucket_owner": "1"},
            before=lifecycle(lifecycle_rule(1)),
        )
    )
    assert only(same, "TFR-AWS-S3-013") == []


def test_an_unknown_expiry_is_not_reported() -> None:
    rule = lifecycle_rule(None)
    rule["expiration"] = [{"days": None, "date": None}]
    raw = plan(change(LIFECYCLE, lifecycle(rule), after_unknown={"rule": [{"expiration": [{"days": True}]}]}))
    assert only(raw, "TFR-AWS-S3-013") == []


def test_a_buckets_inline_lifecycle_rule_counts_too_and_reads_as_a_deletion() -> None:
    inline = [{"id": "purge", "enabled": True, "prefix": "", "tags": {}, "expiration": [{"days": 1}]}]
    bucket = {"bucket": "acme-invoices", "lifecycle_rule": []}
    raw = plan(change("aws_s3_bucket", {**bucket, "lifecycle_rule": inline}, before=bucket))
    assert [f.severity for f in only(raw, "TFR-AWS-S3-013")] == [Severity.HIGH]
    assert (
        verdict(raw) == "Not safe to apply without review: deletes data in a bucket through a lifecycle rule."
    )
    tagged = [{**inline[0], "tags": {"class": "tmp"}}]
    assert (
        only(
            plan(change("aws_s3_bucket", {**bucket, "lifecycle_rule": tagged}, before=bucket)),
            "TFR-AWS-S3-013",
        )
        == []
    )


# --- CloudTrail management events ----------------------------------------------------------------------


def test_a_trail_that_stops_recording_management_events_is_reported() -> None:
    for before in (trail(True), trail()):  # no selector: management events are recorded by default
        raw = plan(change("aws_cloudtrail", trail(False), before=before))
        [found] = only(raw, "TFR-AWS-CT-005")
        assert found.severity is Severity.MEDIUM and found.introduced
    assert (
        verdict(raw)
        == "Review before applying: turns off audit logging or threat detection (an audit trail)."
    )


def test_a_data_event_trail_advanced_selectors_or_unknown_selectors_are_not_reported() -> None:
    rtype = "aws_cloudtrail"
    assert only(plan(change(rtype, trail(False))), "TFR-AWS-CT-005") == []  # a new data-event trail
    assert only(plan(change(rtype, trail(False, advanced=True), before=trail(True))), "TFR-AWS-CT-005") == []
    assert only(plan(change(rtype, trail(False), before=trail(False))), "TFR-AWS-CT-005") == []
    unknown = change(
        rtype, {**trail(), "event_selector": None}, before=trail(True), after_unknown={"event_selector": True}
    )
    assert only(plan(unknown), "TFR-AWS-CT-005") == []


def test_an_scp_that_drops_a_region_guardrail_is_loosened_and_one_that_keeps_it_is_not() -> None:
    regions = {
        "Effect": "Deny",
        "NotAction": ["iam:*", "organizations:*", "sts:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
    }
    dropped = plan(change("aws_organizations_policy", scp(DENY_LEAVE), before=scp(DENY_LEAVE, regions)))
    [found] = only(dropped, "TFR-AWS-ORG-001")
    assert "NotAction" in found.message
    kept = scp(
        DENY_LEAVE,
        {**regions, "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}},
    )
    assert (
        only(
            plan(change("aws_organizations_policy", kept, before=scp(DENY_LEAVE, regions))), "TFR-AWS-ORG-001"
        )
        == []
    )
