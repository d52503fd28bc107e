# The after_plan hook and its settings, shared by every reviewed stack through a context.
resource "spacelift_context" "this" {
  name        = "${var.name_prefix}-plan-review"
  description = "Runs tfreview submit after each plan and leaves aireview.custom.spacelift.json for the plan policy."
  space_id    = var.space_id

  before_plan = [var.tfreview_install_command]
  after_plan  = [file("${path.module}/hooks/after_plan.sh")]
}

resource "spacelift_environment_variable" "api_url" {
  context_id = spacelift_context.this.id
  name       = "TFREVIEW_API_URL"
  value      = var.tfreview_api_url
  write_only = false
}

resource "spacelift_environment_variable" "api_key" {
  context_id = spacelift_context.this.id
  name       = "TFREVIEW_API_KEY"
  value      = var.tfreview_api_key
  write_only = true
}

resource "spacelift_context_attachment" "this" {
  for_each = toset(var.stack_ids)

  context_id = spacelift_context.this.id
  stack_id   = each.value
}
