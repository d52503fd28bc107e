"""docs/rules.md is exactly what its generator prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.cli import main


def test_rules_doc_is_the_generated_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "md"]) == 0
    docs = Path(__file__).parents[3] / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == capsys.readouterr().out, (
        "regenerate it: tfreview rules --format md > docs/rules.md"
    )
