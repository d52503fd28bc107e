"""The static walk of code_calls.py on a small package: typed clients, settings guards, reachability."""

from __future__ import annotations

import textwrap
from enum import StrEnum
from pathlib import Path
from typing import Any

from tests.deploy import code_calls


class Kind(StrEnum):
    LAMBDA = "lambda"
    NONE = "none"


SOURCES = {
    "pkg/__init__.py": "",
    "pkg/settings.py": """
        from enum import StrEnum

        class Kind(StrEnum):
            LAMBDA = "lambda"
            NONE = "none"
        """,
    "pkg/store.py": """
        from __future__ import annotations
        from typing import TYPE_CHECKING, Any
        import boto3

        if TYPE_CHECKING:
            from mypy_boto3_dynamodb.client import DynamoDBClient
        else:
            DynamoDBClient = Any

        def make_client() -> DynamoDBClient:
            return boto3.client("dynamodb")

        class Store:
            def __init__(self, client: DynamoDBClient) -> None:
                self._client = client

            def read(self) -> None:
                self._client.get_item(TableName="t", Key={})

            def write(self) -> None:
                self._client.transact_write_items(TransactItems=[{"Put": {}}, {"Update": {}}])

            def drop(self) -> None:
                self._client.delete_item(TableName="t", Key={})
        """,
    "pkg/handler.py": """
        from __future__ import annotations
        from pkg.settings import Kind
        from pkg.store import Store, make_client

        def handler(event, context=None):
            settings = event["settings"]
            store = Store(make_client())
            store.read()
            if settings.dispatcher is Kind.LAMBDA:
                import boto3
                boto3.client("lambda").invoke(FunctionName="f")
            if settings.cleanup:
                store.drop()
            return done(store)

        def done(store: Store) -> None:
            store.write()

        def never_called(unknown_client) -> None:
            unknown_client.put_item(TableName="t", Item={})
        """,
}


def _index(tmp_path: Path) -> code_calls.Index:
    for name, text in SOURCES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return code_calls.Index(root=tmp_path, packages=("pkg",))


def _actions(tmp_path: Path, settings: dict[str, Any]) -> set[str]:
    index = _index(tmp_path)
    found = code_calls.derive("pkg.handler.handler", settings, {"Kind": Kind}, index=index)
    assert not found.problems
    return {a for c in found.calls for a in c.actions}


def test_typed_clients_and_transaction_items_give_actions(tmp_path: Path) -> None:
    actions = _actions(tmp_path, {"dispatcher": Kind.NONE, "cleanup": False})
    assert actions == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}


def test_a_branch_the_settings_open_adds_its_calls(tmp_path: Path) -> None:
    actions = _actions(tmp_path, {"dispatcher": Kind.LAMBDA, "cleanup": True})
    assert {"lambda:InvokeFunction", "dynamodb:DeleteItem"} <= actions


def test_an_unknown_setting_follows_both_branches(tmp_path: Path) -> None:
    actions = _actions(tmp_path, {"dispatcher": code_calls.UNKNOWN, "cleanup": code_calls.PRESENT})
    assert {"lambda:InvokeFunction", "dynamodb:DeleteItem"} <= actions


def test_an_untyped_client_call_is_reported(tmp_path: Path) -> None:
    index = _index(tmp_path)
    found = code_calls.derive("pkg.handler.never_called", {}, {}, index=index)
    assert [(p.path, p.text.split("(")[0]) for p in found.problems] == [
        ("pkg/handler.py", "unknown_client.put_item")
    ]


def test_iam_actions_follow_the_service_model() -> None:
    assert code_calls.iam_actions("dynamodb", "BatchWriteItem") == ("dynamodb:BatchWriteItem",)
    assert code_calls.iam_actions("lambda", "Invoke") == ("lambda:InvokeFunction",)
    assert code_calls.iam_actions("bedrock-runtime", "Converse") == ("bedrock:InvokeModel",)
    assert code_calls.iam_actions("secretsmanager", "GetSecretValue") == ("secretsmanager:GetSecretValue",)
