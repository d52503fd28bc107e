"""Outages by configuration: a running service switched off, a traffic path deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import is_false, is_true, update_sides

Path = tuple[str | int, ...]


def _count(value: Any) -> int | None:
    """A capacity as a number (the Kubernetes provider writes replicas as a string); None if it is none."""
    if type(value) is int:
        return value
    if type(value) is str and value.isdecimal():  # isdigit() also passes "²", which int() refuses
        return int(value)
    return None


def _zero(value: Any) -> bool:
    return _count(value) == 0


def _positive(value: Any) -> bool:
    count = _count(value)
    return count is not None and count > 0


def _not_zero(value: Any) -> bool:
    """Lambda's reserved concurrency: -1 (unreserved) and any positive number both let it run."""
    count = value if type(value) is int else None
    return count is not None and count != 0


def state_in(*values: str) -> Callable[[Any], bool]:
    """A predicate: the value is one of these states, in any case."""
    wanted = frozenset(values)
    return lambda value: type(value) is str and value.upper() in wanted


@dataclass(frozen=True, slots=True)
class Switch:
    """One attribute that turns a resource off: it was `on` before and is `off` after this plan."""

    types: tuple[str, ...]
    paths: tuple[Path, ...]  # any of them (the first that switched off is reported)
    on: Callable[[Any], bool]
    off: Callable[[Any], bool]
    effect: str  # what happens, after "{address}: "
    severity: Severity = Severity.MEDIUM


_SCALED = "scaled to zero ({attribute} = 0), so nothing runs until it is scaled up again."
SWITCHES: tuple[Switch, ...] = (
    Switch(("aws_autoscaling_group",), (("max_size",), ("desired_capacity",)), _positive, _zero, _SCALED),
    Switch(("aws_ecs_service",), (("desired_count",),), _positive, _zero, _SCALED),
    Switch(("aws_appautoscaling_target",), (("max_capacity",),), _positive, _zero, _SCALED),
    Switch(
        ("aws_eks_node_group",),
        (("scaling_config", 0, "max_size"), ("scaling_config", 0, "desired_size")),
        _positive,
        _zero,
        _SCALED,
    ),
    Switch(
        (
            "kubernetes_deployment",
            "kubernetes_deployment_v1",
            "kubernetes_stateful_set",
            "kubernetes_stateful_set_v1",
            "kubernetes_replication_controller",
            "kubernetes_replication_controller_v1",
        ),
        (("spec", 0, "replicas"),),
        _positive,
        _zero,
        _SCALED,
    ),
    Switch(
        ("google_compute_instance_group_manager", "google_compute_region_instance_group_manager"),
        (("target_size",),),
        _positive,
        _zero,
        _SCALED,
    ),
    Switch(
        ("google_container_node_pool",),
        (("autoscaling", 0, "max_node_count"), ("node_count",)),
        _positive,
        _zero,
        _SCALED,
    ),
    Switch(
        (
            "azurerm_linux_virtual_machine_scale_set",
            "azurerm_windows_virtual_machine_scale_set",
            "azurerm_orchestrated_virtual_machine_scale_set",
        ),
        (("instances",),),
        _positive,
        _zero,
        _SCALED,
    ),
    Switch(
        ("azurerm_kubernetes_cluster_node_pool",),
        (("max_count",), ("node_count",)),
        _positive,
        _zero,
        _SCALED,
    ),
    Switch(
        ("aws_lambda_function",),
        (("reserved_concurrent_executions",),),
        _not_zero,
        _zero,
        "reserved concurrency set to 0, so every invocation is throttled and the function no longer runs.",
    ),
    Switch(
        ("aws_kms_key",),
        (("is_enabled",),),
        is_true,
        is_false,
        "the key is disabled (is_enabled = false), so nothing encrypted with it can be read or written "
        "until it is enabled again.",
        Severity.HIGH,
    ),
    Switch(
        ("google_kms_crypto_key_version",),
        (("state",),),
        state_in("ENABLED"),
        state_in("DISABLED", "DESTROYED", "DESTROY_SCHEDULED"),
        "the key version is disabled ({attribute} = {value}), so data encrypted with it cannot be read.",
        Severity.HIGH,
    ),
    Switch(
        ("aws_cloudfront_distribution",),
        (("enabled",),),
        is_true,
        is_false,
        "the distribution is disabled (enabled = false), so it stops serving requests.",
    ),
    Switch(
        ("aws_ec2_instance_state",),
        (("state",),),
        state_in("RUNNING"),
        state_in("STOPPED"),
        "the instance is stopped (state = stopped).",
    ),
    Switch(
        (
            "azurerm_linux_web_app",
            "azurerm_windows_web_app",
            "azurerm_linux_function_app",
            "azurerm_windows_function_app",
        ),
        (("enabled",),),
        is_true,
        is_false,
        "the app is disabled (enabled = false), so it stops serving requests.",
    ),
)


