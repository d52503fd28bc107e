"""Compound risks: combinations on one resource or its dependents escalate as one finding naming its parts."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.compound import COMPOUNDS
from reviewer.engine.results import EngineResult, Finding, RiskLevel, Severity
from tests.reviewer.engine.plans import change, configuration_of, declared, plan, ref


def review(*changes: dict[str, Any], **top: Any) -> EngineResult:
    return review_plan(plan(*changes, **top)).result


def compounds(result: EngineResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def test_every_row_is_a_registered_rule_with_two_or_more_parts() -> None:
    assert len(COMPOUNDS) >= 4
    assert all(len(row.parts) >= 2 and row.meta.id.startswith("TFR-CMP-") for row in COMPOUNDS)


# --- TFR-CMP-001: deletion protection off + final snapshot skipped --------------------------------------
SAFE_DB = {"identifier": "orders", "deletion_protection": True, "skip_final_snapshot": False}
OPEN_DB = {"identifier": "orders", "deletion_protection": False, "skip_final_snapshot": True}


def test_protection_off_and_snapshot_skipped_escalate_to_high() -> None:
    # Before: two MEDIUM change findings and a MEDIUM plan.
    result = review(change("aws_db_instance", OPEN_DB, before=SAFE_DB))
    [found] = compounds(result, "TFR-CMP-001")
    assert found.severity is Severity.HIGH and found.introduced
    assert "deletion protection off" in found.message and "final snapshot skipped" in found.message
    assert found.address == "aws_db_instance.this"
    assert result.risk.level is RiskLevel.HIGH


def test_deletion_protection_stated_as_null_is_off() -> None:
    """No schema default: removing `deletion_protection = true` plans true -> null, and RDS turns it off."""
    removed = {**OPEN_DB, "deletion_protection": None}
    result = review(change("aws_db_instance", removed, before=SAFE_DB))
    [found] = compounds(result, "TFR-CMP-001")
    assert found.severity is Severity.HIGH and found.introduced and "not set" in found.message
    [turned] = compounds(result, "TFR-CHG-006")
    assert turned.attribute == "deletion_protection"
    # Not stated at all (a hand-made plan) is not null.
    bare = {"identifier": "orders", "skip_final_snapshot": True}
    assert compounds(review(change("aws_db_instance", bare, before=SAFE_DB)), "TFR-CMP-001") == []
    # Null before and after: already so, not introduced.
    stored = {**removed, "instance_class": "db.t3.micro"}
    unchanged = review(change("aws_db_instance", {**stored, "instance_class": "db.t3.small"}, before=stored))
    assert [f.introduced for f in compounds(unchanged, "TFR-CMP-001")] == [False]
    assert compounds(unchanged, "TFR-CHG-006") == []


def test_one_part_introduced_makes_the_compound_introduced() -> None:
    before = {**OPEN_DB, "deletion_protection": True}
    [found] = compounds(review(change("aws_rds_cluster", OPEN_DB, before=before)), "TFR-CMP-001")
    assert (
        found.introduced and "already present" in found.message and "introduced by this plan" in found.message
    )


def test_protection_compound_negative_pre_existing_and_unknown() -> None:
    only_one = {**SAFE_DB, "deletion_protection": False}
    assert compounds(review(change("aws_docdb_cluster", only_one, before=SAFE_DB)), "TFR-CMP-001") == []
    existing = review(change("aws_neptune_cluster", OPEN_DB, before=OPEN_DB, action="no-op"))
    [posture] = compounds(existing, "TFR-CMP-001")
    assert not posture.introduced and existing.risk.level is RiskLevel.LOW and existing.risk.posture >= 1
    unknown = change(
        "aws_db_instance",
        {**OPEN_DB, "skip_final_snapshot": None},
        before=SAFE_DB,
        after_unknown={"skip_final_snapshot": True},
    )
    assert compounds(review(unknown), "TFR-CMP-001") == []


def test_deleting_an_unprotected_database_without_snapshot_is_critical_and_a_new_one_medium() -> None:
    [deleted] = compounds(review(change("aws_db_instance", None, before=OPEN_DB)), "TFR-CMP-001")
    assert deleted.severity is Severity.CRITICAL and deleted.introduced
    [created] = compounds(review(change("aws_db_instance", OPEN_DB)), "TFR-CMP-001")
    assert created.severity is Severity.MEDIUM


# --- TFR-CMP-002: public-access block off + public ACL or policy on the same bucket -------------------
FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
BLOCK_ON = {"bucket": "data", **dict.fromkeys(FLAGS, True)}
BLOCK_OFF = {"bucket": "data", **dict.fromkeys(FLAGS, False)}
PUBLIC_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
    '"Resource":"arn:aws:s3:::data/*"}]}'
)


def test_block_off_and_public_acl_on_the_same_bucket_is_one_high_finding() -> None:
    # Before: four MEDIUM findings on the block, nothing tying them to the public ACL.
    result = review(
        change("aws_s3_bucket_public_access_block", BLOCK_OFF, before=BLOCK_ON),
        change(
            "aws_s3_bucket_acl",
            {"bucket": "data", "acl": "public-read"},
            before={"bucket": "data", "acl": "private"},
        ),
        change("aws_s3_bucket_acl", {"bucket": "other", "acl": "public-read"}, name="other"),
    )
    [found] = compounds(result, "TFR-CMP-002")
    assert found.severity is Severity.HIGH and found.introduced and found.address == "aws_s3_bucket_acl.this"
    assert "aws_s3_bucket_public_access_block.this" in found.message and "acl = public-read" in found.message
    assert result.risk.level.rank >= RiskLevel.HIGH.rank


def test_bucket_parts_join_through_configuration_references() -> None:
    # A new bucket: every `bucket` value is unknown until apply, so only the configuration links them.
    unknown_bucket = {"bucket": True}
    result = review(
        change(
            "aws_s3_bucket", {"force_destroy": False}, after_unknown={"bucket": True, "id": True}, name="site"
        ),
        change(
            "aws_s3_bucket_public_access_block",
            {k: False for k in FLAGS},
            after_unknown=unknown_bucket,
            name="site",
        ),
        change("aws_s3_bucket_policy", {"policy": PUBLIC_POLICY}, after_unknown=unknown_bucket, name="site"),
        configuration=configuration_of(
            declared("aws_s3_bucket", "site"),
            declared(
                "aws_s3_bucket_public_access_block",
                "site",
                bucket=ref("aws_s3_bucket.site.id", "aws_s3_bucket.site"),
            ),
            declared(
                "aws_s3_bucket_policy", "site", bucket=ref("aws_s3_bucket.site.id", "aws_s3_bucket.site")
            ),
        ),
    )
    [found] = compounds(result, "TFR-CMP-002")
    assert found.address == "aws_s3_bucket_policy.site" and 'Principal "*"' in found.message


def test_bucket_compound_needs_the_guard_that_matters() -> None:
    # Only the policy guards are off: a public ACL is still ignored, so nothing is exposed.
    policy_off = {**BLOCK_ON, "block_public_policy": False, "restrict_public_buckets": False}
    acl = change("aws_s3_bucket_acl", {"bucket": "data", "acl": "public-read"})
    assert (
        compounds(review(change("aws_s3_bucket_public_access_block", policy_off), acl), "TFR-CMP-002") == []
    )
    policy = change("aws_s3_bucket_policy", {"bucket": "data", "policy": PUBLIC_POLICY})
    [found] = compounds(
        review(change("aws_s3_bucket_public_access_block", policy_off), policy), "TFR-CMP-002"
    )
    assert found.severity is Severity.HIGH


def test_deleted_block_and_public_write_is_critical() -> None:
    result = review(
        change("aws_s3_bucket_public_access_block", None, before=BLOCK_ON),
        change(
            "aws_s3_bucket_acl",
            {"bucket": "data", "acl": "public-read-write"},
            before={"bucket": "data", "acl": "public-read-write"},
            action="no-op",
        ),
    )
    [found] = compounds(result, "TFR-CMP-002")
    assert found.severity is Severity.CRITICAL and found.introduced and "block is deleted" in found.message


def test_bucket_compound_pre_existing_and_unknown() -> None:
    acl = {"bucket": "data", "acl": "public-read"}
    existing = review(
        change("aws_s3_bucket_public_access_block", BLOCK_OFF, before=BLOCK_OFF, action="no-op"),
        change("aws_s3_bucket_acl", acl, before=acl, action="no-op"),
    )
    [posture] = compounds(existing, "TFR-CMP-002")
    assert not posture.introduced and existing.risk.level is RiskLevel.LOW
    unknown = review(
        change("aws_s3_bucket_public_access_block", BLOCK_OFF),
        change("aws_s3_bucket_acl", {"bucket": "data"}, after_unknown={"acl": True}),
    )
    assert compounds(unknown, "TFR-CMP-002") == []


# --- TFR-CMP-003: internet-open security group + a public address on what it guards -------------------
SSH_OPEN = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
HTTPS_OPEN = {**SSH_OPEN, "from_port": 443, "to_port": 443}


def group(*ingress: dict[str, Any]) -> dict[str, Any]:
    return change("aws_security_group", {"id": "sg-1", "ingress": list(ingress)}, name="web")


def test_open_ssh_on_a_public_instance_is_critical() -> None:
    instance = {"associate_public_ip_address": True, "vpc_security_group_ids": ["sg-1"]}
    result = review(group(SSH_OPEN), change("aws_instance", instance, name="bastion"))
    [found] = compounds(result, "TFR-CMP-003")
    assert found.severity is Severity.CRITICAL and found.address == "aws_instance.bastion"
    assert "aws_security_group.web" in found.message and "SSH" in found.message
    assert result.risk.level is RiskLevel.CRITICAL


def test_security_group_compound_by_reference_and_elastic_ip() -> None:
    result = review(
        change("aws_security_group", {"ingress": [SSH_OPEN]}, after_unknown={"id": True}, name="web"),
        change(
            "aws_instance",
            {"associate_public_ip_address": False},
            after_unknown={"id": True, "vpc_security_group_ids": True},
            name="app",
        ),
        change("aws_eip", {"domain": "vpc"}, after_unknown={"instance": True}, name="app"),
        configuration=configuration_of(
            declared("aws_security_group", "web"),
            declared(
                "aws_instance",
                "app",
                vpc_security_group_ids=ref("aws_security_group.web.id", "aws_security_group.web"),
            ),
            declared("aws_eip", "app", instance=ref("aws_instance.app.id", "aws_instance.app")),
        ),
    )
    [found] = compounds(result, "TFR-CMP-003")
    assert "Elastic IP" in found.message and found.introduced


def test_public_database_behind_open_database_port_and_default_public_load_balancer() -> None:
    postgres = {**SSH_OPEN, "from_port": 5432, "to_port": 5432}
    database = change(
        "aws_db_instance", {"publicly_accessible": True, "vpc_security_group_ids": ["sg-1"]}, name="db"
    )
    [found] = compounds(review(group(postgres), database), "TFR-CMP-003")
    assert found.severity is Severity.CRITICAL and "PostgreSQL" in found.message
    # `internal` left out of the configuration: the load balancer is internet-facing (provider default).
    balancer = change("aws_lb", {"security_groups": ["sg-1"]}, after_unknown={"internal": True}, name="front")
    [public] = compounds(
        review(group(SSH_OPEN), balancer, configuration=configuration_of(declared("aws_lb", "front"))),
        "TFR-CMP-003",
    )
    assert public.severity is Severity.HIGH and "internal = false" in public.message
    declared_internal = configuration_of(declared("aws_lb", "front", internal=ref("var.internal")))
    assert compounds(review(group(SSH_OPEN), balancer, configuration=declared_internal), "TFR-CMP-003") == []


def test_security_group_compound_negatives_and_posture() -> None:
    private = change(
        "aws_instance", {"associate_public_ip_address": False, "vpc_security_group_ids": ["sg-1"]}
    )
    assert compounds(review(group(SSH_OPEN), private), "TFR-CMP-003") == []
    public = {"associate_public_ip_address": True, "vpc_security_group_ids": ["sg-1"]}
    assert compounds(review(group(HTTPS_OPEN), change("aws_instance", public)), "TFR-CMP-003") == []
    other_group = change("aws_instance", {**public, "vpc_security_group_ids": ["sg-2"]})
    assert compounds(review(group(SSH_OPEN), other_group), "TFR-CMP-003") == []
    sg = {"id": "sg-1", "ingress": [SSH_OPEN]}
    existing = review(
        change("aws_security_group", sg, before=sg, action="no-op", name="web"),
        change("aws_instance", {**public, "tags": {"a": "b"}}, before=public),
    )
    [posture] = compounds(existing, "TFR-CMP-003")
    assert not posture.introduced and existing.risk.level is RiskLevel.LOW
    unknown_ip = change(
        "aws_instance",
        {"vpc_security_group_ids": ["sg-1"]},
        after_unknown={"associate_public_ip_address": True},
    )
    assert compounds(review(group(SSH_OPEN), unknown_ip), "TFR-CMP-003") == []


def test_public_aurora_instance_behind_its_clusters_open_group() -> None:
    mysql = {**SSH_OPEN, "from_port": 3306, "to_port": 3306}
    cluster = change(
        "aws_rds_cluster", {"cluster_identifier": "orders", "vpc_security_group_ids": ["sg-1"]}, name="c"
    )
    member = {"cluster_identifier": "orders", "publicly_accessible": True}
    [found] = compounds(
        review(group(mysql), cluster, change("aws_rds_cluster_instance", member, name="i")), "TFR-CMP-003"
    )
    assert (
        found.address == "aws_rds_cluster_instance.i"
        and found.severity is Severity.CRITICAL
        and "MySQL" in found.message
    )
    private = {**member, "publicly_accessible": False}
    assert (
        compounds(
            review(group(mysql), cluster, change("aws_rds_cluster_instance", private, name="i")),
            "TFR-CMP-003",
        )
        == []
    )
    other = {**member, "cluster_identifier": "billing"}
    assert (
        compounds(
            review(group(mysql), cluster, change("aws_rds_cluster_instance", other, name="i")), "TFR-CMP-003"
        )
        == []
    )


# --- TFR-CMP-004: stateful resource replaced destroy-first with no copy of its data ------------------
def test_destroy_first_replacement_without_snapshot_is_critical() -> None:
    before = {"identifier": "orders", "skip_final_snapshot": True, "engine_version": "13"}
    after = {**before, "engine_version": "15"}
    replaced = change(
        "aws_db_instance", after, before=before, action="replace", replace_paths=[["engine_version"]]
    )
    result = review(replaced)
    [found] = compounds(result, "TFR-CMP-004")
    assert found.severity is Severity.CRITICAL and "engine_version" in found.message and found.introduced
    assert result.risk.level is RiskLevel.CRITICAL
    kept = {**before, "skip_final_snapshot": False}
    safe = change("aws_db_instance", {**kept, "engine_version": "15"}, before=kept, action="replace")
    assert compounds(review(safe), "TFR-CMP-004") == []
    create_first = change("aws_db_instance", after, before=before, action="replace_cbd")
    assert compounds(review(create_first), "TFR-CMP-004") == []
    bucket = {"bucket": "data", "force_destroy": True}
    renamed = change("aws_s3_bucket", {**bucket, "bucket": "data2"}, before=bucket, action="replace")
    assert compounds(review(renamed), "TFR-CMP-004")[0].severity is Severity.CRITICAL


@pytest.mark.parametrize(
    ("rtype", "no_copy", "copy_kept"),
    [
        (
            "aws_dynamodb_table",
            {"point_in_time_recovery": [{"enabled": False, "recovery_period_in_days": 0}]},
            {"point_in_time_recovery": [{"enabled": True, "recovery_period_in_days": 35}]},
        ),
        ("aws_dynamodb_table", {"point_in_time_recovery": []}, {}),
        ("aws_ebs_volume", {"final_snapshot": False}, {"final_snapshot": True}),
        (
            "aws_elasticache_replication_group",
            {"snapshot_retention_limit": 0, "final_snapshot_identifier": None},
            {"snapshot_retention_limit": 0, "final_snapshot_identifier": "last"},
        ),
    ],
)
def test_each_types_own_no_copy_signal_makes_a_destroy_first_replacement_critical(
    rtype: str, no_copy: dict[str, Any], copy_kept: dict[str, Any]
) -> None:
    """What the real provider stores: a table without PITR, a volume without final_snapshot, a cache without snapshots."""
    for before, expected in ((no_copy, 1), (copy_kept, 0)):
        stored = {"name": "data", **before}
        replaced = change(rtype, {"name": "data2"}, before=stored, action="replace", replace_paths=[["name"]])
        assert len(compounds(review(replaced), "TFR-CMP-004")) == expected, before


def test_unknown_snapshot_setting_on_replacement_is_not_reported() -> None:
    before: dict[str, Any] = {"identifier": "orders", "engine_version": "13"}
    replaced = change("aws_db_instance", {**before, "engine_version": "15"}, before=before, action="replace")
    assert compounds(review(replaced), "TFR-CMP-004") == []


# --- TFR-CMP-005: GCP firewall open to the internet + a VM with an external IP -------------------------
SSH_RULE = {
    "network": "default",
    "source_ranges": ["0.0.0.0/0"],
    "allow": [{"protocol": "tcp", "ports": ["22"]}],
}
PUBLIC_NIC = [{"network": "default", "access_config": [{"nat_ip": ""}]}]


def test_gcp_open_firewall_and_external_ip() -> None:
    result = review(
        change("google_compute_firewall", SSH_RULE, name="ssh"),
        change("google_compute_instance", {"network_interface": PUBLIC_NIC, "tags": []}, name="vm"),
    )
    [found] = compounds(result, "TFR-CMP-005")
    assert (
        found.severity is Severity.CRITICAL
        and found.address == "google_compute_instance.vm"
        and found.introduced
    )
    assert "google_compute_firewall.ssh" in found.message and "SSH" in found.message


def test_gcp_firewall_targets_and_networks_are_respected() -> None:
    tagged = change("google_compute_firewall", {**SSH_RULE, "target_tags": ["bastion"]}, name="ssh")
    web_vm = change("google_compute_instance", {"network_interface": PUBLIC_NIC, "tags": ["web"]}, name="vm")
    assert compounds(review(tagged, web_vm), "TFR-CMP-005") == []
    bastion = change(
        "google_compute_instance", {"network_interface": PUBLIC_NIC, "tags": ["bastion"]}, name="vm"
    )
    assert compounds(review(tagged, bastion), "TFR-CMP-005")
    other_net = [{"network": "projects/p/global/networks/prod", "access_config": [{}]}]
    vm = change("google_compute_instance", {"network_interface": other_net}, name="vm")
    assert compounds(review(change("google_compute_firewall", SSH_RULE), vm), "TFR-CMP-005") == []
    private = change(
        "google_compute_instance", {"network_interface": [{"network": "default", "access_config": []}]}
    )
    assert compounds(review(change("google_compute_firewall", SSH_RULE), private), "TFR-CMP-005") == []
    https = {**SSH_RULE, "allow": [{"protocol": "tcp", "ports": ["443"]}]}
    assert compounds(review(change("google_compute_firewall", https), bastion), "TFR-CMP-005") == []


def test_gcp_compound_by_reference_pre_existing_and_unknown() -> None:
    vpc = {"references": ["google_compute_network.vpc.id", "google_compute_network.vpc"]}
    rule = {**SSH_RULE, "network": None}
    nic: list[dict[str, Any]] = [{"network": None, "access_config": [{}]}]
    result = review(
        change("google_compute_firewall", rule, after_unknown={"network": True}, name="ssh"),
        change(
            "google_compute_instance",
            {"network_interface": nic},
            after_unknown={"network_interface": [{"network": True}]},
            name="vm",
        ),
        configuration=configuration_of(
            declared("google_compute_firewall", "ssh", network=vpc),
            declared(
                "google_compute_instance", "vm", network_interface=[{"network": vpc, "access_config": [{}]}]
            ),
        ),
    )
    assert compounds(result, "TFR-CMP-005")
    vm = {"network_interface": PUBLIC_NIC}
    existing = review(
        change("google_compute_firewall", SSH_RULE, before=SSH_RULE, action="no-op"),
        change("google_compute_instance", vm, before=vm, action="no-op"),
    )
    [posture] = compounds(existing, "TFR-CMP-005")
    assert not posture.introduced and existing.risk.level is RiskLevel.LOW
    unknown_ip = {"network_interface": [{"network": "default", "access_config": None}]}
    marks = {"network_interface": [{"access_config": True}]}
    unknown = review(
        change("google_compute_firewall", SSH_RULE),
        change("google_compute_instance", unknown_ip, after_unknown=marks),
    )
    assert compounds(unknown, "TFR-CMP-005") == []


def test_gcp_firewall_ports_unknown_until_apply_are_not_every_port() -> None:
    # Before: ports known only after apply were read as "no ports", i.e. every TCP port, and made a CRITICAL.
    rule = {**SSH_RULE, "allow": [{"protocol": "tcp", "ports": None}]}
    vm = change("google_compute_instance", {"network_interface": PUBLIC_NIC}, name="vm")
    unknown = change("google_compute_firewall", rule, after_unknown={"allow": [{"ports": True}]}, name="ssh")
    assert compounds(review(unknown, vm), "TFR-CMP-005") == []
    garbage = {**SSH_RULE, "allow": [{"protocol": "tcp", "ports": ["ssh"]}]}
    assert compounds(review(change("google_compute_firewall", garbage, name="ssh"), vm), "TFR-CMP-005") == []
    every_port = {**SSH_RULE, "allow": [{"protocol": "tcp"}]}
    [found] = compounds(review(change("google_compute_firewall", every_port, name="ssh"), vm), "TFR-CMP-005")
    assert "all TCP ports" in found.message


# (rule id, plan that must fire it, plan that must not), for the catalog meta-test of change and plan rules.
COMPOUND_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "TFR-CMP-001",
        plan(change("aws_db_instance", OPEN_DB, before=SAFE_DB)),
        plan(change("aws_db_instance", {**OPEN_DB, "skip_final_snapshot": False}, before=SAFE_DB)),
    ),
    (
        "TFR-CMP-002",
        plan(
            change("aws_s3_bucket_public_access_block", BLOCK_OFF),
            change("aws_s3_bucket_acl", {"bucket": "data", "acl": "public-read"}),
        ),
        plan(
            change("aws_s3_bucket_public_access_block", BLOCK_ON),
            change("aws_s3_bucket_acl", {"bucket": "data", "acl": "public-read"}),
        ),
    ),
    (
        "TFR-CMP-003",
        plan(
            group(SSH_OPEN),
            change("aws_instance", {"associate_public_ip_address": True, "vpc_security_group_ids": ["sg-1"]}),
        ),
        plan(
            group(HTTPS_OPEN),
            change("aws_instance", {"associate_public_ip_address": True, "vpc_security_group_ids": ["sg-1"]}),
        ),
    ),
    (
        "TFR-CMP-005",
        plan(
            change("google_compute_firewall", SSH_RULE),
            change("google_compute_instance", {"network_interface": PUBLIC_NIC}),
        ),
        plan(
            change("google_compute_firewall", {**SSH_RULE, "source_ranges": ["10.0.0.0/8"]}),
            change("google_compute_instance", {"network_interface": PUBLIC_NIC}),
        ),
    ),
    (
        "TFR-CMP-004",
        plan(
            change(
                "aws_ebs_volume", {"size": 20}, before={"size": 10, "force_destroy": True}, action="replace"
            )
        ),
        plan(change("aws_ebs_volume", {"size": 20}, before={"size": 10}, action="replace")),
    ),
]


@pytest.mark.parametrize(
    ("rtype", "no_copy", "copy_kept"),
    [
        (
            "aws_dynamodb_table",
            {"point_in_time_recovery": [{"enabled": False}]},
            {"point_in_time_recovery": [{"enabled": True}]},
        ),
        ("aws_s3_bucket", {"force_destroy": True}, {"force_destroy": False}),
        ("aws_ebs_volume", {"final_snapshot": False}, {"final_snapshot": True}),
        ("aws_secretsmanager_secret", {"recovery_window_in_days": 0}, {"recovery_window_in_days": 7}),
    ],
)
def test_a_plain_delete_with_no_copy_of_the_data_is_critical(
    rtype: str, no_copy: dict[str, Any], copy_kept: dict[str, Any]
) -> None:
    """Deleting keeps no more of the data than a destroy-first replacement: the same signals, the same level."""
    deleted = change(rtype, None, before={"name": "data", **no_copy}, action="delete")
    result = review(deleted)
    [found] = compounds(result, "TFR-CMP-004")
    assert found.severity is Severity.CRITICAL and found.introduced
    assert result.risk.level is RiskLevel.CRITICAL
    assert "without a copy of the data" in (result.risk.verdict or "")
    assert (
        compounds(
            review(change(rtype, None, before={"name": "data", **copy_kept}, action="delete")), "TFR-CMP-004"
        )
        == []
    )


def test_deletion_protection_means_nothing_is_lost_and_a_deleted_database_is_said_once() -> None:
    protected = {
        "name": "t",
        "point_in_time_recovery": [{"enabled": False}],
        "deletion_protection_enabled": True,
    }
    assert (
        compounds(
            review(change("aws_dynamodb_table", None, before=protected, action="delete")), "TFR-CMP-004"
        )
        == []
    )
    database = {"identifier": "orders", "skip_final_snapshot": True, "deletion_protection": False}
    result = review(change("aws_db_instance", None, before=database, action="delete"))
    assert compounds(result, "TFR-CMP-004") == [] and len(compounds(result, "TFR-CMP-001")) == 1
    # A final snapshot is a copy even without automated backups.
    snapshot = {
        "identifier": "orders",
        "skip_final_snapshot": False,
        "backup_retention_period": 0,
        "engine_version": "13",
    }
    replaced = change(
        "aws_db_instance", {**snapshot, "engine_version": "15"}, before=snapshot, action="replace"
    )
    assert compounds(review(replaced), "TFR-CMP-004") == []


def test_public_launch_template_ecs_service_and_redshift_behind_an_open_group() -> None:
    nic = {"associate_public_ip_address": "true", "security_groups": ["sg-1"]}
    template = {"name": "web", "vpc_security_group_ids": [], "network_interfaces": [nic]}
    [found] = compounds(review(group(SSH_OPEN), change("aws_launch_template", template)), "TFR-CMP-003")
    assert found.severity is Severity.CRITICAL and "associate_public_ip_address" in found.message
    service = {
        "name": "api",
        "network_configuration": [{"assign_public_ip": True, "security_groups": ["sg-1"]}],
    }
    everything = {"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}
    [found] = compounds(review(group(everything), change("aws_ecs_service", service)), "TFR-CMP-003")
    assert found.severity is Severity.CRITICAL and found.address == "aws_ecs_service.this"
    redshift = {"cluster_identifier": "dw", "publicly_accessible": True, "vpc_security_group_ids": ["sg-1"]}
    warehouse = {**SSH_OPEN, "from_port": 5439, "to_port": 5439}
    [found] = compounds(review(group(warehouse), change("aws_redshift_cluster", redshift)), "TFR-CMP-003")
    assert found.severity in (Severity.HIGH, Severity.CRITICAL)
    # Private twins: no public address, no combination.
    private_template = {**template, "network_interfaces": [{**nic, "associate_public_ip_address": "false"}]}
    assert (
        compounds(review(group(SSH_OPEN), change("aws_launch_template", private_template)), "TFR-CMP-003")
        == []
    )
    private_service = {
        "name": "api",
        "network_configuration": [{"assign_public_ip": False, "security_groups": ["sg-1"]}],
    }
    assert (
        compounds(review(group(everything), change("aws_ecs_service", private_service)), "TFR-CMP-003") == []
    )
    unknown = change(
        "aws_ecs_service",
        {"name": "api", "network_configuration": [{"security_groups": ["sg-1"]}]},
        after_unknown={"network_configuration": [{"assign_public_ip": True}]},
    )
    assert compounds(review(group(everything), unknown), "TFR-CMP-003") == []


def test_an_instance_guarded_through_its_legacy_security_groups_by_reference_or_name() -> None:
    instance = change(
        "aws_instance",
        {"associate_public_ip_address": True},
        after_unknown={"security_groups": True, "vpc_security_group_ids": True},
        name="bastion",
    )
    by_reference = configuration_of(
        declared("aws_security_group", "web"),
        declared(
            "aws_instance",
            "bastion",
            security_groups=ref("aws_security_group.web.id", "aws_security_group.web"),
        ),
    )
    open_group = change("aws_security_group", {"ingress": [SSH_OPEN]}, after_unknown={"id": True}, name="web")
    [found] = compounds(review(open_group, instance, configuration=by_reference), "TFR-CMP-003")
    assert found.severity is Severity.CRITICAL
    named = change("aws_instance", {"associate_public_ip_address": True, "security_groups": ["bastion-ssh"]})
    named_group = change("aws_security_group", {"name": "bastion-ssh", "ingress": [SSH_OPEN]}, name="web")
    assert compounds(review(named_group, named), "TFR-CMP-003")
    other = change("aws_instance", {"associate_public_ip_address": True, "security_groups": ["other"]})
    assert compounds(review(named_group, other), "TFR-CMP-003") == []
