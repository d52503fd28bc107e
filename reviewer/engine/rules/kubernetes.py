"""Kubernetes: privileged containers, host namespaces and paths, privilege escalation, admin or public role
bindings, public load balancer services, secrets in config maps, network policies and Pod Security removed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import (
    ExposureKind,
    classify_ports,
    is_open_cidr,
    protocol_name,
    risky_names,
)
from reviewer.engine.rules.secrets_in_clear import holds_secret

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


def nested(
    value: Any, keys: tuple[str, ...], path: str = "", depth: int = 0
) -> Iterator[tuple[str, str, Any]]:
    """(attribute path, key, value) for every one of `keys` anywhere under a workload spec (depth-limited)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in keys:
                yield where, key, item
            if isinstance(item, dict | list):
                yield from nested(item, keys, where, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from nested(item, keys, f"{path}[{i}]", depth + 1)


# Every key a workload rule looks for under the spec: one walk of the spec per state serves them all.
SPEC_KEYS = (
    "privileged",
    "host_network",
    "host_pid",
    "host_ipc",
    "allow_privilege_escalation",
    "host_path",
    "capabilities",
)


def spec_entries(state: State, keys: tuple[str, ...]) -> Iterator[tuple[str, str, Any]]:
    """(attribute path, key, value) for every one of `keys` (from SPEC_KEYS) under the workload spec."""
    found = state.memo("kubernetes_spec", lambda: list(nested(state.values.get("spec"), SPEC_KEYS, "spec")))
    return (entry for entry in found if entry[1] in keys)


def _flag_rule(
    rule_id: str, title: str, severity: Severity, names: tuple[str, ...], checkov: str, why: str, fix: str
) -> None:
    meta = RuleMeta(rule_id, title, severity, Category.SECURITY, why, fix, checkov)

    def check(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        for attribute, name, value in spec_entries(state, names):
            if value is True:
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


ROLE_BINDING_TYPES = tuple(
    f"kubernetes_{kind}{suffix}"
    for kind in ("cluster_role_binding", "role_binding")
    for suffix in ("", "_v1")
)
ROLE_TYPES = tuple(
    f"kubernetes_{kind}{suffix}" for kind in ("cluster_role", "role") for suffix in ("", "_v1")
)
ADMIN_ROLES = frozenset({"cluster-admin"})
# Subjects that are not one identity: every caller (anonymous included) or every signed-in one (on GKE, any
# Google account).
EVERYONE = {"system:unauthenticated": "every anonymous caller", "system:anonymous": "every anonymous caller"}
EVERY_SIGNED_IN = {"system:authenticated": "every authenticated user (on GKE: any Google account)"}
# Every service account of the cluster: whoever runs code in any pod holds the role (HIGH for roles that write).
EVERY_WORKLOAD = {"system:serviceaccounts": "every service account, so every pod, in the cluster"}
WRITE_ROLES = frozenset({"cluster-admin", "admin", "edit"})


def _subjects(state: State) -> list[dict[str, Any]]:
    subjects = state.get("subject")
    return [s for s in subjects if isinstance(s, dict)] if isinstance(subjects, list) else []


def _role_name(state: State) -> Any:
    return state.first("role_ref", "name")


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-004",
        title="Cluster-admin or wildcard Kubernetes role granted",
        severity=Severity.HIGH,
        category=Category.IAM,
        rationale="cluster-admin, or a role allowing every verb on every resource, is full control of the "
        "cluster: its secrets, workloads and nodes. Bound to a service account, any pod running as it (or "
        "anyone who can create such a pod) holds that control.",
        remediation="Bind a role with only the verbs and resources the subject needs, in its own namespace.",
    ),
    *ROLE_BINDING_TYPES,
    *ROLE_TYPES,
)
def admin_role(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type in ROLE_BINDING_TYPES:
        role = _role_name(state)
        if isinstance(role, str) and role in ADMIN_ROLES:
            names = (
                ", ".join(f"{s.get('kind')} {s.get('name')}" for s in _subjects(state)[:3]) or "its subjects"
            )
            yield Hit(f"{rc.address} grants {role} to {names}.", attribute="role_ref.name", key=role)
        return
    rules = state.get("rule")
    for i, rule in enumerate(rules if isinstance(rules, list) else ()):
        if not isinstance(rule, dict):
            continue
        verbs, resources = rule.get("verbs"), rule.get("resources")
        if isinstance(verbs, list) and "*" in verbs and isinstance(resources, list) and "*" in resources:
            yield Hit(f"{rc.address} allows every verb on every resource.", attribute=f"rule[{i}]", key="*")
            return


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-005",
        title="Kubernetes role bound to anonymous or all users",
        severity=Severity.CRITICAL,
        category=Category.IAM,
        rationale="A binding to system:unauthenticated or system:anonymous gives the role to every caller who "
        "can reach the API server; system:authenticated to every signed-in identity, which on GKE is any "
        "Google account. Whatever the role allows, the whole network or world has.",
        remediation="Bind the role to the users, groups or service accounts that need it instead.",
    ),
    *ROLE_BINDING_TYPES,
)
def everyone_bound(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    role = _role_name(state)
    for subject in _subjects(state):
        name = subject.get("name")
        if not isinstance(name, str):
            continue
        who = EVERYONE.get(name)
        severity = None
        if who is None:
            who, severity = EVERY_SIGNED_IN.get(name), Severity.HIGH
        if who is not None:
            yield Hit(
                f"{rc.address} binds {role} to {name}: {who}.",
                attribute="subject",
                key=name,
                severity=severity,
            )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-013",
        title="Kubernetes role bound to every service account",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        rationale="A binding to the group system:serviceaccounts gives the role to every service account of "
        "the cluster, so to every pod: whoever runs code in any pod (a compromised dependency, a CI job) holds "
        "it. With admin or edit that is control of the workloads and their secrets (HIGH).",
        remediation="Bind the role to the one service account that needs it, in its own namespace.",
    ),
    *ROLE_BINDING_TYPES,
)
def every_workload_bound(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    role = _role_name(state)
    for subject in _subjects(state):
        name = subject.get("name")
        who = EVERY_WORKLOAD.get(name) if isinstance(name, str) else None
        if who is not None:
            yield Hit(
                f"{rc.address} binds {role} to {name}: {who}.",
                attribute="subject",
                key=name,
                severity=Severity.HIGH if role in WRITE_ROLES else None,
            )


# Host paths whose mount gives a container the node: its root, configuration, runtime socket or kubelet.
SENSITIVE_HOST_PATHS = (
    "/",
    "/etc",
    "/root",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/var/run/docker.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/crio",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/home/admin",
)


def _host_paths(state: State) -> Iterator[tuple[str, str]]:
    """(attribute path, host path) of every host_path volume in a workload spec."""
    for where, _, item in spec_entries(state, ("host_path",)):
        for entry in item if isinstance(item, list) else ():
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield where, entry["path"]


def _sensitive(host_path: str) -> bool:
    normal = host_path.rstrip("/") or "/"
    return normal == "/" or any(
        normal == p or (p != "/" and normal.startswith(p + "/")) for p in SENSITIVE_HOST_PATHS
    )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-006",
        title="Node file system mounted into a pod (hostPath)",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="A hostPath volume gives the container files of the node itself. The node's root, /etc, "
        "/proc, the kubelet's files or the container runtime socket are a node takeover (HIGH); other paths "
        "still break the pod's isolation from the node.",
        remediation="Use an emptyDir, a persistent volume or a CSI driver; node agents that need host files "
        "should mount the narrowest path read-only.",
        checkov_id="CKV_K8S_27",
    ),
    *WORKLOAD_TYPES,
)
def host_path_mounted(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute, host_path in _host_paths(state):
        risky = _sensitive(host_path)
        what = "a node takeover path" if risky else "a node path"
        yield Hit(
            f"{rc.address} mounts {what} from the host: {host_path}.",
            attribute=attribute,
            key=host_path,
            severity=Severity.HIGH if risky else None,
        )


SERVICE_TYPES = ("kubernetes_service", "kubernetes_service_v1")
# Annotations that keep a LoadBalancer service's address inside the network (AWS, GCP, Azure).
INTERNAL_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
}
_SEVERITY = {ExposureKind.ALL_PORTS: Severity.HIGH, ExposureKind.ADMIN: Severity.HIGH,
             ExposureKind.DATABASE: Severity.HIGH, ExposureKind.WIDE: Severity.MEDIUM}  # fmt: skip


