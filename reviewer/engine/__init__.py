"""The pure review engine: plan in, review out (no clock, no network, no environment).

The names below load on first use: the API imports `reviewer.engine.results` for its models and
must not pay for the rules, redaction and parser at every cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewer.engine.config import ReviewConfig, Suppression
    from reviewer.engine.config_loader import load_config, parse_config
    from reviewer.engine.errors import ConfigError, PlanError, PlanErrorCode
    from reviewer.engine.loader import load_plan, load_plan_checked
    from reviewer.engine.parser import parse_plan
    from reviewer.engine.plan import Action, Plan, ResourceChange
    from reviewer.engine.redaction import REDACTED, redact_plan
    from reviewer.engine.review import ENGINE_VERSION, ReviewOutput, canonical_json, review_plan
    from reviewer.engine.rules import RULES, RULES_BY_ID

_EXPORTS = {
    "ENGINE_VERSION": "reviewer.engine.review",
    "REDACTED": "reviewer.engine.redaction",
    "RULES": "reviewer.engine.rules",
    "RULES_BY_ID": "reviewer.engine.rules",
    "Action": "reviewer.engine.plan",
    "ConfigError": "reviewer.engine.errors",
    "Plan": "reviewer.engine.plan",
    "PlanError": "reviewer.engine.errors",
    "PlanErrorCode": "reviewer.engine.errors",
    "ResourceChange": "reviewer.engine.plan",
    "ReviewConfig": "reviewer.engine.config",
    "ReviewOutput": "reviewer.engine.review",
    "Suppression": "reviewer.engine.config",
    "canonical_json": "reviewer.engine.review",
    "load_config": "reviewer.engine.config_loader",
    "load_plan": "reviewer.engine.loader",
    "load_plan_checked": "reviewer.engine.loader",
    "parse_config": "reviewer.engine.config_loader",
    "parse_plan": "reviewer.engine.parser",
    "redact_plan": "reviewer.engine.redaction",
    "review_plan": "reviewer.engine.review",
}

__all__ = [
    "ENGINE_VERSION",
    "REDACTED",
    "RULES",
    "RULES_BY_ID",
    "Action",
    "ConfigError",
    "Plan",
    "PlanError",
    "PlanErrorCode",
    "ResourceChange",
    "ReviewConfig",
    "ReviewOutput",
    "Suppression",
    "canonical_json",
    "load_config",
    "load_plan",
    "load_plan_checked",
    "parse_config",
    "parse_plan",
    "redact_plan",
    "review_plan",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines a name the first time it is used."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reviewer.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
