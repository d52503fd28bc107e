"""Azure, GCP and Kubernetes rules of the third probe batch: containers deleted, one-way changes, services open
to every network, plain-text protocols, public GCP grants, network policies and Pod Security relaxed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import EngineResult, Finding, RiskLevel, Severity, to_json
from tests.reviewer.engine.plans import change, plan


def review(*changes: dict[str, Any]) -> EngineResult:
    return review_plan(plan(*changes)).result


def only(rule_id: str, *changes: dict[str, Any]) -> list[Finding]:
    return [f for f in review(*changes).findings if f.rule_id == rule_id]


def verdict(*changes: dict[str, Any]) -> str:
    return review(*changes).risk.verdict or ""


# --- containers of everything deleted (TFR-CHG-001 per type; TFR-AZ-010 / TFR-GCP-008 for governance scopes)
RESOURCE_GROUP = {"name": "rg-prod", "location": "westeurope", "tags": {}}
PROJECT = {"project_id": "acme-prod", "name": "acme-prod", "deletion_policy": "DELETE", "labels": {}}


@pytest.mark.parametrize(
    ("rtype", "before", "effect", "noun"),
    [
        (
            "azurerm_resource_group",
            RESOURCE_GROUP,
            "Azure deletes every resource in the group",
            "resource group",
        ),
        ("google_project", PROJECT, "shut down with every resource in it", "project"),
        ("azurerm_subscription", {"alias": "prod", "subscription_name": "Prod"}, "cancelled", "subscription"),
        (
            "kubernetes_namespace_v1",
            {"metadata": [{"name": "payments"}]},
            "every object in it",
            "namespace",
        ),
    ],
)
def test_deleting_a_container_says_everything_in_it_goes(
    rtype: str, before: dict[str, Any], effect: str, noun: str
) -> None:
    [found] = only("TFR-CHG-001", change(rtype, None, before=before))
    assert found.severity is Severity.HIGH and found.introduced and effect in found.message
    assert "its data is lost unless backed up" not in found.message
    assert (
        verdict(change(rtype, None, before=before)) == f"Not safe to apply without review: destroys a {noun}."
    )


def test_a_container_updated_or_created_is_no_finding() -> None:
    assert only("TFR-CHG-001", change("azurerm_resource_group", {**RESOURCE_GROUP, "tags": {"a": "b"}},
                                      before=RESOURCE_GROUP)) == []  # fmt: skip
    assert review(change("azurerm_resource_group", RESOURCE_GROUP)).risk.level is RiskLevel.LOW


def test_project_kept_by_deletion_policy() -> None:
    [abandoned] = only(
        "TFR-CHG-001", change("google_project", None, before={**PROJECT, "deletion_policy": "ABANDON"})
    )
    assert abandoned.severity is Severity.INFO and "keep running" in abandoned.message
    assert review(
        change("google_project", None, before={**PROJECT, "deletion_policy": "ABANDON"})
    ).risk.level is (RiskLevel.LOW)
    [v5] = only(
        "TFR-CHG-001", change("google_project", None, before={"project_id": "p", "skip_delete": True})
    )
    assert v5.severity is Severity.INFO
    [prevented] = only(
        "TFR-CHG-001", change("google_project", None, before={**PROJECT, "deletion_policy": "PREVENT"})
    )
    assert prevented.severity is Severity.HIGH and "PREVENT makes this apply fail" in prevented.message


@pytest.mark.parametrize(
    ("rtype", "rule_id", "sentence"),
    [
        ("azurerm_management_group", "TFR-AZ-010", "deletes a management group."),
        ("azurerm_subscription_policy_assignment", "TFR-AZ-010", "deletes a policy assignment."),
        ("azurerm_management_group_policy_assignment", "TFR-AZ-010", "deletes a policy assignment."),
        ("google_folder", "TFR-GCP-008", "deletes a folder."),
    ],
)
def test_governance_scope_deleted(rtype: str, rule_id: str, sentence: str) -> None:
    before = {"name": "platform", "display_name": "Platform"}
    [found] = only(rule_id, change(rtype, None, before=before))
    assert found.severity is Severity.MEDIUM and found.introduced
    assert verdict(change(rtype, None, before=before)) == f"Review before applying: {sentence}"
    assert only(rule_id, change(rtype, {**before, "display_name": "Platform team"}, before=before)) == []


# --- an API disabled with its google_project_service (TFR-GCP-013)
SERVICE = {"project": "acme-prod", "service": "sqladmin.googleapis.com", "disable_on_destroy": True}


def test_project_service_deleted_disables_the_api() -> None:
    [found] = only("TFR-GCP-013", change("google_project_service", None, before=SERVICE))
    assert (
        found.severity is Severity.MEDIUM
        and "sqladmin.googleapis.com is disabled for project acme-prod" in (found.message)
    )
    assert verdict(change("google_project_service", None, before=SERVICE)) == (
        "Review before applying: disables a Google Cloud API for the whole project."
    )
    [dependents] = only(
        "TFR-GCP-013",
        change("google_project_service", None, before={**SERVICE, "disable_dependent_services": True}),
    )
    assert "every API that depends on it" in dependents.message


@pytest.mark.parametrize("disable", [False, None])
def test_project_service_left_enabled_is_no_finding(disable: bool | None) -> None:
    assert only("TFR-GCP-013", change("google_project_service", None,
                                      before={**SERVICE, "disable_on_destroy": disable})) == []  # fmt: skip
    assert only("TFR-GCP-013", change("google_project_service", SERVICE)) == []


# --- one-way changes (TFR-CHG-021)
@pytest.mark.parametrize(
    ("rtype", "before", "after", "words"),
    [
        ("google_container_cluster", {"min_master_version": "1.29"}, {"min_master_version": "1.30"}, "1.29 to 1.30"),
        ("google_container_node_pool", {"version": "1.29.8-gke.1"}, {"version": "1.30.5-gke.2"}, "1.29 to 1.30"),
        ("azurerm_kubernetes_cluster", {"kubernetes_version": "1.29"}, {"kubernetes_version": "1.30"}, "Kubernetes"),
        (
            "azurerm_kubernetes_cluster",
            {"default_node_pool": [{"orchestrator_version": "1.29.7"}]},
            {"default_node_pool": [{"orchestrator_version": "1.30.1"}]},
            "default_node_pool.orchestrator_version",
        ),
        ("azurerm_kubernetes_cluster_node_pool", {"orchestrator_version": "1.29"}, {"orchestrator_version": "1.30"},
         "Kubernetes"),
        ("google_sql_database_instance", {"database_version": "POSTGRES_14"}, {"database_version": "POSTGRES_16"},
         "14 to 16"),
        ("google_sql_database_instance", {"database_version": "MYSQL_5_7"}, {"database_version": "MYSQL_8_0"},
         "5.7 to 8.0"),
        ("azurerm_postgresql_flexible_server", {"version": "13"}, {"version": "16"}, "PostgreSQL"),
        ("azurerm_mysql_flexible_server", {"version": "5.7"}, {"version": "8.0.21"}, "MySQL"),
        ("google_redis_instance", {"redis_version": "REDIS_6_X"}, {"redis_version": "REDIS_7_0"}, "Redis"),
    ],
)  # fmt: skip
def test_version_upgrade_is_one_way(
    rtype: str, before: dict[str, Any], after: dict[str, Any], words: str
) -> None:
    [found] = only("TFR-CHG-021", change(rtype, after, before=before))
    assert found.severity is Severity.MEDIUM and found.introduced and words in found.message
    assert "cannot be" in found.message


@pytest.mark.parametrize(
    ("rtype", "before", "after", "after_unknown"),
    [
        # Patch releases, downgrades, other engines, `latest` and unknown versions are no one-way upgrade.
        ("google_container_cluster", {"min_master_version": "1.29.8-gke.1"}, {"min_master_version": "1.29.9-gke.2"},
         None),
        ("azurerm_kubernetes_cluster", {"kubernetes_version": "1.30"}, {"kubernetes_version": "1.29"}, None),
        ("google_sql_database_instance", {"database_version": "MYSQL_8_0"}, {"database_version": "MYSQL_8_0_31"},
         None),
        ("google_sql_database_instance", {"database_version": "MYSQL_8_0"}, {"database_version": "POSTGRES_16"},
         None),
        ("google_container_cluster", {"min_master_version": "1.29"}, {"min_master_version": "latest"}, None),
        ("azurerm_kubernetes_cluster", {"kubernetes_version": "1.29"}, {}, {"kubernetes_version": True}),
    ],
)  # fmt: skip
def test_no_one_way_upgrade(
    rtype: str, before: dict[str, Any], after: dict[str, Any], after_unknown: dict[str, Any] | None
) -> None:
    assert only("TFR-CHG-021", change(rtype, after, before=before, after_unknown=after_unknown)) == []


def test_a_new_cluster_on_a_new_version_is_no_upgrade() -> None:
    assert only("TFR-CHG-021", change("azurerm_kubernetes_cluster", {"kubernetes_version": "1.30"})) == []


def test_retention_locked_is_one_way_once() -> None:
    unlocked = {"name": "audit", "retention_policy": [{"retention_period": 2592000, "is_locked": False}]}
    locked = {**unlocked, "retention_policy": [{"retention_period": 2592000, "is_locked": True}]}
    [found] = only("TFR-CHG-021", change("google_storage_bucket", locked, before=unlocked))
    assert "can never be removed or shortened" in found.message
    assert only("TFR-CHG-021", change("google_storage_bucket", locked, before=locked)) == []
    assert only("TFR-CHG-021", change("google_storage_bucket", locked)) == []
    policy = {
        "storage_container_resource_manager_id": "/x",
        "immutability_period_in_days": 30,
        "locked": False,
    }
    assert only("TFR-CHG-021", change("azurerm_storage_container_immutability_policy", {**policy, "locked": True},
                                      before=policy))  # fmt: skip
    assert verdict(change("google_storage_bucket", locked, before=unlocked)) == (
        "Review before applying: changes a bucket in a way that cannot be undone."
    )
    assert verdict(change("azurerm_kubernetes_cluster", {"kubernetes_version": "1.30"},
                          before={"kubernetes_version": "1.29"})) == (
        "Review before applying: changes a cluster in a way that cannot be undone."
    )  # fmt: skip


# --- Azure services reachable from every network (TFR-AZ-017)
SQL = {"name": "acme-sql", "version": "12.0", "public_network_access_enabled": False}
STORAGE: dict[str, Any] = {
    "name": "acmesa",
    "public_network_access_enabled": True,
    "network_rules": [{"default_action": "Deny", "bypass": ["AzureServices"], "ip_rules": ["203.0.113.10"]}],
}


def test_public_access_turned_on_is_medium_and_default_create_is_low() -> None:
    opened = {**SQL, "public_network_access_enabled": True}
    [found] = only("TFR-AZ-017", change("azurerm_mssql_server", opened, before=SQL))
    assert found.severity is Severity.MEDIUM and found.introduced and "firewall rules decide" in found.message
    assert verdict(change("azurerm_mssql_server", opened, before=SQL)) == (
        "Review before applying: opens a database to every network."
    )
    [created] = only("TFR-AZ-017", change("azurerm_mssql_server", opened))
    assert created.severity is Severity.LOW
    assert review(change("azurerm_mssql_server", opened)).risk.level is RiskLevel.LOW
    [kept] = only("TFR-AZ-017", change("azurerm_mssql_server", {**opened, "version": "12.0"}, before=opened))
    assert not kept.introduced


def test_network_rules_default_allow() -> None:
    allowing = {**STORAGE, "network_rules": [{**STORAGE["network_rules"][0], "default_action": "Allow"}]}
    [found] = only("TFR-AZ-017", change("azurerm_storage_account", allowing, before=STORAGE))
    assert found.severity is Severity.MEDIUM and "network_rules.default_action = Allow" in found.message
    assert only("TFR-AZ-017", change("azurerm_storage_account", STORAGE)) == []
    rules = {"storage_account_id": "/x", "default_action": "Deny", "ip_rules": []}
    [separate] = only("TFR-AZ-017", change("azurerm_storage_account_network_rules", {**rules, "default_action": "Allow"},
                                           before=rules))  # fmt: skip
    assert separate.severity is Severity.MEDIUM
    assert verdict(change("azurerm_storage_account", allowing, before=STORAGE)).endswith(
        "opens a storage account to every network."
    )


@pytest.mark.parametrize(
    ("filters", "opened"),
    [
        ({"ip_range_filter": [], "is_virtual_network_filter_enabled": False}, True),
        ({"ip_range_filter": ["0.0.0.0/0"], "is_virtual_network_filter_enabled": True}, True),
        ({"ip_range_filter": "0.0.0.0/0,10.0.0.0/8", "is_virtual_network_filter_enabled": False}, True),  # v3
        ({"ip_range_filter": ["203.0.113.0/24"], "is_virtual_network_filter_enabled": False}, False),
        ({"ip_range_filter": [], "is_virtual_network_filter_enabled": True}, False),
    ],
)
def test_cosmos_filters(filters: dict[str, Any], opened: bool) -> None:
    account = {"name": "acme", "public_network_access_enabled": True, **filters}
    assert bool(only("TFR-AZ-017", change("azurerm_cosmosdb_account", account))) is opened


def test_public_access_unknown_is_not_reported() -> None:
    assert only("TFR-AZ-017", change("azurerm_mssql_server", {"name": "s"},
                                     after_unknown={"public_network_access_enabled": True})) == []  # fmt: skip


# --- registries (TFR-AZ-018)
REGISTRY = {
    "name": "acmeacr",
    "admin_enabled": False,
    "anonymous_pull_enabled": False,
    "public_network_access_enabled": True,
    "network_rule_set": [
        {"default_action": "Deny", "ip_rule": [{"action": "Allow", "ip_range": "203.0.113.0/24"}]}
    ],
}


def test_registry_admin_and_anonymous_pull() -> None:
    [admin] = only("TFR-AZ-018", change("azurerm_container_registry", {**REGISTRY, "admin_enabled": True},
                                        before=REGISTRY))  # fmt: skip
    assert admin.severity is Severity.MEDIUM and "shared password" in admin.message
    anonymous = {**REGISTRY, "anonymous_pull_enabled": True}
    [pull] = only("TFR-AZ-018", change("azurerm_container_registry", anonymous, before=REGISTRY))
    assert pull.severity is Severity.HIGH and "anyone" in pull.message
    private = {**anonymous, "public_network_access_enabled": False}
    [limited] = only("TFR-AZ-018", change("azurerm_container_registry", private, before=REGISTRY))
    assert limited.severity is Severity.MEDIUM
    assert verdict(change("azurerm_container_registry", anonymous, before=REGISTRY)) == (
        "Not safe to apply without review: opens an image registry to shared or anonymous access."
    )


# --- plain-text protocols (TFR-AZ-019)
APP = {
    "name": "api",
    "https_only": True,
    "site_config": [{"ftps_state": "Disabled", "minimum_tls_version": "1.2"}],
}


def test_redis_non_tls_port_both_provider_names() -> None:
    for attribute in ("non_ssl_port_enabled", "enable_non_ssl_port"):
        [found] = only("TFR-AZ-019", change("azurerm_redis_cache", {"name": "c", attribute: True}))
        assert found.severity is Severity.MEDIUM and attribute in found.message
    assert verdict(change("azurerm_redis_cache", {"name": "c", "non_ssl_port_enabled": True})).endswith(
        "accepts unencrypted connections to a cache."
    )


def test_https_only_off_is_medium_on_an_existing_app_and_low_on_a_new_one() -> None:
    plain = {**APP, "https_only": False}
    [turned] = only("TFR-AZ-019", change("azurerm_linux_web_app", plain, before=APP))
    assert turned.severity is Severity.MEDIUM and "plain HTTP" in turned.message
    [new] = only("TFR-AZ-019", change("azurerm_windows_function_app", plain))
    assert new.severity is Severity.LOW
    assert only("TFR-AZ-019", change("azurerm_linux_web_app", APP)) == []
    assert verdict(change("azurerm_linux_web_app", plain, before=APP)) == (
        "Review before applying: accepts unencrypted connections to a web app."
    )


@pytest.mark.parametrize(
    ("ftps", "flagged"), [("AllAllowed", True), ("FtpsOnly", False), ("Disabled", False)]
)
def test_ftp_deployments(ftps: str, flagged: bool) -> None:
    app = {**APP, "site_config": [{"ftps_state": ftps}]}
    assert bool(only("TFR-AZ-019", change("azurerm_linux_web_app", app, before=APP))) is flagged


# --- database firewall ranges (TFR-AZ-004)
@pytest.mark.parametrize(
    ("rtype", "start", "end", "flagged"),
    [
        ("azurerm_postgresql_flexible_server_firewall_rule", "0.0.0.0", "255.255.255.255", True),
        ("azurerm_mysql_flexible_server_firewall_rule", "1.0.0.0", "255.255.255.255", True),
        ("azurerm_mssql_firewall_rule", "0.0.0.0", "0.0.0.0", False),  # "allow Azure services"
        ("azurerm_postgresql_flexible_server_firewall_rule", "203.0.113.0", "203.0.113.255", False),
        ("azurerm_cosmosdb_postgresql_firewall_rule", "0.0.0.0", "255.255.255.255", True),
    ],
)
def test_firewall_range_of_the_internet(rtype: str, start: str, end: str, flagged: bool) -> None:
    found = only("TFR-AZ-004", change(rtype, {"name": "r", "start_ip_address": start, "end_ip_address": end}))
    assert bool(found) is flagged
    if flagged:
        assert found[0].severity is Severity.HIGH
        assert ("% of all IPv4 addresses" in found[0].message) is (start != "0.0.0.0")


def test_redis_firewall_rule_uses_its_own_names() -> None:
    [found] = only(
        "TFR-AZ-004",
        change("azurerm_redis_firewall_rule", {"start_ip": "0.0.0.0", "end_ip": "255.255.255.255"}),
    )
    assert found.attribute == "end_ip"
    assert only("TFR-AZ-004", change("azurerm_redis_firewall_rule", {"start_ip": "0.0.0.0"},
                                     after_unknown={"end_ip": True})) == []  # fmt: skip


# --- public GCP grants on every IAM-bearing resource (TFR-GCP-001)
@pytest.mark.parametrize(
    ("rtype", "grant", "noun"),
    [
        ("google_pubsub_subscription_iam_member", {"role": "roles/pubsub.subscriber", "member": "allUsers"}, "queue"),
        ("google_pubsub_topic_iam_binding", {"role": "roles/pubsub.publisher", "members": ["allAuthenticatedUsers"]},
         "queue"),
        ("google_kms_key_ring_iam_member", {"role": "roles/cloudkms.cryptoKeyDecrypter", "member": "allUsers"}, "key"),
        ("google_kms_crypto_key_iam_binding", {"role": "roles/cloudkms.cryptoKeyDecrypter", "members": ["allUsers"]},
         "key"),
        ("google_secret_manager_secret_iam_binding", {"role": "roles/secretmanager.secretAccessor",
                                                      "members": ["allUsers"]}, "secret"),
        ("google_artifact_registry_repository_iam_member", {"role": "roles/artifactregistry.reader",
                                                            "member": "allUsers"}, "image registry"),
        ("google_service_account_iam_member", {"role": "roles/iam.serviceAccountTokenCreator",
                                               "member": "allAuthenticatedUsers"}, "service account"),
        ("google_bigquery_dataset_access", {"role": "READER", "iam_member": "allUsers"}, "dataset"),
        ("google_bigquery_dataset", {"access": [{"role": "OWNER", "special_group": "projectOwners"},
                                                {"role": "READER", "special_group": "allAuthenticatedUsers"}]},
         "dataset"),
    ],
)  # fmt: skip
def test_public_member_on_any_gcp_resource(rtype: str, grant: dict[str, Any], noun: str) -> None:
    [found] = only("TFR-GCP-001", change(rtype, grant))
    assert found.severity is Severity.HIGH and found.introduced
    assert (
        verdict(change(rtype, grant))
        == f"Not safe to apply without review: makes a{'n' if noun[0] in 'aei' else ''} {noun} public."
    )
    assert (
        only("TFR-GCP-001", change(rtype, grant, before=grant))
        and not only("TFR-GCP-001", change(rtype, grant, before=grant))[0].introduced
    )


def test_named_members_and_unknown_members_are_not_public() -> None:
    dataset = {"access": [{"role": "READER", "group_by_email": "analysts@acme.com", "special_group": None}]}
    assert only("TFR-GCP-001", change("google_bigquery_dataset", dataset)) == []
    assert only("TFR-GCP-001", change("google_pubsub_subscription_iam_member", {"role": "r"},
                                      after_unknown={"member": True})) == []  # fmt: skip


# --- GCS public access prevention lifted (TFR-GCP-012)
BUCKET = {"name": "acme-data", "public_access_prevention": "enforced", "uniform_bucket_level_access": True}


def test_public_access_prevention_lifted() -> None:
    lifted = {**BUCKET, "public_access_prevention": "inherited"}
    [found] = only("TFR-GCP-012", change("google_storage_bucket", lifted, before=BUCKET))
    assert found.severity is Severity.MEDIUM and "enforced -> inherited" in found.message
    assert verdict(change("google_storage_bucket", lifted, before=BUCKET)) == (
        "Review before applying: lifts the public access prevention of a bucket."
    )
    # Already inherited (nothing this plan lifts), a new bucket, and an unknown value: no finding.
    assert only("TFR-GCP-012", change("google_storage_bucket", {**lifted, "labels": {}}, before=lifted)) == []
    assert only("TFR-GCP-012", change("google_storage_bucket", lifted)) == []
    assert only("TFR-GCP-012", change("google_storage_bucket", {"name": "acme-data"}, before=BUCKET,
                                      after_unknown={"public_access_prevention": True})) == []  # fmt: skip


# --- Kubernetes network policy deleted (TFR-K8S-009)
POLICY = {
    "metadata": [{"name": "default-deny", "namespace": "payments"}],
    "spec": [{"policy_types": ["Ingress"]}],
}


def test_network_policy_deleted() -> None:
    [found] = only("TFR-K8S-009", change("kubernetes_network_policy_v1", None, before=POLICY))
    assert found.severity is Severity.MEDIUM and "namespace payments lose their isolation" in found.message
    assert verdict(change("kubernetes_network_policy_v1", None, before=POLICY)) == (
        "Review before applying: deletes a network policy that isolated pods."
    )


def test_network_policy_deleted_with_its_namespace_or_replaced() -> None:
    ns = change("kubernetes_namespace_v1", None, before={"metadata": [{"name": "payments"}]}, name="payments")
    assert only("TFR-K8S-009", change("kubernetes_network_policy_v1", None, before=POLICY), ns) == []
    successor = change("kubernetes_network_policy_v1", POLICY, name="successor")
    [found] = only("TFR-K8S-009", change("kubernetes_network_policy_v1", None, before=POLICY), successor)
    assert found.severity is Severity.LOW
    assert only("TFR-K8S-009", change("kubernetes_network_policy", POLICY, before=POLICY)) == []


# --- Pod Security admission relaxed (TFR-K8S-010)
ENFORCE = "pod-security.kubernetes.io/enforce"


def namespace(labels: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": [{"name": "payments", "labels": labels}]}


@pytest.mark.parametrize(
    ("before", "after", "relaxed"),
    [
        ("restricted", "privileged", True),
        ("baseline", None, True),  # label removed: the cluster default applies
        ("restricted", "baseline", True),
        ("baseline", "restricted", False),
        (None, "privileged", False),  # no guard before, none lost
        ("baseline", "baseline", False),
    ],
)
def test_pod_security_level(before: str | None, after: str | None, relaxed: bool) -> None:
    old = namespace({ENFORCE: before} if before else {"team": "pay"})
    new = namespace({ENFORCE: after} if after else {"team": "pay"})
    found = only("TFR-K8S-010", change("kubernetes_namespace", new, before=old))
    assert bool(found) is relaxed
    if relaxed:
        assert found[0].severity is Severity.MEDIUM and f"from {before} to" in found[0].message
        assert verdict(change("kubernetes_namespace", new, before=old)) == (
            "Review before applying: relaxes Pod Security admission on a namespace."
        )


def test_pod_security_on_create_unknown_and_other_kinds() -> None:
    assert only("TFR-K8S-010", change("kubernetes_namespace_v1", namespace({ENFORCE: "privileged"}))) == []
    assert only("TFR-K8S-010", change("kubernetes_namespace_v1", namespace({}), before=namespace({ENFORCE: "restricted"}),
                                      after_unknown={"metadata": [{"labels": True}]})) == []  # fmt: skip
    labels = {
        "api_version": "v1",
        "kind": "Namespace",
        "metadata": [{"name": "payments"}],
        "labels": {ENFORCE: "restricted"},
    }
    relaxed = {**labels, "labels": {ENFORCE: "privileged"}}
    assert only("TFR-K8S-010", change("kubernetes_labels", relaxed, before=labels))
    assert only("TFR-K8S-010", change("kubernetes_labels", {**relaxed, "kind": "ConfigMap"},
                                      before={**labels, "kind": "ConfigMap"})) == []  # fmt: skip


# --- Azure VM user data and custom data (TFR-SEC-003)
SCRIPT = "#!/bin/bash\ncat > /root/.ssh/id_rsa <<'K'\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF0qT9kV1N8d4h6A3rEXAMPLEONLYxx\n-----END RSA PRIVATE KEY-----\nK\n"
VM = {
    "name": "vm",
    "size": "Standard_B2s",
    "admin_username": "azureuser",
    "disable_password_authentication": True,
}


def test_azure_user_data_with_a_key_is_a_secret_in_clear() -> None:
    encoded = base64.b64encode(SCRIPT.encode()).decode()
    vm = change("azurerm_linux_virtual_machine", {**VM, "user_data": encoded})
    [found] = only("TFR-SEC-003", vm)
    assert found.severity is Severity.HIGH and found.introduced
    assert (
        verdict(vm)
        == "Not safe to apply without review: puts a secret in clear text in the user data of a server."
    )
    assert "MIIEowIBAAKCAQEA" not in json.dumps(to_json(review_plan(plan(vm)).result))


def test_azure_custom_data_is_redacted_whole_and_not_read() -> None:
    # The provider marks custom_data sensitive: the plan never shows it and neither does the review.
    encoded = base64.b64encode(SCRIPT.encode()).decode()
    vm = change(
        "azurerm_linux_virtual_machine", {**VM, "custom_data": encoded}, after_sensitive={"custom_data": True}
    )
    result = review_plan(plan(vm)).result
    assert [f for f in result.findings if f.rule_id == "TFR-SEC-003"] == []
    assert encoded not in json.dumps(to_json(result))
    assert only("TFR-SEC-003", change("azurerm_linux_virtual_machine", {**VM, "user_data": None})) == []


# --- more data holders deleted (TFR-CHG-001)
@pytest.mark.parametrize(
    ("rtype", "noun"),
    [
        ("azurerm_recovery_services_vault", "a backup vault"),
        ("azurerm_data_protection_backup_vault", "a backup vault"),
        ("azurerm_cosmosdb_sql_container", "a database"),
        ("azurerm_postgresql_flexible_server_database", "a database"),
        ("azurerm_mysql_flexible_database", "a database"),
        ("azurerm_container_registry", "an image registry"),
        ("azurerm_log_analytics_workspace", "a log workspace"),
        ("azurerm_servicebus_queue", "a queue"),
        ("azurerm_storage_table", "a table"),
        ("google_artifact_registry_repository", "an image registry"),
        ("google_pubsub_subscription", "a queue"),
        ("google_compute_region_disk", "a volume"),
        ("google_logging_project_bucket_config", "a log bucket"),
    ],
)
def test_data_holder_deleted(rtype: str, noun: str) -> None:
    deleted = change(rtype, None, before={"name": "main"})
    [found] = only("TFR-CHG-001", deleted)
    assert found.severity is Severity.HIGH and found.introduced
    assert verdict(deleted) == f"Not safe to apply without review: destroys {noun}."
    assert (
        only("TFR-CHG-001", change(rtype, {"name": "main", "tags": {"a": "b"}}, before={"name": "main"}))
        == []
    )


# --- SQL auditing and threat detection (TFR-AZ-010 deleted, TFR-AZ-021 turned off)
AUDITING = {"server_id": "/x/servers/acme-sql", "enabled": True, "retention_in_days": 90}


@pytest.mark.parametrize(
    ("rtype", "noun"),
    [
        ("azurerm_mssql_server_extended_auditing_policy", "a SQL auditing policy"),
        ("azurerm_mssql_server_security_alert_policy", "a SQL threat detection policy"),
        ("azurerm_mssql_server_vulnerability_assessment", "a SQL vulnerability scan"),
    ],
)
def test_sql_monitoring_deleted(rtype: str, noun: str) -> None:
    deleted = change(rtype, None, before={"server_id": "/x"})
    [found] = only("TFR-AZ-010", deleted)
    assert found.severity is Severity.MEDIUM
    assert verdict(deleted) == f"Review before applying: deletes {noun}."


def test_sql_monitoring_turned_off() -> None:
    off = change(
        "azurerm_mssql_server_extended_auditing_policy", {**AUDITING, "enabled": False}, before=AUDITING
    )
    [found] = only("TFR-AZ-021", off)
    assert found.severity is Severity.MEDIUM and "auditing off (enabled = false)" in found.message
    assert verdict(off) == "Review before applying: turns off SQL auditing or threat detection on a database."
    alert = {"server_name": "acme-sql", "state": "Enabled"}
    [disabled] = only("TFR-AZ-021", change("azurerm_mssql_server_security_alert_policy",
                                           {**alert, "state": "Disabled"}, before=alert))  # fmt: skip
    assert "threat detection off (state = Disabled)" in disabled.message
    longer = change("azurerm_mssql_server_extended_auditing_policy", {**AUDITING, "retention_in_days": 180},
                    before=AUDITING)  # fmt: skip
    assert only("TFR-AZ-021", longer) == []


# --- long-lived credentials (TFR-AZ-020, TFR-GCP-014, TFR-K8S-011)
def test_long_lived_keys_created_not_rotated() -> None:
    key = {"service_account_id": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com"}
    [found] = only(
        "TFR-GCP-014", change("google_service_account_key", key, after_unknown={"private_key": True})
    )
    assert found.severity is Severity.MEDIUM and "for ci@p.iam.gserviceaccount.com" in found.message
    assert (
        verdict(change("google_service_account_key", key))
        == "Review before applying: creates a service account key."
    )
    assert only("TFR-GCP-014", change("google_service_account_key", key, before=key, action="replace")) == []
    hmac = {"service_account_email": "ci@p.iam.gserviceaccount.com", "state": "ACTIVE"}
    assert verdict(change("google_storage_hmac_key", hmac)) == "Review before applying: creates an HMAC key."
    assert only("TFR-GCP-014", change("google_storage_hmac_key", {**hmac, "state": "INACTIVE"})) == []
    secret = {"application_id": "/applications/1", "display_name": "ci", "end_date_relative": "17520h"}
    [client] = only(
        "TFR-AZ-020", change("azuread_application_password", secret, after_unknown={"value": True})
    )
    assert client.severity is Severity.MEDIUM
    assert verdict(change("azuread_service_principal_password", secret)) == (
        "Review before applying: creates a client secret."
    )


def test_service_account_token_secret() -> None:
    token = {
        "metadata": [
            {"name": "ci-token", "annotations": {"kubernetes.io/service-account.name": "ci-deployer"}}
        ],
        "type": "kubernetes.io/service-account-token",
    }
    [found] = only("TFR-K8S-011", change("kubernetes_secret_v1", token, after_unknown={"data": True}))
    assert found.severity is Severity.MEDIUM and "service account ci-deployer" in found.message
    assert verdict(change("kubernetes_secret_v1", token)) == (
        "Review before applying: keeps a service account token that never expires in a secret."
    )
    [kept] = only("TFR-K8S-011", change("kubernetes_secret_v1", token, before=token))
    assert not kept.introduced


# --- dangerous capabilities (TFR-K8S-012) and bindings to every service account (TFR-K8S-013)
def deployment(*added: str) -> dict[str, Any]:
    context = {"privileged": False, "capabilities": [{"add": list(added), "drop": ["ALL"]}]}
    return {
        "spec": [{"template": [{"spec": [{"container": [{"name": "app", "security_context": [context]}]}]}]}]
    }


@pytest.mark.parametrize(
    ("added", "severity"),
    [
        (("SYS_ADMIN",), Severity.HIGH),
        (("CAP_SYS_PTRACE",), Severity.HIGH),
        (("all",), Severity.HIGH),
        (("NET_ADMIN",), Severity.MEDIUM),
        (("NET_BIND_SERVICE", "CHOWN"), None),
    ],
)
def test_capabilities(added: tuple[str, ...], severity: Severity | None) -> None:
    found = only("TFR-K8S-012", change("kubernetes_deployment_v1", deployment(*added)))
    assert (found[0].severity if found else None) is severity
    if severity is Severity.HIGH:
        assert verdict(change("kubernetes_deployment_v1", deployment(*added))) == (
            "Not safe to apply without review: gives containers of a workload dangerous Linux capabilities."
        )
        [kept] = only(
            "TFR-K8S-012", change("kubernetes_deployment_v1", deployment(*added), before=deployment(*added))
        )
        assert not kept.introduced


@pytest.mark.parametrize(("role", "severity"), [("view", Severity.MEDIUM), ("edit", Severity.HIGH)])
def test_role_bound_to_every_service_account(role: str, severity: Severity) -> None:
    binding = {
        "role_ref": [{"kind": "ClusterRole", "name": role}],
        "subject": [
            {"kind": "Group", "name": "system:serviceaccounts", "api_group": "rbac.authorization.k8s.io"}
        ],
    }
    [found] = only("TFR-K8S-013", change("kubernetes_cluster_role_binding_v1", binding))
    assert found.severity is severity and "every pod" in found.message
    assert only("TFR-K8S-005", change("kubernetes_cluster_role_binding_v1", binding)) == []
    assert verdict(change("kubernetes_cluster_role_binding_v1", binding)).endswith(
        "grants a role to every pod of the cluster through a role binding."
    )


@pytest.mark.parametrize(
    ("rtype", "effect"),
    [
        ("azurerm_recovery_services_vault", "the backups in it are lost"),
        ("google_artifact_registry_repository", "every image or package in it is lost"),
        ("azurerm_log_analytics_workspace", "the logs kept in it are lost"),
        ("azurerm_storage_table", "its data is lost unless backed up"),
    ],
)
def test_deleted_store_says_what_it_held(rtype: str, effect: str) -> None:
    [found] = only("TFR-CHG-001", change(rtype, None, before={"name": "main"}))
    assert f"will be destroyed; {effect}" in found.message


# --- key or password sign-in turned back on (TFR-AZ-022)
@pytest.mark.parametrize(
    ("rtype", "before", "after", "credential"),
    [
        ("azurerm_storage_account", {"shared_access_key_enabled": False}, {"shared_access_key_enabled": True},
         "account keys and SAS tokens"),
        ("azurerm_storage_account", {"shared_access_key_enabled": False}, {"shared_access_key_enabled": None},
         "account keys"),
        ("azurerm_cosmosdb_account", {"local_authentication_disabled": True},
         {"local_authentication_disabled": False}, "account keys"),
        ("azurerm_mssql_server", {"azuread_administrator": [{"azuread_authentication_only": True}]},
         {"azuread_administrator": [{"azuread_authentication_only": False}]}, "SQL logins"),
        ("azurerm_postgresql_flexible_server", {"authentication": [{"password_auth_enabled": False}]},
         {"authentication": [{"password_auth_enabled": True}]}, "PostgreSQL logins"),
        ("azurerm_eventhub_namespace", {"local_authentication_enabled": False}, {"local_authentication_enabled": True},
         "SAS tokens"),
        ("azurerm_servicebus_namespace", {"local_auth_enabled": False}, {"local_auth_enabled": True}, "SAS tokens"),
    ],
)  # fmt: skip
def test_local_auth_turned_back_on(
    rtype: str, before: dict[str, Any], after: dict[str, Any], credential: str
) -> None:
    [found] = only("TFR-AZ-022", change(rtype, after, before=before))
    assert found.severity is Severity.MEDIUM and found.introduced and credential in found.message


def test_local_auth_not_turned_on() -> None:
    on, off = {"shared_access_key_enabled": True}, {"shared_access_key_enabled": False}
    assert (
        only("TFR-AZ-022", change("azurerm_storage_account", on)) == []
    )  # the provider's default on a new one
    assert only("TFR-AZ-022", change("azurerm_storage_account", on, before=on)) == []  # already on
    assert only("TFR-AZ-022", change("azurerm_storage_account", off, before=on)) == []  # turned off
    assert (
        only("TFR-AZ-022", change("azurerm_storage_account", on, before={"name": "x"})) == []
    )  # unknown before
    unknown = change("azurerm_storage_account", {"name": "x"}, before=off,
                     after_unknown={"shared_access_key_enabled": True})  # fmt: skip
    assert only("TFR-AZ-022", unknown) == []
    assert verdict(change("azurerm_storage_account", on, before=off)) == (
        "Review before applying: turns key or password sign-in back on for a storage account."
    )


# --- admission control deleted (TFR-K8S-014) and GKE node credentials exposed (TFR-GCP-015)
def test_admission_webhook_deleted() -> None:
    webhook = {"metadata": [{"name": "kyverno-resource-validating-webhook-cfg"}], "webhook": [{"name": "v"}]}
    deleted = change("kubernetes_validating_webhook_configuration_v1", None, before=webhook)
    [found] = only("TFR-K8S-014", deleted)
    assert found.severity is Severity.MEDIUM and "stop being checked" in found.message
    assert verdict(deleted) == "Review before applying: deletes an admission control."
    successor = change("kubernetes_validating_webhook_configuration_v1", webhook, name="next")
    [replaced] = only("TFR-K8S-014", deleted, successor)
    assert replaced.severity is Severity.LOW
    binding = change(
        "kubernetes_validating_admission_policy_binding_v1", None, before={"metadata": [{"name": "b"}]}
    )
    assert only("TFR-K8S-014", binding)


def pool(mode: str | None) -> dict[str, Any]:
    config = [{"mode": mode}] if mode else []
    return {
        "name": "default",
        "node_config": [{"machine_type": "e2-standard-4", "workload_metadata_config": config}],
    }


@pytest.mark.parametrize(
    ("before", "after", "flagged"),
    [
        ("GKE_METADATA", "GCE_METADATA", True),
        ("GKE_METADATA", None, True),
        ("GKE_METADATA", "GKE_METADATA", False),
        ("GCE_METADATA", "GKE_METADATA", False),
        ("GCE_METADATA", "GCE_METADATA", False),  # already exposed: not this plan's doing
    ],
)
def test_node_pool_workload_metadata(before: str, after: str | None, flagged: bool) -> None:
    found = only("TFR-GCP-015", change("google_container_node_pool", pool(after), before=pool(before)))
    assert bool(found) is flagged
    if flagged:
        assert found[0].severity is Severity.MEDIUM and "service account token" in found[0].message
        assert verdict(change("google_container_node_pool", pool(after), before=pool(before))) == (
            "Review before applying: lets pods of a node pool read the node's credentials."
        )


def test_workload_pool_removed_and_unknown() -> None:
    cluster = {"name": "prod", "workload_identity_config": [{"workload_pool": "acme-prod.svc.id.goog"}]}
    [found] = only("TFR-GCP-015", change("google_container_cluster", {**cluster, "workload_identity_config": []},
                                         before=cluster))  # fmt: skip
    assert "acme-prod.svc.id.goog" in found.message
    assert only("TFR-GCP-015", change("google_container_cluster", cluster)) == []
    unknown = change("google_container_node_pool", {"name": "default"}, before=pool("GKE_METADATA"),
                     after_unknown={"node_config": True})  # fmt: skip
    assert only("TFR-GCP-015", unknown) == []