def by_type(switches: Iterable[Switch]) -> dict[str, list[Switch]]:
    """The switches of each resource type, so a change meets only those of its own type."""
    index: dict[str, list[Switch]] = {}
    for switch in switches:
        for rtype in switch.types:
            index.setdefault(rtype, []).append(switch)
    return index


_BY_TYPE = by_type(SWITCHES)


def _label(path: Path) -> str:
    return ".".join(str(part) if type(part) is str else f"[{part}]" for part in path).replace(".[", "[")


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-018",
        title="Running service switched off",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="Scaling a group, service or node pool to zero, throttling a function to nothing, stopping an "
        "instance or disabling a distribution, app or encryption key is an outage by configuration: the "
        "resource stays, so nothing is deleted or replaced, yet whatever depends on it stops working. A "
        "disabled key also locks every piece of data encrypted with it.",
        remediation="If this is not a planned shutdown, restore the previous capacity or state; otherwise "
        "announce it and drain traffic first.",
        resource_types=tuple(sorted(_BY_TYPE)),
    ),
    *sorted(_BY_TYPE),
    actions=(Action.UPDATE,),
)
def switched_off(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.UPDATE:
        yield from switched_hit(rc, _BY_TYPE.get(rc.type, ()))


def switched_hit(rc: ResourceChange, switches: Iterable[Switch]) -> Iterator[Hit]:
    """The first of these switches that this update turns from on to off (known values only), as a hit."""
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    for switch in switches:
        for path in switch.paths:
            value = after.get(*path)
            if value is UNKNOWN or not switch.off(value) or not switch.on(before.get(*path)):
                continue
            effect = switch.effect.format(attribute=_label(path), value=value)
            yield Hit(f"{rc.address}: {effect}", attribute=_label(path), severity=switch.severity)
            return


# What clients' traffic passes through: deleting one cuts them off, whatever else the plan creates.
TRAFFIC_PATH_TYPES: dict[str, str] = {
    **dict.fromkeys(
        (
            "aws_lb",
            "aws_alb",
            "aws_elb",
            "aws_lb_listener",
            "aws_alb_listener",
            "azurerm_lb",
            "azurerm_application_gateway",
            "google_compute_forwarding_rule",
            "google_compute_global_forwarding_rule",
            "google_compute_target_https_proxy",
            "google_compute_target_http_proxy",
        ),
        "clients of this load balancer lose their entry point",
    ),
    **dict.fromkeys(
        (
            "aws_cloudfront_distribution",
            "azurerm_cdn_endpoint",
            "azurerm_cdn_frontdoor_endpoint",
            "azurerm_frontdoor",
        ),
        "requests to this distribution stop being served",
    ),
    **dict.fromkeys(
        (
            "aws_api_gateway_rest_api",
            "aws_api_gateway_stage",
            "aws_apigatewayv2_api",
            "aws_apigatewayv2_stage",
            "azurerm_api_management",
        ),
        "callers of this API get errors",
    ),
    **dict.fromkeys(
        (
            "aws_route53_record",
            "azurerm_dns_a_record",
            "azurerm_dns_aaaa_record",
            "azurerm_dns_cname_record",
            "google_dns_record_set",
        ),
        "the name stops resolving (cached answers expire within the record's TTL)",
    ),
    **dict.fromkeys(
        ("aws_nat_gateway", "aws_internet_gateway", "azurerm_nat_gateway", "google_compute_router_nat"),
        "the subnets routed through it lose their internet access",
    ),
    **dict.fromkeys(
        (
            "aws_vpn_connection",
            "aws_vpc_peering_connection",
            "aws_ec2_transit_gateway_vpc_attachment",
            "aws_dx_connection",
            "azurerm_virtual_network_peering",
            "azurerm_virtual_network_gateway_connection",
            "google_compute_network_peering",
            "google_compute_vpn_tunnel",
        ),
        "the networks it connects can no longer reach each other through it",
    ),
}


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-019",
        title="Traffic path deleted",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="Load balancers and their listeners, CDN distributions, API stages, DNS records, NAT and "
        "internet gateways and network links are what traffic passes through. Deleting one holds no data, "
        "but everything reaching a service through it stops at once, and a replacement elsewhere in the "
        "plan starts with a new address or name.",
        remediation="Confirm nothing still sends traffic through it (DNS, clients, routes); move traffic to "
        "its successor in an earlier plan, or keep it with `removed { lifecycle { destroy = false } }`.",
        resource_types=tuple(sorted(TRAFFIC_PATH_TYPES)),
    ),
    *sorted(TRAFFIC_PATH_TYPES),
    actions=(Action.DELETE,),
)
def traffic_path_deleted(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    effect = TRAFFIC_PATH_TYPES.get(rc.type)
    if rc.action is Action.DELETE and effect is not None and not rc.is_data and rc.deposed is None:
        yield Hit(f"{rc.address} is deleted: {effect}.")
