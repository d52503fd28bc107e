"""The `.tfreview.toml` configuration: disabled rules, severity overrides, suppressions, LLM instructions."""

from __future__ import annotations

import tomllib
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reviewer.engine.errors import ConfigError
from reviewer.engine.results import RiskLevel, Severity

CONFIG_FILE_NAME = ".tfreview.toml"


class Suppression(BaseModel):
    """Silence one rule (or `*`) for addresses matching a glob, owned by someone, until a date."""

    model_config = ConfigDict(extra="forbid")

    rule: str = "*"
    address: str = "*"
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date | None = None

    def matches(self, rule_id: str, address: str | None) -> bool:
        return fnmatchcase(rule_id, self.rule) and fnmatchcase(address or "", self.address)

    def expired(self, today: date | None) -> bool:
        return self.expires is not None and today is not None and self.expires < today


class ReviewConfig(BaseModel):
    """Per-repository review settings (see docs/configuration.md)."""

    model_config = ConfigDict(extra="forbid")

    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    suppress: list[Suppression] = Field(default_factory=list)
    custom_instructions: str = ""
    fail_on: RiskLevel | None = None

    @field_validator("disable")
    @classmethod
    def _known_disable(cls, value: list[str]) -> list[str]:
        _check_rule_ids(value)
        return value

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        _check_rule_ids(list(value))
        return value


def _check_rule_ids(ids: list[str]) -> None:
    from reviewer.engine.rules import RULES_BY_ID

    unknown = [rule_id for rule_id in ids if rule_id not in RULES_BY_ID]
    if unknown:
        raise ValueError(f"unknown rule id(s): {', '.join(unknown)} (see `tfreview rules`)")


def parse_config(text: str, source: str = CONFIG_FILE_NAME) -> ReviewConfig:
    """Parse TOML text into a ReviewConfig; raises ConfigError with the reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return ReviewConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None


def load_config(path: str | Path) -> ReviewConfig:
    """Read and validate a `.tfreview.toml` file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: config file is not UTF-8 text") from None
    return parse_config(text, str(file))
