"""The pure review engine: plan in, review out (no clock, no network, no environment)."""

from reviewer.engine.config import ReviewConfig, Suppression, load_config, parse_config
from reviewer.engine.errors import ConfigError, PlanError, PlanErrorCode
from reviewer.engine.loader import load_plan, load_plan_checked
from reviewer.engine.parser import parse_plan
from reviewer.engine.plan import Action, Plan, ResourceChange
from reviewer.engine.redaction import REDACTED, redact_plan
from reviewer.engine.review import ENGINE_VERSION, ReviewOutput, canonical_json, review_plan
from reviewer.engine.rules import RULES, RULES_BY_ID

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
