"""docker-compose.yml is valid (no engine runs here, so only `docker-compose config -q`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.support import ROOT


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_compose_file_is_valid_and_requires_secrets() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TFR_API_KEYS": "dev:write:" + "0" * 64,
        "TFR_SPACELIFT_WEBHOOK_SECRET": "x",
        "TFR_DASHBOARD_API_KEY": "y",
    }
    ok = subprocess.run(["docker-compose", "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "TFR_API_KEYS" in missing.stderr
