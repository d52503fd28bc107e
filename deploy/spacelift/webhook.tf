# The named webhook tfreview receives; only notification policies send to it.
resource "spacelift_named_webhook" "this" {
  name             = "${var.name_prefix}-plan-review"
  endpoint         = var.webhook_endpoint
  space_id         = var.space_id
  enabled          = true
  labels           = var.webhook_labels
  retry_on_failure = true # tfreview answers 5xx only for transient failures, so retries are safe

  secret_wo         = var.webhook_secret
  secret_wo_version = var.webhook_secret_version
}
