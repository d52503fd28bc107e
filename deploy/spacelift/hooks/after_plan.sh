# tfreview after_plan hook: review the plan that was just made and leave the verdict for the plan policy.
# TFREVIEW_API_URL / TFREVIEW_API_KEY come from the tfreview context; run and stack ids from TF_VAR_spacelift_*.
# A review problem must not break the run on its own: the plan policy decides (it warns when no verdict exists).
terraform show -json spacelift.plan | tfreview submit - --wait --timeout 240 --output aireview.custom.spacelift.json || echo "tfreview: review not available (exit $?); the plan policy will warn"
