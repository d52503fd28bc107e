"""Small helpers for writing posture rules: value tests that respect unknowns, port and CIDR logic."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext


def update_sides(rc: ResourceChange) -> tuple[State, State] | None:
    """The current and planned values of an in-place update (after with its unknown marks); None for any
    other change, or when either side is not an object."""
    if rc.action is not Action.UPDATE or type(rc.before) is not dict or type(rc.after) is not dict:
        return None
    return State(rc.before), State(rc.after, rc.after_unknown)


OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0", "*", "0.0.0.0", "internet", "any", "0.0.0.0/0,::/0"})

ALL_PROTOCOLS = "all"
TCP, UDP, ICMP = "tcp", "udp", "icmp"
# Terraform spells protocols by name or IANA number, in any case, per provider ("-1"/"all"/"*" = every protocol).
_PROTOCOLS = {
    "-1": ALL_PROTOCOLS,
    "all": ALL_PROTOCOLS,
    "*": ALL_PROTOCOLS,
    "any": ALL_PROTOCOLS,
    "tcp": TCP,
    "6": TCP,
    "udp": UDP,
    "17": UDP,
    "icmp": ICMP,
    "1": ICMP,
    "icmpv6": ICMP,
    "ipv6-icmp": ICMP,
    "58": ICMP,
}
FULL_RANGE = (0, 65535)
# A range this wide, from the internet, is a blanket opening even when no known service is in it.
WIDE_RANGE = 1000


class ExposureKind(StrEnum):
    """What an inbound rule from the internet exposes, most severe first."""

    ALL_PORTS = "all_ports"
    ADMIN = "admin"
    DATABASE = "database"
    WEB = "web"
    WIDE = "wide"
    OTHER = "other"  # a few ports of no known risky service (a public service port)
    NONE = "none"  # no ports at all: ICMP, or another protocol such as ESP or GRE


@dataclass(frozen=True, slots=True)
class Service:
    port: int
    name: str
    protocols: frozenset[str]
    kind: ExposureKind


def _services(kind: ExposureKind, *items: tuple[int, str, str]) -> list[Service]:
    return [Service(port, name, frozenset(protocols.split("/")), kind) for port, name, protocols in items]


# Which transport each well-known service really listens on: UDP 22 is not SSH, while RDP also speaks UDP.
SERVICES: tuple[Service, ...] = (
    *_services(
        ExposureKind.ADMIN,
        (22, "SSH", "tcp"),
        (23, "Telnet", "tcp"),
        (3389, "RDP", "tcp/udp"),
        (5900, "VNC", "tcp"),
        (5985, "WinRM", "tcp"),
        (5986, "WinRM over HTTPS", "tcp"),
    ),
    *_services(
        ExposureKind.DATABASE,
        (1433, "SQL Server", "tcp"),
        (1521, "Oracle", "tcp"),
        (2375, "Docker API", "tcp"),
        (3306, "MySQL", "tcp"),
        (5432, "PostgreSQL", "tcp"),
        (5439, "Redshift", "tcp"),
        (6379, "Redis", "tcp"),
        (9042, "Cassandra", "tcp"),
        (9200, "Elasticsearch", "tcp"),
        (11211, "Memcached", "tcp/udp"),
        (27017, "MongoDB", "tcp"),
    ),
    *_services(ExposureKind.WEB, (80, "HTTP", "tcp")),
)
_KIND_ORDER = {kind: i for i, kind in enumerate(ExposureKind)}


@dataclass(frozen=True, slots=True)
class Exposure:
    """What one rule admitting traffic exposes: its protocol, port range and the services in it."""

    protocol: str
    ports: tuple[int, int] | None
    kind: ExposureKind
    services: tuple[Service, ...] = ()

    def describe(self) -> str:
        """`SSH (tcp/22)`, `all ports`, `tcp ports 20-3400 (SSH 22, RDP 3389, ...)`."""
        if self.kind is ExposureKind.ALL_PORTS:
            return "all ports" if self.protocol == ALL_PROTOCOLS else f"all {self.protocol.upper()} ports"
        if self.ports is None:
            return self.protocol
        low, high = self.ports
        where = f"{self.protocol}/{low}" if low == high else f"{self.protocol} ports {low}-{high}"
        if not self.services:
            return where
        names = ", ".join(f"{s.name} {s.port}" for s in self.services[:8])
        more = f" and {len(self.services) - 8} more" if len(self.services) > 8 else ""
        if low == high:
            return f"{self.services[0].name} ({where})"
        return f"{where} ({names}{more})"

    def key(self, source: str) -> str:
        """The exposure's identity across before and after: protocol, ports and source."""
        return f"{self.protocol}|{self.ports}|{source}"


