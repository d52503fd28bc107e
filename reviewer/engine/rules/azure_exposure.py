"""Azure data services open to every network, registries with shared or anonymous access, plain-text protocols."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, State, rule_meta
from reviewer.engine.rules.catalog_types import AZURE_APP_TYPES
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import is_open_cidr

PUBLIC_FLAG = "public_network_access_enabled"


def _changed_by_update(rc: ResourceChange) -> bool:
    """This change turns an existing resource (rather than creating one with the provider's defaults)."""
    return type(rc.before) is dict and rc.action is not Action.CREATE


def _default_allows(block: str) -> Callable[[State], tuple[str, str] | None]:
    """A network ACL block whose default action is Allow (or that is absent: nothing is filtered)."""

    def check(state: State) -> tuple[str, str] | None:
        acl = state.get(block)
        if acl is UNKNOWN:
            return None
        action = state.first(block, "default_action")
        if action is UNKNOWN or (isinstance(acl, list) and acl and action != "Allow"):
            return None
        return f"{block}.default_action", (
            f"{block}.default_action = Allow" if isinstance(acl, list) and acl else f"no {block}"
        )

    return check


def _no_filter(state: State) -> tuple[str, str] | None:
    """Cosmos DB: no IP filter and no virtual network filter (or a filter of 0.0.0.0/0) admits every address."""
    ranges = state.get("ip_range_filter")
    vnet = state.get("is_virtual_network_filter_enabled")
    if ranges is UNKNOWN or vnet is UNKNOWN:
        return None
    # Provider v4 keeps a set of ranges, v3 one comma-separated string.
    items = ranges.split(",") if isinstance(ranges, str) else ranges if isinstance(ranges, list) else []
    items = [r.strip() for r in items if isinstance(r, str) and r.strip()]
    if any(is_open_cidr(r) for r in items):
        return "ip_range_filter", "ip_range_filter allows 0.0.0.0/0"
    if not items and vnet is not True:
        return "ip_range_filter", "no IP or virtual network filter"
    return None


def _firewall_decides(state: State) -> tuple[str, str] | None:
    """Servers whose separate firewall rules decide who connects: public access alone is the exposure."""
    return PUBLIC_FLAG, "its firewall rules decide who connects"


# type -> what, besides public network access, leaves it open to every address.
OPEN_WHEN: dict[str, Callable[[State], tuple[str, str] | None]] = {
    **dict.fromkeys(
        (
            "azurerm_mssql_server",
            "azurerm_postgresql_server",
            "azurerm_postgresql_flexible_server",
            "azurerm_mysql_server",
            "azurerm_mysql_flexible_server",
            "azurerm_mariadb_server",
            "azurerm_redis_cache",
        ),
        _firewall_decides,
    ),
    "azurerm_cosmosdb_account": _no_filter,
    "azurerm_key_vault": _default_allows("network_acls"),
    "azurerm_storage_account": _default_allows("network_rules"),
    "azurerm_container_registry": _default_allows("network_rule_set"),
    "azurerm_search_service": lambda state: (
        None
        if (ips := state.get("allowed_ips")) is UNKNOWN or (isinstance(ips, list) and ips)
        else ("allowed_ips", "no allowed_ips")
    ),
}


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-017",
        "Azure data service reachable from every network",
        Severity.LOW,
        "With public network access on and no network rule narrowing it, the service's endpoint answers the "
        "whole internet: only its keys or sign-in stand between an attacker and the data, and leaked keys or "
        "SAS tokens work from anywhere. Azure creates most services this way (LOW); a change that opens a "
        "service that was private or filtered is a deliberate widening (MEDIUM).",
        "Set public_network_access_enabled = false and use private endpoints, or keep the network rules' "
        'default_action = "Deny" with the client ranges that need access.',
        "CKV_AZURE_113",
        Category.NETWORK,
    ),
    *OPEN_WHEN,
    "azurerm_storage_account_network_rules",
)
def reachable_from_every_network(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type == "azurerm_storage_account_network_rules":
        action = state.get("default_action")
        found = ("default_action", "default_action = Allow") if action == "Allow" else None
    else:
        if state.get(PUBLIC_FLAG) is not True:
            return
        found = OPEN_WHEN[rc.type](state)
    if found is None:
        return
    attribute, why = found
    yield Hit(
        f"{rc.address} is reachable from every network ({PUBLIC_FLAG} = true; {why})."
        if rc.type != "azurerm_storage_account_network_rules"
        else f"{rc.address} lets every network reach the storage account (default_action = Allow).",
        attribute=attribute,
        key="open",
        severity=Severity.MEDIUM if _changed_by_update(rc) else None,
    )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-018",
        "Container registry admin user or anonymous pull enabled",
        Severity.MEDIUM,
        "The admin user is one shared username and password with push and pull rights on every repository, "
        "outside Entra ID and its audit; anonymous pull lets anyone who reaches the registry download every "
        "image, and whatever is baked into them (HIGH).",
        "Keep admin_enabled = false and anonymous_pull_enabled = false; give pipelines and clusters a managed "
        "identity or a scoped token with AcrPull/AcrPush.",
        "CKV_AZURE_137",
        Category.IAM,
    ),
    "azurerm_container_registry",
)
def registry_shared_access(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.get("admin_enabled") is True:
        yield Hit(
            f"{rc.address} enables the admin user: one shared password that can push and pull every image.",
            attribute="admin_enabled",
        )
    if state.get("anonymous_pull_enabled") is True:
        private = state.get(PUBLIC_FLAG) is False
        yield Hit(
            f"{rc.address} lets anyone pull every image without signing in (anonymous_pull_enabled = true"
            f"{', from the networks allowed to reach it' if private else ''}).",
            attribute="anonymous_pull_enabled",
            severity=Severity.MEDIUM if private else Severity.HIGH,
        )


WEB_APP_TYPES = (
    "azurerm_app_service",
    "azurerm_app_service_slot",
    "azurerm_function_app",
    "azurerm_function_app_slot",
    *AZURE_APP_TYPES,
)
REDIS_NON_TLS = ("non_ssl_port_enabled", "enable_non_ssl_port")  # provider v4, v3


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-019",
        "Plain-text protocol accepted (Redis non-TLS port, HTTP, FTP)",
        Severity.MEDIUM,
        "Redis's non-TLS port sends the access key and every value in clear; a web app without HTTPS-only "
        "serves sessions and tokens over HTTP; FTP (ftps_state = AllAllowed) sends the deployment credentials "
        "in clear. Anyone on the path can read or change them.",
        "Set non_ssl_port_enabled = false on Redis, https_only = true on apps, and ftps_state = "
        '"FtpsOnly" or "Disabled".',
        "CKV_AZURE_15",
    ),
    "azurerm_redis_cache",
    *WEB_APP_TYPES,
)
def plain_text_protocol(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type == "azurerm_redis_cache":
        for attribute in REDIS_NON_TLS:
            if state.get(attribute) is True:
                yield Hit(
                    f"{rc.address} opens the non-TLS port 6379 ({attribute} = true): the access key and data "
                    "travel in clear.",
                    attribute=attribute,
                    key="non_tls",
                )
        return
    if state.get("https_only") is False:
        # https_only defaults to false: a new app without it is the provider's default (LOW), an existing one
        # losing it is a downgrade.
        yield Hit(
            f"{rc.address} serves plain HTTP (https_only = false).",
            attribute="https_only",
            severity=Severity.MEDIUM if _changed_by_update(rc) else Severity.LOW,
        )
    ftps = state.first("site_config", "ftps_state")
    if ftps == "AllAllowed":
        yield Hit(
            f"{rc.address} accepts plain FTP deployments (site_config.ftps_state = AllAllowed): the deployment "
            "credentials travel in clear.",
            attribute="site_config.ftps_state",
        )
