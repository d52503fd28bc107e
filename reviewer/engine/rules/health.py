"""Plan-health rules: errored, not applyable, incomplete, deferred changes, failed checks, unreadable actions."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext


@REGISTRY.plan(
    RuleMeta(
        id="TFR-PLAN-001",
        title="Plan errored",
        severity=Severity.HIGH,
        category=Category.PLAN_HEALTH,
        rationale="An errored plan (`errored: true`) cannot be applied; its partial actions only help explain "
        "the error.",
        remediation="Fix the error shown in the Terraform output and plan again.",
    )
)
def plan_errored(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.plan.errored:
        yield Hit("Terraform reported an error while planning; this plan is partial and cannot be applied.")


@REGISTRY.plan(
    RuleMeta(
        id="TFR-PLAN-002",
        title="Plan not applyable",
        severity=Severity.MEDIUM,
        category=Category.PLAN_HEALTH,
        rationale="`applyable: false` is Terraform's own signal that automation must not apply this plan. A plan "
        "with nothing to change is never applyable; that alone is no problem.",
        remediation="Look at the plan output for the reason (errors, no changes in refresh-only mode).",
    )
)
def plan_not_applyable(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.plan.not_applyable and not ctx.plan.errored:
        yield Hit("Terraform marked this plan as not applyable.")


@REGISTRY.plan(
    RuleMeta(
        id="TFR-PLAN-003",
        title="Plan incomplete",
        severity=Severity.MEDIUM,
        category=Category.PLAN_HEALTH,
        rationale="`complete: false` means another plan/apply round is needed (-target or deferred changes), "
        "so this review does not see everything that will change.",
        remediation="Avoid -target in routine runs; review the follow-up plan too.",
    )
)
def plan_incomplete(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.plan.complete is False and not ctx.plan.errored:
        yield Hit("Terraform marked this plan as incomplete; more changes will follow in a later plan.")


@REGISTRY.plan(
    RuleMeta(
        id="TFR-PLAN-004",
        title="Deferred changes",
        severity=Severity.MEDIUM,
        category=Category.PLAN_HEALTH,
        rationale="Deferred changes (Terraform 1.9+, -allow-deferral) are not part of this plan at all.",
        remediation="Plan again after this apply to review the deferred resources.",
    )
)
def deferred_changes(ctx: RuleContext) -> Iterator[Hit]:
    for entry in ctx.plan.deferred_changes:
        address = entry.change.address if entry.change else None
        yield Hit(
            f"Change to {address or 'a resource'} is deferred ({entry.reason}) and is not reviewed here.",
            address=address,
            type=entry.change.type if entry.change else None,
        )


@REGISTRY.plan(
    RuleMeta(
        id="TFR-PLAN-005",
        title="Check or condition failed",
        severity=Severity.HIGH,
        category=Category.PLAN_HEALTH,
        rationale="A failed precondition, postcondition or check block means the configuration's own "
        "assertions do not hold.",
        remediation="Read the check's error message and fix the configuration or the assertion.",
    )
)
def failed_checks(ctx: RuleContext) -> Iterator[Hit]:
    for check in ctx.plan.checks:
        if check.status in ("fail", "error"):
            detail = f": {'; '.join(check.problems[:3])}" if check.problems else ""
            yield Hit(
                f"{check.kind or 'check'} {check.address} has status {check.status}{detail}",
                address=check.address,
                severity=Severity.HIGH,
            )


@REGISTRY.plan(
    RuleMeta(
        id="TFR-PLAN-006",
        title="Check result unknown",
        severity=Severity.INFO,
        category=Category.PLAN_HEALTH,
        rationale="A check whose result is unknown until apply has not been verified by this plan.",
        remediation="Review the check after apply.",
    )
)
def unknown_checks(ctx: RuleContext) -> Iterator[Hit]:
    for check in ctx.plan.checks:
        if check.status == "unknown":
            yield Hit(
                f"{check.kind or 'check'} {check.address} can only be evaluated after apply.",
                address=check.address,
            )


@REGISTRY.change(
    RuleMeta(
        id="TFR-PLAN-007",
        title="Change with an action this reviewer cannot read",
        severity=Severity.MEDIUM,
        category=Category.PLAN_HEALTH,
        rationale="Terraform documents a closed set of action lists (create, update, delete, the replacements, "
        "read, no-op, forget). Any other list (empty, repeated, or from a newer Terraform) says nothing this "
        "review can check: no rule knows whether the object is created, changed or destroyed, so no finding "
        "is not the same as safe.",
        remediation="Read this resource's change in the Terraform plan output; upgrade tfreview if the plan comes "
        "from a newer Terraform.",
    ),
    actions=(Action.UNKNOWN,),
)
def unreadable_action(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.UNKNOWN:
        shown = ", ".join(action[:20] for action in rc.actions[:4]) if rc.actions else "none"
        yield Hit(
            f"{rc.address}: the plan's actions for this change ({shown}) are not ones Terraform documents; "
            "this review cannot tell what the change does.",
            attribute="change.actions",
        )


EXPIRED_SUPPRESSION = RuleMeta(
    id="TFR-CFG-001",
    title="Suppression expired",
    severity=Severity.LOW,
    category=Category.PLAN_HEALTH,
    rationale="A suppression past its expiry date no longer hides findings; its owner should renew or remove it.",
    remediation="Fix the suppressed findings, or renew the suppression with a new expiry date and reason.",
)
# Emitted by the review itself (it needs the configuration and the date), not by a check function.
REGISTRY.meta_only(EXPIRED_SUPPRESSION)
