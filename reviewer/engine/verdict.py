"""The verdict in plain words: one sentence and the reasons, grouped by what a platform team cares about.

Built from structure, not from finding titles: each finding's rule metadata (category and kind) picks a
phrase from PHRASES, a few rules refine it in RULE_PHRASES (what a network rule exposes, what a compound
finding combines), the change's action turns a phrase into a destroy, and the resource type gives the
noun. One resource seen by several rules of one concern is said once (a compound finding and its parts
merge into one clause). Linear in the findings; the only plan text in the words is resource addresses,
which every renderer makes inert. No rule ID reaches the words: they travel beside them (Reason.rule_ids).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from reviewer.engine.plan import Action, Plan, ResourceChange
from reviewer.engine.results import (
    SEVERITY_RANK,
    Category,
    Finding,
    FindingSource,
    Reason,
    RiskLevel,
    Severity,
)


class Concern(StrEnum):
    """What a platform team asks about a change, in the order reasons are listed at equal severity."""

    PLAN = "plan_health"
    DATA = "data"
    NETWORK = "network"
    IAM = "iam"
    SECRETS = "secrets"
    SECURITY = "security"
    AVAILABILITY = "availability"
    COST = "cost"
    DRIFT = "drift"
    POLICY = "policy"
    AI = "ai"


CONCERN_TITLE: dict[Concern, str] = {
    Concern.PLAN: "Plan health",
    Concern.DATA: "Data",
    Concern.NETWORK: "Network exposure",
    Concern.IAM: "Access (IAM)",
    Concern.SECRETS: "Secrets",
    Concern.SECURITY: "Security settings",
    Concern.AVAILABILITY: "Availability",
    Concern.COST: "Cost",
    Concern.DRIFT: "Drift",
    Concern.POLICY: "Custom policies",
    Concern.AI: "AI review",
}
_CONCERN_ORDER = {concern: i for i, concern in enumerate(Concern)}


class Kind(StrEnum):
    """The rule kinds of rules.base.RuleKind, plus `external` for findings from outside the catalog."""

    POSTURE = "posture"
    CHANGE = "change"
    PLAN = "plan"
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True)
class Phrase:
    """How one kind of finding reads: a verb phrase around `{what}` (the resources), and what it adds.

    `subject` names what is exposed in place of the resources' noun (`SSH`); `noun` overrides the noun the
    resource type gives; `without` are conditions that merge across the rules seeing one resource
    (`deletion protection`, `a final snapshot`): `destroys a database without deletion protection or a
    final snapshot`. `destroyed` says how the phrase reads when the finding's change destroys the resource
    (None: the action does not change it). An empty verb says nothing (its fact is said elsewhere).
    """

    concern: Concern
    verb: str
    subject: str | None = None
    noun: tuple[str, str] | None = None
    without: tuple[str, ...] = ()
    destroyed: str | None = None
    compound: bool = False
    # The noun when the resource type has none of its own (`deletes an audit trail`, else `a security control`).
    fallback_noun: tuple[str, str] | None = None
    deleted: str | None = None  # how it reads on a plain delete, for a rule about replacements too
    generated: str | None = None  # how it reads on a resource that only generates values (random_*, tls_*)
    brief: str | None = None  # how it reads when the rule rates it LOW (a gap of seconds, not an outage)
    # A combination's parts on its other resources (Finding.related), said within its clause: their rules,
    # and the combination's words once it has taken their subjects (`opens {subject} on {what} ...`).
    parts: frozenset[str] = frozenset()
    with_parts: str | None = None


DESTROYS = "destroys {what}"
_POLICY_VERB = "breaks a custom policy on {what}"
PROTECTION, SNAPSHOT, COPY = "deletion protection", "a final snapshot", "a copy of the data"
# Conditions of one loss, always said in this order (the rules seeing one resource report them in any order).
WITHOUT_ORDER = {PROTECTION: 0, SNAPSHOT: 1, COPY: 2}
REPLACES = "destroys and re-creates {what}"

# Every (category, kind) of the catalog, and a line per category for findings from outside it (custom
# policies, the AI review): a new rule reads well by its metadata alone.
PHRASES: dict[tuple[Category, Kind], Phrase] = {
    (Category.CHANGE, Kind.CHANGE): Phrase(
        Concern.AVAILABILITY, "changes {what} disruptively", destroyed=DESTROYS
    ),
    (Category.CHANGE, Kind.PLAN): Phrase(Concern.DATA, "puts data at risk in {what}", destroyed=DESTROYS),
    (Category.CHANGE, Kind.EXTERNAL): Phrase(Concern.DATA, "puts data at risk in {what}", destroyed=DESTROYS),
    (Category.SECURITY, Kind.POSTURE): Phrase(Concern.SECURITY, "weakens the security settings of {what}"),
    (Category.SECURITY, Kind.CHANGE): Phrase(Concern.SECURITY, "removes a security control ({what})"),
    (Category.SECURITY, Kind.PLAN): Phrase(Concern.SECURITY, "weakens the security settings of {what}"),
    (Category.SECURITY, Kind.EXTERNAL): Phrase(Concern.SECURITY, "weakens the security settings of {what}"),
    (Category.NETWORK, Kind.POSTURE): Phrase(Concern.NETWORK, "exposes {what} to the internet"),
    (Category.NETWORK, Kind.CHANGE): Phrase(Concern.NETWORK, "exposes {what} to the internet"),
    (Category.NETWORK, Kind.PLAN): Phrase(Concern.NETWORK, "exposes {what} to the internet"),
    (Category.NETWORK, Kind.EXTERNAL): Phrase(Concern.NETWORK, "exposes {what} to the internet"),
    (Category.IAM, Kind.POSTURE): Phrase(Concern.IAM, "widens the permissions of {what}"),
    (Category.IAM, Kind.CHANGE): Phrase(Concern.IAM, "widens the permissions of {what}"),
    (Category.IAM, Kind.PLAN): Phrase(Concern.IAM, "widens permissions in {what}"),
    (Category.IAM, Kind.EXTERNAL): Phrase(Concern.IAM, "widens the permissions of {what}"),
    (Category.SECRETS, Kind.POSTURE): Phrase(Concern.SECRETS, "puts a secret in clear text in {what}"),
    (Category.SECRETS, Kind.CHANGE): Phrase(Concern.SECRETS, "puts a secret in clear text in {what}"),
    (Category.SECRETS, Kind.PLAN): Phrase(Concern.SECRETS, "exposes a secret in {what}"),
    (Category.SECRETS, Kind.EXTERNAL): Phrase(Concern.SECRETS, "exposes a secret in {what}"),
    (Category.COST, Kind.CHANGE): Phrase(Concern.COST, "raises the cost of {what}"),
    (Category.COST, Kind.POSTURE): Phrase(Concern.COST, "adds running costs with {what}"),
    (Category.COST, Kind.PLAN): Phrase(Concern.COST, "adds running costs with {what}"),
    (Category.COST, Kind.EXTERNAL): Phrase(Concern.COST, "raises the cost of {what}"),
    (Category.RELIABILITY, Kind.POSTURE): Phrase(Concern.DATA, "weakens the data protection of {what}"),
    (Category.RELIABILITY, Kind.CHANGE): Phrase(Concern.DATA, "weakens the data protection of {what}"),
    (Category.RELIABILITY, Kind.PLAN): Phrase(Concern.DATA, "weakens the data protection of {what}"),
    (Category.RELIABILITY, Kind.EXTERNAL): Phrase(Concern.DATA, "weakens the data protection of {what}"),
    (Category.PLAN_HEALTH, Kind.PLAN): Phrase(Concern.PLAN, "has a problem with {what}"),
    (Category.PLAN_HEALTH, Kind.CHANGE): Phrase(Concern.PLAN, "has a problem with {what}"),
    (Category.PLAN_HEALTH, Kind.POSTURE): Phrase(Concern.PLAN, "has a problem with {what}"),
    (Category.PLAN_HEALTH, Kind.EXTERNAL): Phrase(Concern.PLAN, "has a problem with {what}"),
    (Category.DRIFT, Kind.PLAN): Phrase(Concern.DRIFT, "finds {what} changed outside Terraform"),
    (Category.DRIFT, Kind.CHANGE): Phrase(Concern.DRIFT, "finds {what} changed outside Terraform"),
    (Category.DRIFT, Kind.POSTURE): Phrase(Concern.DRIFT, "finds {what} changed outside Terraform"),
    (Category.DRIFT, Kind.EXTERNAL): Phrase(Concern.DRIFT, "finds {what} changed outside Terraform"),
    (Category.POLICY, Kind.EXTERNAL): Phrase(Concern.POLICY, _POLICY_VERB),
    (Category.POLICY, Kind.PLAN): Phrase(Concern.POLICY, "breaks a custom policy on {what}"),
    (Category.POLICY, Kind.POSTURE): Phrase(Concern.POLICY, "breaks a custom policy on {what}"),
    (Category.POLICY, Kind.CHANGE): Phrase(Concern.POLICY, "breaks a custom policy on {what}"),
    (Category.AI, Kind.EXTERNAL): Phrase(Concern.AI, "has a risk the AI review found in {what}"),
    (Category.AI, Kind.PLAN): Phrase(Concern.AI, "has a risk the AI review found in {what}"),
    (Category.AI, Kind.POSTURE): Phrase(Concern.AI, "has a risk the AI review found in {what}"),
    (Category.AI, Kind.CHANGE): Phrase(Concern.AI, "has a risk the AI review found in {what}"),
}

_INTERNET = "opens {what} to the internet"
_REACHABLE = "makes {what} reachable from the internet"
_OPENS_ON = "opens {subject} on {what} to the internet"
_PUBLIC_API = "makes the API of {what} public"
_SOURCE_LIMITS = "source address limits"
_PUBLIC = "makes {what} public"
_DELETABLE = "leaves {what} deletable"
_UNENCRYPTED = "leaves {what} unencrypted"
_CLEAR = "puts a secret in clear text in {what}"
_AUDIT = "turns off audit logging or threat detection ({what})"
_CONTROL = ("security control", "security controls")
_ADMIN = "grants full admin rights"

# Rules whose category phrase says too little: what they expose, grant or lose, in a platform team's words.
RULE_PHRASES: dict[str, Phrase] = {
    # Compound risks: one clause for the combination and its parts.
    "TFR-CMP-001": Phrase(
        Concern.DATA,
        _DELETABLE,
        without=(PROTECTION, SNAPSHOT),
        destroyed=DESTROYS,
        compound=True,
    ),
    "TFR-CMP-002": Phrase(
        Concern.SECURITY,
        _PUBLIC,
        compound=True,
        parts=frozenset(
            {
                "TFR-AWS-S3-001",
                "TFR-AWS-S3-003",
                "TFR-AWS-S3-004",
                "TFR-AWS-S3-005",
                "TFR-AWS-S3-006",
                "TFR-AWS-S3-012",
                "TFR-AWS-IAM-009",  # the public bucket policy, said by the combination
            }
        ),
    ),
    "TFR-CMP-003": Phrase(
        Concern.NETWORK,
        _REACHABLE,
        compound=True,
        parts=frozenset(
            {
                "TFR-AWS-NET-001",
                "TFR-AWS-NET-002",
                "TFR-AWS-NET-004",
                "TFR-AWS-NET-005",
                "TFR-AWS-NET-009",
            }
        ),
        with_parts=_OPENS_ON,
    ),
    "TFR-CMP-004": Phrase(Concern.DATA, REPLACES, without=(COPY,), compound=True, deleted=DESTROYS),
    "TFR-CMP-005": Phrase(
        Concern.NETWORK,
        _REACHABLE,
        compound=True,
        parts=frozenset({"TFR-GCP-002", "TFR-GCP-011"}),
        with_parts=_OPENS_ON,
    ),
    # Changes.
    "TFR-CHG-001": Phrase(Concern.DATA, DESTROYS),
    "TFR-CHG-002": Phrase(Concern.DATA, REPLACES),
    "TFR-CHG-003": Phrase(Concern.DATA, "replaces {what}", without=(COPY,)),
    "TFR-CHG-004": Phrase(
        Concern.AVAILABILITY,
        "takes {what} offline during replacement",
        generated="generates {what} anew",
        brief="briefly removes {what} while replacing it",
    ),
    "TFR-CHG-018": Phrase(Concern.AVAILABILITY, "switches off {what}"),
    "TFR-CHG-019": Phrase(Concern.AVAILABILITY, "takes {what} out of service"),
    "TFR-CHG-020": Phrase(Concern.DATA, "stops the backups kept by {what}"),
    "TFR-CHG-022": Phrase(Concern.AVAILABILITY, "restarts {what} now instead of in its maintenance window"),
    "TFR-CHG-023": Phrase(Concern.DATA, "deletes {what}"),
    "TFR-AWS-S3-013": Phrase(Concern.DATA, "deletes data in {what} through a lifecycle rule"),
    "TFR-AWS-S3-014": Phrase(Concern.DATA, "weakens the object lock of {what}"),
    "TFR-AWS-ORG-002": Phrase(Concern.DATA, "closes {what}", destroyed="closes {what}"),
    "TFR-AWS-ORG-003": Phrase(Concern.SECURITY, "takes {what} out of the organization"),
    "TFR-CHG-005": Phrase(Concern.DATA, "deletes many resources at once"),
    "TFR-CHG-006": Phrase(Concern.DATA, _DELETABLE, without=(PROTECTION,), destroyed=DESTROYS),
    "TFR-CHG-007": Phrase(Concern.DATA, _DELETABLE, without=(SNAPSHOT,), destroyed=DESTROYS),
    "TFR-CHG-008": Phrase(Concern.DATA, "lets {what} be emptied on destroy", destroyed=DESTROYS),
    "TFR-CHG-009": Phrase(Concern.AVAILABILITY, _DELETABLE, without=(PROTECTION,)),
    "TFR-CHG-010": Phrase(Concern.AVAILABILITY, "re-creates {what} under new count/for_each keys"),
    "TFR-CHG-011": Phrase(Concern.AVAILABILITY, "replaces tainted {what}"),
    "TFR-CHG-012": Phrase(Concern.AVAILABILITY, "replaces {what} on request"),
    "TFR-CHG-013": Phrase(Concern.AVAILABILITY, "stops managing {what} without destroying anything"),
    "TFR-CHG-014": Phrase(Concern.AVAILABILITY, "imports {what}"),
    "TFR-CHG-015": Phrase(Concern.AVAILABILITY, "moves {what} to a new address"),
    "TFR-CHG-016": Phrase(Concern.DRIFT, "finds {what} changed outside Terraform"),
    "TFR-CHG-017": Phrase(Concern.DATA, "destroys a deposed object of {what}"),
    # Plan health: errored, not applyable and incomplete are said by the plan's own flags (health_words).
    "TFR-PLAN-001": Phrase(Concern.PLAN, ""),
    "TFR-PLAN-002": Phrase(Concern.PLAN, ""),
    "TFR-PLAN-003": Phrase(Concern.PLAN, ""),
    "TFR-PLAN-004": Phrase(Concern.PLAN, "defers changes to {what} to a later plan"),
    "TFR-PLAN-005": Phrase(Concern.PLAN, "fails {what}", noun=("check or condition", "checks or conditions")),
    "TFR-PLAN-006": Phrase(Concern.PLAN, "cannot tell whether {what} will pass", noun=("check", "checks")),
    "TFR-PLAN-007": Phrase(Concern.PLAN, "changes {what} in a way this review cannot read"),
    "TFR-CFG-001": Phrase(Concern.PLAN, "relies on a suppression that has expired"),
    # Secrets.
    "TFR-SEC-001": Phrase(Concern.SECRETS, "puts a secret in clear text in the environment of {what}"),
    "TFR-SEC-002": Phrase(Concern.SECRETS, "puts a secret in clear text in the environment of {what}"),
    "TFR-SEC-003": Phrase(Concern.SECRETS, "puts a secret in clear text in the user data of {what}"),
    "TFR-SEC-004": Phrase(Concern.SECRETS, "puts a secret in the tags of {what}"),
    "TFR-SEC-005": Phrase(
        Concern.SECRETS, "shows a secret in {what}", noun=("Terraform output", "Terraform outputs")
    ),
    "TFR-SEC-006": Phrase(Concern.SECRETS, "stores a secret unencrypted in {what}"),
    "TFR-SEC-007": Phrase(Concern.SECRETS, "puts a secret in clear text in the settings of {what}"),
    "TFR-SEC-008": Phrase(Concern.SECRETS, "hard-codes a secret for {what} in the Terraform code"),
    "TFR-AWS-PRV-001": Phrase(Concern.SECRETS, "hard-codes AWS credentials in the provider configuration"),
    "TFR-AWS-PRV-002": Phrase(Concern.SECRETS, "passes AWS credentials in plan variables"),
    "TFR-INJ-001": Phrase(Concern.SECURITY, "carries text aimed at the AI reviewer in {what}"),
    # Network exposure: what is opened.
    "TFR-AWS-NET-001": Phrase(Concern.NETWORK, _INTERNET, subject="SSH"),
    "TFR-AWS-NET-002": Phrase(Concern.NETWORK, _INTERNET, subject="RDP"),
    "TFR-AWS-NET-003": Phrase(Concern.NETWORK, _INTERNET, subject="plain HTTP"),
    "TFR-AWS-NET-004": Phrase(Concern.NETWORK, _INTERNET, subject="all ports"),
    "TFR-AWS-NET-005": Phrase(Concern.NETWORK, _INTERNET, subject="a database port"),
    "TFR-AWS-NET-006": Phrase(Concern.NETWORK, "allows all outbound traffic from {what}"),
    "TFR-AWS-NET-008": Phrase(Concern.NETWORK, "gives every instance in {what} a public IP"),
    "TFR-AWS-NET-009": Phrase(Concern.NETWORK, _INTERNET, subject="remote administration ports"),
    "TFR-AWS-NET-010": Phrase(Concern.NETWORK, _INTERNET, subject="a wide port range"),
    "TFR-AWS-NET-011": Phrase(Concern.NETWORK, _INTERNET, subject="admin ports"),
    "TFR-AZ-003": Phrase(Concern.NETWORK, _INTERNET, subject="admin or database ports"),
    "TFR-GCP-002": Phrase(Concern.NETWORK, _INTERNET, subject="admin or database ports"),
    "TFR-AZ-014": Phrase(Concern.NETWORK, _INTERNET, subject="a wide port range"),
    "TFR-GCP-011": Phrase(Concern.NETWORK, _INTERNET, subject="a wide port range"),
    "TFR-AZ-004": Phrase(Concern.NETWORK, _INTERNET, subject="a database"),
    "TFR-GCP-005": Phrase(Concern.NETWORK, _INTERNET, subject="a database"),
    "TFR-AWS-RDS-002": Phrase(Concern.NETWORK, "makes {what} publicly accessible"),
    "TFR-AWS-RS-001": Phrase(Concern.NETWORK, "makes {what} publicly accessible"),
    "TFR-AWS-NET-012": Phrase(Concern.NETWORK, "makes {what} publicly accessible"),
    # A public endpoint, and one open to every address: one exposure of one cluster, said once.
    "TFR-AWS-EKS-001": Phrase(Concern.NETWORK, _PUBLIC_API),
    "TFR-AWS-EKS-002": Phrase(Concern.NETWORK, _PUBLIC_API, without=(_SOURCE_LIMITS,)),
    "TFR-AZ-006": Phrase(Concern.NETWORK, _PUBLIC_API, without=(_SOURCE_LIMITS,)),
    "TFR-GCP-004": Phrase(Concern.NETWORK, _PUBLIC_API, without=(_SOURCE_LIMITS,)),
    "TFR-AWS-EC2-004": Phrase(Concern.NETWORK, "gives {what} a public IP"),
    "TFR-AZ-005": Phrase(Concern.NETWORK, "gives {what} a public IP"),
    "TFR-GCP-003": Phrase(Concern.NETWORK, "gives {what} a public IP"),
    "TFR-AWS-LAMBDA-003": Phrase(Concern.NETWORK, "opens {what} to the internet without authentication"),
    "TFR-AWS-ELB-001": Phrase(Concern.NETWORK, "serves {what} without HTTPS"),
    "TFR-AWS-TLS-001": Phrase(Concern.NETWORK, "accepts outdated TLS versions on {what}"),
    "TFR-AZ-008": Phrase(Concern.NETWORK, "accepts outdated TLS versions on {what}"),
    "TFR-GCP-010": Phrase(Concern.NETWORK, "accepts outdated TLS versions on {what}"),
    # Access.
    "TFR-AWS-IAM-001": Phrase(Concern.IAM, _ADMIN),
    "TFR-AWS-IAM-007": Phrase(Concern.IAM, _ADMIN),
    "TFR-AWS-IAM-002": Phrase(Concern.IAM, "allows every action in {what}"),
    "TFR-AWS-IAM-003": Phrase(Concern.IAM, "grants service-wide wildcards in {what}"),
    "TFR-AWS-IAM-004": Phrase(Concern.IAM, "allows privilege escalation through {what}"),
    "TFR-AWS-IAM-005": Phrase(Concern.IAM, "allows reading credentials through {what}"),
    "TFR-AWS-IAM-006": Phrase(Concern.IAM, "allows data exfiltration through {what}"),
    "TFR-AWS-IAM-008": Phrase(Concern.IAM, "lets anyone assume {what}"),
    "TFR-AWS-IAM-009": Phrase(Concern.IAM, "opens {what} to anyone through a resource policy"),
    "TFR-AWS-KMS-002": Phrase(Concern.IAM, "lets anyone use {what}"),
    "TFR-AZ-011": Phrase(Concern.IAM, "grants a privileged role"),
    "TFR-AZ-016": Phrase(Concern.IAM, "defines a custom role that allows every action"),
    "TFR-GCP-009": Phrase(Concern.IAM, "grants a privileged role"),
    "TFR-AZ-012": Phrase(Concern.IAM, "runs {what} without Kubernetes RBAC"),
    "TFR-AZ-013": Phrase(Concern.IAM, "keeps a local admin account on {what}"),
    "TFR-GCP-006": Phrase(Concern.IAM, "turns on legacy ABAC for {what}"),
    "TFR-GCP-007": Phrase(Concern.IAM, "issues a client certificate for {what}"),
    # Security settings.
    "TFR-AWS-S3-001": Phrase(Concern.SECURITY, _PUBLIC),
    "TFR-AWS-S3-002": Phrase(Concern.SECURITY, "makes {what} writable by anyone"),
    "TFR-AWS-S3-003": Phrase(Concern.SECURITY, "turns off the public access block of {what}"),
    "TFR-AWS-S3-004": Phrase(Concern.SECURITY, "turns off the public access block of {what}"),
    "TFR-AWS-S3-005": Phrase(Concern.SECURITY, "turns off the public access block of {what}"),
    "TFR-AWS-S3-006": Phrase(Concern.SECURITY, "turns off the public access block of {what}"),
    "TFR-AWS-S3-007": Phrase(Concern.SECURITY, "leaves {what} without a public access block"),
    "TFR-AWS-S3-008": Phrase(Concern.SECURITY, "leaves {what} without default encryption"),
    "TFR-AWS-S3-009": Phrase(Concern.SECURITY, "encrypts {what} without a customer-managed key"),
    "TFR-AWS-S3-011": Phrase(Concern.SECURITY, "leaves {what} without access logging"),
    "TFR-AWS-S3-012": Phrase(Concern.SECURITY, "deletes the public access block of {what}"),
    "TFR-GCP-001": Phrase(Concern.SECURITY, _PUBLIC),
    "TFR-AZ-001": Phrase(Concern.SECURITY, _PUBLIC),
    "TFR-AZ-002": Phrase(Concern.SECURITY, "accepts plain HTTP on {what}"),
    "TFR-AWS-ECACHE-002": Phrase(Concern.SECURITY, "accepts unencrypted traffic to {what}"),
    "TFR-AWS-RDS-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-RS-002": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-EC2-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-EC2-002": Phrase(Concern.SECURITY, "leaves the disks of {what} unencrypted"),
    "TFR-AWS-EC2-005": Phrase(Concern.SECURITY, "turns off default EBS encryption"),
    "TFR-AWS-ECACHE-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-EFS-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-SNS-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-SQS-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-EKS-003": Phrase(Concern.SECURITY, "leaves the Kubernetes secrets of {what} unencrypted"),
    "TFR-AWS-CT-003": Phrase(Concern.SECURITY, "encrypts the logs of {what} without a customer-managed key"),
    "TFR-AWS-EC2-003": Phrase(
        Concern.SECURITY, "allows the old instance metadata service (IMDSv1) on {what}"
    ),
    "TFR-AWS-KMS-001": Phrase(Concern.SECURITY, "turns off key rotation for {what}"),
    "TFR-AWS-CT-001": Phrase(Concern.SECURITY, "limits audit logging to one region ({what})"),
    "TFR-AWS-CT-002": Phrase(Concern.SECURITY, "turns off log file validation of {what}"),
    "TFR-AWS-CT-004": Phrase(Concern.SECURITY, _AUDIT),
    "TFR-AWS-CONFIG-001": Phrase(Concern.SECURITY, _AUDIT),
    "TFR-AWS-GD-001": Phrase(Concern.SECURITY, _AUDIT),
    "TFR-AWS-CT-005": Phrase(Concern.SECURITY, _AUDIT),
    "TFR-AZ-015": Phrase(Concern.SECURITY, _AUDIT),
    "TFR-AWS-AUD-001": Phrase(Concern.SECURITY, "deletes {what}", fallback_noun=_CONTROL),
    "TFR-AZ-010": Phrase(Concern.SECURITY, "deletes {what}", fallback_noun=_CONTROL),
    "TFR-GCP-008": Phrase(Concern.SECURITY, "deletes {what}", fallback_noun=_CONTROL),
    "TFR-AWS-NET-007": Phrase(Concern.SECURITY, "leaves {what} without flow logs"),
    "TFR-AWS-LAMBDA-001": Phrase(Concern.SECURITY, "lets anyone invoke {what}"),
    "TFR-AWS-LAMBDA-002": Phrase(Concern.SECURITY, "lets a service invoke {what} on behalf of any account"),
    "TFR-AWS-LAMBDA-004": Phrase(Concern.SECURITY, "shares {what} with every AWS account"),
    "TFR-AWS-SHARE-001": Phrase(Concern.SECURITY, "shares {what} with every AWS account"),
    "TFR-AWS-ECR-001": Phrase(Concern.SECURITY, "lets image tags in {what} be overwritten"),
    "TFR-AWS-LOG-002": Phrase(Concern.SECURITY, "keeps the logs of {what} for less than a year"),
    "TFR-AZ-009": Phrase(Concern.SECURITY, "allows password login to {what}"),
    "TFR-K8S-001": Phrase(Concern.SECURITY, "runs privileged containers in {what}"),
    "TFR-K8S-002": Phrase(Concern.SECURITY, "lets {what} share the host's namespaces"),
    "TFR-K8S-003": Phrase(Concern.SECURITY, "lets containers of {what} escalate privileges"),
    "TFR-K8S-004": Phrase(Concern.IAM, "grants full control of the cluster through {what}"),
    "TFR-K8S-005": Phrase(Concern.IAM, "opens the cluster to anonymous or all users through {what}"),
    "TFR-K8S-006": Phrase(Concern.SECURITY, "mounts the node's files into {what}"),
    "TFR-K8S-007": Phrase(Concern.NETWORK, "exposes risky ports of {what} to the internet"),
    "TFR-K8S-008": Phrase(Concern.SECRETS, _CLEAR),
    "TFR-K8S-009": Phrase(Concern.NETWORK, "deletes {what} that isolated pods"),
    "TFR-K8S-014": Phrase(Concern.SECURITY, "deletes {what}", fallback_noun=_CONTROL),
    "TFR-GCP-015": Phrase(Concern.SECURITY, "lets pods of {what} read the node's credentials"),
    "TFR-K8S-010": Phrase(
        Concern.SECURITY, "relaxes Pod Security admission on {what}", noun=("namespace", "namespaces")
    ),
    "TFR-AZ-017": Phrase(Concern.NETWORK, "opens {what} to every network"),
    "TFR-AZ-018": Phrase(Concern.IAM, "opens {what} to shared or anonymous access"),
    "TFR-AZ-019": Phrase(Concern.SECURITY, "accepts unencrypted connections to {what}"),
    "TFR-GCP-012": Phrase(Concern.SECURITY, "lifts the public access prevention of {what}"),
    "TFR-GCP-013": Phrase(Concern.AVAILABILITY, "disables {what} for the whole project"),
    "TFR-CHG-021": Phrase(Concern.AVAILABILITY, "changes {what} in a way that cannot be undone"),
    "TFR-AZ-020": Phrase(Concern.IAM, "creates {what}"),
    "TFR-AZ-022": Phrase(Concern.IAM, "turns key or password sign-in back on for {what}"),
    "TFR-AZ-021": Phrase(
        Concern.SECURITY,
        "turns off SQL auditing or threat detection on {what}",
        noun=("database", "databases"),
    ),
    "TFR-K8S-013": Phrase(Concern.IAM, "grants a role to every pod of the cluster through {what}"),
    "TFR-GCP-014": Phrase(Concern.IAM, "creates {what}"),
    "TFR-K8S-011": Phrase(Concern.IAM, "keeps a service account token that never expires in {what}"),
    "TFR-K8S-012": Phrase(Concern.SECURITY, "gives containers of {what} dangerous Linux capabilities"),
    "TFR-GCP-VM-001": Phrase(Concern.IAM, "runs {what} as the default service account"),
    "TFR-GCP-VM-002": Phrase(Concern.SECURITY, "opens the serial console of {what}"),
    "TFR-AWS-APIGW-001": Phrase(Concern.NETWORK, "leaves {what} open without authorization"),
    "TFR-AWS-CF-001": Phrase(Concern.SECURITY, "serves {what} over plain HTTP"),
    "TFR-AWS-USER-001": Phrase(Concern.IAM, "creates {what} for an IAM user"),
    "TFR-AWS-OS-001": Phrase(Concern.SECURITY, _UNENCRYPTED),
    "TFR-AWS-MSK-001": Phrase(Concern.SECURITY, "sends the messages of {what} unencrypted"),
    "TFR-AWS-ORG-001": Phrase(Concern.SECURITY, "loosens {what}"),
    "TFR-AWS-WAF-001": Phrase(Concern.SECURITY, "weakens the request filtering of {what}"),
    "TFR-AWS-MWAA-001": Phrase(Concern.NETWORK, "opens the web server of {what} to the internet"),
    "TFR-AWS-EKS-005": Phrase(Concern.NETWORK, _INTERNET, subject="SSH on the nodes of a node group"),
    "TFR-AWS-OS-002": Phrase(Concern.SECURITY, "lets anonymous users into {what}"),
    "TFR-AWS-ECACHE-003": Phrase(Concern.SECURITY, "lets clients into a cache without a password as {what}"),
    "TFR-AWS-TRANSFER-001": Phrase(Concern.SECURITY, "accepts plain FTP on {what}"),
    "TFR-AWS-S3-015": Phrase(Concern.SECURITY, _PUBLIC),
    "TFR-AWS-EMR-001": Phrase(Concern.NETWORK, "lets EMR clusters open security groups to the internet"),
    "TFR-AWS-GD-002": Phrase(Concern.SECURITY, _AUDIT),
    "TFR-AWS-RDS-006": Phrase(Concern.SECURITY, "lets clients connect without TLS through {what}"),
    "TFR-AWS-IAM-010": Phrase(Concern.SECURITY, "weakens {what}"),
    "TFR-AWS-ECS-001": Phrase(Concern.SECURITY, "lets the containers of {what} take over their host"),
    "TFR-AWS-SM-001": Phrase(Concern.NETWORK, "connects {what} directly to the internet"),
    "TFR-AWS-EKS-004": Phrase(Concern.IAM, "grants full control of the cluster through {what}"),
    # Data protection.
    "TFR-AWS-RDS-003": Phrase(Concern.DATA, _DELETABLE, without=(PROTECTION,), destroyed=DESTROYS),
    "TFR-AWS-RDS-004": Phrase(Concern.DATA, _DELETABLE, without=(PROTECTION,), destroyed=DESTROYS),
    "TFR-AWS-RDS-005": Phrase(Concern.DATA, "keeps too few days of backups of {what}"),
    "TFR-AWS-DDB-001": Phrase(Concern.DATA, "turns off point-in-time recovery of {what}"),
    "TFR-AWS-S3-010": Phrase(Concern.DATA, "leaves {what} without versioning"),
    "TFR-AZ-007": Phrase(Concern.DATA, "leaves {what} without purge protection"),
    "TFR-AWS-ELB-002": Phrase(Concern.AVAILABILITY, _DELETABLE, without=(PROTECTION,)),
    # Cost.
    "TFR-COST-001": Phrase(Concern.COST, "moves {what} to a larger size"),
    "TFR-COST-002": Phrase(Concern.COST, "creates many copies of one resource"),
    "TFR-COST-003": Phrase(Concern.COST, "adds {what}"),
    "TFR-COST-004": Phrase(Concern.COST, "adds provisioned IOPS to {what}"),
    "TFR-COST-005": Phrase(Concern.COST, "turns on multi-AZ for {what}"),
    "TFR-COST-006": Phrase(Concern.COST, "runs {what} on expensive hardware"),
    "TFR-AWS-LOG-001": Phrase(Concern.COST, "keeps the logs of {what} forever"),
}

# What a resource type is, in a word, first match wins (fragments of the type name, so a new type of a
# known kind reads well too).
_NOUNS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("elasticache_user",), "cache user", "cache users"),
    (("parameter_group",), "database parameter group", "database parameter groups"),
    # Monitoring settings of a database, not the database itself.
    (("auditing_policy",), "SQL auditing policy", "SQL auditing policies"),
    (("security_alert_policy",), "SQL threat detection policy", "SQL threat detection policies"),
    (("vulnerability_assessment",), "SQL vulnerability scan", "SQL vulnerability scans"),
    (
        ("secretsmanager_secret", "secret_manager_secret", "key_vault_secret", "kubernetes_secret"),
        "secret",
        "secrets",
    ),
    (
        ("security_group_rule", "security_group_ingress", "security_group_egress"),
        "security group rule",
        "security group rules",
    ),
    (("security_group",), "security group", "security groups"),
    (("firewall", "network_security", "network_acl"), "firewall rule", "firewall rules"),
    (
        (
            "db_instance",
            "rds_cluster",
            "sql_database",
            "sql_server",
            "mssql",
            "postgresql",
            "mysql",
            "mariadb",
            "cosmosdb",
            "spanner",
            "alloydb",
            "docdb",
            "neptune",
            "redshift",
            "database",
        ),
        "database",
        "databases",
    ),
    (("ami_launch_permission",), "machine image", "machine images"),
    (("_snapshot",), "snapshot", "snapshots"),
    (("ssm_document",), "SSM document", "SSM documents"),
    (("backup_vault", "recovery_services_vault"), "backup vault", "backup vaults"),
    (
        ("backup_plan", "backup_selection", "backup_policy", "dlm_lifecycle_policy", "backup_protected"),
        "backup plan",
        "backup plans",
    ),
    (("data_protection_backup_instance",), "backup plan", "backup plans"),
    (("compute_resource_policy",), "snapshot schedule", "snapshot schedules"),
    (("ssm_parameter",), "SSM parameter", "SSM parameters"),
    (("bigquery_dataset", "healthcare_dataset"), "dataset", "datasets"),
    (("dynamodb_table", "bigtable", "bigquery", "timestream", "storage_table"), "table", "tables"),
    (("glacier_vault",), "archive vault", "archive vaults"),
    (
        (
            "s3_bucket",
            "storage_bucket",
            "storage_container",
            "glacier",
            "storage_default_object",
            "storage_object",
        ),
        "bucket",
        "buckets",
    ),
    (("cognito_user_pool", "identity_platform_tenant"), "user pool", "user pools"),
    (("opensearch_domain", "elasticsearch_domain", "search_service"), "search cluster", "search clusters"),
    (("storage_account",), "storage account", "storage accounts"),
    (
        ("ebs_volume", "_disk", "efs_file_system", "fsx_", "filestore", "persistent_volume", "storage_share"),
        "volume",
        "volumes",
    ),
    (("elasticache", "redis", "memorydb", "memcache"), "cache", "caches"),
    (("msk_cluster", "kafka"), "Kafka cluster", "Kafka clusters"),
    (("sqs_queue", "kinesis", "pubsub", "eventhub", "servicebus", "storage_queue"), "queue", "queues"),
    (("mq_broker",), "message broker", "message brokers"),
    (("dms_replication_instance",), "replication instance", "replication instances"),
    (("key_vault_key",), "key", "keys"),
    (("key_vault",), "key vault", "key vaults"),
    (("kms_key", "kms_crypto_key", "key_ring"), "key", "keys"),
    (
        ("organizations_policy_attachment",),
        "service control policy attachment",
        "service control policy attachments",
    ),
    (("organizations_policy",), "service control policy", "service control policies"),
    (("organizations_account", "s3_account_public_access_block"), "AWS account", "AWS accounts"),
    (("account_password_policy",), "password policy", "password policies"),
    (("wafv2_web_acl_association", "wafregional_web_acl_association"), "WAF association", "WAF associations"),
    (
        ("wafv2_web_acl", "waf_web_acl", "wafregional_web_acl"),
        "web application firewall",
        "web application firewalls",
    ),
    (("securityhub_standards_subscription",), "Security Hub standard", "Security Hub standards"),
    (("securityhub_account",), "Security Hub subscription", "Security Hub subscriptions"),
    (("accessanalyzer_analyzer",), "access analyzer", "access analyzers"),
    (("ebs_encryption_by_default",), "default EBS encryption setting", "default EBS encryption settings"),
    (("eks_access_policy_association", "eks_access_entry"), "EKS access entry", "EKS access entries"),
    (("sagemaker_notebook_instance",), "notebook instance", "notebook instances"),
    (("mwaa_environment",), "Airflow environment", "Airflow environments"),
    (("transfer_server",), "file transfer server", "file transfer servers"),
    (("s3_object",), "S3 object", "S3 objects"),
    (("guardduty_detector_feature",), "GuardDuty protection", "GuardDuty protections"),
    # IAM grants on a resource read as that resource (bucket, key, secret and table come earlier).
    (("artifact_registry", "container_registry"), "image registry", "image registries"),
    (("service_account_key",), "service account key", "service account keys"),
    (("hmac_key",), "HMAC key", "HMAC keys"),
    (("application_password", "service_principal_password"), "client secret", "client secrets"),
    (("log_analytics_workspace",), "log workspace", "log workspaces"),
    (("logging_project_bucket",), "log bucket", "log buckets"),
    (("service_account_iam",), "service account", "service accounts"),
    (("compute_image",), "machine image", "machine images"),
    (("compute_instance_iam",), "server", "servers"),
    (("storage_managed_folder",), "bucket folder", "bucket folders"),
    (("sourcerepo",), "source repository", "source repositories"),
    (("project_service",), "Google Cloud API", "Google Cloud APIs"),
    (("policy_assignment",), "policy assignment", "policy assignments"),
    (("cloud_run",), "Cloud Run service", "Cloud Run services"),
    (("cloudfunctions",), "function", "functions"),
    (("iam_audit_config",), "audit log config", "audit log configs"),
    (("project_iam",), "project role", "project roles"),
    (("folder_iam",), "folder role", "folder roles"),
    (("organization_iam",), "organization role", "organization roles"),
    (
        ("iam_policy", "iam_role_policy", "iam_user_policy", "iam_group_policy", "policy_attachment"),
        "IAM policy",
        "IAM policies",
    ),
    (("iam_role", "role_assignment", "iam_member", "iam_binding", "iam_policy"), "role", "roles"),
    (("lambda_function_url",), "function URL", "function URLs"),
    (("lambda_function", "function_app"), "function", "functions"),
    (("web_app", "app_service"), "web app", "web apps"),
    (("lambda_permission",), "function", "functions"),
    (("lambda_layer",), "Lambda layer", "Lambda layers"),
    (("iam_access_key",), "long-lived access key", "long-lived access keys"),
    (("compute_project_metadata",), "project", "projects"),
    (
        ("random_password", "random_string", "random_id", "random_pet", "random_uuid", "random_integer"),
        "random value",
        "random values",
    ),
    (("random_",), "random value", "random values"),
    (("tls_private_key",), "private key", "private keys"),
    (("tls_",), "certificate", "certificates"),
    (("local_file", "local_sensitive_file"), "local file", "local files"),
    (("role_binding",), "role binding", "role bindings"),
    (("kubernetes_cluster_role", "kubernetes_role"), "Kubernetes role", "Kubernetes roles"),
    (("service_account",), "service account", "service accounts"),
    (("kubernetes_service",), "service", "services"),
    (("container_node_pool", "kubernetes_cluster_node_pool"), "node pool", "node pools"),
    (
        ("autoscaling_group", "instance_group_manager", "scale_set", "node_group", "node_pool"),
        "server group",
        "server groups",
    ),
    (("eks_cluster", "container_cluster", "kubernetes_cluster", "ecs_cluster"), "cluster", "clusters"),
    (("nat_gateway", "router_nat"), "NAT gateway", "NAT gateways"),
    (("lb_listener", "alb_listener"), "listener", "listeners"),
    (
        (
            "aws_lb",
            "aws_alb",
            "aws_elb",
            "azurerm_lb",
            "load_balancer",
            "lb_",
            "forwarding_rule",
            "target_http",
        ),
        "load balancer",
        "load balancers",
    ),
    (("application_gateway",), "load balancer", "load balancers"),
    (
        ("cloudfront", "cdn_endpoint", "cdn_frontdoor", "azurerm_frontdoor"),
        "CDN distribution",
        "CDN distributions",
    ),
    (("api_gateway", "apigatewayv2", "api_management"), "API", "APIs"),
    (
        ("route53_record", "dns_a_record", "dns_aaaa_record", "dns_cname_record", "dns_record_set"),
        "DNS record",
        "DNS records",
    ),
    (("internet_gateway",), "internet gateway", "internet gateways"),
    (
        (
            "vpn_connection",
            "vpc_peering",
            "transit_gateway_vpc_attachment",
            "dx_connection",
            "network_peering",
        ),
        "network link",
        "network links",
    ),
    (("vpn_tunnel", "gateway_connection"), "network link", "network links"),
    (("cloudtrail",), "audit trail", "audit trails"),
    (("guardduty",), "threat detector", "threat detectors"),
    (("flow_log",), "flow log", "flow logs"),
    (("diagnostic_setting",), "diagnostic setting", "diagnostic settings"),
    (("management_lock",), "resource lock", "resource locks"),
    (("_sink",), "log sink", "log sinks"),
    (("organization_policy", "org_policy_policy"), "organization policy", "organization policies"),
    (("security_center_subscription_pricing",), "Defender plan", "Defender plans"),
    (("config_configuration_recorder",), "config recorder", "config recorders"),
    (("cloudwatch_log_group", "log_group"), "log group", "log groups"),
    (("ecs_task_definition",), "task definition", "task definitions"),
    (("ecs_service",), "service", "services"),
    (("ecr_repository",), "image repository", "image repositories"),
    (("sns_topic",), "topic", "topics"),
    (("subnet",), "subnet", "subnets"),
    (("route53_zone", "dns_zone", "dns_managed_zone"), "DNS zone", "DNS zones"),
    (("aws_vpc", "virtual_network", "compute_network"), "network", "networks"),
    (("namespace",), "namespace", "namespaces"),
    (
        ("daemon_set", "deployment", "stateful_set", "kubernetes_pod", "kubernetes_job", "cron_job"),
        "workload",
        "workloads",
    ),
    (("config_map",), "config map", "config maps"),
    (("appautoscaling_target",), "scaling target", "scaling targets"),
    # Not servers although their names say "instance".
    (("instance_profile",), "instance profile", "instance profiles"),
    (("instance_connect_endpoint",), "connect endpoint", "connect endpoints"),
    (("instance_template", "launch_template", "launch_configuration"), "server template", "server templates"),
    (("instance", "virtual_machine"), "server", "servers"),
    (("network_interface",), "network interface", "network interfaces"),
    (("network_policy",), "network policy", "network policies"),
    (("webhook_configuration", "admission_policy"), "admission control", "admission controls"),
    # Containers of other resources, last: their fragments start the names of the resources they hold.
    (("resource_group",), "resource group", "resource groups"),
    (("management_group",), "management group", "management groups"),
    (("azurerm_subscription",), "subscription", "subscriptions"),
    (("google_project",), "project", "projects"),
    (("google_folder",), "folder", "folders"),
)
_FALLBACK_NOUN = ("resource", "resources")
# What a finding without an address is about (a custom policy's deny message, an AI risk): the plan itself.
_PLAN_NOUN = ("the plan", "the plan")

MAX_NAMED = 3  # resources named per clause before "and N more"
MAX_CLAUSES = 4  # clauses per reason, and in the sentence
MAX_NOUNS = 3  # kinds of resource named per clause before "and N other resources"
MAX_ADDRESSES = 20  # addresses kept per reason for machines
_REASON_MIN = Severity.LOW  # INFO findings (imports, moves) are facts, not reasons
_SENTENCE_MIN = Severity.MEDIUM  # the sentence of a MEDIUM+ plan names what is at least MEDIUM
_TAG_KEYS = frozenset({"tags", "tags_all", "labels", "terraform_labels", "effective_labels"})


@lru_cache(maxsize=1024)
def noun_of(rtype: str | None) -> tuple[str, str]:
    """(one, many) of what a resource type is: `aws_db_instance` -> ("database", "databases")."""
    if not rtype:
        return _FALLBACK_NOUN
    if rtype == "module":  # a finding on a module call (an input written into the code)
        return "module", "modules"
    for fragments, one, many in _NOUNS:
        if any(fragment in rtype for fragment in fragments):
            return one, many
    return _FALLBACK_NOUN


def _rule_kinds() -> dict[str, Kind]:
    global _KINDS
    if _KINDS is None:
        from reviewer.engine.rules import RULES  # the catalog, loaded by the review that scores anyway

        _KINDS = {rule.meta.id: Kind(rule.kind.value) for rule in RULES}
    return _KINDS


_KINDS: dict[str, Kind] | None = None


def phrase_of(rule_id: str, category: Category) -> Phrase:
    """The phrase of a finding: its rule's own, else its (category, kind)'s; never fails."""
    own = RULE_PHRASES.get(rule_id)
    if own is not None:
        return own
    kind = _rule_kinds().get(rule_id, Kind.EXTERNAL)
    return PHRASES.get((category, kind)) or PHRASES[(category, Kind.EXTERNAL)]


@lru_cache(maxsize=256)
def _generates_values(rtype: str | None) -> bool:
    """A type that holds no infrastructure but generates values others use (random_*, tls_*, local_*)."""
    from reviewer.engine.rules.change import VALUE_PREFIXES  # loaded with the catalog, by the review

    return rtype is not None and rtype.startswith(VALUE_PREFIXES)


def module_of(address: str | None) -> str | None:
    """`module.ci` of `module.ci.aws_iam_policy.x`; None for a root module resource."""
    if not address or not address.startswith("module."):
        return None
    end, size = 0, len(address)
    while address.startswith("module.", end):
        i = end + len("module.")
        while i < size and address[i] not in ".[":
            i += 1
        if i < size and address[i] == "[":
            close = address.find("]", i)
            if close < 0:
                break
            i = close + 1
        end = i + 1
    return address[: end - 1] if end else None


# Initialisms read letter by letter from a vowel sound (an SSM parameter); NAT or DNS read as they are spelt.
_AN_INITIALISMS = frozenset(
    {"S3", "SSM", "SNS", "SQS", "RDS", "MSK", "HSM", "HMAC", "NLB", "SSL", "SMTP", "SFTP", "HTTP", "MFA"}
)


def _article(word: str) -> str:
    if word.split(" ", 1)[0] in _AN_INITIALISMS:
        return "an"
    return "an" if word[:1] in "aeioAEIO" else "a"


def counted(count: int, one: str, many: str) -> str:
    """`a database`, `3 databases`."""
    return f"{_article(one)} {one}" if count == 1 else f"{count} {many}"


def join_words(parts: list[str], last: str = "and") -> str:
    """`a, b and c`."""
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return f"{', '.join(parts[:-1])} {last} {parts[-1]}"


def capped(names: list[str], limit: int = MAX_NAMED) -> str:
    """`a, b, c and 4 more`."""
    if len(names) <= limit:
        return join_words(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


@dataclass(slots=True)
class _Entry:
    """What the rules of one concern say about one resource (or the plan, for address None)."""

    address: str | None
    rtype: str | None
    verb: str
    severity: Severity
    compound: bool
    destroys: bool
    subjects: list[str]
    without: list[str]
    noun: tuple[str, str] | None
    rule_ids: list[str]
    # A combination's other resources, and the resources of the parts said within this entry: empty
    # tuples until a combination sets them (thousands of entries, almost none a combination).
    related: tuple[str, ...] = ()
    parts: frozenset[str] = frozenset()
    with_parts: str | None = None
    also: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        if self.also:
            return (self.address, *self.also) if self.address else self.also
        return (self.address,) if self.address else ()


def _addresses(entries: Iterable[_Entry]) -> list[str]:
    """Every address the entries speak of, in order (a combination's parts after it)."""
    found: list[str] = []
    for entry in entries:
        if entry.address:
            found.append(entry.address)
        if entry.also:
            found.extend(entry.also)
    return found


@dataclass(slots=True)
class _Clause:
    """Resources the same words apply to, within one concern."""

    concern: Concern
    verb: str
    subjects: tuple[str, ...]
    without: tuple[str, ...]
    severity: Severity
    entries: list[_Entry]
    _modules: set[str | None] | None = None

    def modules(self) -> set[str | None]:
        if self._modules is None:
            self._modules = {module_of(a) for a in _addresses(self.entries)}
        return self._modules

    def words(self, *, named: bool, in_module: bool = True) -> str:
        """The clause; `named` adds the resources' addresses (capped), else `in_module` the one module
        all of them are in."""
        addresses = _addresses(self.entries)
        subject = "{subject}" in self.verb
        if self.subjects and not subject:
            what = join_words(list(self.subjects))
        else:
            nouns: dict[tuple[str, str], int] = {}
            for entry in self.entries:
                key = entry.noun or (noun_of(entry.rtype) if entry.address else _PLAN_NOUN)
                nouns[key] = nouns.get(key, 0) + 1
            what = _nouns(nouns)
        if subject:
            text = self.verb.format(what=what, subject=join_words(list(self.subjects)))
        else:
            text = self.verb.format(what=what) if "{what}" in self.verb else self.verb
        if self.without:
            text += f" without {join_words(list(self.without), 'or')}"
        if named and addresses:
            text += f" ({capped(addresses)})"
        elif in_module:
            modules = self.modules()
            if len(modules) == 1 and None not in modules:
                text += f" in {modules.pop()}"
        return text


def _nouns(nouns: dict[tuple[str, str], int]) -> str:
    """`3 databases and a bucket`; past MAX_NOUNS kinds, the rest as `and N other resources`."""
    plan = nouns.pop(_PLAN_NOUN, 0)
    unnamed = nouns.pop(_FALLBACK_NOUN, 0)  # resources of no known kind count with the rest
    ranked = sorted(nouns.items(), key=lambda item: -item[1])
    words = [counted(n, one, many) for (one, many), n in ranked[:MAX_NOUNS]]
    rest = unnamed + sum(n for _, n in ranked[MAX_NOUNS:])
    if rest and words:
        words.append(f"{rest} other resource{'s' if rest > 1 else ''}")
    elif rest:
        words.append(counted(rest, *_FALLBACK_NOUN))
    if plan:
        words.append(_PLAN_NOUN[0])
    return join_words(words)


# Rules that open a class of ports (databases, remote administration) on AWS, Azure and GCP: the rule's own
# reading of the open rule names the services (`PostgreSQL`), looked up only for these findings.
_SERVICE_RULES = frozenset({"TFR-AWS-NET-005", "TFR-AWS-NET-009", "TFR-AZ-003", "TFR-GCP-002"})


class _Services:
    """The services an open network rule exposes, from the plan (the same reading the rule made)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._by_address: dict[str, ResourceChange] | None = None

    def named(self, finding: Finding) -> str | None:
        if finding.rule_id not in _SERVICE_RULES or not finding.address:
            return None
        if self._by_address is None:
            self._by_address = self.plan.by_address()
        rc = self._by_address.get(finding.address)
        if rc is None or type(rc.after) is not dict:
            return None
        from reviewer.engine.rules.aws_network import open_rules
        from reviewer.engine.rules.azure import nsg_open_rules
        from reviewer.engine.rules.base import State
        from reviewer.engine.rules.gcp import firewall_open_rules
        from reviewer.engine.rules.helpers import risky_names

        state = State(rc.after, rc.after_unknown)
        if finding.rule_id == "TFR-AZ-003" or finding.rule_id == "TFR-GCP-002":
            found = (
                nsg_open_rules(state, rc) if finding.rule_id == "TFR-AZ-003" else firewall_open_rules(state)
            )
            names = [
                name
                for attribute, exposures in found
                if attribute == finding.attribute
                for name in risky_names(exposures)
            ]
        else:
            names = [
                service.name
                for rule in open_rules(state, rc)
                if rule.rule_id == finding.rule_id and rule.attribute == finding.attribute
                for service in rule.exposure.services
                if service.kind is rule.exposure.kind
            ]
        return join_words(list(dict.fromkeys(names))[:MAX_NAMED]) or None


def _entries(
    findings: Iterable[Finding], services: _Services, spare: Iterable[Finding] = ()
) -> dict[Concern, dict[str | None, list[_Entry]]]:
    """The findings by concern and resource, each resource's rules merged where they say one thing.
    `spare` findings (already present before this plan) are said only as parts of a combination."""
    by_concern: dict[Concern, dict[str | None, list[_Entry]]] = {}
    for finding in findings:
        _add(by_concern, finding, services)
    spares: dict[Concern, dict[str | None, list[_Entry]]] = {}
    for finding in spare:
        _add(spares, finding, services)
    _absorb_parts(by_concern, spares)
    return by_concern


def _add(
    by_concern: dict[Concern, dict[str | None, list[_Entry]]], finding: Finding, services: _Services
) -> None:
    """One finding into its concern's entries: merged into what its resource already says, or its own."""
    if SEVERITY_RANK[finding.severity] < SEVERITY_RANK[_REASON_MIN]:
        return
    phrase = phrase_of(finding.rule_id, finding.category)
    if finding.source is FindingSource.POLICY and finding.category is not Category.POLICY:
        # A policy names its own category; what it checks is its author's, so say only that it fails.
        phrase = Phrase(phrase.concern, _POLICY_VERB)
    if not phrase.verb:
        return
    subject = (services.named(finding) or phrase.subject) if phrase.subject else None
    destroys = phrase.destroyed is not None and finding.action in _DESTROYING
    verb = phrase.destroyed if destroys and phrase.destroyed else phrase.verb
    if phrase.deleted is not None and finding.action == "delete":
        verb = phrase.deleted
    if phrase.brief is not None and finding.severity is Severity.LOW:
        verb = phrase.brief
    if finding.action == "create":
        verb = _as_created(verb)
    if phrase.generated is not None and _generates_values(finding.type):
        verb = phrase.generated  # a new random password is no outage, but new values downstream
    entries = by_concern.setdefault(phrase.concern, {}).setdefault(finding.address, [])
    for entry in entries:
        # One resource, one thing said: the same words, or a condition (no snapshot) of the same loss.
        # A combination's clause already says what its part on this resource does (a database made
        # reachable from the internet is publicly accessible): the part is not said again.
        absorbed = phrase.compound != entry.compound and not subject and not entry.subjects
        if (
            entry.verb == verb
            or (entry.destroys and destroys)
            or (phrase.without and entry.without)
            or absorbed
        ):
            if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[entry.severity]:
                entry.severity = finding.severity
            if destroys and not entry.destroys:
                entry.verb, entry.destroys = verb, True
            elif absorbed and phrase.compound:
                entry.verb = verb
            if subject and subject not in entry.subjects:
                entry.subjects.append(subject)
            entry.without.extend(w for w in phrase.without if w not in entry.without)
            entry.compound = entry.compound or phrase.compound
            if phrase.compound:
                entry.related += tuple(finding.related or ())
                entry.parts |= phrase.parts
                entry.with_parts = phrase.with_parts
            if finding.rule_id not in entry.rule_ids:
                entry.rule_ids.append(finding.rule_id)
            break
    else:
        entries.append(
            _Entry(
                address=finding.address,
                rtype=finding.type,
                verb=verb,
                severity=finding.severity,
                compound=phrase.compound,
                destroys=destroys,
                subjects=[subject] if subject else [],
                without=list(phrase.without),
                noun=phrase.noun
                or (phrase.fallback_noun if noun_of(finding.type) == _FALLBACK_NOUN else None),
                rule_ids=[finding.rule_id],
                related=tuple(finding.related) if finding.related else (),
                parts=phrase.parts,
                with_parts=phrase.with_parts,
            )
        )


def _absorb_parts(
    by_concern: dict[Concern, dict[str | None, list[_Entry]]],
    spare: dict[Concern, dict[str | None, list[_Entry]]],
) -> None:
    """A combination says within its clause what its parts do, on its own resource or its others, in any
    concern (SSH opened by the security group of a public server: `opens SSH on a server to the
    internet`; a public bucket policy: `makes a bucket public`), said once, whether this plan introduced
    them or they were there (`spare`)."""
    combinations = [
        e for by_address in by_concern.values() for entries in by_address.values() for e in entries if e.parts
    ]
    for entry in combinations:
        for address in dict.fromkeys((entry.address, *entry.related)):
            for concern, by_address in by_concern.items():
                others = by_address.get(address, [])
                candidates = [*others, *spare.get(concern, {}).get(address, ())]
                parts = [e for e in candidates if e is not entry and not entry.parts.isdisjoint(e.rule_ids)]
                for part in parts:
                    if part in others:
                        others.remove(part)
                    if SEVERITY_RANK[part.severity] > SEVERITY_RANK[entry.severity]:
                        entry.severity = part.severity
                    entry.subjects.extend(s for s in part.subjects if s not in entry.subjects)
                    entry.rule_ids.extend(r for r in part.rule_ids if r not in entry.rule_ids)
                    entry.also += tuple(a for a in part.addresses if a not in entry.addresses)
                if parts and entry.subjects and entry.with_parts:
                    entry.verb = entry.with_parts
                if not others and address in by_address:
                    del by_address[address]


_DESTROYING = frozenset(action.value for action in Action if action.destroys)
# "turns off X of {what}" said of a new object, which had nothing to turn off: "creates {what} with X off".
_TURNS_OFF = re.compile(r"turns off (.+) (?:of|for) \{what\}")


@lru_cache(maxsize=64)
def _as_created(verb: str) -> str:
    match = _TURNS_OFF.fullmatch(verb)
    return f"creates {{what}} with {match.group(1)} off" if match else verb


def _clauses(concern: Concern, by_address: dict[str | None, list[_Entry]]) -> list[_Clause]:
    """Resources the same words apply to, worst first."""
    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _Clause] = {}
    for entries in by_address.values():
        for entry in entries:
            without = tuple(sorted(entry.without, key=lambda w: (WITHOUT_ORDER.get(w, 9), w)))
            key = (entry.verb, tuple(entry.subjects), without)
            clause = groups.get(key)
            if clause is None:
                groups[key] = _Clause(concern, entry.verb, key[1], key[2], entry.severity, [entry])
            else:
                clause.entries.append(entry)
                if SEVERITY_RANK[entry.severity] > SEVERITY_RANK[clause.severity]:
                    clause.severity = entry.severity
    return sorted(groups.values(), key=lambda c: (-SEVERITY_RANK[c.severity], -len(c.entries)))


