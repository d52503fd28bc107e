"""AWS edge services: API Gateway methods and routes without authorization, CloudFront over plain HTTP."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-APIGW-001",
        "API method or route without authorization",
        Severity.MEDIUM,
        "With no authorizer, IAM or Cognito check and no API key, anyone on the internet can call the method "
        "and reach what stands behind it (a Lambda function, a service, an AWS API).",
        "Set `authorization` (AWS_IAM, COGNITO_USER_POOLS or CUSTOM) or `authorization_type` on the route; if "
        "the API is public on purpose, protect it with a usage plan, WAF and throttling.",
        "CKV_AWS_59",
        Category.NETWORK,
    ),
    "aws_api_gateway_method",
    "aws_apigatewayv2_route",
)
def open_method(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type == "aws_api_gateway_method":
        method = state.get("http_method")
        if (
            state.get("authorization") != "NONE"
            or state.get("api_key_required") is True
            or method == "OPTIONS"
        ):
            return
        yield Hit(
            f"{rc.address} lets anyone call {method} without authorization or an API key.",
            attribute="authorization",
        )
        return
    route = state.get("route_key")
    if state.get("authorization_type") != "NONE" or state.get("api_key_required") is True:
        return
    if isinstance(route, str) and route.upper().startswith("OPTIONS "):
        return
    yield Hit(f"{rc.address} lets anyone call {route} without authorization.", attribute="authorization_type")


def _behaviors(state: State) -> Iterator[tuple[str, str, State]]:
    """(attribute, what it serves, behavior) for the default and each ordered cache behavior."""
    for _, behavior in state.each("default_cache_behavior"):
        yield "default_cache_behavior", "its default behavior", behavior
    for i, behavior in state.each("ordered_cache_behavior"):
        pattern = behavior.get("path_pattern")
        yield (
            f"ordered_cache_behavior[{i}]",
            f"path {pattern}" if isinstance(pattern, str) else "a path",
            behavior,
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-CF-001",
        "CloudFront serves viewers over plain HTTP",
        Severity.MEDIUM,
        "viewer_protocol_policy = allow-all lets browsers and clients talk to the distribution over "
        "unencrypted HTTP, where anyone on the path can read or change the traffic (cookies, tokens).",
        'Set viewer_protocol_policy = "redirect-to-https" (or "https-only") on every cache behavior.',
        "CKV_AWS_34",
    ),
    "aws_cloudfront_distribution",
)
def plain_http_viewers(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for where, scope, behavior in _behaviors(state):
        if behavior.get("viewer_protocol_policy") == "allow-all":
            yield Hit(
                f"{rc.address} serves {scope} over plain HTTP (viewer_protocol_policy = allow-all).",
                attribute=f"{where}.viewer_protocol_policy",
                key=where,
            )
