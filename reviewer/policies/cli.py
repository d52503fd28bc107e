"""The CLI side of policies: `tfreview review --policy`, and `tfreview policies test`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from reviewer.engine.config import PolicyConfig, ReviewConfig

if TYPE_CHECKING:
    from reviewer.engine.review import ExtraFindings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def policy_findings(config: ReviewConfig, extra_paths: list[str]) -> ExtraFindings | None:
    """The engine hook for the configured policies plus `--policy` paths; None without any."""
    paths = [*config.policies.paths, *extra_paths]
    if not paths:
        return None
    from dataclasses import replace

    from reviewer.policies.policy_set import PolicySet  # loads the Rego engine only when needed

    return PolicySet.load(replace(config.policies, paths=paths)).extra_findings()


def cmd_test(args: argparse.Namespace) -> int:
    """Run the `test_*` rules of policy folders and print one line per test, like `opa test -v`."""
    from reviewer.policies.errors import PolicyError
    from reviewer.policies.testing import Outcome, run_tests

    try:
        results = run_tests(args.paths, args.timeout)
    except PolicyError as exc:
        print(f"tfreview: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not results:
        print(f"tfreview: error: no test_* rules in {', '.join(args.paths)}", file=sys.stderr)
        return EXIT_USAGE
    for result in results:
        if args.verbose or result.outcome is not Outcome.PASS:
            print(f"{result.name}: {result.outcome.value} ({result.duration_ms:.1f}ms)")
            if result.error:
                print(f"  {result.error}")
    passed = sum(r.outcome is Outcome.PASS for r in results)
    failed = sum(r.outcome is Outcome.FAIL for r in results)
    errors = sum(r.outcome is Outcome.ERROR for r in results)
    print("-" * 72)
    print(f"PASS: {passed}/{len(results)}")
    if failed:
        print(f"FAIL: {failed}/{len(results)}")
    if errors:
        print(f"ERROR: {errors}/{len(results)}")
    return EXIT_OK if passed == len(results) else EXIT_FAILED


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `tfreview policies test`."""
    parser = subparsers.add_parser(
        "policies", help="work with custom Rego policies", description="Custom Rego policies."
    )
    commands = parser.add_subparsers(dest="policies_command", metavar="COMMAND", required=True)
    test = commands.add_parser(
        "test",
        help="run the test_* rules of policy files or folders (like `opa test`)",
        description="Evaluate every test_* rule; exit 0 when all pass, 1 when one fails, 2 on a broken policy.",
    )
    test.add_argument(
        "paths", nargs="+", metavar="PATH", help="policy files or folders (searched recursively)"
    )
    test.add_argument("--verbose", "-v", action="store_true", help="list passing tests too")
    test.add_argument(
        "--timeout",
        type=float,
        default=PolicyConfig().timeout_seconds * 6,
        help="seconds all tests together may take (default: %(default)s)",
    )
    test.set_defaults(func=cmd_test)