def _health(plan: Plan) -> list[str]:
    """What makes the plan itself unsafe to apply, as predicates of `the plan`."""
    return [
        text
        for flag, text in (
            (plan.errored, "errored"),
            (plan.not_applyable, "is not applyable"),
            (plan.complete is False, "is incomplete (more changes will follow)"),
        )
        if flag
    ]


def health_words(plan: Plan) -> list[str]:
    """What makes the plan itself unsafe to apply, in words."""
    return [f"the plan {text}" for text in _health(plan)]


def _tags_only(before: object, after: object, unknown: object) -> bool:
    if type(before) is not dict or type(after) is not dict:
        return False
    if type(unknown) is dict and any(v and k not in _TAG_KEYS for k, v in unknown.items()):
        return False
    keys = (before.keys() | after.keys()) - _TAG_KEYS
    return all(before.get(k) == after.get(k) for k in keys)


_NO_CHANGES = "no changes"


def change_words(plan: Plan) -> str:
    """What the plan changes, counted: `2 tag updates`, `3 new resources and 1 update`, `no changes`."""
    creates = updates = tag_updates = deletes = replaces = imports = moves = forgets = 0
    for rc in plan.resource_changes:
        if rc.is_data:
            continue
        action = rc.action
        if action is Action.CREATE:
            creates += 1
        elif action is Action.UPDATE:
            if _tags_only(rc.before, rc.after, rc.after_unknown):
                tag_updates += 1
            else:
                updates += 1
        elif action is Action.DELETE:
            deletes += 1
        elif action.is_replace:
            replaces += 1
        elif action is Action.FORGET:
            forgets += 1
        if rc.is_import:
            imports += 1
        if rc.is_move:
            moves += 1
    parts = [
        f"{n} {one if n == 1 else many}"
        for n, one, many in (
            (creates, "new resource", "new resources"),
            (tag_updates, "tag update", "tag updates"),
            (updates, "update", "updates"),
            (replaces, "replacement", "replacements"),
            (deletes, "deletion", "deletions"),
            (imports, "import", "imports"),
            (moves, "move", "moves"),
            (forgets, "resource removed from state", "resources removed from state"),
        )
        if n
    ]
    return join_words(parts) if parts else _NO_CHANGES


