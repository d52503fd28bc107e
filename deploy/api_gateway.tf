# HTTP API in front of the API Lambda: the REST API, the Spacelift webhook, the OpenAPI docs and
# the health checks. CORS, stage throttling, JSON access logs, optional custom domain.
locals {
  api_routes = [
    "ANY /api/{proxy+}",
    "ANY /webhooks/{proxy+}",
    "GET /docs",
    "GET /openapi.json",
    "GET /healthz",
    "GET /readyz",
  ]

  # One JSON object per request; no bodies, headers or query strings (they can carry keys).
  access_log_format = jsonencode({
    requestId          = "$context.requestId"
    requestTime        = "$context.requestTime"
    sourceIp           = "$context.identity.sourceIp"
    userAgent          = "$context.identity.userAgent"
    httpMethod         = "$context.httpMethod"
    routeKey           = "$context.routeKey"
    path               = "$context.path"
    status             = "$context.status"
    protocol           = "$context.protocol"
    responseLength     = "$context.responseLength"
    responseLatency    = "$context.responseLatency"
    integrationStatus  = "$context.integrationStatus"
    integrationLatency = "$context.integrationLatency"
    integrationError   = "$context.integrationErrorMessage"
    errorMessage       = "$context.error.message"
  })

  # The regional custom domain serves the API directly; with the edge, the domain is CloudFront's.
  custom_domain_enabled = var.custom_domain_name != null && !var.enable_edge
}

resource "aws_apigatewayv2_api" "this" {
  name          = local.name
  description   = "tfreview API and Spacelift webhook"
  protocol_type = "HTTP"

  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [1] : []

    content {
      allow_origins  = var.cors_allowed_origins
      allow_methods  = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
      allow_headers  = ["authorization", "content-type", "content-encoding", "idempotency-key", "if-match"]
      expose_headers = ["etag", "location", "x-request-id"]
      max_age        = 600
    }
  }
}

resource "aws_apigatewayv2_integration" "api" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_alias.api.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.api_timeout_seconds * 1000
}

resource "aws_apigatewayv2_route" "api" {
  #checkov:skip=CKV_AWS_309:Without the edge the app authorises every route itself (API keys for /api, HMAC for /webhooks); with it the edge authorizer runs first (edge_authorizer.tf).
  for_each = toset(local.api_routes)

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"

  # With the edge: the origin header on every route, and a credential too on /api/*.
  authorization_type = local.edge_enabled ? "CUSTOM" : "NONE"
  authorizer_id = local.edge_enabled ? (
    contains(local.authorizer_credential_routes, each.value) ? aws_apigatewayv2_authorizer.caller[0].id : aws_apigatewayv2_authorizer.origin[0].id
  ) : null
}

# Anything else reaches the app too, so unknown paths get its JSON 404 rather than a gateway one.
resource "aws_apigatewayv2_route" "default" {
  #checkov:skip=CKV_AWS_309:The app answers unknown paths with 404 and authorises the ones it knows; with the edge the origin header is checked first.
  api_id    = aws_apigatewayv2_api.this.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"

  authorization_type = local.edge_enabled ? "CUSTOM" : "NONE"
  authorizer_id      = local.edge_enabled ? aws_apigatewayv2_authorizer.origin[0].id : null
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = false
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = local.access_log_format
  }
}

# ---------------------------------------------------------------------------------------------
# Optional custom domain: ACM certificate validated in Route 53, API mapping, alias records.
# ---------------------------------------------------------------------------------------------

resource "aws_acm_certificate" "api" {
  count = local.custom_domain_enabled ? 1 : 0

  domain_name       = var.custom_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = {
    for option in(local.custom_domain_enabled ? aws_acm_certificate.api[0].domain_validation_options : []) :
    option.domain_name => option
  }

  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "api" {
  count = local.custom_domain_enabled ? 1 : 0

  certificate_arn         = aws_acm_certificate.api[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

resource "aws_apigatewayv2_domain_name" "this" {
  count = local.custom_domain_enabled ? 1 : 0

  domain_name = var.custom_domain_name

  domain_name_configuration {
    certificate_arn = aws_acm_certificate_validation.api[0].certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = local.custom_domain_enabled ? 1 : 0

  api_id      = aws_apigatewayv2_api.this.id
  domain_name = aws_apigatewayv2_domain_name.this[0].id
  stage       = aws_apigatewayv2_stage.this.id
}

resource "aws_route53_record" "api_alias" {
  for_each = local.custom_domain_enabled ? toset(["A", "AAAA"]) : toset([])

  zone_id = var.route53_zone_id
  name    = var.custom_domain_name
  type    = each.value

  alias {
    name                   = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
