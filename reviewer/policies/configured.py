"""The policies a configuration names, loaded once for a long-lived process (the reviewer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reviewer.engine.config import ReviewConfig
from reviewer.engine.review import ExtraFindings
from reviewer.policies.errors import PolicyError

if TYPE_CHECKING:
    from reviewer.policies.policy_set import PolicySet  # imports the Rego engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConfiguredPolicies:
    """Loaded policies, or why they could not be loaded: then every review fails with that reason."""

    policies: PolicySet | None = None
    error: str | None = None

    @classmethod
    def load(cls, config: ReviewConfig, extra_paths: list[str]) -> ConfiguredPolicies:
        """The policies of `[policies] paths` plus `extra_paths`; a broken one is recorded, not raised."""
        paths = [*config.policies.paths, *extra_paths]
        if not paths:
            return cls()
        from reviewer.policies.policy_set import PolicySet

        try:
            policies = PolicySet.load(replace(config.policies, paths=paths))
        except PolicyError as exc:
            logger.error("policies_invalid", extra={"reason": str(exc)})
            return cls(error=str(exc))
        logger.info("policies_loaded", extra={"files": len(policies.modules)})
        return cls(policies=policies)

    def extra_findings(self, context: dict[str, Any] | None = None) -> ExtraFindings | None:
        """The engine hook for one review; PolicyError when the policies could not be loaded."""
        if self.error is not None:
            raise PolicyError(self.error)
        if self.policies is None:
            return None
        return self.policies.extra_findings(context)
