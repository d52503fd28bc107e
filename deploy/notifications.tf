# Review events and notifications (docs/notifications.md). Every review that reaches COMPLETED or
# FAILED, and every decision, is one event per (review, version, kind): on EventBridge (source
# "tfreview") for rules to route anywhere, and to the channels of var.notification_channels plus
# this file's SNS topic, each by its threshold and stack routing. The API writes the event beside
# the review version; the reviewer sends it right after the review's final write, and the sweep
# (scheduler.tf) sends decisions and retries. Slack and webhook URLs and signing secrets live in the
# notifications secret, put with `aws secretsmanager put-secret-value` (deploy/README.md).
locals {
  event_bus_arn = "arn:${local.partition}:events:${var.aws_region}:${local.account_id}:event-bus/${coalesce(var.event_bus_name, "default")}"

  # The SNS topic is a channel like the others; the operator's Slack and webhook channels follow it.
  notification_channels = concat(
    [{
      name        = "aws-topic"
      type        = "sns"
      topic_arn   = aws_sns_topic.this.arn
      min_level   = var.notification_topic_min_level
      stacks      = null
      on_failure  = true
      on_decision = true
    }],
    [for channel in var.notification_channels : merge(channel, { topic_arn = null })],
  )
  notification_channels_json = jsonencode(local.notification_channels)
  notification_dashboard_url = var.dashboard_url != null ? var.dashboard_url : try(aws_apigatewayv2_api.web[0].api_endpoint, null)
}

resource "aws_sns_topic" "this" {
  name = "${local.name}-notifications"
  # The customer key when one is configured, else SNS's own AWS managed key: never unencrypted.
  kms_master_key_id = var.kms_key_arn != null ? var.kms_key_arn : "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count = var.notification_email == null ? 0 : 1

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = var.notification_email
}
