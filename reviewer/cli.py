"""The `tfreview` command line: review plans offline and list the rule catalog.

Exit codes: 0 = risk below --fail-on, 1 = --fail-on reached, 2 = usage, input or configuration error.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

from reviewer.engine import (
    ENGINE_VERSION,
    RULES,
    ConfigError,
    PlanError,
    ReviewConfig,
    load_config,
    load_plan_checked,
)
from reviewer.engine.config import CONFIG_FILE_NAME
from reviewer.engine.reports import FORMATS, ReportFormat, render, render_json_bytes
from reviewer.engine.results import RISK_ORDER, EngineResult, RiskLevel
from reviewer.engine.review import ExtraFindings, review_loaded_plan
from reviewer.policies.cli import add_parser as add_policies_parser
from reviewer.policies.cli import policy_findings
from reviewer.submit import add_parser as add_submit_parser

EXIT_OK = 0
EXIT_THRESHOLD = 1
EXIT_USAGE = 2
FAIL_ON_CHOICES = [level.value for level in RISK_ORDER] + ["never"]
DEFAULT_FAIL_ON = RiskLevel.HIGH
EXTENSIONS = {"text": "txt", "md": "md", "json": "json", "sarif": "sarif"}


class UsageError(Exception):
    """A problem with the command line or its inputs (exit code 2)."""


def _stderr(message: str) -> None:
    print(f"tfreview: error: {message}", file=sys.stderr)


def _read_plan(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{source}: is a directory, expected a plan JSON file") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror}") from None


def _config(path: str | None) -> ReviewConfig:
    if path is not None:
        return load_config(path)
    default = Path(CONFIG_FILE_NAME)
    return load_config(default) if default.is_file() else ReviewConfig()


def _use_color(choice: str, stream: IO[str]) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = total > 1 and sys.stderr.isatty()

    def update(self, done: int, label: str) -> None:
        if not self.enabled:
            return
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{self.total} {label[-40:]:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * (self.WIDTH + 60) + "\r")
            sys.stderr.flush()


@dataclass
class _Reviewed:
    source: str
    result: EngineResult


def _combine(fmt: ReportFormat, reviewed: list[_Reviewed], title: str | None, color: bool) -> str | bytes:
    """One output for several plans: concatenated text/Markdown, a JSON array, or one SARIF log."""
    if len(reviewed) == 1:
        if fmt == "json":  # already UTF-8: big reports skip a decode and an encode
            return render_json_bytes(reviewed[0].result, title=title)
        return render(fmt, reviewed[0].result, title=title, color=color)
    if fmt == "json":
        reports = [json.loads(render("json", r.result, title=title or r.source)) for r in reviewed]
        return json.dumps(reports, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        logs = [json.loads(render("sarif", r.result, title=title or r.source)) for r in reviewed]
        merged: dict[str, Any] = {**logs[0], "runs": [run for log in logs for run in log["runs"]]}
        return json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    separator = "\n---\n\n" if fmt == "md" else "\n" + "=" * 72 + "\n\n"
    return separator.join(render(fmt, r.result, title=title or r.source, color=color) for r in reviewed)


def _write(text: str | bytes, output: str | None) -> None:
    if output is None or output == "-":
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return
    try:
        if isinstance(text, bytes):
            Path(output).write_bytes(text)
        else:
            Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror}") from None


def _fail_threshold(args: argparse.Namespace, config: ReviewConfig) -> RiskLevel | None:
    if args.fail_on == "never":
        return None
    if args.fail_on is not None:
        return RiskLevel(args.fail_on)
    return config.fail_on or DEFAULT_FAIL_ON


def cmd_review(args: argparse.Namespace) -> int:
    """Review one or more plans and print or write the report."""
    config = _config(args.config)
    threshold = _fail_threshold(args, config)
    today = datetime.now(UTC).date() if args.today is None else args.today
    if args.plans.count("-") > 1:
        raise UsageError("stdin (-) can be given only once")
    extra = policy_findings(config, args.policy or [])
    progress = _Progress(len(args.plans))
    # A plan is millions of small acyclic objects: the cyclic collector would rescan them again and again
    # (about a quarter of the run time on big plans). This process is short-lived, so it stays off and
    # runs once between plans in batch mode.
    gc.disable()
    try:
        return _review_all(args, config, threshold, today, progress, extra)
    finally:
        gc.enable()


def _review_all(
    args: argparse.Namespace,
    config: ReviewConfig,
    threshold: RiskLevel | None,
    today: date,
    progress: _Progress,
    extra: ExtraFindings | None = None,
) -> int:
    reviewed: list[_Reviewed] = []
    input_errors = 0
    for i, source in enumerate(args.plans):
        if i:
            gc.collect()
        progress.update(i, source)
        try:
            validated, plain_numbers = load_plan_checked(_read_plan(source))
            output = review_loaded_plan(
                validated,
                config,
                today=today,
                plain_numbers=plain_numbers,
                parallel=True,
                extra_findings=extra,
            )
        except PlanError as exc:
            progress.close()
            _stderr(f"{source}: {exc.message} [{exc.code}]")
            input_errors += 1
            continue
        except UsageError as exc:
            progress.close()
            _stderr(str(exc))
            input_errors += 1
            continue
        reviewed.append(_Reviewed(source, output.result))
        if _RETAIN is not None:
            _RETAIN[:] = [validated, output]
    progress.update(len(args.plans), "done")
    progress.close()
    if reviewed:
        to_terminal = args.output in (None, "-")
        color = to_terminal and args.format == "text" and _use_color(args.color, sys.stdout)
        _write(_combine(args.format, reviewed, args.title, color), args.output)
    if input_errors:
        return EXIT_USAGE
    worst = max((r.result.risk.level for r in reviewed), key=lambda level: level.rank, default=RiskLevel.LOW)
    if threshold is not None and worst.rank >= threshold.rank:
        return EXIT_THRESHOLD
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    """Print the rule catalog."""
    metas = [rule.meta for rule in RULES]
    if args.format == "json":
        data = [
            {
                "id": m.id,
                "title": m.title,
                "severity": m.severity.value,
                "category": m.category.value,
                "rationale": m.rationale,
                "remediation": m.remediation,
                "checkov_id": m.checkov_id,
                "trivy_id": m.trivy_id,
                "resource_types": list(m.resource_types),
            }
            for m in metas
        ]
        _write(json.dumps(data, indent=2) + "\n", None)
    elif args.format == "md":
        # The whole of docs/rules.md: `tfreview rules --format md > docs/rules.md` regenerates it.
        lines = [
            "# Rule catalog",
            "",
            f"Generated by `tfreview rules --format md`; {len(metas)} rules in total. Severity is the default "
            "(config can override it; some rules escalate, e.g. a protection turned off in the same plan that "
            "destroys the resource, or lower it, e.g. a deleted control replaced in the same plan). checkov/trivy "
            "columns give the closest equivalent check. Every attribute a rule reads on an AWS type is checked "
            "against the AWS provider's schema (tests/reviewer/engine/test_rule_schema.py; the subset is "
            "regenerated by scripts/extract_provider_schema.py).",
            "",
            "| ID | Severity | Category | Title | checkov | trivy |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {m.id} | {m.severity.value} | {m.category.value} | {m.title} | {m.checkov_id or ''} | "
            f"{m.trivy_id or ''} |"
            for m in metas
        ]
        _write("\n".join(lines) + "\n", None)
    else:
        width = max(len(m.id) for m in metas)
        lines = [
            f"{m.id:<{width}}  {m.severity.value:<8}  {m.category.value:<11}  {m.title}"
            + (f"  [{m.checkov_id}]" if m.checkov_id else "")
            for m in metas
        ]
        _write("\n".join(lines) + f"\n\n{len(metas)} rules\n", None)
    return EXIT_OK


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _add_review_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "review",
        help="review Terraform plan JSON files offline",
        description="Review `terraform show -json` output. Exit 0 below --fail-on, 1 at or above it, 2 on errors.",
    )
    parser.add_argument("plans", nargs="+", metavar="PLAN", help="plan JSON file(s), or - for stdin")
    parser.add_argument(
        "--format", "-f", choices=FORMATS, default="text", help="report format (default: text)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        help=f"exit 1 when the risk level reaches this (default: fail_on from config, else {DEFAULT_FAIL_ON.value})",
    )
    parser.add_argument(
        "--config", "-c", metavar="FILE", help=f"configuration file (default: ./{CONFIG_FILE_NAME})"
    )
    parser.add_argument(
        "--policy",
        action="append",
        metavar="PATH",
        help="Rego policy file or folder to evaluate beside the rules (repeatable; adds to [policies] paths)",
    )
    parser.add_argument("--title", help="title shown at the top of the report")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="ANSI colours in text"
    )
    parser.add_argument("--today", type=_iso_date, help=argparse.SUPPRESS)
    parser.set_defaults(func=cmd_review)


def _add_rules_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("rules", help="list the rule catalog", description="List every rule.")
    parser.add_argument("--format", "-f", choices=("text", "md", "json"), default="text")
    parser.set_defaults(func=cmd_rules)


SubcommandAdder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
SUBCOMMANDS: list[SubcommandAdder] = [
    _add_review_parser,
    _add_rules_parser,
    add_submit_parser,
    add_policies_parser,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand registers itself and sets `func`."""
    parser = argparse.ArgumentParser(
        prog="tfreview", description="Terraform plan reviewer (offline rule engine)."
    )
    parser.add_argument("--version", action="version", version=f"tfreview engine {ENGINE_VERSION}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


# Set by run(): the plan objects of the last review are kept alive, as run() ends the process without
# freeing them one by one (a 10,000-resource plan is a million objects: about 40 ms of deallocation).
_RETAIN: list[object] | None = None


def run() -> NoReturn:
    """The `tfreview` console script: main(), then a hard exit that leaves freeing memory to the OS."""
    global _RETAIN
    _RETAIN = []
    try:
        code = main()
    except SystemExit as exc:  # argparse's --help, --version and usage errors
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tfreview` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (UsageError, ConfigError) as exc:
        _stderr(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    run()
