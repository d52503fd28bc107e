"""The rule catalog and the runner that applies every rule to a parsed plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reviewer.engine import compound  # noqa: F401  (compound rules: combinations of the conditions below)
from reviewer.engine.plan import Action, Plan, ResourceChange
from reviewer.engine.results import Finding, Introduction
from reviewer.engine.rules import (  # noqa: F401  (imported for their registrations)
    audit_controls,
    availability,
    aws_access_settings,
    aws_edge,
    aws_encryption,
    aws_guardrails,
    aws_iam,
    aws_iam_users,
    aws_network,
    aws_s3,
    aws_s3_lifecycle,
    aws_search_streams,
    aws_services,
    aws_workloads,
    azure,
    azure_exposure,
    azure_local_auth,
    backups,
    change,
    cost,
    database_restarts,
    gcp,
    gcp_instances,
    hardcoded_secrets,
    health,
    injection,
    kubernetes,
    one_way_changes,
    privileged_roles,
    secrets_in_clear,
    tls_policies,
)
from reviewer.engine.rules.base import REGISTRY, Hit, Rule, RuleKind, RuleMeta, State
from reviewer.engine.rules.context import RuleContext

__all__ = ["RULES", "RULES_BY_ID", "ResourceFindings", "Rule", "RuleMeta", "RuleRun", "run_rules"]

_FAMILY_ORDER = (
    "TFR-CMP",
    "TFR-CHG",
    "TFR-PLAN",
    "TFR-SEC",
    "TFR-INJ",
    "TFR-AWS",
    "TFR-AZ",
    "TFR-GCP",
    "TFR-K8S",
    "TFR-COST",
    "TFR-CFG",
)


def _catalog_key(rule: Rule) -> tuple[int, str]:
    family = next((i for i, prefix in enumerate(_FAMILY_ORDER) if rule.meta.id.startswith(prefix + "-")), 99)
    return family, rule.meta.id


# The registry list itself (rules registered later, e.g. TFR-CFG-001, are appended to it), in catalog order.
REGISTRY.rules.sort(key=_catalog_key)
RULES: list[Rule] = REGISTRY.rules
RULES_BY_ID: dict[str, Rule] = {rule.meta.id: rule for rule in RULES}
_CREATE, _NO_OP, _READ = Action.CREATE, Action.NO_OP, Action.READ

_SUFFIX = {
    Introduction.INTRODUCED: "introduced by this plan",
    Introduction.WORSENED: "made worse by this plan",
    Introduction.PRE_EXISTING: "already present before this plan",
}


def _finding(
    meta: RuleMeta, hit: Hit, rc: ResourceChange | None, introduction: Introduction | None
) -> Finding:
    message = hit.message
    if introduction is not None:
        message = f"{message} ({_SUFFIX[introduction]})"
    return Finding(
        rule_id=meta.id,
        title=meta.title,
        severity=hit.severity or meta.severity,
        category=meta.category,
        address=hit.address or (rc.address if rc else None),
        type=hit.type or (rc.type if rc else None),
        action=hit.action or (rc.action.value if rc else None),
        attribute=hit.attribute,
        introduced=introduction is not Introduction.PRE_EXISTING
        if introduction
        else hit.introduced is not False,
        message=message,
        remediation=meta.remediation,
        checkov_id=meta.checkov_id,
        trivy_id=meta.trivy_id,
        related=list(hit.related) or None,
        introduction=introduction,
    )


def _posture_findings(
    rule: Rule, rc: ResourceChange, ctx: RuleContext, after: State, before: State | None, unchanged: bool
) -> Iterable[Finding]:
    after_hits = list(rule.check(after, ctx, rc))
    if not after_hits:
        return []
    if unchanged:
        return [_finding(rule.meta, hit, rc, Introduction.PRE_EXISTING) for hit in after_hits]
    before_keys: set[str] = set()
    if before is not None:
        before_keys = {hit.identity() for hit in rule.check(before, ctx, rc)}
    findings: list[Finding] = []
    for hit in after_hits:
        if hit.identity() in before_keys:
            introduction = Introduction.PRE_EXISTING
        elif before_keys:
            introduction = Introduction.WORSENED
        else:
            introduction = Introduction.INTRODUCED
        findings.append(_finding(rule.meta, hit, rc, introduction))
    return findings


@dataclass(slots=True)
class _RuleTables:
    """The enabled rules by resource type, so each resource meets only the rules for its type."""

    posture_by_type: dict[str, list[Rule]]
    posture_any: list[Rule]
    change_by_type: dict[str, list[Rule]]
    change_any: list[Rule]

    @classmethod
    def of(cls, active: list[Rule]) -> _RuleTables:
        tables = cls(defaultdict(list), [], defaultdict(list), [])
        for rule in active:
            if rule.kind is RuleKind.POSTURE:
                by_type, catch_all = tables.posture_by_type, tables.posture_any
            elif rule.kind is RuleKind.CHANGE:
                by_type, catch_all = tables.change_by_type, tables.change_any
            else:
                continue
            if rule.types:
                for rtype in rule.types:
                    by_type[rtype].append(rule)
            else:
                catch_all.append(rule)
        return tables


# Findings of a share of the resources: (posture findings, change findings).
ResourceFindings = tuple[list[Finding], list[Finding]]


class RuleRun:
    """The rules applied to one plan, in parts that can run in different processes.

    run_rules is resource_findings(0, 1) + plan_findings(); any split of [0, 1] gives the same findings
    once combined in order.
    """

    def __init__(self, plan: Plan, raw: dict[str, object], enabled: set[str] | None = None) -> None:
        self.ctx = RuleContext(plan, raw)
        self.active = [r for r in RULES if enabled is None or r.meta.id in enabled]
        self.tables = _RuleTables.of(self.active)
        self.live = self.ctx.live_changes
        # Pure no-ops and data reads change nothing, so no change rule can fire on them.
        self.changes = [
            rc for rc in plan.resource_changes if rc.action is not _NO_OP and rc.action is not _READ
        ]

    def resource_findings(self, start: float, end: float) -> ResourceFindings:
        """Posture and change findings of the resources in the [start, end) fraction of the plan."""
        live = self.live[round(len(self.live) * start) : round(len(self.live) * end)]
        changes = self.changes[round(len(self.changes) * start) : round(len(self.changes) * end)]
        return self._posture(live), self._change(changes)

    def plan_findings(self) -> list[Finding]:
        return [
            _finding(rule.meta, hit, None, None)
            for rule in self.active
            if rule.kind is RuleKind.PLAN
            for hit in rule.check(self.ctx)
        ]

    @staticmethod
    def combine(parts: list[ResourceFindings], plan_wide: list[Finding]) -> list[Finding]:
        """The parts (in resource order) and the plan-wide findings as one list, as run_rules orders it."""
        return [
            *(f for posture, _ in parts for f in posture),
            *(f for _, changed in parts for f in changed),
            *plan_wide,
        ]

    def _posture(self, live: list[ResourceChange]) -> list[Finding]:
        ctx, tables = self.ctx, self.tables
        findings: list[Finding] = []
        posture_for: dict[str, tuple[Rule, ...]] = {}
        for rc in live:
            rules = posture_for.get(rc.type)
            if rules is None:
                rules = posture_for[rc.type] = (*tables.posture_by_type.get(rc.type, ()), *tables.posture_any)
            # One State per side, shared by all rules of this resource so they can share parsed data.
            after = ctx.after_state(rc)
            before = State(rc.before) if isinstance(rc.before, dict) and rc.action is not _CREATE else None
            # Unchanged objects (no-op, pure moves and imports): whatever is wrong was already there.
            unchanged = before is not None and not rc.after_unknown and rc.before == rc.after
            for rule in rules:
                findings.extend(
                    _posture_findings(rule, rc, ctx, after, None if unchanged else before, unchanged)
                )
        return findings

    def _change(self, changes: list[ResourceChange]) -> list[Finding]:
        ctx, tables = self.ctx, self.tables
        findings: list[Finding] = []
        change_for: dict[tuple[str, Action], tuple[Rule, ...]] = {}
        for rc in changes:
            key = (rc.type, rc.action)
            rules = change_for.get(key)
            if rules is None:
                rules = change_for[key] = tuple(
                    rule
                    for rule in (*tables.change_by_type.get(rc.type, ()), *tables.change_any)
                    if rule.actions is None or rc.action in rule.actions
                )
            for rule in rules:
                for hit in rule.check(rc, ctx):
                    findings.append(_finding(rule.meta, hit, rc, None))
        return findings


def run_rules(plan: Plan, raw: dict[str, object], enabled: set[str] | None = None) -> list[Finding]:
    """Apply every enabled rule; posture findings say whether this plan introduced the problem."""
    run = RuleRun(plan, raw, enabled)
    return RuleRun.combine([run.resource_findings(0.0, 1.0)], run.plan_findings())
