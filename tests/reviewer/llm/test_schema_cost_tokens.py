"""Result schema validation, cost estimates, token counting and backoff."""

from __future__ import annotations

import json
import random

import pytest

from reviewer.engine.results import RiskLevel
from reviewer.llm.cost import estimate_cost, price_for
from reviewer.llm.errors import MalformedOutputError
from reviewer.llm.review import BACKOFF_CAP_SECONDS, backoff_delay
from reviewer.llm.schema import RESULT_JSON_SCHEMA, parse_result
from reviewer.llm.tokens import count_tokens, counter_for, encoding_for_model, estimate_tokens

VALID = {
    "summary_md": "## Summary\nFine.",
    "risk_level": "MEDIUM",
    "risk_justification": "one line",
    "recommendations": ["check"],
    "findings": [
        {
            "rule_id": "AI-A",
            "title": "t",
            "severity": "high",
            "address": "a.b",
            "attribute": None,
            "message": "m",
        }
    ],
    "suspected_injection": False,
}


def test_valid_results_parse_from_text_or_object() -> None:
    parsed = parse_result(json.dumps(VALID))
    assert parsed.risk_level is RiskLevel.MEDIUM
    assert parsed.findings[0].severity == "HIGH"
    assert parse_result(VALID) == parsed
    assert parse_result({**VALID, "risk_level": "high"}).risk_level is RiskLevel.HIGH
    assert parse_result("```json\n" + json.dumps(VALID) + "\n```") == parsed


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        '{"summary_md": "cut',
        "[]",
        json.dumps({**VALID, "risk_level": "SEVERE"}),
        json.dumps({k: v for k, v in VALID.items() if k != "summary_md"}),
        json.dumps({**VALID, "findings": [{"rule_id": "AI-A"}]}),
    ],
)
def test_invalid_results_raise_malformed(payload: str) -> None:
    with pytest.raises(MalformedOutputError):
        parse_result(payload)


def test_schema_is_strict_mode_compatible() -> None:
    """OpenAI strict mode: every object lists all properties as required and forbids extras."""

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert set(node["required"]) == set(node["properties"])
            for key in ("pattern", "minLength", "maxLength", "format"):
                assert key not in node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(RESULT_JSON_SCHEMA)


def test_cost_uses_exact_then_longest_prefix_price() -> None:
    prices = {"gpt-4.1-mini": (0.4, 1.6), "gpt-4.1": (2.0, 8.0), "anthropic.claude-3-5-sonnet": (3.0, 15.0)}
    assert estimate_cost("gpt-4.1-mini", 1_000_000, 500_000, prices) == pytest.approx(0.4 + 0.8)
    assert price_for("gpt-4.1-mini-2025-04-14", prices) == (0.4, 1.6)
    assert price_for("us.anthropic.claude-3-5-sonnet-20240620-v1:0", prices) == (3.0, 15.0)
    assert estimate_cost("unknown-model", 10, 10, prices) == 0.0
    assert estimate_cost("gpt-4.1", 1234, 567, prices) == pytest.approx(1234 * 2e-6 + 567 * 8e-6)


def test_token_counting_is_offline_and_handles_long_text() -> None:
    assert count_tokens("hello world") == 2
    long_text = ("resource aws_s3_bucket b { acl = private }\n" * 40_000)[:1_500_000]
    assert len(long_text) >= 1_000_000  # beyond bpe-openai's single-call limit
    assert count_tokens(long_text) > 100_000
    assert estimate_tokens("x" * 35) == 10
    assert encoding_for_model("gpt-4") == "cl100k_base"
    assert encoding_for_model("gpt-4o-mini") == "o200k_base"
    assert counter_for("anthropic", "claude") is estimate_tokens
    assert counter_for("openai", "gpt-4.1")("hello world") == 2


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, rng) for n in range(8)]
    assert 0.5 <= delays[0] <= 1.0
    assert 1.0 <= delays[1] <= 2.0
    assert all(d <= BACKOFF_CAP_SECONDS for d in delays)
    assert backoff_delay(0, rng, retry_after=7) == 7
    assert backoff_delay(0, rng, retry_after=600) == BACKOFF_CAP_SECONDS
