"""Keep the model honest: findings must point into the plan, risk can only go up, injections are flagged."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from reviewer.engine.plan import Plan, ResourceChange
from reviewer.engine.prompt import display_address
from reviewer.engine.reports.inert import block, has_active_markup
from reviewer.engine.results import (
    RISK_ORDER,
    Category,
    Finding,
    FindingSource,
    Risk,
    RiskLevel,
)
from reviewer.engine.scoring import LEVEL_FLOOR
from reviewer.engine.verdict import raised_sentence
from reviewer.llm.schema import MAX_AI_FINDINGS, AIFindingPayload, AIResultPayload

INJECTION_RULE_PREFIX = "TFR-INJ"
# Lowest score of each level (the engine's own thresholds), used when the model raises the level.
LEVEL_MIN_SCORE: dict[RiskLevel, int] = LEVEL_FLOOR
_RULE_SLUG_RE = re.compile(r"[^A-Z0-9]+")
# Phrases that only show up in model output when text from the plan took over the model.
INJECTION_OUTPUT_RE = re.compile(
    r"(?i)(ignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|preceding)\s+(instructions|rules|prompts?)"
    r"|disregard\s+(all\s+|the\s+)?(previous|prior|above|earlier)"
    r"|as\s+instructed\s+(by|in)\s+the\s+(plan|data|tags?|description)"
    r"|new\s+instructions?\s*:"
    r"|you\s+are\s+now\s+(a|an|in)\b"
    r"|</?\s*(plan_data|engine_findings|run_context|custom_instructions|system)\s*>"
    r"|approve\s+(it\s+|this\s+)?(immediately|without\s+review))"
)


def _attribute_head(attribute: str) -> str:
    """The top-level attribute name of a path like `ingress[0].cidr_blocks` or `tags.Name`."""
    text = attribute.strip().lstrip(".")
    return re.split(r"[.\[]", text, maxsplit=1)[0].strip().strip("\"'")


def _top_level_keys(rc: ResourceChange) -> set[str]:
    keys: set[str] = set()
    for value in (rc.before, rc.after, rc.after_unknown, rc.before_sensitive, rc.after_sensitive):
        if isinstance(value, dict):
            keys.update(str(k) for k in value)
    return keys


def _rule_id(raw: str) -> str:
    slug = _RULE_SLUG_RE.sub("-", raw.upper().removeprefix("AI-").removeprefix("AI_")).strip("-")
    return f"AI-{slug[:40] or 'FINDING'}"


def plan_addresses(plan: Plan) -> dict[str, ResourceChange]:
    """Every address the plan names (changes, drift and the old address of moves)."""
    index: dict[str, ResourceChange] = {}
    for rc in plan.resource_drift:
        index[display_address(rc)] = rc
    for rc in plan.resource_changes:
        index[display_address(rc)] = rc
        if rc.previous_address:
            index.setdefault(rc.previous_address, rc)
    return index


def ground_findings(
    proposed: Iterable[AIFindingPayload], plan: Plan, existing: Iterable[Finding] = ()
) -> tuple[list[Finding], int]:
    """Findings whose address (and attribute) exist in the plan, and how many were dropped."""
    index = plan_addresses(plan)
    seen = {(f.rule_id, f.address, f.attribute) for f in existing}
    kept: list[Finding] = []
    dropped = 0
    for item in proposed:
        address = item.address.strip()
        rc = index.get(address)
        attribute = (item.attribute or "").strip() or None
        if rc is None or (attribute is not None and _attribute_head(attribute) not in _top_level_keys(rc)):
            dropped += 1
            continue
        rule_id = _rule_id(item.rule_id)
        key = (rule_id, display_address(rc), attribute)
        if key in seen:
            continue
        seen.add(key)
        if len(kept) >= MAX_AI_FINDINGS:
            dropped += 1
            continue
        kept.append(
            Finding(
                rule_id=rule_id,
                title=item.title.strip(),
                severity=item.severity,
                category=Category.AI,
                address=display_address(rc),
                type=rc.type,
                action=rc.action.value,
                attribute=attribute,
                introduced=True,
                message=item.message.strip(),
                source=FindingSource.LLM,
            )
        )
    return kept, dropped


def final_risk(engine: Risk, model_level: RiskLevel | None, justification: str = "") -> Risk:
    """The higher of the engine's and the model's level: the model can raise it, never lower it."""
    if model_level is None or RISK_ORDER.index(model_level) <= RISK_ORDER.index(engine.level):
        return engine
    reason = f"AI review raised the level to {model_level}"
    if justification.strip():
        reason += f": {justification.strip()[:300]}"
    # replace() keeps the posture counts, which the model's level does not change.
    return replace(
        engine,
        score=max(engine.score, LEVEL_MIN_SCORE[model_level]),
        level=model_level,
        reasons=[*engine.reasons, reason],
        verdict=raised_sentence(engine.verdict, model_level) if engine.verdict else "",
    )


def engine_flagged_injection(findings: Iterable[Finding]) -> bool:
    """True when the engine found prompt-injection text in the plan."""
    return any(f.rule_id.upper().startswith(INJECTION_RULE_PREFIX) for f in findings)


def _texts(result: AIResultPayload) -> list[str]:
    texts: list[Any] = [result.summary_md, result.risk_justification, *result.recommendations]
    for f in result.findings:
        texts.extend([f.title, f.message])
    return [str(t) for t in texts]


def output_looks_injected(result: AIResultPayload) -> bool:
    """True when the answer carries text that only an injected instruction would produce."""
    return result.suspected_injection or any(INJECTION_OUTPUT_RE.search(t) for t in _texts(result))


def sanitize_markdown(text: str) -> tuple[str, bool]:
    """Model Markdown made inert (reports.inert.block) and whether it held active markup (then untrusted)."""
    return block(text), has_active_markup(text)
