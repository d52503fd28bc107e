"""Turn Spacelift change lists (policy payload, GraphQL changesV3, planning log) into a plan dict.

The result has the shape of `terraform show -json` (format 1.2) so the rule engine reviews it like any
other plan. Values are only what Spacelift gives: nothing is invented, and values Spacelift sanitized
(hashed) are marked sensitive so the engine's redaction covers them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from webhook.events import PolicyChange

log = logging.getLogger(__name__)

SYNTHETIC_FORMAT_VERSION = "1.2"
# Spacelift sanitization replaces a value with the last 8 bytes of its sha256, hex-encoded.
SANITIZED_RE = re.compile(r"^[0-9a-f]{16}$")
_SENSITIVE_PLACEHOLDERS = frozenset({"<sensitive>", "(sensitive value)", "(sensitive)", "sensitive"})


class PlanSource(StrEnum):
    POLICY_CHANGES = "spacelift_policy_changes"
    GRAPHQL_CHANGES = "spacelift_changes_v3"
    PLANNING_LOG = "spacelift_planning_log"


# Spacelift change actions (policy input) to Terraform action lists; keys are lower-cased.
_POLICY_ACTIONS: dict[str, list[str]] = {
    "added": ["create"],
    "add": ["create"],
    "create": ["create"],
    "changed": ["update"],
    "change": ["update"],
    "update": ["update"],
    "deleted": ["delete"],
    "delete": ["delete"],
    "destroy": ["delete"],
    "create-before-destroy-replaced": ["create", "delete"],
    "destroy-before-create-replaced": ["delete", "create"],
    "replaced": ["delete", "create"],
    "replace": ["delete", "create"],
    "moved": ["no-op"],
    "move": ["no-op"],
    "import": ["no-op"],
    "imported": ["no-op"],
    "forget": ["forget"],
    "forgotten": ["forget"],
    "read": ["read"],
    "no-op": ["no-op"],
    "noop": ["no-op"],
    "unchanged": ["no-op"],
}

# changesV3 `metadata.type` values; only CHANGE is confirmed, the rest are the likely spellings.
_V3_ACTIONS: dict[str, list[str]] = {
    "ADD": ["create"],
    "CREATE": ["create"],
    "CHANGE": ["update"],
    "UPDATE": ["update"],
    "DELETE": ["delete"],
    "DESTROY": ["delete"],
    "REPLACE": ["delete", "create"],
    "REPLACE_CREATE_BEFORE_DESTROY": ["create", "delete"],
    "REPLACE_DESTROY_BEFORE_CREATE": ["delete", "create"],
    "MOVE": ["no-op"],
    "IMPORT": ["no-op"],
    "FORGET": ["forget"],
    "READ": ["read"],
    "NOOP": ["no-op"],
    "NO_OP": ["no-op"],
}


def _split_address(address: str) -> list[str]:
    """Split a resource address on dots outside brackets and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = False
    for char in address:
        if char == '"' and depth:
            quoted = not quoted
        elif char == "[" and not quoted:
            depth += 1
        elif char == "]" and not quoted:
            depth -= 1
        if char == "." and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


_INDEX_RE = re.compile(r"^(?P<name>[^\[]+)(?:\[(?P<index>.*)\])?$")


def address_parts(address: str) -> dict[str, Any]:
    """Module address, mode, type, name and index of a resource address."""
    parts = _split_address(address)
    modules: list[str] = []
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        modules.append(f"module.{parts[i + 1]}")
        i += 2
    mode = "managed"
    if i < len(parts) and parts[i] == "data":
        mode = "data"
        i += 1
    rtype = parts[i] if i < len(parts) else ""
    name_part = parts[i + 1] if i + 1 < len(parts) else ""
    match = _INDEX_RE.match(name_part)
    name = match.group("name") if match else name_part
    index: Any = None
    if match and match.group("index") is not None:
        raw_index = match.group("index")
        index = int(raw_index) if raw_index.isdecimal() else raw_index.strip('"')
    out: dict[str, Any] = {"mode": mode, "type": rtype, "name": name}
    if modules:
        out["module_address"] = ".".join(modules)
    if index is not None:
        out["index"] = index
    return out


