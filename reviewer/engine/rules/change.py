"""Change-risk rules: destroys, replacements, protection removed, churn, moves, imports, drift."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.catalog_types import DELETION_EFFECTS, STATEFUL_TYPES
from reviewer.engine.rules.context import RuleContext

# Resources that are no infrastructure: replacing them re-runs a provisioner, re-draws a value or rewrites
# a local file. Logical ones (nothing outside Terraform) are INFO, value/file ones LOW, never MEDIUM.
LOGICAL_TYPES = frozenset({"null_resource", "terraform_data"})
LOGICAL_PREFIXES = ("null_", "time_", "test_", "fake_", "tfcoremock_", "terraform_")
VALUE_PREFIXES = ("random_", "local_", "tls_")
# The actions a change rule declares (REGISTRY.change(actions=...)) for the guards `action.destroys` and
# `action.is_replace`, so the runner does not call it for the other changes.
DESTROYING = tuple(action for action in Action if action.destroys)
REPLACING = tuple(action for action in Action if action.is_replace)


def utility_severity(rtype: str) -> Severity | None:
    """INFO or LOW for resources that hold no infrastructure (their churn is noise); None for the rest."""
    if rtype in LOGICAL_TYPES or rtype.startswith(LOGICAL_PREFIXES):
        return Severity.INFO
    if rtype.startswith(VALUE_PREFIXES):
        return Severity.LOW
    return None


# Immutable revisions: a destroy-first replacement registers a new revision and retires the old one, which
# what runs keeps using until its consumer (an ECS service, a stage, an auto scaling group) switches over in
# the same apply. Every deployment plan of such a stack replaces them: no outage, no reason to review.
REVISION_TYPES = frozenset(
    {
        "aws_ecs_task_definition",
        "aws_batch_job_definition",
        "aws_api_gateway_deployment",
        "aws_apigatewayv2_deployment",
        "aws_lambda_layer_version",
        "aws_launch_configuration",
        "aws_sagemaker_model",
        "aws_sagemaker_endpoint_configuration",
        "aws_appconfig_hosted_configuration_version",
        "aws_imagebuilder_component",
        "aws_imagebuilder_image_recipe",
        "aws_cloudfront_function",
    }
)
# Attachments, grants and single rules: replaced destroy-first, they are missing for the seconds between the
# two API calls (a permission, a firewall rule, an alarm, an event target), not taken offline.
BRIEF_GAP_TYPES = frozenset(
    {
        "aws_lambda_permission",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_event_target",
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_log_metric_filter",
        "aws_cloudwatch_log_subscription_filter",
        "aws_cloudwatch_dashboard",
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_s3_object",
        "aws_s3_bucket_object",
        "aws_ssm_parameter",
        "azurerm_role_assignment",
        "azurerm_network_security_rule",
        "azurerm_monitor_metric_alert",
    }
)
BRIEF_GAP_SUFFIXES = (
    "_attachment",
    "_security_group_rule",
    "_security_group_ingress_rule",
    "_security_group_egress_rule",
    "_iam_member",
    "_iam_binding",
)


def replacement_severity(rtype: str) -> Severity | None:
    """How much a destroy-first replacement of a stateless type matters: utility types and revisions are
    INFO, a brief gap LOW; None for the rest (the rule's own severity)."""
    found = utility_severity(rtype)
    if found is not None:
        return found
    if rtype in REVISION_TYPES:
        return Severity.INFO
    if rtype in BRIEF_GAP_TYPES or rtype.endswith(BRIEF_GAP_SUFFIXES):
        return Severity.LOW
    return None


MASS_DELETE_COUNT = 10
MASS_DELETE_SHARE = 0.5
MASS_DELETE_MIN = 5


def _replace_detail(rc: ResourceChange) -> str:
    paths = [".".join(str(p) for p in path) for path in rc.replace_paths if isinstance(path, list)]
    reason = f" ({rc.action_reason})" if rc.action_reason else ""
    forced = f"; forced by {', '.join(sorted(paths)[:5])}" if paths else ""
    return f"{reason}{forced}"


def _first_path(rc: ResourceChange) -> str | None:
    for path in rc.replace_paths:
        if isinstance(path, list) and path:
            return ".".join(str(p) for p in path)
    return None


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-001",
        title="Stateful resource deleted",
        severity=Severity.HIGH,
        category=Category.CHANGE,
        rationale="Deleting a database, bucket, volume, key, zone or cluster destroys data or identity that "
        "re-applying cannot bring back; deleting a resource group, project, subscription or namespace deletes "
        "everything in it, whether Terraform manages it or not.",
        remediation="Confirm the deletion is intended, take a snapshot or backup first, or keep the resource "
        "with a `removed { lifecycle { destroy = false } }` block or `prevent_destroy`.",
        resource_types=tuple(sorted(STATEFUL_TYPES)),
    ),
    actions=(Action.DELETE,),
)
def stateful_deleted(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.DELETE and rc.type in STATEFUL_TYPES and not rc.is_data and rc.deposed is None:
        reason = f" ({rc.action_reason})" if rc.action_reason else ""
        if rc.type == "aws_kms_key":
            # A key is not deleted at once: AWS schedules it, and what it encrypted is lost when the window ends.
            days = rc.before.get("deletion_window_in_days") if isinstance(rc.before, dict) else None
            window = f" in {days} days" if isinstance(days, int) and not isinstance(days, bool) else ""
            yield Hit(
                f"{rc.address} will be scheduled for deletion{window}{reason}; everything encrypted with it "
                "becomes unreadable once it is gone (cancel-key-deletion can stop it until then)."
            )
            return
        effect = DELETION_EFFECTS.get(rc.type)
        if effect is None:
            yield Hit(f"{rc.address} will be destroyed{reason}; its data is lost unless backed up.")
        elif _abandoned(rc.before):
            yield Hit(
                f"{rc.address} is only removed from Terraform state (deletion_policy = ABANDON or skip_delete); "
                "the project and everything in it keep running.",
                severity=Severity.INFO,
            )
        else:
            refused = (
                " (deletion_policy = PREVENT makes this apply fail until the policy is changed)"
                if isinstance(rc.before, dict) and rc.before.get("deletion_policy") == "PREVENT"
                else ""
            )
            yield Hit(f"{rc.address} will be destroyed{reason}; {effect}{refused}.")


def _abandoned(before: Any) -> bool:
    """A google_project the provider only forgets on destroy (v6 deletion_policy, v5 skip_delete)."""
    return isinstance(before, dict) and (
        before.get("deletion_policy") == "ABANDON" or before.get("skip_delete") is True
    )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-002",
        title="Stateful resource replaced, destroy first",
        severity=Severity.HIGH,
        category=Category.CHANGE,
        rationale="A destroy-then-create replacement deletes the existing object (and its data) before a new, "
        "empty one exists: data loss plus downtime.",
        remediation="Find the attribute forcing replacement (replace_paths) and avoid changing it, migrate data "
        "explicitly, or use create_before_destroy where the provider allows it.",
        resource_types=tuple(sorted(STATEFUL_TYPES)),
    ),
    actions=(Action.REPLACE_DESTROY_FIRST,),
)
def stateful_replaced_destroy_first(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.REPLACE_DESTROY_FIRST and rc.type in STATEFUL_TYPES:
        yield Hit(
            f"{rc.address} will be destroyed and then re-created{_replace_detail(rc)}; the new object starts "
            "empty and the service is down in between.",
            attribute=_first_path(rc),
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-003",
        title="Stateful resource replaced, create first",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="create_before_destroy avoids downtime, but the new object of a stateful resource does not "
        "carry the old object's data.",
        remediation="Make sure data is migrated or restored from a snapshot before the old object is deleted.",
        resource_types=tuple(sorted(STATEFUL_TYPES)),
    ),
    actions=(Action.REPLACE_CREATE_FIRST,),
)
def stateful_replaced_create_first(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.REPLACE_CREATE_FIRST and rc.type in STATEFUL_TYPES:
        yield Hit(
            f"{rc.address} will be replaced (new one created first){_replace_detail(rc)}; "
            "the old object's data is not copied.",
            attribute=_first_path(rc),
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-004",
        title="Resource replaced, destroy first (downtime)",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale='`["delete","create"]` removes the object before its replacement exists, which means an '
        "outage for anything that depends on it. A new revision of an immutable definition (an ECS task "
        "definition, an API deployment, a layer version) is no outage (INFO); an attachment, grant or single "
        "rule is missing only for the seconds between the two calls (LOW).",
        remediation="Avoid changing the attribute that forces replacement, or add "
        "`lifecycle { create_before_destroy = true }`.",
    ),
    actions=(Action.REPLACE_DESTROY_FIRST,),
)
def replaced_destroy_first(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.REPLACE_DESTROY_FIRST and rc.type not in STATEFUL_TYPES and not rc.is_data:
        yield Hit(
            f"{rc.address} will be destroyed before its replacement is created{_replace_detail(rc)}.",
            attribute=_first_path(rc),
            severity=replacement_severity(rc.type),
        )


@REGISTRY.plan(
    RuleMeta(
        id="TFR-CHG-005",
        title="Mass deletion",
        severity=Severity.HIGH,
        category=Category.CHANGE,
        rationale="Many deletions in one plan usually mean a wrong workspace, a removed module, a renamed "
        "for_each key or a broken count.",
        remediation="Check the workspace, backend and variables; use `moved` blocks for refactors.",
    )
)
def mass_deletion(ctx: RuleContext) -> Iterator[Hit]:
    # null_resource, random_* and the like are no infrastructure: deleting many of them is no mass deletion.
    managed = [
        rc
        for rc in ctx.plan.resource_changes
        if not rc.is_data and rc.action is not Action.NO_OP and utility_severity(rc.type) is None
    ]
    deletes = [rc for rc in managed if rc.action.destroys]
    pure = [rc for rc in deletes if rc.action is Action.DELETE]
    share = len(pure) / len(managed) if managed else 0.0
    if len(pure) >= MASS_DELETE_COUNT or (len(pure) >= MASS_DELETE_MIN and share >= MASS_DELETE_SHARE):
        types = Counter(rc.type for rc in pure).most_common(3)
        top = ", ".join(f"{n} {t}" for t, n in types)
        yield Hit(
            f"This plan deletes {len(pure)} resources ({share:.0%} of all changes; most: {top}) and destroys "
            f"{len(deletes)} objects in total counting replacements."
        )


def _same(value: object, bad: object) -> bool:
    """value == bad without True == 1 or a string compared by identity."""
    return type(value) is type(bad) and value == bad


def _show(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f'"{value}"'


def _is_bad(state: State, attribute: str, bad: object, null_is_bad: bool) -> bool:
    """`attribute` is `bad`, or stated as null where null means the API's default, which is `bad`."""
    value = state.get(attribute)
    if _same(value, bad):
        return True
    return null_is_bad and value is None and type(state.values) is dict and attribute in state.values


def _flag_turned(
    before: State | None, after: State, attribute: str, bad: object, null_is_bad: bool = False
) -> bool | None:
    """True when `attribute` becomes `bad` in this change; None when the after-value is unknown."""
    if after.get(attribute) is UNKNOWN:
        return None
    if not _is_bad(after, attribute, bad, null_is_bad):
        return False
    return before is None or not _is_bad(before, attribute, bad, null_is_bad)


def _protection_rule(
    rule_id: str,
    title: str,
    attribute: str,
    bad: bool,
    types: tuple[str, ...],
    checkov: str | None,
    why: str,
    overrides: dict[str, tuple[str, object]] | None = None,
    null_is_bad: bool = False,
) -> None:
    """`overrides` maps a type to its own (attribute, bad value) where the provider names it differently;
    `null_is_bad` where the attribute has no schema default and the API's default is the bad value."""
    meta = RuleMeta(
        id=rule_id,
        title=title,
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale=why,
        remediation=f"Keep `{attribute} = {str(not bad).lower()}` on production resources; change it in its own "
        "reviewed plan only when the resource really must go.",
        checkov_id=checkov,
    )
    by_type = overrides or {}

    def check(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
        if rc.is_data:
            return
        name, bad_value = by_type.get(rc.type, (attribute, bad))
        if rc.action is Action.DELETE and isinstance(rc.before, dict):
            if _same(State(rc.before).get(name), bad_value):
                yield Hit(
                    f"{rc.address} is deleted with `{name} = {_show(bad_value)}`.",
                    attribute=name,
                    severity=Severity.HIGH,
                )
            return
        if not isinstance(rc.after, dict) or rc.action in (Action.NO_OP, Action.READ, Action.CREATE):
            return
        before = State(rc.before) if isinstance(rc.before, dict) else None
        if _flag_turned(before, State(rc.after, rc.after_unknown), name, bad_value, null_is_bad):
            worse = rc.action.destroys or rc.address in ctx.destroyed_addresses
            suffix = " in the same plan that destroys it" if worse else ""
            yield Hit(
                f"{rc.address}: `{name}` is set to {_show(bad_value)}{suffix}.",
                attribute=name,
                severity=Severity.HIGH if worse else None,
            )

    REGISTRY.change(meta, *types, *by_type)(check)


_protection_rule(
    "TFR-CHG-006",
    "Deletion protection turned off",
    "deletion_protection",
    False,
    (
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_docdb_cluster",
        "aws_neptune_cluster",
        "google_sql_database_instance",
        "google_container_cluster",
        "google_bigquery_table",
    ),
    None,
    "Deletion protection is the last guard against an accidental destroy; turning it off is the usual first "
    "step before deleting a database.",
    {
        "aws_dynamodb_table": ("deletion_protection_enabled", False),
        "aws_cognito_user_pool": ("deletion_protection", "INACTIVE"),
    },
    # Removing `deletion_protection = true` plans true -> null, and the provider then sends false.
    null_is_bad=True,
)
_protection_rule(
    "TFR-CHG-007",
    "Final snapshot skipped",
    "skip_final_snapshot",
    True,
    (
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_docdb_cluster",
        "aws_neptune_cluster",
        "aws_redshift_cluster",
    ),
    None,
    "With skip_final_snapshot the database is deleted without a last snapshot, so its data cannot be restored.",
)
_protection_rule(
    "TFR-CHG-008",
    "force_destroy turned on",
    "force_destroy",
    True,
    ("aws_s3_bucket", "google_storage_bucket", "aws_route53_zone", "aws_iam_user"),
    None,
    "force_destroy lets Terraform delete a non-empty bucket (every object in it) or zone (every record).",
    {"aws_ecr_repository": ("force_delete", True)},
)
_protection_rule(
    "TFR-CHG-009",
    "Load balancer deletion protection turned off",
    "enable_deletion_protection",
    False,
    ("aws_lb", "aws_alb"),
    None,
    "Turning off deletion protection on a load balancer allows an accidental destroy of the traffic entry point.",
)


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-010",
        title="count/for_each re-keying churn",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="`delete_because_count_index` and `delete_because_each_key` usually mean list elements "
        "shifted or keys were renamed: real objects are destroyed and re-created under new addresses.",
        remediation="Use for_each with stable keys instead of count, or add `moved` blocks from old to new keys.",
    ),
    actions=DESTROYING,
)
def rekey_churn(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action_reason in ("delete_because_count_index", "delete_because_each_key") and rc.action.destroys:
        kind = "count index" if rc.action_reason == "delete_because_count_index" else "for_each key"
        yield Hit(
            f"{rc.address} is deleted because its {kind} is no longer in the configuration.",
            severity=Severity.HIGH if rc.type in STATEFUL_TYPES else utility_severity(rc.type),
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-011",
        title="Tainted resource replaced",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="A tainted object (failed create/provisioner or `terraform taint`) is replaced even though "
        "the configuration did not change.",
        remediation="Check why the object was tainted; use `terraform untaint` if it is healthy.",
    ),
    actions=REPLACING,
)
def tainted_replace(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action_reason == "replace_because_tainted" and rc.action.is_replace:
        yield Hit(
            f"{rc.address} is tainted and will be replaced ({rc.action.value}).",
            severity=utility_severity(rc.type),
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-012",
        title="Replacement requested (-replace)",
        severity=Severity.LOW,
        category=Category.CHANGE,
        rationale="Someone asked for this replacement with `-replace`; it happens even though nothing changed.",
        remediation="Confirm the forced replacement is wanted, especially for stateful resources.",
    ),
    actions=REPLACING,
)
def requested_replace(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action_reason == "replace_by_request" and rc.action.is_replace:
        yield Hit(
            f"{rc.address} is replaced on request ({rc.action.value}).",
            severity=Severity.MEDIUM if rc.type in STATEFUL_TYPES else utility_severity(rc.type),
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-013",
        title="Resource forgotten (removed from state, not destroyed)",
        severity=Severity.LOW,
        category=Category.CHANGE,
        rationale="A `removed` block with `destroy = false` stops managing the object; it keeps running "
        "(and costing) outside Terraform.",
        remediation="Make sure another stack or team now owns the object.",
    ),
    actions=(Action.FORGET, Action.REPLACE_FORGET),
)
def forgotten(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action in (Action.FORGET, Action.REPLACE_FORGET):
        yield Hit(f"{rc.address} will be removed from Terraform state without being destroyed.")


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-014",
        title="Resource imported",
        severity=Severity.INFO,
        category=Category.CHANGE,
        rationale="Imports bring existing objects under management; an import can also update the object.",
        remediation="Review any attribute changes that come with the import.",
    )
)
def imported(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.is_import:
        also = "" if rc.action is Action.IMPORT else f" and will be changed ({rc.action.value})"
        generated = "; its configuration was generated" if rc.generated_config else ""
        yield Hit(f"{rc.address} is imported{also}{generated}.")


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-015",
        title="Resource moved",
        severity=Severity.INFO,
        category=Category.CHANGE,
        rationale="A `moved` block changes the address without destroying the object.",
        remediation="No action needed; keep the moved block until every workspace has applied it.",
    )
)
def moved(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.is_move:
        also = "" if rc.action is Action.MOVE else f" and will be changed ({rc.action.value})"
        yield Hit(f"{rc.previous_address} moves to {rc.address}{also}.")


@REGISTRY.plan(
    RuleMeta(
        id="TFR-CHG-016",
        title="Drift: resources changed outside Terraform",
        severity=Severity.LOW,
        category=Category.DRIFT,
        rationale="resource_drift lists objects that differ from state; applying this plan may undo manual "
        "fixes or hide the drift. Drift entries are not planned changes.",
        remediation="Find out who changed the objects and why; fold intended changes into the configuration.",
    )
)
def drift(ctx: RuleContext) -> Iterator[Hit]:
    managed: dict[tuple[str | None, str], list[ResourceChange]] | None = None
    for rc in ctx.plan.resource_drift:
        if rc.action is Action.NO_OP:
            continue
        gone = rc.action is Action.DELETE
        changed: list[str] = []
        if not gone:
            changed = sorted(_drifted_attributes(rc.before, rc.after))
            volatile = VOLATILE_ATTRIBUTES.get(rc.type)
            if volatile is not None:
                changed = [name for name in changed if name not in volatile]
            if not changed:
                continue
            mirrored = MIRRORED_ATTRIBUTES.get(rc.type)
            if mirrored is not None:
                if managed is None:
                    managed = {}
                    for c in ctx.plan.resource_changes:
                        if not c.is_data:
                            managed.setdefault((c.module, c.type), []).append(c)
                names = _names_of(rc)
                if all(
                    any(
                        _may_manage(child, names)
                        for kind in mirrored.get(name, ())
                        for child in managed.get((rc.module, kind), ())
                    )
                    for name in changed
                ):
                    continue
        what = "was deleted outside Terraform" if gone else f"changed outside Terraform ({rc.action.value})"
        named = [name for name in changed if name != "(object)"]
        if named:
            more = f" and {len(named) - 5} more" if len(named) > 5 else ""
            what = f"{what}: {', '.join(named[:5])}{more}"
        yield Hit(
            f"{rc.address} {what}; this is drift, not a planned change.",
            address=rc.address,
            attribute=named[0] if len(named) == 1 else None,
            type=rc.type,
            action=f"drift:{rc.action.value}",
            severity=Severity.MEDIUM if gone and rc.type in STATEFUL_TYPES else None,
        )


# Attributes the cloud itself moves on every refresh (a restore window that advances by the minute).
VOLATILE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "aws_db_instance": frozenset({"latest_restorable_time"}),
}

