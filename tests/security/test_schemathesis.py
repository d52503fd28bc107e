"""Contract fuzzing: schemathesis against the live OpenAPI of the app under uvicorn on DynamoDB Local.

The CLI runs every phase (examples, coverage, fuzzing, stateful with links inferred from the
schema) with a write key, a fixed seed and a bounded number of examples, so the run is repeatable
and fits CI (~60-120 s). Checks: every built-in one (no 5xx, responses and status codes and headers
as documented, schema-violating input rejected, schema-valid input accepted, auth not ignored, ...)
plus the error-shape check in schemathesis_hooks.py. `positive_data_acceptance` accepts the
documented domain answers a schema cannot express (schemathesis.toml says which and why).

The webhook operation only ever sees 401 here (schemathesis cannot sign bodies); signed hostile
deliveries are in test_hostile_input.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.support import running_app
from tests.support import ROOT, WRITE_KEY

pytestmark = [pytest.mark.integration, pytest.mark.http]

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_schemathesis_finds_nothing(settings_factory, tmp_path) -> None:
    settings = settings_factory(
        dispatcher="local",
        spacelift_webhook_secret="whsec-schemathesis-0123456789abcdef0123",
        max_body_bytes=1024 * 1024,
    )
    with running_app(settings) as (url, _):
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.security.schemathesis_hooks",
            "PYTHONPATH": str(ROOT),
            "NO_COLOR": "1",
        }
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {WRITE_KEY}",
            # One worker: hypothesis parses source with ast in each thread, which trips a CPython 3.11 bug.
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ]
        # cwd: schemathesis keeps a .schemathesis cache there; keep it out of the work tree.
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    generated = re.search(r"(\d+) generated", output)
    assert generated and int(generated.group(1)) >= 300, output[-3000:]
    assert re.search(r"Tested: +1\d", output), output[-3000:]  # every operation of the schema ran
    # The stateful phase ran and followed links between operations (create → read/update/rerun, ...).
    assert re.search(r"✅ +Stateful \(in", output), output[-3000:]
    links = re.search(r"API Links: +(\d+) covered", output)
    assert links and int(links.group(1)) >= 5, output[-3000:]
