"""No planted secret survives anywhere: the whole flow over plans full of secrets, then a search of
every DynamoDB item (decompressed), every log line, every LLM request and every HTTP response.

Flow per provider (OpenAI, Anthropic, Bedrock fakes): API submit of a plan with every kind of
secret (marked sensitive, sensitive variable and output, AWS keys, PEM, sk- and ghp_ tokens, JWT,
a connection-string password, a password-named attribute, copies in unmarked fields), a signed
Spacelift policy delivery whose change list carries secrets, the local reviewer with the LLM,
then detail, versions, list, analytics and md/json/sarif reports.
"""

from __future__ import annotations

import copy
import gzip
import json
import logging
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.logging import JsonFormatter
from app.core.settings import Settings
from reviewer.llm.fakes import FAKE_API_KEY, FakeServer, ok, review_result, start_fake
from tests.reviewer.llm.test_secrets import PLANTED, planted_plan, sensitive_values
from tests.security.support import running_app, scan_table
from tests.support import READ_AUTH, READ_KEY, WRITE_AUTH, WRITE_KEY, wait_terminal
from tests.webhook.payloads import POLICY_PAYLOAD
from webhook.signature import compute_signature

pytestmark = [pytest.mark.integration, pytest.mark.http]

WEBHOOK_SECRET = "whsec-secrets-test-0123456789abcdef012345"
WEBHOOK_PLANTED = {
    "webhook_password": "Wh00k-Pl4nted-Passw0rd-42",
    "webhook_aws_key": "AKIAZQ3DQYHNWEBHOOK7",
    "webhook_conn": "Wh00k-C0nn-Pl4nted",
}
MIN_LENGTH = 8


def _webhook_payload() -> dict[str, Any]:
    payload = copy.deepcopy(POLICY_PAYLOAD)
    payload["run"]["id"] = "01JSECRETSRUN0000000000000"
    payload["run"]["updated_at"] = time.time_ns()
    payload["run"]["changes"].append(
        {
            "action": "added",
            "entity": {
                "address": "aws_db_instance.secret",
                "name": "secret",
                "type": "aws_db_instance",
                "entity_type": "resource",
                "entity_vendor": "terraform",
                "data": {
                    "values": {
                        "password": WEBHOOK_PLANTED["webhook_password"],
                        "user_data": f"export AWS_ACCESS_KEY_ID={WEBHOOK_PLANTED['webhook_aws_key']}",
                        "connection": f"mysql://root:{WEBHOOK_PLANTED['webhook_conn']}@db/app",
                    }
                },
            },
            "phase": "plan",
        }
    )
    return payload


def _secrets() -> dict[str, str]:
    values = {**PLANTED, **WEBHOOK_PLANTED}
    for n, value in enumerate(sorted(sensitive_values(planted_plan()))):
        values.setdefault(f"marked-{n}", value)
    # The password of the webhook payload shipped with the webhook tests (marked by name, not by Terraform).
    values["policy_payload_password"] = "9f86d081884c7d65"
    # The service's own credentials: API keys, the webhook secret, the provider key (sent only as a header).
    values.update(write_key=WRITE_KEY, read_key=READ_KEY, webhook_secret=WEBHOOK_SECRET, llm_key=FAKE_API_KEY)
    return {name: value for name, value in values.items() if len(value) >= MIN_LENGTH}


def _forms(value: str) -> set[str]:
    """The secret as written, JSON-escaped, and its longest line (a PEM body survives re-wrapping)."""
    forms = {value, json.dumps(value)[1:-1]}
    forms.add(max(value.splitlines() or [value], key=len))
    return {form for form in forms if len(form) >= MIN_LENGTH}


def _expand(blob: bytes) -> list[bytes]:
    """A binary attribute and, when it is compressed, what it decompresses to."""
    out = [blob]
    for inflate in (gzip.decompress, zlib.decompress):
        try:
            out.append(inflate(blob))
        except (OSError, zlib.error, EOFError):
            continue
    return out