# Attributes the AWS provider reads back into a parent from the separate resources that manage them: after
# those are applied, the next refresh shows the parent "changed" though nobody touched it. The separate
# resource's own drift entry carries any real change, so the parent's copy is skipped when one is managed.
MIRRORED_ATTRIBUTES: dict[str, dict[str, tuple[str, ...]]] = {
    "aws_s3_bucket": {
        "acceleration_status": ("aws_s3_bucket_accelerate_configuration",),
        "acl": ("aws_s3_bucket_acl",),
        "cors_rule": ("aws_s3_bucket_cors_configuration",),
        "grant": ("aws_s3_bucket_acl",),
        "lifecycle_rule": ("aws_s3_bucket_lifecycle_configuration",),
        "logging": ("aws_s3_bucket_logging",),
        "object_lock_configuration": ("aws_s3_bucket_object_lock_configuration",),
        "policy": ("aws_s3_bucket_policy",),
        "replication_configuration": ("aws_s3_bucket_replication_configuration",),
        "request_payer": ("aws_s3_bucket_request_payment_configuration",),
        "server_side_encryption_configuration": ("aws_s3_bucket_server_side_encryption_configuration",),
        "versioning": ("aws_s3_bucket_versioning",),
        "website": ("aws_s3_bucket_website_configuration",),
        "website_domain": ("aws_s3_bucket_website_configuration",),
        "website_endpoint": ("aws_s3_bucket_website_configuration",),
    },
    "aws_security_group": {
        "ingress": ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule"),
        "egress": ("aws_security_group_rule", "aws_vpc_security_group_egress_rule"),
    },
    "aws_default_security_group": {
        "ingress": ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule"),
        "egress": ("aws_security_group_rule", "aws_vpc_security_group_egress_rule"),
    },
    "aws_network_acl": {"ingress": ("aws_network_acl_rule",), "egress": ("aws_network_acl_rule",)},
    "aws_route_table": {"route": ("aws_route",)},
    "azurerm_virtual_network": {"subnet": ("azurerm_subnet",)},
    # A NAT gateway (or an association) attaches the address after the EIP is stored.
    "aws_eip": {
        name: ("aws_nat_gateway", "aws_eip_association")
        for name in ("association_id", "instance", "network_interface", "private_dns", "private_ip")
    },
    "aws_iam_role": {
        "inline_policy": ("aws_iam_role_policy",),
        "managed_policy_arns": ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment"),
    },
}

