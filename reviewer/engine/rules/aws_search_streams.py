"""OpenSearch domains and MSK (Kafka) clusters that keep or move data unencrypted."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext

SEARCH_TYPES = ("aws_opensearch_domain", "aws_elasticsearch_domain")
# (block, attribute, what is unencrypted when the flag is false, whether an absent block means off: the API's
# default for encryption at rest and between nodes is off; for enforce_https it varies, so only false counts)
SEARCH_SETTINGS = (
    ("encrypt_at_rest", "enabled", "stores its indexes unencrypted at rest", True),
    ("node_to_node_encryption", "enabled", "sends data between its nodes unencrypted", True),
    ("domain_endpoint_options", "enforce_https", "accepts plain HTTP requests", False),
)


def _off(state: State, block: str, attribute: str, absent_is_off: bool) -> bool:
    """The block's flag is known to be false, or the block is known to be absent where that means off."""
    blocks = state.get(block)
    if blocks is UNKNOWN:
        return False
    if blocks is None or blocks == []:
        return absent_is_off
    return state.first(block, attribute) is False


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-OS-001",
        "OpenSearch domain without encryption",
        Severity.MEDIUM,
        "Search indexes hold copies of application data (logs, documents, customer records). Without "
        "encryption at rest a snapshot or disk holds them in clear; without node-to-node encryption or "
        "enforced HTTPS they cross the network in clear. At-rest and node-to-node encryption cannot be "
        "turned on later without a new domain on older engine versions.",
        "Set encrypt_at_rest { enabled = true }, node_to_node_encryption { enabled = true } and "
        "domain_endpoint_options { enforce_https = true }.",
        "CKV_AWS_5",
    ),
    *SEARCH_TYPES,
)
def search_unencrypted(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for block, attribute, what, absent_is_off in SEARCH_SETTINGS:
        if _off(state, block, attribute, absent_is_off):
            yield Hit(f"{rc.address} {what}.", attribute=f"{block}.{attribute}", key=block)


PLAINTEXT_CLIENTS = frozenset({"PLAINTEXT", "TLS_PLAINTEXT"})


@REGISTRY.posture(
    rule_meta(
        "TFR-AWS-MSK-001",
        "MSK cluster traffic not encrypted in transit",
        Severity.MEDIUM,
        "client_broker = PLAINTEXT (or TLS_PLAINTEXT) lets clients produce and consume messages in clear on "
        "the network; in_cluster = false sends replication between brokers in clear.",
        'Set encryption_in_transit { client_broker = "TLS", in_cluster = true }.',
        "CKV_AWS_81",
    ),
    "aws_msk_cluster",
)
def kafka_plaintext(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    transit = state.first("encryption_info", "encryption_in_transit")
    if not isinstance(transit, list) or not transit or not isinstance(transit[0], dict):
        return
    path = ("encryption_info", 0, "encryption_in_transit", 0)
    client = state.get(*path, "client_broker")
    if isinstance(client, str) and client.upper() in PLAINTEXT_CLIENTS:
        yield Hit(
            f"{rc.address} accepts client connections in plain text (client_broker = {client}).",
            attribute="encryption_info.encryption_in_transit.client_broker",
            key="client_broker",
        )
    if state.get(*path, "in_cluster") is False:
        yield Hit(
            f"{rc.address} replicates between brokers in plain text (in_cluster = false).",
            attribute="encryption_info.encryption_in_transit.in_cluster",
            key="in_cluster",
        )
