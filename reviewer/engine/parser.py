"""Build the typed Plan model from a validated plan dict."""

from __future__ import annotations

import json
from typing import Any

from reviewer.engine.loader import plan_format_version
from reviewer.engine.plan import (
    Action,
    CheckResult,
    DeferredChange,
    Mode,
    OutputChange,
    Plan,
    ResourceChange,
)

_SIMPLE_ACTIONS: dict[tuple[str, ...], Action] = {
    ("create",): Action.CREATE,
    ("update",): Action.UPDATE,
    ("delete",): Action.DELETE,
    ("delete", "create"): Action.REPLACE_DESTROY_FIRST,
    ("create", "delete"): Action.REPLACE_CREATE_FIRST,
    ("create", "forget"): Action.REPLACE_FORGET,
    ("forget", "create"): Action.REPLACE_FORGET,
    ("read",): Action.READ,
    ("no-op",): Action.NO_OP,
    ("forget",): Action.FORGET,
}


_UNKNOWN, _NO_OP, _IMPORT, _MOVE = Action.UNKNOWN, Action.NO_OP, Action.IMPORT, Action.MOVE
_MANAGED, _DATA = Mode.MANAGED, Mode.DATA


def normalize_action(actions: tuple[str, ...], previous_address: str | None, importing: Any) -> Action:
    """Map Terraform's action list (plus move/import markers) to one Action."""
    action = _SIMPLE_ACTIONS.get(actions, _UNKNOWN)
    if action is _NO_OP:
        if importing is not None:
            return _IMPORT
        if previous_address:
            return _MOVE
    return action


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _actions(actions_raw: Any) -> tuple[str, ...]:
    if not isinstance(actions_raw, list):
        return ()
    actions = tuple(actions_raw)
    # Almost always all strings: the tuple is then kept as it is.
    return (
        actions if all(type(a) is str for a in actions) else tuple(a for a in actions if isinstance(a, str))
    )


def _derived_address(raw: dict[str, Any]) -> str:
    """The address of an entry that lacks one (Terraform 1.0's resource_drift), from its parts."""
    rtype, name = raw.get("type"), raw.get("name")
    if not isinstance(rtype, str) or not isinstance(name, str) or not rtype or not name:
        return ""
    address = f"{'data.' if raw.get('mode') == 'data' else ''}{rtype}.{name}"
    index = raw.get("index")
    if type(index) is int:  # not bool, which is an int too
        address += f"[{index}]"
    elif isinstance(index, str):
        address += f"[{json.dumps(index)}]"
    module = raw.get("module_address")
    return f"{module}.{address}" if isinstance(module, str) and module else address


def parse_resource_change(raw: dict[str, Any]) -> ResourceChange:
    """Parse one `resource_changes` / `resource_drift` entry."""
    # Hot path (every change of a big plan): few function calls, on purpose.
    change = raw.get("change")
    if not isinstance(change, dict):
        change = {}
    get = change.get
    actions = _actions(get("actions"))
    previous = raw.get("previous_address")
    if not isinstance(previous, str):
        previous = None
    importing = get("importing")
    if not isinstance(importing, dict):
        importing = None
    replace_paths = get("replace_paths")
    address = raw.get("address", "")
    if type(address) is not str or not address:
        address = _derived_address(raw) if not address else str(address)
    rtype = raw.get("type")
    if not isinstance(rtype, str):
        # Older or partial plans: derive type from the address ("module.a.aws_x.name[0]").
        parts = [p for p in address.split(".") if p]
        rtype = ""
        for i, part in enumerate(parts):
            if part in ("module", "data"):
                continue
            if i > 0 and parts[i - 1] == "module":
                continue
            rtype = part
            break
    name = raw.get("name", "")
    provider = raw.get("provider_name", "")
    module = raw.get("module_address")
    reason = raw.get("action_reason")
    deposed = raw.get("deposed")
    action = _SIMPLE_ACTIONS.get(actions, _UNKNOWN)
    if action is _NO_OP:
        action = normalize_action(actions, previous, importing)
    return ResourceChange(
        address,
        rtype,
        name if type(name) is str else str(name),
        _DATA if raw.get("mode") == "data" else _MANAGED,
        provider if type(provider) is str else str(provider),
        module if isinstance(module, str) else None,
        raw.get("index"),
        actions,
        action,
        reason if isinstance(reason, str) else None,
        replace_paths if isinstance(replace_paths, list) else [],
        get("before"),
        get("after"),
        get("after_unknown"),
        get("before_sensitive"),
        get("after_sensitive"),
        deposed if isinstance(deposed, str) else None,
        previous,
        importing,
        bool(get("generated_config")),
    )


