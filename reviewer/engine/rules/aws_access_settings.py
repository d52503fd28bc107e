"""AWS service settings that let anyone in, or let traffic or threats pass unseen: a public Airflow web server,
node group SSH from anywhere, anonymous OpenSearch, passwordless cache users, plain FTP, a public S3 object,
EMR's public access block off, a GuardDuty protection off, databases accepting unencrypted connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import is_false, is_true, simple_posture

HIGH, MEDIUM = Severity.HIGH, Severity.MEDIUM


simple_posture(
    rule_meta(
        "TFR-AWS-MWAA-001",
        "Airflow web server reachable from the internet",
        MEDIUM,
        'webserver_access_mode = "PUBLIC_ONLY" puts the Airflow UI, which runs DAGs with the environment\'s '
        "execution role, on a public endpoint guarded only by the sign-in.",
        'Set webserver_access_mode = "PRIVATE_ONLY" and reach it through the VPC (VPN, bastion, SSO proxy).',
        category=Category.NETWORK,
    ),
    ("aws_mwaa_environment",),
    ("webserver_access_mode",),
    lambda value: value == "PUBLIC_ONLY",
    lambda rc, value: f"{rc.address} serves the Airflow web server on a public endpoint (PUBLIC_ONLY).",
)


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-EKS-005",
        "EKS node group SSH open to the internet",
        MEDIUM,
        "A managed node group with remote_access.ec2_ssh_key and no source_security_group_ids opens port 22 of "
        "every node to 0.0.0.0/0: any node with a public address takes SSH from the internet.",
        "Name the bastion's security group in source_security_group_ids, or drop remote_access and use SSM "
        "Session Manager.",
        "CKV_AWS_100",
        category=Category.NETWORK,
    ),
    "aws_eks_node_group",
)
def node_group_ssh(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    key = state.get("remote_access", 0, "ec2_ssh_key")
    sources = state.get("remote_access", 0, "source_security_group_ids")
    if isinstance(key, str) and key and sources is not UNKNOWN and not sources:
        yield Hit(
            f"{rc.address} opens SSH (key {key}) on its nodes to 0.0.0.0/0: no source security group is named.",
            attribute="remote_access.source_security_group_ids",
        )


simple_posture(
    rule_meta(
        "TFR-AWS-OS-002",
        "OpenSearch anonymous access",
        MEDIUM,
        "anonymous_auth_enabled lets requests without credentials in as the anonymous user, whatever the "
        "fine-grained access control maps to it; it is meant for a migration window only.",
        "Turn anonymous_auth_enabled off once clients send credentials.",
    ),
    ("aws_opensearch_domain",),
    ("advanced_security_options", 0, "anonymous_auth_enabled"),
    is_true,
    lambda rc, value: f"{rc.address} accepts anonymous requests (anonymous_auth_enabled = true).",
)


def _full_access(access: Any) -> bool:
    """A Redis ACL string that is on and allows every command on every key (`on ~* +@all`)."""
    if type(access) is not str:
        return False
    words = access.split()
    return "on" in words and "+@all" in words and any(w in ("~*", "allkeys") for w in words)


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-ECACHE-003",
        "ElastiCache user without a password",
        MEDIUM,
        "A Redis/Valkey user with no_password_required (authentication type no-password-required) lets every "
        "client that reaches the cache in as that user; with an access string such as `on ~* +@all` it can "
        "read, change and flush every key.",
        "Give the user a password or IAM authentication, and an access string limited to its keys and commands.",
    ),
    "aws_elasticache_user",
)
def cache_user_without_password(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    passwordless = state.get("no_password_required") is True
    mode = state.get("authentication_mode", 0, "type")
    if not passwordless and mode != "no-password-required":
        return
    access = state.get("access_string")
    full = _full_access(access)
    yield Hit(
        f"{rc.address} needs no password" + (" and may run every command on every key." if full else "."),
        attribute="no_password_required" if passwordless else "authentication_mode.type",
        severity=None if full else Severity.LOW,
    )


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-TRANSFER-001",
        "Transfer Family server accepts plain FTP",
        MEDIUM,
        "FTP sends user names, passwords and files in clear text; anyone on the path reads or replays them.",
        "Offer SFTP or FTPS only.",
    ),
    "aws_transfer_server",
)
def plain_ftp(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    protocols = state.get("protocols")
    if isinstance(protocols, list) and "FTP" in protocols:
        yield Hit(
            f"{rc.address} accepts plain FTP (credentials and files in clear text).", attribute="protocols"
        )


PUBLIC_OBJECT_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
simple_posture(
    rule_meta(
        "TFR-AWS-S3-015",
        "S3 object readable by anyone",
        HIGH,
        "A public-read (or authenticated-read, public-read-write) object ACL lets anyone on the internet fetch "
        "the object, unless the bucket refuses ACLs (then the upload fails).",
        "Upload the object private and serve it through CloudFront with origin access control or a presigned URL.",
        "CKV_AWS_20",
    ),
    ("aws_s3_object",),
    ("acl",),
    lambda value: value in PUBLIC_OBJECT_ACLS,
    lambda rc, value: f"{rc.address} is uploaded with ACL {value}: anyone can read it.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-EMR-001",
        "EMR block public access turned off",
        MEDIUM,
        "With block_public_security_group_rules off, EMR clusters of the region may start with security groups "
        "open to 0.0.0.0/0 on any port.",
        "Keep block_public_security_group_rules on, with only the ports you need in the permitted range.",
        category=Category.NETWORK,
    ),
    ("aws_emr_block_public_access_configuration",),
    ("block_public_security_group_rules",),
    is_false,
    lambda rc, value: f"{rc.address} lets EMR clusters open security group rules to the internet.",
)
simple_posture(
    rule_meta(
        "TFR-AWS-GD-002",
        "GuardDuty protection turned off",
        MEDIUM,
        "A GuardDuty feature (S3 data events, EKS audit logs, runtime monitoring, malware protection, RDS login "
        "events) set to DISABLED stops threat detection for what it covers.",
        "Keep the feature ENABLED; if its cost is the concern, narrow it rather than turn it off.",
    ),
    ("aws_guardduty_detector_feature",),
    ("status",),
    lambda value: value == "DISABLED",
    lambda rc, value: f"{rc.address} turns off a GuardDuty protection (status = DISABLED).",
)

# Parameters that make a database refuse unencrypted connections, and the values that turn that off.
TLS_PARAMETERS: dict[str, frozenset[str]] = {
    "rds.force_ssl": frozenset({"0"}),  # PostgreSQL, SQL Server
    "require_secure_transport": frozenset({"0", "off"}),  # MySQL, MariaDB
    "tls": frozenset({"disabled"}),  # DocumentDB
}


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-RDS-006",
        "Database accepts unencrypted connections",
        MEDIUM,
        "rds.force_ssl = 0, require_secure_transport = OFF or DocumentDB tls = disabled lets clients connect "
        "without TLS, so credentials and query results cross the network in clear text.",
        "Keep TLS required (rds.force_ssl = 1, require_secure_transport = ON, tls = enabled).",
    ),
    "aws_db_parameter_group",
    "aws_rds_cluster_parameter_group",
    "aws_docdb_cluster_parameter_group",
)
def database_tls_off(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for _, parameter in state.each("parameter"):
        name, value = parameter.get("name"), parameter.get("value")
        off = TLS_PARAMETERS.get(name.lower()) if isinstance(name, str) else None
        if off is not None and isinstance(value, str) and value.strip().lower() in off:
            yield Hit(
                f"{rc.address} sets {name} = {value}: clients may connect without TLS.",
                attribute="parameter",
                key=str(name).lower(),
            )
