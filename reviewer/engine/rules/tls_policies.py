"""TLS below 1.2 accepted at the edge (AWS load balancers, CloudFront, OpenSearch; GCP SSL policies) and
unencrypted connections to public Cloud SQL. Azure's minimum TLS settings are in azure.py (TFR-AZ-008)."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext

# Predefined ELB policies that still negotiate TLS 1.0 or 1.1 (names without a version are the old defaults).
OLD_ELB_POLICIES = frozenset(
    {"ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-FS-2018-06"}
)
OLD_ELB_POLICY_MARKERS = ("TLS-1-0", "TLS-1-1", "TLS13-1-0", "TLS13-1-1", "FS-1-1")
OLD_CLOUDFRONT_PROTOCOLS = frozenset({"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016"})
OLD_OPENSEARCH_POLICIES = frozenset({"Policy-Min-TLS-1-0-2019-07"})
OLD_GCP_TLS = frozenset({"TLS_1_0", "TLS_1_1"})


def _old_elb_policy(value: object) -> bool:
    return isinstance(value, str) and (
        value in OLD_ELB_POLICIES or any(m in value for m in OLD_ELB_POLICY_MARKERS)
    )


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-TLS-001",
        "TLS policy accepts TLS 1.0/1.1",
        Severity.MEDIUM,
        "TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow downgrade attacks; an endpoint that accepts them "
        "lets clients and attackers negotiate a weak channel.",
        "Use a TLS 1.2+ policy: ELBSecurityPolicy-TLS13-1-2-2021-06, CloudFront TLSv1.2_2021, OpenSearch "
        "Policy-Min-TLS-1-2-2019-07.",
        "CKV_AWS_103",
        Category.NETWORK,
    ),
    "aws_lb_listener",
    "aws_alb_listener",
    "aws_cloudfront_distribution",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
)
def aws_old_tls(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type in ("aws_lb_listener", "aws_alb_listener"):
        policy = state.get("ssl_policy")
        if _old_elb_policy(policy):
            yield Hit(f"{rc.address} uses {policy}, which accepts TLS 1.0/1.1.", attribute="ssl_policy")
    elif rc.type == "aws_cloudfront_distribution":
        for i, cert in state.each("viewer_certificate"):
            version = cert.get("minimum_protocol_version")
            # The default certificate forces TLSv1; only a custom certificate can raise the minimum.
            custom = cert.get("cloudfront_default_certificate") is not True
            if isinstance(version, str) and version in OLD_CLOUDFRONT_PROTOCOLS and custom:
                yield Hit(
                    f"{rc.address} accepts viewers on {version}.",
                    attribute=f"viewer_certificate[{i}].minimum_protocol_version",
                )
    else:
        for i, options in state.each("domain_endpoint_options"):
            policy = options.get("tls_security_policy")
            if isinstance(policy, str) and policy in OLD_OPENSEARCH_POLICIES:
                yield Hit(
                    f"{rc.address} uses {policy}, which accepts TLS 1.0.",
                    attribute=f"domain_endpoint_options[{i}].tls_security_policy",
                )


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-010",
        "TLS below 1.2 accepted (SSL policy) or Cloud SQL without SSL",
        Severity.MEDIUM,
        "An SSL policy with min_tls_version TLS_1_0/1_1 (the provider default is TLS_1_0) accepts deprecated "
        "TLS; a Cloud SQL instance with a public IP that accepts unencrypted connections sends credentials and "
        "data in clear.",
        'Set min_tls_version = "TLS_1_2"; on Cloud SQL set ssl_mode = "ENCRYPTED_ONLY" (or require_ssl = true).',
        category=Category.NETWORK,
    ),
    "google_compute_ssl_policy",
    "google_sql_database_instance",
)
def gcp_weak_tls(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type == "google_compute_ssl_policy":
        version = state.get("min_tls_version")
        if isinstance(version, str) and version in OLD_GCP_TLS:
            yield Hit(f"{rc.address} accepts {version}.", attribute="min_tls_version")
        return
    for _, settings in state.each("settings"):
        for _, ip in settings.each("ip_configuration"):
            if ip.get("ipv4_enabled") is not True:
                continue  # private IP only: the connection never crosses the internet
            mode, require = ip.get("ssl_mode"), ip.get("require_ssl")
            if mode == "ALLOW_UNENCRYPTED_AND_ENCRYPTED" or (mode in (None, "") and require is False):
                yield Hit(
                    f"{rc.address} has a public IP and accepts unencrypted connections.",
                    attribute="settings.ip_configuration.ssl_mode",
                )
