# tfreview:input spacelift
# A Spacelift plan policy (Rego v0, as many Spacelift policies are written): every taggable resource
# created or updated carries the team and env tags. Stacks labelled "tags:optional" are exempt.
package spacelift

import future.keywords.in

required := {"team", "env"}

exempt {
	"tags:optional" in input.spacelift.stack.labels
}

tag_keys(tags) = keys {
	is_object(tags)
	keys := {key | tags[key]}
}

tag_keys(tags) = set() {
	not is_object(tags)
}

deny[msg] {
	not exempt
	rc := input.terraform.resource_changes[_]
	tags := rc.change.after.tags
	rc.change.actions[_] in {"create", "update"}
	missing := required - tag_keys(tags)
	count(missing) > 0
	msg := concat("", [rc.address, " is missing required tags: ", concat(", ", sort(missing))])
}
