# METADATA
# title: Required tags
# description: Tag every taggable resource with team and env, so costs and incidents find an owner.
# custom:
#   severity: MEDIUM
#   remediation: Add the missing keys to the resource's tags (or to the provider's default_tags).
package tfreview.required_tags

import rego.v1

required := {"team", "env"}

# Managed resources this plan creates or updates that have a tags attribute.
taggable contains rc if {
	some rc in input.resource_changes
	rc.mode == "managed"
	some action in rc.change.actions
	action in {"create", "update"}
	is_object(rc.change.after)
	"tags" in object.keys(rc.change.after)
}

tag_keys(after) := {key | some key, _ in after.tags} if is_object(after.tags)

tag_keys(after) := set() if not is_object(after.tags)

deny contains {"msg": msg, "address": rc.address, "attribute": "tags"} if {
	some rc in taggable
	missing := required - tag_keys(rc.change.after)
	count(missing) > 0
	msg := concat("", [rc.address, " is missing required tags: ", concat(", ", sort(missing))])
}
