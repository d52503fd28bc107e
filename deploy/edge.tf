# The edge (enable_edge): one CloudFront distribution on custom_domain_name in front of the API
# and the dashboard, its certificate in us-east-1, its DNS alias, and the origin secret CloudFront
# adds to every request so that API Gateway (edge_authorizer.tf) refuses traffic that did not
# come through CloudFront and its web ACL (waf.tf).
locals {
  edge_enabled = var.enable_edge

  # Paths served by the API; everything else goes to the dashboard (or the API without one).
  edge_api_paths = ["/api/*", "/webhooks/*", "/docs", "/openapi.json", "/healthz", "/readyz"]

  # The header CloudFront adds towards the origins; viewers cannot set it (CloudFront overwrites
  # a viewer's header of the same name with the configured value).
  origin_header = "x-tfr-origin-verify"

  # AWS managed CloudFront policies, by their fixed ids (the same in every account; looking them
  # up by name needs cloudfront:ListCachePolicies, which moto does not implement).
  # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
  managed_cache_policy = {
    caching_disabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" # Managed-CachingDisabled
    caching_optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6" # Managed-CachingOptimized
  }
  # Managed-AllViewerExceptHostHeader: every viewer header (Authorization, Cookie, Content-Type,
  # Content-Encoding, Idempotency-Key, If-Match, X-Signature-256 ...), cookies and query strings,
  # but not Host, which API Gateway needs to be its own.
  managed_origin_request_policy_all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  # Managed-SecurityHeadersPolicy: HSTS (1 year), X-Content-Type-Options nosniff, X-Frame-Options
  # SAMEORIGIN, Referrer-Policy strict-origin-when-cross-origin, X-XSS-Protection. The API sets
  # stricter values itself (DENY, CSP, no-store) and the policy does not override origin headers.
  managed_response_headers_policy_security = "67f7725c-6f97-4210-82d7-5512b31e9d03"

  edge_url = local.edge_enabled ? "https://${var.custom_domain_name}" : null
}

# ---------------------------------------------------------------------------------------------
# Origin secret: random, in Secrets Manager, rotated by origin_secret_rotation.
# Two slots (a, b): each rotation replaces one slot and sends it, while the other (the value sent
# until now) stays accepted, so edge locations still sending it during the distribution's
# deployment are not refused. Rotate twice to retire a value completely.
# ---------------------------------------------------------------------------------------------

data "aws_secretsmanager_random_password" "origin" {
  for_each = local.edge_enabled ? toset(["a", "b"]) : toset([])

  password_length     = 48
  exclude_punctuation = true
}

resource "terraform_data" "origin_secret" {
  for_each = local.edge_enabled ? toset(["a", "b"]) : toset([])

  # A data source's password is new on every plan: keep the first one until the slot rotates.
  input = data.aws_secretsmanager_random_password.origin[each.key].random_password
  triggers_replace = [
    each.key == "a" ? floor((var.origin_secret_rotation + 1) / 2) : floor(var.origin_secret_rotation / 2)
  ]

  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  # Odd rotations replace slot a, even ones slot b: CloudFront sends the one just replaced.
  origin_secret_slot = var.origin_secret_rotation % 2 == 1 ? "a" : "b"
}

