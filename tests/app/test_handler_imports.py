"""What a cold start of the API Lambda loads: no LLM SDK, no HTTP client, no review engine rules,
and no AWS client or session until a request needs one."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import ROOT

# Only the reviewer calls a model or Spacelift; the API parses and redacts a plan on POST only.
MUST_NOT_LOAD = (
    "openai",
    "anthropic",
    "bpe_openai",
    "httpx",
    "httpcore",
    "h11",
    "uvicorn",
    "rich",
    "click",
    "reviewer.llm",
    "reviewer.engine.rules",
    "reviewer.engine.redaction",
    "reviewer.engine.parser",
    "reviewer.engine.prompt",
    "reviewer.engine.review",
    "reviewer.policies",
    "regorus",
    "yaml",
    # Spacelift payload models and plan builders, the webhook use case, its ledger and GraphQL client:
    # loaded by the first delivery (start-up builds only the signature verifier).
    "webhook.events",
    "webhook.changes",
    "webhook.trigger",
    "webhook.graphql",
    "app.services.spacelift",
    "app.storage.spacelift",
    # The secret detectors (labels only need the prefilter), the review run (the API Lambda only
    # dispatches), the outbox (notifications off here), the analytics body (its route's first request).
    "reviewer.engine.secrets",
    "app.services.review_run",
    "app.storage.outbox",
    "app.api.analytics_schemas",
    "pydantic_settings",
    # FastAPI's refusal of v1 models is answered without it (app/api/pydantic_v1_check.py).
    "pydantic.v1",
)

_IMPORT = """
import json, sys
import app.handler
from app.core import aws
loaded = sorted(m for m in {watch!r} if m in sys.modules)
print(json.dumps({{"loaded": loaded, "sessions": aws.session.cache_info().currsize}}))
"""

LAMBDA_ENV = {
    "TFR_ENV": "prod",
    "TFR_AWS_REGION": "eu-west-1",
    "TFR_DISPATCHER": "lambda",
    "TFR_REVIEWER_FUNCTION_NAME": "arn:aws:lambda:eu-west-1:123456789012:function:tfreview-prod-reviewer:live",
    "TFR_SPACELIFT_WEBHOOK_SECRET": "not-a-real-secret",
    "TFR_API_KEYS": "ci:write:" + "0" * 64,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def test_importing_the_api_handler_loads_nothing_heavy_and_builds_no_client() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT.format(watch=MUST_NOT_LOAD)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **LAMBDA_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["loaded"] == [], f"the API Lambda's import loads {report['loaded']}"
    assert report["sessions"] == 0, "no boto3 session before a request needs AWS"


def test_a_lazy_client_is_built_once_on_first_use() -> None:
    from app.core import aws

    built: list[int] = []

    class Fake:
        meta = "meta"

    def build() -> Fake:
        built.append(1)
        return Fake()

    client = aws.LazyClient(build)
    assert built == []
    assert client.meta == "meta"
    assert client.meta == "meta"
    assert built == [1]
