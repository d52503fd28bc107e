"""`tfreview submit`: send a plan to the tfreview API, wait for the review, leave a verdict for Spacelift."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reviewer.engine.errors import PlanError
from reviewer.engine.loader import validate_plan_shape
from reviewer.engine.results import RISK_ORDER, SEVERITY_ORDER, RiskLevel

if TYPE_CHECKING:  # httpx is imported where it is used, so `tfreview review` never loads it.
    import httpx

CUSTOM_INPUT_FILE = "aireview.custom.spacelift.json"
CUSTOM_INPUT_SCHEMA = "tfreview.aireview/v1"
TOP_FINDINGS = 5
GZIP_ABOVE_BYTES = 256 * 1024
TERMINAL = frozenset({"COMPLETED", "FAILED"})
# Spacelift exposes the run to hooks as TF_VAR_spacelift_* variables (docs: concepts/configuration/environment).
SPACELIFT_ENV = {
    "run_id": "TF_VAR_spacelift_run_id",
    "stack_id": "TF_VAR_spacelift_stack_id",
    "account": "TF_VAR_spacelift_account_name",
    "run_type": "TF_VAR_spacelift_run_type",
    "run_state": "TF_VAR_spacelift_run_state",
    "commit_sha": "TF_VAR_spacelift_commit_sha",
    "branch": "TF_VAR_spacelift_commit_branch",
    "repository": "TF_VAR_spacelift_repository",
}


class ExitCode(IntEnum):
    OK = 0
    INPUT_ERROR = 1
    RISK_AT_THRESHOLD = 2
    API_ERROR = 3


class SubmitError(Exception):
    """The API could not be reached or refused the request; the message is for the run log."""


@dataclass
class SpaceliftRun:
    """The Spacelift run a hook runs in, from the TF_VAR_spacelift_* environment."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SpaceliftRun:
        """Read the Spacelift variables that are set."""
        return cls({key: env[name] for key, name in SPACELIFT_ENV.items() if env.get(name)})

    @property
    def run_id(self) -> str | None:
        return self.values.get("run_id")

    def info(self) -> dict[str, Any] | None:
        """The `spacelift` object of the create-review request, or None outside Spacelift."""
        if not self.run_id:
            return None
        account, stack = self.values.get("account"), self.values.get("stack_id")
        info: dict[str, Any] = {
            "account": account,
            "stack_id": stack,
            "run_id": self.run_id,
            "run_type": self.values.get("run_type"),
            "run_state": self.values.get("run_state"),
            "branch": self.values.get("branch"),
        }
        if self.values.get("commit_sha"):
            info["commit"] = {"hash": self.values["commit_sha"]}
        if account and stack:
            info["run_url"] = f"https://{account}.app.spacelift.io/stack/{stack}/run/{self.run_id}"
        return {k: v for k, v in info.items() if v is not None}


