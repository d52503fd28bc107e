"""S3 data deleted without deleting the bucket: a lifecycle rule that expires every object of an existing
bucket after a few days, or its old versions after a few days."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import as_int

# Current objects older than this many days, or noncurrent versions kept fewer days, are a loss to confirm.
HIGH_EXPIRY_DAYS = 7
MEDIUM_EXPIRY_DAYS = 30
NONCURRENT_DAYS = 7
LIFECYCLE_TYPES = ("aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket")
_WRITES = (Action.CREATE, Action.UPDATE, Action.REPLACE_DESTROY_FIRST, Action.REPLACE_CREATE_FIRST)


@dataclass(frozen=True, slots=True)
class Expiry:
    """One enabled, whole-bucket expiry of a lifecycle rule: current objects or noncurrent versions."""

    rule: str
    noncurrent: bool
    days: int | None  # None: a date that has passed, so every object is expired
    attribute: str

    def severity(self) -> Severity | None:
        if self.noncurrent:
            return Severity.MEDIUM if self.days is not None and self.days <= NONCURRENT_DAYS else None
        if self.days is None or self.days <= HIGH_EXPIRY_DAYS:
            return Severity.HIGH
        return Severity.MEDIUM if self.days <= MEDIUM_EXPIRY_DAYS else None


def _blank(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {} or value == 0


_BOUNDS = ("prefix", "object_size_greater_than", "object_size_less_than")


def _whole_bucket_filter(rule: State, inline: bool) -> bool:
    """True when a rule selects every object: no prefix, tag or size bound (known values only)."""
    if not _blank(rule.get("prefix")):
        return False
    if inline:  # a bucket's own lifecycle_rule: prefix and tags on the rule itself
        return _blank(rule.get("tags"))
    if rule.get("filter") is UNKNOWN:
        return False
    for _, entry in rule.each("filter"):
        if any(not _blank(entry.get(key)) for key in (*_BOUNDS, "tag")):
            return False
        for _, both in entry.each("and"):
            if any(not _blank(both.get(key)) for key in (*_BOUNDS, "tags")):
                return False
    return True


def _days(value: object) -> int | None:
    days = as_int(value)
    return days if days is not None and days > 0 else None


def _date_passed(value: object, today: str | None) -> bool:
    return isinstance(value, str) and len(value) >= 10 and today is not None and value[:10] <= today


def _expiries(state: State, rtype: str, today: str | None) -> list[Expiry]:
    """The whole-bucket expiries of a lifecycle configuration (or a bucket's inline lifecycle_rule)."""
    inline = rtype == "aws_s3_bucket"
    block = "lifecycle_rule" if inline else "rule"
    found: list[Expiry] = []
    for i, rule in state.each(block):
        enabled = rule.get("enabled") is True if inline else rule.get("status") == "Enabled"
        if not enabled or not _whole_bucket_filter(rule, inline):
            continue
        name = rule.get("id") if isinstance(rule.get("id"), str) and rule.get("id") else f"#{i + 1}"
        expiration = rule.get("expiration", 0, "days")
        if (days := _days(expiration)) is not None:
            found.append(Expiry(name, False, days, f"{block}.expiration.days"))
        elif _date_passed(rule.get("expiration", 0, "date"), today):
            found.append(Expiry(name, False, None, f"{block}.expiration.date"))
        day_key = "days" if inline else "noncurrent_days"
        if (days := _days(rule.get("noncurrent_version_expiration", 0, day_key))) is not None:
            found.append(Expiry(name, True, days, f"{block}.noncurrent_version_expiration.{day_key}"))
    return found


def _created_buckets(ctx: RuleContext) -> set[str]:
    names: set[str] = set()
    for rc in ctx.live_changes:
        if rc.type == "aws_s3_bucket" and rc.action is Action.CREATE:
            name = rc.after.get("bucket")
            if isinstance(name, str):
                names.add(name)
    return names


def _new_bucket(rc: ResourceChange, after: State, ctx: RuleContext) -> bool:
    """True when the bucket holds no data yet: it is created in this plan (an unknown name means that too)."""
    if rc.type == "aws_s3_bucket":
        return rc.action is Action.CREATE or rc.action.is_replace
    bucket = after.get("bucket")
    return bucket is UNKNOWN or bucket in ctx.memo("created_s3_buckets", _created_buckets)


def _today(ctx: RuleContext) -> str | None:
    stamp = ctx.raw.get("timestamp")
    return stamp[:10] if isinstance(stamp, str) and len(stamp) >= 10 else None


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-S3-013",
        title="S3 lifecycle rule expires a whole bucket's data",
        severity=Severity.HIGH,
        category=Category.CHANGE,
        rationale="A lifecycle rule with no prefix, tag or size filter applies to every object: on an existing "
        f"bucket, an expiration of {HIGH_EXPIRY_DAYS} days or less (HIGH) or {MEDIUM_EXPIRY_DAYS} days or "
        "less (MEDIUM) deletes every object older than that within a day or two of the apply, with no "
        f"delete call to review; expiring noncurrent versions after {NONCURRENT_DAYS} days or less (MEDIUM) "
        "removes the old versions that make an overwrite or delete recoverable.",
        remediation="Scope the rule to a prefix or tag of data that may expire, lengthen the period, and check "
        "what the bucket holds before applying; a new bucket with the same rule is no risk.",
        resource_types=LIFECYCLE_TYPES,
    ),
    *LIFECYCLE_TYPES,
    actions=_WRITES,
)
def whole_bucket_expiry(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.is_data or type(rc.after) is not dict or rc.action not in _WRITES:
        return
    after = State(rc.after, rc.after_unknown)
    if _new_bucket(rc, after, ctx):
        return
    today = _today(ctx)
    found = _expiries(after, rc.type, today)
    if not found:
        return
    # What the bucket already expired as fast (or faster) before this plan is no new loss.
    earlier: list[Expiry] = []
    if rc.action is Action.UPDATE and type(rc.before) is dict:
        earlier = _expiries(State(rc.before), rc.type, today)
    for expiry in found:
        severity = expiry.severity()
        if severity is None or any(_as_fast(old, expiry) for old in earlier):
            continue
        bucket = rc.after.get("bucket") if isinstance(rc.after.get("bucket"), str) else "the bucket"
        if expiry.noncurrent:
            what = (
                f"deletes every noncurrent (overwritten or deleted) object version in {bucket} "
                f"{expiry.days} day(s) after it stops being current, so a bad overwrite or delete can only be "
                "undone within that time"
            )
        elif expiry.days is None:
            what = f"expires every object in {bucket} (its expiration date has passed)"
        else:
            what = (
                f"expires every object in {bucket} older than {expiry.days} day(s): existing objects past "
                "that age are deleted within a day or two of the apply"
            )
        yield Hit(
            f"{rc.address}: lifecycle rule {expiry.rule} covers the whole bucket and {what}.",
            attribute=expiry.attribute,
            severity=severity,
        )


def _as_fast(old: Expiry, new: Expiry) -> bool:
    if old.noncurrent != new.noncurrent:
        return False
    if old.days is None:
        return True
    return new.days is not None and old.days <= new.days
