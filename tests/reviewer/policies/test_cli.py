"""The CLI: `tfreview review --policy`, `[policies]` in .tfreview.toml, and `tfreview policies test`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.engine.config_loader import load_config
from reviewer.engine.errors import ConfigError
from reviewer.engine.results import Severity
from tests.reviewer.policies.conftest import (
    MULTI_REGION_EXPECTED,
    SAMPLE_PLANS,
    SAMPLE_POLICIES,
    finding_table,
)

PLAN = str(SAMPLE_PLANS / "multi-region-storage.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_review_with_policy_folders_reports_their_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "review",
        PLAN,
        "--format",
        "json",
        "--policy",
        str(SAMPLE_POLICIES / "conftest"),
        "--policy",
        str(SAMPLE_POLICIES / "spacelift"),
    )
    assert err == "" and code == 1  # HIGH: a public ACL and a disallowed region are introduced
    report = json.loads(out)
    findings = [f for f in report["findings"] if f["source"] == "policy"]
    rules = {f["rule_id"] for f in findings}
    assert {"tfreview.required_tags", "tfreview.allowed_regions", "tfreview.no_public_buckets"} <= rules
    assert {"spacelift.required_tags", "spacelift.allowed_regions", "spacelift.no_public_buckets"} <= rules


def test_each_sample_folder_gives_exactly_the_expected_findings(capsys: pytest.CaptureFixture[str]) -> None:
    both: set[tuple[str, str, str | None, str | None, bool]] = set()
    for shape, expected in MULTI_REGION_EXPECTED.items():
        code, out, err = run(
            capsys, "review", PLAN, "--format", "json", "--policy", str(SAMPLE_POLICIES / shape)
        )
        assert err == "" and code == 1
        assert finding_table(json.loads(out)["findings"]) == expected
        both |= expected
    folders = [str(SAMPLE_POLICIES / "conftest"), str(SAMPLE_POLICIES / "spacelift")]
    code, out, err = run(
        capsys, "review", PLAN, "--format", "json", "--policy", folders[0], "--policy", folders[1]
    )
    assert finding_table(json.loads(out)["findings"]) == both


def test_policies_from_the_config_file_are_relative_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "repo"
    (folder / "policy").mkdir(parents=True)
    source = (SAMPLE_POLICIES / "conftest" / "required_tags.rego").read_text()
    (folder / "policy" / "tags.rego").write_text(source)
    config = folder / ".tfreview.toml"
    config.write_text('[policies]\npaths = ["policy"]\nwarn_severity = "LOW"\ntimeout_seconds = 5\n')
    loaded = load_config(config)
    assert loaded.policies.paths == [str(folder / "policy")]
    assert loaded.policies.warn_severity is Severity.LOW and loaded.policies.timeout_seconds == 5
    code, out, _ = run(
        capsys, "review", PLAN, "--config", str(config), "--format", "text", "--fail-on", "never"
    )
    assert code == 0 and "tfreview.required_tags" in out


def test_unknown_policy_keys_are_config_errors(tmp_path: Path) -> None:
    config = tmp_path / ".tfreview.toml"
    config.write_text('[policies]\npath = ["x"]\n')
    with pytest.raises(ConfigError, match="policies.path"):
        load_config(config)


def test_a_broken_policy_exits_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.rego").write_text("package bad\nimport rego.v1\n\ndeny contains m if {\n  m := \n}\n")
    code, out, err = run(capsys, "review", PLAN, "--policy", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith("tfreview: error: ") and f"{tmp_path / 'bad.rego'}:5:" in err


def test_policies_test_runs_test_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policies", "test", str(SAMPLE_POLICIES))
    assert code == 0 and out.strip().endswith("PASS: 19/19")
    code, out, _ = run(capsys, "policies", "test", "-v", str(SAMPLE_POLICIES / "spacelift"))
    assert code == 0 and "data.spacelift.required_tags.test_label_exempts_the_stack: PASS" in out
    (tmp_path / "p.rego").write_text(
        "package p\nimport rego.v1\ndeny contains 1 if input.x\n"
        'test_ok if { deny == {1} with input as {"x": true} }\n'
        'test_wrong if { deny == {2} with input as {"x": true} }\n'
        'test_error if { object.get(null, "a", 1) == 1 }\n'
    )
    code, out, _ = run(capsys, "policies", "test", str(tmp_path))
    assert code == 1
    assert "data.p.test_wrong: FAIL" in out and "data.p.test_error: ERROR" in out and "p.rego:6:" in out
    assert "data.p.test_ok" not in out and "PASS: 1/3" in out and "FAIL: 1/3" in out and "ERROR: 1/3" in out
    (tmp_path / "q.rego").write_text("package q\nimport rego.v1\nx := \n")
    code, _, err = run(capsys, "policies", "test", str(tmp_path))
    assert code == 2 and "q.rego:" in err


def test_the_console_script_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "review", PLAN, "--policy", str(SAMPLE_POLICIES / "conftest")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "tfreview.no_public_buckets" in done.stdout and done.stderr == ""


def test_the_reviewer_package_ships_a_policy_folder_without_its_tests(tmp_path: Path) -> None:
    from scripts.package import POLICY_DIR, PackageError, copy_policies

    stage = tmp_path / "stage"
    stage.mkdir()
    copy_policies(SAMPLE_POLICIES, stage)
    shipped = sorted(
        p.relative_to(stage / POLICY_DIR).as_posix() for p in (stage / POLICY_DIR).rglob("*.rego")
    )
    assert shipped == [
        "conftest/allowed_regions.rego",
        "conftest/no_public_buckets.rego",
        "conftest/required_tags.rego",
        "spacelift/allowed_regions.rego",
        "spacelift/no_public_buckets.rego",
        "spacelift/required_tags.rego",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PackageError, match="no .rego files"):
        copy_policies(empty, tmp_path / "other")