# The attribute by which each separate resource names the parent it manages (aws_s3_bucket_*: `bucket`).
_PARENT_LINK: dict[str, str] = {
    "aws_security_group_rule": "security_group_id",
    "aws_vpc_security_group_ingress_rule": "security_group_id",
    "aws_vpc_security_group_egress_rule": "security_group_id",
    "aws_network_acl_rule": "network_acl_id",
    "aws_route": "route_table_id",
    "aws_iam_role_policy": "role",
    "aws_iam_role_policy_attachment": "role",
    "aws_iam_policy_attachment": "roles",
    "azurerm_subnet": "virtual_network_name",
    "aws_nat_gateway": "allocation_id",
    "aws_eip_association": "allocation_id",
}


def _names_of(rc: ResourceChange) -> set[str]:
    """What a separate resource may call this parent by: its id, name, bucket or ARN."""
    return {
        value
        for state in (rc.before, rc.after)
        if isinstance(state, dict)
        for value in (state.get("id"), state.get("name"), state.get("bucket"), state.get("arn"))
        if isinstance(value, str) and value
    }


def _may_manage(child: ResourceChange, parent_names: set[str]) -> bool:
    """Whether a separate resource may be the one the parent's drifted copy comes from: it names the
    parent, or the plan does not say which parent it names (unknown, unset)."""
    values = child.after if isinstance(child.after, dict) else child.before
    link = _PARENT_LINK.get(child.type) or ("bucket" if child.type.startswith("aws_s3_bucket_") else None)
    if link is None or not isinstance(values, dict) or not parent_names:
        return True
    value = values.get(link)
    if isinstance(value, str) and value:
        return value in parent_names
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return not parent_names.isdisjoint(value)
    return True


