"""The input documents policies see: conftest's (the plan JSON) and Spacelift's plan-policy input.

spacelift_input is the reference for the input shared_input.rego derives in the engine (a test compares them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from reviewer.policies.source import PolicyModule

# Fields of a resource change in Spacelift's plan policy input (input.terraform.resource_changes[]).
_SPACELIFT_CHANGE_KEYS = ("address", "type", "name", "provider_name", "module_address", "mode", "index")
# `input` followed by anything but `.name` or `["name"]` may reach any key (input[k], walk(input), x := input).
_INPUT_USE = re.compile(r"\binput\b(?!\s*(?:\.\s*[A-Za-z_]|\[\s*\"))")
_WORD = re.compile(r"[A-Za-z_]\w*")


def needed_sections(modules: Iterable[PolicyModule], plan: dict[str, Any]) -> set[str] | None:
    """Top-level plan keys the conftest-shaped policies can reach; None for all of them.

    Parsing input costs the Rego engine time in proportion to its size, and most policies read only
    resource_changes. A key can only be reached by naming it, unless `input` itself is iterated or passed
    around, so a key whose name appears nowhere in the policies' text is left out.
    """
    words: set[str] = set()
    for module in modules:
        if _INPUT_USE.search(_code(module.source)):
            return None
        words.update(_WORD.findall(module.source))
    return {key for key in plan if key in words}


def _code(source: str) -> str:
    """The source without comments (a `# input` in a comment reaches nothing)."""
    return "\n".join(line.split("#", 1)[0] if '"' not in line else line for line in source.splitlines())


def conftest_input(plan: dict[str, Any], sections: set[str] | None) -> dict[str, Any]:
    """conftest's input: the redacted `terraform show -json` document (only the sections used)."""
    if sections is None:
        return plan
    return {key: value for key, value in plan.items() if key in sections}


def spacelift_change(rc: dict[str, Any]) -> dict[str, Any]:
    """One resource change as Spacelift's plan policy shows it."""
    raw = rc.get("change")
    change: dict[str, Any] = raw if isinstance(raw, dict) else {}
    item = {key: rc[key] for key in _SPACELIFT_CHANGE_KEYS if key in rc}
    item["change"] = {
        "actions": change.get("actions", []),
        "before": change.get("before"),
        "after": change.get("after"),
    }
    return item


def spacelift_input(plan: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Spacelift's plan policy input: input.terraform (from the plan) and input.spacelift (the run)."""
    changes = plan.get("resource_changes")
    return {
        "spacelift": context,
        "terraform": {
            "resource_changes": [spacelift_change(rc) for rc in changes or () if isinstance(rc, dict)],
            "terraform_version": plan.get("terraform_version"),
        },
        "third_party_metadata": {},
    }


def spacelift_context(
    *,
    stack_id: str | None = None,
    stack_name: str | None = None,
    labels: list[str] | None = None,
    run_id: str | None = None,
    run_type: str | None = None,
    branch: str | None = None,
    commit_hash: str | None = None,
    commit_message: str | None = None,
    commit_author: str | None = None,
) -> dict[str, Any]:
    """input.spacelift as far as tfreview knows it (the CLI knows nothing: empty objects, no labels)."""
    return {
        "stack": {"id": stack_id, "name": stack_name, "labels": labels or [], "branch": branch},
        "run": {"id": run_id, "type": run_type, "branch": branch},
        "commit": {"hash": commit_hash, "message": commit_message, "author": commit_author, "branch": branch},
    }


def before_plan(plan: dict[str, Any], addresses: set[str]) -> dict[str, Any]:
    """The plan as it was before these resources changed: their `after` is their `before`.

    Only the named resources are kept (policies are evaluated again just to compare findings on them),
    and planned_values becomes the prior state's values.
    """
    changes: list[dict[str, Any]] = []
    for rc in plan.get("resource_changes") or ():
        if not isinstance(rc, dict) or rc.get("address") not in addresses:
            continue
        change = dict(rc.get("change") or {})
        change["after"] = change.get("before")
        change["after_unknown"] = {}
        change["after_sensitive"] = change.get("before_sensitive", False)
        changes.append({**rc, "change": change})
    before = {**plan, "resource_changes": changes}
    prior = plan.get("prior_state")
    if isinstance(prior, dict) and "values" in prior:
        before["planned_values"] = prior["values"]
    else:
        before.pop("planned_values", None)
    return before
