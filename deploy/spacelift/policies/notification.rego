# tfreview notification policy (NOTIFICATION, engine REGO_V1).
#
# When a run's plan is ready, send tfreview a custom payload with the run and stack, the change list
# (run_updated.run.changes) and the planning log. On the run's later state changes, send the default run
# payload so tfreview can show that the run was applied, discarded or failed.
# Routes to every named webhook labelled "tfreview" (see webhook.tf).
package spacelift

webhook_label := "tfreview"

schema := "tfreview.spacelift/v1"

# States after the plan that tfreview records on an existing review (the default payload carries stateVersion).
follow_up_states := {
	"CONFIRMED", "APPLYING", "FINISHED", "FAILED", "DISCARDED", "STOPPED", "CANCELED", "SKIPPED",
}

plan_ready(run) if {
	run.type == "PROPOSED"
	run.state in {"FINISHED", "PENDING_REVIEW"}
}

plan_ready(run) if {
	run.type == "TRACKED"
	run.state == "UNCONFIRMED"
}

endpoints contains endpoint.id if {
	some endpoint in input.webhook_endpoints
	webhook_label in object.get(endpoint, "labels", [])
}

run := input.run_updated.run

stack := input.run_updated.stack

runtime_config := object.get(run, "runtime_config", {})

payload := {
	"schema": schema,
	"account": input.account.name,
	"state": run.state,
	"run": {
		"id": run.id,
		"type": run.type,
		"state": run.state,
		"updated_at": run.updated_at,
		"created_at": object.get(run, "created_at", null),
		"branch": object.get(run, "branch", null),
		"commit": object.get(run, "commit", null),
		"drift_detection": object.get(run, "drift_detection", false),
		"triggered_by": object.get(run, "triggered_by", null),
		"changes": object.get(run, "changes", []),
		"terraform_version": object.get(runtime_config, "terraform_version", null),
	},
	"stack": {
		"id": stack.id,
		"name": object.get(stack, "name", null),
		"labels": object.get(stack, "labels", []),
		"space": object.get(object.get(stack, "space", {}), "id", null),
	},
	"run_url": object.get(object.get(input.run_updated, "urls", {}), "run", null),
	"policy_receipts": object.get(run, "policy_receipts", []),
	# Spacelift replaces this placeholder with the planning phase's log.
	"planning_log": "spacelift::logs::planning",
}

# The plan is ready: our custom payload.
webhook contains {"endpoint_id": endpoint_id, "payload": payload} if {
	plan_ready(run)
	some endpoint_id in endpoints
}

# A later state of a reviewed run: the default run payload.
webhook contains {"endpoint_id": endpoint_id} if {
	run.type in {"PROPOSED", "TRACKED"}
	run.state in follow_up_states
	not plan_ready(run)
	some endpoint_id in endpoints
}
