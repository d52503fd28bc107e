"""TFR-SEC-008: secrets written as literals in the Terraform code, read from the `configuration` section."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.reports import FORMATS, render
from reviewer.engine.results import Finding, RiskLevel, Severity
from reviewer.engine.rules.hardcoded_secrets import literal_secrets
from tests.reviewer.engine.plans import change, configuration_of, declared, plan, ref

RULE = "TFR-SEC-008"
LITERAL = "Tr0ub4dor-and-3-horses"  # the committed secret: must never reach an output
DB = {
    "identifier": "orders",
    "engine": "postgres",
    "username": "app",
    "password": LITERAL,
    "storage_encrypted": True,
    "deletion_protection": True,
    "skip_final_snapshot": False,
    "publicly_accessible": False,
}
DB_MARKS = {"password": True}


def const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def db_plan(
    password_expression: dict[str, Any], *, action: str = "create", before: dict[str, Any] | None = None
) -> dict[str, Any]:
    after = dict(DB)
    unknown: dict[str, Any] = {}
    if "references" in password_expression:
        after["password"] = None
        unknown["password"] = True  # from a resource made in this plan (random_password)
    entry = change(
        "aws_db_instance",
        after,
        before=before,
        action=action,
        name="orders",
        after_unknown=unknown,
        after_sensitive=DB_MARKS,
        before_sensitive=DB_MARKS if before else None,
    )
    block = declared("aws_db_instance", "orders", identifier=const("orders"), password=password_expression)
    return plan(entry, configuration=configuration_of(block))


def found(raw: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(raw).result.findings if f.rule_id == RULE]


def test_a_literal_password_on_a_new_database_is_introduced_medium() -> None:
    (finding,) = found(db_plan(const(LITERAL)))
    assert finding.severity is Severity.MEDIUM and finding.introduced
    assert finding.address == "aws_db_instance.orders" and finding.attribute == "password"
    outcome = review_plan(db_plan(const(LITERAL)))
    assert outcome.result.risk.level is RiskLevel.MEDIUM
    assert outcome.result.risk.verdict == (
        "Review before applying: hard-codes a secret for a database in the Terraform code."
    )


@pytest.mark.parametrize(
    "expression",
    [
        ref("random_password.db.result", "random_password.db"),
        ref("var.db_password"),
        ref("data.aws_secretsmanager_secret_version.db.secret_string"),
        {},  # a function call with no references (file(...)): not a literal
        const(""),
        const(None),
    ],
    ids=["generated", "variable", "secret-store", "function", "empty", "null"],
)
def test_a_password_from_elsewhere_is_not_reported(expression: dict[str, Any]) -> None:
    assert found(db_plan(expression)) == []


def test_booleans_numbers_and_reference_names_are_no_secrets() -> None:
    block = {
        "manage_master_user_password": const(True),
        "password_length": const(16),
        "master_user_secret_kms_key_id": const("alias/db"),
        "secret_arn": const("arn:aws:secretsmanager:eu-west-1:1:secret:db"),
        "token": const("${var.token}"),
    }
    assert literal_secrets("aws_db_instance", block) == []


def test_an_unchanged_database_keeps_the_literal_as_posture() -> None:
    (finding,) = found(db_plan(const(LITERAL), action="no-op", before=DB))
    assert not finding.introduced
    assert review_plan(db_plan(const(LITERAL), action="no-op", before=DB)).result.risk.level is RiskLevel.LOW


def test_an_update_that_puts_a_literal_where_there_was_none_introduces_it() -> None:
    before = {**DB, "password": None}
    (finding,) = found(db_plan(const(LITERAL), action="update", before=before))
    assert finding.introduced


def test_a_deleted_resource_is_not_reported() -> None:
    entry = change("aws_db_instance", None, before=DB, name="orders", before_sensitive=DB_MARKS)
    block = declared("aws_db_instance", "orders", password=const(LITERAL))
    assert found(plan(entry, configuration=configuration_of(block))) == []


def test_every_instance_of_a_block_is_one_finding() -> None:
    entries = [
        change("aws_db_instance", DB, name="orders", address=f"aws_db_instance.orders[{i}]", index=i)
        for i in range(3)
    ]
    block = declared("aws_db_instance", "orders", password=const(LITERAL))
    (finding,) = found(plan(*entries, configuration=configuration_of(block)))
    assert finding.address == "aws_db_instance.orders[0]" and "2 more instances" in finding.message


@pytest.mark.parametrize(
    ("rtype", "expressions"),
    [
        ("aws_secretsmanager_secret_version", {"secret_string": const('{"password":"x"}')}),
        ("azurerm_key_vault_secret", {"content_type": const("password"), "value": const(LITERAL)}),
        ("google_secret_manager_secret_version", {"secret_data": const(LITERAL)}),
        ("kubernetes_secret_v1", {"data": const({"password": LITERAL})}),
        ("aws_ssm_parameter", {"type": const("SecureString"), "value": const(LITERAL)}),
        ("azurerm_linux_virtual_machine", {"admin_password": const(LITERAL)}),
        ("aws_elasticache_replication_group", {"auth_token": const(LITERAL)}),
        (
            "aws_opensearch_domain",
            {
                "advanced_security_options": [
                    {"master_user_options": [{"master_user_password": const(LITERAL)}]}
                ]
            },
        ),
        ("helm_release", {"set_sensitive": [{"name": const("db.pass"), "value": const(LITERAL)}]}),
    ],
)
def test_secret_payloads_and_nested_passwords(rtype: str, expressions: dict[str, Any]) -> None:
    assert literal_secrets(rtype, expressions)
    raw = plan(
        change(rtype, {"name": "x"}, name="s"),
        configuration=configuration_of(declared(rtype, "s", **expressions)),
    )
    assert [f.introduced for f in found(raw)] == [True]


@pytest.mark.parametrize(
    ("rtype", "expressions"),
    [
        ("aws_ssm_parameter", {"type": const("String"), "value": const("eu-west-1")}),
        ("kubernetes_secret_v1", {"data": const({})}),
        ("helm_release", {"set": [{"name": const("replicas"), "value": const("3")}]}),
        ("azurerm_key_vault_secret", {"value": ref("random_password.p.result")}),
    ],
)
def test_plain_settings_beside_them_are_not_secrets(rtype: str, expressions: dict[str, Any]) -> None:
    assert literal_secrets(rtype, expressions) == []


def _module_plan(actions: str) -> dict[str, Any]:
    entry = change(
        "aws_db_instance",
        DB,
        before=DB if actions != "create" else None,
        action=actions,
        name="this",
        module="module.db",
    )
    calls = {
        "db": {
            "source": "./db",
            "expressions": {"password": const(LITERAL), "name": const("orders")},
            "module": {"resources": [declared("aws_db_instance", "this", password=ref("var.password"))]},
        }
    }
    return plan(entry, configuration=configuration_of(calls=calls))


def test_a_literal_passed_into_a_new_module_is_introduced() -> None:
    (finding,) = found(_module_plan("create"))
    assert finding.address == "module.db" and finding.attribute == "password" and finding.introduced
    assert review_plan(_module_plan("create")).result.risk.verdict == (
        "Review before applying: hard-codes a secret for a module in the Terraform code in module.db."
    )


def test_a_literal_passed_into_an_existing_module_is_posture() -> None:
    (finding,) = found(_module_plan("no-op"))
    assert not finding.introduced


def test_the_literal_never_reaches_any_output() -> None:
    outcome = review_plan(db_plan(const(LITERAL)))
    assert found(db_plan(const(LITERAL)))
    for fmt in FORMATS:
        assert LITERAL not in render(fmt, outcome.result)
    assert LITERAL not in str(outcome.redacted)


# For the catalog-wide positive/negative test (tests/reviewer/engine/test_rules_change.py).
HARDCODED_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (RULE, db_plan(const(LITERAL)), db_plan(ref("var.db_password")))
]