_EMPTY: tuple[object, ...] = (None, False, 0, "")


def _blank(value: Any) -> bool:
    """A value that says "nothing set": null, false, 0, "" or an empty list/map."""
    if isinstance(value, dict | list):
        return not value
    return value in _EMPTY


def _same_but_blanks(before: Any, after: Any) -> bool:
    """Equal once the provider's fill-ins are ignored: null read back as {}, [], "" or false."""
    if before == after:
        return True
    if _blank(before) and _blank(after):
        return True
    if isinstance(before, dict) and isinstance(after, dict):
        return all(_same_but_blanks(before.get(key), after.get(key)) for key in before.keys() | after.keys())
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return all(_same_but_blanks(b, a) for b, a in zip(before, after, strict=True))
    return False


def _drifted_attributes(before: Any, after: Any) -> list[str]:
    """Top-level attributes that really differ between the stored and the refreshed object."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [] if _same_but_blanks(before, after) else ["(object)"]
    return [
        key for key in before.keys() | after.keys() if not _same_but_blanks(before.get(key), after.get(key))
    ]


@REGISTRY.plan(
    RuleMeta(
        id="TFR-CHG-017",
        title="Deposed object will be destroyed",
        severity=Severity.LOW,
        category=Category.CHANGE,
        rationale="A deposed object is left over from a failed create_before_destroy replacement.",
        remediation="Check why the earlier apply failed before applying again.",
    )
)
def deposed(ctx: RuleContext) -> Iterator[Hit]:
    for rc in ctx.plan.resource_changes:
        if rc.deposed is not None and rc.action.destroys:
            yield Hit(
                f"Deposed object {rc.deposed} of {rc.address} will be destroyed.",
                address=rc.address,
                type=rc.type,
                action=rc.action.value,
                severity=utility_severity(rc.type),
            )
