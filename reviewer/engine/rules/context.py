"""What rules can see: the parsed plan, the redacted raw plan and cached cross-resource indices."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import Any, TypeVar

from reviewer.engine.plan import Action, Plan, ResourceChange
from reviewer.engine.rules.base import UNKNOWN, State
from reviewer.engine.rules.defaults import PROVIDER_DEFAULTS

T = TypeVar("T")
# `module.a[0].module.b["k"]` -> the module names a, b (instance keys do not change the configuration).
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")
# A configuration reference's resource part: `aws_s3_bucket.b`, `data.aws_iam_policy_document.p`.
_REFERENCE = re.compile(r"^(data\.)?([A-Za-z][\w-]*)\.([A-Za-z_][\w-]*)")
_NOT_RESOURCES = frozenset({"var", "local", "module", "each", "count", "path", "terraform", "self"})


@lru_cache(maxsize=4096)
def module_path(module_address: str | None) -> tuple[str, ...]:
    """The module names of a module address, without instance keys: `module.a[0].module.b` -> (a, b)."""
    if not module_address:
        return ()
    parts = _INSTANCE_KEY.sub("", module_address).split(".")
    return tuple(parts[i + 1] for i in range(0, len(parts) - 1, 2) if parts[i] == "module")


def _walk_configuration(
    module: Any, path: tuple[str, ...], out: dict[tuple[tuple[str, ...], str], Any]
) -> None:
    if not isinstance(module, dict):
        return
    resources = module.get("resources")
    for resource in resources if isinstance(resources, list) else ():
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            out[(path, resource["address"])] = resource
    calls = module.get("module_calls")
    if isinstance(calls, dict):
        for name, call in calls.items():
            if isinstance(call, dict):
                _walk_configuration(call.get("module"), (*path, name), out)


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
    def enabled_types(self) -> set[str]:
        """Types of the managed resources that exist after this plan, but not switched off (enabled = false)."""
        return {rc.type for rc in self.live_changes if rc.after.get("enabled") is not False}

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

    @cached_property
    def configuration(self) -> dict[tuple[tuple[str, ...], str], Any] | None:
        """Resource blocks of the plan's `configuration` by (module names, relative address); None if absent."""
        config = self.raw.get("configuration")
        root = config.get("root_module") if isinstance(config, dict) else None
        if not isinstance(root, dict):
            return None
        found: dict[tuple[tuple[str, ...], str], Any] = {}
        _walk_configuration(root, (), found)
        return found

    def resource_config(self, rc: ResourceChange) -> dict[str, Any] | None:
        """The configuration block that declares `rc` (shared by its count/for_each instances), if known."""
        configuration = self.configuration
        if not configuration:
            return None
        prefix = "data." if rc.is_data else ""
        block = configuration.get((module_path(rc.module), f"{prefix}{rc.type}.{rc.name}"))
        return block if isinstance(block, dict) else None

    def is_set(self, rc: ResourceChange, attribute: str) -> bool | None:
        """Whether the configuration sets a top-level attribute (or block); None when it cannot tell."""
        block = self.resource_config(rc)
        if block is None:
            return None
        expressions = block.get("expressions")
        if not isinstance(expressions, dict):
            return None if "expressions" in block else False
        return attribute in expressions

    def references(self, rc: ResourceChange, attribute: str) -> set[str]:
        """Resources an attribute's expression refers to, as `module.a.module.b|type.name` identities."""
        block = self.resource_config(rc)
        expressions = block.get("expressions") if block else None
        expression = expressions.get(attribute) if isinstance(expressions, dict) else None
        found: set[str] = set()
        stack = [expression]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                refs = node.get("references")
                for ref in refs if isinstance(refs, list) else ():
                    identity = self.reference_identity(rc.module, ref)
                    if identity is not None:
                        found.add(identity)
                stack.extend(v for k, v in node.items() if k != "references" and isinstance(v, dict | list))
        return found

    @staticmethod
    def reference_identity(module_address: str | None, reference: Any) -> str | None:
        """`aws_s3_bucket.b[0].id` in module a -> `module.a|aws_s3_bucket.b`; None for variables, locals, ..."""
        if not isinstance(reference, str):
            return None
        match = _REFERENCE.match(reference)
        if match is None or (match.group(1) is None and match.group(2) in _NOT_RESOURCES):
            return None
        data, rtype, name = match.groups()
        return f"{'.'.join('module.' + m for m in module_path(module_address))}|{data or ''}{rtype}.{name}"

    @staticmethod
    def identity(rc: ResourceChange) -> str:
        """The same identity for a resource as reference_identity gives to references to it."""
        prefix = "data." if rc.is_data else ""
        return f"{'.'.join('module.' + m for m in module_path(rc.module))}|{prefix}{rc.type}.{rc.name}"

    def after_state(self, rc: ResourceChange) -> State:
        """The planned values as rules see them: an unknown attribute the configuration does not set takes
        its provider default where that is insecure (defaults.py); set-but-unknown stays unknown."""
        defaults = PROVIDER_DEFAULTS.get(rc.type)
        unknown = rc.after_unknown
        if defaults is None or type(unknown) is not dict or type(rc.after) is not dict:
            return State(rc.after, unknown)
        values: dict[str, Any] | None = None
        marks: dict[str, Any] | None = None
        planned = State(rc.after, unknown)
        for default in defaults:
            if default.block is not None:
                if not _first_unknown(unknown, default.block, default.attribute):
                    continue
                if self.is_set_in_block(rc, default.block, default.attribute) is not False:
                    continue
            elif (
                unknown.get(default.attribute) is not True or self.is_set(rc, default.attribute) is not False
            ):
                continue
            if any(self.is_set(rc, name) for name in default.inherited_from):
                continue
            if default.applies is not None and not default.applies(planned):
                continue
            if default.account_setting and not self.enabled_types.isdisjoint(default.account_setting):
                continue
            if values is None or marks is None:
                values, marks = dict(rc.after), dict(unknown)
            if default.block is None:
                values[default.attribute] = default.value
                del marks[default.attribute]
            else:
                _set_in_first(values, marks, default.block, default.attribute, default.value)
        return planned if values is None else State(values, marks)

    def is_set_in_block(self, rc: ResourceChange, block: str, attribute: str) -> bool | None:
        """Whether the configuration sets an attribute in the first `block` of `rc`; None when it cannot tell
        (no configuration, or the block is dynamic)."""
        config = self.resource_config(rc)
        expressions = config.get("expressions") if config else None
        nested = expressions.get(block) if isinstance(expressions, dict) else None
        if not isinstance(nested, list) or not nested or not isinstance(nested[0], dict):
            return None
        return attribute in nested[0]


def _first_unknown(unknown: dict[str, Any], block: str, attribute: str) -> bool:
    marks = unknown.get(block)
    return type(marks) is list and bool(marks) and type(marks[0]) is dict and marks[0].get(attribute) is True


def _set_in_first(
    values: dict[str, Any], marks: dict[str, Any], block: str, attribute: str, value: Any
) -> None:
    """`value` for `attribute` of the first `block` element, copying (never changing) the plan's own lists."""
    blocks = values.get(block)
    first = dict(blocks[0]) if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}
    first[attribute] = value
    values[block] = [first, *(blocks[1:] if isinstance(blocks, list) else ())]
    block_marks = marks[block]
    first_marks = dict(block_marks[0])
    del first_marks[attribute]
    marks[block] = [first_marks, *block_marks[1:]]
