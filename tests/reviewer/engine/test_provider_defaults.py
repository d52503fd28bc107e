"""The configuration section tells "not set, so the provider default" from "set but unknown until apply"."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.parser import parse_plan
from reviewer.engine.results import Finding
from reviewer.engine.rules.context import RuleContext, module_path
from reviewer.engine.rules.defaults import PROVIDER_DEFAULTS
from tests.reviewer.engine.plans import change, configuration_of, declared, plan
from tests.reviewer.engine.test_rule_schema import load_schema, path_exists

CLUSTER = {"cluster_identifier": "orders", "engine": "aurora-postgresql"}


def encryption_findings(
    after: dict[str, Any], configuration: dict[str, Any] | None, **kw: Any
) -> list[Finding]:
    entry = change("aws_rds_cluster", after, after_unknown={"storage_encrypted": True}, **kw)
    top = {"configuration": configuration} if configuration is not None else {}
    return [f for f in review_plan(plan(entry, **top)).result.findings if f.rule_id == "TFR-AWS-RDS-001"]


def test_unset_storage_encrypted_takes_the_insecure_default() -> None:
    # Before: the unknown value hid the provider default (false) and nothing was reported.
    [found] = encryption_findings(
        CLUSTER, configuration_of(declared("aws_rds_cluster", engine={"constant_value": "aurora"}))
    )
    assert found.introduced and found.attribute == "storage_encrypted"


def test_set_but_unknown_stays_unknown() -> None:
    configuration = configuration_of(
        declared("aws_rds_cluster", storage_encrypted={"references": ["var.encrypted"]})
    )
    assert encryption_findings(CLUSTER, configuration) == []


def test_without_configuration_nothing_is_assumed() -> None:
    assert encryption_findings(CLUSTER, None) == []
    assert encryption_findings(CLUSTER, configuration_of(declared("aws_rds_cluster", name="other"))) == []


@pytest.mark.parametrize(
    ("after", "expressions"),
    [
        ({**CLUSTER, "engine_mode": "serverless"}, {}),
        (CLUSTER, {"snapshot_identifier": {"constant_value": "snap-1"}}),
        (CLUSTER, {"kms_key_id": {"references": ["aws_kms_key.db.arn", "aws_kms_key.db"]}}),
    ],
)
def test_inherited_or_always_encrypted_is_not_reported(
    after: dict[str, Any], expressions: dict[str, Any]
) -> None:
    assert encryption_findings(after, configuration_of(declared("aws_rds_cluster", **expressions))) == []


def test_module_resources_find_their_configuration() -> None:
    configuration = {
        "root_module": {
            "module_calls": {
                "db": {
                    "module": {
                        "module_calls": {"inner": {"module": {"resources": [declared("aws_rds_cluster")]}}}
                    }
                }
            }
        }
    }
    found = encryption_findings(CLUSTER, configuration, module='module.db["eu"].module.inner[0]')
    assert [f.address for f in found] == ['module.db["eu"].module.inner[0].aws_rds_cluster.this']


def test_pre_existing_unset_default_is_posture() -> None:
    before = {**CLUSTER, "storage_encrypted": False}
    configuration = configuration_of(declared("aws_rds_cluster"))
    [found] = encryption_findings(CLUSTER, configuration, before=before)
    assert not found.introduced


def test_module_path_and_reference_identity() -> None:
    assert module_path('module.a["x.y"].module.b[0]') == ("a", "b")
    assert module_path(None) == ()
    assert (
        RuleContext.reference_identity("module.a[0]", "aws_s3_bucket.b[0].id") == "module.a|aws_s3_bucket.b"
    )
    assert (
        RuleContext.reference_identity(None, "data.aws_iam_policy_document.p.json")
        == "|data.aws_iam_policy_document.p"
    )
    assert RuleContext.reference_identity(None, "var.bucket") is None
    assert RuleContext.reference_identity(None, "module.m.id") is None
    ctx = RuleContext(parse_plan(plan(change("aws_s3_bucket", {}, name="b", module="module.a[0]"))), plan())
    assert RuleContext.identity(ctx.plan.resource_changes[0]) == "module.a|aws_s3_bucket.b"


def test_every_default_and_inheriting_attribute_is_in_the_provider_schema() -> None:
    schema = load_schema("aws")
    assert schema is not None
    missing = [
        (rtype, path)
        for rtype, rows in PROVIDER_DEFAULTS.items()
        for row in rows
        for path in (
            (*((row.block,) if row.block else ()), row.attribute),
            *((n,) for n in row.inherited_from),
        )
        if rtype not in schema["resource_types"] or not path_exists(schema["resource_types"][rtype], path)
    ]
    assert missing == []


def rule_findings(
    rule_id: str, rtype: str, after: dict[str, Any], unknown: dict[str, Any], **expressions: Any
) -> list[Finding]:
    entry = change(rtype, after, after_unknown=unknown)
    raw = plan(entry, configuration=configuration_of(declared(rtype, **expressions)))
    return [f for f in review_plan(raw).result.findings if f.rule_id == rule_id]


def test_efs_and_elasticache_encryption_defaults() -> None:
    efs_unknown = {"encrypted": True}
    assert rule_findings("TFR-AWS-EFS-001", "aws_efs_file_system", {"creation_token": "d"}, efs_unknown)
    kms = {"references": ["aws_kms_key.efs.arn", "aws_kms_key.efs"]}
    assert (
        rule_findings(
            "TFR-AWS-EFS-001", "aws_efs_file_system", {"creation_token": "d"}, efs_unknown, kms_key_id=kms
        )
        == []
    )
    at_rest = {"at_rest_encryption_enabled": True, "transit_encryption_enabled": True}
    redis = {"replication_group_id": "c", "engine": "redis"}
    assert rule_findings("TFR-AWS-ECACHE-001", "aws_elasticache_replication_group", redis, at_rest)
    assert rule_findings("TFR-AWS-ECACHE-002", "aws_elasticache_replication_group", redis, at_rest)
    valkey = {**redis, "engine": "valkey"}
    assert rule_findings("TFR-AWS-ECACHE-001", "aws_elasticache_replication_group", valkey, at_rest) == []
    set_later = {"references": ["var.tls"]}
    assert (
        rule_findings(
            "TFR-AWS-ECACHE-002",
            "aws_elasticache_replication_group",
            redis,
            at_rest,
            transit_encryption_enabled=set_later,
        )
        == []
    )


def test_ebs_volume_without_encrypted_is_unencrypted_unless_the_account_encrypts_by_default() -> None:
    """The real provider plans `encrypted` as unknown when it is not set; AWS then leaves the volume plain."""
    volume, unknown = (
        {"availability_zone": "eu-west-1a", "size": 100},
        {"encrypted": True, "kms_key_id": True},
    )
    assert rule_findings("TFR-AWS-EC2-001", "aws_ebs_volume", volume, unknown)
    from_snapshot = {"references": ["aws_ebs_snapshot.s.id", "aws_ebs_snapshot.s"]}
    assert (
        rule_findings("TFR-AWS-EC2-001", "aws_ebs_volume", volume, unknown, snapshot_id=from_snapshot) == []
    )
    set_later = {"references": ["var.encrypted"]}
    assert rule_findings("TFR-AWS-EC2-001", "aws_ebs_volume", volume, unknown, encrypted=set_later) == []
    account = change("aws_ebs_encryption_by_default", {"enabled": True}, name="on")
    raw = plan(
        change("aws_ebs_volume", volume, after_unknown=unknown),
        account,
        configuration=configuration_of(declared("aws_ebs_volume")),
    )
    assert [f for f in review_plan(raw).result.findings if f.rule_id == "TFR-AWS-EC2-001"] == []
    # The account setting kept but switched off encrypts nothing: the volume is still plain.
    off = change("aws_ebs_encryption_by_default", {"enabled": False}, name="off")
    raw = plan(
        change("aws_ebs_volume", volume, after_unknown=unknown),
        off,
        configuration=configuration_of(declared("aws_ebs_volume")),
    )
    assert [f.rule_id for f in review_plan(raw).result.findings if f.address == "aws_ebs_volume.this"] == [
        "TFR-AWS-EC2-001"
    ]


def test_db_instance_without_storage_encrypted_is_unencrypted() -> None:
    """aws_db_instance.storage_encrypted has no default in the schema: the real plan says null, RDS stores plain."""
    db = {
        "identifier": "orders",
        "engine": "postgres",
        "storage_encrypted": None,
        "replicate_source_db": None,
    }
    unknown = {"kms_key_id": True, "snapshot_identifier": True}
    [found] = rule_findings("TFR-AWS-RDS-001", "aws_db_instance", db, unknown)
    assert found.introduced and found.attribute == "storage_encrypted"
    key = {"references": ["aws_kms_key.db.arn", "aws_kms_key.db"]}
    assert rule_findings("TFR-AWS-RDS-001", "aws_db_instance", db, unknown, kms_key_id=key) == []
    snapshot = {"references": ["var.snapshot"]}
    assert (
        rule_findings("TFR-AWS-RDS-001", "aws_db_instance", db, unknown, snapshot_identifier=snapshot) == []
    )
    replica = {**db, "replicate_source_db": "orders-primary"}
    assert rule_findings("TFR-AWS-RDS-001", "aws_db_instance", replica, unknown) == []
    aurora = {**db, "engine": "aurora-postgresql"}
    assert rule_findings("TFR-AWS-RDS-001", "aws_db_instance", aurora, unknown) == []
    # Not stated at all (a hand-made plan), it is not read as null.
    bare = {"identifier": "orders", "engine": "postgres"}
    assert rule_findings("TFR-AWS-RDS-001", "aws_db_instance", bare, unknown) == []
    # Already unencrypted before this change: posture, not introduced.
    stored = {**db, "kms_key_id": "", "snapshot_identifier": None}
    updated = change("aws_db_instance", {**stored, "instance_class": "db.t3.small"}, before=stored)
    raw = plan(updated, configuration=configuration_of(declared("aws_db_instance")))
    [kept] = [f for f in review_plan(raw).result.findings if f.rule_id == "TFR-AWS-RDS-001"]
    assert not kept.introduced


@pytest.mark.parametrize(
    "odd", [None, 1, "x", [], True, [None], {"references": 5}, {"references": [1, None, "aws_s3_bucket"]}]
)
def test_odd_configuration_shapes_never_crash(odd: Any) -> None:
    changes = [
        change("aws_rds_cluster", CLUSTER, after_unknown={"storage_encrypted": True}),
        change("aws_s3_bucket_acl", {"acl": "public-read"}, after_unknown={"bucket": True}),
        change(
            "aws_instance",
            {"associate_public_ip_address": True},
            after_unknown={"vpc_security_group_ids": True},
        ),
    ]
    resources = [
        declared(c["type"], bucket=odd, vpc_security_group_ids=odd, storage_encrypted=odd) for c in changes
    ]
    for configuration in (
        {"root_module": {"resources": resources, "module_calls": {"a": {"module": {"resources": odd}}}}},
        {"root_module": {"resources": odd, "module_calls": odd}},
        {"root_module": {"resources": [{**declared("aws_rds_cluster"), "expressions": odd}]}},
    ):
        assert review_plan(plan(*changes, configuration=configuration)).result.risk.level


EKS_PUBLIC = {"name": "prod", "vpc_config": [{"endpoint_public_access": True, "subnet_ids": ["subnet-1"]}]}
EKS_UNKNOWN = {"id": True, "vpc_config": [{"public_access_cidrs": True, "vpc_id": True}]}


def eks_open_findings(vpc_config: Any) -> list[Finding]:
    entry = change("aws_eks_cluster", EKS_PUBLIC, after_unknown=EKS_UNKNOWN)
    raw = plan(entry, configuration=configuration_of(declared("aws_eks_cluster", vpc_config=vpc_config)))
    return [f for f in review_plan(raw).result.findings if f.rule_id == "TFR-AWS-EKS-002"]


def test_eks_public_endpoint_without_public_access_cidrs_is_open_to_the_internet() -> None:
    # A default in a nested block: the first vpc_config does not set public_access_cidrs, so it is 0.0.0.0/0.
    [found] = eks_open_findings([{"subnet_ids": {"references": ["aws_subnet.a.id", "aws_subnet.a"]}}])
    assert found.introduced and found.attribute == "vpc_config.public_access_cidrs"
    # Set to an expression unknown until apply, or a block the configuration does not show: unknown stays unknown.
    assert eks_open_findings([{"public_access_cidrs": {"references": ["var.office"]}}]) == []
    assert eks_open_findings(None) == []
