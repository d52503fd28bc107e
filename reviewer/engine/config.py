"""The `.tfreview.toml` configuration: disabled rules, severity overrides, suppressions, LLM instructions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

from reviewer.engine.errors import ConfigError
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


def parse_config(text: str, source: str = CONFIG_FILE_NAME) -> ReviewConfig:
    """Parse TOML text into a ReviewConfig; raises ConfigError with the reason."""
    import tomllib  # only when there is a file: `tfreview review` starts faster without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    # Validation uses pydantic, imported only when there is a file to check (the CLI starts faster).
    from reviewer.engine.config_file import validate_config

    return validate_config(data, source)


def load_config(path: str | Path) -> ReviewConfig:
    """Read and validate a `.tfreview.toml` file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: config file is not UTF-8 text") from None
    config = parse_config(text, str(file))
    if not config.policies.paths:
        return config
    # Policy paths are relative to the file that names them, wherever the command runs.
    paths = [str(file.parent / path) for path in config.policies.paths]
    return replace(config, policies=replace(config.policies, paths=paths))
