# METADATA
# title: Allowed regions
# description: Data stays in the European regions the company has approved.
# custom:
#   severity: HIGH
#   remediation: Deploy to eu-west-1 or eu-central-1 (Azure westeurope/northeurope, Google EU locations).
package tfreview.allowed_regions

import rego.v1

allowed := {
	"eu-west-1", "eu-central-1",
	"westeurope", "northeurope",
	"europe-west1", "europe-west3", "EU",
}

# A resource's own region or location attribute.
deny contains {"msg": msg, "address": rc.address, "attribute": attribute} if {
	some rc in input.resource_changes
	some action in rc.change.actions
	action in {"create", "update"}
	some attribute in ["region", "location"]
	value := rc.change.after[attribute]
	is_string(value)
	not value in allowed
	msg := concat("", [rc.address, " is in ", value, ", outside the allowed regions"])
}

# A provider configured for another region (conftest input only: Spacelift's input has no configuration).
deny contains {"msg": msg} if {
	some name, provider in input.configuration.provider_config
	region := provider.expressions.region.constant_value
	not region in allowed
	msg := concat("", ["provider ", name, " is configured for ", region, ", outside the allowed regions"])
}
