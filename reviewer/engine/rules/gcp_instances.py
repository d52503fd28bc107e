"""GCP virtual machines: the default service account with full API access, the serial console."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, State, rule_meta
from reviewer.engine.rules.context import RuleContext

INSTANCE_TYPES = (
    "google_compute_instance",
    "google_compute_instance_template",
    "google_compute_region_instance_template",
)
DEFAULT_ACCOUNT_SUFFIX = "-compute@developer.gserviceaccount.com"
FULL_ACCESS_SCOPES = frozenset({"https://www.googleapis.com/auth/cloud-platform", "cloud-platform"})


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-VM-001",
        "VM runs as the default compute service account",
        Severity.MEDIUM,
        "The default compute service account holds the Editor role on its project unless someone removed it, "
        "so every process on the VM (or anyone who takes it over) can change almost anything in the project; "
        "with the cloud-platform scope nothing limits that (HIGH).",
        "Create a service account with only the roles the workload needs and set it in `service_account`.",
        "CKV_GCP_30",
        Category.IAM,
    ),
    *INSTANCE_TYPES,
)
def default_service_account(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    email = state.first("service_account", "email")
    if not isinstance(email, str) or not email.endswith(DEFAULT_ACCOUNT_SUFFIX):
        return
    scopes = state.first("service_account", "scopes")
    full = isinstance(scopes, list) and any(isinstance(s, str) and s in FULL_ACCESS_SCOPES for s in scopes)
    yield Hit(
        f"{rc.address} runs as the default compute service account {email}"
        + (" with full access to all Cloud APIs (cloud-platform scope)." if full else "."),
        attribute="service_account.email",
        severity=Severity.HIGH if full else None,
    )


def _serial_port_on(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"))


@REGISTRY.posture(
    rule_meta(
        "TFR-GCP-VM-002",
        "Serial console access enabled",
        Severity.MEDIUM,
        "The interactive serial console accepts logins from anyone with the right IAM role or SSH key "
        "whatever the VM's firewall says, bypassing network controls.",
        'Remove `serial-port-enable` from the metadata (or set it to "false").',
        "CKV_GCP_35",
    ),
    *INSTANCE_TYPES,
    "google_compute_project_metadata",
)
def serial_port(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    value = state.get("metadata", "serial-port-enable")
    if value is not UNKNOWN and _serial_port_on(value):
        scope = "every VM of the project" if rc.type == "google_compute_project_metadata" else "the VM"
        yield Hit(
            f"{rc.address} enables serial console access on {scope}.", attribute="metadata.serial-port-enable"
        )