def _is_sanitized(value: str) -> bool:
    return bool(SANITIZED_RE.match(value)) or value.strip().lower() in _SENSITIVE_PLACEHOLDERS


def sensitive_marks(value: Any) -> Any:
    """A Terraform-style `*_sensitive` mirror of `value`: True where Spacelift sanitized a value."""
    if isinstance(value, str):
        return _is_sanitized(value)
    if isinstance(value, dict):
        marks = {key: sensitive_marks(item) for key, item in value.items()}
        return {key: mark for key, mark in marks.items() if mark not in (False, {}, [])}
    if isinstance(value, list):
        items = [sensitive_marks(item) for item in value]
        return items if any(m not in (False, {}, []) for m in items) else []
    return False


def _provider_name(rtype: str) -> str:
    # The provider is not in Spacelift's change data; the type prefix names it for the usual providers.
    prefix = rtype.split("_", 1)[0] if rtype else ""
    return f"registry.terraform.io/hashicorp/{prefix}" if prefix else ""


def _resource_change(
    address: str,
    actions: list[str],
    *,
    rtype: str | None = None,
    name: str | None = None,
    values: Mapping[str, Any] | None = None,
    previous_address: str | None = None,
    importing: bool = False,
) -> dict[str, Any]:
    parts = address_parts(address)
    resource_type = rtype or parts["type"]
    is_delete = actions == ["delete"]
    before: Any = dict(values) if values is not None and is_delete else None
    after: Any = dict(values) if values is not None and not is_delete and actions != ["forget"] else None
    change: dict[str, Any] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": {},
        "before_sensitive": sensitive_marks(before) if before is not None else False,
        "after_sensitive": sensitive_marks(after) if after is not None else False,
    }
    if importing:
        change["importing"] = {}
    entry: dict[str, Any] = {
        "address": address,
        "mode": parts["mode"],
        "type": resource_type,
        "name": name or parts["name"],
        "provider_name": _provider_name(resource_type),
        "change": change,
    }
    for key in ("module_address", "index"):
        if key in parts:
            entry[key] = parts[key]
    if previous_address and previous_address != address:
        entry["previous_address"] = previous_address
    return entry


def _plan(
    resource_changes: list[dict[str, Any]], source: PlanSource, terraform_version: str | None
) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "format_version": SYNTHETIC_FORMAT_VERSION,
        "resource_changes": resource_changes,
        # Unknown keys are ignored by the engine; this one tells readers the plan was rebuilt, not exported.
        "tfreview_synthetic": {"source": str(source), "values": source is PlanSource.POLICY_CHANGES},
    }
    if terraform_version:
        plan["terraform_version"] = terraform_version
    return plan


def _policy_actions(action: str | None) -> list[str]:
    key = (action or "").strip().lower()
    actions = _POLICY_ACTIONS.get(key)
    if actions is None:
        # Unknown actions are reviewed as updates: the resource changes, we just cannot say how.
        log.warning(
            "spacelift.unknown_change_action",
            extra={"event": "spacelift.unknown_change_action", "action": key[:64]},
        )
        return ["update"]
    return list(actions)


