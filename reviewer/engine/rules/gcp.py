"""GCP basics: public IAM members, open firewalls, public VM IPs, GKE and Cloud SQL exposure."""

from __future__ import annotations

import json
from collections.abc import Iterator

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State, rule_meta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import (
    FULL_RANGE,
    WIDE_RANGE,
    Exposure,
    describe_exposures,
    empty_block,
    is_open_cidr,
    is_true,
    opens_risky,
    opens_wide,
    port_spec,
    range_exposures,
    simple_posture,
    update_sides,
)

# Privileged roles at project, folder or organization level (TFR-GCP-009 reports them): role -> (severity, grants).
GCP_ROLES: dict[str, tuple[Severity, str]] = {
    "roles/owner": (Severity.HIGH, "full control, including IAM"),
    "roles/editor": (Severity.HIGH, "write access to almost every resource (a basic role)"),
    "roles/iam.securityAdmin": (Severity.HIGH, "setting any IAM policy, so granting itself any role"),
    "roles/resourcemanager.projectIamAdmin": (Severity.HIGH, "setting the project's IAM policy"),
    "roles/resourcemanager.folderAdmin": (Severity.HIGH, "full control of the folder, including IAM"),
    "roles/resourcemanager.folderIamAdmin": (Severity.HIGH, "setting the folder's IAM policy"),
    "roles/resourcemanager.organizationAdmin": (Severity.HIGH, "setting the organization's IAM policy"),
    "roles/iam.serviceAccountTokenCreator": (
        Severity.MEDIUM,
        "minting tokens for every service account in scope",
    ),
    "roles/iam.serviceAccountUser": (Severity.MEDIUM, "acting as every service account in scope"),
    "roles/iam.serviceAccountKeyAdmin": (Severity.MEDIUM, "creating keys for every service account in scope"),
}
GCP_ROLE_TYPES = tuple(
    f"google_{level}_iam_{kind}"
    for level in ("project", "folder", "organization")
    for kind in ("member", "binding", "policy")
)

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
# Resources with their own IAM (google_<kind>_iam_member/_binding/_policy): a public member on any of them opens
# that resource to anyone (a privileged role at project, folder or organization level is TFR-GCP-009's).
IAM_RESOURCE_KINDS = (
    "project",
    "folder",
    "organization",
    "storage_bucket",
    "storage_managed_folder",
    "bigquery_dataset",
    "bigquery_table",
    "pubsub_topic",
    "pubsub_subscription",
    "kms_crypto_key",
    "kms_key_ring",
    "secret_manager_secret",
    "cloud_run_service",
    "cloud_run_v2_service",
    "cloud_run_v2_job",
    "cloudfunctions_function",
    "cloudfunctions2_function",
    "artifact_registry_repository",
    "service_account",
    "compute_image",
    "compute_disk",
    "compute_snapshot",
    "compute_instance",
    "spanner_instance",
    "spanner_database",
    "bigtable_instance",
    "bigtable_table",
    "sourcerepo_repository",
    "healthcare_dataset",
)
# Whole-policy resources: their `policy_data` (JSON, usually from data.google_iam_policy) holds the bindings.
PUBLIC_IAM_POLICY_TYPES = tuple(f"google_{kind}_iam_policy" for kind in IAM_RESOURCE_KINDS)


PUBLIC_PREDEFINED_ACLS = frozenset({"publicRead", "publicReadWrite"})
PUBLIC_IAM_TYPES = (
    "google_storage_bucket_acl",
    "google_storage_default_object_acl",
    "google_storage_object_acl",
    "google_storage_bucket_access_control",
    "google_storage_default_object_access_control",
    "google_storage_object_access_control",
    # BigQuery keeps dataset grants in `access` blocks too (special_group, iam_member).
    "google_bigquery_dataset",
    "google_bigquery_dataset_access",
    *(f"google_{kind}_iam_{grant}" for kind in IAM_RESOURCE_KINDS for grant in ("member", "binding")),
    *PUBLIC_IAM_POLICY_TYPES,
)


def policy_bindings(state: State) -> list[tuple[str, str]]:
    """(role, member) pairs of an IAM policy's `policy_data`; none when it is unknown or not a policy."""
    return state.memo("policy_bindings", lambda: _policy_bindings(state.get("policy_data")))


