"""AWS posture rules for compute, databases, keys, audit, containers, load balancers and messaging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import (
    as_int,
    empty_block,
    empty_string,
    is_false,
    is_open_cidr,
    is_true,
    simple_posture,
)

MIN_BACKUP_RETENTION_DAYS = 7
MIN_LOG_RETENTION_DAYS = 365


# --- EC2 -------------------------------------------------------------------------------------------
simple_posture(
    rule_meta(
        "TFR-AWS-EC2-001",
        "EBS volume not encrypted",
        Severity.MEDIUM,
        "Unencrypted volumes and their snapshots expose data to anyone who can copy them.",
        "Set `encrypted = true` (or enable EBS encryption by default for the account).",
        "CKV_AWS_3",
        trivy="AVD-AWS-0026",
    ),
    ("aws_ebs_volume",),
    ("encrypted",),
    is_false,
    lambda rc, v: f"{rc.address} is not encrypted.",
)


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-EC2-002",
        "Instance block device not encrypted",
        Severity.MEDIUM,
        "Root and data volumes created by an instance or launch template are unencrypted unless asked.",
        "Set `encrypted = true` on root_block_device / ebs_block_device / block_device_mappings.ebs.",
        "CKV_AWS_8",
        trivy="AVD-AWS-0131",
    ),
    "aws_instance",
    "aws_launch_template",
    "aws_launch_configuration",
)
def instance_unencrypted_devices(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    # Instances and launch configurations have root/ebs_block_device; launch templates block_device_mappings.
    blocks = () if rc.type == "aws_launch_template" else ("root_block_device", "ebs_block_device")
    for block in blocks:
        for i, device in state.each(block):
            if device.get("encrypted") is False:
                yield Hit(
                    f"{rc.address}: {block}[{i}] is not encrypted.", attribute=f"{block}[{i}].encrypted"
                )
    for i, mapping in state.each("block_device_mappings") if rc.type == "aws_launch_template" else ():
        for _, ebs in mapping.each("ebs"):
            if ebs.get("encrypted") in (False, "false"):
                yield Hit(
                    f"{rc.address}: block_device_mappings[{i}] is not encrypted.",
                    attribute=f"block_device_mappings[{i}].ebs.encrypted",
                )


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-EC2-003",
        "Instance metadata allows IMDSv1",
        Severity.MEDIUM,
        "IMDSv1 answers unauthenticated GETs, so an SSRF bug can steal the instance role's credentials.",
        'Set metadata_options { http_tokens = "required" }.',
        "CKV_AWS_79",
        trivy="AVD-AWS-0028",
    ),
    "aws_instance",
    "aws_launch_template",
    "aws_launch_configuration",
)
def imdsv1_allowed(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    endpoint = state.first("metadata_options", "http_endpoint")
    tokens = state.first("metadata_options", "http_tokens")
    if endpoint == "disabled" or tokens is UNKNOWN or endpoint is UNKNOWN:
        return
    if tokens == "optional":
        yield Hit(
            f'{rc.address} allows IMDSv1 (http_tokens = "optional").',
            attribute="metadata_options.http_tokens",
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-EC2-004",
        "Instance gets a public IP",
        Severity.MEDIUM,
        "A public IP puts the instance directly on the internet, one security group away from exposure.",
        "Run instances in private subnets behind a load balancer, NAT or SSM.",
        "CKV_AWS_88",
        category=Category.NETWORK,
    ),
    "aws_instance",
    "aws_launch_template",
)
def instance_public_ip(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if rc.type == "aws_instance":
        if state.get("associate_public_ip_address") is True:
            yield Hit(
                f"{rc.address} associates a public IP address.", attribute="associate_public_ip_address"
            )
        return
    for i, nic in state.each("network_interfaces"):  # a launch template says it per network interface
        if nic.get("associate_public_ip_address") in (True, "true"):
            yield Hit(
                f"{rc.address}: network_interfaces[{i}] associates a public IP address.",
                attribute=f"network_interfaces[{i}].associate_public_ip_address",
            )


simple_posture(
    rule_meta(
        "TFR-AWS-EC2-005",
        "EBS encryption by default turned off",
        Severity.MEDIUM,
        "With account-level default encryption off, every new volume and snapshot copy in the region is "
        "unencrypted unless each one asks.",
        "Keep aws_ebs_encryption_by_default { enabled = true }.",
        "CKV_AWS_106",
    ),
    ("aws_ebs_encryption_by_default",),
    ("enabled",),
    is_false,
    lambda rc, v: f"{rc.address} turns EBS encryption by default off.",
)


# --- RDS -------------------------------------------------------------------------------------------
RDS_TYPES = ("aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster")

# What makes a new aws_db_instance take its encryption from elsewhere (a snapshot, a source, a key).
_DB_INSTANCE_INHERITS = (
    "kms_key_id",
    "snapshot_identifier",
    "replicate_source_db",
    "restore_to_point_in_time",
    "s3_import",
)


def _db_instance_plain_by_default(state: State, rc: ResourceChange, ctx: RuleContext) -> bool:
    """aws_db_instance.storage_encrypted is Optional without a default: the plan says null, RDS stores plain."""
    values = state.values
    if rc.type != "aws_db_instance" or type(values) is not dict or "storage_encrypted" not in values:
        return False
    engine = state.get("engine")
    if engine is UNKNOWN or (isinstance(engine, str) and engine.startswith("aurora")):
        return False  # an Aurora instance's storage is its cluster's
    for name in _DB_INSTANCE_INHERITS:
        value = state.get(name)
        # Unknown because it is computed (not set) says nothing; set, it decides the encryption.
        if value is UNKNOWN and ctx.is_set(rc, name) is not False or value not in (None, [], "", UNKNOWN):
            return False
    return True


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-RDS-001",
        "Database storage not encrypted",
        Severity.HIGH,
        "Unencrypted database storage, snapshots and replicas expose data; encryption cannot be added later "
        "without a replacement.",
        "Set `storage_encrypted = true` (with kms_key_id) when creating the database.",
        "CKV_AWS_16",
        trivy="AVD-AWS-0080",
    ),
    *RDS_TYPES,
)
def database_unencrypted(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    value = state.get("storage_encrypted")
    if value is False:
        yield Hit(f"{rc.address} has storage_encrypted = false.", attribute="storage_encrypted")
    elif value is None and _db_instance_plain_by_default(state, rc, ctx):
        yield Hit(
            f"{rc.address} does not set storage_encrypted, so RDS stores it unencrypted (the default).",
            attribute="storage_encrypted",
        )


simple_posture(
    rule_meta(
        "TFR-AWS-RDS-002",
        "Database publicly accessible",
        Severity.HIGH,
        "publicly_accessible gives the database a public DNS name reachable from the internet.",
        "Set `publicly_accessible = false`; connect through the VPC, a VPN or a proxy.",
        "CKV_AWS_17",
        category=Category.NETWORK,
        trivy="AVD-AWS-0180",
    ),
    ("aws_db_instance", "aws_rds_cluster_instance"),
    ("publicly_accessible",),
    is_true,
    lambda rc, v: f"{rc.address} is publicly accessible.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-RDS-003",
        "Database deletion protection off",
        Severity.MEDIUM,
        "Without deletion protection, one destroy (or an unintended replacement) deletes the database.",
        "Set `deletion_protection = true` on production databases.",
        "CKV_AWS_293",
        category=Category.RELIABILITY,
        trivy="AVD-AWS-0177",
    ),
    ("aws_db_instance",),
    ("deletion_protection",),
    lambda v: v is False or v is None,
    lambda rc, v: f"{rc.address} has deletion protection off.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-RDS-004",
        "Aurora/cluster deletion protection off",
        Severity.MEDIUM,
        "Without deletion protection, one destroy deletes the whole cluster and its data.",
        "Set `deletion_protection = true` on production clusters.",
        "CKV_AWS_139",
        category=Category.RELIABILITY,
    ),
    ("aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"),
    ("deletion_protection",),
    lambda v: v is False or v is None,
    lambda rc, v: f"{rc.address} has deletion protection off.",
)


def _short_retention(value: Any) -> bool:
    days = as_int(value)
    return days is not None and days < MIN_BACKUP_RETENTION_DAYS


simple_posture(
    rule_meta(
        "TFR-AWS-RDS-005",
        "Database backup retention too short",
        Severity.MEDIUM,
        f"Fewer than {MIN_BACKUP_RETENTION_DAYS} days of automated backups (0 disables them) leaves little time "
        "to notice and recover from corruption or deletion.",
        f"Set backup_retention_period to {MIN_BACKUP_RETENTION_DAYS} days or more.",
        "CKV_AWS_133",
        category=Category.RELIABILITY,
    ),
    RDS_TYPES,
    ("backup_retention_period",),
    _short_retention,
    lambda rc, v: f"{rc.address} keeps automated backups for {v} day(s).",
)

# --- KMS, CloudTrail, DynamoDB ---------------------------------------------------------------------


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-KMS-001",
        "KMS key rotation disabled",
        Severity.MEDIUM,
        "Without rotation the same key material protects data for years.",
        "Set `enable_key_rotation = true` on symmetric keys.",
        "CKV_AWS_7",
        trivy="AVD-AWS-0065",
    ),
    "aws_kms_key",
)
def kms_rotation_off(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    spec = state.get("customer_master_key_spec")
    if spec not in (None, "SYMMETRIC_DEFAULT") or state.get("key_usage") not in (None, "ENCRYPT_DECRYPT"):
        return
    rotation = state.get("enable_key_rotation")
    if rotation is False or (rotation is None and rc.after is not None):
        yield Hit(f"{rc.address} does not rotate its key material.", attribute="enable_key_rotation")


simple_posture(
    rule_meta(
        "TFR-AWS-CT-001",
        "CloudTrail is not multi-region",
        Severity.MEDIUM,
        "A single-region trail misses API activity in every other region, where attackers like to work.",
        "Set `is_multi_region_trail = true`.",
        "CKV_AWS_67",
        trivy="AVD-AWS-0014",
    ),
    ("aws_cloudtrail",),
    ("is_multi_region_trail",),
    lambda v: v is False or v is None,
    lambda rc, v: f"{rc.address} only records one region.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-CT-002",
        "CloudTrail log file validation off",
        Severity.LOW,
        "Without log file validation, tampering with trail logs goes unnoticed.",
        "Set `enable_log_file_validation = true`.",
        "CKV_AWS_36",
        trivy="AVD-AWS-0016",
    ),
    ("aws_cloudtrail",),
    ("enable_log_file_validation",),
    lambda v: v is False or v is None,
    lambda rc, v: f"{rc.address} does not validate log files.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-CT-003",
        "CloudTrail logs not encrypted with a CMK",
        Severity.LOW,
        "A customer-managed KMS key controls who can read audit logs.",
        "Set kms_key_id to a customer-managed key.",
        "CKV_AWS_35",
        trivy="AVD-AWS-0015",
    ),
    ("aws_cloudtrail",),
    ("kms_key_id",),
    empty_string,
    lambda rc, v: f"{rc.address} does not encrypt logs with a customer-managed key.",
)


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-DDB-001",
        "DynamoDB point-in-time recovery off",
        Severity.MEDIUM,
        "Without PITR a bad write or delete cannot be rolled back to a point in time.",
        "Add point_in_time_recovery { enabled = true }.",
        "CKV_AWS_28",
        category=Category.RELIABILITY,
        trivy="AVD-AWS-0024",
    ),
    "aws_dynamodb_table",
)
def dynamodb_pitr_off(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    block = state.get("point_in_time_recovery")
    enabled = state.first("point_in_time_recovery", "enabled")
    if block is UNKNOWN or enabled is UNKNOWN:
        return
    if enabled is not True:
        yield Hit(f"{rc.address} has point-in-time recovery off.", attribute="point_in_time_recovery.enabled")


# --- EKS -------------------------------------------------------------------------------------------
@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-EKS-001",
        "EKS API endpoint is public",
        Severity.MEDIUM,
        "A public Kubernetes API endpoint is reachable from the internet.",
        "Set endpoint_public_access = false (or restrict public_access_cidrs) and use private access.",
        "CKV_AWS_39",
        category=Category.NETWORK,
        trivy="AVD-AWS-0040",
    ),
    "aws_eks_cluster",
)
def eks_public_endpoint(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    public = state.first("vpc_config", "endpoint_public_access")
    if public is True:
        yield Hit(
            f"{rc.address} exposes a public API endpoint.", attribute="vpc_config.endpoint_public_access"
        )


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-EKS-002",
        "EKS public endpoint open to 0.0.0.0/0",
        Severity.HIGH,
        "A public endpoint without CIDR restrictions lets anyone on the internet reach the cluster API.",
        "Set public_access_cidrs to your office/VPN ranges or disable public access.",
        "CKV_AWS_38",
        category=Category.NETWORK,
        trivy="AVD-AWS-0041",
    ),
    "aws_eks_cluster",
)
def eks_open_cidrs(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.first("vpc_config", "endpoint_public_access") is not True:
        return
    cidrs = state.first("vpc_config", "public_access_cidrs")
    if isinstance(cidrs, list) and any(is_open_cidr(c) for c in cidrs):
        yield Hit(
            f"{rc.address} allows the public API from 0.0.0.0/0.", attribute="vpc_config.public_access_cidrs"
        )


simple_posture(
    rule_meta(
        "TFR-AWS-EKS-003",
        "EKS secrets not encrypted with KMS",
        Severity.MEDIUM,
        "Without envelope encryption, Kubernetes secrets sit in etcd protected only by AWS defaults.",
        'Add encryption_config { resources = ["secrets"] provider { key_arn = ... } }.',
        "CKV_AWS_58",
        trivy="AVD-AWS-0039",
    ),
    ("aws_eks_cluster",),
    ("encryption_config",),
    empty_block,
    lambda rc, v: f"{rc.address} does not encrypt Kubernetes secrets with KMS.",
)

# --- Load balancers --------------------------------------------------------------------------------


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-ELB-001",
        "Load balancer listener does not use HTTPS",
        Severity.MEDIUM,
        "An HTTP listener that does not redirect to HTTPS sends traffic, cookies and tokens in clear text.",
        "Use protocol HTTPS with a certificate, or make the HTTP listener redirect to HTTPS.",
        "CKV_AWS_2",
        category=Category.NETWORK,
        trivy="AVD-AWS-0054",
    ),
    "aws_lb_listener",
    "aws_alb_listener",
)
def listener_not_https(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.get("protocol") != "HTTP":
        return
    for _, action in state.each("default_action"):
        kind = action.get("type")
        if kind is UNKNOWN:
            return
        if kind == "redirect" and action.first("redirect", "protocol") in ("HTTPS", UNKNOWN):
            return
    yield Hit(f"{rc.address} listens on HTTP without redirecting to HTTPS.", attribute="protocol")


simple_posture(
    rule_meta(
        "TFR-AWS-ELB-002",
        "Load balancer deletion protection off",
        Severity.LOW,
        "Without deletion protection a destroy removes the traffic entry point (and its DNS name).",
        "Set `enable_deletion_protection = true`.",
        "CKV_AWS_150",
        category=Category.RELIABILITY,
    ),
    ("aws_lb", "aws_alb"),
    ("enable_deletion_protection",),
    lambda v: v is False or v is None,
    lambda rc, v: f"{rc.address} has deletion protection off.",
)

# --- Messaging, logs, registries -------------------------------------------------------------------


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-SQS-001",
        "SQS queue not encrypted",
        Severity.LOW,
        "Messages at rest are unencrypted without SSE.",
        "Set sqs_managed_sse_enabled = true or kms_master_key_id.",
        "CKV_AWS_27",
        trivy="AVD-AWS-0096",
    ),
    "aws_sqs_queue",
)
def sqs_unencrypted(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    key = state.get("kms_master_key_id")
    managed = state.get("sqs_managed_sse_enabled")
    if key is UNKNOWN or managed is UNKNOWN:
        return
    if empty_string(key) and managed is False:
        yield Hit(f"{rc.address} does not encrypt messages at rest.", attribute="sqs_managed_sse_enabled")


simple_posture(
    rule_meta(
        "TFR-AWS-SNS-001",
        "SNS topic not encrypted",
        Severity.LOW,
        "Messages at rest are unencrypted without a KMS key.",
        "Set kms_master_key_id (e.g. alias/aws/sns or a customer key).",
        "CKV_AWS_26",
        trivy="AVD-AWS-0095",
    ),
    ("aws_sns_topic",),
    ("kms_master_key_id",),
    empty_string,
    lambda rc, v: f"{rc.address} does not encrypt messages at rest.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-LOG-001",
        "Log group retention not set",
        Severity.LOW,
        "Logs kept forever cost more every month and may keep personal data longer than allowed.",
        "Set retention_in_days.",
        "CKV_AWS_66",
        category=Category.COST,
    ),
    ("aws_cloudwatch_log_group",),
    ("retention_in_days",),
    lambda v: v is None or as_int(v) == 0,
    lambda rc, v: f"{rc.address} keeps logs forever (no retention_in_days).",
)
simple_posture(
    rule_meta(
        "TFR-AWS-LOG-002",
        "Log group retention under one year",
        Severity.INFO,
        f"Audit and security logs are often required for at least {MIN_LOG_RETENTION_DAYS} days.",
        f"Set retention_in_days to {MIN_LOG_RETENTION_DAYS} or more for audit logs.",
        "CKV_AWS_338",
    ),
    ("aws_cloudwatch_log_group",),
    ("retention_in_days",),
    lambda v: (days := as_int(v)) is not None and 0 < days < MIN_LOG_RETENTION_DAYS,
    lambda rc, v: f"{rc.address} keeps logs for {v} days.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-ECR-001",
        "ECR image tags are mutable",
        Severity.LOW,
        "Mutable tags let anyone with push rights replace the image behind a tag that deployments trust.",
        'Set image_tag_mutability = "IMMUTABLE".',
        "CKV_AWS_51",
        trivy="AVD-AWS-0031",
    ),
    ("aws_ecr_repository",),
    ("image_tag_mutability",),
    lambda v: v == "MUTABLE",
    lambda rc, v: f"{rc.address} allows tags to be overwritten.",
)

# --- Audit and threat detection switched off -------------------------------------------------------
simple_posture(
    rule_meta(
        "TFR-AWS-CT-004",
        "CloudTrail logging stopped",
        Severity.HIGH,
        "enable_logging = false stops the trail: API activity goes unrecorded, the classic first step of an "
        "attacker covering their tracks.",
        "Keep `enable_logging = true`; stop a trail only through its own reviewed change.",
        "CKV_AWS_251",
    ),
    ("aws_cloudtrail",),
    ("enable_logging",),
    is_false,
    lambda rc, v: f"{rc.address} stops logging (enable_logging = false).",
)
simple_posture(
    rule_meta(
        "TFR-AWS-GD-001",
        "GuardDuty detector disabled",
        Severity.HIGH,
        "A disabled detector stops threat detection (credential misuse, crypto-mining, exfiltration) for the "
        "account and region.",
        "Keep `enable = true` on the detector.",
        "CKV2_AWS_3",
    ),
    ("aws_guardduty_detector",),
    ("enable",),
    is_false,
    lambda rc, v: f"{rc.address} is disabled (enable = false).",
)
simple_posture(
    rule_meta(
        "TFR-AWS-CONFIG-001",
        "AWS Config recorder stopped",
        Severity.MEDIUM,
        "A stopped configuration recorder no longer records resource changes, so drift, compliance and "
        "forensics lose their history.",
        "Keep `is_enabled = true` on aws_config_configuration_recorder_status.",
    ),
    ("aws_config_configuration_recorder_status",),
    ("is_enabled",),
    is_false,
    lambda rc, v: f"{rc.address} stops the AWS Config recorder (is_enabled = false).",
)

# --- Lambda ----------------------------------------------------------------------------------------
AWS_SERVICE_PRINCIPAL_SUFFIX = ".amazonaws.com"


def _scoped_permission(state: State) -> bool | None:
    """True when a permission names its source (ARN, account or organization); None when unknown."""
    values = [state.get(a) for a in ("source_arn", "source_account", "principal_org_id")]
    if any(isinstance(v, str) and v for v in values):
        return True
    return None if UNKNOWN in values else False


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-LAMBDA-001",
        "Lambda permission allows any principal",
        Severity.HIGH,
        'principal = "*" without source_arn, source_account or principal_org_id lets anyone (any AWS account, '
        "or the internet through a function URL) invoke the function.",
        "Name the calling account or service and set source_arn / source_account (or principal_org_id).",
        "CKV_AWS_301",
    ),
    "aws_lambda_permission",
)
def lambda_permission_public(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    if state.get("principal") == "*" and _scoped_permission(state) is False:
        yield Hit(f'{rc.address} lets any principal ("*") invoke the function.', attribute="principal")


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-LAMBDA-002",
        "Lambda permission for a service without a source",
        Severity.MEDIUM,
        "A permission for an AWS service principal (s3, sns, events ...) without source_arn or source_account "
        "lets that service invoke the function on behalf of any account (confused deputy).",
        "Set source_arn (and source_account for S3) to the resource that calls the function.",
        "CKV_AWS_364",
        trivy="AVD-AWS-0067",
    ),
    "aws_lambda_permission",
)
def lambda_permission_unscoped_service(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    principal = state.get("principal")
    service = isinstance(principal, str) and principal.endswith(AWS_SERVICE_PRINCIPAL_SUFFIX)
    if service and _scoped_permission(state) is False:
        yield Hit(
            f"{rc.address} lets {principal} invoke the function from any account.", attribute="source_arn"
        )


simple_posture(
    rule_meta(
        "TFR-AWS-LAMBDA-003",
        "Lambda function URL without authentication",
        Severity.HIGH,
        'authorization_type = "NONE" makes the function URL callable by anyone on the internet.',
        'Set authorization_type = "AWS_IAM", or put the function behind API Gateway / CloudFront with auth.',
        "CKV_AWS_258",
        category=Category.NETWORK,
    ),
    ("aws_lambda_function_url",),
    ("authorization_type",),
    lambda v: v == "NONE",
    lambda rc, v: f'{rc.address} is public (authorization_type = "NONE").',
)


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-LAMBDA-004",
        "Lambda layer shared with every account",
        Severity.MEDIUM,
        'principal = "*" without organization_id lets every AWS account use the layer version (its code and '
        "anything bundled in it).",
        "Share the layer with named accounts, or set organization_id.",
    ),
    "aws_lambda_layer_version_permission",
)
def layer_public(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    org = state.get("organization_id")
    if state.get("principal") == "*" and org is not UNKNOWN and empty_string(org):
        yield Hit(f"{rc.address} shares the layer with every AWS account.", attribute="principal")


# --- Redshift --------------------------------------------------------------------------------------
simple_posture(
    rule_meta(
        "TFR-AWS-RS-001",
        "Redshift publicly accessible",
        Severity.HIGH,
        "publicly_accessible gives the data warehouse a public endpoint reachable from the internet.",
        "Set `publicly_accessible = false`; reach the cluster through the VPC, a VPN or a proxy.",
        "CKV_AWS_87",
        category=Category.NETWORK,
    ),
    ("aws_redshift_cluster", "aws_redshiftserverless_workgroup"),
    ("publicly_accessible",),
    is_true,
    lambda rc, v: f"{rc.address} is publicly accessible.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-RS-002",
        "Redshift cluster not encrypted",
        Severity.HIGH,
        "An unencrypted warehouse keeps its data, snapshots and backups in clear on disk.",
        "Set `encrypted = true` (with kms_key_id) on the cluster.",
        "CKV_AWS_64",
    ),
    ("aws_redshift_cluster",),
    ("encrypted",),
    is_false,
    lambda rc, v: f"{rc.address} is not encrypted (encrypted = false).",
)


# --- Sharing with every AWS account ------------------------------------------------------------------
def _public_share(state: State, rc: ResourceChange) -> str | None:
    """The attribute that shares this image, snapshot or document with every AWS account, if any."""
    if rc.type == "aws_ami_launch_permission":
        group = state.get("group")
        return "group" if isinstance(group, str) and group.lower() == "all" else None
    if rc.type == "aws_ssm_document":
        accounts = state.get("permissions", "account_ids")
        shared = accounts.split(",") if isinstance(accounts, str) else []
        return "permissions" if any(a.strip().lower() == "all" for a in shared) else None
    accounts = state.get("shared_accounts")
    if isinstance(accounts, list) and any(isinstance(a, str) and a.lower() == "all" for a in accounts):
        return "shared_accounts"
    return None


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-SHARE-001",
        "Image, snapshot or document shared with every AWS account",
        Severity.HIGH,
        'Sharing with "all" makes a machine image, a database snapshot (the whole database) or an SSM document '
        "public: anyone can copy it, with whatever data, keys or scripts it holds.",
        "Share with named account IDs or an organization ARN instead of all.",
    ),
    "aws_ami_launch_permission",
    "aws_db_snapshot",
    "aws_db_cluster_snapshot",
    "aws_ssm_document",
)
def shared_publicly(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    attribute = _public_share(state, rc)
    if attribute is not None:
        yield Hit(f"{rc.address} is shared with every AWS account ({attribute} = all).", attribute=attribute)


# --- Other managed endpoints ---------------------------------------------------------------------------
simple_posture(
    rule_meta(
        "TFR-AWS-NET-012",
        "Message broker or replication instance publicly accessible",
        Severity.HIGH,
        "publicly_accessible puts an Amazon MQ broker (its queues and console) or a DMS replication instance "
        "(holding source and target database credentials) on a public address reachable from the internet.",
        "Set `publicly_accessible = false` and reach it from the VPC, a VPN or a peered network.",
        "CKV_AWS_69",
        category=Category.NETWORK,
    ),
    ("aws_mq_broker", "aws_dms_replication_instance"),
    ("publicly_accessible",),
    is_true,
    lambda rc, v: f"{rc.address} is publicly accessible.",
)