def plan_from_policy_changes(
    changes: Iterable[PolicyChange | Mapping[str, Any]], *, terraform_version: str | None = None
) -> dict[str, Any]:
    """Build a plan dict from `run_updated.run.changes` (only plan-phase resource entries)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in changes:
        change = item if isinstance(item, PolicyChange) else PolicyChange.model_validate(item)
        if change.phase and change.phase.lower() != "plan":
            continue
        entity = change.entity
        if not entity.address or (entity.entity_type and entity.entity_type.lower() not in ("resource", "")):
            continue
        if entity.address in seen:
            continue
        seen.add(entity.address)
        action_key = (change.action or "").strip().lower()
        values = entity.data.get("values") if isinstance(entity.data, dict) else None
        out.append(
            _resource_change(
                entity.address,
                _policy_actions(change.action),
                rtype=entity.type,
                name=entity.name,
                values=values if isinstance(values, dict) else None,
                importing=action_key in ("import", "imported"),
            )
        )
    return _plan(out, PlanSource.POLICY_CHANGES, terraform_version)


def plan_from_changes_v3(resources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Build a plan dict from GraphQL `changesV3.resources` (addresses and change types, no values)."""
    out: list[dict[str, Any]] = []
    for resource in resources:
        address = resource.get("address")
        if not isinstance(address, str) or not address:
            continue
        metadata = resource.get("metadata") if isinstance(resource.get("metadata"), dict) else {}
        kind = str((metadata or {}).get("type") or "").upper()
        actions = _V3_ACTIONS.get(kind)
        if actions is None:
            log.warning(
                "spacelift.unknown_change_type",
                extra={"event": "spacelift.unknown_change_type", "type": kind[:64]},
            )
            actions = ["update"]
        previous = resource.get("previousAddress")
        out.append(
            _resource_change(
                address,
                list(actions),
                previous_address=previous if isinstance(previous, str) else None,
                importing=kind == "IMPORT",
            )
        )
    return _plan(out, PlanSource.GRAPHQL_CHANGES, None)


_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# `terraform plan` headlines: "  # aws_s3_bucket.b will be created", "# x must be replaced", ...
_LOG_LINE_RE = re.compile(r"^\s*#\s+(?P<address>\S+)\s+(?P<what>.+?)\s*$")
_MOVED_FROM_RE = re.compile(r"^\s*#\s+\(moved from (?P<previous>[^)\s]+)\)")
_IMPORTED_FROM_RE = re.compile(r"^\s*#\s+\(imported from ")
_LOG_ACTIONS: tuple[tuple[str, list[str]], ...] = (
    ("will be created", ["create"]),
    ("will be updated in-place", ["update"]),
    ("will be destroyed", ["delete"]),
    ("must be replaced", ["delete", "create"]),
    ("will be replaced", ["delete", "create"]),
    ("will be read during apply", ["read"]),
    ("will be imported", ["no-op"]),
    ("has moved to", ["no-op"]),
    ("will no longer be managed", ["forget"]),
)


def plan_from_planning_log(text: str) -> dict[str, Any]:
    """Build a plan dict from the human-readable `terraform plan` output (addresses and actions only)."""
    out: dict[str, dict[str, Any]] = {}
    lines = [_ANSI_RE.sub("", line) for line in text.splitlines()]
    last: dict[str, Any] | None = None
    for number, line in enumerate(lines):
        moved = _MOVED_FROM_RE.match(line)
        if moved and last is not None:
            last["previous_address"] = moved.group("previous")
            continue
        if _IMPORTED_FROM_RE.match(line) and last is not None:
            last["change"]["importing"] = {}
            continue
        match = _LOG_LINE_RE.match(line)
        if not match or "(deposed object" in match.group("what"):
            continue
        address, what = match.group("address"), match.group("what")
        for phrase, actions in _LOG_ACTIONS:
            if phrase not in what:
                continue
            chosen = list(actions)
            previous = None
            target = address
            if phrase == "has moved to":
                previous, target = address, what.split("has moved to", 1)[1].strip()
            if phrase.endswith("replaced"):
                # The block header says the order: "+/-" creates first, "-/+" destroys first.
                following = next((ln.strip() for ln in lines[number + 1 : number + 4] if ln.strip()), "")
                if following.startswith("+/-"):
                    chosen = ["create", "delete"]
            last = out[target] = _resource_change(
                target, chosen, previous_address=previous, importing=phrase == "will be imported"
            )
            break
    return _plan(list(out.values()), PlanSource.PLANNING_LOG, None)
