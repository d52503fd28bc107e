"""The engine entry point: validate, redact, parse, run rules, apply configuration, score."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import orjson  # Deliberate exception to the stdlib-only engine: C serialisation for the canonical bytes.

from reviewer.engine.config import ReviewConfig, Suppression
from reviewer.engine.errors import PlanError, PlanErrorCode
from reviewer.engine.forked import PARALLEL_MIN_RESOURCES, Forked, spare_cpus
from reviewer.engine.loader import load_plan, plain_float
from reviewer.engine.parser import parse_plan
from reviewer.engine.plan import Action, Plan
from reviewer.engine.redaction import StagedRedaction
from reviewer.engine.results import (
    SEVERITY_RANK,
    ChangeRef,
    ChangeSummary,
    EngineResult,
    Finding,
    PlanInfo,
    RedactionReport,
)
from reviewer.engine.rules import RULES, ResourceFindings, RuleRun, run_rules
from reviewer.engine.rules.health import EXPIRED_SUPPRESSION
from reviewer.engine.scoring import score_plan
from reviewer.engine.summary import summarize

ENGINE_VERSION = "1.0.0"
# Where the child's share of the resources starts. With custom policies the parent redacts the late
# sections and hashes the plan (the policies read them), and the child runs the plan-wide rules too; without,
# the child does all of that and only a small share of the rules, as its findings must cross a pipe.
_CHILD_FROM = 0.47
_CHILD_FROM_ALONE = 0.93


# Findings from outside the rule catalog (custom policies), in two steps so that their work (in other
# processes) overlaps the rules': called with the parsed and the redacted plan before the rules run, it
# returns a context manager whose value, called once they are done, returns the findings; leaving the block
# without calling it stops that work. The findings are suppressed, sorted and scored like the rules'.
ExtraFindings = Callable[[Plan, dict[str, Any]], AbstractContextManager[Callable[[], list[Finding]]]]


class ReviewOutput:
    """What review_plan returns: the result, the parsed (redacted) plan and the redacted plan dict."""

    __slots__ = ("_redact", "_redacted", "plan", "result")

    def __init__(
        self, result: EngineResult, plan: Plan, redacted: dict[str, Any] | Callable[[], dict[str, Any]]
    ) -> None:
        self.result, self.plan = result, plan
        # A parallel review may leave the late sections' redaction to its child: done here only if asked.
        self._redacted = redacted if isinstance(redacted, dict) else None
        self._redact = None if isinstance(redacted, dict) else redacted

    @property
    def redacted(self) -> dict[str, Any]:
        if self._redacted is None:
            assert self._redact is not None
            self._redacted = self._redact()
        return self._redacted


def _orjson_matches_stdlib(node: dict[str, Any] | list[Any]) -> bool:
    """True when orjson writes `node` byte for byte as json.dumps does (see canonical_json).

    Only plain dict/list/str/int/bool/None and plain floats (see loader.plain_float) qualify; tuples,
    subclasses and other types are left to json.dumps. Integers beyond 64 bits and lone surrogates make
    orjson raise instead.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        values: Iterable[Any] = current.values() if type(current) is dict else current
        for value in values:
            kind = type(value)
            if kind is str or value is None or kind is int or kind is bool:
                continue
            if kind is dict or kind is list:
                stack.append(value)
            elif kind is float:
                if not plain_float(value):
                    return False
            else:
                return False
    return True


