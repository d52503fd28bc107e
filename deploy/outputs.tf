output "api_url" {
  description = "Base URL of the HTTP API (execute-api); append /api/..., /webhooks/spacelift, /docs."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "custom_domain_url" {
  description = "https:// URL of the custom domain (CloudFront with the edge, the regional API domain without), or null when none is configured."
  value       = var.custom_domain_name != null ? "https://${var.custom_domain_name}" : null
}

output "spacelift_webhook_url" {
  description = "Endpoint to paste into the Spacelift webhook (with the secret put into the spacelift-webhook-secret secret)."
  value       = "${var.custom_domain_name != null ? "https://${var.custom_domain_name}" : aws_apigatewayv2_api.this.api_endpoint}/webhooks/spacelift"
}

output "dashboard_url" {
  description = "URL of the dashboard (the custom domain with the edge), or null when enable_web is false."
  value       = var.enable_web ? coalesce(local.edge_url, aws_apigatewayv2_api.web[0].api_endpoint) : null
}

output "edge" {
  description = "The edge, or null without it: CloudFront distribution id and domain (the CNAME target when route53_zone_id is null), web ACL ARN, origin secret ARN."
  value = local.edge_enabled ? {
    distribution_id     = aws_cloudfront_distribution.this[0].id
    distribution_domain = aws_cloudfront_distribution.this[0].domain_name
    web_acl_arn         = aws_wafv2_web_acl.this[0].arn
    origin_secret_arn   = aws_secretsmanager_secret.origin[0].arn
  } : null
}

output "edge_certificate_validation_records" {
  description = "DNS records that validate the edge certificate; create them yourself when route53_zone_id is null (deploy/README.md, \"The edge\")."
  value = local.edge_enabled ? [
    for option in aws_acm_certificate.edge[0].domain_validation_options : {
      name  = option.resource_record_name
      type  = option.resource_record_type
      value = option.resource_record_value
    }
  ] : []
}

output "table_name" {
  description = "Name of the DynamoDB table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the DynamoDB table (for PITR restores and backups)."
  value       = aws_dynamodb_table.this.arn
}

output "function_names" {
  description = "Lambda function names by role (api, reviewer, sweep, web)."
  value       = local.function_names
}

output "reviewer_alias_arn" {
  description = "ARN of the reviewer's 'live' alias, which the API invokes asynchronously."
  value       = aws_lambda_alias.reviewer.arn
}

output "live_versions" {
  description = "Published Lambda versions the 'live' aliases point at (note them before an upgrade to roll back)."
  value = {
    api      = aws_lambda_alias.api.function_version
    reviewer = aws_lambda_alias.reviewer.function_version
  }
}

output "reviewer_failures_queue_url" {
  description = "URL of the SQS queue holding review events that failed every attempt."
  value       = aws_sqs_queue.reviewer_failures.url
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms publish to; subscribe more endpoints to it."
  value       = aws_sns_topic.alarms.arn
}

output "secret_arns" {
  description = "Secrets Manager secrets by purpose; they are created empty: put their values with `aws secretsmanager put-secret-value`."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}
