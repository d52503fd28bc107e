"""Changes with no way back: Kubernetes and database version upgrades, retention policies locked for good."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext

Path = tuple[str | int, ...]
_NUMBERS = re.compile(r"\d+")
_ENGINE = re.compile(r"^([A-Za-z]+)_")


@dataclass(frozen=True, slots=True)
class VersionScheme:
    """How a version string reads: which leading numbers make a release one cannot go back from."""

    name: str  # what the version is of, for the message
    significant: int  # leading numbers that change only by an irreversible upgrade
    why: str  # why there is no way back, after "; "
    engines: dict[str, int] | None = None  # Cloud SQL style "ENGINE_14": significant numbers per engine


def _release(scheme: VersionScheme, value: Any) -> tuple[str, tuple[int, ...]] | None:
    """(engine, the significant numbers) of a version string; None when it is no version (`latest`)."""
    if type(value) is not str:
        return None
    engine, significant = "", scheme.significant
    if scheme.engines is not None:
        match = _ENGINE.match(value)
        if match is None or match.group(1).upper() not in scheme.engines:
            return None
        engine = match.group(1).upper()
        significant = scheme.engines[engine]
    numbers = tuple(int(n) for n in _NUMBERS.findall(value)[:significant])
    return (engine, numbers) if len(numbers) == significant else None


KUBERNETES = VersionScheme(
    "Kubernetes",
    2,
    "a Kubernetes minor version cannot be downgraded, and APIs removed in it break the workloads still "
    "using them",
)
_MAJOR_DB = "a major version upgrade cannot be rolled back (only restored from a backup taken before it)"
CLOUD_SQL = VersionScheme(
    "the database engine", 1, _MAJOR_DB, engines={"POSTGRES": 1, "MYSQL": 2, "SQLSERVER": 1}
)
POSTGRES = VersionScheme("PostgreSQL", 1, _MAJOR_DB)
MYSQL = VersionScheme("MySQL", 2, _MAJOR_DB)
REDIS = VersionScheme("Redis", 1, "a Redis major version cannot be downgraded", engines={"REDIS": 1})
AZURE_REDIS = VersionScheme("Redis", 1, "a Redis major version cannot be downgraded")

# type -> (attribute path, its scheme) for every version an in-place update can move forward.
VERSIONS: dict[str, tuple[tuple[Path, VersionScheme], ...]] = {
    "google_container_cluster": ((("min_master_version",), KUBERNETES), (("node_version",), KUBERNETES)),
    "google_container_node_pool": ((("version",), KUBERNETES),),
    "azurerm_kubernetes_cluster": (
        (("kubernetes_version",), KUBERNETES),
        (("default_node_pool", 0, "orchestrator_version"), KUBERNETES),
    ),
    "azurerm_kubernetes_cluster_node_pool": ((("orchestrator_version",), KUBERNETES),),
    "google_sql_database_instance": ((("database_version",), CLOUD_SQL),),
    "google_alloydb_cluster": ((("database_version",), CLOUD_SQL),),
    "azurerm_postgresql_flexible_server": ((("version",), POSTGRES),),
    "azurerm_mysql_flexible_server": ((("version",), MYSQL),),
    "google_redis_instance": ((("redis_version",), REDIS),),
    "azurerm_redis_cache": ((("redis_version",), AZURE_REDIS),),
}


def _locked(value: Any) -> bool:
    return value is True


def _locked_state(value: Any) -> bool:
    return type(value) is str and value.lower() == "locked"


@dataclass(frozen=True, slots=True)
class Lock:
    """A retention or immutability setting that, once on, can never be turned off or shortened."""

    path: Path
    on: Callable[[Any], bool]
    effect: str


_RETENTION = (
    "its retention period can never be removed or shortened, and it cannot be deleted until every object in "
    "it has aged out"
)
LOCKS: dict[str, Lock] = {
    "google_storage_bucket": Lock(
        ("retention_policy", 0, "is_locked"), _locked, f"the bucket's {_RETENTION}"
    ),
    "google_logging_project_bucket_config": Lock(
        ("locked",),
        _locked,
        "the log bucket is locked: its retention can never be changed and it cannot be deleted",
    ),
    "azurerm_storage_container_immutability_policy": Lock(
        ("locked",), _locked, f"the container's immutability policy is locked: {_RETENTION}"
    ),
    "azurerm_storage_account": Lock(
        ("immutability_policy", 0, "state"),
        _locked_state,
        f"the account's immutability policy is locked: {_RETENTION}",
    ),
}


def _label(path: Path) -> str:
    return ".".join(str(part) for part in path if type(part) is str)


def _upgrades(rc: ResourceChange, before: State, after: State) -> Iterator[Hit]:
    for path, scheme in VERSIONS.get(rc.type, ()):
        new = after.get(*path)
        if new is UNKNOWN:
            continue
        old_release, new_release = _release(scheme, before.get(*path)), _release(scheme, new)
        if old_release is None or new_release is None or old_release[0] != new_release[0]:
            continue
        if new_release[1] > old_release[1]:
            old = ".".join(map(str, old_release[1]))
            yield Hit(
                f"{rc.address}: {scheme.name} is upgraded in place from {old} to "
                f"{'.'.join(map(str, new_release[1]))} ({_label(path)} = {new}); {scheme.why}.",
                attribute=_label(path),
                key=_label(path),
            )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-021",
        title="Irreversible change: version upgrade or locked retention",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="A Kubernetes minor or database major version upgrade cannot be undone: if workloads or "
        "queries break on the new version, the only way back is a restore or a new cluster. A locked retention "
        "or immutability policy can never be removed or shortened, and keeps the data (and its cost) until "
        "it expires.",
        remediation="Upgrade a staging copy first and check removed APIs or incompatible features; take a backup "
        "just before a database upgrade; lock retention only once its period is certain.",
        resource_types=tuple(sorted({*VERSIONS, *LOCKS})),
    ),
    *sorted({*VERSIONS, *LOCKS}),
    actions=(Action.UPDATE,),
)
def one_way_change(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.UPDATE or type(rc.before) is not dict or type(rc.after) is not dict:
        return
    before, after = State(rc.before), State(rc.after, rc.after_unknown)
    yield from _upgrades(rc, before, after)
    lock = LOCKS.get(rc.type)
    if lock is not None:
        value = after.get(*lock.path)
        if value is not UNKNOWN and lock.on(value) and not lock.on(before.get(*lock.path)):
            yield Hit(f"{rc.address}: {lock.effect}.", attribute=_label(lock.path), key="lock")