def _item_texts(item: Any) -> Iterator[str]:
    if isinstance(item, dict):
        for key, value in item.items():
            yield str(key)
            if key == "B":
                for blob in _expand(bytes(value)):
                    yield blob.decode("utf-8", "replace")
            else:
                yield from _item_texts(value)
    elif isinstance(item, list):
        for value in item:
            yield from _item_texts(value)
    else:
        yield str(item)


def _hits(where: str, texts: list[str], secrets: dict[str, str]) -> list[str]:
    found = []
    for name, value in secrets.items():
        for form in _forms(value):
            if any(form in text for text in texts):
                found.append(f"{name} in {where}")
                break
    return found


class _Capture(logging.Handler):
    """Every log record as the production formatter writes it (extras included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.parametrize("kind", ["openai", "anthropic", "bedrock"])
def test_planted_secrets_appear_nowhere(settings_factory: Any, capfd: Any, kind: str) -> None:
    secrets = _secrets()
    responses: list[str] = []
    capture = _Capture()
    result = review_result(risk_level="HIGH", summary_md="The database password changes; review it.")
    fake: FakeServer
    with start_fake(kind, [ok(result)] * 6) as fake:
        settings: Settings = settings_factory(
            dispatcher="local",
            spacelift_webhook_secret=WEBHOOK_SECRET,
            log_level="DEBUG",
            **fake.settings_overrides(),
        )
        with running_app(settings) as (url, services), httpx.Client(base_url=url, timeout=30) as http:
            root = logging.getLogger()
            root.addHandler(capture)
            try:
                created = http.post(
                    "/api/reviews", json={"plan": planted_plan(), "title": "secrets"}, headers=WRITE_AUTH
                )
                responses.append(created.text)
                assert created.status_code == 202, created.text
                body = json.dumps(_webhook_payload()).encode()
                delivered = http.post(
                    "/webhooks/spacelift",
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Signature-256": compute_signature(WEBHOOK_SECRET, body),
                    },
                )
                responses.append(delivered.text)
                assert delivered.status_code == 202 and delivered.json()["outcome"] == "created", (
                    delivered.text
                )
                ids = [created.json()["id"], delivered.json()["review_id"]]
                for review_id in ids:
                    done = wait_terminal(http, review_id)
                    assert done["status"] == "COMPLETED" and done["ai"]["status"] == "ok", done.get("error")
                    for path in (
                        f"/api/reviews/{review_id}",
                        f"/api/reviews/{review_id}/versions",
                        f"/api/reviews/{review_id}/versions/1",
                        f"/api/reviews/{review_id}/findings?limit=500",
                        f"/api/reviews/{review_id}/changes?limit=500",
                        f"/api/reviews/{review_id}/report?format=md",
                        f"/api/reviews/{review_id}/report?format=json",
                        f"/api/reviews/{review_id}/report?format=sarif",
                    ):
                        response = http.get(path, headers=READ_AUTH)
                        assert response.status_code == 200, (path, response.text[:300])
                        responses.append(response.text)
                for path in ("/api/reviews", "/api/reviews?q=secrets", "/api/analytics?days=7"):
                    responses.append(http.get(path, headers=READ_AUTH).text)
                items = scan_table(services.repository._client, settings.resolved_table_name)  # noqa: SLF001
            finally:
                root.removeHandler(capture)
        requests = [request.text for request in fake.requests]
    out, err = capfd.readouterr()

    assert len(requests) >= 2 and all(r for r in requests)  # both reviews did go to the model
    assert any("aws_lambda_function.fn" in r for r in requests)  # the plan itself reached it
    assert capture.lines and items
    item_texts = [text for item in items for text in _item_texts(item)]
    assert any("aws_lambda_function.fn" in text for text in item_texts)  # the search sees inside the gzip
    leaks = (
        _hits("a DynamoDB item", item_texts, secrets)
        + _hits("a log line", capture.lines + [out, err], secrets)
        + _hits(f"a request to the {kind} fake", requests, secrets)
        + _hits("an HTTP response", responses, secrets)
    )
    assert leaks == []