def _policy_bindings(data: object) -> list[tuple[str, str]]:
    if not isinstance(data, str):
        return []
    try:
        policy = json.loads(data)
    except ValueError:
        return []
    bindings = policy.get("bindings") if isinstance(policy, dict) else None
    pairs: list[tuple[str, str]] = []
    for binding in bindings if isinstance(bindings, list) else ():
        role = binding.get("role") if isinstance(binding, dict) else None
        members = binding.get("members") if isinstance(binding, dict) else None
        if isinstance(role, str) and isinstance(members, list):
            pairs.extend((role, member) for member in members if isinstance(member, str))
    return pairs


def granted_members(state: State) -> Iterator[tuple[str, str, str]]:
    """(attribute, role, member) of every grant a GCP IAM resource makes (member, members or policy_data)."""
    role = state.get("role")
    role = role if isinstance(role, str) else "access"
    for attribute in ("member", "entity"):
        value = state.get(attribute)
        if isinstance(value, str):
            yield attribute, role, value
    members = state.get("members")
    if isinstance(members, list):
        yield from (("members", role, m) for m in members if isinstance(m, str))
    for bound_role, member in policy_bindings(state):
        yield "policy_data", bound_role, member
    # Legacy ACLs: `READER:allUsers` entries, or a predefined ACL that grants allUsers.
    entries = state.get("role_entity")
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str) and ":" in entry:
            acl_role, entity = entry.split(":", 1)
            yield "role_entity", acl_role, entity
    predefined = state.get("predefined_acl")
    if isinstance(predefined, str) and predefined in PUBLIC_PREDEFINED_ACLS:
        yield "predefined_acl", predefined, "allUsers"
    # BigQuery dataset access: `access` blocks of a dataset, or one google_bigquery_dataset_access.
    for attribute in ("special_group", "iam_member"):
        value = state.get(attribute)
        if isinstance(value, str):
            yield attribute, role, value
    for i, access in state.each("access"):
        access_role = access.get("role")
        for attribute in ("special_group", "iam_member"):
            value = access.get(attribute)
            if isinstance(value, str):
                yield f"access[{i}].{attribute}", access_role if isinstance(access_role, str) else role, value


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-001",
        "Public IAM member (allUsers / allAuthenticatedUsers)",
        Severity.HIGH,
        "allUsers or allAuthenticatedUsers (any Google account) gives the role on the bucket, dataset, topic, "
        "key, secret, registry, service account or function to anyone on the internet.",
        "Grant access to named users, groups or service accounts; use signed URLs for public objects.",
        "CKV_GCP_28",
    ),
    *PUBLIC_IAM_TYPES,
)
def public_members(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    privileged = GCP_ROLES if rc.type in GCP_ROLE_TYPES else {}
    for attribute, role, member in granted_members(state):
        # A privileged role for anyone is TFR-GCP-009's (CRITICAL), said once.
        if member in PUBLIC_MEMBERS and role not in privileged:
            yield Hit(
                f"{rc.address} grants {role} to {member}.",
                attribute=attribute,
                key=member if attribute != "policy_data" else f"{role}|{member}",
            )


def firewall_open_rules(state: State) -> list[tuple[str, list[Exposure]]]:
    """Each `allow` block of an ingress firewall rule from the internet as (attribute, its exposures)."""
    # Read once per state: the admin/database rule, the wide-range rule and the compound all ask.
    return state.memo("firewall_open_rules", lambda: list(_firewall_open_rules(state)))


def _firewall_open_rules(state: State) -> Iterator[tuple[str, list[Exposure]]]:
    if internet_source(state) is None:
        return
    for i, allow in state.each("allow"):
        exposures = allow_exposures(allow)
        if exposures:
            yield (f"allow[{i}].ports" if allow.get("ports") else f"allow[{i}]"), exposures


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-002",
        "Firewall allows admin or database ports from the internet",
        Severity.HIGH,
        "SSH/RDP, a database port (PostgreSQL, MySQL, Redis, ...) or every port open to 0.0.0.0/0 exposes VMs to "
        "brute force and data to the internet.",
        "Restrict source_ranges, or use IAP TCP forwarding (35.235.240.0/20) and private IP for databases.",
        "CKV_GCP_2",
        Category.NETWORK,
    ),
    "google_compute_firewall",
)
def firewall_admin_ports(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute, exposures in firewall_open_rules(state):
        if opens_risky(exposures):
            yield Hit(
                f"{rc.address} allows {describe_exposures(exposures)} from {internet_source(state)}.",
                attribute=attribute,
                key="|".join(e.key("") for e in exposures),
            )


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-011",
        "Firewall allows a wide port range from the internet",
        Severity.MEDIUM,
        f"A range of {WIDE_RANGE}+ ports open to 0.0.0.0/0 exposes whatever listens in it, now or later.",
        "Open only the ports the service needs, from known source ranges.",
        category=Category.NETWORK,
    ),
    "google_compute_firewall",
)
def firewall_wide_range(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    # A range holding an admin or database port is TFR-GCP-002's, once.
    for attribute, exposures in firewall_open_rules(state):
        if opens_wide(exposures):
            yield Hit(
                f"{rc.address} allows {describe_exposures(exposures)} from {internet_source(state)}.",
                attribute=attribute,
                key="|".join(e.key("") for e in exposures),
            )


def internet_source(firewall: State) -> str | None:
    """The internet range (0.0.0.0/0) an enabled ingress firewall rule admits, or None."""
    if firewall.get("direction") not in (None, "INGRESS") or firewall.get("disabled") is True:
        return None
    sources = firewall.get("source_ranges")
    if not isinstance(sources, list):
        return None
    return next((s for s in sources if is_open_cidr(s)), None)


def allow_exposures(allow: State) -> list[Exposure] | None:
    """What one `allow` block of a firewall rule opens; None when its protocol or ports are unknown."""
    protocol, ports = allow.get("protocol"), allow.get("ports")
    if protocol is UNKNOWN or ports is UNKNOWN or (ports and not isinstance(ports, list)):
        return None
    # No ports on TCP/UDP means every port of that protocol; ICMP has none; UDP 22 is not SSH.
    ranges = [r for p in ports if (r := port_spec(p)) is not None] if ports else [FULL_RANGE]
    return range_exposures(protocol, ranges)


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-003",
        "VM has a public IP",
        Severity.MEDIUM,
        "An access_config gives the VM an external IP on the internet.",
        "Remove access_config and use Cloud NAT / IAP for access.",
        "CKV_GCP_40",
        Category.NETWORK,
    ),
    "google_compute_instance",
    "google_compute_instance_template",
)
def vm_public_ip(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for i, nic in state.each("network_interface"):
        access = nic.get("access_config")
        if isinstance(access, list) and access:
            yield Hit(f"{rc.address} has an external IP.", attribute=f"network_interface[{i}].access_config")


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-004",
        "GKE control plane is public without authorized networks",
        Severity.MEDIUM,
        "A public GKE endpoint open to every address is exposed to credential attacks and exploits.",
        "Enable private endpoint or master_authorized_networks_config with known CIDRs.",
        "CKV_GCP_20",
        Category.NETWORK,
    ),
    "google_container_cluster",
)
def gke_public_endpoint(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    private = state.first("private_cluster_config", "enable_private_endpoint")
    networks = state.get("master_authorized_networks_config")
    if private is UNKNOWN or networks is UNKNOWN or private is True:
        return
    # An authorized network of 0.0.0.0/0 limits nothing: the same as listing none.
    if empty_block(networks) or any(
        is_open_cidr(block.get("cidr_block"))
        for _, config in state.each("master_authorized_networks_config")
        for _, block in config.each("cidr_blocks")
    ):
        yield Hit(
            f"{rc.address} exposes its control plane to all addresses.",
            attribute="master_authorized_networks_config",
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-005",
        "Cloud SQL authorizes 0.0.0.0/0",
        Severity.HIGH,
        "An authorized network of 0.0.0.0/0 lets the whole internet connect to the database.",
        "Use private IP or the Cloud SQL Auth Proxy; authorize only known ranges.",
        "CKV_GCP_11",
        Category.NETWORK,
    ),
    "google_sql_database_instance",
)
def cloud_sql_open(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for _, settings in state.each("settings"):
        for _, ip in settings.each("ip_configuration"):
            for i, network in ip.each("authorized_networks"):
                if is_open_cidr(network.get("value")):
                    yield Hit(
                        f"{rc.address} authorizes 0.0.0.0/0.",
                        attribute=f"settings.ip_configuration.authorized_networks[{i}]",
                    )


simple_posture(
    rule_meta(
        "TFR-GCP-006",
        "GKE legacy ABAC enabled",
        Severity.HIGH,
        "Legacy ABAC grants broad, static permissions to every cluster user and bypasses Kubernetes RBAC.",
        "Set `enable_legacy_abac = false` and grant access with RBAC.",
        "CKV_GCP_7",
        Category.IAM,
    ),
    ("google_container_cluster",),
    ("enable_legacy_abac",),
    is_true,
    lambda rc, v: f"{rc.address} enables legacy ABAC authorization.",
)


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-007",
        "GKE issues a client certificate",
        Severity.MEDIUM,
        "A client certificate is a long-lived cluster-admin credential that cannot be revoked without rotating "
        "the cluster's CA.",
        "Set master_auth { client_certificate_config { issue_client_certificate = false } } and use IAM.",
        "CKV_GCP_13",
        Category.IAM,
    ),
    "google_container_cluster",
)
def gke_client_certificate(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for i, auth in state.each("master_auth"):
        for j, config in auth.each("client_certificate_config"):
            if config.get("issue_client_certificate") is True:
                yield Hit(
                    f"{rc.address} issues a client certificate (cluster-admin credential).",
                    attribute=f"master_auth[{i}].client_certificate_config[{j}].issue_client_certificate",
                )


@REGISTRY.change(
    RuleMeta(
        id="TFR-GCP-012",
        title="Bucket public access prevention lifted",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale='public_access_prevention = "enforced" makes GCS refuse any grant to allUsers or '
        'allAuthenticatedUsers, whatever IAM or ACLs say. Moving it to "inherited" lifts that guard: the '
        "bucket becomes public the moment someone (or a later plan) grants a public member, unless an "
        "organization policy still enforces it (the AWS counterpart is turning off the S3 public access block).",
        remediation='Keep public_access_prevention = "enforced"; serve public content from a separate, '
        "purpose-made bucket or through a CDN with signed URLs.",
        checkov_id="CKV_GCP_114",
    ),
    "google_storage_bucket",
    actions=(Action.UPDATE,),
)
def public_access_prevention_lifted(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.UPDATE or type(rc.before) is not dict:
        return
    after = State(rc.after, rc.after_unknown)
    value = after.get("public_access_prevention")
    if (
        rc.before.get("public_access_prevention") == "enforced"
        and value is not UNKNOWN
        and value != "enforced"
    ):
        yield Hit(
            f"{rc.address} lifts public access prevention (enforced -> {value or 'unset'}): grants to allUsers "
            "or allAuthenticatedUsers are no longer refused.",
            attribute="public_access_prevention",
        )


@REGISTRY.change(
    RuleMeta(
        id="TFR-GCP-013",
        title="Google Cloud API disabled with its resource",
        severity=Severity.MEDIUM,
        category=Category.CHANGE,
        rationale="Deleting a google_project_service with disable_on_destroy = true disables the API for the "
        "whole project, not just for this configuration: every workload and other stack calling it starts to "
        "fail, and resources of that service can stop (with disable_dependent_services, the APIs that depend "
        "on it go too).",
        remediation="Set disable_on_destroy = false (apply that first) before removing the resource, unless the "
        "API is truly unused in the project.",
    ),
    "google_project_service",
    actions=(Action.DELETE,),
)
def api_disabled(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.DELETE or rc.is_data or not isinstance(rc.before, dict):
        return
    if rc.before.get("disable_on_destroy") is not True:
        return  # provider v6's default: the API stays enabled when the resource goes
    service = rc.before.get("service") or "the API"
    dependents = (
        " and every API that depends on it" if rc.before.get("disable_dependent_services") is True else ""
    )
    yield Hit(
        f"{rc.address} is deleted with disable_on_destroy = true: {service}{dependents} is disabled for project "
        f"{rc.before.get('project') or '(provider default)'}, and everything calling it fails.",
        attribute="disable_on_destroy",
    )


# Long-lived keys: what each one is, for the message.
LONG_LIVED_KEYS = {
    "google_service_account_key": "a service account key",
    "google_storage_hmac_key": "a Cloud Storage HMAC key",
}


@REGISTRY.change(
    RuleMeta(
        id="TFR-GCP-014",
        title="Long-lived service account key created",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        rationale="A service account key (or an HMAC key) is a credential that never expires by default and "
        "works from anywhere: whoever copies it acts as the service account until someone deletes the key. The "
        "private key is also written to the Terraform state. Replacing a key (rotation) is the remedy, not a "
        "risk; an HMAC key created INACTIVE authenticates nothing.",
        remediation="Use Workload Identity (GKE), workload identity federation (CI) or impersonation instead of "
        "keys; the iam.disableServiceAccountKeyCreation organization policy blocks them.",
        checkov_id="CKV_GCP_41",
    ),
    *LONG_LIVED_KEYS,
    actions=(Action.CREATE,),
)
def long_lived_key_created(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    if rc.action is not Action.CREATE or rc.is_data or not isinstance(rc.after, dict):
        return
    after = State(rc.after, rc.after_unknown)
    if after.get("state") == "INACTIVE":
        return
    owner = after.get("service_account_id") if rc.type == "google_service_account_key" else None
    owner = owner if isinstance(owner, str) else after.get("service_account_email")
    whose = f" for {owner.rsplit('/', 1)[-1]}" if isinstance(owner, str) and owner else ""
    yield Hit(f"{rc.address} creates {LONG_LIVED_KEYS[rc.type]}{whose}, a credential that does not expire.")


# Where GKE says whether pods see the node's metadata server (its service account token) or the GKE one.
WORKLOAD_METADATA_PATH = ("node_config", 0, "workload_metadata_config", 0, "mode")
GKE_METADATA = frozenset({"GKE_METADATA", "GKE_METADATA_SERVER"})


@REGISTRY.change(
    RuleMeta(
        id="TFR-GCP-015",
        title="GKE pods given the node's credentials (Workload Identity turned off)",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale="With Workload Identity (workload metadata mode GKE_METADATA) a pod gets only its own Kubernetes "
        "service account's identity. Turning it off (GCE_METADATA, or removing the cluster's workload pool) "
        "lets every pod read the node's service account token from the metadata server: one compromised pod "
        "acts with the node's (often the default compute account's, Editor) rights.",
        remediation="Keep workload_identity_config on the cluster and workload_metadata_config { mode = "
        '"GKE_METADATA" } on every node pool; give each workload its own service account.',
        checkov_id="CKV_GCP_69",
    ),
    "google_container_cluster",
    "google_container_node_pool",
    actions=(Action.UPDATE,),
)
def node_credentials_exposed(rc: ResourceChange, ctx: RuleContext) -> Iterator[Hit]:
    sides = update_sides(rc)
    if sides is None:
        return
    before, after = sides
    old, new = before.get(*WORKLOAD_METADATA_PATH), after.get(*WORKLOAD_METADATA_PATH)
    if old in GKE_METADATA and new is not UNKNOWN and new not in GKE_METADATA:
        yield Hit(
            f"{rc.address} turns off Workload Identity on its nodes (workload metadata mode {old} -> "
            f"{new or 'unset'}): every pod can read the node's service account token.",
            attribute="node_config.workload_metadata_config.mode",
        )
        return
    pool = ("workload_identity_config", 0, "workload_pool")
    old_pool, new_pool = before.get(*pool), after.get(*pool)
    removed = new_pool is not UNKNOWN and not new_pool
    if rc.type == "google_container_cluster" and isinstance(old_pool, str) and old_pool and removed:
        yield Hit(
            f"{rc.address} removes the cluster's workload pool ({old_pool}): Workload Identity is off, and pods "
            "fall back to the node's service account.",
            attribute="workload_identity_config.workload_pool",
        )