def protocol_name(value: Any) -> str | None:
    """`all`, `tcp`, `udp`, `icmp` or the lower-cased protocol; None when unknown or absent."""
    if value is UNKNOWN or value is None or isinstance(value, bool):
        return None
    text = str(value).strip().lower()
    return _PROTOCOLS.get(text, text) if text else None


def exposure(protocol: Any, from_port: Any, to_port: Any) -> Exposure | None:
    """Classify a rule's protocol and port range (protocol-aware); None when either is unknown."""
    name = protocol_name(protocol)
    if name is None or from_port is UNKNOWN or to_port is UNKNOWN:
        return None
    if name == ALL_PROTOCOLS:
        return Exposure(ALL_PROTOCOLS, FULL_RANGE, ExposureKind.ALL_PORTS)
    if name not in (TCP, UDP):
        # ICMP's from_port -1 is "every ICMP type", not every port; ESP/GRE/... have no ports either.
        return Exposure(name, None, ExposureKind.NONE)
    low, high = as_int(from_port), as_int(to_port)
    if low is None and high is None:
        return None
    low = low if low is not None else high
    high = high if high is not None else low
    assert low is not None and high is not None
    if low < 0 or high < 0:
        low, high = FULL_RANGE  # -1 on TCP/UDP means every port
    return classify_ports(name, (low, high))


def classify_ports(protocol: str, ports: tuple[int, int]) -> Exposure:
    """The exposure of a TCP or UDP port range (0-65535 and 1-65535 are both every port)."""
    if type(ports[0]) is int and type(ports[1]) is int:  # not an int subclass, which may print otherwise
        return _classified(protocol, ports)
    return _classify(protocol, ports)


# Plans repeat the same few rules (tcp/22, tcp/443) on thousands of groups, each read before and after; an
# Exposure is immutable, so one per range serves them all.
@lru_cache(maxsize=4096)
def _classified(protocol: str, ports: tuple[int, int]) -> Exposure:
    return _classify(protocol, ports)


def _classify(protocol: str, ports: tuple[int, int]) -> Exposure:
    low, high = ports
    if low <= 1 and high >= 65535:
        return Exposure(protocol, FULL_RANGE, ExposureKind.ALL_PORTS)
    services = tuple(s for s in SERVICES if low <= s.port <= high and protocol in s.protocols)
    if services:
        kind = min((s.kind for s in services), key=_KIND_ORDER.__getitem__)
        # Name the services of the worst kind first, then the rest, each in port order.
        services = tuple(sorted(services, key=lambda s: (_KIND_ORDER[s.kind], s.port)))
    elif high - low + 1 >= WIDE_RANGE:
        kind = ExposureKind.WIDE
    else:
        kind = ExposureKind.OTHER
    return Exposure(protocol, (low, high), kind, services)


def range_exposures(protocol: Any, ranges: list[tuple[int, int]]) -> list[Exposure] | None:
    """The exposures of one rule listing several port ranges (Azure, GCP); None when the protocol is unknown."""
    name = protocol_name(protocol)
    if name is None:
        return None
    if name == ALL_PROTOCOLS:
        return [Exposure(ALL_PROTOCOLS, FULL_RANGE, ExposureKind.ALL_PORTS)]
    if name not in (TCP, UDP):
        return [Exposure(name, None, ExposureKind.NONE)]
    return [classify_ports(name, ports) for ports in ranges]


