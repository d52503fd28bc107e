"""Parse IAM-style JSON policy documents found in attributes into simple statements."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: bool
    resources: tuple[str, ...]
    principals: tuple[str, ...]
    # A condition that narrows who may act; an `aws:SourceIp` of 0.0.0.0/0 or a value of "*" narrows nothing.
    has_condition: bool


# Values that match every request: as a condition they restrict nothing.
OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})
MATCH_ALL_VALUES = frozenset({"*"})
# Operators for which an open network or a bare "*" matches every request (StringEquals "*" matches only "*").
_MATCHING_OPERATORS = ("ipaddress", "stringlike", "arnlike", "arnequals", "notipaddress")
# Networks this wide belong to no one organisation (0.0.0.0/1 + 128.0.0.0/1 is the whole internet).
MIN_PREFIX = {4: 8, 6: 16}
# Condition keys about the request, not the caller: they never narrow who may act (an anonymous caller can
# use TLS, pick a region or send an encryption header), so they leave a public statement public.
NON_NARROWING_KEYS = frozenset(
    {
        "aws:securetransport",
        "aws:currenttime",
        "aws:epochtime",
        "aws:requestedregion",
        "aws:tagkeys",
        "s3:tlsversion",
        "s3:signatureversion",
        "s3:prefix",
        "s3:delimiter",
        "s3:max-keys",
    }
)
NON_NARROWING_PREFIXES = ("aws:requesttag/", "s3:x-amz-")


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _principals(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, dict):
        found: list[str] = []
        for kind, ids in value.items():
            for principal in _strings(ids):
                found.append(principal if kind == "AWS" or principal == "*" else f"{kind}:{principal}")
        return tuple(found)
    return ()


def _vacuous(operator: str, key: object, values: Any) -> bool:
    """True when one condition entry narrows nothing: it matches every request (`IpAddress aws:SourceIp
    0.0.0.0/0`, `StringLike *`) or tests the request rather than the caller (`aws:SecureTransport`)."""
    name = key.lower() if isinstance(key, str) else ""
    if name in NON_NARROWING_KEYS or name.startswith(NON_NARROWING_PREFIXES):
        return True
    base = (
        operator.lower().removeprefix("forallvalues:").removeprefix("foranyvalue:").removesuffix("ifexists")
    )
    if base not in _MATCHING_OPERATORS:
        return False
    items = _strings(values)
    if not items:
        return False
    if base == "notipaddress":
        return True  # every address outside the listed ranges: the rest of the internet
    if base == "ipaddress":
        return any(_open_network(v) for v in items)
    return any(v.strip() in MATCH_ALL_VALUES or _any_account_arn(v) for v in items)


@lru_cache(maxsize=1024)
def _open_network(value: str) -> bool:
    text = value.strip()
    if text in OPEN_NETWORKS:
        return True
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return network.prefixlen < MIN_PREFIX[network.version]


def _any_account_arn(value: str) -> bool:
    """An ARN pattern any AWS account can match with a resource of its own: a wildcard account
    (`arn:aws:sns:*:*:*`), a wildcard bucket (`arn:aws:s3:::*`) or a pattern cut short (`arn:*`)."""
    if not value.startswith("arn:") or "*" not in value:
        return False
    parts = value.split(":", 5)
    if len(parts) < 6:
        return True
    account, resource = parts[4], parts[5]
    return account.startswith("*") or (account == "" and resource.strip("*/?") == "")


def restricting_condition(condition: Any) -> bool:
    """True when a statement's Condition narrows who may use it; open networks, bare wildcards and keys about
    the request (TLS, region, time, headers) do not."""
    if not isinstance(condition, dict) or not condition:
        return False
    for operator, entries in condition.items():
        if not isinstance(operator, str) or not isinstance(entries, dict):
            return True  # a shape we do not understand: give it the benefit of the doubt
        if any(not _vacuous(operator, key, values) for key, values in entries.items()):
            return True
    return False


def parse_policy(document: Any) -> list[Statement] | None:
    """Statements of a policy given as JSON text or dict; None when it is not a policy document."""
    if isinstance(document, str):
        if not document.strip().startswith("{"):
            return None
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            return None
    if not isinstance(document, dict):
        return None
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return None
    statements: list[Statement] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        not_action = "NotAction" in entry
        statements.append(
            Statement(
                effect=str(entry.get("Effect", "")),
                actions=_strings(entry.get("NotAction" if not_action else "Action")),
                not_actions=not_action,
                resources=_strings(entry.get("Resource")) or (("*",) if "NotResource" in entry else ()),
                # NotPrincipal names who is left out: everyone else is in, which is as public as "*".
                principals=_principals(entry.get("Principal")) or (("*",) if "NotPrincipal" in entry else ()),
                has_condition=restricting_condition(entry.get("Condition")),
            )
        )
    return statements


def allows(statement: Statement) -> bool:
    return statement.effect == "Allow"


@lru_cache(maxsize=8192)  # policies repeat the same few actions; rules ask for the same few
def matches_action(pattern: str, action: str) -> bool:
    """IAM action match with `*` and `?` wildcards, case-insensitive."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == action.lower()
    return fnmatchcase(action.lower(), pattern.lower())


