"""Patterns that recognise secrets in values and attribute names (shared by redaction and rules)."""

from __future__ import annotations

import re
from functools import lru_cache

AWS_ACCESS_KEY_RE = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
AWS_SECRET_KEY_RE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
PRIVATE_KEY_RE = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
API_TOKEN_RE = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:sk-ant-[A-Za-z0-9_\-]{16,}|sk-(?:proj-|live_|test_)?[A-Za-z0-9_\-]{20,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}"
    r"|glpat-[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{35}|sk_live_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{30,})"
)
JWT_RE = re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")
CONNECTION_STRING_RE = re.compile(r"(?i)([a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"]+:)([^\s@'\"]+)(@)")
ASSIGNMENT_RE = re.compile(
    r"(?i)((?:[A-Za-z0-9_]*?)(?:password|passwd|passphrase|secret|token|api_key|apikey|private_key|access_key)"
    r"(?:\s*=\s*|[\"']\s*:\s*|:\s+)[\"']?)(?!\(redacted\))([^\s\"'&;,<>$]{4,})"
)
# One cheap search decides whether the expensive patterns need to run at all.
PREFILTER_RE = re.compile(
    r"AKIA|ASIA|PRIVATE KEY|sk-|sk_live|gh[pousr]_|github_pat_|xox|glpat-|AIza|npm_|eyJ|://|"
    r"(?i:pass|secret|token|api_?key|private_key|access_key)"
)
# The same search in two halves, about three times faster on the short ASCII strings plans are made of:
# re's case-insensitive branches are slow, lower() is not. Non-ASCII text keeps PREFILTER_RE, whose
# (?i) also matches look-alikes such as "ſ" (long s) or "K" (Kelvin sign).
_PREFILTER_CASED_RE = re.compile(
    r"AKIA|ASIA|PRIVATE KEY|sk-|sk_live|gh[pousr]_|github_pat_|xox|glpat-|AIza|npm_|eyJ|://"
)
_PREFILTER_LOWER_RE = re.compile(r"pass|secret|token|api_?key|private_key|access_key")


def may_hold_secret(value: str) -> bool:
    """PREFILTER_RE.search(value), faster: False means no secret pattern can match."""
    if value.isascii():
        return bool(_PREFILTER_CASED_RE.search(value) or _PREFILTER_LOWER_RE.search(value.lower()))
    return bool(PREFILTER_RE.search(value))


SECRET_NAME_RE = re.compile(
    r"(?i)^(?:.*[_\-./:])?(?:password|passwd|pwd|passphrase|secret|secrets|secret_key|secret_access_key"
    r"|client_secret|token|auth_token|access_token|refresh_token|bearer_token|api_key|apikey|api_token"
    r"|private_key|private_key_pem|credentials|credential|connection_string|sas_token|access_key"
    r"|master_password|admin_password|webhook_secret|signing_key)$"
)
# Values under secret-like names that are references or identifiers, not secrets.
NOT_A_SECRET_RE = re.compile(
    r"^(?:arn:|\$\{|\$[A-Z_]|projects/|/subscriptions/|data\.|var\.|local\.|https?://[^@]*$)"
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
    return any(
        pattern.search(value)
        for pattern in (
            AWS_ACCESS_KEY_RE,
            PRIVATE_KEY_RE,
            API_TOKEN_RE,
            JWT_RE,
            CONNECTION_STRING_RE,
            ASSIGNMENT_RE,
        )
    )
