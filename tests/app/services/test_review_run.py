"""The reviewer reviews the stored plan as POST left it: redacted and hashed once, never again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.errors import ValidationFailed
from app.services.reviews import prepare_plan
from reviewer.engine import review_plan
from reviewer.engine.review import review_redacted_plan
from tests.support import ROOT, corpus_files

PLANS = sorted((ROOT / "tests" / "fixtures" / "plans").glob("*.json")) + corpus_files()


@pytest.mark.parametrize("path", PLANS, ids=lambda path: path.stem)
def test_the_stored_plan_reviews_as_the_engine_reviews_it(path: Path) -> None:
    try:
        data, ref = prepare_plan(path.read_bytes())
    except ValidationFailed:
        pytest.skip("not a plan the API accepts")
    stored = json.loads(data)
    # What the reviewer did before: the whole engine, redaction and hashing included, on the stored plan.
    expected = review_plan(json.loads(data))
    output = review_redacted_plan(stored, digest=(ref.sha256, ref.bytes))
    # Equal results include the plan's sha256 and size: the digest POST computed is the engine's.
    assert output.result == expected.result
    assert output.redacted == expected.redacted == stored
