"""Before → after views of changed attributes for the dashboard diff, each bounded in size."""

from __future__ import annotations

from typing import Any

from reviewer.engine.plan import Action, Plan, ResourceChange

MAX_ATTRIBUTES = 60
MAX_VALUE_CHARS = 300
UNKNOWN = "(known after apply)"
_SKIP = (Action.NO_OP, Action.READ)


def _flatten(value: Any, prefix: str, out: dict[str, Any], depth: int = 0) -> None:
    if isinstance(value, dict) and value and depth < 6:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out, depth + 1)
    elif isinstance(value, list) and value and depth < 6 and all(isinstance(v, dict | list) for v in value):
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", out, depth + 1)
    else:
        out[prefix] = value


def _unknown_paths(value: Any, prefix: str, out: set[str]) -> None:
    if value is True:
        out.add(prefix)
    elif isinstance(value, dict):
        for key, item in value.items():
            _unknown_paths(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _unknown_paths(item, f"{prefix}[{index}]", out)


def _short(value: Any) -> Any:
    # type() identity, not isinstance: this runs for every changed attribute of a big plan.
    kind = type(value)
    if kind is str:
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "…"
    if (kind is dict or kind is list) and value:
        text = repr(value)
        return value if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"
    return value


def _attribute_rows(change: ResourceChange) -> list[dict[str, Any]]:
    """The attributes whose value differs between before and after (unknowns shown as such)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(change.before if isinstance(change.before, dict) else {}, "", before)
    _flatten(change.after if isinstance(change.after, dict) else {}, "", after)
    unknown: set[str] = set()
    _unknown_paths(change.after_unknown, "", unknown)
    rows = []
    for path in sorted(set(before) | set(after) | unknown):
        old = before.get(path)
        new = UNKNOWN if path in unknown else after.get(path)
        if old != new and path:
            rows.append({"path": path, "before": _short(old), "after": _short(new)})
        if len(rows) >= MAX_ATTRIBUTES:
            break
    return rows


def change_views(plan: Plan) -> list[dict[str, Any]]:
    """Every changed resource as a JSON-ready ResourceChangeView row, destroys and replaces first.

    Rows, not models: a big plan has tens of thousands of them, which pydantic takes seconds to
    build; they are stored paged as JSON, and only the first page becomes models.
    """
    changed = [rc for rc in plan.resource_changes if rc.action not in _SKIP]
    changed.sort(key=lambda rc: (not rc.action.destroys, rc.address))
    return [
        {
            "address": rc.address,
            "type": rc.type,
            "action": rc.action.value,
            "module": rc.module,
            "changed": _attribute_rows(rc),
        }
        for rc in changed
    ]
