"""A set of custom policies loaded from files: checked once, then evaluated on each redacted plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from reviewer.engine.config import PolicyConfig
from reviewer.engine.forked import spare_cpus
from reviewer.engine.plan import Plan
from reviewer.engine.results import Finding
from reviewer.engine.review import ExtraFindings
from reviewer.policies.errors import PolicyError
from reviewer.policies.evaluation import Unit, build_engine, evaluate, evaluate_pairs, units
from reviewer.policies.findings import HitBuilder, severity_of
from reviewer.policies.inputs import before_plan, input_for, needed_sections, spacelift_context
from reviewer.policies.sandbox import run_limited, run_limited_all
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
        documents = {shape: input_for(shape, empty, None, spacelift_context()) for shape in InputShape}
        what = f"policy check of {policies._names()}"
        run_limited(lambda: evaluate(policies.modules, documents), config.timeout_seconds, what)
        return policies

    def evaluate(self, plan: Plan, redacted: dict[str, Any], context: dict[str, Any]) -> list[Finding]:
        """Findings of every policy on the redacted plan, within the time limit.

        The work runs in forked children (two where a second CPU exists: one per input shape, or one
        shape's rules in halves); each builds its input, evaluates, judges introduced/pre-existing and
        returns finished findings, so only findings cross the pipe.
        """
        conftest = [m for m in self.modules if m.shape is InputShape.CONFTEST]
        sections = needed_sections(conftest, redacted)
        builder = HitBuilder(self.modules, self.config, plan)
        shapes = list(dict.fromkeys(m.shape for m in self.modules))
        work = units(self.modules, shapes, workers=1 + spare_cpus())
        jobs = [partial(self._unit_findings, builder, unit, redacted, sections, context) for unit in work]
        parts = run_limited_all(jobs, self.config.timeout_seconds, f"policy evaluation of {self._names()}")
        return [finding for part in parts for finding in part]

    def _unit_findings(
        self,
        builder: HitBuilder,
        unit: Unit,
        redacted: dict[str, Any],
        sections: set[str] | None,
        context: dict[str, Any],
    ) -> list[Finding]:
        """One unit's findings (runs in a child process)."""
        # Built here, not once at load: a regorus Engine panics when used from another thread than its
        # creator's, and the service evaluates in worker threads (a forked child continues its thread).
        engine = build_engine(self.modules)
        results = evaluate_pairs(engine, unit.pairs, input_for(unit.shape, redacted, sections, context))
        hits = builder.hits(results)
        # Whether an update introduced a finding shows only by asking the policies about the state before.
        pending = [hit for hit in hits if builder.needs_before(hit)]
        before: dict[tuple[str, str | None], set[str]] | None = None
        if pending:
            earlier = before_plan(redacted, {hit.address for hit in pending if hit.address is not None})
            packages = {hit.package for hit in pending}
            pairs = [(package, rule) for package, rule in unit.pairs if package in packages]
            document = input_for(unit.shape, earlier, sections, context)
            before = {}
            for hit in builder.hits(evaluate_pairs(engine, pairs, document)):
                before.setdefault((hit.package, hit.address), set()).add(hit.message)
        return [builder.finding(hit, before) for hit in hits]

    def _names(self) -> str:
        names = [str(m.path) for m in self.modules]
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")

    def extra_findings(self, context: dict[str, Any] | None = None) -> ExtraFindings:
        """The engine's hook (review_plan(extra_findings=...)) for plans of one run context."""
        run_context = context if context is not None else spacelift_context()

        def findings(plan: Plan, redacted: dict[str, Any]) -> list[Finding]:
            return self.evaluate(plan, redacted, run_context)

        return findings
