"""One positive, one negative and (where it applies) one unknown-value case per posture rule."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from tests.reviewer.engine.plans import change


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def sg(
    ingress: list[dict[str, Any]] | None = None, egress: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"name": "web", "ingress": ingress or [], "egress": egress or []}


def rule(
    port: int, cidr: str = "0.0.0.0/0", to_port: int | None = None, protocol: str = "tcp"
) -> dict[str, Any]:
    return {
        "from_port": port,
        "to_port": port if to_port is None else to_port,
        "protocol": protocol,
        "cidr_blocks": [cidr] if ":" not in cidr else [],
        "ipv6_cidr_blocks": [cidr] if ":" in cidr else [],
    }


@dataclass
class PostureCase:
    rule_id: str
    rtype: str
    bad: dict[str, Any]
    good: dict[str, Any]
    unknown: tuple[dict[str, Any], dict[str, Any]] | None = None
    good_extra: list[dict[str, Any]] = field(default_factory=list)
    # False when "good" only differs by a companion resource, so before=good cannot show "introduced".
    compare_before: bool = True

    @property
    def name(self) -> str:
        return f"{self.rule_id}:{self.rtype}"


PUBLIC_ALL = "http://acs.amazonaws.com/groups/global/AllUsers"
OPEN_WORLD_SQL = {"start_ip_address": "0.0.0.0", "end_ip_address": "255.255.255.255"}
K8S_SPEC = {
    "spec": [
        {
            "template": [
                {
                    "spec": [
                        {
                            "host_network": False,
                            "container": [{"name": "app", "security_context": [{"privileged": False}]}],
                        }
                    ]
                }
            ]
        }
    ]
}


def k8s(flag: str, where: str = "container") -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(json.dumps(K8S_SPEC))
    pod = spec["spec"][0]["template"][0]["spec"][0]
    if where == "pod":
        pod[flag] = True
    else:
        pod["container"][0]["security_context"][0][flag] = True
    return spec


SEARCH_SAFE = {"encrypt_at_rest": [{"enabled": True}]}
SEARCH_SAFE_REST = {
    "node_to_node_encryption": [{"enabled": True}],
    "domain_endpoint_options": [{"enforce_https": True}],
}


def kafka(client_broker: str | None, in_cluster: bool) -> dict[str, Any]:
    """An MSK cluster with these in-transit encryption settings."""
    transit = {"client_broker": client_broker, "in_cluster": in_cluster}
    return {"cluster_name": "events", "encryption_info": [{"encryption_in_transit": [transit]}]}


def binding(role: str, kind: str, name: str) -> dict[str, Any]:
    """A (cluster) role binding of `role` to one subject."""
    return {
        "metadata": [{"name": "b"}],
        "role_ref": [{"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}],
        "subject": [{"kind": kind, "name": name, "namespace": "default", "api_group": ""}],
    }


def with_volume(volume: dict[str, Any]) -> dict[str, Any]:
    """A deployment whose pod has this volume."""
    spec: dict[str, Any] = json.loads(json.dumps(K8S_SPEC))
    spec["spec"][0]["template"][0]["spec"][0]["volume"] = [volume]
    return spec


def lb_service(port: int, ranges: list[str] | None) -> dict[str, Any]:
    """A LoadBalancer service on one TCP port, with these source ranges."""
    return {
        "metadata": [{"name": "svc", "annotations": {}}],
        "spec": [
            {
                "type": "LoadBalancer",
                "port": [{"port": port, "protocol": "TCP"}],
                "load_balancer_source_ranges": ranges,
            }
        ],
    }


BUCKET = {
    "bucket": "data",
    "acl": "private",
    "server_side_encryption_configuration": [
        {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}
    ],
    "versioning": [{"enabled": True}],
    "logging": [{"target_bucket": "logs"}],
}
PAB = {
    "bucket": "data",
    **{
        f: True
        for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    },
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


CASES: list[PostureCase] = [
    # --- IAM ---
    PostureCase(
        "TFR-AWS-IAM-001",
        "aws_iam_policy",
        {"policy": policy(allow("*"))},
        {"policy": policy(allow("s3:GetObject", "arn:aws:s3:::b/*"))},
        ({"name": "p"}, {"policy": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-001",
        "aws_iam_role",
        {"inline_policy": [{"name": "i", "policy": policy(allow("*:*"))}]},
        {"inline_policy": []},
    ),
    PostureCase(
        "TFR-AWS-IAM-002",
        "aws_iam_role_policy",
        {"policy": policy(allow("*", "arn:aws:s3:::b"))},
        {"policy": policy(allow("s3:ListBucket", "arn:aws:s3:::b"))},
        ({}, {"policy": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-003",
        "aws_iam_user_policy",
        {"policy": policy(allow(["s3:*"]))},
        {"policy": policy(allow(["s3:*"], "arn:aws:s3:::b/*"))},
    ),
    PostureCase(
        "TFR-AWS-IAM-004",
        "aws_iam_policy",
        {"policy": policy(allow(["iam:PassRole", "ec2:RunInstances"]))},
        {"policy": policy(allow(["iam:PassRole"], "arn:aws:iam::1:role/app"))},
    ),
    PostureCase(
        "TFR-AWS-IAM-005",
        "aws_iam_group_policy",
        {"policy": policy(allow("sts:AssumeRole"))},
        {"policy": policy(allow("sts:AssumeRole", "arn:aws:iam::1:role/x"))},
    ),
    PostureCase(
        "TFR-AWS-IAM-006",
        "aws_iam_policy",
        {"policy": policy(allow("secretsmanager:GetSecretValue"))},
        {
            "policy": policy(
                allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:1:secret:x")
            )
        },
    ),
    PostureCase(
        "TFR-AWS-IAM-007",
        "aws_iam_role_policy_attachment",
        {"role": "r", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        {"role": "r", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        ({"role": "r"}, {"policy_arn": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-008",
        "aws_iam_role",
        {
            "assume_role_policy": policy(
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            )
        },
        {
            "assume_role_policy": policy(
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            )
        },
        ({}, {"assume_role_policy": True}),
    ),
    PostureCase(
        "TFR-AWS-IAM-009",
        "aws_s3_bucket_policy",
        {
            "bucket": "b",
            "policy": policy(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
            ),
        },
        {
            "bucket": "b",
            "policy": policy(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
                }
            ),
        },
    ),
    PostureCase(
        "TFR-AWS-KMS-002",
        "aws_kms_key",
        {
            "enable_key_rotation": True,
            "policy": policy(
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}
            ),
        },
        {
            "enable_key_rotation": True,
            "policy": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::1:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        },
        ({"enable_key_rotation": True}, {"policy": True}),
    ),
    # --- S3 ---
    PostureCase(
        "TFR-AWS-S3-001",
        "aws_s3_bucket_acl",
        {"bucket": "b", "acl": "public-read"},
        {"bucket": "b", "acl": "private"},
        ({"bucket": "b"}, {"acl": True}),
    ),
    PostureCase(
        "TFR-AWS-S3-001",
        "aws_s3_bucket_acl",
        {
            "bucket": "b",
            "access_control_policy": [
                {"grant": [{"permission": "READ", "grantee": [{"type": "Group", "uri": PUBLIC_ALL}]}]}
            ],
        },
        {
            "bucket": "b",
            "access_control_policy": [
                {"grant": [{"permission": "READ", "grantee": [{"type": "CanonicalUser", "id": "abc"}]}]}
            ],
        },
    ),
    PostureCase(
        "TFR-AWS-S3-002",
        "aws_s3_bucket",
        with_(BUCKET, acl="public-read-write"),
        BUCKET,
        (with_(BUCKET, acl=None), {"acl": True}),
    ),
    PostureCase(
        "TFR-AWS-S3-003",
        "aws_s3_bucket_public_access_block",
        with_(PAB, block_public_acls=False),
        PAB,
        (with_(PAB, block_public_acls=None), {"block_public_acls": True}),
    ),
    PostureCase(
        "TFR-AWS-S3-004", "aws_s3_bucket_public_access_block", with_(PAB, block_public_policy=False), PAB
    ),
    PostureCase(
        "TFR-AWS-S3-005", "aws_s3_account_public_access_block", with_(PAB, ignore_public_acls=False), PAB
    ),
    PostureCase(
        "TFR-AWS-S3-006", "aws_s3_bucket_public_access_block", with_(PAB, restrict_public_buckets=False), PAB
    ),
    PostureCase(
        "TFR-AWS-S3-007",
        "aws_s3_bucket",
        BUCKET,
        BUCKET,
        good_extra=[change("aws_s3_bucket_public_access_block", PAB, name="pab")],
        compare_before=False,
    ),
    PostureCase(
        "TFR-AWS-S3-008",
        "aws_s3_bucket",
        with_(BUCKET, server_side_encryption_configuration=[]),
        BUCKET,
        (
            with_(BUCKET, server_side_encryption_configuration=None),
            {"server_side_encryption_configuration": True},
        ),
    ),
    PostureCase(
        "TFR-AWS-S3-009",
        "aws_s3_bucket_server_side_encryption_configuration",
        {"bucket": "b", "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]},
        {
            "bucket": "b",
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}],
        },
        ({"bucket": "b"}, {"rule": True}),
    ),
    PostureCase(
        "TFR-AWS-S3-010",
        "aws_s3_bucket_versioning",
        {"bucket": "b", "versioning_configuration": [{"status": "Suspended"}]},
        {"bucket": "b", "versioning_configuration": [{"status": "Enabled"}]},
    ),
    PostureCase(
        "TFR-AWS-S3-010",
        "aws_s3_bucket",
        with_(BUCKET, versioning=[{"enabled": False}]),
        BUCKET,
        (with_(BUCKET, versioning=None), {"versioning": True}),
    ),
    PostureCase(
        "TFR-AWS-S3-011",
        "aws_s3_bucket",
        with_(BUCKET, logging=[]),
        with_(BUCKET, logging=[]),
        (with_(BUCKET, logging=None), {"logging": True}),
        good_extra=[change("aws_s3_bucket_logging", {"bucket": "data", "target_bucket": "logs"}, name="log")],
        compare_before=False,
    ),
    # --- Network ---
    PostureCase(
        "TFR-AWS-NET-001",
        "aws_security_group",
        sg([rule(22)]),
        sg([rule(22, "10.0.0.0/8")]),
        (sg([{**rule(22), "cidr_blocks": None}]), {"ingress": [{"cidr_blocks": True}]}),
    ),
    PostureCase(
        "TFR-AWS-NET-001",
        "aws_security_group_rule",
        {"type": "ingress", **rule(20, to_port=25)},
        {"type": "ingress", **rule(443)},
        ({"type": "ingress", **rule(22), "cidr_blocks": None}, {"cidr_blocks": True}),
    ),
    PostureCase(
        "TFR-AWS-NET-002",
        "aws_vpc_security_group_ingress_rule",
        {"cidr_ipv4": "0.0.0.0/0", "from_port": 3389, "to_port": 3389, "ip_protocol": "tcp"},
        {"cidr_ipv4": "192.168.0.0/16", "from_port": 3389, "to_port": 3389, "ip_protocol": "tcp"},
        ({"from_port": 3389, "to_port": 3389, "ip_protocol": "tcp"}, {"cidr_ipv4": True}),
    ),
    PostureCase("TFR-AWS-NET-003", "aws_security_group", sg([rule(80, "::/0")]), sg([rule(443)])),
    PostureCase(
        "TFR-AWS-NET-004",
        "aws_security_group",
        sg([rule(0, protocol="-1")]),
        sg([rule(0, "10.0.0.0/16", protocol="-1")]),
        (sg([{**rule(0), "protocol": None}]), {"ingress": [{"protocol": True}]}),
    ),
    PostureCase(
        "TFR-AWS-NET-005",
        "aws_security_group_rule",
        {"type": "ingress", **rule(5432)},
        {"type": "egress", **rule(5432)},
    ),
    PostureCase(
        "TFR-AWS-NET-006", "aws_security_group", sg(egress=[rule(0, protocol="-1")]), sg(egress=[rule(443)])
    ),
    PostureCase(
        "TFR-AWS-NET-009",
        "aws_security_group",
        sg([rule(5985, to_port=5986)]),
        sg([rule(5985, "10.0.0.0/8", to_port=5986)]),
        (sg([{**rule(5985), "from_port": None}]), {"ingress": [{"from_port": True}]}),
    ),
    PostureCase(
        "TFR-AWS-NET-010",
        "aws_vpc_security_group_ingress_rule",
        {"cidr_ipv4": "0.0.0.0/0", "from_port": 30000, "to_port": 32767, "ip_protocol": "tcp"},
        {"cidr_ipv4": "0.0.0.0/0", "from_port": 443, "to_port": 443, "ip_protocol": "tcp"},
        ({"cidr_ipv4": "0.0.0.0/0", "from_port": 30000, "ip_protocol": "tcp"}, {"to_port": True}),
    ),
    PostureCase(
        "TFR-AWS-NET-011",
        "aws_network_acl_rule",
        {
            "network_acl_id": "acl-1",
            "rule_number": 100,
            "egress": False,
            "protocol": "tcp",
            "rule_action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 22,
            "to_port": 22,
        },
        {
            "network_acl_id": "acl-1",
            "rule_number": 100,
            "egress": False,
            "protocol": "tcp",
            "rule_action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 443,
            "to_port": 443,
        },
        (
            {"rule_number": 100, "egress": False, "rule_action": "allow", "cidr_block": "0.0.0.0/0"},
            {"protocol": True, "from_port": True, "to_port": True},
        ),
    ),
    PostureCase(
        "TFR-AWS-NET-011",
        "aws_network_acl",
        {
            "ingress": [
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "6",
                    "cidr_block": "",
                    "ipv6_cidr_block": "::/0",
                    "from_port": 3389,
                    "to_port": 3389,
                }
            ]
        },
        {
            "ingress": [
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "6",
                    "cidr_block": "10.0.0.0/8",
                    "from_port": 3389,
                    "to_port": 3389,
                }
            ]
        },
    ),
    PostureCase(
        "TFR-AWS-NET-006",
        "aws_vpc_security_group_egress_rule",
        {"cidr_ipv4": "0.0.0.0/0", "ip_protocol": "-1"},
        {"cidr_ipv4": "10.0.0.0/8", "ip_protocol": "-1"},
    ),
    PostureCase(
        "TFR-AWS-NET-007",
        "aws_vpc",
        {"cidr_block": "10.0.0.0/16", "id": "vpc-1"},
        {"cidr_block": "10.0.0.0/16", "id": "vpc-1"},
        good_extra=[change("aws_flow_log", {"vpc_id": "vpc-1"}, name="fl")],
        compare_before=False,
    ),
    PostureCase(
        "TFR-AWS-NET-008",
        "aws_subnet",
        {"map_public_ip_on_launch": True},
        {"map_public_ip_on_launch": False},
        ({}, {"map_public_ip_on_launch": True}),
    ),
    # --- Encryption the provider leaves off by default ---
    PostureCase(
        "TFR-AWS-EFS-001",
        "aws_efs_file_system",
        {"creation_token": "data", "encrypted": False},
        {"creation_token": "data", "encrypted": True},
        ({"creation_token": "data"}, {"encrypted": True}),
    ),
    PostureCase(
        "TFR-AWS-ECACHE-001",
        "aws_elasticache_replication_group",
        {"replication_group_id": "cache", "at_rest_encryption_enabled": False},
        {"replication_group_id": "cache", "at_rest_encryption_enabled": True},
        ({"replication_group_id": "cache"}, {"at_rest_encryption_enabled": True}),
    ),
    PostureCase(
        "TFR-AWS-ECACHE-002",
        "aws_elasticache_cluster",
        {"cluster_id": "cache", "transit_encryption_enabled": False},
        {"cluster_id": "cache", "transit_encryption_enabled": True},
        ({"cluster_id": "cache"}, {"transit_encryption_enabled": True}),
    ),
    # --- EC2 ---
    PostureCase(
        "TFR-AWS-EC2-001",
        "aws_ebs_volume",
        {"encrypted": False, "size": 10},
        {"encrypted": True, "size": 10},
        ({"size": 10}, {"encrypted": True}),
    ),
    PostureCase(
        "TFR-AWS-EC2-002",
        "aws_instance",
        {"root_block_device": [{"encrypted": False}]},
        {"root_block_device": [{"encrypted": True}]},
        ({"root_block_device": [{}]}, {"root_block_device": [{"encrypted": True}]}),
    ),
    PostureCase(
        "TFR-AWS-EC2-002",
        "aws_launch_template",
        {"block_device_mappings": [{"ebs": [{"encrypted": "false"}]}]},
        {"block_device_mappings": [{"ebs": [{"encrypted": "true"}]}]},
    ),
    PostureCase(
        "TFR-AWS-EC2-003",
        "aws_instance",
        {"metadata_options": [{"http_tokens": "optional", "http_endpoint": "enabled"}]},
        {"metadata_options": [{"http_tokens": "required", "http_endpoint": "enabled"}]},
        ({"metadata_options": []}, {"metadata_options": True}),
    ),
    PostureCase(
        "TFR-AWS-EC2-004",
        "aws_instance",
        {"associate_public_ip_address": True},
        {"associate_public_ip_address": False},
        ({}, {"associate_public_ip_address": True}),
    ),
    # --- RDS ---
    PostureCase(
        "TFR-AWS-RDS-001",
        "aws_db_instance",
        {"storage_encrypted": False},
        {"storage_encrypted": True},
        ({}, {"storage_encrypted": True}),
    ),
    PostureCase(
        "TFR-AWS-RDS-002", "aws_db_instance", {"publicly_accessible": True}, {"publicly_accessible": False}
    ),
    PostureCase(
        "TFR-AWS-RDS-003",
        "aws_db_instance",
        {"deletion_protection": False},
        {"deletion_protection": True},
        ({}, {"deletion_protection": True}),
    ),
    PostureCase(
        "TFR-AWS-RDS-004", "aws_rds_cluster", {"deletion_protection": False}, {"deletion_protection": True}
    ),
    PostureCase(
        "TFR-AWS-RDS-005",
        "aws_db_instance",
        {"backup_retention_period": 1},
        {"backup_retention_period": 14},
        ({}, {"backup_retention_period": True}),
    ),
    # --- KMS, CloudTrail, DynamoDB ---
    PostureCase(
        "TFR-AWS-KMS-001",
        "aws_kms_key",
        {"enable_key_rotation": False},
        {"enable_key_rotation": True},
        ({}, {"enable_key_rotation": True}),
    ),
    PostureCase(
        "TFR-AWS-CT-001", "aws_cloudtrail", {"is_multi_region_trail": False}, {"is_multi_region_trail": True}
    ),
    PostureCase(
        "TFR-AWS-CT-002",
        "aws_cloudtrail",
        {"enable_log_file_validation": False},
        {"enable_log_file_validation": True},
    ),
    PostureCase(
        "TFR-AWS-CT-003",
        "aws_cloudtrail",
        {"kms_key_id": None},
        {"kms_key_id": "arn:aws:kms:eu-west-1:1:key/x"},
        ({}, {"kms_key_id": True}),
    ),
    PostureCase(
        "TFR-AWS-DDB-001",
        "aws_dynamodb_table",
        {"point_in_time_recovery": [{"enabled": False}]},
        {"point_in_time_recovery": [{"enabled": True}]},
        ({}, {"point_in_time_recovery": True}),
    ),
    # --- EKS, ELB ---
    PostureCase(
        "TFR-AWS-EKS-001",
        "aws_eks_cluster",
        {
            "vpc_config": [{"endpoint_public_access": True, "public_access_cidrs": ["1.2.3.4/32"]}],
            "encryption_config": [{"resources": ["secrets"]}],
        },
        {
            "vpc_config": [{"endpoint_public_access": False}],
            "encryption_config": [{"resources": ["secrets"]}],
        },
    ),
    PostureCase(
        "TFR-AWS-EKS-002",
        "aws_eks_cluster",
        {"vpc_config": [{"endpoint_public_access": True, "public_access_cidrs": ["0.0.0.0/0"]}]},
        {"vpc_config": [{"endpoint_public_access": True, "public_access_cidrs": ["1.2.3.4/32"]}]},
        ({"vpc_config": [{"endpoint_public_access": True}]}, {"vpc_config": [{"public_access_cidrs": True}]}),
    ),
    PostureCase(
        "TFR-AWS-EKS-003",
        "aws_eks_cluster",
        {"encryption_config": []},
        {"encryption_config": [{"resources": ["secrets"]}]},
        ({}, {"encryption_config": True}),
    ),
    PostureCase(
        "TFR-AWS-ELB-001",
        "aws_lb_listener",
        {"protocol": "HTTP", "default_action": [{"type": "forward"}]},
        {"protocol": "HTTP", "default_action": [{"type": "redirect", "redirect": [{"protocol": "HTTPS"}]}]},
        ({"default_action": [{"type": "forward"}]}, {"protocol": True}),
    ),
    PostureCase(
        "TFR-AWS-ELB-002",
        "aws_lb",
        {"enable_deletion_protection": False},
        {"enable_deletion_protection": True},
    ),
    # --- Messaging, logs, ECR ---
    PostureCase(
        "TFR-AWS-SQS-001",
        "aws_sqs_queue",
        {"kms_master_key_id": None, "sqs_managed_sse_enabled": False},
        {"kms_master_key_id": None, "sqs_managed_sse_enabled": True},
        ({"kms_master_key_id": None}, {"sqs_managed_sse_enabled": True}),
    ),
    PostureCase(
        "TFR-AWS-SNS-001",
        "aws_sns_topic",
        {"kms_master_key_id": ""},
        {"kms_master_key_id": "alias/aws/sns"},
        ({}, {"kms_master_key_id": True}),
    ),
    PostureCase(
        "TFR-AWS-LOG-001",
        "aws_cloudwatch_log_group",
        {"retention_in_days": 0},
        {"retention_in_days": 400},
        ({}, {"retention_in_days": True}),
    ),
    PostureCase(
        "TFR-AWS-LOG-002", "aws_cloudwatch_log_group", {"retention_in_days": 30}, {"retention_in_days": 400}
    ),
    PostureCase(
        "TFR-AWS-ECR-001",
        "aws_ecr_repository",
        {"image_tag_mutability": "MUTABLE"},
        {"image_tag_mutability": "IMMUTABLE"},
        ({}, {"image_tag_mutability": True}),
    ),
    # --- Secrets in clear attributes ---
    PostureCase(
        "TFR-SEC-001",
        "aws_lambda_function",
        {"environment": [{"variables": {"DB_PASSWORD": "hunter2-very-secret", "STAGE": "prod"}}]},
        {"environment": [{"variables": {"DB_PASSWORD_ARN": "arn:aws:secretsmanager:x", "STAGE": "prod"}}]},
        (
            {"environment": [{"variables": {"STAGE": "prod"}}]},
            {"environment": [{"variables": {"DB_PASSWORD": True}}]},
        ),
    ),
    PostureCase(
        "TFR-SEC-002",
        "aws_ecs_task_definition",
        {
            "container_definitions": json.dumps(
                [{"name": "app", "environment": [{"name": "API_TOKEN", "value": "abcd1234efgh"}]}]
            )
        },
        {
            "container_definitions": json.dumps(
                [{"name": "app", "environment": [{"name": "STAGE", "value": "prod"}]}]
            )
        },
        ({}, {"container_definitions": True}),
    ),
    PostureCase(
        "TFR-SEC-003",
        "aws_launch_template",
        {"user_data": b64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")},
        {"user_data": b64("#!/bin/bash\necho hello\n")},
        ({}, {"user_data": True}),
    ),
    PostureCase(
        "TFR-SEC-003",
        "aws_instance",
        {"user_data": "#!/bin/sh\nDB_URL=postgres://app:S3cretPw99@db.internal/app\n"},
        {"user_data": "#!/bin/sh\necho ok\n"},
    ),
    PostureCase(
        "TFR-SEC-004",
        "aws_instance",
        {"tags": {"Name": "web", "db_password": "Tr0ub4dor&3"}},
        {"tags": {"Name": "web"}},
        ({"tags": {"Name": "web"}}, {"tags": True}),
    ),
    # --- Azure ---
    PostureCase(
        "TFR-AZ-001",
        "azurerm_storage_account",
        {"allow_nested_items_to_be_public": True},
        {"allow_nested_items_to_be_public": False},
        ({}, {"allow_nested_items_to_be_public": True}),
    ),
    PostureCase(
        "TFR-AZ-001",
        "azurerm_storage_container",
        {"container_access_type": "container"},
        {"container_access_type": "private"},
    ),
    PostureCase(
        "TFR-AZ-002",
        "azurerm_storage_account",
        {"https_traffic_only_enabled": False},
        {"https_traffic_only_enabled": True},
        ({}, {"https_traffic_only_enabled": True}),
    ),
    PostureCase(
        "TFR-AZ-003",
        "azurerm_network_security_rule",
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "*",
            "destination_port_range": "3389",
        },
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "10.0.0.0/8",
            "destination_port_range": "3389",
        },
        (
            {
                "direction": "Inbound",
                "access": "Allow",
                "source_address_prefix": "*",
                "destination_port_range": "3389",
            },
            {"protocol": True},
        ),
    ),
    PostureCase(
        "TFR-AZ-003",
        "azurerm_network_security_group",
        {
            "security_rule": [
                {
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": "*",
                    "source_address_prefix": "Internet",
                    "destination_port_range": "20-30",
                }
            ]
        },
        {
            "security_rule": [
                {
                    "direction": "Inbound",
                    "access": "Deny",
                    "protocol": "Tcp",
                    "source_address_prefix": "Internet",
                    "destination_port_range": "22",
                }
            ]
        },
    ),
    PostureCase(
        "TFR-AZ-004",
        "azurerm_mssql_firewall_rule",
        OPEN_WORLD_SQL,
        {"start_ip_address": "10.0.0.1", "end_ip_address": "10.0.0.9"},
        ({"start_ip_address": "0.0.0.0"}, {"end_ip_address": True}),
    ),
    PostureCase(
        "TFR-AZ-005",
        "azurerm_network_interface",
        {"ip_configuration": [{"public_ip_address_id": "/subscriptions/s/pip"}]},
        {"ip_configuration": [{"public_ip_address_id": None}]},
        ({"ip_configuration": [{}]}, {"ip_configuration": [{"public_ip_address_id": True}]}),
    ),
    PostureCase(
        "TFR-AZ-006",
        "azurerm_kubernetes_cluster",
        {"private_cluster_enabled": False, "api_server_access_profile": []},
        {
            "private_cluster_enabled": False,
            "api_server_access_profile": [{"authorized_ip_ranges": ["1.2.3.4/32"]}],
        },
        ({"api_server_access_profile": []}, {"private_cluster_enabled": True}),
    ),
    PostureCase(
        "TFR-AZ-007",
        "azurerm_key_vault",
        {"purge_protection_enabled": False},
        {"purge_protection_enabled": True},
    ),
    # --- GCP ---
    PostureCase(
        "TFR-GCP-001",
        "google_storage_bucket_iam_member",
        {"member": "allUsers", "role": "roles/storage.objectViewer"},
        {"member": "group:eng@example.com", "role": "roles/storage.objectViewer"},
        ({"role": "r"}, {"member": True}),
    ),
    PostureCase(
        "TFR-GCP-001",
        "google_storage_bucket_iam_binding",
        {"members": ["allAuthenticatedUsers"], "role": "r"},
        {"members": ["user:a@example.com"], "role": "r"},
    ),
    PostureCase(
        "TFR-GCP-002",
        "google_compute_firewall",
        {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["22"]}]},
        {"source_ranges": ["35.235.240.0/20"], "allow": [{"protocol": "tcp", "ports": ["22"]}]},
        ({"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]}, {"allow": [{"ports": True}]}),
    ),
    PostureCase(
        "TFR-GCP-003",
        "google_compute_instance",
        {"network_interface": [{"access_config": [{"nat_ip": ""}]}]},
        {"network_interface": [{"access_config": []}]},
        ({"network_interface": [{}]}, {"network_interface": [{"access_config": True}]}),
    ),
    PostureCase(
        "TFR-GCP-004",
        "google_container_cluster",
        {"private_cluster_config": [], "master_authorized_networks_config": []},
        {
            "private_cluster_config": [],
            "master_authorized_networks_config": [{"cidr_blocks": [{"cidr_block": "1.2.3.4/32"}]}],
        },
        ({"private_cluster_config": []}, {"master_authorized_networks_config": True}),
    ),
    PostureCase(
        "TFR-GCP-005",
        "google_sql_database_instance",
        {"settings": [{"ip_configuration": [{"authorized_networks": [{"value": "0.0.0.0/0"}]}]}]},
        {"settings": [{"ip_configuration": [{"authorized_networks": [{"value": "203.0.113.0/24"}]}]}]},
    ),
    # --- Kubernetes ---
    PostureCase("TFR-K8S-001", "kubernetes_deployment_v1", k8s("privileged"), K8S_SPEC),
    PostureCase("TFR-K8S-002", "kubernetes_deployment", k8s("host_network", "pod"), K8S_SPEC),
    PostureCase("TFR-K8S-003", "kubernetes_pod", k8s("allow_privilege_escalation"), K8S_SPEC),
    PostureCase(
        "TFR-GCP-VM-001",
        "google_compute_instance",
        {
            "name": "vm",
            "service_account": [{"email": "123-compute@developer.gserviceaccount.com", "scopes": []}],
        },
        {"name": "vm", "service_account": [{"email": "app@p.iam.gserviceaccount.com", "scopes": []}]},
        unknown=(
            {"name": "vm", "service_account": [{"email": None, "scopes": []}]},
            {"service_account": [{"email": True}]},
        ),
    ),
    PostureCase(
        "TFR-GCP-VM-002",
        "google_compute_instance_template",
        {"name": "t", "metadata": {"serial-port-enable": "TRUE"}},
        {"name": "t", "metadata": {"serial-port-enable": "false", "enable-oslogin": "TRUE"}},
        unknown=(
            {"name": "t", "metadata": {"serial-port-enable": None}},
            {"metadata": {"serial-port-enable": True}},
        ),
    ),
    PostureCase(
        "TFR-AWS-APIGW-001",
        "aws_api_gateway_method",
        {"http_method": "POST", "authorization": "NONE", "api_key_required": False},
        {"http_method": "POST", "authorization": "AWS_IAM", "api_key_required": False},
        unknown=({"http_method": "POST", "authorization": None}, {"authorization": True}),
    ),
    PostureCase(
        "TFR-AWS-CF-001",
        "aws_cloudfront_distribution",
        {"enabled": True, "default_cache_behavior": [{"viewer_protocol_policy": "allow-all"}]},
        {"enabled": True, "default_cache_behavior": [{"viewer_protocol_policy": "redirect-to-https"}]},
        unknown=(
            {"enabled": True, "default_cache_behavior": [{"viewer_protocol_policy": None}]},
            {"default_cache_behavior": [{"viewer_protocol_policy": True}]},
        ),
    ),
    PostureCase(
        "TFR-AWS-USER-001",
        "aws_iam_access_key",
        {"user": "ci", "status": "Active", "pgp_key": None},
        {"user": "ci", "status": "Inactive", "pgp_key": None},
        unknown=({"user": "ci", "status": None, "pgp_key": None}, {"status": True}),
    ),
    PostureCase(
        "TFR-AWS-OS-001",
        "aws_opensearch_domain",
        {"domain_name": "logs", "encrypt_at_rest": [{"enabled": False}], **SEARCH_SAFE_REST},
        {"domain_name": "logs", **SEARCH_SAFE, **SEARCH_SAFE_REST},
        unknown=(
            {"domain_name": "logs", "encrypt_at_rest": None, **SEARCH_SAFE_REST},
            {"encrypt_at_rest": True},
        ),
    ),
    PostureCase(
        "TFR-AWS-MSK-001",
        "aws_msk_cluster",
        kafka("PLAINTEXT", True),
        kafka("TLS", True),
        unknown=(
            kafka(None, True),
            {"encryption_info": [{"encryption_in_transit": [{"client_broker": True}]}]},
        ),
    ),
    PostureCase(
        "TFR-K8S-004",
        "kubernetes_cluster_role_binding",
        binding("cluster-admin", "ServiceAccount", "ci"),
        binding("view", "ServiceAccount", "ci"),
        unknown=({"metadata": [{"name": "b"}], "role_ref": None}, {"role_ref": True}),
    ),
    PostureCase(
        "TFR-K8S-004",
        "kubernetes_cluster_role_v1",
        {"metadata": [{"name": "all"}], "rule": [{"api_groups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
        {
            "metadata": [{"name": "all"}],
            "rule": [{"api_groups": [""], "resources": ["pods"], "verbs": ["get"]}],
        },
        unknown=({"metadata": [{"name": "all"}], "rule": None}, {"rule": True}),
    ),
    PostureCase(
        "TFR-K8S-005",
        "kubernetes_role_binding_v1",
        binding("view", "Group", "system:unauthenticated"),
        binding("view", "Group", "developers"),
        unknown=({"metadata": [{"name": "b"}], "subject": None}, {"subject": True}),
    ),
    PostureCase(
        "TFR-K8S-006",
        "kubernetes_deployment",
        with_volume({"name": "root", "host_path": [{"path": "/", "type": ""}]}),
        with_volume({"name": "scratch", "empty_dir": [{"medium": ""}]}),
        unknown=(
            with_volume({"name": "root", "host_path": [{"path": None, "type": ""}]}),
            {"spec": [{"template": [{"spec": [{"volume": [{"host_path": [{"path": True}]}]}]}]}]},
        ),
    ),
    PostureCase(
        "TFR-K8S-007",
        "kubernetes_service_v1",
        lb_service(5432, []),
        lb_service(5432, ["10.0.0.0/8"]),
        unknown=(lb_service(5432, None), {"spec": [{"load_balancer_source_ranges": True}]}),
    ),
    PostureCase(
        "TFR-K8S-008",
        "kubernetes_config_map",
        {"metadata": [{"name": "cfg"}], "data": {"DB_PASSWORD": "Sup3r-S3cret-Value-9"}},
        {"metadata": [{"name": "cfg"}], "data": {"LOG_LEVEL": "debug"}},
        unknown=(
            {"metadata": [{"name": "cfg"}], "data": {"DB_PASSWORD": None}},
            {"data": {"DB_PASSWORD": True}},
        ),
    ),
]
