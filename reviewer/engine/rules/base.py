"""Rule metadata, the unknown-aware value view and the registry every rule module adds to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from reviewer.engine.results import Category, Severity

if TYPE_CHECKING:
    from reviewer.engine.plan import Action, ResourceChange
    from reviewer.engine.rules.context import RuleContext


T = TypeVar("T")


class RuleKind(StrEnum):
    POSTURE = "posture"  # looks at a resource's after-state, compared with its before-state
    CHANGE = "change"  # looks at one resource change (action, reason, before -> after)
    PLAN = "plan"  # looks at the plan as a whole


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What a rule is, for the catalog, the reports and SARIF."""

    id: str
    title: str
    severity: Severity
    category: Category
    rationale: str
    remediation: str
    checkov_id: str | None = None
    trivy_id: str | None = None
    resource_types: tuple[str, ...] = ()


def rule_meta(
    rule_id: str,
    title: str,
    severity: Severity,
    why: str,
    fix: str,
    checkov: str | None = None,
    category: Category = Category.SECURITY,
    trivy: str | None = None,
) -> RuleMeta:
    """RuleMeta for a posture check, in the argument order the rule modules write them."""
    return RuleMeta(rule_id, title, severity, category, why, fix, checkov, trivy)


class _Unknown:
    """A value Terraform will only know after apply: never treat it as false, off or open."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; test `is UNKNOWN` first")


UNKNOWN: Any = _Unknown()


def _step(node: Any, key: str | int) -> Any:
    kind = type(node)
    if kind is dict:
        return node.get(key)
    if kind is list and type(key) is int:
        return node[key] if -len(node) <= key < len(node) else None
    return None


class State:
    """A resource's values plus its `after_unknown` marks; `get` returns UNKNOWN for unknown paths."""

    __slots__ = ("_flat", "_memo", "unknown", "values")

    def __init__(self, values: Any, unknown: Any = None) -> None:
        self.values = values if values is not None else {}
        self.unknown = unknown
        self._memo: dict[str, Any] | None = None
        # An object with no or object-shaped unknown marks (almost always): get() of one attribute is
        # then two dict lookups.
        self._flat = type(self.values) is dict and (unknown is None or type(unknown) is dict)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Derived data several rules need from the same state (parsed policies, open rules)."""
        if self._memo is None:
            self._memo = {}
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value

    def get(self, *path: str | int) -> Any:
        # Hot path (called ~20 times per resource): _step is inlined on purpose, and the usual call (one
        # attribute of an object) is answered first.
        if self._flat and len(path) == 1:
            unknown = self.unknown
            if unknown is not None and unknown.get(path[0]) is True:
                return UNKNOWN
            return self.values.get(path[0])
        value, unknown = self.values, self.unknown
        for key in path:
            if unknown is True:
                return UNKNOWN
            if unknown is not None:
                kind = type(unknown)
                if kind is dict:
                    unknown = unknown.get(key)
                elif kind is list and type(key) is int:
                    unknown = unknown[key] if -len(unknown) <= key < len(unknown) else None
                else:
                    unknown = None
            kind = type(value)
            if kind is dict:
                value = value.get(key)
            elif kind is list and type(key) is int:
                value = value[key] if -len(value) <= key < len(value) else None
            else:
                return UNKNOWN if unknown is True else None
            if value is None and unknown is None:
                return None
        if unknown is True:
            return UNKNOWN
        return value

    def first(self, block: str, *path: str | int) -> Any:
        """Attribute of the first element of a nested block list (`metadata_options[0].http_tokens`)."""
        return self.get(block, 0, *path)

    def each(self, block: str) -> Iterator[tuple[int, State]]:
        """Each element of a nested block list as its own State (unknown marks carried along)."""
        items = self.get(block)
        if not isinstance(items, list):
            return
        unknown = _step(self.unknown, block)
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield i, State(item, _step(unknown, i) if unknown is not True else True)

    def is_unknown(self, *path: str | int) -> bool:
        return self.get(*path) is UNKNOWN


@dataclass(slots=True)
class Hit:
    """One problem a rule found; `key` identifies it when comparing before and after."""

    message: str
    attribute: str | None = None
    key: str | None = None
    severity: Severity | None = None
    introduced: bool | None = None
    address: str | None = None
    type: str | None = None
    action: str | None = None
    related: tuple[str, ...] = ()

    def identity(self) -> str:
        return self.key if self.key is not None else f"{self.attribute}|{self.message}"


PostureCheck = Callable[[State, "RuleContext", "ResourceChange"], Iterable[Hit]]
ChangeCheck = Callable[["ResourceChange", "RuleContext"], Iterable[Hit]]
PlanCheck = Callable[["RuleContext"], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    meta: RuleMeta
    kind: RuleKind
    check: Callable[..., Iterable[Hit]]
    types: frozenset[str] | None = None
    # A change rule that can only fire on these actions (None: any): the runner skips it for the others.
    actions: frozenset[Action] | None = None


@dataclass(slots=True)
class Registry:
    """All rules, in registration order; IDs are unique."""

    rules: list[Rule] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)

    def add(self, rule: Rule) -> None:
        if rule.meta.id in self._ids:
            raise ValueError(f"duplicate rule id {rule.meta.id}")
        self._ids.add(rule.meta.id)
        self.rules.append(rule)

    def posture(self, meta: RuleMeta, *types: str) -> Callable[[PostureCheck], PostureCheck]:
        """Register a posture check run on after (and before) values of the given resource types."""

        def decorate(func: PostureCheck) -> PostureCheck:
            full = RuleMeta(**{**_meta_dict(meta), "resource_types": types or meta.resource_types})
            self.add(Rule(full, RuleKind.POSTURE, func, frozenset(types) if types else None))
            return func

        return decorate

    def change(
        self, meta: RuleMeta, *types: str, actions: Iterable[Action] | None = None
    ) -> Callable[[ChangeCheck], ChangeCheck]:
        """Register a check run on every resource change (optionally only of the given types, and only of
        the given actions: every action the check can fire on, as its own first test says)."""

        def decorate(func: ChangeCheck) -> ChangeCheck:
            full = RuleMeta(**{**_meta_dict(meta), "resource_types": types or meta.resource_types})
            only = frozenset(actions) if actions is not None else None
            self.add(Rule(full, RuleKind.CHANGE, func, frozenset(types) if types else None, only))
            return func

        return decorate

    def plan(self, meta: RuleMeta) -> Callable[[PlanCheck], PlanCheck]:
        """Register a check run once on the whole plan."""

        def decorate(func: PlanCheck) -> PlanCheck:
            self.add(Rule(meta, RuleKind.PLAN, func))
            return func

        return decorate

    def meta_only(self, meta: RuleMeta) -> None:
        """Register a rule the engine emits itself (e.g. expired suppressions)."""
        self.add(Rule(meta, RuleKind.PLAN, lambda ctx: ()))


def _meta_dict(meta: RuleMeta) -> dict[str, Any]:
    return {name: getattr(meta, name) for name in RuleMeta.__slots__}


REGISTRY = Registry()
