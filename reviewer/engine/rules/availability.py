"""Switch-off changes: a running service scaled to zero, stopped or disabled by an update of one attribute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext

Path = tuple[str | int, ...]


def _count(value: Any) -> int | None:
    """A capacity as a number (the Kubernetes provider writes replicas as a string); None if it is none."""
    if type(value) is int:
        return value
    if type(value) is str and value.isdigit():
        return int(value)
    return None


def _zero(value: Any) -> bool:
    return _count(value) == 0


def _positive(value: Any) -> bool:
    count = _count(value)
    return count is not None and count > 0


def _false(value: Any) -> bool:
    return value is False


def _true(value: Any) -> bool:
    return value is True


def _not_zero(value: Any) -> bool:
    """Lambda's reserved concurrency: -1 (unreserved) and any positive number both let it run."""
    count = value if type(value) is int else None
    return count is not None and count != 0


def _state(*values: str) -> Callable[[Any], bool]:
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


_SCALED = "scaled to zero ({attribute} = 0): nothing runs until it is scaled up again."
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
        "reserved concurrency set to 0: every invocation is throttled, the function no longer runs.",
    ),
    Switch(
        ("aws_kms_key",),
        (("is_enabled",),),
        _true,
        _false,
        "the key is disabled (is_enabled = false): everything encrypted with it cannot be read or written "
        "until it is enabled again.",
        Severity.HIGH,
    ),
    Switch(
        ("google_kms_crypto_key_version",),
        (("state",),),
        _state("ENABLED"),
        _state("DISABLED", "DESTROYED", "DESTROY_SCHEDULED"),
        "the key version is disabled ({attribute} = {value}): data encrypted with it cannot be read.",
        Severity.HIGH,
    ),
    Switch(
        ("aws_cloudfront_distribution",),
        (("enabled",),),
        _true,
        _false,
        "the distribution is disabled (enabled = false): it stops serving requests.",
    ),
    Switch(
        ("aws_ec2_instance_state",),
        (("state",),),
        _state("RUNNING"),
        _state("STOPPED"),
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
        _true,
        _false,
        "the app is disabled (enabled = false): it stops serving requests.",
    ),
)
_BY_TYPE: dict[str, list[Switch]] = {}
for _switch in SWITCHES:
    for _type in _switch.types:
        _BY_TYPE.setdefault(_type, []).append(_switch)


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
    if rc.action is not Action.UPDATE or type(rc.before) is not dict:
        return
    before, after = State(rc.before), State(rc.after, rc.after_unknown)
    for switch in _BY_TYPE.get(rc.type, ()):
        for path in switch.paths:
            value = after.get(*path)
            if value is UNKNOWN or not switch.off(value) or not switch.on(before.get(*path)):
                continue
            effect = switch.effect.format(attribute=_label(path), value=value)
            yield Hit(f"{rc.address}: {effect}", attribute=_label(path), severity=switch.severity)
            return
