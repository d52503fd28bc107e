"""The table in dynamodb.tf is the one app/storage/keys.py and app/core/settings.py expect."""

from __future__ import annotations

from app.core.settings import TABLE_NAME_PREFIX
from app.storage import keys
from tests.deploy.terraform import expression, load_module


def table():
    return load_module().resource("aws_dynamodb_table", "this")


def test_table_name_is_prefix_and_environment() -> None:
    module = load_module()
    assert expression(table()["name"]) == "local.table_name"
    assert module.locals["table_name_prefix"] == TABLE_NAME_PREFIX
    assert module.locals["table_name"] == "${local.table_name_prefix}-${var.environment}"


def test_primary_key_matches_keys_module() -> None:
    body = table()
    assert body["hash_key"] == keys.PK
    assert body["range_key"] == keys.SK
    assert body["billing_mode"] == "PAY_PER_REQUEST"


def test_every_key_attribute_is_a_string_and_declared_once() -> None:
    attributes = {a["name"]: a["type"] for a in table()["attribute"]}
    assert len(attributes) == len(table()["attribute"])
    expected = {keys.PK, keys.SK, keys.GSI1_PK, keys.GSI1_SK, keys.GSI2_PK, keys.GSI2_SK}
    assert attributes == dict.fromkeys(expected, "S")


def test_global_secondary_indexes_match_keys_module() -> None:
    indexes = {i["name"]: i for i in table()["global_secondary_index"]}
    assert set(indexes) == {keys.GSI1, keys.GSI2}
    for name, hash_key, range_key in (
        (keys.GSI1, keys.GSI1_PK, keys.GSI1_SK),
        (keys.GSI2, keys.GSI2_PK, keys.GSI2_SK),
    ):
        assert indexes[name]["hash_key"] == hash_key
        assert indexes[name]["range_key"] == range_key
        assert indexes[name]["projection_type"] == "ALL"


def test_ttl_attribute_matches_keys_module() -> None:
    (ttl,) = table()["ttl"]
    assert ttl["attribute_name"] == keys.TTL_ATTRIBUTE
    assert ttl["enabled"] is True


def test_point_in_time_recovery_is_on() -> None:
    (pitr,) = table()["point_in_time_recovery"]
    assert pitr["enabled"] is True


def test_server_side_encryption_is_configured_with_optional_customer_key() -> None:
    (sse,) = table()["server_side_encryption"]
    # enabled=false is the AWS owned key (still encrypted); true with the customer key given.
    assert expression(sse["enabled"]) == "var.kms_key_arn != null"
    assert expression(sse["kms_key_arn"]) == "var.kms_key_arn"


def test_deletion_protection_defaults_on() -> None:
    module = load_module()
    assert module.default(table()["deletion_protection_enabled"]) is True
