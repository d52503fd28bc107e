"""Cost-risk rules: bigger instance sizes, many new instances, NAT gateways, provisioned IOPS, multi-AZ.

No pricing data: these flag a cost risk, never an amount.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext

SIZE_ATTRIBUTES: dict[str, tuple[str | int, ...]] = {
    "aws_instance": ("instance_type",),
    "aws_launch_template": ("instance_type",),
    "aws_db_instance": ("instance_class",),
    "aws_rds_cluster_instance": ("instance_class",),
    "aws_elasticache_cluster": ("node_type",),
    "aws_elasticache_replication_group": ("node_type",),
    "aws_redshift_cluster": ("node_type",),
    "aws_opensearch_domain": ("cluster_config", 0, "instance_type"),
    "aws_eks_node_group": ("instance_types", 0),
    "azurerm_linux_virtual_machine": ("size",),
    "azurerm_windows_virtual_machine": ("size",),
    "azurerm_virtual_machine": ("vm_size",),
    "azurerm_kubernetes_cluster": ("default_node_pool", 0, "vm_size"),
    "google_compute_instance": ("machine_type",),
    "google_sql_database_instance": ("settings", 0, "tier"),
}
AWS_SIZES = ("nano", "micro", "small", "medium", "large", "xlarge")
LARGE_COUNT = 10
NAT_TYPES = ("aws_nat_gateway", "azurerm_nat_gateway", "google_compute_router_nat")


def size_rank(value: str) -> float | None:
    """Relative size of an instance type name (m5.2xlarge, Standard_D4s_v3, e2-standard-8, db-custom-4-…)."""
    if "." in value:
        size = value.rsplit(".", 1)[1]
        if size in AWS_SIZES:
            return float(AWS_SIZES.index(size))
        match = re.fullmatch(r"(\d+)xlarge", size)
        if match:
            # 2xlarge, 4xlarge, 8xlarge ... each doubling is one more step up.
            return AWS_SIZES.index("xlarge") + math.log2(int(match.group(1)))
        if size == "metal":
            return 30.0
        return None
    # Azure (Standard_D4s_v5) and GCP (e2-standard-8, db-custom-4-16384) names carry a vCPU count.
    match = re.search(r"_[A-Za-z]+(\d+)", value) or re.search(r"-(\d+)(?:-\d+)?$", value)
    if not match or int(match.group(1)) <= 0:
        return None
    return math.log2(int(match.group(1)))


def _meta(rule_id: str, title: str, severity: Severity, why: str, fix: str) -> RuleMeta:
    return RuleMeta(rule_id, title, severity, Category.COST, why, fix)


@REGISTRY.change(
    _meta(
        "TFR-COST-001",
        "Cost risk: larger instance size",
        Severity.LOW,
        "Moving to a bigger instance class or size raises the hourly cost of every hour it runs.",
        "Confirm the capacity is needed (metrics), or schedule the upscale only where required.",
    ),
    *SIZE_ATTRIBUTES,
)
def upscale(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if not (rc.action is Action.UPDATE or rc.action.is_replace) or not isinstance(rc.before, dict):
        return
    path = SIZE_ATTRIBUTES[rc.type]
    old = State(rc.before).get(*path)
    new = State(rc.after, rc.after_unknown).get(*path)
    if not isinstance(old, str) or not isinstance(new, str) or old == new:
        return
    old_rank, new_rank = size_rank(old), size_rank(new)
    if old_rank is None or new_rank is None or new_rank <= old_rank:
        return
    big = new_rank - old_rank >= 2
    yield Hit(
        f"Cost risk: {rc.address} {path[0]} changes from {old} to {new} (larger).",
        attribute=".".join(str(p) for p in path),
        severity=Severity.MEDIUM if big else None,
    )


# Resources that cost nothing by themselves (configuration, permissions, wiring, helpers): many of them in
# one plan are no cost risk. Matched by provider prefix, by exact type and by type suffix.
FREE_PROVIDERS = (
    "null_",
    "random_",
    "time_",
    "tls_",
    "local_",
    "template_",
    "external_",
    "http_",
    "archive_",
)
FREE_TYPES = frozenset(
    {
        "terraform_data",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_default_security_group",
        "aws_route",
        "aws_route_table",
        "aws_route_table_association",
        "aws_main_route_table_association",
        "aws_subnet",
        "aws_vpc",
        "aws_internet_gateway",
        "aws_egress_only_internet_gateway",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_network_acl_association",
        "aws_db_subnet_group",
        "aws_elasticache_subnet_group",
        "aws_db_parameter_group",
        "aws_rds_cluster_parameter_group",
        "aws_lb_target_group",
        "aws_lb_target_group_attachment",
        "aws_lb_listener_rule",
        "aws_lambda_permission",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_event_target",
        "aws_ssm_parameter",
        "aws_key_pair",
        "aws_launch_template",
        "aws_appautoscaling_target",
        "aws_appautoscaling_policy",
        "aws_autoscaling_policy",
        "aws_ecr_lifecycle_policy",
        "aws_api_gateway_resource",
        "aws_api_gateway_method",
        "aws_api_gateway_integration",
        "aws_api_gateway_method_response",
        "aws_api_gateway_integration_response",
        "aws_route53_record",
        "azurerm_resource_group",
        "azurerm_role_assignment",
        "azurerm_role_definition",
        "azurerm_network_security_group",
        "azurerm_network_security_rule",
        "azurerm_subnet",
        "azurerm_virtual_network",
        "google_project_service",
        "google_service_account",
        "google_compute_firewall",
        "google_compute_network",
        "google_compute_subnetwork",
    }
)
FREE_PREFIXES = ("aws_iam_", "aws_s3_bucket_", "google_project_iam_", "oci_identity_", "azuread_", "github_")
FREE_SUFFIXES = (
    "_policy",
    "_policy_attachment",
    "_association",
    "_iam_member",
    "_iam_binding",
    "_iam_policy",
)


def is_free(rtype: str) -> bool:
    """True for types that cost nothing by themselves (IAM, security groups, associations, helpers)."""
    return (
        rtype in FREE_TYPES
        or rtype.startswith(FREE_PROVIDERS)
        or rtype.startswith(FREE_PREFIXES)
        or rtype.endswith(FREE_SUFFIXES)
    )


def _base_address(rc: ResourceChange) -> str:
    return rc.address.rsplit("[", 1)[0] if rc.address.endswith("]") else rc.address


@REGISTRY.plan(
    _meta(
        "TFR-COST-002",
        "Cost risk: many new instances of one resource",
        Severity.MEDIUM,
        "A big jump in count or for_each multiplies the cost of that resource.",
        f"Check the count/for_each input; {LARGE_COUNT} or more new instances of one block is unusual.",
    )
)
def count_jump(ctx: RuleContext) -> Iterator[Hit]:
    created = Counter(
        _base_address(rc)
        for rc in ctx.plan.resource_changes
        if rc.action is Action.CREATE and rc.index is not None and not rc.is_data and not is_free(rc.type)
    )
    types = {_base_address(rc): rc.type for rc in ctx.plan.resource_changes}
    for base, count in sorted(created.items()):
        if count >= LARGE_COUNT:
            yield Hit(f"Cost risk: {count} new instances of {base}.", address=base, type=types.get(base))


@REGISTRY.change(
    _meta(
        "TFR-COST-003",
        "Cost risk: new NAT gateway",
        Severity.LOW,
        "NAT gateways bill per hour and per GB processed, often a surprising share of a network bill.",
        "Share NAT gateways where possible and use VPC endpoints for AWS service traffic.",
    ),
    *NAT_TYPES,
)
def new_nat(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.CREATE:
        yield Hit(f"Cost risk: {rc.address} adds a NAT gateway (hourly and per-GB charges).")


PIOPS_TYPES = ("io1", "io2")


def _piops(state: State, rc: ResourceChange) -> Any:
    attribute = "type" if rc.type == "aws_ebs_volume" else "storage_type"
    value = state.get(attribute)
    return value if value in PIOPS_TYPES else None


@REGISTRY.change(
    _meta(
        "TFR-COST-004",
        "Cost risk: provisioned IOPS storage",
        Severity.LOW,
        "io1/io2 volumes bill for every provisioned IOPS whether used or not.",
        "Check whether gp3 (with its included IOPS/throughput) is enough.",
    ),
    "aws_ebs_volume",
    "aws_db_instance",
    "aws_rds_cluster",
)
def provisioned_iops(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action not in (Action.CREATE, Action.UPDATE) and not rc.action.is_replace:
        return
    new = _piops(State(rc.after, rc.after_unknown), rc)
    old = _piops(State(rc.before), rc) if isinstance(rc.before, dict) else None
    if new and not old:
        iops = State(rc.after, rc.after_unknown).get("iops")
        detail = f" with {iops} IOPS" if isinstance(iops, int) else ""
        yield Hit(f"Cost risk: {rc.address} uses provisioned-IOPS storage ({new}){detail}.")


@REGISTRY.change(
    _meta(
        "TFR-COST-005",
        "Cost risk: multi-AZ turned on",
        Severity.LOW,
        "Multi-AZ doubles the database instance cost (a standby replica).",
        "Keep it for production; confirm it is intended for this environment.",
    ),
    "aws_db_instance",
    "aws_elasticache_replication_group",
)
def multi_az_on(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.UPDATE and not rc.action.is_replace:
        return
    attribute = "multi_az" if rc.type == "aws_db_instance" else "multi_az_enabled"
    new = State(rc.after, rc.after_unknown).get(attribute)
    old = State(rc.before).get(attribute) if isinstance(rc.before, dict) else None
    if new is True and old is not True and new is not UNKNOWN:
        yield Hit(f"Cost risk: {rc.address} turns on multi-AZ (a standby replica).", attribute=attribute)


# Instance families priced far above general-purpose ones, by provider naming: accelerators (GPU, Inferentia,
# Trainium, FPGA) and high-memory machines. Sizes of 16xlarge / 64 vCPUs and up are expensive whatever the family.
_AWS_ACCELERATED = re.compile(r"^(?:p\d|g\d|inf\d|trn\d|dl\d|f\d|vt\d)[a-z-]*$")
_AWS_HIGH_MEMORY = re.compile(r"^(?:x\d|u\d*-|u-)[a-z0-9-]*$")
_AZURE_FAMILY = re.compile(r"^Standard_([A-Z]+)", re.IGNORECASE)
_GCP_ACCELERATED = ("a2-", "a3-", "a4-", "g2-", "ct5", "ct6")
_GCP_HIGH_MEMORY = ("m1-", "m2-", "m3-", "x4-")
LARGE_VCPUS = 64


def expensive_kind(value: str) -> str | None:
    """Why an instance type is expensive ("GPU or accelerator", "high-memory", "64+ vCPUs"), or None."""
    name = value.removeprefix("db.").removeprefix("cache.")
    if "." in name:  # AWS: family.size
        family, size = name.split(".", 1)
        if _AWS_ACCELERATED.match(family):
            return "GPU or accelerator"
        if _AWS_HIGH_MEMORY.match(family):
            return "high-memory"
        rank = size_rank(name)
        return "16xlarge or bigger" if rank is not None and rank >= AWS_SIZES.index("xlarge") + 4 else None
    azure = _AZURE_FAMILY.match(name)
    if azure:
        family = azure.group(1).upper()
        if family.startswith("N"):
            return "GPU or accelerator"
        if family.startswith("M"):
            return "high-memory"
    elif name.startswith(_GCP_ACCELERATED):
        return "GPU or accelerator"
    elif name.startswith(_GCP_HIGH_MEMORY) or "megamem" in name or "ultramem" in name:
        return "high-memory"
    rank = size_rank(name)
    return f"{LARGE_VCPUS}+ vCPUs" if rank is not None and rank >= math.log2(LARGE_VCPUS) else None


def _accelerators(state: State) -> bool:
    """GCP instances attach GPUs in a guest_accelerator block (count > 0)."""
    blocks = state.get("guest_accelerator")
    return isinstance(blocks, list) and any(
        isinstance(block, dict) and isinstance(block.get("count"), int) and block["count"] > 0
        for block in blocks
    )


@REGISTRY.change(
    _meta(
        "TFR-COST-006",
        "Cost risk: expensive instance type",
        Severity.MEDIUM,
        "GPU and accelerator instances and high-memory machines cost tens of times a general-purpose instance "
        "per hour (MEDIUM); the biggest general-purpose sizes (16xlarge, 64 vCPUs and up) several times (LOW). "
        "One left running by mistake is a large bill.",
        "Confirm the capacity is needed and budgeted; prefer a smaller size, spot/preemptible capacity or a "
        "schedule that stops it when idle.",
    ),
    *SIZE_ATTRIBUTES,
    actions=(Action.CREATE, Action.UPDATE, *(a for a in Action if a.is_replace)),
)
def expensive_instance(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if not (rc.action is Action.CREATE or rc.action is Action.UPDATE or rc.action.is_replace) or rc.is_data:
        return
    path = SIZE_ATTRIBUTES[rc.type]
    after = State(rc.after, rc.after_unknown)
    new = after.get(*path)
    kind = expensive_kind(new) if isinstance(new, str) else None
    if kind is None and rc.type == "google_compute_instance" and _accelerators(after):
        kind, new = "GPU or accelerator", f"{new} with GPUs" if isinstance(new, str) else "GPUs"
    if kind is None:
        return
    if isinstance(rc.before, dict):  # an update: only a move into an expensive kind is new cost
        before = State(rc.before)
        old = before.get(*path)
        if isinstance(old, str) and expensive_kind(old) is not None:
            return
        if kind == "GPU or accelerator" and rc.type == "google_compute_instance" and _accelerators(before):
            return
    verb = "creates" if rc.action is Action.CREATE else "moves to"
    yield Hit(
        f"Cost risk: {rc.address} {verb} {new} ({kind}).",
        attribute=".".join(str(p) for p in path),
        # A big general-purpose size costs a few dollars an hour; accelerators and high memory, tens.
        severity=None if kind in _PRICIEST else Severity.LOW,
    )


_PRICIEST = frozenset({"GPU or accelerator", "high-memory"})
