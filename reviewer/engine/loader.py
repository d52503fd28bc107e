"""Turn bytes, text or a dict into a validated plan dict (encoding, JSON, plan shape, version)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson  # Deliberate exception to the stdlib-only engine: a C JSON parser, a fast path for big plans.

from reviewer.engine.errors import PlanError, PlanErrorCode

# Real plans nest a few dozen levels; the limit keeps every recursive walk far from Python's stack limit.
MAX_DEPTH = 200
SUPPORTED_MAJOR_VERSIONS = (0, 1)
EXPECTED = "expected the JSON of a Terraform plan (`terraform show -json PLANFILE`)"


def decode_plan_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16/32 with BOM; sniff BOM-less UTF-16."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            return data.decode("utf-32")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        # JSON starts with an ASCII character, so a NUL in the first two bytes means BOM-less UTF-16.
        if len(data) >= 2 and data[0] == 0 and data[1] != 0:
            return data.decode("utf-16-be")
        if len(data) >= 2 and data[1] == 0 and data[0] != 0:
            return data.decode("utf-16-le")
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(
            PlanErrorCode.BAD_ENCODING,
            f"the file is not valid UTF-8 or UTF-16 text (byte {exc.start}); {EXPECTED}",
        ) from None


def _plain_utf8(data: bytes | bytearray) -> bool:
    """True when decode_plan_bytes would decode `data` as UTF-8 without a BOM (the usual plan)."""
    return len(data) >= 2 and data[0] not in (0x00, 0xEF, 0xFE, 0xFF) and data[1] != 0


def _reject_constant(name: str) -> Any:
    raise PlanError(PlanErrorCode.NOT_JSON, f"the JSON contains {name}, which is not valid JSON; {EXPECTED}")


# orjson turns integers beyond 64 bits into floats where json.loads keeps them exact: such a float (or a
# genuine one that big) sends the text through json.loads instead.
_EXACT_FLOAT_LIMIT = 9.2e18
_REJECT, _EXACT, _PLAIN = 0, 1, 2


def plain_float(value: float) -> bool:
    """True when orjson writes the float as json.dumps does: no exponent in its repr (or zero).

    orjson writes 1e-05 as 0.00001 and 1e+16 as 1e16, NaN and Infinity as null.
    """
    return value == 0.0 or 1e-4 <= abs(value) < 1e15


def _number_check(node: dict[str, Any] | list[Any], depth: int = 1) -> int:
    """_REJECT beyond MAX_DEPTH or for a float json.loads could have read as an int; else _PLAIN when
    every float is plain (so orjson can also write the tree back byte for byte as json.dumps), or _EXACT."""
    if depth > MAX_DEPTH:
        return _REJECT
    verdict = _PLAIN
    values: Iterable[Any] = node.values() if type(node) is dict else node
    for value in values:
        kind = type(value)
        if kind is str:  # most values: answered first
            continue
        if kind is dict or kind is list:
            inner = _number_check(value, depth + 1)
            if inner < verdict:
                if inner == _REJECT:
                    return _REJECT
                verdict = inner
        elif kind is float:
            if not -_EXACT_FLOAT_LIMIT < value < _EXACT_FLOAT_LIMIT:
                return _REJECT
            if not plain_float(value):
                verdict = _EXACT
    return verdict


def _parse_fast(text: str | bytes | bytearray) -> tuple[Any, bool] | None:
    """The value json.loads would give, parsed by orjson, and whether all its floats are plain; None
    whenever that is not certain.

    Anything orjson refuses (NaN/Infinity, numbers overflowing a double, lone surrogates, deep nesting,
    a BOM, invalid JSON or UTF-8) returns None, and parse_json_text then gives the exact stdlib result or
    error.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, dict | list):
        verdict = _number_check(value)
        return None if verdict == _REJECT else (value, verdict == _PLAIN)
    return None


