"""Builders for small, hand-written plan dicts used across the engine tests, and the two reads of their review."""

from __future__ import annotations

from typing import Any

from reviewer.engine import review_plan
from reviewer.engine.results import Finding

ACTIONS = {
    "create": ["create"],
    "update": ["update"],
    "delete": ["delete"],
    "replace": ["delete", "create"],
    "replace_cbd": ["create", "delete"],
    "no-op": ["no-op"],
    "read": ["read"],
    "forget": ["forget"],
}


def change(
    rtype: str,
    after: dict[str, Any] | None = None,
    *,
    before: dict[str, Any] | None = None,
    action: str | None = None,
    name: str = "this",
    address: str | None = None,
    module: str | None = None,
    after_unknown: dict[str, Any] | None = None,
    after_sensitive: Any = None,
    before_sensitive: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """One resource_changes entry; the action defaults from which of before/after is given."""
    if action is None:
        action = "create" if before is None else ("delete" if after is None else "update")
    mode = "data" if action == "read" else "managed"
    base = f"{'data.' if mode == 'data' else ''}{rtype}.{name}"
    if address is None:
        address = f"{module}.{base}" if module else base
    entry: dict[str, Any] = {
        "address": address,
        "mode": mode,
        "type": rtype,
        "name": name,
        "provider_name": f"registry.terraform.io/hashicorp/{rtype.split('_', 1)[0]}",
        "change": {
            "actions": ACTIONS[action],
            "before": before,
            "after": after,
            "after_unknown": after_unknown or {},
            "before_sensitive": before_sensitive
            if before_sensitive is not None
            else ({} if before else False),
            "after_sensitive": after_sensitive if after_sensitive is not None else ({} if after else False),
        },
    }
    if module:
        entry["module_address"] = module
    for key in ("action_reason", "previous_address", "deposed", "index"):
        if key in extra:
            entry[key] = extra.pop(key)
    entry["change"].update(extra)
    return entry


def plan(*changes: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A format 1.2 plan around the given resource changes."""
    body: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {}},
        "resource_changes": list(changes),
        "configuration": {"root_module": {}},
        "errored": False,
        "applyable": True,
        "complete": True,
    }
    body.update(top)
    return body


def declared(rtype: str, name: str = "this", **expressions: Any) -> dict[str, Any]:
    """A managed resource block of the plan's `configuration` with these attribute expressions."""
    return {
        "address": f"{rtype}.{name}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "expressions": expressions,
    }


def ref(*targets: str) -> dict[str, Any]:
    """An expression that refers to these addresses."""
    return {"references": list(targets)}


def configuration_of(*resources: dict[str, Any], calls: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `configuration` section: these root resource blocks and module calls."""
    root: dict[str, Any] = {"resources": list(resources)}
    if calls:
        root["module_calls"] = calls
    return {"root_module": root}


def only(raw: dict[str, Any], rule_id: str) -> list[Finding]:
    """The findings of one rule in the review of `raw`."""
    return [f for f in review_plan(raw).result.findings if f.rule_id == rule_id]


def verdict(raw: dict[str, Any]) -> str:
    """The one-sentence verdict of the review of `raw`."""
    return review_plan(raw).result.risk.verdict or ""
