"""Shared helpers for the LLM layer tests: plans, engine results, settings and fakes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.settings import Settings
from reviewer.engine.loader import load_plan
from reviewer.engine.parser import parse_plan
from reviewer.engine.plan import Action, Plan
from reviewer.engine.redaction import redact_plan
from reviewer.engine.results import (
    Category,
    ChangeSummary,
    EngineResult,
    Finding,
    PlanInfo,
    Risk,
    RiskLevel,
    Severity,
)
from reviewer.llm.fakes import FakeServer, start_fake

CORPUS = Path("/work/shared/corpus/plans")

_ACTION_FIELDS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.DELETE: "delete",
    Action.REPLACE_DESTROY_FIRST: "replace",
    Action.REPLACE_CREATE_FIRST: "replace",
    Action.REPLACE_FORGET: "replace",
    Action.READ: "read",
    Action.NO_OP: "no_op",
    Action.FORGET: "forget",
    Action.MOVE: "move",
    Action.IMPORT: "import_",
}


def change(
    address: str,
    actions: list[str],
    before: Any = None,
    after: Any = None,
    *,
    after_unknown: Any = None,
    before_sensitive: Any = None,
    after_sensitive: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """One raw resource_changes entry."""
    rtype = address.split(".")[-2] if "." in address else address
    if address.startswith("module."):
        rtype = address.split(".")[-2]
    body: dict[str, Any] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": after_unknown if after_unknown is not None else {},
        "before_sensitive": before_sensitive if before_sensitive is not None else {},
        "after_sensitive": after_sensitive if after_sensitive is not None else {},
    }
    body.update(extra.pop("change_extra", {}))
    return {
        "address": address,
        "mode": "managed",
        "type": rtype.split("[")[0],
        "name": address.split(".")[-1].split("[")[0],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": body,
        **extra,
    }


def raw_plan(*changes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal valid plan dict (format 1.2) holding these changes."""
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": list(changes),
        "applyable": True,
        "complete": True,
        **extra,
    }


def plan_of(raw: dict[str, Any], *, redact: bool = True) -> Plan:
    """Load, redact (as the handler does) and parse a plan dict."""
    loaded = load_plan(raw)
    return parse_plan(redact_plan(loaded)[0] if redact else loaded)


def summary_of(plan: Plan) -> ChangeSummary:
    """Change counts as the engine would report them."""
    counts: dict[str, Any] = Counter(_ACTION_FIELDS.get(rc.action, "update") for rc in plan.resource_changes)
    return ChangeSummary(**counts, drift=len(plan.resource_drift))


def finding(
    address: str | None,
    severity: Severity = Severity.HIGH,
    rule_id: str = "TFR-TEST-001",
    *,
    attribute: str | None = None,
    message: str = "test finding",
    category: Category = Category.SECURITY,
) -> Finding:
    """A rule finding."""
    return Finding(
        rule_id=rule_id,
        title=f"title of {rule_id}",
        severity=severity,
        category=category,
        address=address,
        attribute=attribute,
        message=message,
    )


def engine_result(
    plan: Plan, findings: list[Finding] | None = None, level: RiskLevel = RiskLevel.LOW, score: int = 10
) -> EngineResult:
    """An EngineResult for a plan, with chosen findings and risk."""
    return EngineResult(
        plan=PlanInfo(
            terraform_version=plan.terraform_version,
            format_version=plan.format_version,
            errored=plan.errored,
            applyable=plan.applyable,
            complete=plan.complete,
        ),
        summary=summary_of(plan),
        findings=findings or [],
        risk=Risk(score=score, level=level, reasons=[f"test risk {level}"]),
    )


def corpus_files() -> list[Path]:
    """Every plan file of the shared corpus (empty when the folder is absent)."""
    return sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


def settings_for(fake: FakeServer, **overrides: Any) -> Settings:
    """Settings pointing the matching provider at a fake, fast timeouts."""
    values: dict[str, Any] = {
        **fake.settings_overrides(),
        "llm_timeout_seconds": 2.0,
        "llm_max_retries": 2,
        "llm_max_output_tokens": 1024,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(autouse=True)
def _aws_test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials so boto3 can sign requests to the Bedrock fake (and moto)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def no_sleep() -> list[float]:
    """Collects requested backoff delays instead of sleeping."""
    return []


@pytest.fixture(params=["openai", "anthropic", "bedrock"])
def kind(request: pytest.FixtureRequest) -> str:
    """Each wire format in turn."""
    return str(request.param)


@pytest.fixture
def fake(kind: str) -> Iterator[FakeServer]:
    """A fake of the current kind, stopped after the test."""
    server = start_fake(kind)
    try:
        yield server
    finally:
        server.stop()
