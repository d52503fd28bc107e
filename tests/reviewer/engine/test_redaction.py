"""Redaction details: marks, copies, patterns, names, paths and what is left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import REDACTED, redact_plan
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.test_corpus import FILES as CORPUS_FILES
from tests.reviewer.engine.test_peer_corpus import PLANS as PEER_PLANS
from tests.reviewer.engine.test_peer_corpus import plan_addresses


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


# --- structure is never rewritten; redaction never creates findings (issue 13) ----------------------
DB_NAME_MARK = {"db_name": True}


def _postgres_plan() -> dict[str, Any]:
    """A database whose sensitive db_name is the common word `postgres`, which is also in every address."""
    database = change(
        "aws_db_instance",
        {"db_name": "postgres", "engine": "postgres", "identifier": "orders-postgres", "port": 5432},
        name="postgres",
        module="module.postgres",
        after_sensitive=DB_NAME_MARK,
        previous_address="module.postgres.aws_db_instance.postgres_old",
    )
    database["provider_name"] = "registry.terraform.io/cyrilgdn/postgresql"
    function = change(
        "aws_lambda_function",
        {
            "function_name": "api",
            "environment": [
                {
                    "variables": {
                        "DB_HOST": "postgres.cluster-abc.eu-west-1.rds.amazonaws.com",
                        "DB_NAME": "postgres",
                        "DB_USER": "app",
                    }
                }
            ],
        },
        name="api",
    )
    url = "jdbc:postgresql://postgres.internal:5432/postgres"
    return plan(
        database,
        function,
        output_changes={
            "db_url": {"actions": ["no-op"], "before": url, "after": url, "after_unknown": False},
            "db_name": {"actions": ["no-op"], "before": "postgres", "after": "postgres"},
        },
        planned_values={
            "root_module": {
                "child_modules": [
                    {
                        "address": "module.postgres",
                        "resources": [
                            {
                                "address": "module.postgres.aws_db_instance.postgres",
                                "mode": "managed",
                                "type": "aws_db_instance",
                                "name": "postgres",
                                "provider_name": "registry.terraform.io/cyrilgdn/postgresql",
                                "values": {"db_name": "postgres", "engine": "postgres"},
                                "sensitive_values": DB_NAME_MARK,
                            }
                        ],
                    }
                ]
            }
        },
        configuration={
            "root_module": {
                "module_calls": {
                    "postgres": {
                        "source": "./modules/postgres",
                        "expressions": {"name": {"references": ["var.postgres", "local.postgres"]}},
                    }
                }
            }
        },
        relevant_attributes=[
            {"resource": "module.postgres.aws_db_instance.postgres", "attribute": ["db_name"]}
        ],
        checks=[
            {
                "address": {"kind": "resource", "to_display": "module.postgres.aws_db_instance.postgres"},
                "status": "pass",
            }
        ],
    )


def _structure(raw: dict[str, Any]) -> list[Any]:
    keys = ("address", "previous_address", "module_address", "type", "name", "provider_name", "mode")
    found: list[Any] = [[rc.get(k) for k in keys] for rc in raw["resource_changes"]]
    module = raw["planned_values"]["root_module"]["child_modules"][0]
    found.append(module["address"])
    found.append([[r.get(k) for k in keys] for r in module["resources"]])
    found.append(raw["configuration"])
    found.append(raw["relevant_attributes"])
    found.append(raw["checks"])
    return found


def test_structure_is_never_rewritten_by_a_common_word_secret() -> None:
    raw = _postgres_plan()
    redacted, _ = redact_plan(raw)
    assert _structure(redacted) == _structure(raw)
    database = after(redacted)
    assert database["db_name"] == REDACTED  # marked: always redacted
    assert database["engine"] != "postgres"  # a whole-value copy in a value position: hidden
    assert database["identifier"] == "orders-postgres"  # a common word inside a value: left alone
    variables = after(redacted, 1)["environment"][0]["variables"]
    assert variables["DB_HOST"] == "postgres.cluster-abc.eu-west-1.rds.amazonaws.com"
    assert variables["DB_NAME"] != "postgres"
    assert REDACTED not in json.dumps(variables)  # a coincidental copy is hidden, not called a secret


def test_actions_are_structure_even_when_a_value_equals_them() -> None:
    raw = plan(
        change("aws_x", {"mode": "update"}, before={"mode": "create"}, after_sensitive={"mode": True}),
        output_changes={"o": {"actions": ["update"], "before": "a", "after": "update"}},
    )
    redacted, _ = redact_plan(raw)
    assert redacted["resource_changes"][0]["change"]["actions"] == ["update"]
    assert redacted["output_changes"]["o"]["actions"] == ["update"]
    assert redacted["output_changes"]["o"]["after"] == "(sensitive)"


def test_a_common_word_found_by_name_does_not_rewrite_structure_either() -> None:
    raw = plan(
        change("aws_db_instance", {"password": "postgres", "engine": "postgres"}, name="postgres"),
        change("aws_instance", {"ami": "ami-1", "tags": {"Name": "postgres-1"}}, name="postgres_host"),
    )
    redacted, _ = redact_plan(raw)
    assert [rc["address"] for rc in redacted["resource_changes"]] == [
        "aws_db_instance.postgres",
        "aws_instance.postgres_host",
    ]
    assert after(redacted)["password"] == REDACTED
    assert after(redacted, 1)["tags"] == {"Name": "postgres-1"}


def test_strong_secrets_are_still_replaced_inside_values_and_found_by_copy() -> None:
    raw = plan(
        change("aws_db_instance", {"password": "Tq7-Wf2k-Zp9x"}, after_sensitive={"password": True}),
        change("aws_instance", {"user_data": "export PGPASS=Tq7-Wf2k-Zp9x; run"}, name="web"),
    )
    redacted, _ = redact_plan(raw)
    assert "Tq7-Wf2k-Zp9x" not in json.dumps(redacted)


def test_the_same_value_is_redacted_the_same_way_on_both_sides() -> None:
    values = {"engine": "postgres", "note": "uses postgres", "conn": "host=db user=app password=Hx81-Lm2q"}
    raw = plan(
        change("aws_db_instance", {"db_name": "postgres"}, name="a", after_sensitive=DB_NAME_MARK),
        change("aws_x", dict(values), before=dict(values), name="b", action="no-op"),
        change("aws_x", dict(values), before=dict(values), name="c", action="update"),
    )
    redacted, _ = redact_plan(raw)
    for rc in redacted["resource_changes"][1:]:
        assert rc["change"]["before"] == rc["change"]["after"]
        assert "postgres" not in rc["change"]["after"]["engine"]


def test_redaction_creates_no_findings() -> None:
    from reviewer.engine import review_plan

    raw = _postgres_plan()
    unmarked = json.loads(
        json.dumps(raw).replace('"after_sensitive": {"db_name": true}', '"after_sensitive": {}')
    )
    unmarked["planned_values"]["root_module"]["child_modules"][0]["resources"][0]["sensitive_values"] = {}
    with_marks = review_plan(raw).result.findings
    without = review_plan(unmarked).result.findings
    assert [(f.rule_id, f.address, f.introduced) for f in with_marks] == [
        (f.rule_id, f.address, f.introduced) for f in without
    ]
    for finding in with_marks:
        assert finding.address is None or REDACTED not in finding.address


def _names_in(raw: dict[str, Any]) -> list[Any]:
    """Every structural field of a plan: change and state addresses, types, names, providers, modules."""
    keys = ("address", "previous_address", "module_address", "mode", "type", "name", "provider_name", "index")
    found: list[Any] = []
    for section in ("resource_changes", "resource_drift"):
        found += [
            [rc.get(k) for k in keys] + rc["change"].get("actions", []) for rc in raw.get(section) or []
        ]
    for state in (raw.get("planned_values"), (raw.get("prior_state") or {}).get("values")):
        stack = [(state or {}).get("root_module") or {}]
        while stack:
            module = stack.pop()
            found.append(module.get("address"))
            found += [[r.get(k) for k in keys] for r in module.get("resources") or []]
            stack.extend(module.get("child_modules") or [])
    found.append(raw.get("relevant_attributes"))
    return found


CORPUS_PLANS = [*CORPUS_FILES, *PEER_PLANS]


@pytest.mark.parametrize("path", CORPUS_PLANS, ids=lambda p: p.name if p in CORPUS_FILES else p.parent.name)
def test_corpus_structure_survives_redaction_and_findings_point_at_real_addresses(path: Path) -> None:
    from reviewer.engine import load_plan, review_plan

    raw = load_plan(path.read_bytes())
    output = review_plan(raw)
    assert _names_in(output.redacted) == _names_in(raw)
    addresses = plan_addresses(raw)
    for finding in output.result.findings:
        assert finding.address is None or REDACTED not in finding.address
        if finding.address is not None and finding.address.split(".")[0] not in ("output", "provider", "var"):
            # Plan-wide rules may name a resource block ("aws_x.this") whose instances are in the plan.
            assert any(finding.address == a or a.startswith(finding.address) for a in addresses), finding


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("postgres", False),
        ("administrator", False),
        ("5432", False),
        ("hunter22", False),
        ("changeme123", False),
        ("Zebra-Horse-99", True),
        ("s3cret-2", True),
        ("abc123def456", True),
        ("postgres-primary", True),
        ("correcthorsebatterystaple", True),
    ],
)
def test_which_values_are_replaced_inside_longer_strings(value: str, safe: bool) -> None:
    from reviewer.engine.redaction import copy_safe_in_substrings

    assert copy_safe_in_substrings(value) is safe
    raw = plan(
        change("aws_x", {"secret_value": value}, after_sensitive={"secret_value": True}),
        change("aws_y", {"note": f"see {value}.internal", "same": value}, name="y"),
    )
    note = after(redact_plan(raw)[0], 1)
    assert (value not in note["note"]) is safe
    assert value not in note["same"]  # a whole value is always hidden


def test_a_host_name_holding_a_common_word_secret_is_not_flagged() -> None:
    from reviewer.engine import review_plan

    findings = review_plan(_postgres_plan()).result.findings
    assert not [f for f in findings if f.attribute and "DB_HOST" in f.attribute]
    assert not [f for f in findings if f.rule_id == "TFR-SEC-001"]


def test_an_unchanged_output_is_not_reported_by_redaction() -> None:
    from reviewer.engine import review_plan

    findings = review_plan(_postgres_plan()).result.findings
    assert not [f for f in findings if f.address in ("output.db_url", "output.db_name")]
