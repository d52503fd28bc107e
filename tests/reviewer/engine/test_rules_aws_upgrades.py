"""Irreversible major upgrades (TFR-CHG-021), database restarts applied immediately (TFR-CHG-022) and backup
snapshots deleted (TFR-CHG-023)."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine.results import Severity
from tests.reviewer.engine.plans import change, only, plan, verdict

DB = {
    "identifier": "orders",
    "engine": "postgres",
    "engine_version": "14.10",
    "instance_class": "db.r6g.large",
    "multi_az": False,
    "apply_immediately": False,
    "deletion_protection": True,
    "ca_cert_identifier": "rds-ca-2019",
}
EKS = {"name": "prod", "version": "1.29", "role_arn": "arn:aws:iam::1:role/eks"}


def upgraded(rtype: str, before: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return plan(change(rtype, {**before, **changes}, before=before))


UPGRADE_CHANGE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "TFR-CHG-021",
        upgraded("aws_eks_cluster", EKS, version="1.30"),
        upgraded("aws_eks_cluster", EKS, tags={}),
    ),
    (
        "TFR-CHG-022",
        upgraded("aws_db_instance", DB, instance_class="db.r6g.xlarge", apply_immediately=True),
        upgraded("aws_db_instance", DB, instance_class="db.r6g.xlarge"),
    ),
    (
        "TFR-CHG-023",
        plan(change("aws_ebs_snapshot", None, before={"volume_id": "vol-1", "id": "snap-1"})),
        plan(
            change(
                "aws_ebs_snapshot", {"volume_id": "vol-1", "description": "x"}, before={"volume_id": "vol-1"}
            )
        ),
    ),
]


@pytest.mark.parametrize(
    ("rtype", "before", "after"),
    [
        ("aws_db_instance", DB, {"engine_version": "16.3", "allow_major_version_upgrade": True}),
        (
            "aws_db_instance",
            {**DB, "engine": "mysql", "engine_version": "5.7.44"},
            {"engine_version": "8.0.39"},
        ),
        ("aws_db_instance", {**DB, "engine_version": "9.6.24"}, {"engine_version": "10.23"}),
        (
            "aws_rds_cluster",
            {"engine": "aurora-mysql", "engine_version": "5.7.mysql_aurora.2.11.2"},
            {"engine_version": "8.0.mysql_aurora.3.05.2"},
        ),
        (
            "aws_elasticache_replication_group",
            {"engine": "redis", "engine_version": "6.2"},
            {"engine_version": "7.1"},
        ),
        (
            "aws_elasticache_replication_group",
            {"engine": "redis", "engine_version": "7.1"},
            {"engine": "valkey"},
        ),
        (
            "aws_opensearch_domain",
            {"engine_version": "OpenSearch_1.3"},
            {"engine_version": "OpenSearch_2.11"},
        ),
        (
            "aws_opensearch_domain",
            {"engine_version": "Elasticsearch_7.10"},
            {"engine_version": "OpenSearch_1.3"},
        ),
        ("aws_elasticsearch_domain", {"elasticsearch_version": "6.8"}, {"elasticsearch_version": "7.10"}),
        ("aws_eks_cluster", EKS, {"version": "1.30"}),
    ],
)
def test_a_major_upgrade_is_introduced_and_says_there_is_no_way_back(
    rtype: str, before: dict[str, Any], after: dict[str, Any]
) -> None:
    [found] = only(upgraded(rtype, before, **after), "TFR-CHG-021")
    assert found.introduced and found.severity is Severity.MEDIUM and found.action == "update"
    assert "cannot be downgraded" in found.message


@pytest.mark.parametrize(
    ("rtype", "before", "after"),
    [
        ("aws_db_instance", DB, {"engine_version": "14.12"}),
        (
            "aws_db_instance",
            {**DB, "engine": "mysql", "engine_version": "8.0.35"},
            {"engine_version": "8.0.39"},
        ),
        (
            "aws_rds_cluster",
            {"engine": "aurora-postgresql", "engine_version": "13.12"},
            {"engine_version": "13.15"},
        ),
        (
            "aws_elasticache_replication_group",
            {"engine": "redis", "engine_version": "7.0"},
            {"engine_version": "7.1"},
        ),
        (
            "aws_opensearch_domain",
            {"engine_version": "OpenSearch_2.11"},
            {"engine_version": "OpenSearch_2.13"},
        ),
        ("aws_eks_cluster", EKS, {"tags": {"team": "x"}}),
    ],
)
def test_a_minor_upgrade_is_not_reported(rtype: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    assert only(upgraded(rtype, before, **after), "TFR-CHG-021") == []


def test_a_new_cluster_on_a_new_version_and_an_unknown_version_are_not_upgrades() -> None:
    assert only(plan(change("aws_eks_cluster", {**EKS, "version": "1.31"})), "TFR-CHG-021") == []
    unknown = plan(
        change("aws_eks_cluster", {**EKS, "version": None}, before=EKS, after_unknown={"version": True})
    )
    assert only(unknown, "TFR-CHG-021") == []


def test_an_upgrade_reads_as_one_way_in_the_verdict() -> None:
    text = verdict(upgraded("aws_eks_cluster", EKS, version="1.30"))
    assert text == "Review before applying: changes a cluster in a way that cannot be undone."


def test_a_restart_applied_now_is_medium_single_az_and_low_multi_az() -> None:
    single = only(
        upgraded("aws_db_instance", DB, instance_class="db.r6g.xlarge", apply_immediately=True), "TFR-CHG-022"
    )
    assert [f.severity for f in single] == [Severity.MEDIUM]
    assert "unavailable while it restarts" in single[0].message
    multi = {**DB, "multi_az": True}
    failover = only(
        upgraded("aws_db_instance", multi, instance_class="db.r6g.xlarge", apply_immediately=True),
        "TFR-CHG-022",
    )
    assert [f.severity for f in failover] == [Severity.LOW]
    assert verdict(
        upgraded("aws_db_instance", DB, ca_cert_identifier="rds-ca-rsa2048-g1", apply_immediately=True)
    ) == ("Review before applying: restarts a database now instead of in its maintenance window.")


def test_an_online_change_or_an_unknown_class_applied_now_is_no_restart() -> None:
    now = {**DB, "apply_immediately": True}
    assert only(upgraded("aws_db_instance", now, allocated_storage=500), "TFR-CHG-022") == []
    unknown = change(
        "aws_db_instance", {**now, "instance_class": None}, before=now, after_unknown={"instance_class": True}
    )
    assert only(plan(unknown), "TFR-CHG-022") == []


def test_a_deleted_snapshot_reads_as_deleted() -> None:
    raw = plan(change("aws_db_snapshot", None, before={"db_snapshot_identifier": "pre-upgrade"}))
    [found] = only(raw, "TFR-CHG-023")
    assert found.severity is Severity.MEDIUM and "gone for good" in found.message
    assert verdict(raw) == "Review before applying: deletes a snapshot."
