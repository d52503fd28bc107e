"""The AI step of a review: prompt, provider calls with retries and fallbacks, validation, grounding."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict

from app.core.settings import LLMProvider, Settings
from reviewer.engine.plan import Plan
from reviewer.engine.prompt import PROMPT_VERSION, BuiltPrompt, ReviewContext, build_prompt
from reviewer.engine.results import AIReview, AIStatus, EngineResult, Finding, Risk
from reviewer.llm.base import LLMClient, LLMRequest, Usage
from reviewer.llm.clients import Target, build_client, resolve_targets
from reviewer.llm.cost import estimate_cost
from reviewer.llm.errors import LLMError, MalformedOutputError, RetryableError, TruncatedOutputError
from reviewer.llm.grounding import (
    engine_flagged_injection,
    final_risk,
    ground_findings,
    output_looks_injected,
    sanitize_markdown,
)
from reviewer.llm.schema import MAX_RECOMMENDATIONS, RESULT_JSON_SCHEMA, AIResultPayload, parse_result
from reviewer.llm.tokens import counter_for, counter_name

logger = logging.getLogger(__name__)

Sleep = Callable[[float], None]

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 20.0
# A truncated answer is retried once with this many times the output-token limit (capped).
TRUNCATION_GROWTH = 2
TRUNCATION_CAP_TOKENS = 16_384
# Share of the reviewer's timeout the AI step may use, so a slow provider ends in a rules-only review
# (ai.status=failed) rather than a reviewer timeout.
AI_STEP_SHARE = 0.6
FAKE_SUMMARY_LABEL = (
    "**Fake AI review (demo mode):** no language model was called; this text was generated locally."
)
MAX_ERROR_CHARS = 1000


class AIOutcome(BaseModel):
    """What the AI step adds to a review: the AI block, grounded extra findings and the final risk."""

    model_config = ConfigDict(frozen=True)

    ai: AIReview
    findings: list[Finding]
    risk: Risk


@dataclass(slots=True)
class _Accounting:
    """Tokens billed across every attempt and fallback, so cost counts failed calls too."""

    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0

    def add(self, usage: Usage, model: str, settings: Settings) -> None:
        self.tokens_in += usage.tokens_in
        self.tokens_out += usage.tokens_out
        self.cost_usd += estimate_cost(model, usage.tokens_in, usage.tokens_out, settings.llm_prices)


def backoff_delay(attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter (half fixed, half random), honouring Retry-After up to the cap."""
    ceiling: float = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0**attempt)
    delay: float = ceiling / 2 + rng.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return delay


def call_with_policy(
    client: LLMClient,
    request: LLMRequest,
    *,
    max_retries: int,
    accounting: _Accounting,
    settings: Settings,
    sleep: Sleep,
    rng: random.Random,
    deadline: float = math.inf,
) -> tuple[AIResultPayload, str]:
    """Call one client until a valid answer or until its retries or the time run out (then raise)."""
    # Transient errors back off and retry up to max_retries; a truncated or malformed answer is
    # retried once; no attempt starts that could end after `deadline` (monotonic seconds).
    transient_retries = 0
    truncation_retried = False
    malformed_retried = False
    while True:
        if time.monotonic() >= deadline:
            raise LLMError("the AI step ran out of time")
        try:
            response = client.complete(request)
            accounting.add(response.usage, client.model, settings)
            return parse_result(response.payload), response.model or client.model
        except RetryableError as exc:
            accounting.add(exc.usage, client.model, settings)
            if transient_retries >= max_retries:
                raise RetryableError(f"{exc} (gave up after {transient_retries + 1} attempts)") from None
            delay = backoff_delay(transient_retries, rng, exc.retry_after)
            if time.monotonic() + delay + settings.llm_timeout_seconds > deadline:
                # Another attempt would outlive the reviewer: stop here, the rules still stand.
                raise RetryableError(
                    f"{exc} (gave up after {transient_retries + 1} attempts: out of time)"
                ) from None
            logger.info(
                "llm.retry",
                extra={"provider": client.provider, "model": client.model, "attempt": transient_retries + 1},
            )
            transient_retries += 1
            sleep(delay)
        except TruncatedOutputError as exc:
            accounting.add(exc.usage, client.model, settings)
            if truncation_retried:
                raise
            truncation_retried = True
            grown = min(
                request.max_output_tokens * TRUNCATION_GROWTH,
                max(TRUNCATION_CAP_TOKENS, request.max_output_tokens),
            )
            if grown <= request.max_output_tokens:
                raise
            logger.info(
                "llm.truncated_retry", extra={"provider": client.provider, "max_output_tokens": grown}
            )
            request = replace(request, max_output_tokens=grown)
        except MalformedOutputError as exc:
            accounting.add(exc.usage, client.model, settings)
            if malformed_retried:
                raise
            malformed_retried = True
            logger.info("llm.malformed_retry", extra={"provider": client.provider, "model": client.model})


def _skipped(result: EngineResult, provider: str, reason: str) -> AIOutcome:
    ai = AIReview(status=AIStatus.SKIPPED, provider=provider, prompt_version=PROMPT_VERSION, error=reason)
    return AIOutcome(ai=ai, findings=[], risk=result.risk)