def _check_depth(node: dict[str, Any] | list[Any], depth: int = 1) -> None:
    """Refuse absurd nesting before any recursive walk sees it (stops at MAX_DEPTH, far below the stack limit)."""
    if depth > MAX_DEPTH:
        raise PlanError(PlanErrorCode.TOO_DEEP, f"the JSON is nested deeper than {MAX_DEPTH} levels")
    for value in node.values() if type(node) is dict else node:
        if type(value) is dict or type(value) is list:
            _check_depth(value, depth + 1)


def parse_json_text(text: str) -> Any:
    """Parse JSON text strictly (no NaN/Infinity), mapping every failure to a PlanError."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise PlanError(PlanErrorCode.EMPTY, f"the input is empty; {EXPECTED}")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise PlanError(
            PlanErrorCode.TOO_DEEP, "the JSON is nested too deeply to be a Terraform plan"
        ) from None
    except json.JSONDecodeError as exc:
        raise PlanError(
            PlanErrorCode.NOT_JSON,
            f"the input is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {EXPECTED}",
        ) from None


def _major_version(format_version: object, key: str) -> int:
    if not isinstance(format_version, str):
        raise PlanError(
            PlanErrorCode.UNSUPPORTED_FORMAT_VERSION,
            f'{key} must be a string like "1.2", got {type(format_version).__name__}',
        )
    head = format_version.split(".", 1)[0]
    if not head.isdecimal():  # isdigit() also passes "²", which int() refuses
        raise PlanError(
            PlanErrorCode.UNSUPPORTED_FORMAT_VERSION,
            f"{key} {format_version[:20]!r} is not a version number; supported: 0.x and 1.x",
        )
    return int(head)


def plan_format_version(raw: dict[str, Any]) -> tuple[str, object] | None:
    """The key and value of a plan's format version: `format_version`, or `plan_format_version` in
    HCP Terraform's redacted JSON plans; None when neither is there."""
    for key in ("format_version", "plan_format_version"):
        if key in raw:
            return key, raw[key]
    return None


def _check_version(raw: dict[str, Any]) -> None:
    found = plan_format_version(raw)
    if found is None:
        return  # the content says it is a plan; a missing version is no reason to refuse it
    key, version = found
    if _major_version(version, key) not in SUPPORTED_MAJOR_VERSIONS:
        raise PlanError(
            PlanErrorCode.UNSUPPORTED_FORMAT_VERSION,
            f"plan {key} {str(version)[:20]} is not supported; this reviewer reads 0.x and 1.x",
        )


def _not_a_plan(raw: dict[str, Any]) -> PlanError:
    """What a JSON object without resource_changes or planned_values is, as precisely as its keys say."""
    if not raw:
        return PlanError(PlanErrorCode.EMPTY, f"the JSON is an empty object; {EXPECTED}")
    if ("lineage" in raw and "serial" in raw) or (
        isinstance(raw.get("version"), int) and isinstance(raw.get("resources", raw.get("modules")), list)
    ):
        return PlanError(
            PlanErrorCode.STATE_FILE,
            f"this is a Terraform state file (terraform.tfstate), not a plan; {EXPECTED}",
        )
    if "values" in raw:
        return PlanError(
            PlanErrorCode.STATE_JSON,
            f"this is the JSON of a Terraform state (`terraform show -json` without a plan file); {EXPECTED}",
        )
    if "provider_schemas" in raw:
        return PlanError(
            PlanErrorCode.PROVIDER_SCHEMAS,
            f"this is `terraform providers schema -json` output, not a plan; {EXPECTED}",
        )
    if "function_signatures" in raw:
        return PlanError(
            PlanErrorCode.NOT_A_PLAN,
            f"this is `terraform metadata functions -json` output, not a plan; {EXPECTED}",
        )
    if "remote_plan_format" in raw:
        return PlanError(
            PlanErrorCode.NOT_A_PLAN,
            "this is an HCP Terraform saved-plan bookmark, which holds no changes; "
            f"run `terraform show -json` on the saved plan instead; {EXPECTED}",
        )
    if "diagnostics" in raw and "valid" in raw:
        return PlanError(
            PlanErrorCode.NOT_A_PLAN, f"this is `terraform validate -json` output, not a plan; {EXPECTED}"
        )
    if "@message" in raw or "@level" in raw:
        return PlanError(
            PlanErrorCode.NOT_A_PLAN,
            f"this is a line of Terraform's machine-readable log (`-json`), not a plan; {EXPECTED}",
        )
    found = plan_format_version(raw)
    if found is None:
        return PlanError(
            PlanErrorCode.NOT_A_PLAN,
            f"the JSON has no format_version and none of resource_changes/planned_values; {EXPECTED}",
        )
    _check_version(raw)
    return PlanError(
        PlanErrorCode.NOT_A_PLAN,
        f"the JSON has a {found[0]} but none of resource_changes/planned_values; {EXPECTED}",
    )


