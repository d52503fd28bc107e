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
from reviewer.engine.rules.helpers import attribute_name, is_true, update_sides

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


def _locked_state(value: Any) -> bool:
    return type(value) is str and value.lower() == "locked"


@dataclass(frozen=True, slots=True)
class Lock:
    """A retention or immutability setting that, once on, can never be turned off or shortened."""

    path: Path
    on: Callable[[Any], bool]
    effect: str


_RETENTION = (
    "its retention period can never be removed or shortened, and nothing under it can be deleted before it "
    "ages out"
)
LOCKS: dict[str, Lock] = {
    "google_storage_bucket": Lock(
        ("retention_policy", 0, "is_locked"),
        is_true,
        f"the bucket's retention policy is locked: {_RETENTION}",
    ),
    "google_logging_project_bucket_config": Lock(
        ("locked",),
        is_true,
        "the log bucket is locked: its retention can never be changed and it cannot be deleted",
    ),
    "azurerm_storage_container_immutability_policy": Lock(
        ("locked",), is_true, f"the container's immutability policy is locked: {_RETENTION}"
    ),
    "azurerm_storage_account": Lock(
        ("immutability_policy", 0, "state"),
        _locked_state,
        f"the account's immutability policy is locked: {_RETENTION}",
    ),
}


def _aws_numbers(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _NUMBERS.findall(version))


def _leading(count: int) -> Callable[[str, str], tuple[int, ...]]:
    """The release line is the first `count` numbers: `8.0` of MySQL 8.0.39, `7` of Redis 7.1."""
    return lambda engine, version: _aws_numbers(version)[:count]


def _database_line(engine: str, version: str) -> tuple[int, ...]:
    # PostgreSQL counts majors by its first number since 10 (9.6 was a major of its own); MySQL, MariaDB,
    # Oracle and SQL Server by the first two (5.7 -> 8.0, 10.6 -> 10.11, 19.0, 15.00). Aurora MySQL writes
    # `8.0.mysql_aurora.3.05.2`: its line is the MySQL one in front.
    numbers = _aws_numbers(version)
    if "postgres" in engine and numbers[:1] and numbers[0] >= 10:
        return numbers[:1]
    return numbers[:2]


def _search_engine(version: str) -> str:
    """`OpenSearch` of `OpenSearch_2.11`, `Elasticsearch` of `Elasticsearch_7.10`; "" when it names none."""
    return version.split("_", 1)[0] if "_" in version else ""


@dataclass(frozen=True, slots=True)
class Upgrade:
    """Where a type keeps its engine and version, and what counts as a new release line."""

    version: str
    line: Callable[[str, str], tuple[int, ...]]
    what: str  # what cannot go back, in words
    engine: str | None = None  # the attribute naming the engine, where one type runs several
    engine_of_version: Callable[[str], str] | None = None  # the engine, when the version names it
    # The type has apply_immediately (else it applies at once, or on its own schedule).
    apply_now: bool = False


_DATABASE = "the database cannot be downgraded in place (only restored from a snapshot taken before)"
_CACHE = "the cache cannot be downgraded in place (only re-created from a backup)"
_SEARCH = "the domain cannot be downgraded (only restored from a snapshot into a new domain)"
AWS_UPGRADES: dict[str, Upgrade] = {
    "aws_eks_cluster": Upgrade(
        "version",
        _leading(2),
        "the control plane cannot be downgraded, and APIs removed in the new version break the workloads "
        "and add-ons that still call them",
    ),
    **dict.fromkeys(
        ("aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"),
        Upgrade("engine_version", _database_line, _DATABASE, engine="engine", apply_now=True),
    ),
    **dict.fromkeys(
        ("aws_elasticache_replication_group", "aws_elasticache_cluster"),
        Upgrade("engine_version", _leading(1), _CACHE, engine="engine", apply_now=True),
    ),
    "aws_memorydb_cluster": Upgrade("engine_version", _leading(1), _CACHE, engine="engine"),
    "aws_opensearch_domain": Upgrade(
        "engine_version", _leading(1), _SEARCH, engine_of_version=_search_engine
    ),
    "aws_elasticsearch_domain": Upgrade("elasticsearch_version", _leading(1), _SEARCH),
}


def _text(state: State, attribute: str | None) -> str | None:
    if attribute is None:
        return ""
    value = state.get(attribute)
    return value if isinstance(value, str) and value else None


def _aws_upgrades(rc: ResourceChange, before: State, after: State) -> Iterator[Hit]:
    """AWS engines: a new major line, or a move to another engine (Redis to Valkey, Elasticsearch to
    OpenSearch), which has no way back either."""
    upgrade = AWS_UPGRADES.get(rc.type)
    if upgrade is None:
        return
    old, new = _text(before, upgrade.version), _text(after, upgrade.version)
    old_engine, new_engine = _text(before, upgrade.engine), _text(after, upgrade.engine)
    if old is None or new is None or old_engine is None or new_engine is None:
        return  # unknown or unset: nothing to compare
    if old == new and old_engine == new_engine:
        return
    if upgrade.engine_of_version is not None:
        old_engine, new_engine = upgrade.engine_of_version(old), upgrade.engine_of_version(new)
    if old_engine != new_engine:
        yield Hit(
            f"{rc.address} moves from {old_engine} {old} to {new_engine} {new}: {upgrade.what}.",
            attribute=upgrade.engine or upgrade.version,
        )
        return
    old_line, new_line = upgrade.line(old_engine, old), upgrade.line(new_engine, new)
    if old_line and new_line and new_line > old_line:
        now = (
            " now (apply_immediately)" if upgrade.apply_now and after.get("apply_immediately") is True else ""
        )
        yield Hit(
            f"{rc.address} is upgraded from {old} to {new}{now}, a new major version: {upgrade.what}.",
            attribute=upgrade.version,
        )


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
                f"{'.'.join(map(str, new_release[1]))} ({attribute_name(path)} = {new}); {scheme.why}.",
                attribute=attribute_name(path),
                key=attribute_name(path),
            )


@REGISTRY.change(
    RuleMeta(
        id="TFR-CHG-021",
        title="Irreversible change: version upgrade or locked retention",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="A Kubernetes minor or a database, cache or search engine major version upgrade (or a move "
        "to another engine: Redis to Valkey, Elasticsearch to OpenSearch) cannot be undone: if workloads or "
        "queries break on the new version, the only way back is a restore or a new cluster. A locked retention "
        "or immutability policy can never be removed or shortened, and keeps the data (and its cost) until "
        "it expires.",
        remediation="Upgrade a staging copy first and check removed APIs or incompatible features; take a backup "
        "just before a database upgrade; lock retention only once its period is certain.",
        resource_types=tuple(sorted({*VERSIONS, *LOCKS, *AWS_UPGRADES})),
    ),
    *sorted({*VERSIONS, *LOCKS, *AWS_UPGRADES}),
    actions=(Action.UPDATE,),
)
def one_way_change(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    yield from _upgrades(rc, before, after)
    yield from _aws_upgrades(rc, before, after)
    lock = LOCKS.get(rc.type)
    if lock is not None:
        value = after.get(*lock.path)
        if value is not UNKNOWN and lock.on(value) and not lock.on(before.get(*lock.path)):
            yield Hit(f"{rc.address}: {lock.effect}.", attribute=attribute_name(lock.path), key="lock")