@dataclass(slots=True)
class Verdict:
    """The sentence and the reasons (one per concern, worst first)."""

    sentence: str
    reasons: list[Reason]


def build_verdict(
    plan: Plan, introduced: list[Finding], level: RiskLevel, posture: list[Finding] | None = None
) -> Verdict:
    """The verdict on applying this plan, from the findings it introduces or worsens and its health;
    `posture` findings are said only as the parts of a combination this plan introduces."""
    posture = posture or []
    related = {a for f in introduced if f.related for a in f.related}
    spare = [f for f in posture if f.address in related] if related else []
    by_concern = _entries(introduced, _Services(plan), spare)
    clauses: list[_Clause] = []
    reasons: list[Reason] = []
    for concern, by_address in by_concern.items():
        own = _clauses(concern, by_address)
        if not own:
            continue
        clauses.extend(own)
        shown = [c.words(named=True) for c in own[:MAX_CLAUSES]]
        more = len(own) - MAX_CLAUSES
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        entries = [e for c in own for e in c.entries]
        rule_ids = list(dict.fromkeys(r for e in entries for r in e.rule_ids))
        addresses = list(dict.fromkeys(_addresses(entries)))
        reasons.append(
            Reason(
                concern=concern.value,
                title=CONCERN_TITLE[concern],
                text=text + ".",
                severity=own[0].severity,
                resources=len(addresses),
                addresses=addresses[:MAX_ADDRESSES],
                rule_ids=rule_ids,
            )
        )
    reasons.sort(key=lambda r: (-SEVERITY_RANK[Severity(r.severity)], _CONCERN_ORDER[Concern(r.concern)]))
    clauses.sort(key=lambda c: (-SEVERITY_RANK[c.severity], _CONCERN_ORDER[c.concern]))
    return Verdict(_sentence(plan, clauses, level), reasons)


