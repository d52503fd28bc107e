"""The schema a `.tfreview.toml` file is validated against (pydantic, so only imported when one is read)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reviewer.engine.config import PolicyConfig, ReviewConfig, Suppression, check_rule_ids
from reviewer.engine.errors import ConfigError
from reviewer.engine.results import RiskLevel, Severity


class SuppressionFile(BaseModel):
    """One `[[suppress]]` table."""

    model_config = ConfigDict(extra="forbid")

    rule: str = "*"
    address: str = "*"
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date | None = None


class PoliciesFile(BaseModel):
    """The `[policies]` table: custom Rego policies (docs/policies.md)."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(default_factory=list)
    deny_severity: Severity = Severity.HIGH
    warn_severity: Severity = Severity.MEDIUM
    timeout_seconds: float = Field(10.0, gt=0, le=600)


class ConfigFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    suppress: list[SuppressionFile] = Field(default_factory=list)
    custom_instructions: str = ""
    fail_on: RiskLevel | None = None
    policies: PoliciesFile = Field(default_factory=PoliciesFile)

    @field_validator("disable")
    @classmethod
    def _known_disable(cls, value: list[str]) -> list[str]:
        check_rule_ids(value)
        return value

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        check_rule_ids(list(value))
        return value


def validate_config(data: dict[str, Any], source: str) -> ReviewConfig:
    """Check parsed TOML against the schema; ConfigError lists every problem with its location."""
    try:
        checked = ConfigFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None
    return ReviewConfig(
        disable=checked.disable,
        severity=checked.severity,
        suppress=[Suppression(**item.model_dump()) for item in checked.suppress],
        custom_instructions=checked.custom_instructions,
        fail_on=checked.fail_on,
        policies=PolicyConfig(**checked.policies.model_dump()),
    )
