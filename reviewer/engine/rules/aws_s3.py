"""AWS S3 posture rules, for inline bucket attributes and the split aws_s3_bucket_* resources."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import empty_block

PUBLIC_GROUPS = ("AllUsers", "AuthenticatedUsers")
PUBLIC_READ_ACLS = frozenset({"public-read", "authenticated-read"})
PUBLIC_WRITE_ACLS = frozenset({"public-read-write"})
PAB_TYPES = frozenset({"aws_s3_bucket_public_access_block"})
SSE_TYPES = frozenset({"aws_s3_bucket_server_side_encryption_configuration"})
VERSIONING_TYPES = frozenset({"aws_s3_bucket_versioning"})
LOGGING_TYPES = frozenset({"aws_s3_bucket_logging"})


def public_grants(state: State, rtype: str) -> Iterator[tuple[str, str]]:
    """(permission, attribute) for each grant to AllUsers/AuthenticatedUsers: inline `grant` blocks on the
    bucket, `access_control_policy` on aws_s3_bucket_acl."""
    if rtype == "aws_s3_bucket":
        for i, grant in state.each("grant"):
            uri = grant.get("uri")
            permissions = grant.get("permissions")
            if isinstance(uri, str) and uri.endswith(PUBLIC_GROUPS) and isinstance(permissions, list):
                for permission in permissions:
                    yield str(permission), f"grant[{i}]"
        return
    for _, policy in state.each("access_control_policy"):
        for i, grant in policy.each("grant"):
            permission = grant.get("permission")
            for _, grantee in grant.each("grantee"):
                uri = grantee.get("uri")
                if isinstance(uri, str) and uri.endswith(PUBLIC_GROUPS):
                    yield str(permission), f"access_control_policy[0].grant[{i}]"


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-001",
        title="S3 bucket ACL allows public read",
        severity=Severity.HIGH,
        category=Category.SECURITY,
        rationale="A public-read or authenticated-read ACL lets anyone list or read the bucket.",
        remediation="Use a private ACL (or BucketOwnerEnforced ownership) and serve public content through "
        "CloudFront with origin access control.",
        checkov_id="CKV_AWS_20",
        trivy_id="AVD-AWS-0092",
    ),
    "aws_s3_bucket",
    "aws_s3_bucket_acl",
)
def s3_public_read(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    acl = state.get("acl")
    if isinstance(acl, str) and acl in PUBLIC_READ_ACLS:
        yield Hit(f"{rc.address} has ACL {acl}.", attribute="acl")
    for permission, attribute in public_grants(state, rc.type):
        if permission in ("READ", "READ_ACP"):
            yield Hit(f"{rc.address} grants {permission} to everyone.", attribute=attribute)


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-002",
        title="S3 bucket ACL allows public write",
        severity=Severity.CRITICAL,
        category=Category.SECURITY,
        rationale="A public-read-write ACL lets anyone upload, overwrite or delete objects.",
        remediation="Set the ACL to private and block public ACLs.",
        checkov_id="CKV_AWS_57",
        trivy_id="AVD-AWS-0092",
    ),
    "aws_s3_bucket",
    "aws_s3_bucket_acl",
)
def s3_public_write(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    acl = state.get("acl")
    if isinstance(acl, str) and acl in PUBLIC_WRITE_ACLS:
        yield Hit(f"{rc.address} has ACL {acl}.", attribute="acl")
    for permission, attribute in public_grants(state, rc.type):
        if permission in ("WRITE", "WRITE_ACP", "FULL_CONTROL"):
            yield Hit(f"{rc.address} grants {permission} to everyone.", attribute=attribute)


def _pab_flag_rule(rule_id: str, flag: str, checkov: str, what: str) -> None:
    meta = RuleMeta(
        id=rule_id,
        title=f"S3 public access block: {flag} is off",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale=f"With {flag} = false, {what}; on the account-level block, for every bucket in the account "
        "(HIGH).",
        remediation=f"Set `{flag} = true` unless the bucket is meant to be public.",
        checkov_id=checkov,
    )

    def check(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        if state.get(flag) is False:
            if rc.type == "aws_s3_account_public_access_block":
                yield Hit(
                    f"{rc.address} sets {flag} = false for every bucket in the account.",
                    attribute=flag,
                    severity=Severity.HIGH,
                )
            else:
                yield Hit(f"{rc.address} sets {flag} = false.", attribute=flag)

    REGISTRY.posture(meta, "aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block")(check)


_pab_flag_rule("TFR-AWS-S3-003", "block_public_acls", "CKV_AWS_53", "new public ACLs are accepted")
_pab_flag_rule("TFR-AWS-S3-004", "block_public_policy", "CKV_AWS_54", "public bucket policies are accepted")
_pab_flag_rule("TFR-AWS-S3-005", "ignore_public_acls", "CKV_AWS_55", "existing public ACLs take effect")
_pab_flag_rule(
    "TFR-AWS-S3-006", "restrict_public_buckets", "CKV_AWS_56", "public policies give cross-account access"
)


def _account_block_all(ctx: RuleContext) -> bool:
    for rc in ctx.live_changes:
        if rc.type == "aws_s3_account_public_access_block":
            state = State(rc.after, rc.after_unknown)
            if all(state.get(f) is not False for f in ("block_public_acls", "block_public_policy")):
                return True
    return False


def _bucket_names(state: State) -> tuple[object, ...]:
    return (state.get("bucket"), state.get("id"))


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-007",
        title="S3 bucket has no public access block",
        severity=Severity.LOW,
        category=Category.SECURITY,
        rationale="Without a public access block, one mistaken ACL or policy makes the bucket public.",
        remediation="Add aws_s3_bucket_public_access_block with all four flags true (or an account-level block).",
        checkov_id="CKV2_AWS_6",
    ),
    "aws_s3_bucket",
)
def s3_no_public_access_block(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if ctx.is_covered(rc, PAB_TYPES, "bucket", *_bucket_names(state)) or ctx.memo(
        "s3_account_pab", _account_block_all
    ):
        return
    yield Hit(f"{rc.address} has no aws_s3_bucket_public_access_block in this plan.")


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-008",
        title="S3 bucket has no default encryption configuration",
        severity=Severity.LOW,
        category=Category.SECURITY,
        rationale="Explicit default encryption documents intent and allows KMS keys; AWS applies SSE-S3 by "
        "default only to new objects since 2023.",
        remediation="Add aws_s3_bucket_server_side_encryption_configuration (aws:kms preferred).",
        checkov_id="CKV_AWS_19",
        trivy_id="AVD-AWS-0088",
    ),
    "aws_s3_bucket",
)
def s3_no_encryption(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    inline = state.get("server_side_encryption_configuration")
    if inline is UNKNOWN or not empty_block(inline):
        return
    if ctx.is_covered(rc, SSE_TYPES, "bucket", *_bucket_names(state)):
        return
    yield Hit(
        f"{rc.address} has no server-side encryption configuration.",
        attribute="server_side_encryption_configuration",
    )


def _sse_algorithms(state: State, block: str) -> Iterator[str]:
    for _, cfg in state.each(block):
        for _, rule in cfg.each("rule"):
            algorithm = rule.first("apply_server_side_encryption_by_default", "sse_algorithm")
            if isinstance(algorithm, str):
                yield algorithm


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-009",
        title="S3 bucket encrypted without KMS",
        severity=Severity.LOW,
        category=Category.SECURITY,
        rationale="SSE-S3 (AES256) gives no key policy, no audit of key use and no way to revoke access via "
        "the key.",
        remediation='Use sse_algorithm = "aws:kms" with a customer-managed key.',
        checkov_id="CKV_AWS_145",
    ),
    "aws_s3_bucket",
    "aws_s3_bucket_server_side_encryption_configuration",
)
def s3_not_kms(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    block = "server_side_encryption_configuration" if rc.type == "aws_s3_bucket" else ""
    algorithms = list(_sse_algorithms(state, block)) if block else []
    if not block:
        for _, rule in state.each("rule"):
            algorithm = rule.first("apply_server_side_encryption_by_default", "sse_algorithm")
            if isinstance(algorithm, str):
                algorithms.append(algorithm)
    if "AES256" in algorithms:
        yield Hit(f"{rc.address} uses SSE-S3 (AES256) instead of KMS.", attribute="sse_algorithm")


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-010",
        title="S3 bucket versioning is off",
        severity=Severity.LOW,
        category=Category.RELIABILITY,
        rationale="Without versioning, an overwrite or delete (by mistake or by ransomware) cannot be undone.",
        remediation='Enable versioning (aws_s3_bucket_versioning status = "Enabled").',
        checkov_id="CKV_AWS_21",
        trivy_id="AVD-AWS-0090",
    ),
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
)
def s3_versioning_off(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type == "aws_s3_bucket_versioning":
        status = state.first("versioning_configuration", "status")
        if status in ("Suspended", "Disabled"):
            was = State(rc.before).first("versioning_configuration", "status") if rc.before else None
            yield _versioning_hit(
                rc, f"sets versioning to {status}", was == "Enabled", "versioning_configuration.status"
            )
        return
    enabled = state.first("versioning", "enabled")
    if enabled is UNKNOWN or state.get("versioning") is UNKNOWN or enabled is True:
        return
    if ctx.is_covered(rc, VERSIONING_TYPES, "bucket", *_bucket_names(state)):
        return
    was = State(rc.before).first("versioning", "enabled") if rc.before else None
    yield _versioning_hit(rc, "does not enable versioning", was is True, "versioning")


def _versioning_hit(rc: ResourceChange, says: str, suspended: bool, attribute: str) -> Hit:
    """Versioning off; turned off by this plan (it was on), objects from now on have no earlier version: MEDIUM."""
    if not suspended:
        return Hit(f"{rc.address} {says}.", attribute=attribute)
    return Hit(
        f"{rc.address} suspends versioning (it was on): objects overwritten or deleted from now on cannot be "
        "recovered.",
        attribute=attribute,
        severity=Severity.MEDIUM,
    )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-S3-011",
        title="S3 bucket access logging is off",
        severity=Severity.LOW,
        category=Category.SECURITY,
        rationale="Without server access logs there is no record of who read or changed objects.",
        remediation="Add aws_s3_bucket_logging pointing at a log bucket.",
        checkov_id="CKV_AWS_18",
        trivy_id="AVD-AWS-0089",
    ),
    "aws_s3_bucket",
)
def s3_logging_off(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    inline = state.get("logging")
    if inline is UNKNOWN or not empty_block(inline):
        return
    if ctx.is_covered(rc, LOGGING_TYPES, "bucket", *_bucket_names(state)):
        return
    yield Hit(f"{rc.address} has no access logging.", attribute="logging")


PAB_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def _destroyed_buckets(ctx: RuleContext) -> set[str]:
    names: set[str] = set()
    for rc in ctx.plan.resource_changes:
        if rc.type == "aws_s3_bucket" and rc.action.destroys and isinstance(rc.before, dict):
            names.update(v for v in (rc.before.get("bucket"), rc.before.get("id")) if isinstance(v, str))
    return names


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-S3-012",
        title="S3 public access block deleted",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="Deleting a public access block turns all of its guards off at once: the bucket (or, for the "
        "account-level block, every bucket in the account) is one ACL or policy away from public.",
        remediation="Keep the block; if one bucket must be public, turn off only the flag it needs on that bucket.",
        checkov_id="CKV2_AWS_6",
    ),
    "aws_s3_bucket_public_access_block",
    "aws_s3_account_public_access_block",
)
def public_access_block_deleted(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.DELETE or not isinstance(rc.before, dict) or rc.deposed is not None:
        return
    before = State(rc.before)
    on = [flag for flag in PAB_FLAGS if before.get(flag) is True]
    if not on:
        return  # nothing was blocked, so nothing is lost
    if rc.type == "aws_s3_account_public_access_block":
        yield Hit(
            f"{rc.address} is deleted: {', '.join(on)} stop applying to every bucket in the account.",
            severity=Severity.HIGH,
        )
        return
    bucket = before.get("bucket")
    if isinstance(bucket, str) and bucket in ctx.memo("s3_destroyed_buckets", _destroyed_buckets):
        return  # the bucket itself goes away in the same plan
    yield Hit(f"{rc.address} is deleted: {', '.join(on)} stop applying to bucket {before.get('bucket')}.")
