"""Provider defaults that matter for security, for attributes a plan shows as unknown when they are not set.

An Optional+Computed attribute left out of the configuration is "known after apply" in the plan, yet the
provider (or the cloud API) fills in a fixed default. Where that default is the insecure one, "not set" is
as bad as "set to the insecure value", and the `configuration` section tells the two apart from "set to an
expression Terraform cannot know yet" (which stays unknown: unknown is not false). One row per
(type, attribute); the provider schema test checks each attribute exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reviewer.engine.rules.base import State


@dataclass(frozen=True, slots=True)
class ProviderDefault:
    """`attribute` takes `value` when the configuration does not set it, unless the object inherits it."""

    attribute: str
    value: Any
    # Set in the configuration, any of these makes the object inherit the setting (a snapshot, a replica
    # source, a KMS key that implies encryption), so the default says nothing.
    inherited_from: tuple[str, ...] = ()
    # The default only holds when this is true of the (planned) object, e.g. a given engine mode.
    applies: Callable[[State], bool] | None = None
    # Account-wide settings that replace the default: when the plan keeps one of these types (say
    # aws_ebs_encryption_by_default), the per-object default is not known from the plan alone.
    account_setting: tuple[str, ...] = ()
    # The attribute lives in the first element of this nested block (`vpc_config`), not at the top level.
    block: str | None = None


def _not_serverless_v1(state: State) -> bool:
    # Aurora Serverless v1 clusters are always encrypted, whatever storage_encrypted says.
    return bool(state.get("engine_mode") != "serverless")


def _redis_engine(state: State) -> bool:
    # Valkey replication groups are encrypted at rest by default; Redis ones are not.
    return state.get("engine") in (None, "redis")


EBS_ACCOUNT_DEFAULT = ("aws_ebs_encryption_by_default",)
_RESTORED_CLUSTER = (
    "snapshot_identifier",
    "replication_source_identifier",
    "global_cluster_identifier",
    "restore_to_point_in_time",
    "s3_import",
    "kms_key_id",
)

PROVIDER_DEFAULTS: dict[str, tuple[ProviderDefault, ...]] = {
    # A volume is unencrypted unless asked, made from an encrypted snapshot, or the account encrypts by default.
    "aws_ebs_volume": (
        ProviderDefault(
            "encrypted", False, ("kms_key_id", "snapshot_id"), account_setting=EBS_ACCOUNT_DEFAULT
        ),
    ),
    "aws_rds_cluster": (ProviderDefault("storage_encrypted", False, _RESTORED_CLUSTER, _not_serverless_v1),),
    "aws_efs_file_system": (ProviderDefault("encrypted", False, ("kms_key_id",)),),
    "aws_elasticache_replication_group": (
        ProviderDefault("at_rest_encryption_enabled", False, ("kms_key_id",), _redis_engine),
        ProviderDefault("transit_encryption_enabled", False),
    ),
    "aws_elasticache_cluster": (
        ProviderDefault("transit_encryption_enabled", False, ("replication_group_id",)),
    ),
    # An EKS public endpoint without public_access_cidrs is open to 0.0.0.0/0.
    "aws_eks_cluster": (ProviderDefault("public_access_cidrs", ["0.0.0.0/0"], block="vpc_config"),),
    # An aws_lb without `internal` is internet-facing.
    "aws_lb": (ProviderDefault("internal", False),),
    "aws_alb": (ProviderDefault("internal", False),),
}