def validate_plan_shape(raw: Any) -> dict[str, Any]:
    """Check that a parsed JSON value is a Terraform plan of a supported format version.

    What the document holds decides: an object with `resource_changes` or `planned_values` is a plan,
    whatever else it carries (`provider_schemas` in plans saved with schemas and in HCP Terraform's
    redacted plans, `resource_drift`, `relevant_attributes`, keys of later versions). Anything else is
    refused with the most precise diagnosis its keys allow.
    """
    if not isinstance(raw, dict):
        kind = "an array" if isinstance(raw, list) else f"a {type(raw).__name__}"
        raise PlanError(PlanErrorCode.NOT_A_PLAN, f"the JSON is {kind}, not an object; {EXPECTED}")
    if "resource_changes" not in raw and "planned_values" not in raw:
        raise _not_a_plan(raw)
    _check_version(raw)
    for key in ("resource_changes", "resource_drift", "deferred_changes", "checks", "relevant_attributes"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], list):
            raise PlanError(PlanErrorCode.NOT_A_PLAN, f"{key} must be a list in a Terraform plan")
    for key in ("output_changes", "variables", "planned_values", "prior_state", "configuration"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], dict):
            raise PlanError(PlanErrorCode.NOT_A_PLAN, f"{key} must be an object in a Terraform plan")
    for index, change in enumerate(raw.get("resource_changes") or ()):
        if not isinstance(change, dict) or not isinstance(change.get("address"), str):
            raise PlanError(PlanErrorCode.NOT_A_PLAN, f"resource_changes[{index}] has no address")
        if not isinstance(change.get("change"), dict):
            raise PlanError(PlanErrorCode.NOT_A_PLAN, f"resource_changes[{index}] has no change object")
    return raw


def load_plan(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """Decode, parse and validate a plan; raises PlanError saying what the input is instead."""
    return load_plan_checked(data)[0]


def load_plan_checked(data: bytes | str | dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """load_plan, plus whether every number in the plan is known to be one orjson writes exactly as
    json.dumps does (then canonical_json may skip checking that again)."""
    if isinstance(data, dict):
        raw: Any = data
    else:
        if isinstance(data, bytes | bytearray) and _plain_utf8(data):
            # orjson reads UTF-8 bytes itself: no decoded copy of a big plan. Invalid UTF-8 (or anything
            # else it refuses) takes the path below, which says what is wrong.
            fast = _parse_fast(data)
            if fast is not None:
                return validate_plan_shape(fast[0]), fast[1]
        text = decode_plan_bytes(data) if isinstance(data, bytes | bytearray) else data
        fast = _parse_fast(text)
        if fast is not None:
            return validate_plan_shape(fast[0]), fast[1]  # _parse_fast has checked the depth
        raw = parse_json_text(text)
    if isinstance(raw, dict | list):
        _check_depth(raw)
    return validate_plan_shape(raw), False
