"""checkov over deploy/: no failed check, and every skipped one is skipped inline with a reason.

checkov lives in its own venv (deploy/README.md, "Static analysis"): TFR_CHECKOV, `checkov` on
PATH or /tmp/checkov/bin/checkov; skipped with the reason when none is there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.terraform import DEPLOY, tf_files

pytestmark = pytest.mark.timeout(300)

_SKIP_COMMENT = re.compile(r"#checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def checkov_binary() -> str | None:
    for candidate in (os.environ.get("TFR_CHECKOV"), shutil.which("checkov"), "/tmp/checkov/bin/checkov"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    binary = checkov_binary()
    if binary is None:
        pytest.skip(
            "checkov not found (set TFR_CHECKOV, or: python3.11 -m venv /tmp/checkov && "
            "/tmp/checkov/bin/pip install checkov)"
        )
    result = subprocess.run(
        [binary, "-d", str(DEPLOY), "--framework", "terraform", "-o", "json", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert result.stdout.strip(), result.stderr[-3000:]
    parsed = json.loads(result.stdout)
    # One framework gives one object; checkov answers a list when it ran several.
    (found,) = [
        p for p in (parsed if isinstance(parsed, list) else [parsed]) if p["check_type"] == "terraform"
    ]
    return dict(found)


def test_no_failed_check_and_no_parsing_error(report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == [], "\n".join(failed)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100


def test_every_skip_is_inline_with_a_reason(report: dict[str, Any]) -> None:
    for check in report["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason.split()) >= 5, (
            f"{check['check_id']} on {check['resource']} is skipped without a reason"
        )
    for path in tf_files(DEPLOY, recursive=True):
        for line in path.read_text().splitlines():
            match = _SKIP_COMMENT.search(line)
            if match:
                assert match.group(2) and len(match.group(2).split()) >= 5, f"{path.name}: {line.strip()}"
