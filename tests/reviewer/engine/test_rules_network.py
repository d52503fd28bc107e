"""Protocol-aware network rules: ICMP has no ports, UDP 22 is not SSH, one finding per exposure."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import Finding, RiskLevel
from tests.reviewer.engine.plans import change, plan


def network_findings(*changes: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(plan(*changes)).result.findings if f.category.value == "network"]


def sg_rule(protocol: str, low: int, high: int, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    return {
        "from_port": low,
        "to_port": high,
        "protocol": protocol,
        "cidr_blocks": [cidr] if ":" not in cidr else [],
        "ipv6_cidr_blocks": [cidr] if ":" in cidr else [],
    }


def sg(*ingress: dict[str, Any], egress: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return change("aws_security_group", {"name": "web", "ingress": list(ingress), "egress": egress or []})


@pytest.mark.parametrize("protocol", ["icmp", "ICMP", "1", "icmpv6", "58"])
def test_icmp_is_not_all_ports(protocol: str) -> None:
    # Before: from_port -1 on ICMP was "all ports open, HIGH".
    cidr = "::/0" if protocol in ("icmpv6", "58") else "0.0.0.0/0"
    assert network_findings(sg(sg_rule(protocol, -1, -1, cidr))) == []
    assert network_findings(sg(egress=[sg_rule(protocol, -1, -1, cidr)])) == []
    rule = {"type": "ingress", **sg_rule(protocol, 8, 0, cidr)}
    assert network_findings(change("aws_security_group_rule", rule)) == []
    vpc_rule = {"cidr_ipv4": "0.0.0.0/0", "from_port": -1, "to_port": -1, "ip_protocol": protocol}
    assert network_findings(change("aws_vpc_security_group_ingress_rule", vpc_rule)) == []


def test_udp_22_is_not_ssh_but_udp_3389_is_rdp() -> None:
    assert network_findings(sg(sg_rule("udp", 22, 22))) == []
    assert network_findings(sg(sg_rule("17", 5432, 5432))) == []
    [rdp] = network_findings(sg(sg_rule("udp", 3389, 3389)))
    assert rdp.rule_id == "TFR-AWS-NET-002" and "udp/3389" in rdp.message
    [memcached] = network_findings(sg(sg_rule("udp", 11211, 11211)))
    assert memcached.rule_id == "TFR-AWS-NET-005"


@pytest.mark.parametrize(
    ("protocol", "low", "high"),
    [("tcp", 1, 65535), ("tcp", 0, 65535), ("6", 0, 65535), ("-1", 0, 0), ("all", 0, 0), ("tcp", -1, -1)],
)
def test_every_spelling_of_all_ports_is_one_high_finding(protocol: str, low: int, high: int) -> None:
    # Before: TCP 1-65535 gave a dozen HIGH findings (SSH, RDP, each database) and a CRITICAL level.
    result = review_plan(plan(sg(sg_rule(protocol, low, high)))).result
    found = [f for f in result.findings if f.category.value == "network"]
    assert [f.rule_id for f in found] == ["TFR-AWS-NET-004"]
    assert "all" in found[0].message and "ports" in found[0].message
    assert result.risk.level is RiskLevel.HIGH


def test_udp_all_ports_is_one_finding_saying_udp() -> None:
    [finding] = network_findings(sg(sg_rule("udp", 0, 65535)))
    assert finding.rule_id == "TFR-AWS-NET-004" and "all UDP ports" in finding.message


def test_one_finding_per_exposure_naming_what_is_exposed() -> None:
    found = network_findings(sg(sg_rule("tcp", 20, 3389), sg_rule("tcp", 20, 3389, "::/0")))
    assert [f.rule_id for f in found] == ["TFR-AWS-NET-001", "TFR-AWS-NET-001"]
    assert (
        "SSH 22" in found[0].message and "RDP 3389" in found[0].message and "MySQL 3306" in found[0].message
    )
    assert {f.message.split(" from ", 1)[1].split(". ", 1)[0] for f in found} == {"0.0.0.0/0", "::/0"}


@pytest.mark.parametrize(
    ("low", "high", "rule_id"),
    [
        (22, 22, "TFR-AWS-NET-001"),
        (3389, 3389, "TFR-AWS-NET-002"),
        (23, 23, "TFR-AWS-NET-009"),
        (5900, 5900, "TFR-AWS-NET-009"),
        (6379, 6379, "TFR-AWS-NET-005"),
        (80, 80, "TFR-AWS-NET-003"),
        (30000, 32767, "TFR-AWS-NET-010"),
        (443, 443, None),
        (8000, 8100, None),
    ],
)
def test_severity_by_what_is_exposed(low: int, high: int, rule_id: str | None) -> None:
    assert [f.rule_id for f in network_findings(sg(sg_rule("tcp", low, high)))] == (
        [rule_id] if rule_id else []
    )


def test_unknown_protocol_is_not_reported() -> None:
    entry = change(
        "aws_security_group",
        {"ingress": [{**sg_rule("tcp", 22, 22), "protocol": None}]},
        after_unknown={"ingress": [{"protocol": True}]},
    )
    assert network_findings(entry) == []


def acl_rule(
    number: int, action: str, low: int, high: int, protocol: str = "tcp", **extra: Any
) -> dict[str, Any]:
    return {
        "rule_no": number,
        "action": action,
        "protocol": protocol,
        "cidr_block": "0.0.0.0/0",
        "from_port": low,
        "to_port": high,
        **extra,
    }


def test_network_acl_admin_ports() -> None:
    def acl(*ingress: dict[str, Any], egress: list[dict[str, Any]] | None = None) -> list[Finding]:
        return network_findings(change("aws_network_acl", {"ingress": list(ingress), "egress": egress or []}))

    [ssh] = acl(acl_rule(100, "allow", 20, 25))
    assert ssh.rule_id == "TFR-AWS-NET-011" and ssh.attribute == "ingress[0]" and "SSH" in ssh.message
    # A lower-numbered deny drops the traffic first; AWS's default allow-all is left to security groups.
    assert acl(acl_rule(100, "allow", 22, 22), acl_rule(90, "deny", 0, 1024)) == []
    assert [f.rule_id for f in acl(acl_rule(100, "allow", 22, 22), acl_rule(110, "deny", 22, 22))] == [
        "TFR-AWS-NET-011"
    ]
    assert acl(acl_rule(100, "allow", 0, 0, "-1")) == []
    assert acl(acl_rule(100, "allow", 22, 22, "udp")) == []
    assert acl(acl_rule(100, "allow", -1, -1, "icmp")) == []
    assert acl(egress=[acl_rule(100, "allow", 22, 22)]) == []
    assert acl(acl_rule(100, "deny", 22, 22)) == []


def test_network_acl_rule_resource_ingress_only() -> None:
    rule = {"rule_number": 10, "protocol": "6", "rule_action": "allow", "ipv6_cidr_block": "::/0"}
    [found] = network_findings(
        change("aws_network_acl_rule", {**rule, "egress": False, "from_port": 3389, "to_port": 3389})
    )
    assert found.attribute == "ipv6_cidr_block" and "RDP" in found.message
    assert (
        network_findings(
            change("aws_network_acl_rule", {**rule, "egress": True, "from_port": 22, "to_port": 22})
        )
        == []
    )


def nsg(protocol: str, *ports: str) -> dict[str, Any]:
    return change(
        "azurerm_network_security_rule",
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": protocol,
            "source_address_prefix": "Internet",
            "destination_port_range": "",
            "destination_port_ranges": list(ports),
        },
    )


def test_azure_nsg_is_protocol_aware_and_one_finding_per_rule() -> None:
    assert network_findings(nsg("Udp", "22")) == []
    assert network_findings(nsg("Icmp", "*")) == []
    [every] = network_findings(nsg("*", "*"))
    assert every.rule_id == "TFR-AZ-003" and "all ports" in every.message
    [admin] = network_findings(nsg("Tcp", "22", "3389", "443"))
    assert "SSH" in admin.message and "RDP" in admin.message
    [winrm] = network_findings(nsg("Tcp", "5986"))
    assert "WinRM" in winrm.message


def firewall(*allow: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return change("google_compute_firewall", {"source_ranges": ["0.0.0.0/0"], "allow": list(allow), **extra})


def test_gcp_firewall_is_protocol_aware_and_one_finding_per_allow() -> None:
    assert network_findings(firewall({"protocol": "udp", "ports": ["22"]})) == []
    assert network_findings(firewall({"protocol": "icmp", "ports": []})) == []
    [tcp_all] = network_findings(firewall({"protocol": "tcp", "ports": []}))
    assert tcp_all.rule_id == "TFR-GCP-002" and "all TCP ports" in tcp_all.message
    [ranges] = network_findings(firewall({"protocol": "tcp", "ports": ["22", "3389", "8000-8080"]}))
    assert "SSH" in ranges.message and "RDP" in ranges.message
    assert network_findings(firewall({"protocol": "all", "ports": []}, disabled=True)) == []


@pytest.mark.parametrize(("cidr", "attribute"), [("0.0.0.0/0", "cidr_blocks"), ("::/0", "ipv6_cidr_blocks")])
def test_a_separate_rule_finding_names_the_attribute_that_holds_the_open_range(
    cidr: str, attribute: str
) -> None:
    [found] = network_findings(
        change("aws_security_group_rule", {"type": "ingress", **sg_rule("tcp", 22, 22, cidr)})
    )
    assert found.rule_id == "TFR-AWS-NET-001" and found.attribute == attribute
