"""TFR-CHG-020: deleting what makes backups, or turning backups or versioning off, stops the next copy."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import Finding, Severity
from reviewer.engine.rules.backups import DELETED, SWITCHES
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.test_rules_availability import nested

RULE = "TFR-CHG-020"
ON_OFF: dict[str, tuple[Any, Any]] = {
    "google_sql_database_instance": (True, False),
    "aws_dlm_lifecycle_policy": ("ENABLED", "DISABLED"),
    "aws_elasticache_replication_group": (7, 0),
    "aws_elasticache_cluster": (7, 0),
    "aws_memorydb_cluster": (7, 0),
    "aws_redshift_cluster": (7, 0),
}
SCENARIOS = [(rtype, path) for switch in SWITCHES for rtype in switch.types for path in switch.paths]


def found(*entries: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(plan(*entries)).result.findings if f.rule_id == RULE]


@pytest.mark.parametrize("rtype", sorted(DELETED))
def test_deleting_what_makes_backups_stops_them(rtype: str) -> None:
    [hit] = found(change(rtype, None, before={"name": "daily"}, name="daily"))
    assert hit.severity is Severity.MEDIUM and hit.introduced
    assert hit.message == f"{rtype}.daily is deleted: {DELETED[rtype]}."


@pytest.mark.parametrize("rtype", sorted(DELETED))
def test_keeping_or_replacing_what_makes_backups_is_no_finding(rtype: str) -> None:
    before, after = {"name": "daily"}, {"name": "nightly"}
    for entry in (
        change(rtype, after),
        change(rtype, after, before=before),
        change(rtype, after, before=before, action="replace_cbd"),
        change(rtype, None, before=before, action="forget"),
        change(rtype, None, before=before, deposed="d1"),
    ):
        assert found(entry) == []


@pytest.mark.parametrize(("rtype", "path"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_turning_backups_or_versioning_off_is_reported(rtype: str, path: tuple[Any, ...]) -> None:
    on, off = ON_OFF[rtype]
    [hit] = found(change(rtype, nested(path, off), before=nested(path, on)))
    assert hit.attribute is not None and hit.attribute.endswith(str(path[-1]))
    # Created off, already off, unknown, switched on: no finding.
    assert found(change(rtype, nested(path, off))) == []
    assert found(change(rtype, {**nested(path, off), "tags": {"a": "b"}}, before=nested(path, off))) == []
    assert (
        found(change(rtype, nested(path, None), before=nested(path, on), after_unknown=nested(path, True)))
        == []
    )
    assert found(change(rtype, nested(path, on), before=nested(path, off))) == []


def test_the_verdict_says_backups_stop() -> None:
    # Before: "Safe to apply: 1 deletion, no risky change." and "Safe to apply: 1 update, no risky change."
    deleted = review_plan(plan(change("aws_backup_plan", None, before={"name": "daily"}))).result
    assert deleted.risk.level.value == "MEDIUM"
    assert deleted.risk.verdict == "Review before applying: stops the backups kept by a backup plan."
    sql = {"settings": [{"backup_configuration": [{"enabled": True}]}]}
    off = {"settings": [{"backup_configuration": [{"enabled": False}]}]}
    result = review_plan(plan(change("google_sql_database_instance", off, before=sql))).result
    assert result.risk.verdict == "Review before applying: stops the backups kept by a database."


def test_suspended_versioning_is_said_once_and_is_medium() -> None:
    # TFR-CHG-020 once reported it too: "stops the backups kept by a bucket; leaves a bucket without versioning".
    on = {"bucket": "logs", "versioning_configuration": [{"status": "Enabled", "mfa_delete": ""}]}
    off = {"bucket": "logs", "versioning_configuration": [{"status": "Suspended", "mfa_delete": ""}]}
    result = review_plan(plan(change("aws_s3_bucket_versioning", off, before=on))).result
    [hit] = result.findings
    assert hit.rule_id == "TFR-AWS-S3-010" and hit.severity is Severity.MEDIUM and hit.introduced
    assert "suspends versioning (it was on)" in hit.message
    assert result.risk.verdict == "Review before applying: leaves a bucket without versioning."
    legacy = review_plan(
        plan(change("aws_s3_bucket", {"bucket": "b", "versioning": [{"enabled": False}]},
                    before={"bucket": "b", "versioning": [{"enabled": True}]}))
    ).result  # fmt: skip
    assert [(f.rule_id, f.severity) for f in legacy.findings if f.rule_id == "TFR-AWS-S3-010"] == [
        ("TFR-AWS-S3-010", Severity.MEDIUM)
    ]
    # Created without versioning, or off before and after: the rule's usual LOW.
    created = review_plan(plan(change("aws_s3_bucket_versioning", off))).result
    assert [f.severity for f in created.findings if f.rule_id == "TFR-AWS-S3-010"] == [Severity.LOW]


def test_a_cache_or_warehouse_keeping_fewer_days_still_backs_up() -> None:
    fewer = change(
        "aws_elasticache_replication_group",
        {"snapshot_retention_limit": 1},
        before={"snapshot_retention_limit": 7},
    )
    assert found(fewer) == []
    [hit] = found(
        change(
            "aws_redshift_cluster",
            {"automated_snapshot_retention_period": 0},
            before={"automated_snapshot_retention_period": 7},
        )
    )
    assert "automated snapshots are turned off" in hit.message
    raw = plan(
        change(
            "aws_elasticache_replication_group",
            {"snapshot_retention_limit": 0},
            before={"snapshot_retention_limit": 7},
        )
    )
    assert (
        review_plan(raw).result.risk.verdict == "Review before applying: stops the backups kept by a cache."
    )
