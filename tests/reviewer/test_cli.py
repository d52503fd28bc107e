"""The tfreview command line: formats, exit codes, errors on stderr, batch mode, rules listing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli import main
from tests.reviewer.engine.plans import change, plan

RISKY = plan(change("aws_db_instance", None, before={"identifier": "orders"}))
SAFE = plan(change("aws_route53_record", {"name": "a", "ttl": 60}, before={"name": "a", "ttl": 30}))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, body in (("risky", RISKY), ("safe", SAFE)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(body))
    paths["state"] = tmp_path / "terraform.tfstate"
    paths["state"].write_text(json.dumps({"version": 4, "serial": 1, "lineage": "x", "resources": []}))
    return paths


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_review_and_threshold(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "review", str(files["risky"]))
    assert code == 1 and "HIGH" in out and "TFR-CHG-001" in out and err == ""
    assert "\033[" not in out  # captured stdout is not a terminal
    assert run(capsys, "review", str(files["risky"]), "--fail-on", "CRITICAL")[0] == 0
    assert run(capsys, "review", str(files["risky"]), "--fail-on", "never")[0] == 0
    assert run(capsys, "review", str(files["safe"]))[0] == 0
    assert run(capsys, "review", str(files["safe"]), "--fail-on", "LOW")[0] == 1


@pytest.mark.parametrize("fmt", ["md", "json", "sarif"])
def test_formats_and_output_file(
    fmt: str, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"out.{fmt}"
    code, out, _ = run(
        capsys, "review", str(files["risky"]), "--format", fmt, "--output", str(target), "--fail-on", "never"
    )
    assert code == 0 and out == ""
    text = target.read_text()
    if fmt == "md":
        assert text.startswith("## ")
    else:
        data = json.loads(text)
        assert data.get("schema") == "tfreview.report" or data.get("version") == "2.1.0"


def test_input_errors_exit_2_with_message(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "review", str(files["state"]))
    assert code == 2 and out == "" and "state file" in err and "[state_file]" in err
    code, _, err = run(capsys, "review", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text('disable = ["TFR-NOPE"]')
    code, _, err = run(capsys, "review", str(files["safe"]), "--config", str(bad_config))
    assert code == 2 and "unknown rule id" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["review", "x.json", "--format", "xml"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.dumps(SAFE).encode("utf-16")

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin())
    code, out, _ = run(capsys, "review", "-", "--format", "json")
    assert code == 0 and json.loads(out)["risk"]["level"] == "LOW"


def test_batch_mode(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "review", str(files["risky"]), str(files["safe"]), "--format", "json")
    reports: list[dict[str, Any]] = json.loads(out)
    assert code == 1 and [r["risk"]["level"] for r in reports] == ["HIGH", "LOW"]
    code, out, err = run(capsys, "review", str(files["safe"]), str(files["state"]), "--format", "sarif")
    assert code == 2 and len(json.loads(out)["runs"]) == 1 and "state file" in err


def test_config_discovered_in_working_directory(
    files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / ".tfreview.toml").write_text('disable = ["TFR-CHG-001"]\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "review", str(files["risky"]))
    assert code == 0 and "TFR-CHG-001" not in out


def test_expired_suppression_uses_today(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[suppress]]\nrule = "TFR-CHG-001"\naddress = "aws_db_instance.*"\nowner = "dba"\nreason = "decommission"\n'
        "expires = 2026-06-30\n"
    )
    assert run(capsys, "review", str(files["risky"]), "-c", str(config), "--today", "2026-06-01")[0] == 0
    code, out, _ = run(capsys, "review", str(files["risky"]), "-c", str(config), "--today", "2026-07-01")
    assert code == 1 and "TFR-CFG-001" in out


def test_rules_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "TFR-CHG-001" in out and "rules" in out.splitlines()[-1]
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert len(json.loads(out)) >= 60


def test_console_script_runs_as_a_process(files: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "review", str(files["state"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "tfreview: error:" in done.stderr


def test_review_does_not_import_the_http_client_or_pydantic() -> None:
    # Start-up time counts on big plans: only `tfreview submit` needs httpx, only a config file pydantic.
    code = "import sys, reviewer.cli; sys.exit('httpx' in sys.modules or 'pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_console_script_writes_json_to_stdout_and_exits_with_the_threshold(files: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "review", str(files["risky"]), "--format", "json"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1 and done.stderr == b""
    assert json.loads(done.stdout.decode("utf-8"))["risk"]["level"] == "HIGH"


def test_lone_surrogate_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "surrogate.json"
    source.write_text(json.dumps(plan(change("aws_instance", {"tags": {"x": "\ud800"}}))))
    assert "\\ud800" in source.read_text()  # the escape, as terraform would write it
    code, out, err = run(capsys, "review", str(source), "--format", "json")
    assert code == 2 and out == "" and "[invalid_unicode]" in err


def test_progress_bar_only_on_a_terminal(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(["review", str(files["safe"]), str(files["safe"]), "--format", "md", "--title", "batch"])
    assert code == 0
    assert "[" in terminal.getvalue() and "2/2" in terminal.getvalue()
    out = capsys.readouterr().out
    assert sum(line.startswith("## ") for line in out.splitlines()) == 2 and "batch" in out


def test_color_always(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "review", str(files["risky"]), "--color", "always")
    assert "\033[" in out
