"""Posture cases for AWS workloads reaching past their box (ECS host takeover, notebooks on the internet, EKS
cluster admin), read by the posture and schema meta-tests."""

from __future__ import annotations

import json
from typing import Any

from tests.reviewer.engine.posture_cases import PostureCase

API = {"name": "api", "image": "acme/api:1.4.2", "essential": True}


def task(*containers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An ECS task definition with these container definitions."""
    return {
        "family": "api",
        "network_mode": "awsvpc",
        "container_definitions": json.dumps(list(containers)),
        **extra,
    }


NOTEBOOK = {"name": "nb", "instance_type": "ml.t3.medium", "root_access": "Enabled"}
CLUSTER_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


def access(policy_arn: str | None, scope: str = "cluster") -> dict[str, Any]:
    return {
        "cluster_name": "prod",
        "principal_arn": "arn:aws:iam::123456789012:role/ci",
        "policy_arn": policy_arn,
        "access_scope": [{"type": scope, "namespaces": [] if scope == "cluster" else ["app"]}],
    }


WORKLOAD_CASES: list[PostureCase] = [
    PostureCase(
        "TFR-AWS-ECS-001",
        "aws_ecs_task_definition",
        task({**API, "privileged": True}),
        task({**API, "privileged": False, "readonlyRootFilesystem": True}),
        ({"family": "api", "container_definitions": None}, {"container_definitions": True}),
    ),
    PostureCase(
        "TFR-AWS-SM-001",
        "aws_sagemaker_notebook_instance",
        {**NOTEBOOK, "direct_internet_access": "Enabled"},
        {**NOTEBOOK, "direct_internet_access": "Disabled", "subnet_id": "subnet-a"},
        ({**NOTEBOOK, "direct_internet_access": None}, {"direct_internet_access": True}),
    ),
    PostureCase(
        "TFR-AWS-EKS-004",
        "aws_eks_access_policy_association",
        access(CLUSTER_ADMIN),
        access(VIEW, "namespace"),
        (access(None), {"policy_arn": True}),
    ),
]
