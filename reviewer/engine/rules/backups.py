"""Backups stopped: a backup plan, selection or snapshot policy deleted, or automated backups turned off.

S3 versioning turned off is TFR-AWS-S3-010's (MEDIUM when this plan suspends it), so it is said once.
"""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.availability import Switch, by_type, state_in, switched_hit
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import is_false, is_true

# What stops when one of these is deleted (the data stays; the next copy of it is never made).
DELETED: dict[str, str] = {
    **dict.fromkeys(
        ("aws_backup_plan", "aws_backup_selection"),
        "AWS Backup stops making recovery points of the resources it selected",
    ),
    "aws_dlm_lifecycle_policy": "the EBS snapshots or AMIs it schedules are no longer taken",
    **dict.fromkeys(
        (
            "azurerm_backup_protected_vm",
            "azurerm_backup_protected_file_share",
            "azurerm_data_protection_backup_instance_disk",
            "azurerm_data_protection_backup_instance_blob_storage",
            "azurerm_data_protection_backup_instance_postgresql",
        ),
        "the resource is no longer backed up",
    ),
    **dict.fromkeys(
        ("azurerm_backup_policy_vm", "azurerm_backup_policy_file_share"),
        "the items it protects lose their backup schedule",
    ),
    "google_compute_resource_policy": "the disk snapshots it schedules are no longer taken",
}


def _keeps_days(value: object) -> bool:
    return type(value) is int and value > 0


def _keeps_none(value: object) -> bool:
    return type(value) is int and value == 0


SWITCHES: tuple[Switch, ...] = (
    Switch(
        ("aws_elasticache_replication_group", "aws_elasticache_cluster", "aws_memorydb_cluster"),
        (("snapshot_retention_limit",),),
        _keeps_days,
        _keeps_none,
        "automatic snapshots are turned off ({attribute} = 0), so no new backup of the cache is taken.",
    ),
    Switch(
        ("aws_redshift_cluster",),
        (("automated_snapshot_retention_period",),),
        _keeps_days,
        _keeps_none,
        "automated snapshots are turned off ({attribute} = 0), so no new backup of the warehouse is taken "
        "and the existing automated ones are deleted.",
    ),
    Switch(
        ("google_sql_database_instance",),
        (("settings", 0, "backup_configuration", 0, "enabled"),),
        is_true,
        is_false,
        "automated backups are turned off ({attribute} = false), so no new backup is taken and no "
        "point-in-time restore is possible.",
    ),
    Switch(
        ("aws_dlm_lifecycle_policy",),
        (("state",),),
        state_in("ENABLED"),
        state_in("DISABLED"),
        "the snapshot policy is disabled, so the EBS snapshots or AMIs it schedules are no longer taken.",
    ),
)
_SWITCHES_BY_TYPE = by_type(SWITCHES)
_TYPES = tuple(sorted(DELETED.keys() | _SWITCHES_BY_TYPE.keys()))


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-020",
        title="Backups stopped",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="Deleting a backup plan, backup selection or snapshot policy, or turning off a database's, "
        "cache's or warehouse's automated backups or a snapshot policy, loses no data today; it removes the copy that a later "
        "mistake, attack or corruption would be restored from, and nothing reports the gap until a restore "
        "is needed.",
        remediation="Keep the backups (or move the resources to another backup plan first); if the data is "
        "being retired, take a final backup and record where it is kept.",
        resource_types=_TYPES,
    ),
    *_TYPES,
    actions=(Action.DELETE, Action.UPDATE),
)
def backups_stopped(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.is_data or rc.deposed is not None:
        return
    effect = DELETED.get(rc.type)
    if rc.action is Action.DELETE and effect is not None:
        yield Hit(f"{rc.address} is deleted: {effect}.")
    elif rc.action is Action.UPDATE:
        yield from switched_hit(rc, _SWITCHES_BY_TYPE.get(rc.type, ()))


SNAPSHOT_TYPES: dict[str, str] = {
    "aws_ebs_snapshot": "this point-in-time copy of an EBS volume",
    "aws_db_snapshot": "this manual database snapshot (kept until deleted, unlike automated backups)",
    "aws_db_cluster_snapshot": "this manual cluster snapshot (kept until deleted, unlike automated backups)",
}


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-023",
        title="Backup snapshot deleted",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="A manual EBS or database snapshot is often the copy taken before a migration, an upgrade "
        "or a deletion; deleting it removes that way back for good, and nothing else in the plan shows it.",
        remediation="Keep the snapshot until the change it guards is proven, or copy it to the backup account "
        "first; remove it from Terraform with a `removed` block (destroy = false) to keep it unmanaged.",
        resource_types=tuple(SNAPSHOT_TYPES),
    ),
    *SNAPSHOT_TYPES,
    actions=(Action.DELETE,),
)
def snapshot_deleted(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.DELETE and not rc.is_data and rc.deposed is None:
        yield Hit(f"{rc.address} is deleted: {SNAPSHOT_TYPES[rc.type]} is gone for good.")