def _for_sentence(clauses: list[_Clause], minimum: Severity) -> list[_Clause]:
    """The clauses at `minimum` or worse, those with the same words but different conditions as one (the
    conditions they all share kept): a sentence counts resources, the reasons say which lacks what."""
    merged: dict[tuple[Concern, str, bool], _Clause] = {}
    for clause in clauses:
        if SEVERITY_RANK[clause.severity] < SEVERITY_RANK[minimum]:
            continue
        key = (clause.concern, clause.verb, bool(clause.subjects))
        into = merged.get(key)
        if into is None:
            merged[key] = _Clause(
                clause.concern,
                clause.verb,
                clause.subjects,
                clause.without,
                clause.severity,
                list(clause.entries),
            )
            continue
        into.subjects += tuple(s for s in clause.subjects if s not in into.subjects)
        into.without = tuple(w for w in into.without if w in clause.without)
        into.entries.extend(clause.entries)
    return list(merged.values())  # in the order of their worst clause: the input is worst first


def _clause_list(clauses: list[_Clause], minimum: Severity) -> str:
    said = _for_sentence(clauses, minimum)
    # Every clause about resources of one module (or of modules inside one): said once, at the end.
    shared = _shared_module([c.modules() for c in said]) if len(said) > 1 else None
    words = list(dict.fromkeys(c.words(named=False, in_module=shared is None) for c in said))
    shown = words[:MAX_CLAUSES]
    if len(words) > MAX_CLAUSES:
        shown.append(f"{len(words) - MAX_CLAUSES} more risk{'s' if len(words) - MAX_CLAUSES > 1 else ''}")
    return join_words(shown) + (f", all in {shared}" if shared else "")


