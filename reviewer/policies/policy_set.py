"""A set of custom policies loaded from files: checked once, then evaluated on each redacted plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from reviewer.engine.config import PolicyConfig
from reviewer.engine.forked import spare_cpus
from reviewer.engine.plan import Plan
from reviewer.engine.results import Finding
from reviewer.engine.review import ExtraFindings
from reviewer.policies.errors import PolicyError
from reviewer.policies.evaluation import Evaluation, RuleResult, evaluate, json_text, results, shape_pairs
from reviewer.policies.findings import HitBuilder, severity_of
from reviewer.policies.inputs import (
    before_plan,
    conftest_input,
    needed_sections,
    spacelift_context,
    spacelift_input,
)
from reviewer.policies.sandbox import LimitedRun, run_limited
from reviewer.policies.source import InputShape, PolicyModule, load_module, policy_files


def _check_metadata(module: PolicyModule) -> None:
    """A severity named in METADATA must be one tfreview knows (a typo would silently use the default)."""
    annotations = [module.annotations.package, *module.annotations.rules.values()]
    for annotation in annotations:
        custom = annotation.get("custom")
        value = custom.get("severity") if isinstance(custom, dict) else None
        if value is not None and severity_of(value) is None:
            raise PolicyError(
                f"{module.path}: METADATA severity {value!r} is not one of INFO, LOW, MEDIUM, HIGH, CRITICAL"
            )


@dataclass(slots=True)
class PolicySet:
    """Policies of one configuration; evaluate() returns their findings for one plan."""

    modules: list[PolicyModule]
    config: PolicyConfig = field(default_factory=PolicyConfig)

    @classmethod
    def load(cls, config: PolicyConfig) -> PolicySet:
        """Read, parse and check every policy named by the configuration; PolicyError names file and line."""
        modules = [load_module(path) for path in policy_files(config.paths)]
        for module in modules:
            _check_metadata(module)
        policies = cls(modules=[m for m in modules if not m.is_test], config=config)
        if not any(m.finding_rules for m in policies.modules):
            raise PolicyError(f"{', '.join(config.paths)}: no policy defines deny, warn or violation rules")
        # Errors the parser cannot see (unknown functions, unsafe variables, conflicting rules) show when a
        # rule is evaluated: evaluate every rule once on an empty plan now, not on the first review.
        empty: dict[str, Any] = {"resource_changes": []}
        what = f"policy check of {policies._names()}"
        run_limited(
            lambda: evaluate(policies.modules, empty, spacelift_context()), config.timeout_seconds, what
        )
        return policies

    def evaluate(self, plan: Plan, redacted: dict[str, Any], context: dict[str, Any]) -> list[Finding]:
        """Findings of every policy on the redacted plan, within the time limit (see PolicyRun)."""
        with PolicyRun(self, plan, redacted, context) as findings:
            return findings()

    def _names(self) -> str:
        names = [str(m.path) for m in self.modules]
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")

    def extra_findings(self, context: dict[str, Any] | None = None) -> ExtraFindings:
        """The engine's hook (review_plan(extra_findings=...)) for plans of one run context: when a CPU is
        idle, the evaluation starts before the engine's rules run and works in child processes while they do."""
        run_context = context if context is not None else spacelift_context()
        return partial(PolicyRun, self, context=run_context)


class PolicyRun:
    """The policies' evaluation of one plan, started on entering the block when a CPU is idle (else when
    its findings are asked for); calling its value returns the findings, within the time limit. Leaving
    the block stops what still runs.

    One forked child per input shape, in parallel, serializes that shape's input once (conftest's: the
    sections its policies can reach; Spacelift's: built from the plan and the run context), parses it into
    one engine holding every policy and evaluates the shape's rules in one query, then once more on the
    state before for what only that can judge, and builds the findings, which cross the pipe pickled.
    Meanwhile this process is free: the engine runs its rules.
    """

    def __init__(self, policies: PolicySet, plan: Plan, redacted: dict[str, Any], context: dict[str, Any]):
        self.pairs = shape_pairs(policies.modules)
        conftest = [m for m in policies.modules if m.shape is InputShape.CONFTEST]
        sections = needed_sections(conftest, redacted)
        self.builder = HitBuilder(policies.modules, policies.config, plan)
        self.shapes = list(self.pairs)
        # Each shape's input is built here, before the fork, and written as JSON in its child: a child
        # creating Python objects that refer to the plan's would copy every page of the plan it touches
        # (reference counts), which cost the Spacelift child 0.2 s of CPU on 10,000 resources.
        jobs = [
            partial(
                _findings,
                policies.modules,
                self.builder,
                redacted,
                sections,
                context,
                shape,
                _shape_input(shape, redacted, sections, context),
            )
            for shape in self.shapes
        ]
        what = f"policy evaluation of {policies._names()}"
        self._run = LimitedRun(jobs, policies.config.timeout_seconds, what)
        self._started = False

    def __enter__(self) -> Callable[[], list[Finding]]:
        # Beside the engine's rules only when a CPU is idle now: on a busy machine the children would only
        # wait for one, while the engine's writes to the memory they share cost page copies.
        if spare_cpus():
            self._start()
        return self.findings

    def _start(self) -> None:
        if not self._started:
            self._run.__enter__()
            self._started = True

    def __exit__(self, *exc: object) -> None:
        self._run.close()

    def findings(self) -> list[Finding]:
        """Wait for the children's findings (starting them if not yet done)."""
        self._start()
        return [finding for found in self._run.results() for finding in found]


def _findings(
    modules: list[PolicyModule],
    builder: HitBuilder,
    redacted: dict[str, Any],
    sections: set[str] | None,
    context: dict[str, Any],
    shape: InputShape,
    document: dict[str, Any],
) -> list[Finding]:
    """The findings of one shape's policies on the plan (`document`: the shape's input), judged against the
    state before where only that can tell (child)."""
    # Built here, not once at load: a regorus Engine panics when used from another thread than its
    # creator's, and the service evaluates in worker threads (a forked child continues its thread).
    evaluation = Evaluation(modules, context)
    now = evaluation.evaluate_shape(shape, json_text(document))
    # Whether an update introduced a finding shows only by asking the policies about the state before:
    # on a plan holding only the resources of the pending hits.
    hits = builder.hits(results(now, evaluation.pairs[shape]))
    pending = [hit for hit in hits if builder.needs_before(hit)]
    before = None
    if pending:
        plan = before_plan(redacted, {hit.address for hit in pending if hit.address is not None})
        document = _shape_input(shape, plan, sections, context)
        earlier = evaluation.evaluate_shape(shape, json_text(document), {hit.package for hit in pending})
        before = _messages(builder, results(earlier, evaluation.pairs[shape]))
    # Built here and pickled: that costs the parent, which waits for them, less than building them.
    return [builder.finding(hit, before) for hit in hits]


def _shape_input(
    shape: InputShape, plan: dict[str, Any], sections: set[str] | None, context: dict[str, Any]
) -> dict[str, Any]:
    """The input of one shape's policies: conftest's (the sections they can reach) or Spacelift's."""
    if shape is InputShape.SPACELIFT:
        return spacelift_input(plan, context)
    return conftest_input(plan, sections)


def _messages(builder: HitBuilder, results: list[RuleResult]) -> dict[tuple[str, str | None], set[str]]:
    """(package, address) -> the messages the policies gave."""
    found: dict[tuple[str, str | None], set[str]] = {}
    for hit in builder.hits(results):
        found.setdefault((hit.package, hit.address), set()).add(hit.message)
    return found
