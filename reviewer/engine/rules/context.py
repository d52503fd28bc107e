"""What rules can see: the parsed plan, the redacted raw plan and cached cross-resource indices."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from reviewer.engine.plan import Action, Plan, ResourceChange
from reviewer.engine.rules.base import UNKNOWN, State

T = TypeVar("T")


class RuleContext:
    """Shared per-review view for rules; indices are built on first use only."""

    def __init__(self, plan: Plan, raw: dict[str, Any]) -> None:
        self.plan = plan
        self.raw = raw
        self._targets: dict[tuple[frozenset[str], str], tuple[set[str], set[str | None]]] = {}
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, build: Callable[[RuleContext], T]) -> T:
        """Compute a plan-wide fact once per review."""
        if key not in self._memo:
            self._memo[key] = build(self)
        result: T = self._memo[key]
        return result

    @cached_property
    def live_changes(self) -> list[ResourceChange]:
        """Managed resources that exist after this plan (their after-values are the new truth)."""
        return [
            rc
            for rc in self.plan.resource_changes
            if not rc.is_data and rc.action.writes_after and isinstance(rc.after, dict) and rc.deposed is None
        ]

    @cached_property
    def destroyed_addresses(self) -> set[str]:
        return {rc.address for rc in self.plan.resource_changes if rc.action.destroys}

    def targets(self, types: frozenset[str], attribute: str) -> tuple[set[str], set[str | None]]:
        """Known values of `attribute` over resources of `types`, and the modules where it is unknown."""
        cache_key = (types, attribute)
        if cache_key not in self._targets:
            known: set[str] = set()
            unknown_modules: set[str | None] = set()
            for rc in self.live_changes:
                if rc.type in types:
                    value = State(rc.after, rc.after_unknown).get(attribute)
                    if value is UNKNOWN:
                        unknown_modules.add(rc.module)
                    elif isinstance(value, str):
                        known.add(value)
            self._targets[cache_key] = (known, unknown_modules)
        return self._targets[cache_key]

    def is_covered(self, rc: ResourceChange, types: frozenset[str], attribute: str, *names: Any) -> bool:
        """True when some resource of `types` points at this one (by a known name), or might (unknown)."""
        known, unknown_modules = self.targets(types, attribute)
        # A companion whose target is unknown (it references a resource created in this plan) may be ours:
        # unknown is not false, so it counts as covered.
        if rc.module in unknown_modules:
            return True
        return any(isinstance(name, str) and name in known for name in names)

    def count_by_action(self, action: Action) -> int:
        return sum(1 for rc in self.plan.resource_changes if rc.action is action)
