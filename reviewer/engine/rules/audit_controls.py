"""Security controls deleted: audit logging, threat detection and account guardrails (trails, detectors, flow
logs, diagnostic settings, sinks, SCP attachments, locks, default encryption, Kubernetes admission control)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import update_sides

HIGH, MEDIUM = Severity.HIGH, Severity.MEDIUM

# type -> (what stops when it is deleted, severity)
AWS_CONTROLS: dict[str, tuple[str, Severity]] = {
    "aws_cloudtrail": ("API activity stops being recorded (CloudTrail)", HIGH),
    "aws_guardduty_detector": ("threat detection stops (GuardDuty)", HIGH),
    "aws_securityhub_account": ("Security Hub findings and standard checks stop", HIGH),
    "aws_config_configuration_recorder": ("resource configuration history stops (AWS Config)", MEDIUM),
    "aws_config_delivery_channel": ("AWS Config stops delivering its history", MEDIUM),
    "aws_flow_log": ("network traffic stops being recorded (flow log)", MEDIUM),
    "aws_cloudtrail_event_data_store": ("CloudTrail Lake stops keeping events", MEDIUM),
    "aws_accessanalyzer_analyzer": (
        "external and unused access stops being analysed (Access Analyzer)",
        MEDIUM,
    ),
    "aws_macie2_account": ("sensitive data discovery stops (Macie)", MEDIUM),
    "aws_inspector2_enabler": ("vulnerability scanning stops (Inspector)", MEDIUM),
    "aws_detective_graph": ("investigation data stops being collected (Detective)", MEDIUM),
    "aws_securityhub_standards_subscription": ("a Security Hub standard stops being checked", MEDIUM),
    "aws_organizations_policy_attachment": ("a service control policy stops applying to its target", HIGH),
    "aws_organizations_policy": (
        "its service control policy stops applying to every account and OU it is attached to",
        HIGH,
    ),
    "aws_ebs_encryption_by_default": ("new EBS volumes stop being encrypted by default", MEDIUM),
    "aws_iam_account_password_policy": ("IAM user passwords fall back to AWS's weak defaults", MEDIUM),
    "aws_wafv2_web_acl_association": ("the load balancer or API loses its web application firewall", MEDIUM),
    "aws_wafv2_web_acl": ("its web application firewall rules stop filtering requests", MEDIUM),
    "aws_shield_protection": ("the resource loses Shield Advanced DDoS protection", MEDIUM),
}
AZURE_CONTROLS: dict[str, tuple[str, Severity]] = {
    "azurerm_monitor_diagnostic_setting": (
        "resource or activity logs stop reaching their destination",
        MEDIUM,
    ),
    "azurerm_monitor_aad_diagnostic_setting": ("Entra ID sign-in and audit logs stop being exported", HIGH),
    "azurerm_monitor_log_profile": ("the activity log stops being exported", HIGH),
    "azurerm_network_watcher_flow_log": ("network traffic stops being recorded (NSG/VNet flow log)", MEDIUM),
    "azurerm_security_center_subscription_pricing": ("a Defender for Cloud plan is removed", HIGH),
    "azurerm_management_lock": (
        "the lock that guards its scope against deletion or change is removed",
        MEDIUM,
    ),
    "azurerm_sentinel_log_analytics_workspace_onboarding": (
        "Microsoft Sentinel stops on the workspace",
        HIGH,
    ),
    **dict.fromkeys(
        ("azurerm_mssql_server_extended_auditing_policy", "azurerm_mssql_database_extended_auditing_policy"),
        ("SQL auditing stops recording who queried or changed the data", MEDIUM),
    ),
    "azurerm_mssql_server_security_alert_policy": (
        "SQL threat detection stops (injection and brute-force alerts)",
        MEDIUM,
    ),
    "azurerm_mssql_server_vulnerability_assessment": ("SQL vulnerability scans stop", MEDIUM),
    "azurerm_management_group": (
        "its subscriptions move to the parent group and lose the policies and role assignments made at this "
        "group",
        MEDIUM,
    ),
    **dict.fromkeys(
        (
            "azurerm_management_group_policy_assignment",
            "azurerm_subscription_policy_assignment",
            "azurerm_resource_group_policy_assignment",
            "azurerm_resource_policy_assignment",
        ),
        ("an Azure Policy assignment stops applying to its scope", MEDIUM),
    ),
}
GCP_CONTROLS: dict[str, tuple[str, Severity]] = {
    "google_project_iam_audit_config": ("Data Access audit logs stop for the project", HIGH),
    "google_folder_iam_audit_config": ("Data Access audit logs stop for the folder", HIGH),
    "google_organization_iam_audit_config": ("Data Access audit logs stop for the organization", HIGH),
    "google_logging_project_sink": ("logs stop being exported by this sink", MEDIUM),
    "google_logging_folder_sink": ("folder logs stop being exported by this sink", MEDIUM),
    "google_logging_organization_sink": ("organization logs stop being exported by this sink", HIGH),
    "google_logging_billing_account_sink": ("billing account logs stop being exported by this sink", MEDIUM),
    "google_org_policy_policy": ("an organization policy constraint stops applying", HIGH),
    "google_organization_policy": ("an organization policy constraint stops applying", HIGH),
    "google_folder_organization_policy": (
        "an organization policy constraint stops applying to the folder",
        HIGH,
    ),
    "google_project_organization_policy": (
        "an organization policy constraint stops applying to the project",
        HIGH,
    ),
    "google_folder": (
        "the IAM grants and organization policies set on the folder are lost (GCP refuses to delete a folder "
        "that still holds projects)",
        MEDIUM,
    ),
}


def _really_destroyed(before: State) -> bool:
    """skip_destroy = true only removes the object from the state: AWS keeps it."""
    return before.get("skip_destroy") is not True


def _guardrail_policy(before: State) -> bool:
    """An SCP or RCP (the provider's default type is SCP), not a tag, backup or AI opt-out policy."""
    return _really_destroyed(before) and before.get("type") in GUARDRAIL_POLICY_TYPES


GUARDRAIL_POLICY_TYPES = (None, "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
# Deleting these is a lost control only when this holds of the deleted object.
CONTROL_APPLIES: dict[str, Callable[[State], bool]] = {
    "aws_organizations_policy": _guardrail_policy,
    "aws_organizations_policy_attachment": _really_destroyed,
}
KUBERNETES_CONTROLS: dict[str, tuple[str, Severity]] = {
    **dict.fromkeys(
        ("kubernetes_validating_webhook_configuration", "kubernetes_validating_webhook_configuration_v1"),
        ("the admission policies it enforced (Gatekeeper, Kyverno, ...) stop being checked", MEDIUM),
    ),
    "kubernetes_validating_admission_policy_binding_v1": (
        "the admission policy it bound stops being enforced",
        MEDIUM,
    ),
}
# Attributes naming what a control watches: when that object is deleted too, nothing is left unwatched.
WATCHED_ATTRIBUTES = ("vpc_id", "subnet_id", "eni_id", "transit_gateway_id", "transit_gateway_attachment_id")


def _destroyed_ids(ctx: RuleContext) -> set[str]:
    ids: set[str] = set()
    for rc in ctx.plan.resource_changes:
        if rc.action.destroys and isinstance(rc.before, dict):
            value = rc.before.get("id")
            if isinstance(value, str) and value:
                ids.add(value)
    return ids


def _created_types(ctx: RuleContext) -> set[str]:
    return {rc.type for rc in ctx.plan.resource_changes if rc.action is Action.CREATE and not rc.is_data}


def _deletion_rule(rule_id: str, title: str, controls: dict[str, tuple[str, Severity]], why: str) -> None:
    meta = RuleMeta(
        id=rule_id,
        title=title,
        severity=HIGH,
        category=Category.SECURITY,
        rationale=why,
        remediation="Keep the control; if it really must go, replace it first (a new trail, detector or sink) "
        "and delete the old one in its own reviewed change.",
    )

    def check(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
        if rc.action is not Action.DELETE or rc.is_data or rc.deposed is not None:
            return
        applies = CONTROL_APPLIES.get(rc.type)
        if applies is not None and not applies(State(rc.before)):
            return
        if rc.type == "aws_flow_log":
            before = State(rc.before)
            watched = {v for a in WATCHED_ATTRIBUTES if isinstance(v := before.get(a), str) and v}
            if watched & ctx.memo("destroyed_ids", _destroyed_ids):
                return  # the VPC, subnet or interface it watched goes away in the same plan
        what, severity = controls[rc.type]
        if rc.type in ctx.memo("created_types", _created_types):
            yield Hit(
                f"{rc.address} is deleted: {what}; a new {rc.type} is created in the same plan, check it "
                "replaces this one.",
                severity=Severity.LOW,
            )
            return
        yield Hit(f"{rc.address} is deleted: {what}.", severity=severity)

    REGISTRY.change(meta, *controls)(check)


_deletion_rule(
    "TFR-AWS-AUD-001",
    "Security control deleted (audit logging, threat detection, guardrails)",
    AWS_CONTROLS,
    "Deleting CloudTrail, GuardDuty, Security Hub, AWS Config or flow logs blinds detection and forensics (a "
    "classic step of an attacker covering their tracks, MITRE T1562.008); deleting an SCP or its attachment, "
    "default EBS encryption, the password policy or a WAF web ACL or association removes a guardrail.",
)
_deletion_rule(
    "TFR-AZ-010",
    "Azure security control deleted (logging, Defender, locks, policy)",
    AZURE_CONTROLS,
    "Deleting diagnostic settings, the activity log export, flow logs or a Defender plan stops the records and "
    "alerts that show who did what; deleting a management lock removes the guard against deletion; deleting a "
    "policy assignment or a management group lifts the guardrails its scope inherited.",
)
_deletion_rule(
    "TFR-GCP-008",
    "GCP audit logging, organization policy or folder deleted",
    GCP_CONTROLS,
    "Deleting an audit config stops Data Access audit logs; deleting a log sink stops the export to long-term "
    "storage or the SIEM; deleting an organization policy lifts a guardrail (public IPs, key creation, domains); "
    "deleting a folder drops the IAM grants and policies set on it.",
)
_deletion_rule(
    "TFR-K8S-014",
    "Kubernetes admission control deleted",
    KUBERNETES_CONTROLS,
    "A validating webhook (Gatekeeper, Kyverno) or an admission policy binding is what refuses privileged "
    "pods, unsigned images or missing labels cluster-wide; once it is deleted, every workload it would have "
    "refused is admitted, and nothing in the plan shows which.",
)


def _records_management_events(state: State) -> bool | None:
    """Whether a trail records management events; None when unknown. No selector at all is the default:
    management events on; advanced selectors are read as recording them (they are too varied to judge)."""
    advanced = state.get("advanced_event_selector")
    selectors = state.get("event_selector")
    if advanced is UNKNOWN or selectors is UNKNOWN:
        return None
    if advanced:
        return True
    if not selectors:
        return True
    flags = [selector.get("include_management_events") for _, selector in state.each("event_selector")]
    if any(flag is UNKNOWN for flag in flags):
        return None
    return any(flag is not False for flag in flags)


@REGISTRY.change(
    RuleMeta(
        id="TFR-AWS-CT-005",
        title="CloudTrail stops recording management events",
        severity=MEDIUM,
        category=Category.SECURITY,
        rationale="Management events are the record of who changed what in the account (IAM, security groups, "
        "trails themselves); a trail whose event selectors all set include_management_events = false keeps "
        "running but no longer records them.",
        remediation="Keep include_management_events = true on the trail that is the account's audit record; "
        "use a separate trail for data events only.",
        resource_types=("aws_cloudtrail",),
    ),
    "aws_cloudtrail",
    actions=(Action.UPDATE,),
)
def trail_management_events_off(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    if _records_management_events(before) is True and _records_management_events(after) is False:
        yield Hit(
            f"{rc.address} stops recording management events (include_management_events = false): changes "
            "to IAM, networks and the trail itself are no longer logged by it.",
            attribute="event_selector.include_management_events",
        )
