# terraform plan -var-file=env/prod.tfvars
aws_region  = "eu-west-1"
environment = "prod"

llm_provider  = "anthropic"
llm_model     = "claude-sonnet-4-5"
llm_fallbacks = ["openai:gpt-4.1"]

# Amazon Bedrock instead (uncomment, and set llm_provider = "bedrock"):
# enable_bedrock     = true
# bedrock_model_arns = ["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"]

spacelift_api_endpoint  = "https://example.app.spacelift.io"
spacelift_api_key_id    = "01EXAMPLEKEYID"
spacelift_write_comment = true
spacelift_write_review  = false

# One domain for the API and the dashboard, behind CloudFront and AWS WAF; API Gateway admits
# only CloudFront (deploy/README.md, "The edge").
custom_domain_name  = "tfreview.example.com"
route53_zone_id     = "Z0123456789EXAMPLE"
enable_edge         = true
waf_rate_limit      = 2000
waf_logging_enabled = true
# edge_access_log_bucket = "example-cloudfront-logs"   # an existing bucket with ACLs enabled

reviewer_max_retry_attempts    = 1
reviewer_max_event_age_seconds = 3600

throttling_burst_limit = 100
throttling_rate_limit  = 50

log_retention_days = 90
alarm_email        = "platform-oncall@example.com"

table_deletion_protection = true

# The dashboard only with sign-in (deploy/README.md, "Sign-in"): here Okta.
enable_web     = true
oidc_issuer    = "https://example.okta.com/oauth2/default"
oidc_client_id = "0oaEXAMPLEclientid"

# Review events go to the default EventBridge bus (event_bus_name); HIGH+ reviews, failures and
# decisions to the notifications SNS topic and its e-mail subscription, and to Slack for prod stacks.
# The Slack URL goes into the notifications secret (docs/notifications.md).
notification_email    = "platform-oncall@example.com"
notification_channels = [{ name = "platform-slack", type = "slack", stacks = ["prod-*"] }]

tags = {
  CostCenter = "platform"
}
