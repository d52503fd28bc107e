"""Posture cases for AWS service settings that let anyone in or traffic pass unseen (aws_access_settings),
read by the posture and schema meta-tests."""

from __future__ import annotations

from typing import Any

from tests.reviewer.engine.posture_cases import PostureCase

MWAA = {"name": "airflow", "environment_class": "mw1.small"}
NODES = {"cluster_name": "prod", "node_group_name": "ng"}
SECURITY = {"enabled": True, "internal_user_database_enabled": True}
CACHE_USER = {"user_id": "app", "user_name": "app", "engine": "REDIS", "access_string": "on ~* +@all"}


def ssh(*sources: str) -> dict[str, Any]:
    return {**NODES, "remote_access": [{"ec2_ssh_key": "ops", "source_security_group_ids": list(sources)}]}


def parameters(name: str, value: str | None) -> dict[str, Any]:
    return {
        "name": "app",
        "family": "x",
        "parameter": [{"name": name, "value": value, "apply_method": "immediate"}],
    }


ACCESS_CASES: list[PostureCase] = [
    PostureCase(
        "TFR-AWS-MWAA-001",
        "aws_mwaa_environment",
        {**MWAA, "webserver_access_mode": "PUBLIC_ONLY"},
        {**MWAA, "webserver_access_mode": "PRIVATE_ONLY"},
        ({**MWAA, "webserver_access_mode": None}, {"webserver_access_mode": True}),
    ),
    PostureCase(
        "TFR-AWS-EKS-005",
        "aws_eks_node_group",
        ssh(),
        ssh("sg-bastion"),
        (
            {**NODES, "remote_access": [{"ec2_ssh_key": "ops", "source_security_group_ids": None}]},
            {"remote_access": [{"source_security_group_ids": True}]},
        ),
    ),
    PostureCase(
        "TFR-AWS-OS-002",
        "aws_opensearch_domain",
        {"domain_name": "logs", "advanced_security_options": [{**SECURITY, "anonymous_auth_enabled": True}]},
        {"domain_name": "logs", "advanced_security_options": [{**SECURITY, "anonymous_auth_enabled": False}]},
        (
            {
                "domain_name": "logs",
                "advanced_security_options": [{**SECURITY, "anonymous_auth_enabled": None}],
            },
            {"advanced_security_options": [{"anonymous_auth_enabled": True}]},
        ),
    ),
    PostureCase(
        "TFR-AWS-ECACHE-003",
        "aws_elasticache_user",
        {**CACHE_USER, "no_password_required": True},
        {**CACHE_USER, "no_password_required": False, "authentication_mode": [{"type": "iam"}]},
        (
            {**CACHE_USER, "no_password_required": None, "authentication_mode": [{"type": None}]},
            {"no_password_required": True, "authentication_mode": [{"type": True}]},
        ),
    ),
    PostureCase(
        "TFR-AWS-TRANSFER-001",
        "aws_transfer_server",
        {"endpoint_type": "VPC", "protocols": ["SFTP", "FTP"]},
        {"endpoint_type": "VPC", "protocols": ["SFTP", "FTPS"]},
        ({"endpoint_type": "VPC", "protocols": None}, {"protocols": True}),
    ),
    PostureCase(
        "TFR-AWS-S3-015",
        "aws_s3_object",
        {"bucket": "reports", "key": "q3.pdf", "acl": "public-read"},
        {"bucket": "reports", "key": "q3.pdf", "acl": "private"},
        ({"bucket": "reports", "key": "q3.pdf", "acl": None}, {"acl": True}),
    ),
    PostureCase(
        "TFR-AWS-EMR-001",
        "aws_emr_block_public_access_configuration",
        {"block_public_security_group_rules": False},
        {"block_public_security_group_rules": True},
        ({"block_public_security_group_rules": None}, {"block_public_security_group_rules": True}),
    ),
    PostureCase(
        "TFR-AWS-GD-002",
        "aws_guardduty_detector_feature",
        {"detector_id": "d-1", "name": "S3_DATA_EVENTS", "status": "DISABLED"},
        {"detector_id": "d-1", "name": "S3_DATA_EVENTS", "status": "ENABLED"},
        ({"detector_id": "d-1", "name": "S3_DATA_EVENTS", "status": None}, {"status": True}),
    ),
    *[
        PostureCase(
            "TFR-AWS-RDS-006",
            rtype,
            parameters(name, off),
            parameters(name, on),
            (parameters(name, None), {"parameter": [{"value": True}]}),
        )
        for rtype, name, off, on in (
            ("aws_db_parameter_group", "rds.force_ssl", "0", "1"),
            ("aws_rds_cluster_parameter_group", "require_secure_transport", "OFF", "ON"),
            ("aws_docdb_cluster_parameter_group", "tls", "disabled", "enabled"),
        )
    ],
]
