"""Errors the engine raises for input it cannot review."""

from __future__ import annotations

from enum import StrEnum


class PlanErrorCode(StrEnum):
    NOT_JSON = "not_json"
    EMPTY = "empty"
    NOT_A_PLAN = "not_a_plan"
    STATE_FILE = "state_file"
    STATE_JSON = "state_json"
    PROVIDER_SCHEMAS = "provider_schemas"
    UNSUPPORTED_FORMAT_VERSION = "unsupported_format_version"
    BAD_ENCODING = "bad_encoding"
    TOO_DEEP = "too_deep"
    INVALID_UNICODE = "invalid_unicode"


class PlanError(Exception):
    """The input is not a Terraform plan this engine can review; `.code` says why."""

    def __init__(self, code: PlanErrorCode | str, message: str) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(Exception):
    """A `.tfreview.toml` file that cannot be read or does not validate."""
