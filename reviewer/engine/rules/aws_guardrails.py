"""Account guardrails loosened without deleting anything: service control policies that deny less, a weaker
IAM password policy, S3 Object Lock retention removed, an AWS account closed or taken out of the organization."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.audit_controls import GUARDRAIL_POLICY_TYPES
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import as_int, update_sides
from reviewer.engine.rules.policy import Statement, matches_action, parse_policy


def _denied(statements: list[Statement]) -> set[str]:
    return {a.lower() for s in statements if s.effect == "Deny" and not s.not_actions for a in s.actions}


def _deny_all_but(statements: list[Statement]) -> set[tuple[str, ...]]:
    """Deny + NotAction statements (deny everything but the listed actions, as region guardrails do)."""
    return {
        tuple(sorted(a.lower() for a in s.actions))
        for s in statements
        if s.effect == "Deny" and s.not_actions
    }


def _allows_everything(statements: list[Statement]) -> bool:
    return any(
        s.effect == "Allow" and not s.not_actions and "*" in s.actions and "*" in s.resources
        for s in statements
    )


def _known_policy(state: State) -> list[Statement] | None:
    value = state.get("content")
    return parse_policy(value) if isinstance(value, str) else None


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-ORG-001",
        title="Service control policy loosened",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="A service control policy is the guardrail no one in a member account can lift: removing a "
        "Deny (leaving the organization, stopping CloudTrail, leaving approved regions) or widening an "
        "allow-list to every action gives every account it is attached to the power it denied.",
        remediation="Keep the deny statements; if one must change, narrow it (a condition, an exception "
        "role) rather than remove it, and review the change with the security team.",
        resource_types=("aws_organizations_policy",),
    ),
    "aws_organizations_policy",
    actions=(Action.UPDATE,),
)
def scp_loosened(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    if after.get("type") not in GUARDRAIL_POLICY_TYPES:
        return
    old, new = _known_policy(before), _known_policy(after)
    if old is None or new is None:
        return  # unknown or not a policy document: nothing to compare
    still_denied = _denied(new)
    # A deny rewritten as a wildcard (cloudtrail:StopLogging -> cloudtrail:*) still denies it.
    removed = sorted(a for a in _denied(old) if not any(matches_action(p, a) for p in still_denied))
    if removed:
        more = f" and {len(removed) - 5} more" if len(removed) > 5 else ""
        yield Hit(
            f"{rc.address} no longer denies {', '.join(removed[:5])}{more}: every account the policy is "
            "attached to may now do it.",
            attribute="content",
            key=f"deny|{','.join(removed)}",
        )
    # Still denied when a deny-all-but of the new policy spares no more than the old one did.
    kept_denies = _deny_all_but(new)
    dropped = [spared for spared in _deny_all_but(old) if not any(set(k) <= set(spared) for k in kept_denies)]
    if dropped and not removed:
        yield Hit(
            f"{rc.address} drops a deny of every action but {len(min(dropped))} listed one(s) (a NotAction "
            "guardrail such as a region restriction): what it denied is no longer denied.",
            attribute="content",
            key="deny-not-action",
        )
    if _allows_everything(new) and not _allows_everything(old):
        yield Hit(
            f'{rc.address} now allows every action ("*"): the allow-list it enforced no longer limits the '
            "accounts it is attached to.",
            attribute="content",
            key="allow-all",
        )


_ACCOUNT_TYPES = ("aws_organizations_account",)


def _deleted_account(rc: ResourceChange) -> bool:
    return rc.action is Action.DELETE and type(rc.before) is dict and rc.deposed is None


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-ORG-002",
        title="AWS account closed",
        severity=Severity.HIGH,
        category=Category.CHANGE,
        rationale="Deleting an aws_organizations_account with close_on_deletion = true closes the account: "
        "its workloads stop and AWS deletes its resources and data after the 90-day post-closure period.",
        remediation="Remove the resource from the state (a `removed` block with destroy = false) unless the "
        "account is really being retired; empty and archive it first.",
        resource_types=_ACCOUNT_TYPES,
    ),
    *_ACCOUNT_TYPES,
    actions=(Action.DELETE,),
)
def account_closed(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if _deleted_account(rc) and rc.before.get("close_on_deletion") is True:
        yield Hit(
            f"{rc.address} is deleted with close_on_deletion = true: the AWS account is closed, its "
            "workloads stop and its resources and data are deleted after the post-closure period.",
            attribute="close_on_deletion",
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-ORG-003",
        title="AWS account removed from the organization",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="Deleting an aws_organizations_account without close_on_deletion takes the account out of "
        "the organization, and with it out of the SCPs, organization trail and delegated security services "
        "that watched it.",
        remediation="Remove the resource from the state (a `removed` block with destroy = false) unless the "
        "account really leaves; move it to another OU rather than out of the organization.",
        resource_types=_ACCOUNT_TYPES,
    ),
    *_ACCOUNT_TYPES,
    actions=(Action.DELETE,),
)
def account_removed(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if _deleted_account(rc) and rc.before.get("close_on_deletion") is not True:
        yield Hit(
            f"{rc.address} is deleted: the AWS account leaves the organization, so its service control "
            "policies and organization-wide security services no longer apply to it."
        )


# (attribute, what it protects, how a weaker value compares): True when `after` is weaker than `before`.
def _lower(old: Any, new: Any) -> bool:
    before, after = as_int(old), as_int(new)
    return before is not None and before > 0 and (after is None or after < before)


def _turned_off(old: Any, new: Any) -> bool:
    return old is True and new is False


PASSWORD_CHECKS: tuple[tuple[str, str, Any], ...] = (
    ("minimum_password_length", "shorter passwords", _lower),
    ("require_symbols", "no symbol required", _turned_off),
    ("require_numbers", "no number required", _turned_off),
    ("require_uppercase_characters", "no upper-case letter required", _turned_off),
    ("require_lowercase_characters", "no lower-case letter required", _turned_off),
    ("password_reuse_prevention", "old passwords reusable sooner", _lower),
)


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-IAM-010",
        title="IAM account password policy weakened",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="The account password policy governs every IAM user's console password: a shorter minimum "
        "length, fewer required character classes or earlier reuse make guessing and credential stuffing "
        "easier for every user at their next password change (CIS AWS 1.8-1.9: 14 characters, 24 remembered).",
        remediation="Keep at least 14 characters and 24 remembered passwords; prefer SSO over IAM user "
        "passwords.",
        resource_types=("aws_iam_account_password_policy",),
    ),
    "aws_iam_account_password_policy",
    actions=(Action.UPDATE,),
)
def password_policy_weakened(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    weaker = []
    for attribute, effect, is_weaker in PASSWORD_CHECKS:
        new = after.get(attribute)
        if new is not UNKNOWN and is_weaker(before.get(attribute), new):
            weaker.append((attribute, effect))
    if weaker:
        yield Hit(
            f"{rc.address} weakens the account password policy: "
            + ", ".join(f"{effect} ({attribute})" for attribute, effect in weaker)
            + ".",
            attribute=weaker[0][0],
        )


def _retention_days(state: State) -> int | None:
    """The default retention of an Object Lock configuration in days (0 when it has none); None if unknown."""
    rule = state.get("rule")
    if rule is UNKNOWN:
        return None
    days = state.get("rule", 0, "default_retention", 0, "days")
    years = state.get("rule", 0, "default_retention", 0, "years")
    if days is UNKNOWN or years is UNKNOWN:
        return None
    return (as_int(days) or 0) + 365 * (as_int(years) or 0)


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-S3-014",
        title="S3 Object Lock retention removed or shortened",
        severity=Severity.MEDIUM,
        category=Category.RELIABILITY,
        rationale="A bucket's default Object Lock retention keeps every new object version from being deleted "
        "or overwritten (ransomware, a compromised admin, a bad script) for its period. Removing it, "
        "shortening it or moving from COMPLIANCE to GOVERNANCE mode (which privileged users can bypass) "
        "leaves new objects unprotected; objects already written keep their own retention.",
        remediation="Keep the retention (COMPLIANCE mode for audit and backup buckets); lengthen rather than "
        "shorten it.",
        resource_types=("aws_s3_bucket_object_lock_configuration",),
    ),
    "aws_s3_bucket_object_lock_configuration",
    actions=(Action.UPDATE, Action.DELETE),
)
def object_lock_weakened(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action not in (Action.UPDATE, Action.DELETE) or type(rc.before) is not dict or rc.deposed:
        return
    before = State(rc.before)
    old = _retention_days(before)
    if not old:
        return
    if rc.action is Action.DELETE:
        yield Hit(
            f"{rc.address} is deleted: new objects in the bucket are no longer locked against deletion or "
            f"overwrite (it kept them {old} days).",
            attribute="rule",
        )
        return
    after = State(rc.after, rc.after_unknown)
    new = _retention_days(after)
    if new is None:
        return
    if new < old:
        now = f"{new} days" if new else "no default retention"
        yield Hit(
            f"{rc.address} shortens the default Object Lock retention from {old} days to {now}: new objects "
            "can be deleted or overwritten sooner.",
            attribute="rule.default_retention",
        )
        return
    old_mode = before.get("rule", 0, "default_retention", 0, "mode")
    new_mode = after.get("rule", 0, "default_retention", 0, "mode")
    if old_mode == "COMPLIANCE" and new_mode == "GOVERNANCE":
        yield Hit(
            f"{rc.address} moves Object Lock from COMPLIANCE to GOVERNANCE mode: users with "
            "s3:BypassGovernanceRetention can now delete locked objects.",
            attribute="rule.default_retention.mode",
            severity=Severity.LOW,
        )


def _present(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0


def _blocking_rules(state: State) -> dict[str, str]:
    """A WAFv2 web ACL's rules by name, as "block" or "count" ("other" for allow, captcha, ...)."""
    rules: dict[str, str] = {}
    for _, rule in state.each("rule"):
        name = rule.get("name")
        if not isinstance(name, str):
            continue
        if _present(rule.get("action", 0, "block")) or _present(rule.get("override_action", 0, "none")):
            rules[name] = "block"
        elif _present(rule.get("action", 0, "count")) or _present(rule.get("override_action", 0, "count")):
            rules[name] = "count"
        else:
            rules[name] = "other"
    return rules


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-WAF-001",
        title="Web application firewall removed or set to count only",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="Detaching the web ACL from a CloudFront distribution, removing a blocking rule or managed "
        "rule group, or switching it to count lets the requests it stopped (injection, bots, floods) reach "
        "the application.",
        remediation="Keep the rule blocking; test a new rule in count mode beside it, and detach the web ACL "
        "only after a replacement is attached.",
        resource_types=("aws_cloudfront_distribution", "aws_wafv2_web_acl"),
    ),
    "aws_cloudfront_distribution",
    "aws_wafv2_web_acl",
    actions=(Action.UPDATE,),
)
def firewall_weakened(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    if rc.type == "aws_cloudfront_distribution":
        old, new = before.get("web_acl_id"), after.get("web_acl_id")
        if isinstance(old, str) and old and new is not UNKNOWN and not new:
            yield Hit(
                f"{rc.address} detaches its web ACL: requests reach the origin without the firewall.",
                attribute="web_acl_id",
            )
        return
    if after.get("rule") is UNKNOWN:
        return
    old_rules, new_rules = _blocking_rules(before), _blocking_rules(after)
    removed = sorted(n for n, kind in old_rules.items() if kind == "block" and n not in new_rules)
    counting = sorted(n for n, kind in old_rules.items() if kind == "block" and new_rules.get(n) == "count")
    if removed:
        yield Hit(
            f"{rc.address} removes blocking rule(s) {', '.join(removed)}.", attribute="rule", key="removed"
        )
    if counting:
        yield Hit(
            f"{rc.address} switches rule(s) {', '.join(counting)} from block to count: they no longer stop "
            "anything.",
            attribute="rule",
            key="count",
        )
