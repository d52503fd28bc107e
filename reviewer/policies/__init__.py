"""Custom Rego policies (conftest or Spacelift plan-policy input) evaluated beside the built-in rules.

Import the submodules (policy_set, testing, ...) directly: this package stays empty so that the CLI
only loads the Rego engine when a policy is configured.
"""