def canonical_json(plan: dict[str, Any], *, plain_numbers: bool = False) -> bytes:
    """Stable bytes for hashing and storage (sorted keys, no whitespace).

    The bytes are those of json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) in
    UTF-8, which stored plan hashes depend on; orjson produces them much faster when it can.
    `plain_numbers` says the caller knows the tree holds only JSON types and plain floats (a plan from
    load_plan_checked, redacted: redaction only puts strings in), so the check is skipped.
    """
    if type(plan) is dict and (plain_numbers or _orjson_matches_stdlib(plan)):
        try:
            return orjson.dumps(plan, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
    return json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def finding_sort_key(finding: Finding) -> tuple[int, int, str, str]:
    return (
        -SEVERITY_RANK[finding.severity],
        0 if finding.introduced else 1,
        finding.address or "",
        finding.rule_id,
    )


def _apply_config(
    findings: list[Finding], config: ReviewConfig, today: date | None
) -> tuple[list[Finding], list[Finding]]:
    if not config.severity and not config.suppress:
        return findings, []
    active_suppressions = [s for s in config.suppress if not s.expired(today)]
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        override = config.severity.get(finding.rule_id)
        if override is not None:
            finding = replace(finding, severity=override)
        if any(s.matches(finding.rule_id, finding.address) for s in active_suppressions):
            suppressed.append(finding)
        else:
            kept.append(finding)
    kept.extend(_expired_finding(s) for s in config.suppress if s.expired(today))
    return kept, suppressed


def _expired_finding(suppression: Suppression) -> Finding:
    meta = EXPIRED_SUPPRESSION
    return Finding(
        rule_id=meta.id,
        title=meta.title,
        severity=meta.severity,
        category=meta.category,
        address=None,
        message=(
            f"Suppression of {suppression.rule} for {suppression.address} (owner {suppression.owner}, reason: "
            f"{suppression.reason}) expired on {suppression.expires}; it no longer applies."
        ),
        remediation=meta.remediation,
    )


def destructive_changes(plan: Plan) -> list[ChangeRef]:
    """Every destroy and replace, for reports that must always show them."""
    return [
        ChangeRef(
            address=rc.address,
            type=rc.type,
            action=rc.action.value,
            reason=rc.action_reason,
            replace_paths=[
                ".".join(str(p) for p in path) for path in rc.replace_paths if isinstance(path, list)
            ],
        )
        for rc in plan.resource_changes
        if rc.action.destroys or rc.action is Action.REPLACE_FORGET
    ]


# Lists longer than this (resource_changes, a module's resources) are written this many items at a time.
_DIGEST_SLICE = 64
_DIGEST_DEPTH = 4  # the plan's upper levels, where its big lists are


def _digest_in_pieces(node: Any, digest: Any, depth: int = 0) -> int:
    """Feed canonical_json's bytes of a plain tree (see loader.plain_float) to `digest` a piece at a time;
    returns their size. One 11 MB buffer for a big plan is thousands of fresh memory pages (costly on
    virtual machines) and a few copies as it grows; pieces of a few dozen KB reuse the same memory."""
    if depth < _DIGEST_DEPTH and type(node) is dict:
        size = 2
        digest.update(b"{")
        # Sorted as orjson's OPT_SORT_KEYS sorts (by code point: str order).
        for i, key in enumerate(sorted(node)):
            head = orjson.dumps(key) + b":" if i == 0 else b"," + orjson.dumps(key) + b":"
            digest.update(head)
            size += len(head) + _digest_in_pieces(node[key], digest, depth + 1)
        digest.update(b"}")
        return size
    if depth < _DIGEST_DEPTH and type(node) is list and len(node) > _DIGEST_SLICE:
        size = 2 + len(node) // _DIGEST_SLICE - (len(node) % _DIGEST_SLICE == 0)
        digest.update(b"[")
        for start in range(0, len(node), _DIGEST_SLICE):
            if start:
                digest.update(b",")
            piece = orjson.dumps(node[start : start + _DIGEST_SLICE], option=orjson.OPT_SORT_KEYS)
            digest.update(memoryview(piece)[1:-1])  # the slice's items, without its brackets
            size += len(piece) - 2
        digest.update(b"]")
        return size
    piece = orjson.dumps(node, option=orjson.OPT_SORT_KEYS)
    digest.update(piece)
    return len(piece)


def _digest(redacted: dict[str, Any], plain_numbers: bool) -> tuple[str, int]:
    """SHA-256 and size of the canonical bytes of the redacted plan (what the service stores)."""
    if plain_numbers and type(redacted) is dict:
        digest = hashlib.sha256()
        try:
            size = _digest_in_pieces(redacted, digest)
        except orjson.JSONEncodeError:  # a lone surrogate or a huge integer: canonical_json's way below
            pass
        else:
            return digest.hexdigest(), size
    try:
        canonical = canonical_json(redacted, plain_numbers=plain_numbers)
    except UnicodeEncodeError:
        # JSON may escape a lone UTF-16 surrogate (\ud800); that is no Unicode text, so no UTF-8 either.
        raise PlanError(
            PlanErrorCode.INVALID_UNICODE,
            "the plan holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not valid Unicode",
        ) from None
    return hashlib.sha256(canonical).hexdigest(), len(canonical)


@dataclass(slots=True)
class _Reviewed:
    """What a review computes before configuration and scoring."""

    plan: Plan
    findings: list[Finding]
    extra: list[Finding]  # from ExtraFindings
    redaction: RedactionReport
    digest: tuple[str, int]  # sha256 and size of the canonical redacted plan
    summary: ChangeSummary
    destructive: list[ChangeRef]


def _started(
    extra: ExtraFindings | None, plan: Plan, redacted: dict[str, Any]
) -> AbstractContextManager[Callable[[], list[Finding]]]:
    """The extra findings' work, started now (nothing to start without it)."""
    return nullcontext(list) if extra is None else extra(plan, redacted)


def _review_redacted(
    redacted: dict[str, Any],
    report: RedactionReport,
    digest: Callable[[], tuple[str, int]],
    enabled: set[str],
    extra: ExtraFindings | None,
) -> _Reviewed:
    plan = parse_plan(redacted)
    with _started(extra, plan, redacted) as extra_findings:
        hashed = digest()
        findings = run_rules(plan, redacted, enabled)
        summary, destructive = summarize(plan), destructive_changes(plan)
        return _Reviewed(plan, findings, extra_findings(), report, hashed, summary, destructive)


def _review_in_one(
    staged: StagedRedaction, enabled: set[str], plain_numbers: bool, extra: ExtraFindings | None
) -> _Reviewed:
    redacted, report = staged.finish()
    return _review_redacted(redacted, report, lambda: _digest(redacted, plain_numbers), enabled, extra)


def _review_in_two(
    staged: StagedRedaction, enabled: set[str], plain_numbers: bool, extra: ExtraFindings | None
) -> _Reviewed | None:
    """_review_in_one in two processes; None when that cannot be done.

    As soon as the sections the rules read are redacted, a forked child (sharing this memory) starts; this
    process runs the rules of the first part of the resources. A secret found late by pattern or name (rare)
    calls for a second redaction pass over everything: the caller then does it all in one process.
    """
    early = staged.early()
    if not staged.settled:
        return None
    plan = parse_plan(early)  # the parsed plan holds nothing of the sections redacted late
    rules = RuleRun(plan, early, enabled)
    if extra is not None:
        return _with_extra(staged, plan, rules, plain_numbers, extra)

    def child_part() -> _ChildPart | None:
        # The late sections' redaction and the hash cross the pipe as a few bytes, findings as many.
        redacted, report = staged.finish()
        if not staged.settled:
            return None
        digest = _digest(redacted, plain_numbers)
        tail = rules.resource_findings(_CHILD_FROM_ALONE, 1.0)
        return report, digest, tail, rules.plan_findings(), summarize(plan), destructive_changes(plan)

    with Forked(child_part) as child:
        head = rules.resource_findings(0.0, _CHILD_FROM_ALONE)
        done = child.result()
    if done is None:
        return None
    report, digest, tail, plan_wide, summary, destructive = done
    findings = RuleRun.combine([head, tail], plan_wide)
    return _Reviewed(plan, findings, [], report, digest, summary, destructive)


_ChildPart = tuple[
    RedactionReport, tuple[str, int], ResourceFindings, list[Finding], ChangeSummary, list[ChangeRef]
]


def _with_extra(
    staged: StagedRedaction, plan: Plan, rules: RuleRun, plain_numbers: bool, extra: ExtraFindings
) -> _Reviewed | None:
    """_review_in_two when custom policies read the whole redacted plan: this process redacts the rest of
    the plan, hashes it and runs the rules of the first part of the resources while the child runs the
    plan-wide rules and those of the last part and counts the changes."""

    def child_part() -> tuple[ResourceFindings, list[Finding], ChangeSummary, list[ChangeRef]]:
        tail = rules.resource_findings(_CHILD_FROM, 1.0)
        return tail, rules.plan_findings(), summarize(plan), destructive_changes(plan)

    with Forked(child_part) as child:
        redacted, report = staged.finish()
        if not staged.settled:
            return None  # leaving the block stops the child
        with _started(extra, plan, redacted) as extra_findings:
            digest = _digest(redacted, plain_numbers)
            head = rules.resource_findings(0.0, _CHILD_FROM)
            tail, plan_wide, summary, destructive = child.result()
            found = extra_findings()
    findings = RuleRun.combine([head, tail], plan_wide)
    return _Reviewed(plan, findings, found, report, digest, summary, destructive)


def review_plan(
    raw: dict[str, Any],
    config: ReviewConfig | None = None,
    *,
    today: date | None = None,
    extra_findings: ExtraFindings | None = None,
) -> ReviewOutput:
    """Review one plan: always redacts first, so already-redacted input gives the same result."""
    return review_loaded_plan(load_plan(raw), config, today=today, extra_findings=extra_findings)


def review_loaded_plan(
    validated: dict[str, Any],
    config: ReviewConfig | None = None,
    *,
    today: date | None = None,
    plain_numbers: bool = False,
    parallel: bool = False,
    extra_findings: ExtraFindings | None = None,
) -> ReviewOutput:
    """review_plan for a dict load_plan has just returned (skips validating it a second time);
    `plain_numbers` is load_plan_checked's verdict on the numbers in it; `parallel` lets the redaction
    and the rules of a big plan use forked child processes (single-threaded callers only: the CLI)."""
    config = config or ReviewConfig()
    enabled = _enabled_rules(config)
    staged = StagedRedaction(validated, parallel=parallel)
    reviewed = None
    if parallel and len(validated.get("resource_changes") or ()) >= PARALLEL_MIN_RESOURCES and spare_cpus():
        reviewed = _review_in_two(staged, enabled, plain_numbers, extra_findings)
    if reviewed is None:
        reviewed = _review_in_one(staged, enabled, plain_numbers, extra_findings)
    return _output(reviewed, lambda: staged.finish()[0], config, today)


def review_redacted_plan(
    redacted: dict[str, Any],
    config: ReviewConfig | None = None,
    *,
    digest: tuple[str, int],
    today: date | None = None,
    extra_findings: ExtraFindings | None = None,
) -> ReviewOutput:
    """review_plan for a validated plan redact_plan has already returned, given the sha256 and size of its
    canonical bytes (the service's stored plan). Redaction is idempotent (a second pass changes nothing
    and reports nothing), so the result is review_plan's without redacting or hashing the plan again."""
    config = config or ReviewConfig()
    reviewed = _review_redacted(
        redacted, RedactionReport(), lambda: digest, _enabled_rules(config), extra_findings
    )
    return _output(reviewed, redacted, config, today)


def _enabled_rules(config: ReviewConfig) -> set[str]:
    disabled = set(config.disable)
    return {rule.meta.id for rule in RULES if rule.meta.id not in disabled}


def _output(
    reviewed: _Reviewed,
    redacted: dict[str, Any] | Callable[[], dict[str, Any]],
    config: ReviewConfig,
    today: date | None,
) -> ReviewOutput:
    """Configuration, order and score on top of what a review computed (custom policy findings included)."""
    plan, (sha256, size) = reviewed.plan, reviewed.digest
    findings, suppressed = _apply_config([*reviewed.findings, *reviewed.extra], config, today)
    findings.sort(key=finding_sort_key)
    suppressed.sort(key=finding_sort_key)
    result = EngineResult(
        plan=PlanInfo(
            sha256=sha256,
            bytes=size,
            terraform_version=plan.terraform_version,
            format_version=plan.format_version,
            errored=plan.errored,
            applyable=plan.applyable,
            complete=plan.complete,
        ),
        summary=reviewed.summary,
        findings=findings,
        risk=score_plan(plan, findings),
        redaction=reviewed.redaction,
        engine_version=ENGINE_VERSION,
        suppressed=suppressed,
        custom_instructions=config.custom_instructions,
        destructive_changes=reviewed.destructive,
    )
    return ReviewOutput(result=result, plan=plan, redacted=redacted)
