"""Azure basics: storage public access and HTTPS, NSG admin ports, SQL firewall and auditing, public IPs, AKS,
Key Vault, custom roles, Entra ID client secrets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State, rule_meta
from reviewer.engine.rules.catalog_types import AZURE_APP_TYPES
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import (
    FULL_RANGE,
    WIDE_RANGE,
    Exposure,
    attribute_name,
    describe_exposures,
    is_false,
    is_open_cidr,
    opens_risky,
    opens_wide,
    port_spec,
    range_exposures,
    simple_posture,
)

SQL_FIREWALL_TYPES = (
    "azurerm_sql_firewall_rule",
    "azurerm_mssql_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_mariadb_firewall_rule",
    "azurerm_synapse_firewall_rule",
    "azurerm_cosmosdb_postgresql_firewall_rule",
    "azurerm_redis_firewall_rule",
)
# Where a firewall rule keeps its range ends when not start_ip_address/end_ip_address.
FIREWALL_ENDS: dict[str, tuple[str, str]] = {"azurerm_redis_firewall_rule": ("start_ip", "end_ip")}


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-001",
        "Azure storage allows public blob access",
        Severity.MEDIUM,
        "Allowing nested items to be public lets any container be made anonymously readable.",
        'Set allow_nested_items_to_be_public = false and container_access_type = "private".',
        "CKV_AZURE_190",
    ),
    "azurerm_storage_account",
    "azurerm_storage_container",
)
def storage_public(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute in ("allow_nested_items_to_be_public", "allow_blob_public_access"):
        if state.get(attribute) is True:
            yield Hit(f"{rc.address} allows public blob access.", attribute=attribute)
    access = state.get("container_access_type")
    if access in ("blob", "container"):
        yield Hit(
            f"{rc.address} is anonymously readable (container_access_type = {access}).",
            attribute="container_access_type",
            severity=Severity.HIGH,
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-002",
        "Azure storage does not require HTTPS",
        Severity.MEDIUM,
        "Without HTTPS-only, storage traffic and SAS tokens can travel in clear text.",
        "Set https_traffic_only_enabled = true (enable_https_traffic_only on older providers).",
        "CKV_AZURE_3",
    ),
    "azurerm_storage_account",
)
def storage_https(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute in ("enable_https_traffic_only", "https_traffic_only_enabled"):
        if state.get(attribute) is False:
            yield Hit(f"{rc.address} accepts plain HTTP.", attribute=attribute)


def _ports(value: Any) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and (found := FULL_RANGE if item == "*" else port_spec(item)) is not None:
            ranges.append(found)
    return ranges


def _nsg_rules(state: State, rc: ResourceChange) -> Iterator[tuple[str, State]]:
    if rc.type == "azurerm_network_security_rule":
        yield "", state
    else:
        for i, rule in state.each("security_rule"):
            yield f"security_rule[{i}].", rule


def nsg_open_rules(state: State, rc: ResourceChange) -> list[tuple[str, list[Exposure]]]:
    """Each inbound allow rule from the internet (`*`, `Internet`, 0.0.0.0/0) as (attribute, its exposures)."""
    # Read once per state: the admin/database rule and the wide-range rule both ask.
    return state.memo("nsg_open_rules", lambda: list(_nsg_open_rules(state, rc)))


def _nsg_open_rules(state: State, rc: ResourceChange) -> Iterator[tuple[str, list[Exposure]]]:
    for prefix, rule in _nsg_rules(state, rc):
        if str(rule.get("direction")).lower() != "inbound" or str(rule.get("access")).lower() != "allow":
            continue
        sources = [
            rule.get("source_address_prefix"),
            *(prefixes if isinstance(prefixes := rule.get("source_address_prefixes"), list) else []),
        ]
        if not any(is_open_cidr(s) for s in sources):
            continue
        ranges = _ports(rule.get("destination_port_range")) + _ports(rule.get("destination_port_ranges"))
        # Protocol-aware: UDP 22 is not SSH, ICMP has no ports, * is every port.
        exposures = range_exposures(rule.get("protocol"), ranges)
        if exposures:
            yield f"{prefix}destination_port_range", exposures


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-003",
        "NSG allows admin or database ports from the internet",
        Severity.HIGH,
        "SSH/RDP/WinRM, a database port (SQL Server, PostgreSQL, Redis, ...) or every port open to * / Internet "
        "exposes VMs to brute force and data to the internet.",
        "Limit source_address_prefix to known ranges or use Azure Bastion / JIT access and private endpoints.",
        "CKV_AZURE_10",
        Category.NETWORK,
    ),
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
)
def nsg_admin_ports(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    # One finding per rule, naming what it exposes.
    for attribute, exposures in nsg_open_rules(state, rc):
        if opens_risky(exposures):
            yield Hit(
                f"{rc.address} allows {describe_exposures(exposures)} from the internet.",
                attribute=attribute,
                key=f"{attribute}|{'|'.join(e.key('') for e in exposures)}",
            )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-014",
        "NSG allows a wide port range from the internet",
        Severity.MEDIUM,
        f"A range of {WIDE_RANGE}+ ports open to * / Internet exposes whatever listens in it, now or later.",
        "Open only the ports the service needs, from known ranges.",
        category=Category.NETWORK,
    ),
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
)
def nsg_wide_range(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    # A range holding an admin or database port is TFR-AZ-003's, once.
    for attribute, exposures in nsg_open_rules(state, rc):
        if opens_wide(exposures):
            yield Hit(
                f"{rc.address} allows {describe_exposures(exposures)} from the internet.",
                attribute=attribute,
                key=f"{attribute}|{'|'.join(e.key('') for e in exposures)}",
            )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-004",
        "Database firewall allows all IPv4 addresses",
        Severity.HIGH,
        "A firewall rule from 0.0.0.0 to 255.255.255.255 (or any range of half the IPv4 space or more) opens "
        "the server or cache to the whole internet.",
        "Allow only the client ranges that need access, or use private endpoints.",
        "CKV_AZURE_11",
        Category.NETWORK,
    ),
    *SQL_FIREWALL_TYPES,
)
def sql_firewall_open(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    start_name, end_name = FIREWALL_ENDS.get(rc.type, ("start_ip_address", "end_ip_address"))
    start, end = state.get(start_name), state.get(end_name)
    size = range_size(start, end)
    # 0.0.0.0-0.0.0.0 is Azure's "allow Azure services" rule, not the internet.
    if size is not None and size >= HALF_THE_INTERNET:
        whole = size == 1 << 32
        yield Hit(
            f"{rc.address} allows {start}-{end}{'' if whole else f' ({size * 100 >> 32}% of all IPv4 addresses)'}.",
            attribute=end_name,
            key="open",
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-005",
        "Network interface has a public IP",
        Severity.MEDIUM,
        "A public IP on a VM's NIC puts the VM directly on the internet.",
        "Use a load balancer, Bastion or NAT instead of public IPs on VMs.",
        "CKV_AZURE_119",
        Category.NETWORK,
    ),
    "azurerm_network_interface",
)
def nic_public_ip(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for i, config in state.each("ip_configuration"):
        value = config.get("public_ip_address_id")
        if isinstance(value, str) and value:
            yield Hit(
                f"{rc.address} attaches a public IP.", attribute=f"ip_configuration[{i}].public_ip_address_id"
            )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-006",
        "AKS API server is public without authorized IP ranges",
        Severity.MEDIUM,
        "A public AKS API server open to every address is exposed to credential attacks and exploits.",
        "Enable private_cluster_enabled or set api_server_access_profile.authorized_ip_ranges.",
        "CKV_AZURE_6",
        Category.NETWORK,
    ),
    "azurerm_kubernetes_cluster",
)
def aks_public_api(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    private = state.get("private_cluster_enabled")
    legacy = state.get("api_server_authorized_ip_ranges")
    profile = state.first("api_server_access_profile", "authorized_ip_ranges")
    if UNKNOWN in (private, legacy, profile) or private is True:
        return
    ranges = [r for value in (legacy, profile) if isinstance(value, list) for r in value]
    # An authorized range of 0.0.0.0/0 limits nothing: the same as listing none.
    if not ranges or any(is_open_cidr(r) for r in ranges):
        yield Hit(
            f"{rc.address} exposes a public API server to all addresses.",
            attribute="api_server_access_profile",
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-007",
        "Key Vault purge protection off",
        Severity.LOW,
        "Without purge protection a deleted vault (and every key and secret) can be purged immediately.",
        "Set purge_protection_enabled = true.",
        "CKV_AZURE_110",
        Category.RELIABILITY,
    ),
    "azurerm_key_vault",
)
def key_vault_purge(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    value = state.get("purge_protection_enabled")
    if value is False:
        yield Hit(f"{rc.address} has purge protection off.", attribute="purge_protection_enabled")


# The attribute holding the minimum TLS version, per type (site_config is a nested block on web apps).
MIN_TLS_PATHS: dict[str, tuple[str | int, ...]] = {
    "azurerm_storage_account": ("min_tls_version",),
    "azurerm_mssql_server": ("minimum_tls_version",),
    "azurerm_redis_cache": ("minimum_tls_version",),
    "azurerm_eventhub_namespace": ("minimum_tls_version",),
    "azurerm_servicebus_namespace": ("minimum_tls_version",),
    "azurerm_cosmosdb_account": ("minimal_tls_version",),
    "azurerm_postgresql_server": ("ssl_minimal_tls_version_enforced",),
    "azurerm_mysql_server": ("ssl_minimal_tls_version_enforced",),
    "azurerm_app_service": ("site_config", 0, "min_tls_version"),
    "azurerm_function_app": ("site_config", 0, "min_tls_version"),
    **dict.fromkeys(AZURE_APP_TYPES, ("site_config", 0, "minimum_tls_version")),
}
# TLS 1.0/1.1 (each service spells them its own way) and "no minimum at all".
WEAK_TLS_VALUES = frozenset(
    {"TLS1_0", "TLS1_1", "1.0", "1.1", "Tls", "Tls11", "Disabled", "TLSEnforcementDisabled"}
)


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-008",
        "Minimum TLS version below 1.2",
        Severity.MEDIUM,
        "TLS 1.0 and 1.1 have known weaknesses (BEAST, POODLE downgrade) and are deprecated; allowing them "
        "lets clients and attackers negotiate a weak channel.",
        'Set the minimum TLS version to 1.2 ("TLS1_2" on storage accounts, "1.2" on app services, SQL and Redis).',
        "CKV_AZURE_44",
        Category.NETWORK,
    ),
    *MIN_TLS_PATHS,
)
def weak_min_tls(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    path = MIN_TLS_PATHS[rc.type]
    value = state.get(*path)
    if value is not UNKNOWN and isinstance(value, str) and value in WEAK_TLS_VALUES:
        yield Hit(
            f"{rc.address} accepts TLS below 1.2 (minimum {value}).",
            attribute=attribute_name(path),
        )


# Where a Linux VM type says whether SSH password login is off.
PASSWORD_AUTH_PATHS: dict[str, tuple[str | int, ...]] = {
    "azurerm_linux_virtual_machine": ("disable_password_authentication",),
    "azurerm_linux_virtual_machine_scale_set": ("disable_password_authentication",),
    "azurerm_virtual_machine": ("os_profile_linux_config", 0, "disable_password_authentication"),
    "azurerm_orchestrated_virtual_machine_scale_set": (
        "os_profile",
        0,
        "linux_configuration",
        0,
        "disable_password_authentication",
    ),
}


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-009",
        "Linux VM allows password login",
        Severity.MEDIUM,
        "Password SSH login invites brute force and credential stuffing; keys cannot be guessed.",
        "Set disable_password_authentication = true and log in with SSH keys (admin_ssh_key) or Entra ID.",
        "CKV_AZURE_149",
    ),
    *PASSWORD_AUTH_PATHS,
)
def linux_password_login(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    path = PASSWORD_AUTH_PATHS[rc.type]
    if state.get(*path) is False:
        yield Hit(
            f"{rc.address} allows SSH password login (disable_password_authentication = false).",
            attribute=attribute_name(path),
        )


simple_posture(
    rule_meta(
        "TFR-AZ-012",
        "AKS without Kubernetes RBAC",
        Severity.HIGH,
        "With RBAC off every authenticated user is effectively cluster admin: no role separation at all (the "
        "AKS counterpart of GKE legacy ABAC).",
        "Set role_based_access_control_enabled = true (it cannot be turned on later without re-creating).",
        "CKV_AZURE_5",
        Category.IAM,
    ),
    ("azurerm_kubernetes_cluster",),
    ("role_based_access_control_enabled",),
    is_false,
    lambda rc, v: f"{rc.address} disables Kubernetes RBAC.",
)
simple_posture(
    rule_meta(
        "TFR-AZ-013",
        "AKS local admin account enabled",
        Severity.LOW,
        "The local cluster-admin account is a static credential outside Entra ID: it bypasses conditional "
        "access and cannot be revoked per user (the AKS counterpart of GKE client certificates).",
        "Set local_account_disabled = true and use Entra ID integration with Azure RBAC.",
        "CKV_AZURE_141",
        Category.IAM,
    ),
    ("azurerm_kubernetes_cluster",),
    ("local_account_disabled",),
    is_false,
    lambda rc, v: f"{rc.address} keeps the local cluster-admin account.",
)

simple_posture(
    rule_meta(
        "TFR-AZ-015",
        "Defender for Cloud plan on the Free tier",
        Severity.MEDIUM,
        "The Free tier of a Defender for Cloud plan turns off threat detection and alerts for that resource type "
        "across the subscription (servers, storage, SQL, Key Vault, ...).",
        'Keep tier = "Standard" for the plans the subscription relies on.',
        "CKV_AZURE_19",
    ),
    ("azurerm_security_center_subscription_pricing",),
    ("tier",),
    lambda value: value == "Free",
    lambda rc, v: f"{rc.address} sets the Defender for Cloud plan to the Free tier (threat detection off).",
)


def _every_action(permission: State) -> bool:
    actions = permission.get("actions")
    return isinstance(actions, list) and "*" in actions


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-016",
        "Custom role allows every action (*)",
        Severity.HIGH,
        'A custom role whose actions include "*" is Owner under another name: it controls every resource in its '
        "assignable scopes and, unless Microsoft.Authorization is excluded, can grant any role to anyone.",
        "List the actions the role needs; keep Microsoft.Authorization/* in not_actions for operator roles.",
        "CKV_AZURE_39",
        Category.IAM,
    ),
    "azurerm_role_definition",
)
def custom_role_every_action(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for i, permission in state.each("permissions"):
        if not _every_action(permission):
            continue
        excluded = permission.get("not_actions")
        # Without access management it is Contributor-like: still every resource, but no granting of roles.
        keeps_access = not (
            isinstance(excluded, list)
            and any(isinstance(a, str) and a.lower().startswith("microsoft.authorization/") for a in excluded)
        )
        yield Hit(
            f"{rc.address} allows every action (*)"
            f"{', including granting roles' if keeps_access else ', except access management'}.",
            attribute=f"permissions[{i}].actions",
            severity=Severity.HIGH if keeps_access else Severity.MEDIUM,
        )


def _as_int(address: Any) -> int | None:
    parts = address.split(".") if isinstance(address, str) else []
    if len(parts) != 4 or not all(p.isdecimal() and int(p) < 256 for p in parts):
        return None
    return (int(parts[0]) << 24) | (int(parts[1]) << 16) | (int(parts[2]) << 8) | int(parts[3])


# A firewall range this large is the internet, whatever its exact ends (1.0.0.0-255.255.255.255).
HALF_THE_INTERNET = 1 << 31


def range_size(start: Any, end: Any) -> int | None:
    """How many IPv4 addresses a start-end firewall range admits; None when either end is no address."""
    low, high = _as_int(start), _as_int(end)
    if low is None or high is None or high < low:
        return None
    return high - low + 1


@REGISTRY.change(
    RuleMeta(
        id="TFR-AZ-020",
        title="Entra ID client secret created",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        rationale="An application or service principal password is a long-lived bearer secret: whoever holds it "
        "signs in as the application from anywhere, with every role it has, until it expires (often years) or "
        "is removed; it also lands in the Terraform state. Replacing one (rotation) is the remedy, not a risk.",
        remediation="Use workload identity federation (OIDC) or a managed identity; if a secret is unavoidable, "
        "keep it short-lived, rotate it and store it in Key Vault.",
    ),
    "azuread_application_password",
    "azuread_service_principal_password",
    actions=(Action.CREATE,),
)
def client_secret_created(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is Action.CREATE and not rc.is_data:
        yield Hit(
            f"{rc.address} creates a client secret: a long-lived password to sign in as the application."
        )


# Where each SQL auditing or threat detection resource says it is off.
SQL_MONITOR_OFF: dict[str, tuple[str, object, str]] = {
    "azurerm_mssql_server_extended_auditing_policy": ("enabled", False, "auditing"),
    "azurerm_mssql_database_extended_auditing_policy": ("enabled", False, "auditing"),
    "azurerm_mssql_server_security_alert_policy": ("state", "Disabled", "threat detection"),
}


@REGISTRY.posture(
    rule_meta(
        "TFR-AZ-021",
        "SQL auditing or threat detection turned off",
        Severity.MEDIUM,
        "Without auditing nobody can tell who read or changed the data; without threat detection SQL injection "
        "and brute-force attempts raise no alert.",
        'Keep enabled = true on the auditing policy and state = "Enabled" on the security alert policy.',
        "CKV_AZURE_23",
    ),
    *SQL_MONITOR_OFF,
)
def sql_monitoring_off(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    attribute, off, what = SQL_MONITOR_OFF[rc.type]
    value = state.get(attribute)
    if value is not UNKNOWN and type(value) is type(off) and value == off:
        shown = str(off).lower() if isinstance(off, bool) else off
        yield Hit(f"{rc.address} turns SQL {what} off ({attribute} = {shown}).", attribute=attribute)
