"""AWS network rules: security groups (inline and split rule resources) open to the internet, flow logs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import (
    DATABASE_PORTS,
    covers,
    is_all_ports,
    is_open_cidr,
    port_range,
)

SG_TYPES = (
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_default_security_group",
)


@dataclass(frozen=True, slots=True)
class OpenRule:
    direction: str
    ports: tuple[int, int]
    cidr: str
    attribute: str


def _open_cidrs(state: State, *attributes: str) -> list[str]:
    found: list[str] = []
    for attribute in attributes:
        value = state.get(attribute)
        if value is UNKNOWN:
            continue
        values = value if isinstance(value, list) else [value]
        found.extend(v for v in values if is_open_cidr(v))
    return found


def open_rules(state: State, rc: ResourceChange) -> list[OpenRule]:
    """Every rule of the resource that admits 0.0.0.0/0 or ::/0, with its known port range (computed once)."""
    return state.memo("open_rules", lambda: list(_open_rules(state, rc)))


def _open_rules(state: State, rc: ResourceChange) -> Iterator[OpenRule]:
    if rc.type in ("aws_security_group", "aws_default_security_group"):
        for direction in ("ingress", "egress"):
            for i, block in state.each(direction):
                ports = port_range(block.get("from_port"), block.get("to_port"), block.get("protocol"))
                if ports is None:
                    continue
                for cidr in _open_cidrs(block, "cidr_blocks", "ipv6_cidr_blocks"):
                    yield OpenRule(direction, ports, cidr, f"{direction}[{i}]")
    elif rc.type == "aws_security_group_rule":
        direction = state.get("type")
        ports = port_range(state.get("from_port"), state.get("to_port"), state.get("protocol"))
        if isinstance(direction, str) and ports is not None:
            for cidr in _open_cidrs(state, "cidr_blocks", "ipv6_cidr_blocks"):
                yield OpenRule(direction, ports, cidr, "cidr_blocks")
    else:
        direction = "ingress" if rc.type.endswith("ingress_rule") else "egress"
        ports = port_range(state.get("from_port"), state.get("to_port"), state.get("ip_protocol"))
        if ports is not None:
            for cidr in _open_cidrs(state, "cidr_ipv4", "cidr_ipv6"):
                yield OpenRule(direction, ports, cidr, "cidr_ipv4" if ":" not in cidr else "cidr_ipv6")


def _ports_text(ports: tuple[int, int]) -> str:
    return (
        "all ports"
        if is_all_ports(ports)
        else (f"port {ports[0]}" if ports[0] == ports[1] else f"ports {ports[0]}-{ports[1]}")
    )


def _port_rule(
    rule_id: str, title: str, severity: Severity, ports: dict[int, str], checkov: str | None, why: str
) -> None:
    meta = RuleMeta(
        id=rule_id,
        title=title,
        severity=severity,
        category=Category.NETWORK,
        rationale=why,
        remediation="Restrict the source to known CIDRs, a VPN or a security group; use SSM Session Manager "
        "or a bastion for admin access.",
        checkov_id=checkov,
        trivy_id="AVD-AWS-0107",
    )

    def check(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        for rule in open_rules(state, rc):
            if rule.direction != "ingress" or is_all_ports(rule.ports):
                continue
            for port, name in ports.items():
                if covers(rule.ports, port):
                    yield Hit(
                        f"{rc.address} allows {name} ({_ports_text((port, port))}) from {rule.cidr}.",
                        attribute=rule.attribute,
                        key=f"{port}|{rule.cidr}",
                    )

    REGISTRY.posture(meta, *SG_TYPES)(check)


_port_rule(
    "TFR-AWS-NET-001",
    "Security group allows SSH from the internet",
    Severity.HIGH,
    {22: "SSH"},
    "CKV_AWS_24",
    "SSH open to 0.0.0.0/0 or ::/0 is scanned and brute-forced within minutes.",
)
_port_rule(
    "TFR-AWS-NET-002",
    "Security group allows RDP from the internet",
    Severity.HIGH,
    {3389: "RDP"},
    "CKV_AWS_25",
    "RDP open to the internet is a leading ransomware entry point.",
)
_port_rule(
    "TFR-AWS-NET-003",
    "Security group allows HTTP from the internet",
    Severity.LOW,
    {80: "HTTP"},
    "CKV_AWS_260",
    "Plain HTTP from the internet is unencrypted; public services should redirect to HTTPS at a load balancer.",
)
_port_rule(
    "TFR-AWS-NET-005",
    "Security group allows a database port from the internet",
    Severity.HIGH,
    DATABASE_PORTS,
    None,
    "Database ports open to the internet expose data stores to credential stuffing and exploits.",
)


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-NET-004",
        title="Security group allows all ports from the internet",
        severity=Severity.HIGH,
        category=Category.NETWORK,
        rationale="Every port open to 0.0.0.0/0 or ::/0 exposes every service on the attached instances.",
        remediation="Allow only the ports the service needs, from known sources.",
        checkov_id="CKV_AWS_277",
        trivy_id="AVD-AWS-0107",
    ),
    *SG_TYPES,
)
def sg_all_ports(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for rule in open_rules(state, rc):
        if rule.direction == "ingress" and is_all_ports(rule.ports):
            yield Hit(
                f"{rc.address} allows all ports from {rule.cidr}.", attribute=rule.attribute, key=rule.cidr
            )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-NET-006",
        title="Security group allows all egress to the internet",
        severity=Severity.LOW,
        category=Category.NETWORK,
        rationale="Unrestricted egress lets a compromised workload reach any host to exfiltrate data.",
        remediation="Limit egress to the ports and destinations the workload needs (or VPC endpoints).",
        checkov_id="CKV_AWS_382",
    ),
    *SG_TYPES,
)
def sg_open_egress(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for rule in open_rules(state, rc):
        if rule.direction == "egress" and is_all_ports(rule.ports):
            yield Hit(
                f"{rc.address} allows all egress to {rule.cidr}.", attribute=rule.attribute, key=rule.cidr
            )
            return


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-NET-007",
        title="VPC without flow logs",
        severity=Severity.LOW,
        category=Category.SECURITY,
        rationale="Without flow logs there is no network record for incident response.",
        remediation="Add aws_flow_log for the VPC.",
        checkov_id="CKV2_AWS_11",
        trivy_id="AVD-AWS-0178",
    ),
    "aws_vpc",
)
def vpc_no_flow_logs(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if ctx.is_covered(rc, frozenset({"aws_flow_log"}), "vpc_id", state.get("id")):
        return
    yield Hit(f"{rc.address} has no aws_flow_log in this plan.")


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-NET-008",
        title="Subnet assigns public IPs on launch",
        severity=Severity.LOW,
        category=Category.NETWORK,
        rationale="map_public_ip_on_launch gives every instance in the subnet a public address.",
        remediation="Use private subnets with NAT or load balancers for inbound traffic.",
        checkov_id="CKV_AWS_130",
    ),
    "aws_subnet",
)
def subnet_public_ip(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.get("map_public_ip_on_launch") is True:
        yield Hit(f"{rc.address} maps public IPs on launch.", attribute="map_public_ip_on_launch")
