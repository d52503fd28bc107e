# Secrets are created empty: Terraform never sees their values, so they never reach the state.
# Put the values with `aws secretsmanager put-secret-value` (deploy/README.md, "Secrets").
locals {
  secrets = merge(
    {
      openai_api_key           = "OpenAI API key used by the reviewer (the key string only)."
      anthropic_api_key        = "Anthropic API key used by the reviewer (the key string only)."
      spacelift_webhook_secret = "Secret of the Spacelift webhook; the API checks X-Signature-256 with it."
      spacelift_api_key        = "Secret of the Spacelift API key whose id is in TFR_SPACELIFT_API_KEY_ID (webhook plan fetch and reviewer write-back)."
      api_keys                 = "tfreview API keys as 'name:scopes:<sha256 hex of the key>' lines (scopes: read, submit, decide, rerun joined by '+'); hashes only, never keys."
      notifications            = "JSON {channel name: {url, signing_secret}} of the Slack and webhook notification channels (notifications.tf)."
    },
    var.enable_web ? {
      oidc_client_secret = "Client secret of the dashboard's application at the OIDC identity provider."
      session_secret     = "Random key (32+ bytes) the dashboard seals its session cookies with; a new value signs everyone out."
    } : {},
  )
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Third-party keys (OpenAI, Anthropic, Spacelift) cannot be rotated by a Lambda here; rotate by putting a new value (README).
  for_each = local.secrets

  name                    = "tfreview/${var.environment}/${replace(each.key, "_", "-")}"
  description             = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}
