"""Posture cases for the classic risks of issue 13 (one per rule and declared type that reads differently)."""

from __future__ import annotations

import json

from tests.reviewer.engine.posture_cases import PUBLIC_ALL, PostureCase, allow, policy

ADMIN_ARN = "arn:aws:iam::aws:policy/{}"
PUBLIC_STATEMENT = {"Effect": "Allow", "Principal": "*", "Action": "es:ESHttpGet", "Resource": "*"}
NAMED_STATEMENT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::1:root"},
    "Action": "es:*",
    "Resource": "*",
}
OPEN_IP = {"IpAddress": {"aws:SourceIp": ["0.0.0.0/0"]}}
OFFICE_IP = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"


KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db/)"
FAKE_AWS_SECRET = "9drTJvcXLB89EXAMPLEKEYpQt7sLcJbqkQ2xW1zR"


def github_trust(equals: dict[str, str], operator: str = "StringEquals") -> dict[str, object]:
    """A trust statement for GitHub Actions' OIDC provider with these condition values."""
    return {
        "Effect": "Allow",
        "Principal": {
            "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        },
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {operator: equals},
    }


def gcp_policy(*bindings: tuple[str, list[str]]) -> str:
    """A GCP IAM policy's policy_data, as data.google_iam_policy renders it."""
    return json.dumps({"bindings": [{"role": role, "members": members} for role, members in bindings]})


def _tls(rtype: str, path: tuple[str, ...], bad: str, good: str) -> PostureCase:
    def nest(value: object) -> dict[str, object]:
        if len(path) == 1:
            return {path[0]: value}
        return {path[0]: [{path[1]: value}]}

    unknown = {path[0]: True}
    return PostureCase("TFR-AZ-008", rtype, nest(bad), nest(good), ({"name": "x"}, unknown))


CLASSIC_CASES: list[PostureCase] = [
    # --- audit and detection switched off ---
    PostureCase(
        "TFR-AWS-CT-004",
        "aws_cloudtrail",
        {"name": "main", "enable_logging": False},
        {"name": "main", "enable_logging": True},
        ({"name": "main"}, {"enable_logging": True}),
    ),
    PostureCase(
        "TFR-AWS-GD-001",
        "aws_guardduty_detector",
        {"enable": False},
        {"enable": True},
        ({}, {"enable": True}),
    ),
    PostureCase(
        "TFR-AWS-CONFIG-001",
        "aws_config_configuration_recorder_status",
        {"name": "default", "is_enabled": False},
        {"name": "default", "is_enabled": True},
        ({"name": "default"}, {"is_enabled": True}),
    ),
    PostureCase(
        "TFR-AWS-EC2-005",
        "aws_ebs_encryption_by_default",
        {"enabled": False},
        {"enabled": True},
        ({}, {"enabled": True}),
    ),
    *[
        PostureCase(
            rule_id,
            "aws_s3_account_public_access_block",
            {"account_id": "1", flag: False},
            {"account_id": "1", flag: True},
            ({"account_id": "1"}, {flag: True}),
        )
        for rule_id, flag in (
            ("TFR-AWS-S3-003", "block_public_acls"),
            ("TFR-AWS-S3-004", "block_public_policy"),
            ("TFR-AWS-S3-005", "ignore_public_acls"),
            ("TFR-AWS-S3-006", "restrict_public_buckets"),
        )
    ],
    # --- IAM: admin-equivalent managed policies, on every attachment shape ---
    *[
        PostureCase(
            "TFR-AWS-IAM-007",
            rtype,
            {"role": "r", "policy_arn": ADMIN_ARN.format(name)},
            {"role": "r", "policy_arn": ADMIN_ARN.format("ReadOnlyAccess")},
            ({"role": "r"}, {"policy_arn": True}),
        )
        for rtype, name in (
            ("aws_iam_role_policy_attachment", "IAMFullAccess"),
            ("aws_iam_user_policy_attachment", "PowerUserAccess"),
            ("aws_iam_group_policy_attachment", "AWSOrganizationsFullAccess"),
            ("aws_iam_policy_attachment", "AdministratorAccess"),
        )
    ],
    PostureCase(
        "TFR-AWS-IAM-007",
        "aws_iam_role",
        {
            "name": "r",
            "managed_policy_arns": [ADMIN_ARN.format("ReadOnlyAccess"), ADMIN_ARN.format("IAMFullAccess")],
        },
        {"name": "r", "managed_policy_arns": [ADMIN_ARN.format("ReadOnlyAccess")]},
        ({"name": "r"}, {"managed_policy_arns": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-007",
        "aws_iam_role_policy_attachments_exclusive",
        {"role_name": "r", "policy_arns": [ADMIN_ARN.format("AdministratorAccess")]},
        {"role_name": "r", "policy_arns": [ADMIN_ARN.format("ReadOnlyAccess")]},
        ({"role_name": "r"}, {"policy_arns": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-007",
        "aws_ssoadmin_managed_policy_attachment",
        {"managed_policy_arn": "arn:aws:iam::aws:policy/AWSSSOMasterAccountAdministrator"},
        {"managed_policy_arn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
        ({}, {"managed_policy_arn": True}),
    ),
    # --- IAM: inline grants that escalate ---
    PostureCase(
        "TFR-AWS-IAM-004",
        "aws_iam_role_policy",
        {"policy": policy(allow("iam:*"))},
        {"policy": policy(allow("iam:GetRole"))},
        ({"name": "p"}, {"policy": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-004",
        "aws_iam_user_policy",
        {"policy": policy(allow("iam:PassRole"))},
        {"policy": policy(allow("iam:PassRole", "arn:aws:iam::1:role/app"))},
    ),
    PostureCase(
        "TFR-AWS-IAM-005",
        "aws_iam_role",
        {"name": "r", "inline_policy": [{"name": "p", "policy": policy(allow("sts:AssumeRole"))}]},
        {"name": "r", "inline_policy": [{"name": "p", "policy": policy(allow("ecr:GetAuthorizationToken"))}]},
    ),
    # --- resource policies on types whose attribute is not `policy` ---
    *[
        PostureCase(
            "TFR-AWS-IAM-009",
            rtype,
            {attribute: policy(PUBLIC_STATEMENT)},
            {attribute: policy(NAMED_STATEMENT)},
            ({"domain_name": "d"}, {attribute: True}),
        )
        for rtype, attribute in (
            ("aws_opensearch_domain_policy", "access_policies"),
            ("aws_elasticsearch_domain_policy", "access_policies"),
            ("aws_opensearch_domain", "access_policies"),
            ("aws_elasticsearch_domain", "access_policies"),
            ("aws_glacier_vault", "access_policy"),
            ("aws_efs_file_system_policy", "policy"),
        )
    ],
    # An aws:SourceIp of 0.0.0.0/0 restricts nothing; a real office range does.
    PostureCase(
        "TFR-AWS-IAM-009",
        "aws_sqs_queue_policy",
        {"queue_url": "q", "policy": policy({**PUBLIC_STATEMENT, "Action": "sqs:*", "Condition": OPEN_IP})},
        {"queue_url": "q", "policy": policy({**PUBLIC_STATEMENT, "Action": "sqs:*", "Condition": OFFICE_IP})},
    ),
    PostureCase(
        "TFR-AWS-IAM-008",
        "aws_iam_role",
        {
            "name": "r",
            "assume_role_policy": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "sts:AssumeRole",
                    "Condition": OPEN_IP,
                }
            ),
        },
        {
            "name": "r",
            "assume_role_policy": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
                }
            ),
        },
    ),
    # --- Lambda ---
    PostureCase(
        "TFR-AWS-LAMBDA-001",
        "aws_lambda_permission",
        {"action": "lambda:InvokeFunction", "function_name": "f", "principal": "*"},
        {
            "action": "lambda:InvokeFunction",
            "function_name": "f",
            "principal": "*",
            "source_account": "111122223333",
        },
        ({"action": "lambda:InvokeFunction", "function_name": "f", "principal": "*"}, {"source_arn": True}),
    ),
    PostureCase(
        "TFR-AWS-LAMBDA-002",
        "aws_lambda_permission",
        {"action": "lambda:InvokeFunction", "function_name": "f", "principal": "s3.amazonaws.com"},
        {
            "action": "lambda:InvokeFunction",
            "function_name": "f",
            "principal": "s3.amazonaws.com",
            "source_arn": "arn:aws:s3:::uploads",
        },
        (
            {"action": "lambda:InvokeFunction", "function_name": "f", "principal": "s3.amazonaws.com"},
            {"source_arn": True},
        ),
    ),
    PostureCase(
        "TFR-AWS-LAMBDA-003",
        "aws_lambda_function_url",
        {"function_name": "f", "authorization_type": "NONE"},
        {"function_name": "f", "authorization_type": "AWS_IAM"},
        ({"function_name": "f"}, {"authorization_type": True}),
    ),
    PostureCase(
        "TFR-AWS-LAMBDA-004",
        "aws_lambda_layer_version_permission",
        {"layer_name": "l", "version_number": 1, "principal": "*", "organization_id": None},
        {"layer_name": "l", "version_number": 1, "principal": "*", "organization_id": "o-abc123"},
        ({"layer_name": "l", "version_number": 1, "principal": "*"}, {"organization_id": True}),
    ),
    # --- Redshift ---
    PostureCase(
        "TFR-AWS-RS-001",
        "aws_redshift_cluster",
        {"cluster_identifier": "dw", "publicly_accessible": True, "encrypted": True},
        {"cluster_identifier": "dw", "publicly_accessible": False, "encrypted": True},
        ({"cluster_identifier": "dw"}, {"publicly_accessible": True}),
    ),
    PostureCase(
        "TFR-AWS-RS-001",
        "aws_redshiftserverless_workgroup",
        {"workgroup_name": "wg", "publicly_accessible": True},
        {"workgroup_name": "wg", "publicly_accessible": False},
        ({"workgroup_name": "wg"}, {"publicly_accessible": True}),
    ),
    PostureCase(
        "TFR-AWS-RS-002",
        "aws_redshift_cluster",
        {"cluster_identifier": "dw", "publicly_accessible": False, "encrypted": False},
        {"cluster_identifier": "dw", "publicly_accessible": False, "encrypted": True},
        ({"cluster_identifier": "dw"}, {"encrypted": True}),
    ),
    # --- GKE ---
    PostureCase(
        "TFR-GCP-006",
        "google_container_cluster",
        {"name": "c", "enable_legacy_abac": True},
        {"name": "c", "enable_legacy_abac": False},
        ({"name": "c"}, {"enable_legacy_abac": True}),
    ),
    PostureCase(
        "TFR-GCP-007",
        "google_container_cluster",
        {"name": "c", "master_auth": [{"client_certificate_config": [{"issue_client_certificate": True}]}]},
        {"name": "c", "master_auth": [{"client_certificate_config": [{"issue_client_certificate": False}]}]},
        ({"name": "c", "master_auth": [{}]}, {"master_auth": [{"client_certificate_config": True}]}),
    ),
    # --- Azure: TLS below 1.2, password login ---
    _tls("azurerm_storage_account", ("min_tls_version",), "TLS1_0", "TLS1_2"),
    _tls("azurerm_mssql_server", ("minimum_tls_version",), "1.1", "1.2"),
    _tls("azurerm_redis_cache", ("minimum_tls_version",), "1.0", "1.2"),
    _tls("azurerm_linux_web_app", ("site_config", "minimum_tls_version"), "1.0", "1.2"),
    _tls("azurerm_app_service", ("site_config", "min_tls_version"), "1.1", "1.2"),
    _tls(
        "azurerm_postgresql_server", ("ssl_minimal_tls_version_enforced",), "TLSEnforcementDisabled", "TLS1_2"
    ),
    *[
        PostureCase(
            "TFR-AZ-009",
            rtype,
            {"name": "vm", "disable_password_authentication": False},
            {"name": "vm", "disable_password_authentication": True},
            ({"name": "vm"}, {"disable_password_authentication": True}),
        )
        for rtype in ("azurerm_linux_virtual_machine", "azurerm_linux_virtual_machine_scale_set")
    ],
    PostureCase(
        "TFR-AZ-009",
        "azurerm_virtual_machine",
        {"name": "vm", "os_profile_linux_config": [{"disable_password_authentication": False}]},
        {"name": "vm", "os_profile_linux_config": [{"disable_password_authentication": True}]},
        ({"name": "vm"}, {"os_profile_linux_config": True}),
    ),
    # --- attributes per type as the provider schema names them ---
    PostureCase(
        "TFR-AWS-EC2-002",
        "aws_launch_configuration",
        {"name": "lc", "ebs_block_device": [{"device_name": "/dev/sdb", "encrypted": False}]},
        {"name": "lc", "ebs_block_device": [{"device_name": "/dev/sdb", "encrypted": True}]},
    ),
    PostureCase(
        "TFR-AWS-EC2-004",
        "aws_launch_template",
        {"name": "lt", "network_interfaces": [{"associate_public_ip_address": "true"}]},
        {"name": "lt", "network_interfaces": [{"associate_public_ip_address": "false"}]},
        (
            {"name": "lt", "network_interfaces": [{}]},
            {"network_interfaces": [{"associate_public_ip_address": True}]},
        ),
    ),
    PostureCase(
        "TFR-AWS-S3-001",
        "aws_s3_bucket",
        {"bucket": "b", "grant": [{"type": "Group", "uri": PUBLIC_ALL, "permissions": ["READ"]}]},
        {"bucket": "b", "grant": [{"type": "CanonicalUser", "id": "abc", "permissions": ["FULL_CONTROL"]}]},
    ),
    PostureCase(
        "TFR-AWS-S3-002",
        "aws_s3_bucket_acl",
        {
            "bucket": "b",
            "access_control_policy": [
                {"grant": [{"permission": "WRITE", "grantee": [{"type": "Group", "uri": PUBLIC_ALL}]}]}
            ],
        },
        {"bucket": "b", "acl": "private"},
    ),
    # --- Azure and GCP: privileged roles, public serverless endpoints ---
    PostureCase(
        "TFR-AZ-011",
        "azurerm_role_assignment",
        {"scope": SUBSCRIPTION, "role_definition_name": "Owner", "principal_id": "p"},
        {"scope": SUBSCRIPTION, "role_definition_name": "Reader", "principal_id": "p"},
        (
            {"scope": SUBSCRIPTION, "principal_id": "p"},
            {"role_definition_name": True, "role_definition_id": True},
        ),
    ),
    PostureCase(
        "TFR-AZ-011",
        "azurerm_role_assignment",
        {
            "scope": SUBSCRIPTION,
            "role_definition_id": f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
            "18d7d88d-d35e-4fb5-a5c3-7773c6a72a3f",
            "principal_id": "p",
        },
        {
            "scope": SUBSCRIPTION,
            "role_definition_id": f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "principal_id": "p",
        },
    ),
    *[
        PostureCase(
            "TFR-GCP-009",
            rtype,
            {"project": "p", "role": "roles/owner", member_key: member},
            {"project": "p", "role": "roles/viewer", member_key: member},
            ({"project": "p", member_key: member}, {"role": True}),
        )
        for rtype, member_key, member in (
            ("google_project_iam_member", "member", "user:a@example.com"),
            ("google_organization_iam_binding", "members", ["group:ops@example.com"]),
        )
    ],
    PostureCase(
        "TFR-GCP-001",
        "google_cloud_run_v2_service_iam_member",
        {"name": "api", "role": "roles/run.invoker", "member": "allUsers"},
        {
            "name": "api",
            "role": "roles/run.invoker",
            "member": "serviceAccount:caller@p.iam.gserviceaccount.com",
        },
        ({"name": "api", "role": "roles/run.invoker"}, {"member": True}),
    ),
    # --- TLS below 1.2 across AWS and GCP; AKS counterparts of GKE legacy ABAC and client certificates ---
    *[
        PostureCase(
            "TFR-AWS-TLS-001",
            rtype,
            {"protocol": "HTTPS", "port": 443, "ssl_policy": "ELBSecurityPolicy-TLS-1-1-2017-01"},
            {"protocol": "HTTPS", "port": 443, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
            ({"protocol": "HTTPS", "port": 443}, {"ssl_policy": True}),
        )
        for rtype in ("aws_lb_listener", "aws_alb_listener")
    ],
    PostureCase(
        "TFR-AWS-TLS-001",
        "aws_cloudfront_distribution",
        {
            "enabled": True,
            "viewer_certificate": [{"acm_certificate_arn": "arn:c", "minimum_protocol_version": "TLSv1"}],
        },
        {
            "enabled": True,
            "viewer_certificate": [
                {"acm_certificate_arn": "arn:c", "minimum_protocol_version": "TLSv1.2_2021"}
            ],
        },
        (
            {"enabled": True, "viewer_certificate": [{"acm_certificate_arn": "arn:c"}]},
            {"viewer_certificate": [{"minimum_protocol_version": True}]},
        ),
    ),
    *[
        PostureCase(
            "TFR-AWS-TLS-001",
            rtype,
            {
                "domain_name": "d",
                "domain_endpoint_options": [{"tls_security_policy": "Policy-Min-TLS-1-0-2019-07"}],
            },
            {
                "domain_name": "d",
                "domain_endpoint_options": [{"tls_security_policy": "Policy-Min-TLS-1-2-2019-07"}],
            },
            ({"domain_name": "d"}, {"domain_endpoint_options": True}),
        )
        for rtype in ("aws_opensearch_domain", "aws_elasticsearch_domain")
    ],
    PostureCase(
        "TFR-GCP-010",
        "google_compute_ssl_policy",
        {"name": "p", "min_tls_version": "TLS_1_0"},
        {"name": "p", "min_tls_version": "TLS_1_2"},
        ({"name": "p"}, {"min_tls_version": True}),
    ),
    PostureCase(
        "TFR-GCP-010",
        "google_sql_database_instance",
        {
            "settings": [
                {"ip_configuration": [{"ipv4_enabled": True, "ssl_mode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}]}
            ]
        },
        {"settings": [{"ip_configuration": [{"ipv4_enabled": True, "ssl_mode": "ENCRYPTED_ONLY"}]}]},
        (
            {"settings": [{"ip_configuration": [{"ipv4_enabled": True}]}]},
            {"settings": [{"ip_configuration": [{"ssl_mode": True}]}]},
        ),
    ),
    PostureCase(
        "TFR-AZ-012",
        "azurerm_kubernetes_cluster",
        {"name": "k", "role_based_access_control_enabled": False},
        {"name": "k", "role_based_access_control_enabled": True},
        ({"name": "k"}, {"role_based_access_control_enabled": True}),
    ),
    PostureCase(
        "TFR-AZ-013",
        "azurerm_kubernetes_cluster",
        {"name": "k", "local_account_disabled": False},
        {"name": "k", "local_account_disabled": True},
        ({"name": "k"}, {"local_account_disabled": True}),
    ),
    # --- an authorized range of 0.0.0.0/0 limits nothing: a public control plane open to every address ---
    PostureCase(
        "TFR-AZ-006",
        "azurerm_kubernetes_cluster",
        {
            "private_cluster_enabled": False,
            "api_server_access_profile": [{"authorized_ip_ranges": ["0.0.0.0/0"]}],
        },
        {
            "private_cluster_enabled": False,
            "api_server_access_profile": [{"authorized_ip_ranges": ["10.0.0.0/8"]}],
        },
        ({"private_cluster_enabled": False}, {"api_server_access_profile": True}),
    ),
    PostureCase(
        "TFR-GCP-004",
        "google_container_cluster",
        {
            "private_cluster_config": [{"enable_private_endpoint": False}],
            "master_authorized_networks_config": [{"cidr_blocks": [{"cidr_block": "0.0.0.0/0"}]}],
        },
        {
            "private_cluster_config": [{"enable_private_endpoint": False}],
            "master_authorized_networks_config": [{"cidr_blocks": [{"cidr_block": "10.0.0.0/8"}]}],
        },
        (
            {"private_cluster_config": [{"enable_private_endpoint": False}]},
            {"master_authorized_networks_config": True},
        ),
    ),
    # --- a database port from the internet is as risky on Azure and GCP as on AWS (TFR-AWS-NET-005) ---
    PostureCase(
        "TFR-AZ-003",
        "azurerm_network_security_rule",
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "*",
            "destination_port_range": "1433",
        },
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "*",
            "destination_port_range": "443",
        },
        (
            {
                "direction": "Inbound",
                "access": "Allow",
                "source_address_prefix": "*",
                "destination_port_range": "1433",
            },
            {"protocol": True},
        ),
    ),
    PostureCase(
        "TFR-GCP-002",
        "google_compute_firewall",
        {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["5432", "6379"]}]},
        {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["443"]}]},
        ({"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]}, {"allow": [{"ports": True}]}),
    ),
    # --- whole-policy IAM resources hold their grants in policy_data (JSON from data.google_iam_policy) ---
    PostureCase(
        "TFR-GCP-001",
        "google_storage_bucket_iam_policy",
        {"bucket": "b", "policy_data": gcp_policy(("roles/storage.objectViewer", ["allUsers"]))},
        {"bucket": "b", "policy_data": gcp_policy(("roles/storage.objectViewer", ["group:eng@example.com"]))},
        ({"bucket": "b"}, {"policy_data": True}),
    ),
    PostureCase(
        "TFR-GCP-009",
        "google_project_iam_policy",
        {"project": "p", "policy_data": gcp_policy(("roles/owner", ["user:a@example.com"]))},
        {"project": "p", "policy_data": gcp_policy(("roles/viewer", ["user:a@example.com"]))},
        ({"project": "p"}, {"policy_data": True}),
    ),
    # --- a role trusting GitHub Actions with no condition on the repository: every GitHub user can assume it ---
    PostureCase(
        "TFR-AWS-IAM-008",
        "aws_iam_role",
        {
            "name": "ci",
            "assume_role_policy": policy(
                github_trust({"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"})
            ),
        },
        {
            "name": "ci",
            "assume_role_policy": policy(
                github_trust(
                    {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main",
                    }
                )
            ),
        },
        ({"name": "ci"}, {"assume_role_policy": True}),
    ),
    # --- images, snapshots and documents shared with "all" are public ---
    PostureCase(
        "TFR-AWS-SHARE-001",
        "aws_ami_launch_permission",
        {"image_id": "ami-1", "group": "all", "account_id": None},
        {"image_id": "ami-1", "group": None, "account_id": "123456789012"},
        ({"image_id": "ami-1", "account_id": None}, {"group": True}),
    ),
    *[
        PostureCase(
            "TFR-AWS-SHARE-001",
            rtype,
            {"db_snapshot_identifier": "s", "shared_accounts": ["all"]},
            {"db_snapshot_identifier": "s", "shared_accounts": ["123456789012"]},
            ({"db_snapshot_identifier": "s"}, {"shared_accounts": True}),
        )
        for rtype in ("aws_db_snapshot", "aws_db_cluster_snapshot")
    ],
    PostureCase(
        "TFR-AWS-SHARE-001",
        "aws_ssm_document",
        {"name": "d", "permissions": {"type": "Share", "account_ids": "All"}},
        {"name": "d", "permissions": {"type": "Share", "account_ids": "123456789012,210987654321"}},
        ({"name": "d"}, {"permissions": True}),
    ),
    # --- legacy Cloud Storage ACLs: a predefined public ACL or an allUsers entry ---
    PostureCase(
        "TFR-GCP-001",
        "google_storage_bucket_acl",
        {"bucket": "b", "predefined_acl": "publicRead", "role_entity": None},
        {"bucket": "b", "predefined_acl": "projectPrivate", "role_entity": None},
        ({"bucket": "b", "role_entity": None}, {"predefined_acl": True}),
    ),
    PostureCase(
        "TFR-GCP-001",
        "google_storage_object_acl",
        {"bucket": "b", "object": "o", "role_entity": ["OWNER:project-owners-1", "READER:allUsers"]},
        {
            "bucket": "b",
            "object": "o",
            "role_entity": ["OWNER:project-owners-1", "READER:group-eng@example.com"],
        },
        ({"bucket": "b", "object": "o"}, {"role_entity": True}),
    ),
    # --- a wide port range from the internet (no known risky service in it) is MEDIUM on every cloud ---
    PostureCase(
        "TFR-AZ-014",
        "azurerm_network_security_rule",
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "Internet",
            "destination_port_range": "8000-9000",
        },
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "Internet",
            "destination_port_range": "8080",
        },
        (
            {"direction": "Inbound", "access": "Allow", "source_address_prefix": "*", "protocol": "Tcp"},
            {"destination_port_range": True},
        ),
    ),
    PostureCase(
        "TFR-GCP-011",
        "google_compute_firewall",
        {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["30000-32767"]}]},
        {"source_ranges": ["10.0.0.0/8"], "allow": [{"protocol": "tcp", "ports": ["30000-32767"]}]},
        ({"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]}, {"allow": [{"ports": True}]}),
    ),
    # --- a secret in an SSM parameter that is not a SecureString ---
    PostureCase(
        "TFR-SEC-006",
        "aws_ssm_parameter",
        {"name": "/prod/db/password", "type": "String", "value": "x"},
        {"name": "/prod/db/password", "type": "SecureString", "value": "x"},
        ({"name": "/prod/db/password", "value": "x"}, {"type": True}),
    ),
    PostureCase(
        "TFR-SEC-006",
        "aws_ssm_parameter",
        {"name": "/prod/api_token", "type": "StringList", "value": "x"},
        {"name": "/prod/api_endpoint", "type": "StringList", "value": "x"},
        ({"type": "StringList", "value": "x"}, {"name": True}),
    ),
    # --- a Defender for Cloud plan moved to the Free tier: threat detection off for that resource type ---
    PostureCase(
        "TFR-AZ-015",
        "azurerm_security_center_subscription_pricing",
        {"tier": "Free", "resource_type": "VirtualMachines"},
        {"tier": "Standard", "resource_type": "VirtualMachines"},
        ({"resource_type": "VirtualMachines"}, {"tier": True}),
    ),
    # --- secrets in clear outside AWS: app settings, container env, GCE startup scripts ---
    PostureCase(
        "TFR-SEC-007",
        "azurerm_linux_web_app",
        {"name": "app", "app_settings": {"DB_HOST": "db", "DB_PASSWORD": "S3cr3t-Pa55w0rd-2024!"}},
        {"name": "app", "app_settings": {"DB_HOST": "db", "DB_PASSWORD": KEY_VAULT_REFERENCE}},
        ({"name": "app", "app_settings": {"DB_PASSWORD": None}}, {"app_settings": {"DB_PASSWORD": True}}),
    ),
    PostureCase(
        "TFR-SEC-007",
        "google_cloud_run_v2_service",
        {
            "name": "api",
            "template": [{"containers": [{"env": [{"name": "API_TOKEN", "value": "tok-9f8e7d6c5b4a"}]}]}],
        },
        {"name": "api", "template": [{"containers": [{"env": [{"name": "API_TOKEN", "value": None}]}]}]},
        (
            {"name": "api", "template": [{"containers": [{"env": [{"name": "API_TOKEN"}]}]}]},
            {"template": [{"containers": [{"env": [{"value": True}]}]}]},
        ),
    ),
    PostureCase(
        "TFR-SEC-007",
        "kubernetes_deployment",
        {
            "spec": [
                {
                    "template": [
                        {"spec": [{"container": [{"env": [{"name": "DB_PASSWORD", "value": "hunter2-x"}]}]}]}
                    ]
                }
            ]
        },
        {
            "spec": [
                {
                    "template": [
                        {"spec": [{"container": [{"env": [{"name": "DB_HOST", "value": "db.internal"}]}]}]}
                    ]
                }
            ]
        },
        (
            {"spec": [{"template": [{"spec": [{"container": [{"env": [{"name": "DB_PASSWORD"}]}]}]}]}]},
            {"spec": [{"template": [{"spec": [{"container": [{"env": [{"value": True}]}]}]}]}]},
        ),
    ),
    PostureCase(
        "TFR-SEC-007",
        "google_cloudfunctions2_function",
        {
            "name": "f",
            "service_config": [{"environment_variables": {"STRIPE_API_KEY": "sk-live-abcdef123456"}}],
        },
        {"name": "f", "service_config": [{"environment_variables": {"STRIPE_MODE": "live"}}]},
        ({"name": "f"}, {"service_config": True}),
    ),
    PostureCase(
        "TFR-SEC-003",
        "google_compute_instance",
        {"name": "vm", "metadata": {"startup-script": f"export AWS_SECRET_ACCESS_KEY={FAKE_AWS_SECRET}"}},
        {"name": "vm", "metadata": {"startup-script": "apt-get install -y nginx"}},
        ({"name": "vm"}, {"metadata": True}),
    ),
    # --- public brokers and replication instances; Azure custom roles allowing "*" ---
    *[
        PostureCase(
            "TFR-AWS-NET-012",
            rtype,
            {"publicly_accessible": True},
            {"publicly_accessible": False},
            ({}, {"publicly_accessible": True}),
        )
        for rtype in ("aws_mq_broker", "aws_dms_replication_instance")
    ],
    PostureCase(
        "TFR-AZ-016",
        "azurerm_role_definition",
        {"name": "super", "permissions": [{"actions": ["*"], "not_actions": []}]},
        {"name": "super", "permissions": [{"actions": ["Microsoft.Compute/*/read"], "not_actions": []}]},
        ({"name": "super"}, {"permissions": True}),
    ),
]
