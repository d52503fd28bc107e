# A Spacelift plan policy: resources outside the approved European regions need a human look (warn).
# METADATA
# scope: package
# title: Allowed regions (Spacelift)
# custom:
#   severity: HIGH
package spacelift

import rego.v1

allowed := {"eu-west-1", "eu-central-1", "westeurope", "northeurope", "europe-west1", "europe-west3", "EU"}

warn contains msg if {
	some rc in input.terraform.resource_changes
	some action in rc.change.actions
	action in {"create", "update"}
	some attribute in ["region", "location"]
	value := rc.change.after[attribute]
	is_string(value)
	not value in allowed
	msg := concat("", [rc.address, " is in ", value, ", outside the allowed regions"])
}
