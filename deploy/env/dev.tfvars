# terraform plan -var-file=env/dev.tfvars
aws_region  = "eu-west-1"
environment = "dev"

llm_provider = "openai"
llm_model    = "gpt-4.1-mini"

cors_allowed_origins = ["http://localhost:3000"]

throttling_burst_limit = 20
throttling_rate_limit  = 10

log_level          = "DEBUG"
log_retention_days = 14

# A dev table can go; a prod table cannot.
table_deletion_protection   = false
secret_recovery_window_days = 0

# The dashboard signs people in (required with enable_web); dev skips the edge to stay cheap.
enable_web     = true
oidc_issuer    = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE"
oidc_client_id = "1example23456789clientid"

tags = {
  CostCenter = "platform"
}
