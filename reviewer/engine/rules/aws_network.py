"""AWS network rules: security groups (inline and split rule resources) open to the internet, flow logs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import (
    WIDE_RANGE,
    Exposure,
    ExposureKind,
    Service,
    as_int,
    exposure,
    is_open_cidr,
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
    """One exposure: a rule admitting one internet source (0.0.0.0/0 or ::/0) to what `exposure` says."""

    direction: str
    exposure: Exposure
    cidr: str
    attribute: str
    rule_id: str | None  # the rule that reports it (ingress only); None when nothing to report


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
    """Every rule of the resource that admits 0.0.0.0/0 or ::/0, classified once per state."""
    return state.memo("open_rules", lambda: list(_open_rules(state, rc)))


def _open_rule(direction: str, found: Exposure, cidr: str, attribute: str) -> OpenRule:
    return OpenRule(
        direction, found, cidr, attribute, ingress_rule_id(found) if direction == "ingress" else None
    )


def _open_rules(state: State, rc: ResourceChange) -> Iterator[OpenRule]:
    if rc.type in ("aws_security_group", "aws_default_security_group"):
        for direction in ("ingress", "egress"):
            for i, block in state.each(direction):
                found = exposure(block.get("protocol"), block.get("from_port"), block.get("to_port"))
                if found is None:
                    continue
                for cidr in _open_cidrs(block, "cidr_blocks", "ipv6_cidr_blocks"):
                    yield _open_rule(direction, found, cidr, f"{direction}[{i}]")
    elif rc.type == "aws_security_group_rule":
        direction = state.get("type")
        found = exposure(state.get("protocol"), state.get("from_port"), state.get("to_port"))
        if isinstance(direction, str) and found is not None:
            for cidr in _open_cidrs(state, "cidr_blocks", "ipv6_cidr_blocks"):
                yield _open_rule(
                    direction, found, cidr, "cidr_blocks" if ":" not in cidr else "ipv6_cidr_blocks"
                )
    else:
        direction = "ingress" if rc.type.endswith("ingress_rule") else "egress"
        found = exposure(state.get("ip_protocol"), state.get("from_port"), state.get("to_port"))
        if found is not None:
            for cidr in _open_cidrs(state, "cidr_ipv4", "cidr_ipv6"):
                yield _open_rule(direction, found, cidr, "cidr_ipv4" if ":" not in cidr else "cidr_ipv6")


SSH_RULE, RDP_RULE, ADMIN_RULE = "TFR-AWS-NET-001", "TFR-AWS-NET-002", "TFR-AWS-NET-009"
_RULE_BY_KIND = {
    ExposureKind.ALL_PORTS: "TFR-AWS-NET-004",
    ExposureKind.DATABASE: "TFR-AWS-NET-005",
    ExposureKind.WEB: "TFR-AWS-NET-003",
    ExposureKind.WIDE: "TFR-AWS-NET-010",
}


def ingress_rule_id(found: Exposure) -> str | None:
    """The one rule that reports an inbound exposure (severity by what is exposed), or None."""
    if found.kind is ExposureKind.ADMIN:
        names = {s.name for s in found.services}
        return SSH_RULE if "SSH" in names else RDP_RULE if "RDP" in names else ADMIN_RULE
    return _RULE_BY_KIND.get(found.kind)


def _exposure_rule(rule_id: str, title: str, severity: Severity, checkov: str | None, why: str) -> None:
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
            if rule.rule_id == rule_id:
                yield Hit(
                    f"{rc.address} allows {rule.exposure.describe()} from {rule.cidr}.",
                    attribute=rule.attribute,
                    key=rule.exposure.key(rule.cidr),
                )

    REGISTRY.posture(meta, *SG_TYPES)(check)


# One finding per exposure (rule and source): a range reaching SSH and MySQL is one SSH finding naming both.
_exposure_rule(
    SSH_RULE,
    "Security group allows SSH from the internet",
    Severity.HIGH,
    "CKV_AWS_24",
    "SSH (TCP 22) open to 0.0.0.0/0 or ::/0 is scanned and brute-forced within minutes.",
)
_exposure_rule(
    RDP_RULE,
    "Security group allows RDP from the internet",
    Severity.HIGH,
    "CKV_AWS_25",
    "RDP (TCP/UDP 3389) open to the internet is a leading ransomware entry point.",
)
_exposure_rule(
    ADMIN_RULE,
    "Security group allows a remote administration port from the internet",
    Severity.HIGH,
    None,
    "Telnet, VNC and WinRM open to the internet give attackers a login prompt to brute-force or exploit.",
)
_exposure_rule(
    "TFR-AWS-NET-003",
    "Security group allows HTTP from the internet",
    Severity.LOW,
    "CKV_AWS_260",
    "Plain HTTP from the internet is unencrypted; public services should redirect to HTTPS at a load balancer.",
)
_exposure_rule(
    "TFR-AWS-NET-004",
    "Security group allows all ports from the internet",
    Severity.HIGH,
    "CKV_AWS_277",
    "Every port (protocol -1, or TCP/UDP 0-65535 or 1-65535) open to 0.0.0.0/0 or ::/0 exposes every service "
    "on the attached instances.",
)
_exposure_rule(
    "TFR-AWS-NET-005",
    "Security group allows a database port from the internet",
    Severity.HIGH,
    None,
    "Database ports open to the internet expose data stores to credential stuffing and exploits.",
)
_exposure_rule(
    "TFR-AWS-NET-010",
    "Security group allows a wide port range from the internet",
    Severity.MEDIUM,
    None,
    f"A range of {WIDE_RANGE}+ ports open to the internet exposes whatever listens in it, now or later.",
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
        if rule.direction == "egress" and rule.exposure.kind is ExposureKind.ALL_PORTS:
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


NACL_TYPES = ("aws_network_acl_rule", "aws_network_acl", "aws_default_network_acl")


@dataclass(frozen=True, slots=True)
class _AclEntry:
    attribute: str
    egress: bool
    allow: bool
    number: int | None
    cidrs: tuple[str, ...]
    exposure: Exposure


def _acl_entries(state: State, rc: ResourceChange) -> Iterator[_AclEntry]:
    if rc.type == "aws_network_acl_rule":
        blocks: list[tuple[str, State, bool]] = [("", state, state.get("egress") is True)]
        number_key, action_key = "rule_number", "rule_action"
    else:
        blocks = [(f"{d}[{i}]", b, d == "egress") for d in ("ingress", "egress") for i, b in state.each(d)]
        number_key, action_key = "rule_no", "action"
    for attribute, block, egress in blocks:
        found = exposure(block.get("protocol"), block.get("from_port"), block.get("to_port"))
        action = block.get(action_key)
        if found is None or not isinstance(action, str):
            continue
        cidrs = tuple(_open_cidrs(block, "cidr_block", "ipv6_cidr_block"))
        yield _AclEntry(
            attribute, egress, action.lower() == "allow", as_int(block.get(number_key)), cidrs, found
        )


def _denied_first(entry: _AclEntry, entries: list[_AclEntry], service: Service) -> bool:
    """A lower-numbered deny of the same ACL from the internet already drops this service's traffic."""
    for other in entries:
        if other.allow or other.egress or not other.cidrs or other.number is None or entry.number is None:
            continue
        ports = other.exposure.ports
        same_protocol = other.exposure.protocol in ("all", entry.exposure.protocol)
        if other.number < entry.number and same_protocol and ports and ports[0] <= service.port <= ports[1]:
            return True
    return False


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-NET-011",
        title="Network ACL allows admin ports from the internet",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        rationale="A network ACL entry that explicitly lets SSH, RDP, WinRM, Telnet or VNC in from 0.0.0.0/0 "
        "or ::/0 removes the subnet-level guard; one permissive security group is then enough. (An ACL allowing "
        "everything is AWS's default and is left to the security group rules.)",
        remediation="Allow admin ports only from known ranges (VPN, bastion) or remove the entry; use SSM "
        "Session Manager instead of inbound admin ports.",
    ),
    *NACL_TYPES,
)
def nacl_admin_ports(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    entries = list(_acl_entries(state, rc))
    for entry in entries:
        if entry.egress or not entry.allow or entry.exposure.kind is not ExposureKind.ADMIN:
            continue
        admin = [s for s in entry.exposure.services if s.kind is ExposureKind.ADMIN]
        if all(_denied_first(entry, entries, service) for service in admin):
            continue
        for cidr in entry.cidrs:
            yield Hit(
                f"{rc.address} allows {entry.exposure.describe()} from {cidr}.",
                attribute=entry.attribute or ("cidr_block" if ":" not in cidr else "ipv6_cidr_block"),
                key=entry.exposure.key(cidr),
            )
