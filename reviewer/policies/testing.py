"""`tfreview policies test`: run a policy folder's own `test_*` rules, as `opa test` does."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from reviewer.policies.errors import PolicyError
from reviewer.policies.evaluation import build_engine, eval_rule
from reviewer.policies.sandbox import run_limited
from reviewer.policies.source import PolicyModule, load_module, policy_files


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test rule: passed (true), failed (false or undefined) or raised an error."""

    __test__ = False  # not a pytest test class

    name: str
    outcome: Outcome
    duration_ms: float
    error: str | None = None


def _run(modules: list[PolicyModule]) -> list[TestResult]:
    engine = build_engine(modules)
    results: list[TestResult] = []
    for module in modules:
        for rule in module.test_rules:
            name = f"data.{module.package}.{rule}"
            started = time.perf_counter()
            error: str | None = None
            try:
                value = eval_rule(engine, name)
                outcome = Outcome.PASS if value is not None and value is not False else Outcome.FAIL
            except PolicyError as exc:
                outcome, error = Outcome.ERROR, str(exc)
            results.append(TestResult(name, outcome, (time.perf_counter() - started) * 1000, error))
    return results


def run_tests(paths: list[str], timeout: float) -> list[TestResult]:
    """Load every .rego file under `paths` (tests included) and evaluate each `test_*` rule."""
    modules = [load_module(path) for path in policy_files(paths)]
    return run_limited(lambda: _run(modules), timeout, "policy tests")