class ApiClient:
    """The few tfreview API calls submit needs, with bounded retries on network errors and 5xx."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._attempts = attempts
        self._sleep = sleep

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        import httpx

        problem = ""
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                problem = f"HTTP {response.status_code}"
            if attempt < self._attempts:
                self._sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
        raise SubmitError(f"{method} {url}: {problem} after {self._attempts} attempts")

    @staticmethod
    def _check(response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:300]
            raise SubmitError(f"{what}: HTTP {response.status_code}: {message}")
        return response.json() if "json" in response.headers.get("content-type", "") else response.text

    def create(self, body: bytes, idempotency_key: str) -> dict[str, Any]:
        """POST /api/reviews; returns the review."""
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if len(body) > GZIP_ABOVE_BYTES:
            import gzip  # only here: `tfreview review` starts faster without it

            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        result = self._check(self._request("POST", "/api/reviews", content=body, headers=headers), "submit")
        if not isinstance(result, dict) or "id" not in result:
            raise SubmitError("submit: the API answered without a review id")
        return result

    def get(self, review_id: str) -> dict[str, Any]:
        """GET /api/reviews/{id}."""
        result = self._check(self._request("GET", f"/api/reviews/{review_id}"), "poll")
        if not isinstance(result, dict):
            raise SubmitError("poll: unexpected answer")
        return result

    def report_md(self, review_id: str) -> str:
        """GET /api/reviews/{id}/report?format=md."""
        response = self._request("GET", f"/api/reviews/{review_id}/report", params={"format": "md"})
        if response.status_code >= 400:
            raise SubmitError(f"report: HTTP {response.status_code}")
        return response.text


def read_plan(source: str, stdin: TextIO) -> dict[str, Any]:
    """The plan JSON from a file or `-` (stdin); SubmitError-free: raises ValueError with a clear message."""
    text = stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    if not text.strip():
        raise ValueError("the plan input is empty; pipe `terraform show -json spacelift.plan` or give a file")
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the plan input is not JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        return validate_plan_shape(plan)
    except PlanError as exc:
        raise ValueError(f"the plan input is not a plan: {exc.message} [{exc.code}]") from None


def custom_input(review: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """The aireview custom input for Spacelift plan policies: verdict, counts and top findings."""
    risk = review.get("risk") or {}
    findings = [f for f in review.get("findings") or () if isinstance(f, dict)]
    rank = {s.value: i for i, s in enumerate(SEVERITY_ORDER)}
    # What this plan introduces comes first: findings already present (posture) do not make the verdict.
    top = sorted(
        findings, key=lambda f: (f.get("introduced") is False, -rank.get(str(f.get("severity")), -1))
    )[:TOP_FINDINGS]
    by_severity = {s.value: 0 for s in SEVERITY_ORDER}
    introduced_by_severity = {s.value: 0 for s in SEVERITY_ORDER}
    if isinstance(review.get("finding_counts"), dict) and isinstance(review.get("findings_total"), int):
        # The review document holds the first page of findings; its counts cover every finding.
        total = int(review["findings_total"])
        for counts, target in (
            (review["finding_counts"], by_severity),
            (review.get("introduced_counts") or {}, introduced_by_severity),
        ):
            for severity in target:
                value = counts.get(severity, 0)
                target[severity] = value if isinstance(value, int) else 0
        posture = review.get("posture_count")
        posture_count = posture if isinstance(posture, int) else 0
    else:  # an API without paging: every finding is in the document
        for finding in findings:
            severity = str(finding.get("severity"))
            if severity in by_severity:
                by_severity[severity] += 1
                if finding.get("introduced") is not False:
                    introduced_by_severity[severity] += 1
        total = len(findings)
        posture_count = sum(1 for f in findings if f.get("introduced") is False)
    summary = review.get("summary") or {}
    return {
        "schema": CUSTOM_INPUT_SCHEMA,
        "review_id": review.get("id"),
        "version": review.get("version"),
        "status": status or review.get("status"),
        "risk_level": risk.get("level"),
        "risk_score": risk.get("score"),
        # The verdict in plain words, for a plan policy's warn/deny message; None from an older server.
        "verdict": risk.get("verdict") or None,
        "counts": {
            "findings": total,
            "by_severity": by_severity,
            "introduced_by_severity": introduced_by_severity,
            "posture": posture_count,
            "changes": {
                k: summary.get(k, 0) for k in ("create", "update", "delete", "replace", "import", "move")
            },
        },
        "top_findings": [
            {
                "rule_id": f.get("rule_id"),
                "severity": f.get("severity"),
                "title": f.get("title"),
                "address": f.get("address"),
                "introduced": f.get("introduced") is not False,
            }
            for f in top
        ],
        "error": review.get("error"),
    }


def _fallback_summary(review: dict[str, Any]) -> str:
    risk = review.get("risk") or {}
    lines = [f"## tfreview: risk {risk.get('level', '?')} (score {risk.get('score', '?')})", ""]
    if risk.get("verdict"):
        # Addresses in the verdict are plan text; loaded here only, the hook's start stays light.
        from reviewer.engine.reports.inert import inline

        lines += [inline(str(risk["verdict"]), 1000), ""]
    for finding in custom_input(review)["top_findings"]:
        lines.append(f"- **{finding['severity']}** `{finding['address'] or '-'}`: {finding['title']}")
    return "\n".join(lines)


def at_or_above(level: str | None, threshold: str) -> bool:
    """True when a risk level reaches the --fail-on threshold."""
    names = [r.value for r in RISK_ORDER]
    return level in names and names.index(str(level)) >= names.index(threshold)


def add_parser(subparsers: Any) -> None:
    """Register `tfreview submit`."""
    parser = subparsers.add_parser(
        "submit",
        help="send a plan to the tfreview API (e.g. from a Spacelift after_plan hook)",
        description=(
            "Send `terraform show -json` output to the tfreview API. In Spacelift, run and stack come from "
            "TF_VAR_spacelift_*; with --wait the verdict is written for a plan policy."
        ),
    )
    parser.add_argument("plan", nargs="?", default="-", help="plan JSON file, or - for stdin (default)")
    parser.add_argument("--api-url", default=None, help="tfreview API base URL (default: $TFREVIEW_API_URL)")
    parser.add_argument(
        "--api-key", default=None, help="API key with write scope (default: $TFREVIEW_API_KEY)"
    )
    parser.add_argument("--title", default=None, help="review title")
    parser.add_argument("--wait", action="store_true", help="wait until the review is COMPLETED or FAILED")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (default 300)")
    parser.add_argument("--poll-interval", type=float, default=2.0, help="seconds between polls (default 2)")
    parser.add_argument(
        "--fail-on",
        choices=[r.value for r in RiskLevel],
        type=str.upper,
        default=None,
        help="exit 2 when the risk level is at or above LEVEL (implies --wait)",
    )
    parser.add_argument(
        "--output",
        default=CUSTOM_INPUT_FILE,
        help=f"custom-input file for plan policies (default {CUSTOM_INPUT_FILE})",
    )
    parser.add_argument("--no-output", action="store_true", help="do not write the custom-input file")
    parser.set_defaults(func=run)


def _write_output(args: argparse.Namespace, content: dict[str, Any]) -> None:
    if args.no_output:
        return
    Path(args.output).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Submit, optionally wait, print the Markdown summary, write the custom input; the exit code."""
    env = os.environ if env is None else env
    out, err = stdout or sys.stdout, stderr or sys.stderr
    api_url = args.api_url or env.get("TFREVIEW_API_URL")
    api_key = args.api_key or env.get("TFREVIEW_API_KEY")
    if not api_url or not api_key:
        print("tfreview submit: set --api-url/$TFREVIEW_API_URL and --api-key/$TFREVIEW_API_KEY", file=err)
        return ExitCode.INPUT_ERROR
    try:
        plan = read_plan(args.plan, stdin or sys.stdin)
    except (OSError, ValueError) as exc:
        print(f"tfreview submit: {exc}", file=err)
        return ExitCode.INPUT_ERROR
    spacelift = SpaceliftRun.from_env(env)
    request: dict[str, Any] = {"plan": plan, "source": "spacelift" if spacelift.run_id else "cli"}
    if args.title:
        request["title"] = args.title
    if spacelift.info():
        request["spacelift"] = spacelift.info()
        request["metadata"] = {"plan_source": "after_plan_hook"}
    body = json.dumps(request, separators=(",", ":")).encode()
    # The same plan for the same run is one review, even when the hook is retried.
    idempotency_key = "submit-" + hashlib.sha256(body).hexdigest()[:40]
    wait = args.wait or args.fail_on is not None
    if http is None:
        import httpx

        client_http = httpx.Client(
            base_url=api_url.rstrip("/"), headers={"Authorization": f"Bearer {api_key}"}, timeout=30.0
        )
    else:
        client_http = http
    api = ApiClient(client_http, sleep=sleep)
    try:
        review = api.create(body, idempotency_key)
        print(f"tfreview: review {review['id']} ({review.get('status')})", file=err)
        if not wait:
            _write_output(args, custom_input(review))
            return ExitCode.OK
        deadline = clock() + args.timeout
        while str(review.get("status")) not in TERMINAL:
            if clock() >= deadline:
                print(f"tfreview: review {review['id']} not finished after {args.timeout:.0f} s", file=err)
                _write_output(args, custom_input(review, status="TIMEOUT"))
                return ExitCode.API_ERROR
            sleep(args.poll_interval)
            review = api.get(str(review["id"]))
        _write_output(args, custom_input(review))
        if review.get("status") == "FAILED":
            print(
                f"tfreview: review {review['id']} FAILED: {review.get('error') or 'unknown error'}", file=err
            )
            return ExitCode.API_ERROR
        try:
            print(api.report_md(str(review["id"])), file=out)
        except SubmitError as exc:
            # The verdict is already written; a missing report only costs the log its detail.
            print(f"tfreview: no Markdown report ({exc})", file=err)
            print(_fallback_summary(review), file=out)
    except SubmitError as exc:
        print(f"tfreview submit: {exc}", file=err)
        return ExitCode.API_ERROR
    finally:
        if http is None:
            client_http.close()
    level = (review.get("risk") or {}).get("level")
    if args.fail_on and at_or_above(level, args.fail_on):
        print(f"tfreview: risk {level} is at or above --fail-on {args.fail_on}", file=err)
        return ExitCode.RISK_AT_THRESHOLD
    return ExitCode.OK
