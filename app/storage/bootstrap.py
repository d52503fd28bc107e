"""Creates the single table and its indexes when missing (local runs and tests only)."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from app.storage import keys
from app.storage.client import DynamoDBClient, error_code

TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": name, "AttributeType": "S"}
        for name in (keys.PK, keys.SK, keys.GSI1_PK, keys.GSI1_SK, keys.GSI2_PK, keys.GSI2_SK)
    ],
    "KeySchema": [
        {"AttributeName": keys.PK, "KeyType": "HASH"},
        {"AttributeName": keys.SK, "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": index,
            "KeySchema": [
                {"AttributeName": pk, "KeyType": "HASH"},
                {"AttributeName": sk, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for index, pk, sk in (
            (keys.GSI1, keys.GSI1_PK, keys.GSI1_SK),
            (keys.GSI2, keys.GSI2_PK, keys.GSI2_SK),
        )
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def ensure_table(client: DynamoDBClient, table: str) -> bool:
    """Create the table with its indexes and TTL unless it exists; True when it was created."""
    try:
        client.describe_table(TableName=table)
        return False
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
    try:
        client.create_table(TableName=table, **TABLE_DEFINITION)
    except ClientError as exc:
        # Two processes may bootstrap at once; the loser finds the table made by the winner.
        if error_code(exc) != "ResourceInUseException":
            raise
        return False
    for _ in range(100):
        if client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.1)
    client.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": keys.TTL_ATTRIBUTE}
    )
    return True
