"""Posture and change cases of the Azure, GCP and Kubernetes rules added with the third probe batch."""

from __future__ import annotations

from typing import Any

from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.posture_cases import PostureCase

SQL_SERVER = {"name": "acme-sql", "version": "12.0", "public_network_access_enabled": False}
REGISTRY = {"name": "acmeacr", "sku": "Premium", "admin_enabled": False, "anonymous_pull_enabled": False}
REDIS = {"name": "acme-cache", "sku_name": "Standard", "non_ssl_port_enabled": False}

POSTURE_CASES: list[PostureCase] = [
    PostureCase(
        "TFR-AZ-017",
        "azurerm_key_vault",
        {
            "name": "kv",
            "public_network_access_enabled": True,
            "network_acls": [{"default_action": "Allow", "bypass": "AzureServices", "ip_rules": []}],
        },
        {
            "name": "kv",
            "public_network_access_enabled": True,
            "network_acls": [
                {"default_action": "Deny", "bypass": "AzureServices", "ip_rules": ["203.0.113.0/24"]}
            ],
        },
        (
            {
                "name": "kv",
                "public_network_access_enabled": True,
                "network_acls": [{"bypass": "AzureServices"}],
            },
            {"network_acls": [{"default_action": True}]},
        ),
    ),
    PostureCase(
        "TFR-AZ-018",
        "azurerm_container_registry",
        {**REGISTRY, "admin_enabled": True},
        REGISTRY,
        ({"name": "acmeacr"}, {"admin_enabled": True, "anonymous_pull_enabled": True}),
    ),
    PostureCase(
        "TFR-AZ-019",
        "azurerm_redis_cache",
        {**REDIS, "non_ssl_port_enabled": True},
        REDIS,
        ({"name": "acme-cache"}, {"non_ssl_port_enabled": True}),
    ),
]

AUDITING = {"server_id": "/x/servers/acme-sql", "enabled": True, "retention_in_days": 90}
SA_KEY = {
    "service_account_id": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com",
    "key_algorithm": "RSA",
}
TOKEN = {"metadata": [{"name": "ci-token", "annotations": {"kubernetes.io/service-account.name": "ci"}}]}
BINDING = {"role_ref": [{"kind": "ClusterRole", "name": "view"}]}


def workload(*added: str) -> dict[str, Any]:
    context = {"privileged": False, "capabilities": [{"add": list(added), "drop": ["ALL"]}]}
    spec = {"container": [{"name": "app", "security_context": [context]}]}
    return {"metadata": [{"name": "app"}], "spec": [{"template": [{"spec": [spec]}]}]}


POSTURE_CASES += [
    PostureCase(
        "TFR-AZ-021",
        "azurerm_mssql_server_extended_auditing_policy",
        {**AUDITING, "enabled": False},
        AUDITING,
        ({"server_id": "/x"}, {"enabled": True}),
    ),
    PostureCase(
        "TFR-K8S-011",
        "kubernetes_secret_v1",
        {**TOKEN, "type": "kubernetes.io/service-account-token"},
        {**TOKEN, "type": "Opaque"},
        (TOKEN, {"type": True}),
    ),
    PostureCase(
        "TFR-K8S-012",
        "kubernetes_deployment_v1",
        workload("SYS_ADMIN"),
        workload("NET_BIND_SERVICE"),
    ),
    PostureCase(
        "TFR-K8S-013",
        "kubernetes_cluster_role_binding_v1",
        {**BINDING, "subject": [{"kind": "Group", "name": "system:serviceaccounts"}]},
        {**BINDING, "subject": [{"kind": "Group", "name": "dev-team"}]},
        (BINDING, {"subject": True}),
    ),
]

PROJECT_SERVICE = {"project": "acme-prod", "service": "sqladmin.googleapis.com", "disable_on_destroy": True}
BUCKET = {"name": "acme-data", "public_access_prevention": "enforced"}
GKE = {"name": "prod", "min_master_version": "1.29", "node_version": "1.29.8-gke.1031000"}
NETWORK_POLICY = {
    "metadata": [{"name": "default-deny", "namespace": "payments"}],
    "spec": [{"policy_types": ["Ingress"]}],
}


