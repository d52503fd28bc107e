# Sends tfreview a custom payload (schema, run, stack, change list, planning log) when a plan is ready,
# and the default run payload on later state changes. Notification policies apply by space.
resource "spacelift_policy" "notification" {
  name        = "${var.name_prefix}-notification"
  description = "Routes plan-ready runs (with their change list and planning log) to the tfreview webhook."
  type        = "NOTIFICATION"
  engine_type = "REGO_V1"
  space_id    = var.space_id
  body        = file("${path.module}/policies/notification.rego")
}

# Warns or denies from the verdict the after_plan hook leaves in aireview.custom.spacelift.json.
resource "spacelift_policy" "plan" {
  name        = "${var.name_prefix}-plan"
  description = "Warns or denies a run from the tfreview risk level in third_party_metadata.custom.aireview."
  type        = "PLAN"
  engine_type = "REGO_V1"
  space_id    = var.space_id
  body        = file("${path.module}/policies/plan.rego")
}

# Example: a run needs the AI reviewer's approval (its API key group), or a human override.
resource "spacelift_policy" "approval" {
  name        = "${var.name_prefix}-approval"
  description = "Requires an approval from the ${var.reviewer_group} group (the tfreview API key) before a run proceeds."
  type        = "APPROVAL"
  engine_type = "REGO_V1"
  space_id    = var.space_id
  body        = file("${path.module}/policies/approval.rego")
}

resource "spacelift_policy_attachment" "plan" {
  for_each = toset(var.stack_ids)

  policy_id = spacelift_policy.plan.id
  stack_id  = each.value
}

resource "spacelift_policy_attachment" "approval" {
  for_each = var.enable_approval_policy ? toset(var.stack_ids) : toset([])

  policy_id = spacelift_policy.approval.id
  stack_id  = each.value
}
