"""No secret reaches a provider: every recorded request body over the corpus and planted-secret plans."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from reviewer.engine.loader import load_plan
from reviewer.engine.prompt import build_prompt
from reviewer.engine.results import AIStatus
from reviewer.engine.review import review_plan
from reviewer.llm import ReviewContext, run_ai_review
from reviewer.llm.fakes import FakeServer, start_fake
from tests.reviewer.llm.conftest import change, corpus_files, engine_result, plan_of, raw_plan, settings_for

KINDS = ("openai", "anthropic", "bedrock")
# Shorter marked values ("on", "1", "true") are not secrets and occur everywhere by chance.
MIN_SECRET_LENGTH = 4


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)


def _marked(value: Any, mark: Any) -> Iterator[str]:
    """String leaves of `value` under a sensitivity mark (True covers the whole subtree)."""
    if mark is True:
        yield from _leaves(value)
    elif isinstance(mark, dict) and isinstance(value, dict):
        for key, sub in mark.items():
            yield from _marked(value.get(key), sub)
    elif isinstance(mark, list) and isinstance(value, list):
        for item, sub in zip(value, mark, strict=False):
            yield from _marked(item, sub)


def sensitive_values(raw: dict[str, Any]) -> set[str]:
    """Every value the raw plan marks sensitive: an oracle written apart from the engine's redaction."""
    found: set[str] = set()
    for key in ("resource_changes", "resource_drift"):
        for rc in raw.get(key) or []:
            ch = rc.get("change") or {}
            found.update(_marked(ch.get("before"), ch.get("before_sensitive")))
            found.update(_marked(ch.get("after"), ch.get("after_sensitive")))
    for output in (raw.get("output_changes") or {}).values():
        if output.get("after_sensitive") is True or output.get("before_sensitive") is True:
            found.update(_leaves(output.get("after")))
            found.update(_leaves(output.get("before")))
    declared = ((raw.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    for name, spec in declared.items():
        if isinstance(spec, dict) and spec.get("sensitive") is True:
            found.update(_leaves(((raw.get("variables") or {}).get(name) or {}).get("value")))
    return {v for v in found if len(v.strip()) >= MIN_SECRET_LENGTH}


def _template_text() -> str:
    """The fixed prompt text: values that occur in it prove nothing about leaks."""
    plan = plan_of(raw_plan())
    prompt = build_prompt(plan, engine_result(plan))
    return prompt.system + prompt.user


def _strings_in(body: Any) -> str:
    return "\n".join(_leaves(body))


def leaked(fake: FakeServer, secrets: set[str]) -> list[str]:
    """Secrets found in any recorded body: raw bytes, decoded strings, JSON-escaped forms."""
    hits = []
    for request in fake.requests:
        raw_body = request.text
        decoded = _strings_in(request.json())
        for secret in secrets:
            escaped = json.dumps(secret)[1:-1]
            if secret in raw_body or secret in decoded or escaped in decoded:
                hits.append(secret)
    return hits


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeServer]]:
    servers = {kind: start_fake(kind) for kind in KINDS}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _review_through(fake: FakeServer, raw: dict[str, Any]) -> None:
    output = review_plan(raw)
    outcome = run_ai_review(
        output.plan,
        output.result,
        settings=settings_for(fake),
        context=ReviewContext(title="secrets test"),
        sleep=lambda _: None,
    )
    assert outcome.ai.status is AIStatus.OK, outcome.ai.error


@pytest.mark.skipif(not corpus_files(), reason="shared corpus absent")
def test_no_sensitive_value_of_the_corpus_reaches_any_provider(fakes: dict[str, FakeServer]) -> None:
    template = _template_text()
    checked = 0
    for i, path in enumerate(corpus_files()):
        raw = load_plan(path.read_bytes())  # handles the UTF-16 files
        secrets = {s for s in sensitive_values(raw) if s not in template}
        fake = fakes[KINDS[i % len(KINDS)]]
        fake.requests.clear()
        _review_through(fake, raw)
        assert len(fake.requests) == 1
        assert leaked(fake, secrets) == [], path.name
        checked += len(secrets)
    assert checked > 0  # the corpus does carry sensitive values


PLANTED = {
    "marked": "Pl4nted-Marked-Secret-77a",
    "variable": "Pl4nted-Var-Secret-9f3",
    "output": "Pl4nted-Output-Secret-51c",
    "aws_access_key": "AKIAZQ3DQYHNPLANTED1",
    "aws_secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED0KE",
    "private_key": "MIIEowIBAAKCAQEAplantedPrivateKeyBody0123456789abcdef",
    "api_token": "sk-proj-Pl4ntedT0kenValue0123456789abcd",
    "github": "ghp_Pl4ntedGithubToken0123456789abcd",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlcGxhbnRlZA",
    "connection": "C0nn-Str1ng-Pl4nted-Pass",
    "by_name": "tok-Pl4nted-unmarked-123456",
}


def planted_plan() -> dict[str, Any]:
    """A plan with every kind of secret, marked and unmarked, original and copied."""
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{PLANTED['private_key']}\n-----END RSA PRIVATE KEY-----"
    return raw_plan(
        change(
            "aws_db_instance.main",
            ["update"],
            {"password": "old-Pl4nted-Marked-0", "engine_version": "15", "tags": {}},
            {
                "password": PLANTED["marked"],
                "engine_version": "16",
                "tags": {"note": f"password is {PLANTED['variable']}", "copy": PLANTED["marked"]},
            },
            before_sensitive={"password": True},
            after_sensitive={"password": True},
        ),
        change(
            "aws_lambda_function.fn",
            ["create"],
            None,
            {
                "function_name": "fn",
                "environment": [
                    {
                        "variables": {
                            "AWS_ACCESS_KEY_ID": PLANTED["aws_access_key"],
                            "AWS_SECRET_ACCESS_KEY": PLANTED["aws_secret_key"],
                            "DATABASE_URL": f"postgres://admin:{PLANTED['connection']}@db:5432/app",
                            "GITHUB": PLANTED["github"],
                        }
                    }
                ],
                "description": f"token {PLANTED['api_token']} and {PLANTED['jwt']}",
            },
        ),
        change(
            "aws_instance.web",
            ["delete", "create"],
            {"user_data": "old", "ami": "ami-1"},
            {"user_data": pem, "ami": "ami-2"},
            change_extra={"replace_paths": [["ami"]]},
        ),
        change(
            "datadog_integration.x",
            ["create"],
            None,
            {"api_token": PLANTED["by_name"], "name": "x"},
        ),
        variables={"db_password": {"value": PLANTED["variable"]}},
        configuration={"root_module": {"variables": {"db_password": {"sensitive": True}}}},
        output_changes={
            "db_secret": {
                "actions": ["create"],
                "before": None,
                "after": PLANTED["output"],
                "after_unknown": False,
                "before_sensitive": False,
                "after_sensitive": True,
            }
        },
    )


@pytest.mark.parametrize("kind", KINDS)
def test_planted_secrets_never_reach_the_provider(kind: str, fakes: dict[str, FakeServer]) -> None:
    fake = fakes[kind]
    fake.requests.clear()
    _review_through(fake, planted_plan())
    secrets = set(PLANTED.values()) | sensitive_values(planted_plan())
    assert leaked(fake, secrets) == []
    # The plan itself did reach the model (the test would pass vacuously otherwise).
    assert "aws_lambda_function.fn" in fake.requests[0].text
    assert "datadog_integration.x" in fake.requests[0].text
