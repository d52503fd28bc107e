"""The public entry: skipping, budgets, demo mode, key loading and import hygiene."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time

import boto3
import pytest
from moto import mock_aws

from app.core.settings import Settings
from reviewer.engine.plan import Plan
from reviewer.engine.results import AIStatus, EngineResult, RiskLevel, Severity
from reviewer.llm import PROMPT_VERSION, AIOutcome, ReviewContext, run_ai_review
from reviewer.llm.clients import resolve_targets
from reviewer.llm.fakes import FAKE_API_KEY, slow, start_fake
from reviewer.llm.fakes.demo import stop_demo_server
from reviewer.llm.review import FAKE_SUMMARY_LABEL
from reviewer.llm.secrets import clear_secret_cache
from tests.reviewer.llm.conftest import change, engine_result, finding, plan_of, raw_plan, settings_for

CONTEXT = ReviewContext()


def _inputs() -> tuple[Plan, EngineResult]:
    plan = plan_of(
        raw_plan(
            change(
                "aws_db_instance.main",
                ["delete", "create"],
                {"engine_version": "15"},
                {"engine_version": "16"},
            ),
            change("aws_s3_bucket.logs", ["create"], None, {"bucket": "logs"}),
        )
    )
    return plan, engine_result(
        plan, [finding("aws_db_instance.main", Severity.HIGH)], level=RiskLevel.HIGH, score=60
    )


def test_no_provider_means_rules_only() -> None:
    plan, result = _inputs()
    outcome = run_ai_review(plan, result, settings=Settings(), context=CONTEXT)
    assert isinstance(outcome, AIOutcome)
    assert outcome.ai.status is AIStatus.SKIPPED
    assert outcome.ai.provider == "none"
    assert outcome.ai.error and "no LLM provider" in outcome.ai.error
    assert outcome.findings == []
    assert outcome.risk == result.risk


def test_spent_daily_budget_skips_without_calling_the_model() -> None:
    plan, result = _inputs()
    with start_fake("openai") as fake:
        settings = settings_for(fake, llm_daily_token_budget=10_000)
        outcome = run_ai_review(plan, result, settings=settings, context=CONTEXT, tokens_used_today=10_000)
        assert outcome.ai.status is AIStatus.SKIPPED
        assert outcome.ai.error == "daily token budget of 10000 tokens spent"
        assert fake.requests == []
        outcome = run_ai_review(plan, result, settings=settings, context=CONTEXT, tokens_used_today=9_999)
        assert outcome.ai.status is AIStatus.OK
        assert outcome.ai.prompt_version == PROMPT_VERSION
        assert len(fake.requests) == 1


def test_fake_provider_is_a_labelled_demo() -> None:
    plan, result = _inputs()
    try:
        outcome = run_ai_review(plan, result, settings=Settings(llm_provider="fake"), context=CONTEXT)
    finally:
        stop_demo_server()
    ai = outcome.ai
    assert ai.status is AIStatus.OK, ai.error
    assert ai.fake is True
    assert ai.provider == "fake"
    assert ai.summary_md.startswith(FAKE_SUMMARY_LABEL)
    assert "aws_db_instance.main" in ai.summary_md
    assert outcome.risk.level is RiskLevel.HIGH
    assert ai.tokens_in > 0


def test_missing_key_fails_with_a_clear_reason() -> None:
    plan, result = _inputs()
    outcome = run_ai_review(plan, result, settings=Settings(llm_provider="openai"), context=CONTEXT)
    assert outcome.ai.status is AIStatus.FAILED
    assert "no API key" in (outcome.ai.error or "")


def test_bad_fallback_entry_fails_cleanly() -> None:
    plan, result = _inputs()
    settings = Settings(llm_provider="openai", openai_api_key="k", llm_fallbacks="mystery:model")
    outcome = run_ai_review(plan, result, settings=settings, context=CONTEXT)
    assert outcome.ai.status is AIStatus.FAILED
    assert "unknown LLM provider 'mystery'" in (outcome.ai.error or "")


def test_targets_default_models_and_fallback_parsing() -> None:
    settings = Settings(
        anthropic_api_key="k", llm_fallbacks="bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0,openai,none:x"
    )
    assert [str(t) for t in resolve_targets(settings)] == [
        "anthropic:claude-sonnet-4-5",
        "bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0",
        "openai:gpt-4.1-mini",
    ]


def test_openai_compatible_uses_base_url_and_legacy_token_field() -> None:
    plan, result = _inputs()
    with start_fake("openai") as fake:
        settings = settings_for(
            fake, llm_provider="openai_compatible", openai_api_key=None, llm_model="llama3.1"
        )
        outcome = run_ai_review(plan, result, settings=settings, context=CONTEXT)
        assert outcome.ai.status is AIStatus.OK, outcome.ai.error
        assert outcome.ai.provider == "openai_compatible"
        body = fake.requests[0].json()
        assert body["max_tokens"] == 1024 and "max_completion_tokens" not in body
        assert body["model"] == "llama3.1"


def test_key_from_secrets_manager_is_fetched_once_per_container() -> None:
    plan, result = _inputs()
    clear_secret_cache()
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="eu-west-1")
        sm.create_secret(Name="tfr/openai", SecretString='{"api_key": "sk-from-secrets-manager"}')
        with start_fake("openai") as fake:
            settings = settings_for(
                fake, openai_api_key=None, openai_api_key_secret_id="tfr/openai", aws_region="eu-west-1"
            )
            assert run_ai_review(plan, result, settings=settings, context=CONTEXT).ai.status is AIStatus.OK
            # Rotated in AWS, but this container keeps its cached key: fetched once.
            sm.put_secret_value(SecretId="tfr/openai", SecretString="sk-rotated")
            assert run_ai_review(plan, result, settings=settings, context=CONTEXT).ai.status is AIStatus.OK
            auth = [r.headers.get("Authorization") or r.headers.get("authorization") for r in fake.requests]
            assert auth == ["Bearer sk-from-secrets-manager"] * 2
            assert all(FAKE_API_KEY not in (a or "") for a in auth)
    clear_secret_cache()


def test_missing_secret_fails_cleanly() -> None:
    plan, result = _inputs()
    clear_secret_cache()
    with mock_aws():
        settings = Settings(
            llm_provider="anthropic", anthropic_api_key_secret_id="nope", aws_region="eu-west-1"
        )
        outcome = run_ai_review(plan, result, settings=settings, context=CONTEXT)
    assert outcome.ai.status is AIStatus.FAILED
    assert "Secrets Manager" in (outcome.ai.error or "")


def test_importing_the_llm_package_loads_no_sdk() -> None:
    code = (
        "import sys, reviewer.llm, reviewer.llm.review, reviewer.llm.clients;"
        "bad = [m for m in ('openai', 'anthropic', 'bpe_openai', 'boto3') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_logs_never_carry_prompts_or_plan_values(caplog: pytest.LogCaptureFixture) -> None:
    plan = plan_of(
        raw_plan(change("aws_s3_bucket.logs", ["create"], None, {"bucket": "very-distinct-bucket-name"}))
    )
    result = engine_result(plan)
    caplog.set_level("DEBUG", logger="reviewer")
    with start_fake("openai") as fake:
        run_ai_review(plan, result, settings=settings_for(fake), context=CONTEXT)
    text = "\n".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("reviewer")
    )
    assert "very-distinct-bucket-name" not in text
    assert "<plan_data>" not in text


def test_slow_provider_stops_within_the_reviewer_time_share(monkeypatch: pytest.MonkeyPatch) -> None:
    plan, result = _inputs()
    # 10 s reviewer timeout x 0.08 = 0.8 s for the AI step; each attempt times out after 0.3 s.
    monkeypatch.setattr("reviewer.llm.review.AI_STEP_SHARE", 0.08)
    importlib.import_module("anthropic")  # import time is not what this test measures
    with start_fake("openai", [slow(3.0)]) as fake, start_fake("anthropic", [slow(3.0)]) as other:
        anthropic = {k: v for k, v in other.settings_overrides().items() if k.startswith("anthropic_")}
        settings = settings_for(
            fake,
            **anthropic,
            llm_fallbacks="anthropic:fallback",
            reviewer_timeout_seconds=10,
            llm_timeout_seconds=0.3,
            llm_max_retries=10,
        )
        started = time.monotonic()
        outcome = run_ai_review(plan, result, settings=settings, context=CONTEXT, sleep=lambda _: None)
        elapsed = time.monotonic() - started
    assert outcome.ai.status is AIStatus.FAILED
    assert "out of time" in (outcome.ai.error or "")
    assert len(fake.requests) < 11
    assert elapsed < 3.0
    assert outcome.risk == result.risk
