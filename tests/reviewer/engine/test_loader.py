"""Decoding, JSON parsing and plan-shape validation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.engine import PlanError, load_plan, parse_plan
from tests.reviewer.engine.plans import change, plan

PLAN = plan(change("aws_instance", {"ami": "ami-1", "tags": {"Owner": "zoë"}}))
TEXT = json.dumps(PLAN, ensure_ascii=False)


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no BOM
        TEXT.encode("utf-32"),
        TEXT,
        "\ufeff" + TEXT,
        PLAN,
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le-nobom",
        "utf32",
        "str",
        "str-bom",
        "dict",
    ],
)
def test_accepts_encodings(data: bytes | str | dict[str, Any]) -> None:
    loaded = load_plan(data)
    assert loaded["resource_changes"][0]["change"]["after"]["tags"]["Owner"] == "zoë"


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty", "empty"),
        (b"  \n", "empty", "empty"),
        (b"{}", "empty", "empty object"),
        (b"not json at all", "not_json", "not valid JSON"),
        (b'{"format_version": NaN}', "not_json", "NaN"),
        (b'{"a": Infinity}', "not_json", "Infinity"),
        (b"[1, 2]", "not_a_plan", "array"),
        (b'"plan"', "not_a_plan", "str"),
        (b'{"hello": "world"}', "not_a_plan", "format_version"),
        (b'{"hello": "world", "format_version": "1.0"}', "not_a_plan", "resource_changes/planned_values"),
        (
            json.dumps({"version": 4, "serial": 3, "lineage": "x", "resources": []}).encode(),
            "state_file",
            "terraform.tfstate",
        ),
        (
            json.dumps({"version": 3, "serial": 1, "modules": []}).encode(),
            "state_file",
            "terraform.tfstate",
        ),
        (
            json.dumps({"version": 4, "terraform_version": "1.5.0", "resources": []}).encode(),
            "state_file",
            "terraform.tfstate",
        ),
        (
            json.dumps({"format_version": "1.0", "values": {"root_module": {}}}).encode(),
            "state_json",
            "state",
        ),
        (
            json.dumps({"format_version": "1.0", "provider_schemas": {}}).encode(),
            "provider_schemas",
            "providers schema",
        ),
        (
            json.dumps({"format_version": "1.0", "function_signatures": {}}).encode(),
            "not_a_plan",
            "metadata functions",
        ),
        (
            json.dumps({"remote_plan_format": 1, "run_id": "run-1", "hostname": "app.terraform.io"}).encode(),
            "not_a_plan",
            "bookmark",
        ),
        (
            json.dumps({"format_version": "1.0", "valid": False, "diagnostics": []}).encode(),
            "not_a_plan",
            "validate",
        ),
        (
            json.dumps({"@level": "info", "@message": "Terraform 1.9.0", "type": "version"}).encode(),
            "not_a_plan",
            "log",
        ),
        (
            json.dumps({"plan_format_version": "2.0", "resource_changes": []}).encode(),
            "unsupported_format_version",
            "2.0",
        ),
        (
            json.dumps({"format_version": "2.1", "provider_schemas": {}}).encode(),
            "provider_schemas",
            "schema",
        ),
        (
            json.dumps({"format_version": "2.0", "resource_changes": []}).encode(),
            "unsupported_format_version",
            "2.0",
        ),
        (
            json.dumps({"format_version": 1.2, "resource_changes": []}).encode(),
            "unsupported_format_version",
            "string",
        ),
        (json.dumps({"format_version": "1.2"}).encode(), "not_a_plan", "resource_changes"),
        (
            json.dumps({"format_version": "1.2", "configuration": {}}).encode(),
            "not_a_plan",
            "resource_changes",
        ),
        (
            json.dumps({"format_version": "1.2", "planned_values": []}).encode(),
            "not_a_plan",
            "must be an object",
        ),
        (
            json.dumps({"format_version": "1.2", "resource_changes": {}}).encode(),
            "not_a_plan",
            "must be a list",
        ),
        (
            json.dumps({"format_version": "1.2", "resource_changes": [{"change": {}}]}).encode(),
            "not_a_plan",
            "address",
        ),
        (b"\xff\xfe\x00", "bad_encoding", "UTF"),
        (b'{"format_version": "1.2", "x": "\xc3\x28"}', "bad_encoding", "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "too_deep", "nested"),
        (
            b'{"format_version": "1.2", "resource_changes": [], "x": ' + b"[" * 250 + b"]" * 250 + b"}",
            "too_deep",
            "200",
        ),
    ],
)
def test_rejects_with_clear_error(data: bytes, code: str, words: str) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(data)
    assert caught.value.code == code
    assert words.lower() in str(caught.value).lower()
    assert caught.value.message == str(caught.value)


def test_accepts_old_and_minor_versions_and_ignores_unknown_keys() -> None:
    for version in ("0.1", "0.2", "1.0", "1.2", "1.99"):
        raw = plan(format_version=version, something_new={"x": 1})
        assert load_plan(raw)["format_version"] == version


SCHEMAS = {"format_version": "1.0", "provider_schemas": {"registry.terraform.io/hashicorp/aws": {}}}


def test_a_plan_saved_with_provider_schemas_is_a_plan() -> None:
    # Once refused as "providers schema output" because of the key alone; the content decides now.
    raw = plan(change("aws_instance", {"ami": "ami-1"}), provider_schemas=SCHEMAS["provider_schemas"])
    assert load_plan(json.dumps(raw).encode())["provider_schemas"]


def test_hcp_terraform_redacted_plan_is_a_plan() -> None:
    raw = {
        "plan_format_version": "1.1",
        "provider_format_version": "1.0",
        "resource_drift": [],
        "resource_changes": plan(change("aws_instance", {"ami": "ami-1"}))["resource_changes"],
        "relevant_attributes": [{"resource": "aws_instance.this", "attribute": ["ami"]}],
        "output_changes": {},
        "provider_schemas": SCHEMAS["provider_schemas"],
    }
    loaded = load_plan(json.dumps(raw).encode())
    assert parse_plan(loaded).format_version == "1.1"


def test_plan_with_planned_values_only_is_a_plan() -> None:
    # An errored plan of Terraform carries planned_values but no resource_changes.
    raw = {"format_version": "1.2", "errored": True, "planned_values": {"root_module": {}}, "prior_state": {}}
    assert load_plan(raw)["errored"] is True


@pytest.mark.parametrize(
    "literal",
    [
        "123456789012345678901234567890",
        "-9223372036854775809",
        "18446744073709551615",
        "1e400",
        "1.5e-7",
        '"\\ud800"',
    ],
)
def test_values_are_those_of_json_loads(literal: str) -> None:
    # The orjson fast path must hand back exactly what json.loads gives (big integers stay exact ints).
    text = '{"format_version": "1.2", "resource_changes": [], "x": [' + literal + "]}"
    assert repr(load_plan(text.encode())["x"]) == repr(json.loads(text)["x"])
