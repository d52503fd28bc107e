"""Every real-world plan in the shared corpus reviews cleanly and leaks no sensitive value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import PlanError, load_plan, review_plan
from reviewer.engine.reports import FORMATS, render

CORPUS = Path(__file__).parents[3] / ".." / "shared" / "corpus" / "plans"
FILES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []
# Shorter marked values ("true", "app", "80") are not secrets and appear naturally in reports.
MIN_CHECKED_LENGTH = 6


def _marked(value: Any, mark: Any, out: set[str]) -> None:
    if mark is True:
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.add(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    elif isinstance(mark, dict) and isinstance(value, dict):
        for key, sub in mark.items():
            _marked(value.get(key), sub, out)
    elif isinstance(mark, list) and isinstance(value, list):
        for sub, item in zip(mark, value, strict=False):
            _marked(item, sub, out)


def sensitive_values(raw: dict[str, Any]) -> set[str]:
    """Values the plan itself marks sensitive (collected independently of the engine)."""
    found: set[str] = set()
    for key in ("resource_changes", "resource_drift"):
        for rc in raw.get(key) or []:
            change = rc.get("change", {})
            _marked(change.get("before"), change.get("before_sensitive"), found)
            _marked(change.get("after"), change.get("after_sensitive"), found)
    for change in (raw.get("output_changes") or {}).values():
        _marked(change.get("before"), change.get("before_sensitive"), found)
        _marked(change.get("after"), change.get("after_sensitive"), found)
    declared = raw.get("configuration", {}).get("root_module", {}).get("variables", {})
    for name, spec in (raw.get("variables") or {}).items():
        if declared.get(name, {}).get("sensitive"):
            _marked(spec.get("value"), True, found)
    return {value for value in found if len(value) >= MIN_CHECKED_LENGTH}


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_plan_reviews_without_leaking(path: Path) -> None:
    try:
        raw = load_plan(path.read_bytes())
    except PlanError as exc:  # pragma: no cover - every corpus file is currently a plan
        assert exc.code in {"not_a_plan", "state_file", "unsupported_format_version"}
        return
    output = review_plan(raw)
    secrets = sensitive_values(raw)
    texts = [render(fmt, output.result, title=path.name) for fmt in FORMATS]
    texts.append(json.dumps(output.redacted, ensure_ascii=False))
    for text in texts:
        leaked = sorted(s for s in secrets if s in text)
        assert leaked == [], f"{len(leaked)} sensitive value(s) leaked"
    assert 0 <= output.result.risk.score <= 100
    not_applyable = output.plan.applyable is False and not output.plan.nothing_to_apply
    if output.plan.errored or not_applyable or output.plan.complete is False:
        assert output.result.risk.level.value != "LOW"


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
def test_corpus_has_sensitive_values_to_check() -> None:
    total = sum(len(sensitive_values(load_plan(p.read_bytes()))) for p in FILES)
    assert total > 10
