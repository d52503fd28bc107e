"""Azure services whose key or password sign-in is turned back on after being off (Entra ID only before)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import attribute_name, update_sides

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LocalAuth:
    """Where a service says whether keys or passwords sign in, and which value of it means they do."""

    path: Path
    enabled_when: bool  # the value that lets keys or passwords in; null (the default) lets them in too
    credential: str  # what works again, for the message


_KEYS = "access keys and SAS tokens"
LOCAL_AUTH: dict[str, tuple[LocalAuth, ...]] = {
    "azurerm_storage_account": (
        LocalAuth(("shared_access_key_enabled",), True, "account keys and SAS tokens"),
    ),
    "azurerm_cosmosdb_account": (LocalAuth(("local_authentication_disabled",), False, "account keys"),),
    "azurerm_mssql_server": (
        LocalAuth(
            ("azuread_administrator", 0, "azuread_authentication_only"), False, "SQL logins with passwords"
        ),
    ),
    "azurerm_postgresql_flexible_server": (
        LocalAuth(("authentication", 0, "password_auth_enabled"), True, "PostgreSQL logins with passwords"),
    ),
    "azurerm_redis_cache": (LocalAuth(("access_keys_authentication_enabled",), True, "access keys"),),
    # Provider v3 spells it local_auth_enabled, v4 local_authentication_enabled on some of these.
    **{
        rtype: (
            LocalAuth(("local_auth_enabled",), True, _KEYS),
            LocalAuth(("local_authentication_enabled",), True, _KEYS),
        )
        for rtype in (
            "azurerm_eventhub_namespace",
            "azurerm_servicebus_namespace",
            "azurerm_search_service",
            "azurerm_cognitive_account",
            "azurerm_app_configuration",
        )
    },
}


def _lets_in(value: object, auth: LocalAuth) -> bool:
    return value is None or value is auth.enabled_when


@REGISTRY.change(
    RuleMeta(
        id="TFR-AZ-022",
        title="Key or password sign-in turned back on",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        rationale="A service limited to Entra ID accepts only short-lived, revocable tokens, with conditional "
        "access and per-user audit. Turning keys, SAS tokens or passwords back on brings back static secrets "
        "that work from anywhere they leak to, for as long as nobody rotates them. New resources start with "
        "keys on (the provider's default), so only a change that re-enables them is reported.",
        remediation="Keep local authentication off and give callers a managed identity or a role assignment; "
        "if a key is needed for a migration, re-enable it in its own reviewed change and turn it off after.",
        checkov_id="CKV2_AZURE_40",
    ),
    *LOCAL_AUTH,
    actions=(Action.UPDATE,),
)
def local_auth_enabled(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    for auth in LOCAL_AUTH.get(rc.type, ()):
        old, new = before.get(*auth.path), after.get(*auth.path)
        # Only a known "off" before counts: an attribute the stored object never had says nothing.
        if new is UNKNOWN or old is None or _lets_in(old, auth) or not _lets_in(new, auth):
            continue
        shown = "removed" if new is None else f"= {str(new).lower()}"
        yield Hit(
            f"{rc.address} turns {auth.credential} back on ({attribute_name(auth.path)} {shown}): static secrets sign "
            "in again where only Entra ID did.",
            attribute=attribute_name(auth.path),
        )
        return
