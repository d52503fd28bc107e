"""Azure and GCP equivalents of attaching AdministratorAccess: privileged roles granted to a principal."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.gcp import GCP_ROLE_TYPES, GCP_ROLES, PUBLIC_MEMBERS, granted_members

HIGH, MEDIUM = Severity.HIGH, Severity.MEDIUM

# Azure built-in roles by name and by their fixed definition GUIDs: name -> (severity, what it grants).
AZURE_ROLES: dict[str, tuple[Severity, str]] = {
    "Owner": (HIGH, "full control, including granting any role to anyone"),
    "User Access Administrator": (HIGH, "granting any role to anyone"),
    "Role Based Access Control Administrator": (HIGH, "granting roles to anyone"),
    "Contributor": (MEDIUM, "full control of every resource in scope (not of access)"),
}
AZURE_ROLE_IDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "18d7d88d-d35e-4fb5-a5c3-7773c6a72a3f": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
}
# A scope of a whole subscription or management group (or the tenant root): every resource below it.
BROAD_AZURE_SCOPE_RE = re.compile(
    r"(?i)^(?:/|/subscriptions/[^/]+/?|/providers/microsoft\.management/managementgroups/[^/]+/?)$"
)


def _azure_role(state: State) -> str | None:
    name = state.get("role_definition_name")
    if isinstance(name, str) and name in AZURE_ROLES:
        return name
    definition = state.get("role_definition_id")
    if isinstance(definition, str):
        return AZURE_ROLE_IDS.get(definition.rstrip("/").rsplit("/", 1)[-1].lower())
    return None


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-011",
        "Privileged Azure role assigned",
        Severity.HIGH,
        "Owner, User Access Administrator and RBAC Administrator let the principal grant itself or anyone any "
        "role; Contributor controls every resource in its scope. Assigned at subscription or management-group "
        "scope they reach everything below.",
        "Assign a narrower built-in or custom role at the smallest scope; use PIM for just-in-time admin access.",
        category=Category.IAM,
    ),
    "azurerm_role_assignment",
)
def azure_privileged_role(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    role = _azure_role(state)
    if role is None:
        return
    severity, grants = AZURE_ROLES[role]
    scope = state.get("scope")
    broad = isinstance(scope, str) and bool(BROAD_AZURE_SCOPE_RE.match(scope))
    where = "a whole subscription or management group" if broad else "its scope"
    yield Hit(
        f"{rc.address} assigns {role} on {where}: {grants}.",
        attribute="role_definition_name"
        if state.get("role_definition_name") == role
        else "role_definition_id",
        severity=severity if broad else MEDIUM,
    )


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-009",
        "Privileged GCP role granted",
        Severity.HIGH,
        "Owner, Editor and the IAM-admin roles at project, folder or organization level give control of "
        "everything below, or the means to take it; service-account user/token roles let the member act as any "
        "service account there. Granted to allUsers or allAuthenticatedUsers, anyone on the internet has them.",
        "Grant predefined least-privilege roles on the resources that need them; keep admin roles to break-glass "
        "groups.",
        category=Category.IAM,
    ),
    *GCP_ROLE_TYPES,
)
def gcp_privileged_role(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    level = rc.type.split("_")[1]
    public: dict[str, bool] = {}
    for _, role, member in granted_members(state):
        if role in GCP_ROLES:
            public[role] = public.get(role, False) or member in PUBLIC_MEMBERS
    for role, to_anyone in public.items():
        severity, grants = GCP_ROLES[role]
        yield Hit(
            f"{rc.address} grants {role} at {level} level{' to anyone on the internet' if to_anyone else ''}: "
            f"{grants}.",
            attribute="policy_data" if rc.type.endswith("_iam_policy") else "role",
            severity=Severity.CRITICAL if to_anyone else severity,
            key=f"{role}|{'public' if to_anyone else 'named'}",
        )
