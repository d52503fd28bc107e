"""docs/threat-model.md names, for each control, the test that proves it: every test file and test
function it names exists, so a renamed or deleted proof shows up here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "docs" / "threat-model.md"

# `tests/x/test_y.py::test_z`, `web/tests/unit/csrf.test.ts`, and `::test_z` after a named file.
_REFERENCE = re.compile(r"`((?:tests|web)/[\w./-]+\.(?:py|ts|tsx))(?:::(\w+))?`|`::(\w+)`")


def references() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for line in MODEL.read_text().splitlines():
        current: str | None = None
        for match in _REFERENCE.finditer(line):
            path, name, continued = match.groups()
            if path:
                current = path
                found.append((path, name))
            elif current is not None:
                found.append((current, continued))
    return found


def test_every_named_proof_exists() -> None:
    refs = references()
    assert len(refs) > 40
    missing = []
    for path, name in refs:
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif name and not re.search(rf"^\s*(async )?def {name}\(", file.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == [], "docs/threat-model.md names proofs that do not exist:\n" + "\n".join(
        sorted(set(missing))
    )
