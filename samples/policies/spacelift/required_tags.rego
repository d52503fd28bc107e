# tfreview:input spacelift
# A Spacelift plan policy (Rego v0, as many Spacelift policies are written): every taggable resource
# created or updated carries the team and env tags. Stacks labelled "tags:optional" are exempt.
package spacelift

import future.keywords.in

required := {"team", "env"}

exempt {
	"tags:optional" in input.spacelift.stack.labels
}

tag_keys(after) = keys {
	is_object(after.tags)
	keys := {key | after.tags[key]}
}

tag_keys(after) = set() {
	not is_object(after.tags)
}

deny[msg] {
	not exempt
	rc := input.terraform.resource_changes[_]
	rc.change.actions[_] in {"create", "update"}
	is_object(rc.change.after)
	"tags" in object.keys(rc.change.after)
	missing := required - tag_keys(rc.change.after)
	count(missing) > 0
	msg := concat("", [rc.address, " is missing required tags: ", concat(", ", sort(missing))])
}
