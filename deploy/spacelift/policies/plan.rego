# tfreview plan policy (PLAN, engine REGO_V1).
#
# The after_plan hook runs `tfreview submit --wait`, which writes aireview.custom.spacelift.json; Spacelift
# exposes it here as input.third_party_metadata.custom.aireview. Deny at or above deny_at, warn at or above
# warn_at, warn when no verdict exists. Per-stack thresholds: labels "tfreview:warn_at:HIGH", "tfreview:deny_at:HIGH".
package spacelift

levels := {"LOW": 0, "MEDIUM": 1, "HIGH": 2, "CRITICAL": 3}

stack_labels := object.get(object.get(object.get(input, "spacelift", {}), "stack", {}), "labels", [])

label_level(prefix) := level if {
	some label in stack_labels
	startswith(label, prefix)
	level := upper(substring(label, count(prefix), -1))
	levels[level]
}

default warn_at := "MEDIUM"

warn_at := label_level("tfreview:warn_at:")

default deny_at := "CRITICAL"

deny_at := label_level("tfreview:deny_at:")

aireview := input.third_party_metadata.custom.aireview

risk_level := upper(aireview.risk_level)

rank := levels[risk_level]

# Messages are built with concat (not sprintf) so every Rego engine renders them the same way.
finding_text(f) := concat(" ", [object.get(f, "severity", "?"), concat("", [object.get(f, "address", "-"), ":"]), object.get(f, "title", "")])

top_findings := concat("; ", [finding_text(f) | some f in array.slice(object.get(aireview, "top_findings", []), 0, 3)])

default score_text := "?"

score_text := format_int(aireview.risk_score, 10) if is_number(aireview.risk_score)

summary := concat("", ["tfreview risk ", risk_level, " (score ", score_text, "): ", top_findings])

deny contains summary if {
	aireview.status == "COMPLETED"
	rank >= levels[deny_at]
}

warn contains summary if {
	aireview.status == "COMPLETED"
	rank >= levels[warn_at]
	rank < levels[deny_at]
}

warn contains msg if {
	not aireview
	msg := "tfreview: no AI review of this plan (aireview.custom.spacelift.json missing); review it by hand"
}

warn contains msg if {
	aireview.status != "COMPLETED"
	msg := concat("", ["tfreview: the AI review did not complete (status ", aireview.status, "); review it by hand"])
}