def granted(statement: Statement, action: str) -> bool:
    """True when an Allow statement grants `action` (NotAction grants everything it does not list)."""
    if not allows(statement):
        return False
    hit = any(matches_action(p, action) for p in statement.actions)
    return not hit if statement.not_actions else hit


# The resource part of an ARN that names every resource of its type: "*", "*/*", "role/*", "secret:*".
_EVERY_OF_TYPE = re.compile(r"^(?:\*|\*/\*|[A-Za-z0-9_-]+[/:]\*)$")


@lru_cache(maxsize=4096)
def every_of_its_type(resource: str) -> bool:
    """True for "*" and ARNs that name every resource of a type (arn:aws:iam::*:role/*, arn:aws:s3:::*/*)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return False
    if parts[2] == "s3":  # S3 ARNs have no type prefix: "bucket/*" is one bucket's objects
        return parts[5] in ("*", "*/*")
    return bool(_EVERY_OF_TYPE.match(parts[5]))


def on_every_resource_of_a_type(statement: Statement) -> bool:
    return "*" in statement.resources or any(every_of_its_type(r) for r in statement.resources)


def on_all_resources(statement: Statement) -> bool:
    return "*" in statement.resources


def public_principal(statement: Statement) -> bool:
    return allows(statement) and any(p in ("*", "arn:aws:iam::*:root") for p in statement.principals)


# OIDC issuers shared by every customer of a platform, with the claims that name one customer's repository,
# project or workspace: a trust without a condition on one of them admits every tenant of the platform.
SHARED_OIDC_ISSUERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "token.actions.githubusercontent.com": (
        "GitHub Actions",
        ("sub", "repository", "repository_id", "repository_owner", "repository_owner_id", "job_workflow_ref"),
    ),
    "gitlab.com": ("GitLab CI", ("sub", "project_path", "project_id", "namespace_path", "namespace_id")),
    "app.terraform.io": (
        "HCP Terraform",
        ("sub", "terraform_organization_name", "terraform_organization_id"),
    ),
}
# `*` or `repo:*`: a pattern that matches every tenant narrows nothing.
_EVERY_TENANT = re.compile(r"^(?:[a-z_]+:)?\*$")


def _names_a_tenant(issuer: str, claims: tuple[str, ...], condition: Any) -> bool:
    keys = {f"{issuer}:{claim}" for claim in claims}
    for entries in condition.values() if isinstance(condition, dict) else ():
        for key, values in entries.items() if isinstance(entries, dict) else ():
            if isinstance(key, str) and key.lower() in keys:
                items = _strings(values)
                if items and not all(_EVERY_TENANT.match(v.strip()) for v in items):
                    return True
    return False


def open_federation(document: Any) -> str | None:
    """The shared OIDC platform (`GitHub Actions`) a trust policy lets every tenant of assume the role, if any."""
    if not isinstance(document, str) or "oidc-provider/" not in document:
        return None
    try:
        parsed = json.loads(document)
    except (ValueError, RecursionError):
        return None
    raw = parsed.get("Statement") if isinstance(parsed, dict) else None
    for entry in [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else ():
        principal = entry.get("Principal") if isinstance(entry, dict) else None
        if not isinstance(principal, dict) or entry.get("Effect") != "Allow":
            continue
        for federated in _strings(principal.get("Federated")):
            issuer = federated.rsplit("oidc-provider/", 1)[-1].lower()
            platform = SHARED_OIDC_ISSUERS.get(issuer)
            if platform is not None and not _names_a_tenant(issuer, platform[1], entry.get("Condition")):
                return platform[0]
    return None
