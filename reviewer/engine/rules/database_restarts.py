"""Database changes applied immediately: a restart during the apply instead of in the maintenance window."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import update_sides

# An RDS instance restarts to apply these; with apply_immediately it does so during the apply, not in its
# maintenance window. Storage size and type changes run online, so they are not here.
RESTARTING_ATTRIBUTES = (
    "instance_class",
    "engine_version",
    "ca_cert_identifier",
    "port",
    "db_subnet_group_name",
    "option_group_name",
)


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-022",
        title="Database restart applied immediately",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="With apply_immediately = true an RDS instance applies a class, engine version, certificate, "
        "port or subnet change during the apply instead of in its maintenance window; a single-AZ instance is "
        "unavailable while it restarts (minutes, longer for a class change), at whatever hour the plan is "
        "applied.",
        remediation="Leave apply_immediately false so the change waits for the maintenance window, or apply "
        "in an agreed window; Multi-AZ shortens the outage to a failover.",
        resource_types=("aws_db_instance",),
    ),
    "aws_db_instance",
    actions=(Action.UPDATE,),
)
def restart_now(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    if after.get("apply_immediately") is not True:
        return
    changed = [
        attribute
        for attribute in RESTARTING_ATTRIBUTES
        if (value := after.get(attribute)) is not UNKNOWN
        and value is not None
        and before.get(attribute) is not None
        and value != before.get(attribute)
    ]
    if not changed:
        return
    multi_az = after.get("multi_az")
    outage = (
        "it fails over to its standby (a short interruption)"
        if multi_az is True
        else "the database is unavailable while it restarts"
    )
    yield Hit(
        f"{rc.address} applies a change of {', '.join(changed)} immediately (apply_immediately = true), not "
        f"in its maintenance window: {outage}.",
        attribute=changed[0],
        severity=Severity.LOW if multi_az is True else None,
    )
