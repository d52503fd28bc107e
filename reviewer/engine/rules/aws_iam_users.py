"""IAM users' long-lived access keys, whose secret Terraform keeps in its state."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-USER-001",
        "Long-lived IAM user access key",
        Severity.MEDIUM,
        "An access key never expires: it works from anywhere until someone rotates it, and a leak (a laptop, a "
        "CI log, a repository) is a standing credential. Without pgp_key, Terraform also stores the secret "
        "key in clear text in its state.",
        "Use roles with short-lived credentials (SSO, OIDC federation for CI, instance or task roles); if a "
        "key is unavoidable, set pgp_key, rotate it on a schedule and scope the user's policy tightly.",
        None,
        Category.IAM,
    ),
    "aws_iam_access_key",
)
def user_access_key(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    status = state.get("status")
    if status is UNKNOWN or status == "Inactive":
        return
    pgp = state.get("pgp_key")
    in_state = (
        ""
        if pgp is UNKNOWN or (isinstance(pgp, str) and pgp)
        else "; its secret is kept in clear text in the state"
    )
    yield Hit(
        f"{rc.address} is a long-lived access key for user {state.get('user')}{in_state}.", attribute="user"
    )
