# A Spacelift plan policy: no bucket readable by everyone.
package spacelift

import rego.v1

public_acls := {"public-read", "public-read-write", "authenticated-read"}

# Created or updated (a deleted bucket exposes nothing).
writes(rc) if {
	some action in rc.change.actions
	action in {"create", "update"}
}

deny contains msg if {
	some rc in input.terraform.resource_changes
	rc.type in {"aws_s3_bucket", "aws_s3_bucket_acl"}
	writes(rc)
	rc.change.after.acl in public_acls
	msg := concat("", [rc.address, " grants the ", rc.change.after.acl, " ACL"])
}

deny contains msg if {
	some rc in input.terraform.resource_changes
	rc.type == "aws_s3_bucket_public_access_block"
	writes(rc)
	some setting in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
	rc.change.after[setting] == false
	msg := concat("", [rc.address, " turns off ", setting])
}

deny contains msg if {
	some rc in input.terraform.resource_changes
	rc.type in {"google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"}
	writes(rc)
	some member in object.get(rc.change.after, "members", [object.get(rc.change.after, "member", "")])
	member in {"allUsers", "allAuthenticatedUsers"}
	msg := concat("", [rc.address, " makes bucket ", rc.change.after.bucket, " readable by ", member])
}

deny contains msg if {
	some rc in input.terraform.resource_changes
	rc.type == "azurerm_storage_account"
	writes(rc)
	rc.change.after.allow_nested_items_to_be_public == true
	msg := concat("", [rc.address, " allows public containers and blobs"])
}
