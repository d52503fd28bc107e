"""Compound risks: conditions that are each tolerable but together lead to loss or exposure.

Each row of COMPOUNDS names its parts (a condition on one resource type), how parts find each other (the
same resource, or the same bucket / security group through known values and configuration references),
and the severity of the combination. A row is one plan rule that reports ONE finding per combination,
naming every part; it is introduced when any part is. A new pattern is a new row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.aws_network import open_rules
from reviewer.engine.rules.aws_s3 import PUBLIC_READ_ACLS, PUBLIC_WRITE_ACLS, public_grants
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta, State
from reviewer.engine.rules.catalog_types import STATEFUL_TYPES
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.gcp import firewall_open_rules
from reviewer.engine.rules.helpers import RISKY_EXPOSURES, ExposureKind
from reviewer.engine.rules.policy import parse_policy, public_principal


@dataclass(frozen=True, slots=True)
class PartHit:
    """One resource showing one part of a combination."""

    part: str
    rc: ResourceChange
    detail: str
    introduced: bool
    attribute: str | None = None
    tags: frozenset[str] = frozenset()  # what this part opens or holds, for rows that need matching tags


# What a part checks on one side (after or before) of a resource: a detail text and tags, or None.
SideTest = Callable[[State, ResourceChange, RuleContext], tuple[str, frozenset[str]] | None]
Keys = Callable[[ResourceChange, State, RuleContext], set[str]]


def same_resource(rc: ResourceChange, state: State, ctx: RuleContext) -> set[str]:
    return {rc.address}


@dataclass(frozen=True, slots=True)
class Part:
    """A condition on resources of `types`; `keys` are the identities it joins the other parts on."""

    name: str
    types: frozenset[str]
    test: SideTest
    keys: Keys = same_resource
    attribute: str | None = None
    # Also found on resources this plan deletes (their before-state): a deletion is what the plan does.
    on_delete: bool = False
    # A condition on the change itself (an action), so always introduced by this plan.
    of_change: bool = False

    # Only resources with one of these actions can show this part (a cheap filter before any value is read).
    actions: frozenset[Action] | None = None

    def hits(
        self, rc: ResourceChange, ctx: RuleContext, wanted: set[str] | None = None
    ) -> Iterator[tuple[PartHit, set[str]]]:
        """This part on `rc`, with its join keys; resources sharing no key with `wanted` are not tested."""
        if (
            rc.is_data
            or rc.deposed is not None
            or (self.actions is not None and rc.action not in self.actions)
        ):
            return
        deleted = rc.action is Action.DELETE
        if deleted and not (self.on_delete and isinstance(rc.before, dict)):
            return
        if not deleted and (not rc.action.writes_after or not isinstance(rc.after, dict)):
            return
        state = State(rc.before) if deleted else ctx.after_state(rc)
        if wanted is None:  # nothing narrows the search: test first
            found = self.test(state, rc, ctx)
            keys = self.keys(rc, state, ctx) if found is not None else set()
        else:  # the (cheaper) keys decide whether to test
            keys = self.keys(rc, state, ctx)
            found = None if keys.isdisjoint(wanted) else self.test(state, rc, ctx)
        if found is None or not keys:
            return
        detail, tags = found
        introduced = True
        if (
            not deleted
            and not self.of_change
            and isinstance(rc.before, dict)
            and rc.action is not Action.CREATE
        ):
            introduced = self.test(State(rc.before), rc, ctx) is None
        yield PartHit(self.name, rc, detail, introduced, self.attribute, tags), keys


@dataclass(frozen=True, slots=True)
class Compound:
    """One row: the rule, its parts, where to report it and how severe the combination is."""

    meta: RuleMeta
    parts: tuple[Part, ...]
    severity: Callable[[list[PartHit]], Severity]
    anchor: int = 0  # the part whose resource the finding is reported on; evaluated first, so the rarest
    # Rows whose parts must agree (a public ACL needs the ACL guards off, not only the policy ones).
    compatible: Callable[[list[PartHit]], bool] = field(default=lambda hits: True)


def _flag(attribute: str, bad: object, *, null_is_bad: bool = False) -> SideTest:
    """`attribute` is `bad`; with null_is_bad, also stated as null (not set, and the API's default is `bad`)."""

    def test(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
        value = state.get(attribute)
        if value is bad:
            return f"{attribute} = {str(bad).lower()}", frozenset()
        if null_is_bad and value is None and type(state.values) is dict and attribute in state.values:
            return f"{attribute} not set (defaults to {str(bad).lower()})", frozenset()
        return None

    return test


# --- 1. A database that can be deleted with no protection and no final snapshot -----------------------
DATABASES = frozenset({"aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"})


def _database_severity(hits: list[PartHit]) -> Severity:
    if any(h.rc.action.destroys for h in hits):
        return Severity.CRITICAL  # this plan deletes or replaces it: the data goes with no snapshot
    if all(h.rc.action is Action.CREATE for h in hits):
        return Severity.MEDIUM  # a new, empty database: nothing to lose yet, but nothing protects it later
    return Severity.HIGH


# --- 2. A bucket made public: the public-access block is off and a public ACL or policy exists --------
PAB_GUARDS = ("ignore_public_acls", "block_public_acls", "restrict_public_buckets")
# A public ACL needs ignore_public_acls off to take effect; a public policy needs restrict_public_buckets off.
_EFFECTIVE_GUARD = {"acl": "ignore_public_acls", "policy": "restrict_public_buckets"}


def _bucket_keys(rc: ResourceChange, state: State, ctx: RuleContext) -> set[str]:
    keys = {f"ref:{ref}" for ref in ctx.references(rc, "bucket")}
    names = [state.get("bucket")]
    if rc.type == "aws_s3_bucket":
        names.append(state.get("id"))
        keys.add(f"ref:{ctx.identity(rc)}")
    if isinstance(rc.before, dict):
        names.append(rc.before.get("bucket"))
    keys.update(f"bucket:{name}" for name in names if isinstance(name, str) and name)
    return keys


def _block_off(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    if rc.action is Action.DELETE:
        on = [flag for flag in PAB_GUARDS if state.get(flag) is True]
        return (
            (f"the block is deleted ({', '.join(on)} stop applying)", frozenset({"acl", "policy"}))
            if on
            else None
        )
    off = [flag for flag in PAB_GUARDS if state.get(flag) is False]
    opens = frozenset(kind for kind in ("acl", "policy") if state.get(_EFFECTIVE_GUARD[kind]) is False)
    return (f"{', '.join(f'{flag} = false' for flag in off)}", opens) if off and opens else None


def _public_grant(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    found: list[str] = []
    tags: set[str] = set()
    if rc.type in ("aws_s3_bucket", "aws_s3_bucket_acl"):
        acl = state.get("acl")
        if isinstance(acl, str) and (acl in PUBLIC_READ_ACLS or acl in PUBLIC_WRITE_ACLS):
            found.append(f"acl = {acl}")
            tags.update({"acl", "write"} if acl in PUBLIC_WRITE_ACLS else {"acl"})
        for permission, attribute in public_grants(state, rc.type):
            found.append(f"{attribute} grants {permission} to everyone")
            tags.update({"acl", "write"} if permission in ("WRITE", "WRITE_ACP", "FULL_CONTROL") else {"acl"})
    if rc.type in ("aws_s3_bucket", "aws_s3_bucket_policy"):
        value = state.get("policy")
        statements = parse_policy(value) if isinstance(value, str) else None
        public = [s for s in statements or () if public_principal(s) and not s.has_condition]
        if public:
            found.append('policy allows Principal "*"')
            tags.add("policy")
            if any(
                a.lower().startswith(("s3:put", "s3:delete", "s3:*")) or a == "*"
                for s in public
                for a in s.actions
            ):
                tags.add("write")
    return ("; ".join(found), frozenset(tags)) if found else None


def _bucket_compatible(hits: list[PartHit]) -> bool:
    opened = frozenset().union(*(h.tags for h in hits if h.part == "public-access block off"))
    granted = frozenset().union(*(h.tags for h in hits if h.part == "public grant"))
    return bool(opened & granted)


def _bucket_severity(hits: list[PartHit]) -> Severity:
    return Severity.CRITICAL if any("write" in h.tags for h in hits) else Severity.HIGH


# --- 3. An internet-open security group on something with a public address ---------------------------
SG_SOURCES = frozenset(
    {
        "aws_security_group",
        "aws_default_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    }
)


def _group_keys(rc: ResourceChange, state: State, ctx: RuleContext) -> set[str]:
    if rc.type in ("aws_security_group", "aws_default_security_group"):
        keys = {f"ref:{ctx.identity(rc)}"}
        group = state.get("id")
        name = state.get("name")
        if isinstance(name, str) and name:
            keys.add(f"sg:{name}")  # an instance's security_groups may name it (default VPC)
    else:
        keys = {f"ref:{ref}" for ref in ctx.references(rc, "security_group_id")}
        group = state.get("security_group_id")
    if isinstance(group, str) and group:
        keys.add(f"sg:{group}")
    return keys


def _opened(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    risky = [
        r for r in open_rules(state, rc) if r.direction == "ingress" and r.exposure.kind in RISKY_EXPOSURES
    ]
    if not risky:
        return None
    text = "; ".join(f"{r.exposure.describe()} from {r.cidr}" for r in risky[:4])
    return text, frozenset(r.exposure.kind.value for r in risky)


GROUP_ATTRIBUTES = {
    "aws_instance": "vpc_security_group_ids",
    "aws_db_instance": "vpc_security_group_ids",
    "aws_rds_cluster_instance": "",  # guarded by its cluster's groups
    "aws_redshift_cluster": "vpc_security_group_ids",
    "aws_lb": "security_groups",
    "aws_alb": "security_groups",
    "aws_launch_template": "vpc_security_group_ids",  # and each network interface's security_groups
    "aws_ecs_service": "",  # network_configuration.security_groups
}
# aws_instance's legacy security_groups takes group names (default VPC), and ids in practice.
LEGACY_GROUPS = {"aws_instance": "security_groups"}
# Groups named inside a nested block: (block, attribute) per type.
NESTED_GROUPS = {
    "aws_launch_template": ("network_interfaces", "security_groups"),
    "aws_ecs_service": ("network_configuration", "security_groups"),
}


def _group_refs(rc: ResourceChange, state: State, ctx: RuleContext, attribute: str) -> set[str]:
    keys = {f"ref:{ref}" for ref in ctx.references(rc, attribute)}
    groups = state.get(attribute)
    if isinstance(groups, list):
        keys.update(f"sg:{g}" for g in groups if isinstance(g, str))
    return keys


def _cluster_groups(ctx: RuleContext) -> dict[str, set[str]]:
    """Security-group keys of each Aurora cluster in the plan, by its identifier and configuration identity."""
    groups: dict[str, set[str]] = {}
    for rc in ctx.live_changes:
        if rc.type == "aws_rds_cluster":
            state = State(rc.after, rc.after_unknown)
            keys = _group_refs(rc, state, ctx, "vpc_security_group_ids")
            groups.setdefault(f"ref:{ctx.identity(rc)}", set()).update(keys)
            identifier = state.get("cluster_identifier")
            if isinstance(identifier, str) and identifier:
                groups.setdefault(f"cluster:{identifier}", set()).update(keys)
    return groups


def _guarded_keys(rc: ResourceChange, state: State, ctx: RuleContext) -> set[str]:
    if rc.type == "aws_rds_cluster_instance":
        clusters = ctx.memo("compound_cluster_groups", _cluster_groups)
        identifier = state.get("cluster_identifier")
        names = {f"ref:{ref}" for ref in ctx.references(rc, "cluster_identifier")}
        if isinstance(identifier, str) and identifier:
            names.add(f"cluster:{identifier}")
        return {key for name in names for key in clusters.get(name, ())}
    keys = _group_refs(rc, state, ctx, GROUP_ATTRIBUTES[rc.type]) if GROUP_ATTRIBUTES[rc.type] else set()
    legacy = LEGACY_GROUPS.get(rc.type)
    if legacy is not None:
        keys |= _group_refs(rc, state, ctx, legacy)
    nested = NESTED_GROUPS.get(rc.type)
    if nested is not None:
        block, attribute = nested
        keys.update(f"ref:{ref}" for ref in ctx.references(rc, block))
        for _, item in state.each(block):
            groups = item.get(attribute)
            if isinstance(groups, list):
                keys.update(f"sg:{g}" for g in groups if isinstance(g, str))
    return keys


def _eip_targets(ctx: RuleContext) -> set[str]:
    """Instances (by id and by configuration identity) that an Elastic IP in this plan attaches to."""
    targets: set[str] = set()
    for rc in ctx.live_changes:
        if rc.type in ("aws_eip", "aws_eip_association"):
            instance = State(rc.after, rc.after_unknown).get("instance")
            if isinstance(instance, str) and instance:
                targets.add(instance)
            targets.update(ctx.references(rc, "instance"))
    return targets


def _public_address(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    if rc.type == "aws_instance":
        if state.get("associate_public_ip_address") is True:
            return "associate_public_ip_address = true", frozenset({"host"})
        targets = ctx.memo("compound_eip_targets", _eip_targets)
        instance = state.get("id")
        if ctx.identity(rc) in targets or (isinstance(instance, str) and instance in targets):
            return "an Elastic IP is attached", frozenset({"host"})
        return None
    if rc.type == "aws_launch_template":
        for i, nic in state.each("network_interfaces"):
            if nic.get("associate_public_ip_address") in (True, "true"):
                # Every instance launched from it (an auto scaling group) gets a public IP.
                return f"network_interfaces[{i}].associate_public_ip_address = true", frozenset({"host"})
        return None
    if rc.type == "aws_ecs_service":
        if state.first("network_configuration", "assign_public_ip") is True:
            return "network_configuration.assign_public_ip = true", frozenset({"host"})
        return None
    if rc.type in ("aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster"):
        return (
            ("publicly_accessible = true", frozenset({"database"}))
            if state.get("publicly_accessible") is True
            else None
        )
    if state.get("internal") is False:
        return "internet-facing load balancer (internal = false)", frozenset({"load_balancer"})
    return None


def _exposure_severity(hits: list[PartHit]) -> Severity:
    opened = frozenset().union(*(h.tags for h in hits if h.part == "open security group"))
    guarded = frozenset().union(*(h.tags for h in hits if h.part == "public address"))
    reachable_host = "host" in guarded and opened & {ExposureKind.ALL_PORTS.value, ExposureKind.ADMIN.value}
    reachable_database = "database" in guarded and opened & {
        ExposureKind.ALL_PORTS.value,
        ExposureKind.DATABASE.value,
    }
    return Severity.CRITICAL if reachable_host or reachable_database else Severity.HIGH


# --- 4. A stateful resource destroyed (deleted, or replaced destroy-first) whose data is not kept anywhere --
DESTROYS_DATA = frozenset({Action.REPLACE_DESTROY_FIRST, Action.DELETE})


def _destroyed(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    if rc.action not in DESTROYS_DATA or rc.type not in STATEFUL_TYPES:
        return None
    before = State(rc.before) if isinstance(rc.before, dict) else None
    if before is not None and (
        before.get("deletion_protection") is True or before.get("deletion_protection_enabled") is True
    ):
        return None  # the provider refuses to destroy a protected object: the apply fails, nothing is lost
    if rc.action is Action.DELETE:
        # A deleted database's loss is TFR-CMP-001's (protection off + final snapshot skipped), said once.
        return None if rc.type in DATABASES else ("destroyed by this plan", frozenset())
    paths = [".".join(str(p) for p in path) for path in rc.replace_paths if isinstance(path, list)]
    forced = f" (forced by {', '.join(sorted(paths)[:3])})" if paths else ""
    return f'replaced destroy-first, ["delete","create"]{forced}', frozenset()


def _data_not_kept(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    before = State(rc.before) if isinstance(rc.before, dict) else None
    if before is None:
        return None
    if before.get("skip_final_snapshot") is True:
        return "skip_final_snapshot = true on the current object", frozenset()
    if before.get("force_destroy") is True:
        return "force_destroy = true on the current object (its contents are deleted)", frozenset()
    # Without automated backups a database is still copied when its final snapshot is taken.
    if before.get("backup_retention_period") == 0 and before.get("skip_final_snapshot") is not False:
        return "backup_retention_period = 0 (no automated backups)", frozenset()
    # The type's own "no copy" signal, read only where the stored object states it.
    if rc.type == "aws_dynamodb_table" and before.get("point_in_time_recovery") is not None:
        if before.first("point_in_time_recovery", "enabled") is not True:
            return (
                "point-in-time recovery off (no backup of the table is kept when it is deleted)",
                frozenset(),
            )
    elif rc.type == "aws_secretsmanager_secret" and before.get("recovery_window_in_days") == 0:
        return "recovery_window_in_days = 0 (deleted at once, with no window to restore it)", frozenset()
    elif before.get("final_snapshot") is False:  # aws_ebs_volume
        return "final_snapshot = false on the current volume", frozenset()
    elif before.get("snapshot_retention_limit") == 0 and not before.get("final_snapshot_identifier"):
        return "no snapshots kept (snapshot_retention_limit = 0, no final snapshot)", frozenset()
    return None


# --- 5. GCP: an internet-open firewall rule on a VM with an external IP ---------------------------------
def _network_names(value: object) -> set[str]:
    """`default`, `projects/p/global/networks/default` and its full URL all name the network `default`."""
    return {value.rstrip("/").rsplit("/", 1)[-1]} if isinstance(value, str) and value else set()


def _scoped(networks: set[str], scopes: list[str]) -> set[str]:
    return {f"{net}|{scope}" for net in networks for scope in scopes} if scopes else networks


def _firewall_keys(rc: ResourceChange, state: State, ctx: RuleContext) -> set[str]:
    networks = {f"net:{n}" for n in _network_names(state.get("network"))}
    networks |= {f"ref:{ref}" for ref in ctx.references(rc, "network")}
    tags, accounts = state.get("target_tags"), state.get("target_service_accounts")
    scopes = [f"tag:{t}" for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    if isinstance(accounts, list):
        scopes += [f"sa:{a}" for a in accounts if isinstance(a, str)]
    return _scoped(networks, scopes)


def _open_firewall(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    risky = [
        e.describe()
        for _, exposures in firewall_open_rules(state)
        for e in exposures
        if e.kind in RISKY_EXPOSURES
    ]
    return ("; ".join(risky[:4]) + " from the internet", frozenset()) if risky else None


def _vm_keys(rc: ResourceChange, state: State, ctx: RuleContext) -> set[str]:
    networks: set[str] = {f"ref:{ref}" for ref in ctx.references(rc, "network_interface")}
    for _, nic in state.each("network_interface"):
        networks |= {f"net:{n}" for n in _network_names(nic.get("network"))}
    tags = state.get("tags")
    scopes = [f"tag:{t}" for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    scopes += [f"sa:{a}" for _, sa in state.each("service_account") if isinstance(a := sa.get("email"), str)]
    # A rule without targets applies to every VM of the network; one with targets to the VMs they name.
    return networks | _scoped(networks, scopes)


def _external_ip(state: State, rc: ResourceChange, ctx: RuleContext) -> tuple[str, frozenset[str]] | None:
    for i, nic in state.each("network_interface"):
        configs = nic.get("access_config")
        if isinstance(configs, list) and configs:
            return f"network_interface[{i}].access_config gives it an external IP", frozenset()
    return None


COMPOUNDS: tuple[Compound, ...] = (
    Compound(
        RuleMeta(
            id="TFR-CMP-001",
            title="Database deletable with no protection and no final snapshot",
            severity=Severity.HIGH,
            category=Category.CHANGE,
            rationale="Deletion protection off and skip_final_snapshot on the same database: one destroy, "
            "by mistake or by a bad plan, deletes it and its data with no snapshot to restore from.",
            remediation="Keep deletion_protection = true and skip_final_snapshot = false on databases with "
            "data; turn them off only in the plan that deliberately deletes the database, after a snapshot.",
            resource_types=tuple(sorted(DATABASES)),
        ),
        (
            Part(
                "deletion protection off",
                DATABASES,
                # No schema default on these types: a real plan says null, and the database is unprotected.
                _flag("deletion_protection", False, null_is_bad=True),
                attribute="deletion_protection",
                on_delete=True,
            ),
            Part(
                "final snapshot skipped",
                DATABASES,
                _flag("skip_final_snapshot", True),
                attribute="skip_final_snapshot",
                on_delete=True,
            ),
        ),
        _database_severity,
    ),
    Compound(
        RuleMeta(
            id="TFR-CMP-002",
            title="S3 bucket public: access block off and a public ACL or policy",
            severity=Severity.HIGH,
            category=Category.SECURITY,
            rationale="The public access block is what stops a public ACL or bucket policy from taking effect. "
            "With its guards off (or the block deleted) and a public grant on the same bucket, the bucket "
            "is readable (or writable) by anyone.",
            remediation="Keep all four public-access-block flags true; serve public content through CloudFront "
            "with origin access control instead of public ACLs or policies.",
            resource_types=(
                "aws_s3_bucket",
                "aws_s3_bucket_acl",
                "aws_s3_bucket_policy",
                "aws_s3_bucket_public_access_block",
            ),
        ),
        (
            Part(
                "public-access block off",
                frozenset({"aws_s3_bucket_public_access_block"}),
                _block_off,
                _bucket_keys,
                on_delete=True,
            ),
            Part(
                "public grant",
                frozenset({"aws_s3_bucket", "aws_s3_bucket_acl", "aws_s3_bucket_policy"}),
                _public_grant,
                _bucket_keys,
            ),
        ),
        _bucket_severity,
        anchor=1,
        compatible=_bucket_compatible,
    ),
    Compound(
        RuleMeta(
            id="TFR-CMP-003",
            title="Internet-open security group on a publicly reachable resource",
            severity=Severity.HIGH,
            category=Category.NETWORK,
            rationale="An ingress rule open to 0.0.0.0/0 or ::/0 is only reachable when what it guards has a "
            "public address: together they put SSH, RDP, a database or every port on the internet.",
            remediation="Remove the public address (private subnets, SSM Session Manager, a load balancer) or "
            "restrict the rule's source to known ranges.",
            resource_types=tuple(sorted(SG_SOURCES | GROUP_ATTRIBUTES.keys())),
        ),
        (
            Part("open security group", SG_SOURCES, _opened, _group_keys),
            Part("public address", frozenset(GROUP_ATTRIBUTES), _public_address, _guarded_keys),
        ),
        _exposure_severity,
        anchor=1,
    ),
    Compound(
        RuleMeta(
            id="TFR-CMP-004",
            title="Stateful resource destroyed with no copy of its data",
            severity=Severity.CRITICAL,
            category=Category.CHANGE,
            rationale='A delete, or a ["delete","create"] replacement, destroys the current object (a '
            "replacement before the new one exists); with no final snapshot, no backups, no point-in-time "
            "recovery or force_destroy on, its data is gone for good. Deletion protection makes the apply "
            "fail instead, so a protected object is not reported.",
            remediation="Avoid the change that destroys it, or take a snapshot / backup first (turn off "
            "skip_final_snapshot or force_destroy, enable point-in-time recovery) in an earlier plan.",
            resource_types=tuple(sorted(STATEFUL_TYPES)),
        ),
        (
            Part(
                "destroyed", STATEFUL_TYPES, _destroyed, on_delete=True, of_change=True, actions=DESTROYS_DATA
            ),
            Part(
                "data not kept",
                STATEFUL_TYPES,
                _data_not_kept,
                on_delete=True,
                of_change=True,
                actions=DESTROYS_DATA,
            ),
        ),
        lambda hits: Severity.CRITICAL,
    ),
    Compound(
        RuleMeta(
            id="TFR-CMP-005",
            title="Internet-open firewall rule on a VM with an external IP",
            severity=Severity.CRITICAL,
            category=Category.NETWORK,
            rationale="A GCP firewall rule open to 0.0.0.0/0 on all, admin or database ports reaches every VM "
            "of its network (or with its target tags) that has an external IP: the service is on the internet.",
            remediation="Remove the external IP (Cloud NAT, IAP TCP forwarding from 35.235.240.0/20) or restrict "
            "the rule's source_ranges and target tags.",
            resource_types=("google_compute_firewall", "google_compute_instance"),
        ),
        (
            Part(
                "open firewall rule", frozenset({"google_compute_firewall"}), _open_firewall, _firewall_keys
            ),
            Part("external IP", frozenset({"google_compute_instance"}), _external_ip, _vm_keys),
        ),
        lambda hits: Severity.CRITICAL,
        anchor=1,
    ),
)


def _matches(row: Compound, ctx: RuleContext) -> Iterator[list[PartHit]]:
    """Each anchor-part hit with the hits of every other part that share one of its keys."""
    by_type: dict[str, list[ResourceChange]] = ctx.memo("compound_changes_by_type", _changes_by_type)
    found: list[list[tuple[PartHit, set[str]]]] = [[] for _ in row.parts]
    wanted: set[str] | None = None
    # The anchor part first (the public address, the public grant: usually the rarest); the other parts are
    # then tested only on resources sharing a key with an anchor.
    for index in (row.anchor, *(i for i in range(len(row.parts)) if i != row.anchor)):
        part = row.parts[index]
        hits = [
            hit
            for rtype in sorted(part.types)
            for rc in by_type.get(rtype, ())
            for hit in part.hits(rc, ctx, wanted)
        ]
        if not hits:
            return  # a part missing from the whole plan: no combination anywhere
        found[index] = hits
        if wanted is None:
            wanted = {key for _, keys in hits for key in keys}
    # The other parts' hits by join key.
    partner_index: list[dict[str, list[PartHit]]] = []
    for index, hits in enumerate(found):
        if index != row.anchor:
            by_key: dict[str, list[PartHit]] = {}
            for hit, keys in hits:
                for key in keys:
                    by_key.setdefault(key, []).append(hit)
            partner_index.append(by_key)
    # Anchors with the very same partners (a bucket's inline policy and its aws_s3_bucket_policy, two
    # instances behind one open group) are one combination: one finding naming them all, anchors first.
    combinations: dict[tuple[int, ...], list[PartHit]] = {}
    for anchor, keys in found[row.anchor]:
        partners: list[PartHit] = []
        for by_key in partner_index:
            matched = list({id(h): h for key in sorted(keys) for h in by_key.get(key, ())}.values())
            if not matched:
                break
            partners.extend(matched)
        else:
            if row.compatible([anchor, *partners]):
                group = tuple(sorted(id(h) for h in partners))
                combinations.setdefault(group, partners).insert(0, anchor)
    yield from combinations.values()


def _changes_by_type(ctx: RuleContext) -> dict[str, list[ResourceChange]]:
    found: dict[str, list[ResourceChange]] = {}
    for rc in ctx.plan.resource_changes:
        found.setdefault(rc.type, []).append(rc)
    return found


def _register(row: Compound) -> None:
    def check(ctx: RuleContext) -> Iterator[Hit]:
        for hits in _matches(row, ctx):
            anchor = hits[0]
            parts = "; ".join(
                f"{h.part}: {h.rc.address} ({h.detail}, {'introduced by this plan' if h.introduced else 'already present'})"
                for h in hits
            )
            yield Hit(
                f"{anchor.rc.address}: {row.meta.title}. Parts: {parts}.",
                attribute=anchor.attribute,
                severity=row.severity(hits),
                introduced=any(h.introduced for h in hits),
                address=anchor.rc.address,
                type=anchor.rc.type,
                action=anchor.rc.action.value,
                related=tuple(dict.fromkeys(h.rc.address for h in hits if h.rc.address != anchor.rc.address)),
            )

    REGISTRY.plan(row.meta)(check)


for _row in COMPOUNDS:
    _register(_row)
