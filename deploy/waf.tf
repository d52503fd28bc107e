# The web ACL on the CloudFront distribution (scope CLOUDFRONT, so in us-east-1): AWS managed rule
# groups, a per-IP rate limit and body-size rules that refuse at the edge exactly what the API
# would refuse with 413 (tests/deploy/test_edge.py checks the limits against app/).
locals {
  # The API's body limits (bytes on the wire): TFR_MAX_BODY_BYTES for every route
  # (app/api/body.py), 64 KiB for PUT /api/reviews/{id} (app/api/reviews.py UPDATE_BODY_BYTES),
  # 6 MiB for the Spacelift webhook (app/api/webhooks.py MAX_WEBHOOK_BODY_BYTES).
  edge_body_limits = {
    any     = var.max_body_mb * 1024 * 1024
    update  = min(var.max_body_mb * 1024 * 1024, 64 * 1024)
    webhook = min(var.max_body_mb * 1024 * 1024, 6 * 1024 * 1024)
  }

  # WAF compares header values as text, so "Content-Length above n" is a regex over the digits:
  # more digits than n, or as many and larger at the first digit that differs from n.
  edge_over_limit_patterns = {
    for name, limit in local.edge_body_limits : name => format("^0*(?:%s)$", join("|", concat(
      [format("[1-9][0-9]{%d,}", length(tostring(limit)))],
      [
        for i in range(length(tostring(limit))) : format(
          "%s[%d-9][0-9]{%d}",
          substr(tostring(limit), 0, i),
          tonumber(substr(tostring(limit), i, 1)) + 1,
          length(tostring(limit)) - i - 1,
        ) if substr(tostring(limit), i, 1) != "9"
      ],
    )))
  }

  # Rules of AWSManagedRulesCommonRuleSet that inspect bodies, counted instead of blocking: the
  # bodies are Terraform plans and Spacelift deliveries, JSON data that legitimately holds
  # scripts (user_data), paths, URLs and the instance metadata address, and plans are far over
  # the group's 8 KB body limit. The app parses them strictly as JSON and keeps their text inert.
  waf_common_rules_counted = [
    "SizeRestrictions_BODY",
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
  ]
}

resource "aws_wafv2_web_acl" "this" {
  provider = aws.us_east_1
  count    = local.edge_enabled ? 1 : 0

  name        = local.name
  description = "tfreview ${var.environment}: managed rules, rate limit, body limits of the API"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  # The same error shape as the API's own answers (app/api/errors.py).
  custom_response_body {
    key          = "payload_too_large"
    content_type = "APPLICATION_JSON"
    content      = jsonencode({ error = { code = "payload_too_large", message = "request body is over the API's limit for this route", details = null }, request_id = "edge" })
  }

  custom_response_body {
    key          = "rate_limited"
    content_type = "APPLICATION_JSON"
    content      = jsonencode({ error = { code = "rate_limited", message = "too many requests from this address; retry later", details = null }, request_id = "edge" })
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  # Tor exit nodes and anonymising proxies are refused; cloud hosting addresses only counted, as
  # Spacelift workers and CI runners call from them.
  rule {
    name     = "aws-anonymous-ip"
    priority = 15

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        rule_action_override {
          name = "HostingProviderIPList"

          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "rate-per-ip"
    priority = 20

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = "rate_limited"

          response_header {
            name  = "retry-after"
            value = "60"
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-rate-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "body-over-update-limit"
    priority = 30

    action {
      block {
        custom_response {
          response_code            = 413
          custom_response_body_key = "payload_too_large"
        }
      }
    }

    statement {
      and_statement {
        statement {
          byte_match_statement {
            search_string         = "PUT"
            positional_constraint = "EXACTLY"

            field_to_match {
              method {}
            }

            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }

        statement {
          regex_match_statement {
            regex_string = "^/api/reviews/[^/]+/?$"

            field_to_match {
              uri_path {}
            }

            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }

        statement {
          regex_match_statement {
            regex_string = local.edge_over_limit_patterns.update

            field_to_match {
              single_header {
                name = "content-length"
              }
            }

            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-body-over-update-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "body-over-webhook-limit"
    priority = 31

    action {
      block {
        custom_response {
          response_code            = 413
          custom_response_body_key = "payload_too_large"
        }
      }
    }

    statement {
      and_statement {
        statement {
          byte_match_statement {
            search_string         = "/webhooks/"
            positional_constraint = "STARTS_WITH"

            field_to_match {
              uri_path {}
            }

            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }

        statement {
          regex_match_statement {
            regex_string = local.edge_over_limit_patterns.webhook

            field_to_match {
              single_header {
                name = "content-length"
              }
            }

            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-body-over-webhook-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "body-over-api-limit"
    priority = 32

    action {
      block {
        custom_response {
          response_code            = 413
          custom_response_body_key = "payload_too_large"
        }
      }
    }

    statement {
      regex_match_statement {
        regex_string = local.edge_over_limit_patterns.any

        field_to_match {
          single_header {
            name = "content-length"
          }
        }

        text_transformation {
          priority = 0
          type     = "NONE"
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-body-over-api-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 40

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        dynamic "rule_action_override" {
          for_each = local.waf_common_rules_counted

          content {
            name = rule_action_override.value

            action_to_use {
              count {}
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 50

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
}

# ---------------------------------------------------------------------------------------------
# Optional logging (waf_logging_enabled): a log group in us-east-1 whose name starts with
# aws-waf-logs-, with the credentials redacted.
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "waf" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days (30 by default); raise it where policy asks.
  #checkov:skip=CKV_AWS_158:Encrypted by CloudWatch Logs by default; kms_key_arn lives in aws_region and a log group in us-east-1 cannot use it.
  provider = aws.us_east_1
  count    = local.edge_enabled && var.waf_logging_enabled ? 1 : 0

  name              = "aws-waf-logs-${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  provider = aws.us_east_1
  count    = local.edge_enabled && var.waf_logging_enabled ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # API keys, user tokens and session cookies never reach the log.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
}
