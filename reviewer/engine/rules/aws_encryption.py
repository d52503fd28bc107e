"""Encryption at rest and in transit for the AWS stores whose provider default is off (rules/defaults.py).

An attribute left out of the configuration reaches these rules as its default (false), so "not set" is
reported like "set to false"; set-but-unknown is never reported.
"""

from __future__ import annotations

from reviewer.engine.results import Severity
from reviewer.engine.rules.base import rule_meta
from reviewer.engine.rules.helpers import is_false, simple_posture

simple_posture(
    rule_meta(
        "TFR-AWS-EFS-001",
        "EFS file system not encrypted at rest",
        Severity.MEDIUM,
        "EFS encrypts only when asked at creation; an unencrypted file system cannot be encrypted later.",
        "Set `encrypted = true` (with kms_key_id) when creating the file system.",
        "CKV_AWS_42",
    ),
    ("aws_efs_file_system",),
    ("encrypted",),
    is_false,
    lambda rc, v: f"{rc.address} is not encrypted at rest (encrypted = false, the provider default).",
)
simple_posture(
    rule_meta(
        "TFR-AWS-ECACHE-001",
        "ElastiCache not encrypted at rest",
        Severity.MEDIUM,
        "Redis replication groups keep their data and backups unencrypted on disk unless asked at creation.",
        "Set `at_rest_encryption_enabled = true` (with kms_key_id) when creating the replication group.",
        "CKV_AWS_29",
    ),
    ("aws_elasticache_replication_group",),
    ("at_rest_encryption_enabled",),
    is_false,
    lambda rc, v: f"{rc.address} does not encrypt data at rest (at_rest_encryption_enabled = false).",
)
simple_posture(
    rule_meta(
        "TFR-AWS-ECACHE-002",
        "ElastiCache not encrypted in transit",
        Severity.MEDIUM,
        "Without TLS, cache traffic (including AUTH tokens and cached data) crosses the network in clear text.",
        "Set `transit_encryption_enabled = true` (clients must then connect with TLS).",
        "CKV_AWS_30",
    ),
    ("aws_elasticache_replication_group", "aws_elasticache_cluster"),
    ("transit_encryption_enabled",),
    is_false,
    lambda rc, v: f"{rc.address} does not encrypt traffic in transit (transit_encryption_enabled = false).",
)
