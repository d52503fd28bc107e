"""The `.tfreview.toml` configuration: disabled rules, severity overrides, suppressions, LLM instructions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase

from reviewer.engine.results import RiskLevel, Severity

CONFIG_FILE_NAME = ".tfreview.toml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    """Silence one rule (or `*`) for addresses matching a glob, owned by someone, until a date."""

    rule: str = "*"
    address: str = "*"
    owner: str
    reason: str
    expires: date | None = None

    def matches(self, rule_id: str, address: str | None) -> bool:
        return fnmatchcase(rule_id, self.rule) and fnmatchcase(address or "", self.address)

    def expired(self, today: date | None) -> bool:
        return self.expires is not None and today is not None and self.expires < today


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyConfig:
    """Custom Rego policies (`[policies]`, see docs/policies.md); paths are resolved by load_config."""

    paths: list[str] = field(default_factory=list)
    deny_severity: Severity = Severity.HIGH
    warn_severity: Severity = Severity.MEDIUM
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewConfig:
    """Per-repository review settings (see docs/configuration.md); files are checked by config_file."""

    disable: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    suppress: list[Suppression] = field(default_factory=list)
    custom_instructions: str = ""
    fail_on: RiskLevel | None = None
    policies: PolicyConfig = field(default_factory=PolicyConfig)


def check_rule_ids(ids: list[str]) -> None:
    """Raise ValueError naming the ids that are not in the catalog."""
    from reviewer.engine.rules import RULES_BY_ID

    unknown = [rule_id for rule_id in ids if rule_id not in RULES_BY_ID]
    if unknown:
        raise ValueError(f"unknown rule id(s): {', '.join(unknown)} (see `tfreview rules`)")
