"""Whether a string may hold a secret: one cheap search before the detectors of reviewer.engine.secrets."""

from __future__ import annotations

import re

# "PRIVATE KEY" seen through base64 at each of its three alignments.
B64_PRIVATE_KEY = ("UFJJVkFURSBLRV", "BSSVZBVEUgS0VZ", "QUklWQVRFIEtFW")

# One cheap search decides whether the expensive patterns need to run at all: a literal every shape of
# secrets.DETECTORS must contain (a test checks each shape's samples pass it).
_CASED_LITERALS = (
    r"A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA|3T)|PRIVATE KEY|sk-|sk_live|gh[pousr]_|github_pat_"
    r"|xox|xapp-|glpat-|AIza|npm_|eyJ|://|" + "|".join(B64_PRIVATE_KEY)
)
# Factored by first letters: re tries each branch at every position, so shared prefixes keep the longer
# list as fast as the shorter one it replaced.
_LOWER_LITERALS = (
    r"pass|s(?:ecret|haredaccess|ig=)|token|a(?:pi_?key|cc(?:ess_key|ountkey))|private_key|hooks\.slack"
)
PREFILTER_RE = re.compile(_CASED_LITERALS + r"|(?i:" + _LOWER_LITERALS + ")")
# The same search in two halves, about three times faster on the short ASCII strings plans are made of:
# re's case-insensitive branches are slow, lower() is not. Non-ASCII text keeps PREFILTER_RE, whose
# (?i) also matches look-alikes such as "ſ" (long s) or "K" (Kelvin sign).
_PREFILTER_CASED_RE = re.compile(_CASED_LITERALS)
_PREFILTER_LOWER_RE = re.compile(_LOWER_LITERALS)


def may_hold_secret(value: str) -> bool:
    """PREFILTER_RE.search(value), faster: False means no secret pattern can match."""
    if value.isascii():
        return bool(_PREFILTER_CASED_RE.search(value) or _PREFILTER_LOWER_RE.search(value.lower()))
    return bool(PREFILTER_RE.search(value))
