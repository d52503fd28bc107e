"""Every common token shape (issue 15), planted all over a plan, reaches no output of the live service.

The Spacelift hook's path: POST /api/reviews (source spacelift, with its run) of a plan holding AWS ids
of every prefix and length, GitHub and Slack tokens, a Slack webhook URL, a GCP service-account key
(as JSON and base64), Azure connection strings and SAS signatures, PEM keys with real and escaped line
breaks and JWTs, in attribute values, nested maps, lists, longer strings, a JSON policy, variables,
outputs, drift, prior state and the configuration, and in the labels (title, tags, metadata, stack
name, branch, commit message, then an edited title, tags and decision note). Then a search for each one in: every DynamoDB
item (decompressed), every log line and the process's stdout/stderr, every request the fake
OpenAI/Anthropic/Bedrock server received, the Markdown comment posted to the fake Spacelift, and every
HTTP response (detail, versions, findings, changes, md/json/sarif reports, list).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from reviewer.llm.fakes import FakeServer, ok, review_result, start_fake
from tests.fakes.spacelift import fake_spacelift
from tests.reviewer.engine.secret_shapes import AZURE_CONNECTION, SHAPES, planted_shapes_plan
from tests.security.support import running_app, scan_table
from tests.security.test_secrets_end_to_end import _Capture, _hits, _item_texts
from tests.support import READ_AUTH, WRITE_AUTH, wait_terminal

pytestmark = [pytest.mark.integration, pytest.mark.http]

KEY_ID = "01KEYID0000000000000000000"
KEY_SECRET = "spacelift-key-secret-shapes-0123"
STACK, RUN = "shapes-stack", "01JSHAPESRUN00000000000000"


def _wait_writeback(http: httpx.Client, review_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        review: dict[str, Any] = http.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()
        if review.get("writeback"):
            return review
        time.sleep(0.1)
    raise AssertionError("no write-back recorded")


@pytest.mark.parametrize("kind", ["openai", "anthropic", "bedrock"])
def test_no_secret_shape_reaches_any_output(settings_factory: Any, capfd: Any, kind: str) -> None:
    responses: list[str] = []
    capture = _Capture()
    result = review_result(risk_level="HIGH", summary_md="Credentials are written in clear; rotate them.")
    fake: FakeServer
    with (
        start_fake(kind, [ok(result)] * 3) as fake,
        fake_spacelift(api_keys={KEY_ID: KEY_SECRET}) as spacelift,
    ):
        fake_run = spacelift.add_run(STACK, RUN)
        settings: Settings = settings_factory(
            dispatcher="local",
            log_level="DEBUG",
            spacelift_api_endpoint=spacelift.url,
            spacelift_api_key_id=KEY_ID,
            spacelift_api_key_secret=KEY_SECRET,
            spacelift_write_comment=True,
            **fake.settings_overrides(),
        )
        with running_app(settings) as (url, services), httpx.Client(base_url=url, timeout=30) as http:
            root = logging.getLogger()
            root.addHandler(capture)
            try:
                created = http.post(
                    "/api/reviews",
                    json={
                        "plan": planted_shapes_plan(),
                        # Labels carry shapes too: a token pasted into a title or a commit message.
                        "title": f"shapes {SHAPES['ghp']}",
                        "tags": [SHAPES["akia"]],
                        "metadata": {"storage": AZURE_CONNECTION},
                        "source": "spacelift",
                        "spacelift": {
                            "stack_id": STACK,
                            "stack_name": f"stack {SHAPES['xapp']}",
                            "run_id": RUN,
                            "state_version": 1,
                            "branch": f"fix/{SHAPES['xoxb']}",
                            "commit": {
                                "hash": "abc123",
                                "message": f"rotate {SHAPES['jwt']} and {SHAPES['asia_long']}",
                            },
                        },
                    },
                    headers=WRITE_AUTH,
                )
                responses.append(created.text)
                assert created.status_code == 202, created.text
                review_id = created.json()["id"]
                done = wait_terminal(http, review_id)
                assert done["status"] == "COMPLETED" and done["ai"]["status"] == "ok", done.get("error")
                written = _wait_writeback(http, review_id)
                assert written["writeback"]["comment_posted"], written["writeback"]
                edited = http.put(
                    f"/api/reviews/{review_id}",
                    json={
                        "title": f"edited {SHAPES['gho']}",
                        "tags": [SHAPES["aida"]],
                        "decision": "APPROVED",
                        "note": f"ok, token {SHAPES['github_pat']}",
                        "expected_version": written["latest_version"],
                    },
                    headers=WRITE_AUTH,
                )
                responses.append(edited.text)
                assert edited.status_code == 200, edited.text
                for path in (
                    f"/api/reviews/{review_id}",
                    f"/api/reviews/{review_id}/versions",
                    f"/api/reviews/{review_id}/versions/1",
                    f"/api/reviews/{review_id}/findings?limit=500",
                    f"/api/reviews/{review_id}/changes?limit=500",
                    f"/api/reviews/{review_id}/report?format=md",
                    f"/api/reviews/{review_id}/report?format=json",
                    f"/api/reviews/{review_id}/report?format=sarif",
                    "/api/reviews",
                ):
                    response = http.get(path, headers=READ_AUTH)
                    assert response.status_code == 200, (path, response.text[:300])
                    responses.append(response.text)
                items = scan_table(services.repository._client, settings.resolved_table_name)  # noqa: SLF001
            finally:
                root.removeHandler(capture)
        requests = [request.text for request in fake.requests]
        comments = [comment["body"] for comment in fake_run.comments]
    out, err = capfd.readouterr()

    assert len(requests) == 1 and "aws_lambda_function.shapes" in requests[0]  # the plan reached the model
    assert len(comments) == 1 and "aws_lambda_function.shapes" in comments[0]  # and Spacelift got the report
    item_texts = [text for item in items for text in _item_texts(item)]
    assert any("aws_lambda_function.shapes" in text for text in item_texts)
    assert capture.lines
    leaks = (
        _hits("a DynamoDB item", item_texts, SHAPES)
        + _hits("a log line", capture.lines + [out, err], SHAPES)
        + _hits(f"the request to the {kind} fake", requests, SHAPES)
        + _hits("the Spacelift comment", comments, SHAPES)
        + _hits("an HTTP response", responses, SHAPES)
    )
    assert leaks == []