def _internal(state: State) -> bool:
    annotations = state.first("metadata", "annotations")
    if not isinstance(annotations, dict):
        return False
    return any(
        isinstance(annotations.get(key), str) and annotations[key].strip().lower() in values
        for key, values in INTERNAL_ANNOTATIONS.items()
    )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-007",
        title="Kubernetes service opens a risky port on a public load balancer",
        severity=Severity.HIGH,
        category=Category.NETWORK,
        rationale="A LoadBalancer service without an internal-scheme annotation gets a public address, and "
        "without load_balancer_source_ranges every address on the internet reaches its ports: a database, "
        "SSH or RDP port there is open to the world.",
        remediation="Make the load balancer internal (the cloud's internal annotation), restrict "
        "load_balancer_source_ranges, or use a ClusterIP service behind an ingress.",
    ),
    *SERVICE_TYPES,
)
def public_service(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.first("spec", "type") != "LoadBalancer" or _internal(state):
        return
    ranges = state.first("spec", "load_balancer_source_ranges")
    if ranges is UNKNOWN or (
        isinstance(ranges, list) and ranges and not any(is_open_cidr(r) for r in ranges)
    ):
        return
    ports = state.first("spec", "port")
    for i, port in enumerate(ports if isinstance(ports, list) else ()):
        number = port.get("port") if isinstance(port, dict) else None
        if type(number) is not int:
            continue
        protocol = protocol_name(port.get("protocol") or "TCP") or "tcp"
        found = classify_ports(protocol, (number, number))
        severity = _SEVERITY.get(found.kind)
        if severity is None:
            continue
        names = ", ".join(risky_names([found])) or found.describe()
        yield Hit(
            f"{rc.address} exposes {names} on a public load balancer with no source ranges.",
            attribute=f"spec.port[{i}]",
            key=f"{protocol}/{number}",
            severity=severity,
        )


CONFIG_MAP_TYPES = ("kubernetes_config_map", "kubernetes_config_map_v1")


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-008",
        title="Secret in a Kubernetes config map",
        severity=Severity.HIGH,
        category=Category.SECRETS,
        rationale="Config maps are not secrets: they are readable by every role that can read config maps, "
        "shown in plain text by kubectl and dashboards, and kept in clear in Terraform state and plans.",
        remediation="Move the value to a kubernetes_secret (or an external secret store) and mount it.",
    ),
    *CONFIG_MAP_TYPES,
)
def config_map_secrets(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    data = state.get("data")
    if not isinstance(data, dict):
        return
    for name in sorted(data):
        if holds_secret(name, data[name]):
            yield Hit(
                f"{rc.address}: key {name} holds a secret in clear text.", attribute=f"data.{name}", key=name
            )


NETWORK_POLICY_TYPES = ("kubernetes_network_policy", "kubernetes_network_policy_v1")
NAMESPACE_TYPES = ("kubernetes_namespace", "kubernetes_namespace_v1")


def _deleted_namespaces(ctx: RuleContext) -> set[str]:
    names: set[str] = set()
    for rc in ctx.plan.resource_changes:
        if rc.type in NAMESPACE_TYPES and rc.action.destroys and isinstance(rc.before, dict):
            name = State(rc.before).first("metadata", "name")
            if isinstance(name, str):
                names.add(name)
    return names


def _creates_policy(ctx: RuleContext) -> bool:
    return any(
        rc.type in NETWORK_POLICY_TYPES and rc.action is Action.CREATE for rc in ctx.plan.resource_changes
    )


@REGISTRY.change(
    RuleMeta(
        id="TFR-K8S-009",
        title="Kubernetes network policy deleted",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        rationale="A network policy is what isolates the pods it selects: once it is gone, traffic it blocked "
        "(from other namespaces, from a compromised pod, out to the internet) is allowed again, and nothing "
        "in the plan shows which workloads just lost their isolation.",
        remediation="Replace the policy before deleting it, or confirm the pods it selected no longer need "
        "isolation (a default-deny policy should stay in every namespace).",
    ),
    *NETWORK_POLICY_TYPES,
    actions=(Action.DELETE,),
)
def network_policy_deleted(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.DELETE or rc.is_data or not isinstance(rc.before, dict):
        return
    namespace = State(rc.before).first("metadata", "namespace")
    namespace = namespace if isinstance(namespace, str) and namespace else "default"
    if namespace in ctx.memo("deleted_namespaces", _deleted_namespaces):
        return  # its namespace goes too: no pod is left unprotected
    if ctx.memo("creates_network_policy", _creates_policy):
        yield Hit(
            f"{rc.address} is deleted; a network policy is created in the same plan, check it isolates the same "
            f"pods of namespace {namespace}.",
            severity=Severity.LOW,
        )
        return
    yield Hit(
        f"{rc.address} is deleted: the pods it selected in namespace {namespace} lose their isolation, and "
        "traffic it blocked is allowed again."
    )


# Pod Security admission levels, loosest first; without an enforce label the cluster default applies, which is
# privileged unless the API server's admission configuration says otherwise.
POD_SECURITY_LEVELS = {"privileged": 0, "baseline": 1, "restricted": 2}
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"


def _namespace_labels(rc: ResourceChange, state: State) -> Any:
    if rc.type == "kubernetes_labels":
        return state.get("labels") if state.get("kind") == "Namespace" else None
    return state.get("metadata", 0, "labels")


def _level(labels: Any) -> str | None:
    value = labels.get(ENFORCE_LABEL) if isinstance(labels, dict) else None
    return value.lower() if isinstance(value, str) and value.lower() in POD_SECURITY_LEVELS else None


@REGISTRY.change(
    RuleMeta(
        id="TFR-K8S-010",
        title="Pod Security admission relaxed on a namespace",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="The pod-security.kubernetes.io/enforce label is the namespace's admission guard: restricted "
        "or baseline refuse privileged pods, host namespaces and hostPath mounts. Lowering it (or removing "
        "it, which falls back to the cluster default, usually privileged) lets anyone who can create a pod "
        "there take over its node.",
        remediation="Keep enforce = restricted (or baseline) and move the workloads that need more into a "
        "dedicated, tightly controlled namespace.",
    ),
    *NAMESPACE_TYPES,
    "kubernetes_labels",
    actions=(Action.UPDATE,),
)
def pod_security_relaxed(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.UPDATE or not isinstance(rc.before, dict) or not isinstance(rc.after, dict):
        return
    after = State(rc.after, rc.after_unknown)
    labels = _namespace_labels(rc, after)
    if labels is UNKNOWN or (isinstance(labels, dict) and labels.get(ENFORCE_LABEL) is UNKNOWN):
        return
    old, new = _level(_namespace_labels(rc, State(rc.before))), _level(labels)
    if old is None or POD_SECURITY_LEVELS[new or "privileged"] >= POD_SECURITY_LEVELS[old]:
        return
    now = new or "no label, so the cluster default (usually privileged) applies"
    yield Hit(
        f"{rc.address} relaxes Pod Security admission ({ENFORCE_LABEL}) from {old} to {now}: pods there may "
        "run privileged, share the node's namespaces or mount its files.",
        attribute=ENFORCE_LABEL,
    )


SECRET_TYPES = ("kubernetes_secret", "kubernetes_secret_v1")
TOKEN_SECRET = "kubernetes.io/service-account-token"


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-011",
        title="Long-lived service account token secret",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        rationale="A secret of type kubernetes.io/service-account-token holds a token that never expires: "
        "whoever reads it (anyone who can read secrets in the namespace, or the Terraform state) acts as the "
        "service account until the secret is deleted. Kubernetes stopped creating them for this reason.",
        remediation="Use short-lived tokens (projected volumes, the TokenRequest API, kubectl create token) or "
        "workload identity for callers outside the cluster.",
        checkov_id="CKV_K8S_41",
    ),
    *SECRET_TYPES,
)
def service_account_token(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.get("type") == TOKEN_SECRET:
        annotations = state.first("metadata", "annotations")
        account = (
            annotations.get("kubernetes.io/service-account.name") if isinstance(annotations, dict) else None
        )
        whose = f" of service account {account}" if isinstance(account, str) else ""
        yield Hit(f"{rc.address} holds a token{whose} that never expires.", attribute="type")


# Capabilities that hand a container the node (HIGH) or its network (MEDIUM).
NODE_CAPABILITIES = frozenset(
    {"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF", "PERFMON"}
)
NETWORK_CAPABILITIES = frozenset({"NET_ADMIN"})


def _capability(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


@REGISTRY.posture(
    RuleMeta(
        id="TFR-K8S-012",
        title="Container adds a dangerous Linux capability",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="SYS_ADMIN, SYS_MODULE, SYS_PTRACE, DAC_READ_SEARCH, BPF or ALL are enough to escape the "
        "container (mount the host's disks, load kernel modules, read other processes): nearly privileged "
        "(HIGH). NET_ADMIN lets the container rewrite the node's or pod's routing and firewall rules.",
        remediation="Drop ALL and add back only narrow capabilities such as NET_BIND_SERVICE; run node agents "
        "that need more in a dedicated, tightly controlled namespace.",
        checkov_id="CKV_K8S_39",
    ),
    *WORKLOAD_TYPES,
)
def dangerous_capabilities(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for where, _, capabilities in spec_entries(state, ("capabilities",)):
        for block in capabilities if isinstance(capabilities, list) else ():
            added = block.get("add") if isinstance(block, dict) else None
            for name in added if isinstance(added, list) else ():
                capability = _capability(name)
                if capability in NODE_CAPABILITIES or capability in NETWORK_CAPABILITIES:
                    yield Hit(
                        f"{rc.address} adds the {capability} capability to a container.",
                        attribute=f"{where}.add",
                        key=f"{where}|{capability}",
                        severity=Severity.HIGH if capability in NODE_CAPABILITIES else None,
                    )
