"""ECS containers that can take over their host (TFR-AWS-ECS-001), notebooks on the internet (TFR-AWS-SM-001)
and EKS cluster admin access (TFR-AWS-EKS-004): severities, what is named, and the verdict's words."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine.results import Severity
from tests.reviewer.engine.aws_workload_cases import API, CLUSTER_ADMIN, NOTEBOOK, access, task
from tests.reviewer.engine.plans import change, only, plan, verdict

ECS = "aws_ecs_task_definition"
DOCKER_SOCKET = {"name": "docker", "host_path": "/var/run/docker.sock"}


@pytest.mark.parametrize(
    ("definition", "severity", "words"),
    [
        (task({**API, "privileged": True}), Severity.HIGH, "runs privileged"),
        (
            task(
                {**API, "mountPoints": [{"sourceVolume": "docker", "containerPath": "/var/run/docker.sock"}]},
                volume=[DOCKER_SOCKET],
            ),
            Severity.HIGH,
            "mounts the host's /var/run/docker.sock",
        ),
        (
            task(
                {**API, "mountPoints": [{"sourceVolume": "root", "containerPath": "/host"}]},
                volume=[{"name": "root", "host_path": "/"}],
            ),
            Severity.HIGH,
            "mounts the host's /",
        ),
        (
            task({**API, "linuxParameters": {"capabilities": {"add": ["CAP_SYS_ADMIN"]}}}),
            Severity.MEDIUM,
            "SYS_ADMIN",
        ),
        (task(API, pid_mode="host"), Severity.MEDIUM, 'pid_mode = "host"'),
    ],
)
def test_a_container_that_can_take_over_its_host(
    definition: dict[str, Any], severity: Severity, words: str
) -> None:
    [found] = only(plan(change(ECS, definition)), "TFR-AWS-ECS-001")
    assert found.severity is severity and words in found.message and found.introduced


@pytest.mark.parametrize(
    "definition",
    [
        task(API, network_mode="host"),  # host networking alone: common for agents, no host takeover
        task({**API, "user": "root", "readonlyRootFilesystem": False}),
        task(
            {**API, "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}]},
            volume=[{"name": "data", "host_path": "/srv/data"}],
        ),
        task({**API, "linuxParameters": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}),
    ],
)
def test_ordinary_containers_are_not_reported(definition: dict[str, Any]) -> None:
    assert only(plan(change(ECS, definition)), "TFR-AWS-ECS-001") == []


def test_a_privileged_container_already_there_is_posture_and_the_verdict_names_it() -> None:
    privileged = task({**API, "privileged": True})
    kept = plan(change(ECS, {**privileged, "cpu": "512"}, before=privileged))
    assert [f.introduced for f in only(kept, "TFR-AWS-ECS-001")] == [False]
    assert verdict(plan(change(ECS, privileged))) == (
        "Not safe to apply without review: lets the containers of a task definition take over their host."
    )


def test_a_notebook_on_the_internet_says_root_and_reads_as_connected() -> None:
    raw = plan(change("aws_sagemaker_notebook_instance", {**NOTEBOOK, "direct_internet_access": "Enabled"}))
    [found] = only(raw, "TFR-AWS-SM-001")
    assert found.severity is Severity.MEDIUM and "with root access" in found.message
    assert verdict(raw) == "Review before applying: connects a notebook instance directly to the internet."


def test_cluster_admin_is_high_admin_at_cluster_scope_medium_and_in_a_namespace_nothing() -> None:
    admin = plan(change("aws_eks_access_policy_association", access(CLUSTER_ADMIN)))
    assert [f.severity for f in only(admin, "TFR-AWS-EKS-004")] == [Severity.HIGH]
    assert verdict(admin) == (
        "Not safe to apply without review: grants full control of the cluster through an EKS access entry."
    )
    near = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"
    assert [
        f.severity
        for f in only(plan(change("aws_eks_access_policy_association", access(near))), "TFR-AWS-EKS-004")
    ] == [Severity.MEDIUM]
    scoped = plan(change("aws_eks_access_policy_association", access(near, "namespace")))
    assert only(scoped, "TFR-AWS-EKS-004") == []
