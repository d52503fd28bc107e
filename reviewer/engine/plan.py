"""Typed, lightweight model of a Terraform plan (dataclasses, so 10,000 changes stay cheap)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """One normalized action per resource change."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE_DESTROY_FIRST = "replace_destroy_first"
    REPLACE_CREATE_FIRST = "replace_create_first"
    REPLACE_FORGET = "replace_forget"
    READ = "read"
    NO_OP = "no-op"
    FORGET = "forget"
    MOVE = "move"
    IMPORT = "import"
    UNKNOWN = "unknown"

    # Enum attribute access is slow on 3.11; these properties run for every change, so they test
    # membership in sets built once below the class.
    @property
    def is_replace(self) -> bool:
        return self in _REPLACES

    @property
    def destroys(self) -> bool:
        """True when the existing real object is destroyed."""
        return self in _DESTROYS

    @property
    def writes_after(self) -> bool:
        """True when the change leaves a managed object with the `after` values."""
        return self in _WRITES_AFTER


_REPLACES = frozenset({Action.REPLACE_DESTROY_FIRST, Action.REPLACE_CREATE_FIRST, Action.REPLACE_FORGET})
_DESTROYS = frozenset({Action.DELETE, Action.REPLACE_DESTROY_FIRST, Action.REPLACE_CREATE_FIRST})
_WRITES_AFTER = frozenset(
    {
        Action.CREATE,
        Action.UPDATE,
        Action.REPLACE_DESTROY_FIRST,
        Action.REPLACE_CREATE_FIRST,
        Action.REPLACE_FORGET,
        Action.IMPORT,
        Action.MOVE,
        Action.NO_OP,
    }
)


class Mode(StrEnum):
    MANAGED = "managed"
    DATA = "data"


@dataclass(slots=True)
class ResourceChange:
    """One entry of `resource_changes` (or `resource_drift`)."""

    address: str
    type: str
    name: str
    mode: Mode
    provider: str
    module: str | None
    index: Any
    actions: tuple[str, ...]
    action: Action
    action_reason: str | None
    replace_paths: list[list[Any]]
    before: Any
    after: Any
    after_unknown: Any
    before_sensitive: Any
    after_sensitive: Any
    deposed: str | None = None
    previous_address: str | None = None
    importing: dict[str, Any] | None = None
    generated_config: bool = False

    @property
    def is_move(self) -> bool:
        return self.previous_address is not None and self.previous_address != self.address

    @property
    def is_import(self) -> bool:
        return self.importing is not None

    @property
    def is_data(self) -> bool:
        return self.mode == "data"


@dataclass(slots=True)
class OutputChange:
    name: str
    actions: tuple[str, ...]
    action: Action
    before: Any
    after: Any
    after_unknown: Any
    sensitive: bool


@dataclass(slots=True)
class CheckResult:
    """A check block / condition result: status pass, fail, error or unknown, with messages."""

    address: str
    kind: str
    status: str
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DeferredChange:
    reason: str
    change: ResourceChange | None


@dataclass(slots=True)
class Plan:
    """Everything the rules need from one plan."""

    format_version: str
    terraform_version: str | None
    resource_changes: list[ResourceChange]
    resource_drift: list[ResourceChange]
    output_changes: list[OutputChange]
    variables: dict[str, Any]
    sensitive_variables: set[str]
    checks: list[CheckResult]
    deferred_changes: list[DeferredChange]
    errored: bool
    applyable: bool | None
    complete: bool | None
    timestamp: str | None = None
    relevant_attributes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def nothing_to_apply(self) -> bool:
        """True when no resource or output would change: Terraform marks such a plan `applyable: false`."""
        no_op = Action.NO_OP
        return all(
            rc.action is no_op and not rc.is_move and not rc.is_import for rc in self.resource_changes
        ) and all(oc.action is no_op for oc in self.output_changes)

    @property
    def not_applyable(self) -> bool:
        """Terraform refuses to apply this plan for a reason; a plan with nothing to change is not one."""
        return self.applyable is False and not self.nothing_to_apply

    def by_address(self) -> dict[str, ResourceChange]:
        """Map of address to change (managed and data)."""
        return {rc.address: rc for rc in self.resource_changes}
