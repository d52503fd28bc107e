"""Kubernetes rules beyond the posture cases: severities, what is not flagged, and the verdict's words."""

from __future__ import annotations

from typing import Any

from reviewer.engine import review_plan
from reviewer.engine.results import Finding, Severity
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.posture_cases import binding, lb_service, with_volume


def found(rule_id: str, rtype: str, after: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(plan(change(rtype, after))).result.findings if f.rule_id == rule_id]


def test_host_paths_that_are_the_node_are_high_others_medium() -> None:
    for path in ("/", "/etc/kubernetes", "/var/run/docker.sock", "/var/lib/kubelet/pods", "/proc"):
        [hit] = found(
            "TFR-K8S-006",
            "kubernetes_daemon_set_v1",
            with_volume({"name": "v", "host_path": [{"path": path}]}),
        )
        assert hit.severity is Severity.HIGH and path in hit.message
    [hit] = found(
        "TFR-K8S-006", "kubernetes_pod", with_volume({"name": "v", "host_path": [{"path": "/data/cache"}]})
    )
    assert hit.severity is Severity.MEDIUM
    assert (
        found(
            "TFR-K8S-006", "kubernetes_pod", with_volume({"name": "v", "host_path": [{"path": "/etcd-data"}]})
        )[0].severity
        is Severity.MEDIUM
    )


def test_everyone_signed_in_is_high_anonymous_critical() -> None:
    [signed_in] = found(
        "TFR-K8S-005", "kubernetes_cluster_role_binding", binding("view", "Group", "system:authenticated")
    )
    assert signed_in.severity is Severity.HIGH and "any Google account" in signed_in.message
    [anonymous] = found("TFR-K8S-005", "kubernetes_role_binding", binding("edit", "User", "system:anonymous"))
    assert anonymous.severity is Severity.CRITICAL


def test_only_risky_ports_on_a_public_load_balancer_count() -> None:
    [db] = found("TFR-K8S-007", "kubernetes_service", lb_service(5432, []))
    assert db.severity is Severity.HIGH and "PostgreSQL" in db.message
    assert found("TFR-K8S-007", "kubernetes_service", lb_service(443, [])) == []  # a public web service
    assert (
        found("TFR-K8S-007", "kubernetes_service", lb_service(22, ["0.0.0.0/0"]))[0].severity is Severity.HIGH
    )
    internal = lb_service(5432, [])
    internal["metadata"][0]["annotations"] = {"networking.gke.io/load-balancer-type": "Internal"}
    assert found("TFR-K8S-007", "kubernetes_service_v1", internal) == []
    cluster_ip = lb_service(5432, [])
    cluster_ip["spec"][0]["type"] = "ClusterIP"
    assert found("TFR-K8S-007", "kubernetes_service_v1", cluster_ip) == []


def test_verdicts_name_what_the_cluster_gives_away() -> None:
    # Before: each read "Safe to apply: 1 new resource, no risky change."
    cases = {
        ("kubernetes_cluster_role_binding", "HIGH"): binding("cluster-admin", "ServiceAccount", "ci"),
        ("kubernetes_cluster_role_binding_v1", "CRITICAL"): binding(
            "view", "Group", "system:unauthenticated"
        ),
        ("kubernetes_service", "HIGH"): lb_service(5432, []),
        ("kubernetes_config_map", "HIGH"): {
            "metadata": [{"name": "c"}],
            "data": {"API_TOKEN": "tok-1234567890abcdef"},
        },
    }
    sentences = []
    for (rtype, level), after in cases.items():
        result = review_plan(plan(change(rtype, after))).result
        assert result.risk.level.value == level
        sentences.append(result.risk.verdict)
    assert sentences == [
        "Not safe to apply without review: grants full control of the cluster through a role binding.",
        "Not safe to apply without review: opens the cluster to anonymous or all users through a role binding.",
        "Not safe to apply without review: exposes risky ports of a service to the internet.",
        "Not safe to apply without review: puts a secret in clear text in a config map.",
    ]