resource "aws_secretsmanager_secret" "origin" {
  #checkov:skip=CKV2_AWS_57:Rotated by origin_secret_rotation: CloudFront must send the new value in the same apply, which a rotation Lambda cannot arrange.
  count = local.edge_enabled ? 1 : 0

  name                    = "tfreview/${var.environment}/origin-verify"
  description             = "Values of the ${local.origin_header} header CloudFront adds; the edge authorizer accepts either slot."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "origin" {
  count = local.edge_enabled ? 1 : 0

  secret_id = aws_secretsmanager_secret.origin[0].id
  secret_string = jsonencode({
    values = [for slot in ["a", "b"] : terraform_data.origin_secret[slot].output]
  })
}

# ---------------------------------------------------------------------------------------------
# Certificate (CloudFront reads certificates from us-east-1 only)
# ---------------------------------------------------------------------------------------------

resource "aws_acm_certificate" "edge" {
  provider = aws.us_east_1
  count    = local.edge_enabled ? 1 : 0

  domain_name       = var.custom_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Without route53_zone_id, create the records from the output edge_certificate_validation_records
# (deploy/README.md, "The edge").
resource "aws_route53_record" "edge_certificate_validation" {
  for_each = {
    for option in(local.edge_enabled && var.route53_zone_id != null ? aws_acm_certificate.edge[0].domain_validation_options : []) :
    option.domain_name => option
  }

  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "edge" {
  provider = aws.us_east_1
  count    = local.edge_enabled ? 1 : 0

  certificate_arn         = aws_acm_certificate.edge[0].arn
  validation_record_fqdns = var.route53_zone_id == null ? null : [for record in aws_route53_record.edge_certificate_validation : record.fqdn]
}

# ---------------------------------------------------------------------------------------------
# Distribution
# ---------------------------------------------------------------------------------------------

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_86:Access logs are optional (edge_access_log_bucket): they need an operator-owned bucket with ACLs; the web ACL's logs (waf_logging_enabled) and the API's access logs cover requests.
  #checkov:skip=CKV_AWS_310:One origin per path; API Gateway and Lambda are regional services with no second origin to fail over to.
  #checkov:skip=CKV_AWS_305:No default root object: "/" is the dashboard's page, served by its origin, not an S3 object.
  #checkov:skip=CKV_AWS_374:No geo restriction: reviewers work from anywhere; sign-in, API keys and the web ACL decide who gets in.
  #checkov:skip=CKV2_AWS_32:Every behaviour has AWS's managed SecurityHeadersPolicy (local.managed_response_headers_policy_security), attached by id, so checkov sees no policy resource; the API sets stricter headers itself.
  count = local.edge_enabled ? 1 : 0

  enabled         = true
  comment         = "tfreview ${var.environment}: API and dashboard"
  aliases         = [var.custom_domain_name]
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.edge_price_class
  web_acl_id      = aws_wafv2_web_acl.this[0].arn

  origin {
    origin_id   = "api"
    domain_name = replace(aws_apigatewayv2_api.this.api_endpoint, "https://", "")

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 30 # the HTTP API's own integration limit
      origin_keepalive_timeout = 5
    }

    custom_header {
      name  = local.origin_header
      value = terraform_data.origin_secret[local.origin_secret_slot].output
    }
  }

  dynamic "origin" {
    for_each = var.enable_web ? [1] : []

    content {
      origin_id   = "web"
      domain_name = replace(aws_apigatewayv2_api.web[0].api_endpoint, "https://", "")

      custom_origin_config {
        http_port                = 80
        https_port               = 443
        origin_protocol_policy   = "https-only"
        origin_ssl_protocols     = ["TLSv1.2"]
        origin_read_timeout      = 30
        origin_keepalive_timeout = 5
      }

      custom_header {
        name  = local.origin_header
        value = terraform_data.origin_secret[local.origin_secret_slot].output
      }

      # API Gateway needs its own Host, so the dashboard learns the viewer's host from here: its
      # CSRF check compares a request's Origin with it. CloudFront replaces a viewer's own value.
      custom_header {
        name  = "X-Forwarded-Host"
        value = var.custom_domain_name
      }
    }
  }

  # Everything the API paths below do not match: the dashboard (its pages, its own handlers under
  # /ui-api/*, sign-in), never cached (sessions). Without a dashboard, the API answers with its 404.
  default_cache_behavior {
    target_origin_id           = var.enable_web ? "web" : "api"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.managed_cache_policy.caching_disabled
    origin_request_policy_id   = local.managed_origin_request_policy_all_viewer_except_host
    response_headers_policy_id = local.managed_response_headers_policy_security
  }

  # The API's paths, never cached: every request reaches the origin with its Authorization.
  dynamic "ordered_cache_behavior" {
    for_each = local.edge_api_paths

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = "api"
      viewer_protocol_policy     = "https-only" # API clients must not send a key over HTTP first
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = local.managed_cache_policy.caching_disabled
      origin_request_policy_id   = local.managed_origin_request_policy_all_viewer_except_host
      response_headers_policy_id = local.managed_response_headers_policy_security
    }
  }

  # The dashboard's build assets carry a content hash in their names: cacheable at the edge.
  dynamic "ordered_cache_behavior" {
    for_each = var.enable_web ? ["/_next/static/*"] : []

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = "web"
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = ["GET", "HEAD"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = local.managed_cache_policy.caching_optimized
      response_headers_policy_id = local.managed_response_headers_policy_security
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.edge[0].certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  dynamic "logging_config" {
    for_each = var.edge_access_log_bucket == null ? [] : [var.edge_access_log_bucket]

    content {
      bucket          = "${logging_config.value}.s3.amazonaws.com"
      prefix          = "cloudfront/${local.name}/"
      include_cookies = false # session cookies stay out of the logs
    }
  }
}

resource "aws_route53_record" "edge_alias" {
  for_each = local.edge_enabled && var.route53_zone_id != null ? toset(["A", "AAAA"]) : toset([])

  zone_id = var.route53_zone_id
  name    = var.custom_domain_name
  type    = each.value

  alias {
    name                   = aws_cloudfront_distribution.this[0].domain_name
    zone_id                = aws_cloudfront_distribution.this[0].hosted_zone_id
    evaluate_target_health = false
  }
}