def run_ai_review(
    plan: Plan,
    result: EngineResult,
    *,
    settings: Settings,
    context: ReviewContext,
    custom_instructions: str = "",
    tokens_used_today: int = 0,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> AIOutcome:
    """Run the LLM over a (redacted) plan and the engine's result; never raises for LLM failures."""
    provider = settings.effective_llm_provider
    if provider is LLMProvider.NONE:
        return _skipped(result, "none", "no LLM provider configured (rules only)")
    budget = settings.llm_daily_token_budget
    if budget > 0 and tokens_used_today >= budget:
        logger.info("llm.skipped_budget", extra={"budget": budget})
        return _skipped(result, provider.value, f"daily token budget of {budget} tokens spent")

    # The engine carries the configuration file's instructions; an explicit argument wins.
    custom_instructions = custom_instructions or result.custom_instructions
    rng = rng or random.Random()
    accounting = _Accounting()
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + settings.reviewer_timeout_seconds * AI_STEP_SHARE
    try:
        targets = resolve_targets(settings)
    except LLMError as exc:
        return _failed(result, provider.value, None, str(exc), accounting, started)
    prompts: dict[str, BuiltPrompt] = {}
    last: Target | None = None
    for target in targets:
        if time.monotonic() >= deadline:
            errors.append(f"{target}: not tried, the AI step ran out of time")
            continue
        last = target
        try:
            client = build_client(target, settings)
            counting = counter_name(target.provider.value, target.model)
            # One prompt per way of counting tokens: fallbacks that count alike reuse it.
            prompt = prompts.get(counting)
            if prompt is None:
                prompt = prompts[counting] = build_prompt(
                    plan,
                    result,
                    context=context,
                    custom_instructions=custom_instructions,
                    token_budget=settings.llm_prompt_token_budget,
                    count_tokens=counter_for(target.provider.value, target.model),
                )
            request = LLMRequest(
                system=prompt.system,
                user=prompt.user,
                schema=RESULT_JSON_SCHEMA,
                max_output_tokens=settings.llm_max_output_tokens,
            )
            payload, model = call_with_policy(
                client,
                request,
                max_retries=settings.llm_max_retries,
                accounting=accounting,
                settings=settings,
                sleep=sleep,
                rng=rng,
                deadline=deadline,
            )
        except LLMError as exc:
            errors.append(f"{target}: {exc}")
            logger.warning(
                "llm.target_failed",
                extra={
                    "provider": target.provider.value,
                    "model": target.model,
                    "error_type": type(exc).__name__,
                },
            )
            continue
        except Exception as exc:  # an SDK or bug surprise must not fail the review: rules still stand
            errors.append(f"{target}: unexpected {type(exc).__name__}")
            logger.warning(
                "llm.target_crashed",
                extra={
                    "provider": target.provider.value,
                    "model": target.model,
                    "error_type": type(exc).__name__,
                },
            )
            continue
        return _succeeded(plan, result, target, model, payload, prompt, accounting, started)
    message = "; ".join(errors) or "no LLM target configured"
    return _failed(result, (last or Target(provider, "")).provider.value, last, message, accounting, started)


def _failed(
    result: EngineResult,
    provider: str,
    target: Target | None,
    message: str,
    accounting: _Accounting,
    started: float,
) -> AIOutcome:
    ai = AIReview(
        status=AIStatus.FAILED,
        provider=provider,
        model=target.model if target else None,
        prompt_version=PROMPT_VERSION,
        tokens_in=accounting.tokens_in,
        tokens_out=accounting.tokens_out,
        cost_usd=round(accounting.cost_usd, 6),
        latency_ms=int((time.monotonic() - started) * 1000),
        untrusted_text=engine_flagged_injection(result.findings),
        fake=target is not None and target.provider is LLMProvider.FAKE,
        error=("AI review failed: " + message)[:MAX_ERROR_CHARS],
    )
    logger.warning("llm.review_failed", extra={"provider": provider})
    return AIOutcome(ai=ai, findings=[], risk=result.risk)


def _succeeded(
    plan: Plan,
    result: EngineResult,
    target: Target,
    model: str,
    payload: AIResultPayload,
    prompt: BuiltPrompt,
    accounting: _Accounting,
    started: float,
) -> AIOutcome:
    findings, dropped = ground_findings(payload.findings, plan, result.findings)
    summary, had_active_content = sanitize_markdown(payload.summary_md.strip())
    fake = target.provider is LLMProvider.FAKE
    if fake and not summary.startswith(FAKE_SUMMARY_LABEL):
        summary = f"{FAKE_SUMMARY_LABEL}\n\n{summary}"
    untrusted = (
        engine_flagged_injection(result.findings) or output_looks_injected(payload) or had_active_content
    )
    risk = final_risk(result.risk, payload.risk_level, payload.risk_justification)
    ai = AIReview(
        status=AIStatus.OK,
        provider=target.provider.value,
        model=model,
        prompt_version=prompt.version,
        summary_md=summary,
        risk_level=payload.risk_level,
        justification=payload.risk_justification.strip(),
        recommendations=[r.strip() for r in payload.recommendations if r.strip()][:MAX_RECOMMENDATIONS],
        tokens_in=accounting.tokens_in,
        tokens_out=accounting.tokens_out,
        cost_usd=round(accounting.cost_usd, 6),
        latency_ms=int((time.monotonic() - started) * 1000),
        dropped_findings=dropped,
        untrusted_text=untrusted,
        fake=fake,
    )
    logger.info(
        "llm.review_ok",
        extra={
            "provider": ai.provider,
            "model": model,
            "tokens_in": ai.tokens_in,
            "tokens_out": ai.tokens_out,
            "latency_ms": ai.latency_ms,
            "prompt_tokens_estimate": prompt.tokens,
            "changes_counted_only": prompt.changes_counted,
            "ai_findings": len(findings),
            "dropped_findings": dropped,
            "untrusted_text": untrusted,
        },
    )
    return AIOutcome(ai=ai, findings=findings, risk=risk)
