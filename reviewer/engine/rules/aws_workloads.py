"""AWS workloads that reach past their own box: ECS containers that can take over their host, notebooks on
the open internet with root, EKS access entries granting cluster admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import task_containers

# Host paths whose mount hands a container the host: the container runtime's socket, the root, /etc, /proc.
HOST_TAKEOVER_PATHS = frozenset(
    {
        "/",
        "/etc",
        "/proc",
        "/root",
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/var/run",
        "/run",
        "/run/containerd/containerd.sock",
        "/var/lib/docker",
    }
)
_TAKEOVER = frozenset(p.rstrip("/") for p in HOST_TAKEOVER_PATHS)  # "/" compares as ""
# Linux capabilities that amount to root on the host (mount, kernel modules, raw devices, ptrace of others).
HOST_CAPABILITIES = frozenset(
    {"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "DAC_READ_SEARCH"}
)


def _host_volumes(state: State) -> dict[str, str]:
    """Task volumes that mount a risky host path: volume name -> host path."""
    found: dict[str, str] = {}
    for _, volume in state.each("volume"):
        path, name = volume.get("host_path"), volume.get("name")
        if isinstance(path, str) and isinstance(name, str) and path.rstrip("/") in _TAKEOVER:
            found[str(name)] = str(path)
    return found


def _added_capabilities(container: dict[str, Any]) -> list[str]:
    linux = container.get("linuxParameters")
    capabilities = linux.get("capabilities") if isinstance(linux, dict) else None
    added = capabilities.get("add") if isinstance(capabilities, dict) else None
    if not isinstance(added, list):
        return []
    return sorted({str(c).upper().removeprefix("CAP_") for c in added} & HOST_CAPABILITIES)


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-ECS-001",
        title="ECS container can take over its host",
        severity=Severity.HIGH,
        category=Category.SECURITY,
        rationale="A privileged container, or one that mounts the Docker socket or the host's root, is root "
        "on the EC2 host: it can read every other task's credentials and secrets and run anything there "
        "(HIGH). Sharing the host's process namespace or adding capabilities such as SYS_ADMIN opens the same "
        "door less directly (MEDIUM).",
        remediation='Drop privileged, host mounts of the runtime socket or system paths, pid_mode = "host" '
        "and added capabilities; run such agents as a daemon with a minimal, reviewed task role.",
        checkov_id="CKV_AWS_97",
    ),
    "aws_ecs_task_definition",
)
def ecs_host_takeover(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    containers = task_containers(state)
    volumes = _host_volumes(state) if containers else {}
    for container in containers:
        name = str(container.get("name", "?"))
        if container.get("privileged") is True:
            yield Hit(
                f"{rc.address}: container {name} runs privileged (root on the host).",
                attribute="container_definitions",
                key=f"{name}|privileged",
            )
        mounts = container.get("mountPoints")
        for mount in mounts if isinstance(mounts, list) else ():
            source = mount.get("sourceVolume") if isinstance(mount, dict) else None
            if isinstance(source, str) and source in volumes:
                yield Hit(
                    f"{rc.address}: container {name} mounts the host's {volumes[source]}.",
                    attribute="volume.host_path",
                    key=f"{name}|mount|{volumes[source]}",
                )
        capabilities = _added_capabilities(container)
        if capabilities:
            yield Hit(
                f"{rc.address}: container {name} adds the {', '.join(capabilities)} capability.",
                attribute="container_definitions",
                key=f"{name}|caps|{','.join(capabilities)}",
                severity=Severity.MEDIUM,
            )
    if containers and state.get("pid_mode") == "host":
        yield Hit(
            f'{rc.address} shares the host\'s process namespace (pid_mode = "host").',
            attribute="pid_mode",
            key="pid_mode",
            severity=Severity.MEDIUM,
        )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-SM-001",
        title="SageMaker notebook with direct internet access",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        rationale='With direct_internet_access = "Enabled" (the default) the notebook reaches the internet '
        "outside the VPC, where no security group, NACL or flow log sees its traffic: code running in it "
        "can send the data its role reads anywhere; with root access users can also change the instance.",
        remediation='Place the notebook in a private subnet with direct_internet_access = "Disabled" (and a '
        'NAT or VPC endpoints), and set root_access = "Disabled".',
        checkov_id="CKV_AWS_122",
    ),
    "aws_sagemaker_notebook_instance",
)
def notebook_internet(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.get("direct_internet_access") == "Enabled":
        root = " with root access" if state.get("root_access") == "Enabled" else ""
        yield Hit(
            f"{rc.address} reaches the internet directly, outside the VPC{root}.",
            attribute="direct_internet_access",
        )


# EKS access policies that give full control of the cluster, at cluster scope.
EKS_ADMIN_POLICIES = frozenset({"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy"})


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-EKS-004",
        title="EKS access entry grants cluster admin",
        severity=Severity.HIGH,
        category=Category.IAM,
        rationale="AmazonEKSClusterAdminPolicy is Kubernetes cluster-admin: the IAM principal can read every "
        "secret, run any pod on any node and change RBAC; AmazonEKSAdminPolicy at cluster scope comes close "
        "(MEDIUM).",
        remediation="Associate a narrower access policy (AmazonEKSEditPolicy, AmazonEKSViewPolicy) scoped to "
        "the namespaces the principal needs; keep cluster admin to a break-glass role.",
    ),
    "aws_eks_access_policy_association",
)
def eks_cluster_admin(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    arn = state.get("policy_arn")
    name = arn.rsplit("/", 1)[-1] if isinstance(arn, str) else None
    if name not in EKS_ADMIN_POLICIES:
        return
    if state.get("access_scope", 0, "type") == "namespace" and name != "AmazonEKSClusterAdminPolicy":
        return
    principal = state.get("principal_arn")
    who = principal if isinstance(principal, str) else "its principal"
    yield Hit(
        f"{rc.address} gives {who} {name} on the whole cluster.",
        attribute="policy_arn",
        severity=None if name == "AmazonEKSClusterAdminPolicy" else Severity.MEDIUM,
    )
