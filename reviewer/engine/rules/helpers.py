"""Small helpers for writing posture rules: value tests that respect unknowns, port and CIDR logic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0", "*", "0.0.0.0", "internet", "any", "0.0.0.0/0,::/0"})
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
DATABASE_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    3306: "MySQL",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    9042: "Cassandra",
    9200: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
}


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
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def port_range(from_port: Any, to_port: Any, protocol: Any) -> tuple[int, int] | None:
    """The covered port range; all ports for protocol -1/all; None when unknown."""
    if from_port is UNKNOWN or to_port is UNKNOWN or protocol is UNKNOWN:
        return None
    if isinstance(protocol, str) and protocol.lower() in ("-1", "all", "*"):
        return (0, 65535)
    low, high = as_int(from_port), as_int(to_port)
    if low is None and high is None:
        return None
    low = low if low is not None else high
    high = high if high is not None else low
    assert low is not None and high is not None
    if low == -1 or (low <= 0 and high >= 65535):
        return (0, 65535)
    return (low, high)


def is_all_ports(ports: tuple[int, int]) -> bool:
    return ports[0] <= 0 and ports[1] >= 65535


def covers(ports: tuple[int, int], port: int) -> bool:
    return ports[0] <= port <= ports[1]


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
