# METADATA
# title: Required tags
# description: Tag every taggable resource with team and env, so costs and incidents find an owner.
# custom:
#   severity: MEDIUM
#   remediation: Add the missing keys to the resource's tags (or to the provider's default_tags).
package tfreview.required_tags

import rego.v1

required := {"team", "env"}

tag_keys(tags) := {key | some key, _ in tags} if is_object(tags)

tag_keys(tags) := set() if not is_object(tags)

# Managed resources this plan creates or updates that have a tags attribute (cheapest tests first).
deny contains {"msg": msg, "address": rc.address, "attribute": "tags"} if {
	some rc in input.resource_changes
	tags := rc.change.after.tags
	rc.mode == "managed"
	some action in rc.change.actions
	action in {"create", "update"}
	missing := required - tag_keys(tags)
	count(missing) > 0
	msg := concat("", [rc.address, " is missing required tags: ", concat(", ", sort(missing))])
}
