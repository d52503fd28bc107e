"""Patterns that recognise secrets in values and attribute names (shared by redaction and rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# The prefilter is its own module so that the API, which only asks whether a label may hold a secret,
# does not compile every detector at start-up; it is re-exported here with the detectors it guards.
from reviewer.engine.secret_prefilter import B64_PRIVATE_KEY
from reviewer.engine.secret_prefilter import PREFILTER_RE as PREFILTER_RE
from reviewer.engine.secret_prefilter import may_hold_secret as may_hold_secret

# Every AWS unique-id prefix (access keys, STS keys, users, roles, groups, policies, certificates...):
# AWS documents ids of 16 to 128 characters, so any length in that range counts.
AWS_ID_PREFIXES = (
    "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "APKA", "AROA", "ASCA",
)  # fmt: skip
AWS_ACCESS_KEY_RE = re.compile(
    r"(?<![A-Z0-9])(?:A3T[A-Z0-9]|" + "|".join(AWS_ID_PREFIXES) + r")[A-Z0-9]{12,124}(?![A-Z0-9])"
)
# Only a real access key id (long-term or STS) makes a 40-character neighbour its secret key.
AWS_KEY_PAIR_RE = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{12,124}(?![A-Z0-9])")
AWS_SECRET_KEY_RE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# Any PEM private key (RSA, EC, OpenSSH, PKCS#8, encrypted, PGP), with real or escaped line breaks.
PRIVATE_KEY_RE = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
# "PRIVATE KEY" seen through base64 (B64_PRIVATE_KEY): a base64-encoded PEM key or GCP service-account
# key file (google_service_account_key.private_key is one). The whole base64 run goes.
ENCODED_PRIVATE_KEY_RE = re.compile(
    r"[A-Za-z0-9+/]*(?:" + "|".join(B64_PRIVATE_KEY) + r")[A-Za-z0-9+/]*={0,2}"
)
API_TOKEN_RE = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:sk-ant-[A-Za-z0-9_\-]{16,}|sk-(?:proj-|live_|test_)?[A-Za-z0-9_\-]{20,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}"
    r"|xapp-[A-Za-z0-9\-]{10,}|glpat-[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{35}|sk_live_[A-Za-z0-9]{16,}"
    r"|npm_[A-Za-z0-9]{30,})"
)
# Slack incoming webhooks and workflow triggers: the URL's path is the credential.
SLACK_WEBHOOK_RE = re.compile(r"(?i)hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]+")
JWT_RE = re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")
CONNECTION_STRING_RE = re.compile(r"(?i)([a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"]+:)([^\s@'\"]+)(@)")
# Azure storage/service-bus connection strings and SAS tokens: the key or signature after its name.
AZURE_KEY_RE = re.compile(
    r"(?i)((?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey|sig)=)(?!\(redacted\))([^\s;&\"'<>]{8,})"
)
ASSIGNMENT_RE = re.compile(
    r"(?i)((?:[A-Za-z0-9_]*?)(?:password|passwd|passphrase|secret|token|api_key|apikey|private_key"
    r"|access_key(?:_id)?)"
    r"(?:\s*=\s*|[\"']\s*:\s*|:\s+)[\"']?)(?!\(redacted\))([^\s\"'&;,<>$]{4,})"
)


@dataclass(frozen=True, slots=True)
class Detector:
    """One secret shape: its pattern and the redaction reason it is reported under.

    With `keep_context`, group 2 is the secret and groups 1 and 3 (a name, a separator) stay.
    """

    reason: str
    pattern: re.Pattern[str]
    keep_context: bool = False


# The one table of secret shapes found by value; redaction, rules and the prompt all read it.
# Whole-match shapes first, so a key inside a PEM block or a URL is taken with its surroundings.
DETECTORS = (
    Detector("private_key", PRIVATE_KEY_RE),
    Detector("encoded_private_key", ENCODED_PRIVATE_KEY_RE),
    Detector("aws_access_key", AWS_ACCESS_KEY_RE),
    Detector("api_token", API_TOKEN_RE),
    Detector("webhook_url", SLACK_WEBHOOK_RE),
    Detector("jwt", JWT_RE),
    Detector("azure_key", AZURE_KEY_RE, keep_context=True),
    Detector("connection_string_password", CONNECTION_STRING_RE, keep_context=True),
    Detector("secret_assignment", ASSIGNMENT_RE, keep_context=True),
)
SECRET_NAME_RE = re.compile(
    r"(?i)^(?:.*[_\-./:])?(?:password|passwd|pwd|passphrase|secret|secrets|secret_key|secret_access_key"
    r"|client_secret|token|auth_token|access_token|refresh_token|bearer_token|api_key|apikey|api_token"
    r"|private_key|private_key_pem|credentials|credential|connection_string|sas_token|access_key|access_key_id"
    r"|master_password|admin_password|webhook_secret|signing_key)$"
)
# Values under secret-like names that are references or identifiers, not secrets.
NOT_A_SECRET_RE = re.compile(
    r"^(?:arn:|\$\{|\$[A-Z_]|projects/|/subscriptions/|data\.|var\.|local\.|https?://[^@]*$"
    r"|@Microsoft\.KeyVault\()"
)


# Names that hold references to secrets (ids, ARNs, names), not secrets.
SECRET_REFERENCE_NAME_RE = re.compile(
    r"(?i)(?:^|[_\-.])(?:id|arn|name|url|uri|path|bucket|key_id|version|type)$|^name$"
)


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when an attribute or variable name says its value is a secret."""
    return bool(SECRET_NAME_RE.match(name))


def looks_like_secret_value(value: str) -> bool:
    """True when a string contains a secret by pattern alone."""
    if not may_hold_secret(value):
        return False
    return any(detector.pattern.search(value) for detector in DETECTORS)
