"""Real-shaped Spacelift payloads: the documented default, the newer fields, our policy payload, errors."""

from __future__ import annotations

import copy
from typing import Any

# docs.spacelift.io/integrations/webhooks → "Default webhook payloads / Run events" (unchanged since 2020).
DOCUMENTED_RUN_EVENT: dict[str, Any] = {
    "account": "spacelift-io",
    "state": "FINISHED",
    "stateVersion": 4,
    "timestamp": 1596979684,
    "run": {
        "id": "01EF9PFPNFFM2MQXTJKHK1B869",
        "branch": "master",
        "commit": {
            "authorLogin": "marcinwyszynski",
            "authorName": "Marcin Wyszynski",
            "hash": "0ee3a3b7266daf5a1d44a193a0f48ce995fa75eb",
            "message": "Update demo.tf",
            "timestamp": 1596705932,
            "url": "https://github.com/spacelift-io/demo/commit/0ee3a3b7266daf5a1d44a193a0f48ce995fa75eb",
        },
        "createdAt": 1596979665,
        "delta": {"added": 0, "changed": 0, "deleted": 0, "resources": 1},
        "triggeredBy": "marcinw@spacelift.io",
        "type": "TRACKED",
    },
    "stack": {"id": "spacelift-demo", "name": "Spacelift demo", "description": "", "labels": []},
}

# The fields Spacelift's own receiver schema (flows-app-spacelift) adds; `delta` absent on purpose.
NEWER_RUN_EVENT: dict[str, Any] = {
    "account": "acme",
    "state": "UNCONFIRMED",
    "stateVersion": 5,
    "timestamp": 1767225600,
    "timestamp_millis": 1767225600123,
    "note": "plan ready",
    "event_source": "spacelift",
    "event_type": "run_state_changed",
    "run": {
        "id": "01JABCDEF0123456789XYZABCD",
        "branch": "main",
        "command": "",
        "commit": {
            "authorLogin": "alice",
            "authorName": "Alice Example",
            "hash": "0123456789abcdef0123456789abcdef01234567",
            "message": "Add VPC peering",
            "timestamp": 1767225000,
            "url": "https://github.com/acme/infra/commit/0123456789abcdef0123456789abcdef01234567",
        },
        "createdAt": 1767225500,
        "driftDetection": False,
        "triggeredBy": "alice@example.com",
        "type": "TRACKED",
        "url": "https://acme.app.spacelift.io/stack/prod-network/run/01JABCDEF0123456789XYZABCD",
        "someFutureField": {"nested": True},
    },
    "stack": {
        "id": "prod-network",
        "name": "Prod network",
        "description": "",
        "labels": ["team:net"],
        "repository": "infra",
        "url": "https://acme.app.spacelift.io/stack/prod-network",
        "vcs": "GITHUB",
    },
    "workerPool": {"id": "01POOL", "name": "private-pool"},
}

# What deploy/spacelift/policies/notification.rego sends (after log placeholder substitution).
POLICY_PAYLOAD: dict[str, Any] = {
    "schema": "tfreview.spacelift/v1",
    "account": "acme",
    "state": "UNCONFIRMED",
    "run": {
        "id": "01JPOLICYRUN00000000000000",
        "type": "TRACKED",
        "state": "UNCONFIRMED",
        "updated_at": 1767225600123456789,
        "created_at": 1767225500000000000,
        "branch": "main",
        "commit": {
            "author": "alice",
            "branch": "main",
            "created_at": 1767225000000000000,
            "hash": "0123456789abcdef0123456789abcdef01234567",
            "message": "Open SSH to the world",
            "url": "https://github.com/acme/infra/commit/0123",
        },
        "drift_detection": False,
        "triggered_by": "alice@example.com",
        "changes": [
            {
                "action": "added",
                "entity": {
                    "address": "aws_security_group.ssh",
                    "name": "ssh",
                    "type": "aws_security_group",
                    "entity_type": "resource",
                    "entity_vendor": "terraform",
                    "data": {
                        "values": {
                            "name": "ssh",
                            "ingress": [
                                {
                                    "from_port": 22,
                                    "to_port": 22,
                                    "protocol": "tcp",
                                    "cidr_blocks": ["0.0.0.0/0"],
                                }
                            ],
                        }
                    },
                },
                "phase": "plan",
            },
            {
                "action": "changed",
                "entity": {
                    "address": "module.db.aws_db_instance.main",
                    "name": "main",
                    "type": "aws_db_instance",
                    "entity_type": "resource",
                    "entity_vendor": "terraform",
                    "data": {"values": {"password": "9f86d081884c7d65", "publicly_accessible": True}},
                },
                "phase": "plan",
            },
            {
                "action": "deleted",
                "entity": {
                    "address": "aws_s3_bucket.logs",
                    "name": "logs",
                    "type": "aws_s3_bucket",
                    "entity_type": "resource",
                    "entity_vendor": "terraform",
                    "data": {"values": {"bucket": "acme-logs"}},
                },
                "phase": "plan",
            },
            {
                "action": "destroy-Before-create-replaced",
                "entity": {
                    "address": "aws_instance.web[0]",
                    "name": "web",
                    "type": "aws_instance",
                    "entity_type": "resource",
                    "data": {"values": {"instance_type": "t3.micro"}},
                },
                "phase": "plan",
            },
            {
                "action": "added",
                "entity": {
                    "address": "aws_s3_bucket.logs",
                    "type": "aws_s3_bucket",
                    "entity_type": "resource",
                },
                "phase": "apply",
            },
        ],
        "terraform_version": "1.9.8",
    },
    "stack": {"id": "prod-network", "name": "Prod network", "labels": ["team:net"], "space": "root"},
    "run_url": "https://acme.app.spacelift.io/stack/prod-network/run/01JPOLICYRUN00000000000000",
    "planning_log": "Terraform will perform the following actions:\n  # aws_security_group.ssh will be created\n",
    "policy_receipts": [{"flags": [], "name": "plan-review", "outcome": "allow", "type": "PLAN"}],
}

# docs.spacelift.io/integrations/webhooks → internal error payload.
INTERNAL_ERROR_PAYLOAD: dict[str, Any] = {
    "title": "Policy evaluation failed",
    "body": "The notification policy tfreview could not be evaluated.",
    "error": "rego_type_error: undefined ref",
    "severity": "ERROR",
    "account": "acme",
}

# docs.spacelift.io/integrations/audit-trail → audit event (timestamp in ms).
AUDIT_PAYLOAD: dict[str, Any] = {
    "account": "acme",
    "action": "stack.update",
    "actor": "github::alice",
    "actor_roles": ["ADMIN"],
    "context": {"mutation": "stackUpdate"},
    "data": {"id": "prod-network"},
    "remoteIP": "203.0.113.7",
    "timestamp": 1767225600123,
}


def run_event(
    *, state: str, state_version: int, run_type: str = "PROPOSED", run_id: str = "01JRUN0000000000000000000A"
) -> dict[str, Any]:
    """A newer-shaped run event with the given state, version, type and run id."""
    event = copy.deepcopy(NEWER_RUN_EVENT)
    event["state"] = state
    event["stateVersion"] = state_version
    event["run"]["type"] = run_type
    event["run"]["id"] = run_id
    event["run"]["url"] = f"https://acme.app.spacelift.io/stack/prod-network/run/{run_id}"
    return event
