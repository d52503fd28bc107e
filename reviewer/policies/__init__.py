"""Custom Rego policies (conftest or Spacelift plan-policy input) evaluated beside the built-in rules."""

from reviewer.policies.errors import PolicyError
from reviewer.policies.inputs import spacelift_context
from reviewer.policies.policy_set import PolicySet
from reviewer.policies.source import InputShape

__all__ = ["InputShape", "PolicyError", "PolicySet", "spacelift_context"]