def worst(exposures: list[Exposure]) -> Exposure | None:
    """The most severe of several exposures (all ports, then admin, database, web, wide, other, none)."""
    return min(exposures, key=lambda e: _KIND_ORDER[e.kind], default=None)


RISKY_EXPOSURES = frozenset({ExposureKind.ALL_PORTS, ExposureKind.ADMIN, ExposureKind.DATABASE})


def describe_exposures(exposures: list[Exposure]) -> str:
    """The risky parts of a multi-range rule in one phrase, worst first."""
    risky = sorted((e for e in exposures if e.kind in RISKY_EXPOSURES), key=lambda e: _KIND_ORDER[e.kind])
    return "; ".join(e.describe() for e in risky) or "; ".join(e.describe() for e in exposures)


def opens_risky(exposures: list[Exposure]) -> bool:
    """True when the worst of a rule's exposures is every port, an admin port (SSH, RDP) or a database port."""
    found = worst(exposures)
    return found is not None and found.kind in RISKY_EXPOSURES


def opens_wide(exposures: list[Exposure]) -> bool:
    """True when the worst of a rule's exposures is a wide range with no known risky service in it."""
    found = worst(exposures)
    return found is not None and found.kind is ExposureKind.WIDE


def risky_names(exposures: list[Exposure]) -> list[str]:
    """What a rule's risky exposures open, worst first, in words: `all ports`, `SSH`, `SQL Server`."""
    names: list[str] = []
    for found in sorted(exposures, key=lambda e: _KIND_ORDER[e.kind]):
        if found.kind is ExposureKind.ALL_PORTS:
            names.append("all ports")
        elif found.kind in RISKY_EXPOSURES:
            names.extend(s.name for s in found.services if s.kind in RISKY_EXPOSURES)
    return list(dict.fromkeys(names))


def port_spec(spec: object) -> tuple[int, int] | None:
    """A port or range as Azure and GCP write it (`22`, `"22"`, `"1000-2000"`); None when it is neither."""
    if not isinstance(spec, str | int) or isinstance(spec, bool):
        return None
    text = str(spec)
    if "-" in text:
        low, high = (as_int(p) for p in text.split("-", 1))
        return (low, high) if low is not None and high is not None else None
    port = as_int(text)
    return (port, port) if port is not None else None


def attribute_name(path: tuple[str | int, ...]) -> str:
    """A nested path as an attribute name, without its list indices: ("a", 0, "b") -> "a.b"."""
    return ".".join(part for part in path if type(part) is str)


def is_open_cidr(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in OPEN_CIDRS


def known(value: Any) -> bool:
    """A value that is neither unknown nor absent."""
    return value is not UNKNOWN and value is not None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():  # isdigit() also passes "²"
        return int(value)
    return None


def simple_posture(
    meta: RuleMeta,
    types: tuple[str, ...],
    path: tuple[str | int, ...],
    is_bad: Callable[[Any], bool],
    message: Callable[[ResourceChange, Any], str],
    *,
    when: Callable[[State], bool] | None = None,
) -> None:
    """Register a rule that flags one attribute whose known value `is_bad` (unknown values never flag)."""
    attribute = ".".join(str(p) for p in path)

    def check(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        if when is not None and not when(state):
            return
        value = state.get(*path)
        if value is not UNKNOWN and is_bad(value):
            yield Hit(message(rc, value), attribute=attribute)

    REGISTRY.posture(meta, *types)(check)


def is_false(value: Any) -> bool:
    return value is False


def is_true(value: Any) -> bool:
    return value is True


def empty_block(value: Any) -> bool:
    """A nested block that is absent or empty (known)."""
    return value is None or value == [] or value == {}


def empty_string(value: Any) -> bool:
    return value is None or value == ""


def task_containers(state: State) -> list[dict[str, Any]]:
    """An ECS task definition's container definitions, parsed once per state; [] when unknown or invalid."""

    def build() -> list[dict[str, Any]]:
        text = state.get("container_definitions")
        if not isinstance(text, str):
            return []
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return []
        return [c for c in parsed if isinstance(c, dict)] if isinstance(parsed, list) else []

    return state.memo("ecs_containers", build)
