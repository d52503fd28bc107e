# tfreview's own module, loaded beside the custom policies (reviewer/policies/evaluation.py).
# The engine's input is conftest's: the `terraform show -json` document. Spacelift-shaped policies are
# evaluated `with input as spacelift_input`, derived here from the same parsed values, so the plan is
# serialized and parsed once whatever the shapes. Keep in step with reviewer/policies/inputs.py
# (spacelift_input, spacelift_change): a test compares the two.
package __tfreview

import rego.v1

context := {} # the run context

# Fields of a resource change in Spacelift's plan policy input (input.terraform.resource_changes[]).
change_keys := ["address", "type", "name", "provider_name", "module_address", "mode", "index"]

changes := input.resource_changes if {
	is_array(input.resource_changes)
} else := []

change_object(rc) := rc.change if {
	is_object(rc.change)
} else := {}

spacelift_change(rc) := object.union(object.filter(rc, change_keys), {"change": {
	"actions": object.get(c, "actions", []),
	"before": object.get(c, "before", null),
	"after": object.get(c, "after", null),
}}) if {
	c := change_object(rc)
}

spacelift_input := {
	"spacelift": context,
	"terraform": {
		"resource_changes": [spacelift_change(rc) | some rc in changes; is_object(rc)],
		"terraform_version": object.get(input, "terraform_version", null),
	},
	"third_party_metadata": {},
}