_MODULE_STEP = re.compile(r"module\.[^.\[]+(?:\[[^\]]*\])?")


def _shared_module(each: list[set[str | None]]) -> str | None:
    """The deepest module every clause's resources are in (`module.db` for `module.db.module.a` and
    `module.db.module.b`); None when a clause is about the root module or the plan."""
    common: list[str] | None = None
    for modules in each:
        if not modules or None in modules:
            return None
        for module in modules:
            steps = _MODULE_STEP.findall(module or "")
            if common is None:
                common = steps
            else:
                n = 0
                while n < min(len(common), len(steps)) and common[n] == steps[n]:
                    n += 1
                common = common[:n]
            if not common:
                return None
    return ".".join(common) if common else None


def _sentence(plan: Plan, clauses: list[_Clause], level: RiskLevel) -> str:
    health = _health(plan)
    serious = _clause_list(clauses, _SENTENCE_MIN)
    if health:
        also = f"; it also {serious}" if serious else ""
        return f"Not safe to apply: the plan {join_words(health)}{also}."
    if level.rank >= RiskLevel.MEDIUM.rank:
        # A MEDIUM+ level comes from MEDIUM+ findings; the fallbacks keep the sentence whole regardless.
        said = serious or _clause_list(clauses, _REASON_MIN) or f"the rules rate this plan {level.value}"
        if level.rank >= RiskLevel.HIGH.rank:
            return f"Not safe to apply without review: {said}."
        return f"Review before applying: {said}."
    changes = change_words(plan)
    minor = _clause_list(clauses, _REASON_MIN)
    if minor:
        return f"Safe to apply: {changes}; minor: {minor}."
    if changes == _NO_CHANGES:
        return "Safe to apply: no changes."
    return f"Safe to apply: {changes}, no risky change."


def raised_sentence(sentence: str, level: RiskLevel) -> str:
    """The sentence once the AI review raised the level: it says so first, then what the rules found."""
    if sentence.startswith("Not safe"):
        return sentence
    prefix = (
        "Not safe to apply without review" if level.rank >= RiskLevel.HIGH.rank else "Review before applying"
    )
    found = sentence.split(": ", 1)[-1]
    return f"{prefix}: the AI review rates this plan {level.value}; on the rules alone: {found}"
