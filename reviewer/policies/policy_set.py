"""A set of custom policies loaded from files: checked once, then evaluated on each redacted plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reviewer.engine.config import PolicyConfig
from reviewer.engine.plan import Plan
from reviewer.engine.results import Finding
from reviewer.policies.errors import PolicyError
from reviewer.policies.evaluation import evaluate
from reviewer.policies.findings import HitBuilder, PolicyHit, severity_of
from reviewer.policies.inputs import before_plan, input_for, needed_sections, spacelift_context
from reviewer.policies.sandbox import run_limited
from reviewer.policies.source import InputShape, PolicyModule, load_module, policy_files

ExtraFindings = Callable[[Plan, dict[str, Any]], list[Finding]]


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
        empty = {"resource_changes": []}
        documents = {shape: input_for(shape, empty, None, spacelift_context()) for shape in InputShape}
        run_limited(lambda: evaluate(policies.modules, documents), config.timeout_seconds, "policy check")
        return policies

    def evaluate(self, plan: Plan, redacted: dict[str, Any], context: dict[str, Any]) -> list[Finding]:
        """Findings of every policy on the redacted plan (in a child process, within the time limit)."""
        shapes = {m.shape for m in self.modules}
        conftest = [m for m in self.modules if m.shape is InputShape.CONFTEST]
        sections = needed_sections(conftest, redacted)
        documents = {shape: input_for(shape, redacted, sections, context) for shape in shapes}
        timeout = self.config.timeout_seconds
        results = run_limited(lambda: evaluate(self.modules, documents), timeout, "policy evaluation")
        builder = HitBuilder(self.modules, self.config, plan)
        hits = builder.hits(results)
        before = self._before(builder, hits, redacted, sections, context)
        return [builder.finding(hit, before) for hit in hits]

    def _before(
        self,
        builder: HitBuilder,
        hits: list[PolicyHit],
        redacted: dict[str, Any],
        sections: set[str] | None,
        context: dict[str, Any],
    ) -> dict[tuple[str, str | None], set[str]] | None:
        """What the policies said about the changed resources before this plan (only where it matters)."""
        pending = [hit for hit in hits if builder.needs_before(hit)]
        if not pending:
            return None
        addresses = {hit.address for hit in pending if hit.address is not None}
        packages = {hit.package for hit in pending}
        earlier = before_plan(redacted, addresses)
        shapes = {m.shape for m in self.modules if m.package in packages}
        documents = {shape: input_for(shape, earlier, sections, context) for shape in shapes}
        timeout = self.config.timeout_seconds
        results = run_limited(
            lambda: evaluate(self.modules, documents, packages), timeout, "policy evaluation (before state)"
        )
        before: dict[tuple[str, str | None], set[str]] = {}
        for hit in builder.hits(results):
            before.setdefault((hit.package, hit.address), set()).add(hit.message)
        return before

    def extra_findings(self, context: dict[str, Any] | None = None) -> ExtraFindings:
        """The engine's hook (review_plan(extra_findings=...)) for plans of one run context."""
        run_context = context if context is not None else spacelift_context()

        def findings(plan: Plan, redacted: dict[str, Any]) -> list[Finding]:
            return self.evaluate(plan, redacted, run_context)

        return findings