def namespace(labels: dict[str, str]) -> dict[str, Any]:
    return {"metadata": [{"name": "payments", "labels": labels}]}


ENFORCE = "pod-security.kubernetes.io/enforce"

# (rule id, plan that must fire it, plan that must not)
CHANGE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "TFR-GCP-012",
        plan(
            change(
                "google_storage_bucket", {**BUCKET, "public_access_prevention": "inherited"}, before=BUCKET
            )
        ),
        plan(change("google_storage_bucket", {**BUCKET, "public_access_prevention": "inherited"})),
    ),
    (
        "TFR-GCP-013",
        plan(change("google_project_service", None, before=PROJECT_SERVICE)),
        plan(change("google_project_service", None, before={**PROJECT_SERVICE, "disable_on_destroy": False})),
    ),
    (
        "TFR-CHG-021",
        plan(change("google_container_cluster", {**GKE, "min_master_version": "1.30"}, before=GKE)),
        plan(change("google_container_cluster", {**GKE, "node_version": "1.29.9-gke.1038000"}, before=GKE)),
    ),
    (
        "TFR-K8S-009",
        plan(change("kubernetes_network_policy_v1", None, before=NETWORK_POLICY)),
        plan(change("kubernetes_network_policy_v1", NETWORK_POLICY)),
    ),
    (
        "TFR-K8S-010",
        plan(
            change(
                "kubernetes_namespace_v1",
                namespace({ENFORCE: "privileged"}),
                before=namespace({ENFORCE: "restricted"}),
            )
        ),
        plan(
            change(
                "kubernetes_namespace_v1",
                namespace({ENFORCE: "restricted"}),
                before=namespace({ENFORCE: "baseline"}),
            )
        ),
    ),
]
CHANGE_CASES += [
    (
        "TFR-AZ-020",
        plan(
            change(
                "azuread_application_password", {"application_id": "/applications/1", "display_name": "ci"}
            )
        ),
        plan(
            change(
                "azuread_application_password",
                {"application_id": "/applications/1", "display_name": "ci"},
                before={"application_id": "/applications/1", "display_name": "ci-old"},
                action="replace",
            )
        ),
    ),
    (
        "TFR-GCP-014",
        plan(change("google_service_account_key", SA_KEY)),
        plan(
            change(
                "google_storage_hmac_key",
                {"service_account_email": "ci@p.iam.gserviceaccount.com", "state": "INACTIVE"},
            )
        ),
    ),
]
CHANGE_CASES.append(
    (
        "TFR-AZ-022",
        plan(
            change(
                "azurerm_storage_account",
                {"name": "acmesa", "shared_access_key_enabled": True},
                before={"name": "acmesa", "shared_access_key_enabled": False},
            )
        ),
        plan(change("azurerm_storage_account", {"name": "acmesa", "shared_access_key_enabled": True})),
    )
)
WEBHOOK = {"metadata": [{"name": "gatekeeper-validating-webhook-configuration"}], "webhook": [{"name": "v"}]}


def node_pool(mode: str) -> dict[str, Any]:
    return {"name": "default", "node_config": [{"workload_metadata_config": [{"mode": mode}]}]}


CHANGE_CASES += [
    (
        "TFR-K8S-014",
        plan(change("kubernetes_validating_webhook_configuration_v1", None, before=WEBHOOK)),
        plan(change("kubernetes_validating_webhook_configuration_v1", WEBHOOK)),
    ),
    (
        "TFR-GCP-015",
        plan(
            change("google_container_node_pool", node_pool("GCE_METADATA"), before=node_pool("GKE_METADATA"))
        ),
        plan(
            change("google_container_node_pool", node_pool("GKE_METADATA"), before=node_pool("GCE_METADATA"))
        ),
    ),
]