def _parse_outputs(raw: Any) -> list[OutputChange]:
    outputs: list[OutputChange] = []
    if not isinstance(raw, dict):
        return outputs
    for name, change in raw.items():
        if not isinstance(change, dict):
            continue
        actions_raw = change.get("actions")
        actions = tuple(a for a in actions_raw if isinstance(a, str)) if isinstance(actions_raw, list) else ()
        sensitive = bool(change.get("after_sensitive") or change.get("before_sensitive"))
        outputs.append(
            OutputChange(
                name=str(name),
                actions=actions,
                action=normalize_action(actions, None, None),
                before=change.get("before"),
                after=change.get("after"),
                after_unknown=change.get("after_unknown"),
                sensitive=sensitive,
            )
        )
    return outputs


def _check_address(raw: Any) -> tuple[str, str]:
    if isinstance(raw, dict):
        return str(raw.get("to_display", "")), str(raw.get("kind", ""))
    return str(raw or ""), ""


def _parse_checks(raw: Any) -> list[CheckResult]:
    checks: list[CheckResult] = []
    if not isinstance(raw, list):
        return checks
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        address, kind = _check_address(entry.get("address"))
        problems: list[str] = []
        for instance in _as_list(entry.get("instances")):
            if isinstance(instance, dict):
                for problem in _as_list(instance.get("problems")):
                    if isinstance(problem, dict) and isinstance(problem.get("message"), str):
                        problems.append(problem["message"])
        checks.append(CheckResult(address, kind, str(entry.get("status", "unknown")), problems))
    return checks


def sensitive_variable_names(raw: dict[str, Any]) -> set[str]:
    """Root-module variables declared `sensitive = true` in the configuration."""
    config = raw.get("configuration")
    root = config.get("root_module") if isinstance(config, dict) else None
    declared = root.get("variables") if isinstance(root, dict) else None
    if not isinstance(declared, dict):
        return set()
    return {
        name for name, spec in declared.items() if isinstance(spec, dict) and spec.get("sensitive") is True
    }


def _opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_plan(raw: dict[str, Any]) -> Plan:
    """Build the typed model; unknown keys are ignored (minor format versions only add keys)."""
    variables_raw = raw.get("variables")
    variables = {
        str(name): spec.get("value") if isinstance(spec, dict) else None
        for name, spec in (variables_raw.items() if isinstance(variables_raw, dict) else ())
    }
    deferred: list[DeferredChange] = []
    for entry in _as_list(raw.get("deferred_changes")):
        if isinstance(entry, dict):
            rc = entry.get("resource_change")
            deferred.append(
                DeferredChange(
                    reason=str(entry.get("reason", "unknown")),
                    change=parse_resource_change(rc) if isinstance(rc, dict) else None,
                )
            )
    relevant = raw.get("relevant_attributes")
    version = plan_format_version(raw)
    return Plan(
        format_version=str(version[1]) if version is not None else "",
        terraform_version=_str_or_none(raw.get("terraform_version")),
        resource_changes=[
            parse_resource_change(rc) for rc in _as_list(raw.get("resource_changes")) if isinstance(rc, dict)
        ],
        resource_drift=[
            parse_resource_change(rc) for rc in _as_list(raw.get("resource_drift")) if isinstance(rc, dict)
        ],
        output_changes=_parse_outputs(raw.get("output_changes")),
        variables=variables,
        sensitive_variables=sensitive_variable_names(raw),
        checks=_parse_checks(raw.get("checks")),
        deferred_changes=deferred,
        errored=raw.get("errored") is True,
        applyable=_opt_bool(raw.get("applyable")),
        complete=_opt_bool(raw.get("complete")),
        timestamp=_str_or_none(raw.get("timestamp")),
        relevant_attributes=[r for r in relevant if isinstance(r, dict)]
        if isinstance(relevant, list)
        else [],
    )
