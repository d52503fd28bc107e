"""Redaction details: marks, copies, patterns, names, paths and what is left alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.engine import REDACTED, redact_plan
from tests.reviewer.engine.plans import change, plan


def after(redacted: dict[str, Any], index: int = 0) -> Any:
    return redacted["resource_changes"][index]["change"]["after"]


def test_marks_redact_nested_leaves_and_keep_shape() -> None:
    raw = plan(
        change(
            "aws_x",
            {"a": {"b": ["s3cret-1", "s3cret-2"], "c": 5}, "d": "keep"},
            after_sensitive={"a": {"b": [True, False]}},
        )
    )
    redacted, report = redact_plan(raw)
    assert after(redacted) == {"a": {"b": [REDACTED, "s3cret-2"], "c": 5}, "d": "keep"}
    assert report.paths == ["resource_changes[aws_x.this].change.after.a.b[0]"]
    assert report.by_reason == {"sensitive_mark": 1}


def test_whole_value_mark_redacts_numbers_and_bools_too() -> None:
    raw = plan(change("aws_x", {"pin": 123456, "flag": True, "none": None}, after_sensitive=True))
    assert after(redact_plan(raw)[0]) == {"pin": REDACTED, "flag": REDACTED, "none": None}


def test_copies_anywhere_including_inside_longer_strings() -> None:
    raw = plan(
        change("aws_x", {"password": "Zebra-Horse-99"}, after_sensitive={"password": True}),
        change(
            "aws_y",
            {
                "note": "Zebra-Horse-99",
                "url": "db://u@h?pw=Zebra-Horse-99&x=1",
                "arn": "arn:x:Zebra-Horse-99-suffix",
            },
            name="y",
        ),
    )
    redacted, report = redact_plan(raw)
    assert "Zebra-Horse-99" not in json.dumps(redacted)
    assert report.by_reason["copy_of_sensitive_value"] == 3


def test_short_marked_values_are_only_replaced_where_marked() -> None:
    raw = plan(change("aws_x", {"port": "80", "name": "80"}, after_sensitive={"port": True}))
    assert after(redact_plan(raw)[0]) == {"port": REDACTED, "name": "80"}


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("key AKIAZ7QW3RT5YU8IOP2L here", "AKIAZ7QW3RT5YU8IOP2L"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----", "abc"),
        (
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "dozjgNryP4J3",
        ),
        ("token sk-ant-api03-abcdefghijklmnopqrstuv", "sk-ant-api03"),
        ("redis://default:Very-Secret-1@cache:6379", "Very-Secret-1"),
        ("PASSWORD=Hunter2Hunter2 ./run", "Hunter2Hunter2"),
        ('{"api_key": "abc-123-def-456"}', "abc-123-def-456"),
    ],
)
def test_patterns_in_unmarked_values(value: str, secret: str) -> None:
    redacted, report = redact_plan(plan(change("aws_x", {"description": value})))
    assert secret not in json.dumps(redacted) and report.count >= 1


def test_aws_secret_key_next_to_access_key_in_same_object() -> None:
    raw = plan(
        change("aws_x", {"id": "AKIAZ7QW3RT5YU8IOP2L", "other": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
    )
    assert after(redact_plan(raw)[0]) == {"id": REDACTED, "other": REDACTED}


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
        "${var.password}",
        "projects/p/secrets/s",
        "",
    ],
)
def test_references_under_secret_names_are_kept(value: str) -> None:
    assert after(redact_plan(plan(change("aws_x", {"password": value})))[0]) == {"password": value}


def test_non_secret_values_untouched() -> None:
    values = {
        "name": "web",
        "cidr": "10.0.0.0/16",
        "tags": {"token_count": "5"},
        "http_tokens": "required",
        "disk-size": "sk-1",
    }
    redacted, report = redact_plan(plan(change("aws_x", values)))
    assert after(redacted) == values and report.count == 0


def test_sensitive_variables_outputs_and_prior_state() -> None:
    raw = plan(
        variables={
            "db_pass": {"value": "Var-Secret-77"},
            "region": {"value": "eu-west-1"},
            "api_token": {"value": "plainish-token"},
        },
        configuration={
            "root_module": {"variables": {"db_pass": {"sensitive": True, "default": "Var-Secret-77"}}}
        },
        output_changes={
            "o": {"actions": ["create"], "after": {"k": "Out-Secret-88"}, "after_sensitive": True}
        },
        prior_state={
            "values": {"outputs": {"p": {"sensitive": True, "value": "Prior-Out-99", "type": "string"}}}
        },
    )
    redacted, report = redact_plan(raw)
    text = json.dumps(redacted)
    for secret in ("Var-Secret-77", "Out-Secret-88", "Prior-Out-99", "plainish-token"):
        assert secret not in text
    assert redacted["variables"]["region"]["value"] == "eu-west-1"
    assert redacted["prior_state"]["values"]["outputs"]["p"]["type"] == "string"
    assert {"sensitive_variable", "sensitive_output"} <= set(report.by_reason)


def test_json_documents_inside_strings() -> None:
    doc = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*"}], "client_secret": "Doc-Secret-11"})
    redacted, _ = redact_plan(plan(change("aws_x", {"policy": doc})))
    inner = json.loads(after(redacted)["policy"])
    assert inner["client_secret"] == REDACTED and inner["Statement"][0]["Action"] == "s3:*"


def test_many_sensitive_values_still_redact_token_copies() -> None:
    changes = [
        change("aws_x", {"password": f"pw-{i:05d}-xyz"}, after_sensitive={"password": True}, name=f"n{i}")
        for i in range(400)
    ]
    changes.append(
        change("aws_y", {"url": "postgres://u:pw-00007-xyz@h/db", "note": "pw-00399-xyz"}, name="y")
    )
    redacted, _ = redact_plan(plan(*changes))
    assert "pw-00007-xyz" not in json.dumps(redacted) and "pw-00399-xyz" not in json.dumps(redacted)
