"""Kubernetes basics: privileged containers, host namespaces, privilege escalation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext

WORKLOAD_TYPES = tuple(
    f"kubernetes_{kind}{suffix}"
    for kind in (
        "pod",
        "deployment",
        "daemonset",
        "daemon_set",
        "stateful_set",
        "job",
        "cron_job",
        "replication_controller",
    )
    for suffix in ("", "_v1")
)
MAX_DEPTH = 40


def find_flags(
    value: Any, names: tuple[str, ...], path: str = "", depth: int = 0
) -> Iterator[tuple[str, str]]:
    """(attribute path, flag name) for every nested `name = true` under the workload spec."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in names and item is True:
                yield where, key
            elif isinstance(item, dict | list):
                yield from find_flags(item, names, where, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from find_flags(item, names, f"{path}[{i}]", depth + 1)


def _flag_rule(
    rule_id: str, title: str, severity: Severity, names: tuple[str, ...], checkov: str, why: str, fix: str
) -> None:
    meta = RuleMeta(rule_id, title, severity, Category.SECURITY, why, fix, checkov)

    def check(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        for attribute, name in find_flags(state.values.get("spec"), names, "spec"):
            yield Hit(f"{rc.address} sets {name} = true.", attribute=attribute)

    REGISTRY.posture(meta, *WORKLOAD_TYPES)(check)


_flag_rule(
    "TFR-K8S-001",
    "Privileged container",
    Severity.HIGH,
    ("privileged",),
    "CKV_K8S_16",
    "A privileged container has full access to the node: a container escape is a node compromise.",
    "Remove privileged = true; grant only the Linux capabilities the container needs.",
)
_flag_rule(
    "TFR-K8S-002",
    "Pod shares host namespaces",
    Severity.HIGH,
    ("host_network", "host_pid", "host_ipc"),
    "CKV_K8S_19",
    "host_network/host_pid/host_ipc let the pod see and talk to the node's network stack and processes.",
    "Remove the host namespace flags unless the workload is a node agent that needs them.",
)
_flag_rule(
    "TFR-K8S-003",
    "Container allows privilege escalation",
    Severity.MEDIUM,
    ("allow_privilege_escalation",),
    "CKV_K8S_20",
    "allow_privilege_escalation lets a process gain more privileges than its parent (setuid binaries).",
    "Set allow_privilege_escalation = false in the container security_context.",
)
