"""`tfreview submit`: unit behaviour, and --wait against the live local server writing the custom input."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from app.services.container import build_services
from reviewer.submit import (
    CUSTOM_INPUT_SCHEMA,
    ExitCode,
    SpaceliftRun,
    add_parser,
    at_or_above,
    custom_input,
    read_plan,
    run,
)
from tests.support import WRITE_KEY, live_server, simple_plan

SPACELIFT_ENV = {
    "TF_VAR_spacelift_run_id": "01JHOOKRUN0000000000000000",
    "TF_VAR_spacelift_stack_id": "prod-network",
    "TF_VAR_spacelift_account_name": "acme",
    "TF_VAR_spacelift_run_type": "TRACKED",
    "TF_VAR_spacelift_run_state": "PLANNING",
    "TF_VAR_spacelift_commit_sha": "0123abcd",
    "TF_VAR_spacelift_commit_branch": "main",
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tfreview")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["submit", *argv])


# -- units -------------------------------------------------------------------------------------------------


def test_parser_defaults_and_dispatch() -> None:
    args = parse(["--fail-on", "high"])
    assert args.plan == "-" and args.fail_on == "HIGH" and args.func is run
    assert args.output == "aireview.custom.spacelift.json"


def test_spacelift_run_from_env() -> None:
    info = SpaceliftRun.from_env(SPACELIFT_ENV).info()
    assert info == {
        "account": "acme",
        "stack_id": "prod-network",
        "run_id": "01JHOOKRUN0000000000000000",
        "run_type": "TRACKED",
        "run_state": "PLANNING",
        "branch": "main",
        "commit": {"hash": "0123abcd"},
        "run_url": "https://acme.app.spacelift.io/stack/prod-network/run/01JHOOKRUN0000000000000000",
    }
    assert SpaceliftRun.from_env({}).info() is None


def test_read_plan_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        read_plan("-", io.StringIO(""))
    with pytest.raises(ValueError, match="not JSON"):
        read_plan("-", io.StringIO("{nope"))
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 4, "values": {}}))
    with pytest.raises(ValueError, match="state_json"):
        read_plan(str(state), io.StringIO())
    hcp = {"plan_format_version": "1.1", "resource_changes": [], "provider_schemas": {}}
    assert read_plan("-", io.StringIO(json.dumps(hcp)))["plan_format_version"] == "1.1"
    assert read_plan("-", io.StringIO(json.dumps(simple_plan())))["format_version"] == "1.2"


def test_custom_input_shape() -> None:
    review: dict[str, Any] = {
        "id": "01JREVIEW",
        "version": 2,
        "status": "COMPLETED",
        "risk": {"score": 72, "level": "HIGH"},
        "summary": {"create": 1, "delete": 1},
        "findings": [
            {"rule_id": "a", "severity": "LOW", "title": "low", "address": "x.a"},
            {"rule_id": "b", "severity": "CRITICAL", "title": "crit", "address": "x.b"},
            {"rule_id": "c", "severity": "HIGH", "title": "high", "address": "x.c"},
            {"rule_id": "d", "severity": "CRITICAL", "title": "old", "address": "x.d", "introduced": False},
        ],
    }
    content = custom_input(review)
    assert content["schema"] == CUSTOM_INPUT_SCHEMA
    assert (content["risk_level"], content["risk_score"], content["status"]) == ("HIGH", 72, "COMPLETED")
    # Posture (already present) comes after everything this plan introduces, and is counted apart.
    assert [f["rule_id"] for f in content["top_findings"]] == ["b", "c", "a", "d"][
        : len(content["top_findings"])
    ]
    assert content["counts"]["findings"] == 4 and content["counts"]["by_severity"]["CRITICAL"] == 2
    assert content["counts"]["introduced_by_severity"]["CRITICAL"] == 1 and content["counts"]["posture"] == 1
    assert content["counts"]["changes"]["delete"] == 1
    assert custom_input(review, status="TIMEOUT")["status"] == "TIMEOUT"
    assert content["verdict"] is None  # a server from before the verdict
    words = "Not safe to apply without review: destroys a database."
    assert custom_input({**review, "risk": {**review["risk"], "verdict": words}})["verdict"] == words


@pytest.mark.parametrize(
    ("level", "threshold", "expected"),
    [("LOW", "HIGH", False), ("HIGH", "HIGH", True), ("CRITICAL", "MEDIUM", True), (None, "LOW", False)],
)
def test_at_or_above(level: str | None, threshold: str, expected: bool) -> None:
    assert at_or_above(level, threshold) is expected


def test_missing_api_settings_is_an_input_error() -> None:
    err = io.StringIO()
    code = run(parse([]), env={}, stdin=io.StringIO("{}"), stderr=err)
    assert code == ExitCode.INPUT_ERROR and "TFREVIEW_API_URL" in err.getvalue()


def test_unreachable_api_is_an_api_error(tmp_path: Path) -> None:
    err = io.StringIO()
    args = parse(["--output", str(tmp_path / "out.json")])
    env = {"TFREVIEW_API_URL": "http://127.0.0.1:9", "TFREVIEW_API_KEY": "k"}
    code = run(args, env=env, stdin=io.StringIO(json.dumps(simple_plan())), stderr=err, sleep=lambda _: None)
    assert code == ExitCode.API_ERROR and "after 4 attempts" in err.getvalue()


# -- against the live local server ---------------------------------------------------------------------------


@pytest.fixture
def api_url(settings_factory: Any) -> Iterator[str]:
    settings: Settings = settings_factory(
        dispatcher="local", spacelift_webhook_secret="whsec-0123456789abcdef01234567"
    )
    services = build_services(settings)
    with live_server(create_app(settings, services)) as url:
        yield url


def _submit(
    api_url: str,
    tmp_path: Path,
    argv: list[str],
    env: dict[str, str] | None = None,
    plan: bytes | None = None,
) -> tuple[int, str, dict[str, Any]]:
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(plan if plan is not None else json.dumps(simple_plan()).encode())
    output = tmp_path / "aireview.custom.spacelift.json"
    out, err = io.StringIO(), io.StringIO()
    environment = {"TFREVIEW_API_URL": api_url, "TFREVIEW_API_KEY": WRITE_KEY, **(env or {})}
    code = run(
        parse([str(plan_file), "--output", str(output), "--poll-interval", "0.1", "--timeout", "60", *argv]),
        env=environment,
        stdout=out,
        stderr=err,
    )
    written = json.loads(output.read_text()) if output.exists() else {}
    return code, out.getvalue(), written


@pytest.mark.integration
@pytest.mark.http
def test_submit_wait_writes_the_custom_input_and_exits_by_threshold(api_url: str, tmp_path: Path) -> None:
    code, stdout, written = _submit(api_url, tmp_path, ["--wait", "--fail-on", "CRITICAL"], SPACELIFT_ENV)
    assert written["schema"] == CUSTOM_INPUT_SCHEMA
    assert written["status"] == "COMPLETED", written
    level = written["risk_level"]
    assert level in ("LOW", "MEDIUM", "HIGH", "CRITICAL")
    assert code == (ExitCode.RISK_AT_THRESHOLD if level == "CRITICAL" else ExitCode.OK)
    assert stdout.strip(), "the Markdown summary is printed"
    # The same run submitted again is the same review (idempotent hook retries).
    again, _, rewritten = _submit(api_url, tmp_path, ["--wait"], SPACELIFT_ENV)
    assert again == ExitCode.OK and rewritten["review_id"] == written["review_id"]
    review = httpx.get(
        f"{api_url}/api/reviews/{written['review_id']}", headers={"Authorization": f"Bearer {WRITE_KEY}"}
    ).json()
    assert (
        review["source"] == "spacelift"
        and review["spacelift"]["run_id"] == SPACELIFT_ENV["TF_VAR_spacelift_run_id"]
    )


@pytest.mark.integration
@pytest.mark.http
def test_submit_counts_every_finding_of_a_paged_review(api_url: str, tmp_path: Path) -> None:
    from tests.app.api.test_paging_http import big_plan

    code, _, written = _submit(api_url, tmp_path, ["--wait"], plan=big_plan(400))
    assert code == ExitCode.OK and written["status"] == "COMPLETED", written
    auth = {"Authorization": f"Bearer {WRITE_KEY}"}
    review = httpx.get(f"{api_url}/api/reviews/{written['review_id']}", headers=auth).json()
    assert review["findings_total"] > len(review["findings"]), "the review is paged"
    counts = written["counts"]
    assert counts["findings"] == review["findings_total"] == sum(counts["by_severity"].values())
    assert sum(counts["introduced_by_severity"].values()) + counts["posture"] == review["findings_total"]
    assert [f["rule_id"] for f in written["top_findings"]] == [f["rule_id"] for f in review["findings"][:5]]


@pytest.mark.integration
@pytest.mark.http
def test_submit_fail_on_low_fails_and_no_wait_writes_pending(api_url: str, tmp_path: Path) -> None:
    code, _, written = _submit(api_url, tmp_path, ["--fail-on", "LOW"])
    assert written["status"] == "COMPLETED"
    assert code == ExitCode.RISK_AT_THRESHOLD
    code, _, pending = _submit(api_url, tmp_path, ["--title", "no wait"])
    assert code == ExitCode.OK and pending["status"] in ("PENDING", "IN_PROGRESS", "COMPLETED")


ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "deploy" / "spacelift" / "hooks" / "after_plan.sh"


@pytest.mark.integration
@pytest.mark.http
def test_shipped_after_plan_hook_runs_the_cli(api_url: str, tmp_path: Path) -> None:
    """The hook snippet as Spacelift runs it: `terraform show -json spacelift.plan | tfreview submit ...`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "plan.json").write_text(json.dumps(simple_plan()))
    # A stand-in for `terraform show -json spacelift.plan` (the worker has the real one).
    terraform = bin_dir / "terraform"
    terraform.write_text(f'#!/bin/sh\nexec cat "{tmp_path / "plan.json"}"\n')
    terraform.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
        "TFREVIEW_API_URL": api_url,
        "TFREVIEW_API_KEY": WRITE_KEY,
        **SPACELIFT_ENV,
    }
    done = subprocess.run(
        ["sh", "-c", HOOK.read_text()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / "aireview.custom.spacelift.json").read_text())
    assert written["status"] == "COMPLETED" and written["risk_level"]
    assert "tfreview" in done.stdout.lower() or done.stdout.strip()

    failing = subprocess.run(
        [
            str(Path(sys.executable).parent / "tfreview"),
            "submit",
            str(tmp_path / "plan.json"),
            "--fail-on",
            "LOW",
            "--no-output",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failing.returncode == ExitCode.RISK_AT_THRESHOLD, failing.stderr


def test_report_failure_falls_back_to_a_summary_and_gzip_for_big_plans(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    review = {
        "id": "01JREVIEW0000000000000000A",
        "version": 1,
        "status": "COMPLETED",
        "risk": {"score": 40, "level": "MEDIUM"},
        "findings": [
            {"rule_id": "r", "severity": "MEDIUM", "title": "Bucket is public", "address": "aws_s3_bucket.b"}
        ],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(202, json=review)
        if request.url.path.endswith("/report"):
            return httpx.Response(500, json={"error": {"message": "boom"}})
        return httpx.Response(200, json=review)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://api")
    big_plan = simple_plan(variables={"blob": {"value": "x" * 300_000}})
    out, err = io.StringIO(), io.StringIO()
    code = run(
        parse(["--wait", "--output", str(tmp_path / "out.json")]),
        env={"TFREVIEW_API_URL": "http://api", "TFREVIEW_API_KEY": "k"},
        stdin=io.StringIO(json.dumps(big_plan)),
        stdout=out,
        stderr=err,
        http=http,
        sleep=lambda _: None,
    )
    assert code == ExitCode.OK
    assert "## tfreview: risk MEDIUM (score 40)" in out.getvalue() and "aws_s3_bucket.b" in out.getvalue()
    post = seen[0]
    assert post.headers["Content-Encoding"] == "gzip" and post.headers["Idempotency-Key"].startswith(
        "submit-"
    )
    assert json.loads((tmp_path / "out.json").read_text())["risk_level"] == "MEDIUM"
