output "webhook_id" {
  description = "ID of the named webhook (the slug notification policies reference)."
  value       = spacelift_named_webhook.this.id
}

output "notification_policy_id" {
  description = "ID of the NOTIFICATION policy that sends plan-ready runs to tfreview."
  value       = spacelift_policy.notification.id
}

output "plan_policy_id" {
  description = "ID of the PLAN policy that warns or denies from the tfreview verdict."
  value       = spacelift_policy.plan.id
}

output "approval_policy_id" {
  description = "ID of the APPROVAL policy example that requires the tfreview reviewer's approval."
  value       = spacelift_policy.approval.id
}

output "context_id" {
  description = "ID of the context holding the after_plan hook and the tfreview API settings."
  value       = spacelift_context.this.id
}
