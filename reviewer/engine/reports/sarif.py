"""SARIF 2.1.0 output: the rule catalog as rules, findings as results located by resource address."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reviewer.engine.reports.common import posture_section
from reviewer.engine.reports.inert import inline, sarif_text
from reviewer.engine.results import (
    AIReview,
    EngineResult,
    Finding,
    FindingSource,
    Introduction,
    Severity,
    to_json,
)
from reviewer.engine.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/tfreview/tfreview"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
BASELINE_STATE: dict[Introduction | None, str] = {
    Introduction.INTRODUCED: "new",
    Introduction.WORSENED: "updated",
    Introduction.PRE_EXISTING: "unchanged",
}
# GitHub code scanning reads `security-severity` (0.0-10.0) to rank security results.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule_descriptor(index: int) -> dict[str, Any]:
    meta = RULES[index].meta
    properties: dict[str, Any] = {
        "category": meta.category.value,
        "severity": meta.severity.value,
        "security-severity": SECURITY_SEVERITY[meta.severity],
        "tags": ["terraform", meta.category.value],
    }
    if meta.checkov_id:
        properties["checkov_id"] = meta.checkov_id
    if meta.trivy_id:
        properties["trivy_id"] = meta.trivy_id
    return {
        "id": meta.id,
        "name": "".join(word.capitalize() for word in meta.id.lower().split("-")),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.rationale},
        "help": {
            "text": f"{meta.rationale}\nRemediation: {meta.remediation}",
            "markdown": f"{meta.rationale}\n\n**Remediation:** {meta.remediation}",
        },
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        "properties": properties,
    }


def _extra_descriptor(finding: Finding) -> dict[str, Any]:
    """A rule outside the catalog (a custom policy's package), described by its first finding."""
    # A policy's author writes these: as untrusted as the plan, so inert in both text and Markdown.
    text = finding.remediation or finding.title
    return {
        "id": finding.rule_id,
        "name": finding.rule_id,
        "shortDescription": {"text": sarif_text(finding.title)},
        "help": {"text": sarif_text(text), "markdown": inline(text)},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {
            "category": finding.category.value,
            "severity": finding.severity.value,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "tags": ["terraform", finding.source.value],
        },
    }


def _fingerprint(finding: Finding) -> str:
    key = f"{finding.rule_id}|{finding.address}|{finding.attribute}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    address = finding.address or "plan"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": LEVELS[finding.severity],
        # SARIF viewers render `[text](uri)` inside plain-text messages: plan text must not make links.
        "message": {"text": sarif_text(finding.message)},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "fullyQualifiedName": address,
                        "name": address.rsplit(".", 1)[-1] if finding.address else "plan",
                        "kind": "resource" if finding.address else "module",
                    }
                ]
            }
        ],
        # Posture (already present) is "unchanged"; what this plan introduces is "new", or "updated" if worse.
        "baselineState": BASELINE_STATE.get(finding.introduction)
        or ("new" if finding.introduced else "unchanged"),
        "partialFingerprints": {"tfreview/v1": _fingerprint(finding)},
        "properties": {
            "severity": finding.severity.value,
            "category": finding.category.value,
            "introduced": finding.introduced,
            "source": finding.source.value,
        },
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    for key in ("attribute", "action", "type"):
        value = getattr(finding, key)
        if value:
            result["properties"][key] = value
    if finding.introduction is not None:
        result["properties"]["introduction"] = finding.introduction.value
    return result


def sarif_dict(
    result: EngineResult, *, ai: AIReview | None = None, title: str | None = None
) -> dict[str, Any]:
    rule_index = {rule.meta.id: i for i, rule in enumerate(RULES)}
    rules = [_rule_descriptor(i) for i in range(len(RULES))]
    # Custom policies' rule ids (their packages) get descriptors too, after the catalog's.
    for finding in (*result.findings, *result.suppressed):
        if finding.source is FindingSource.POLICY and finding.rule_id not in rule_index:
            rule_index[finding.rule_id] = len(rules)
            rules.append(_extra_descriptor(finding))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "tfreview",
                "version": result.engine_version or "0",
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": [_result(f, rule_index) for f in result.findings],
        "properties": {
            "title": title,
            "risk": to_json(result.risk),
            "posture": posture_section(result),
            "plan": to_json(result.plan),
            "summary": to_json(result.summary),
        },
    }
    if ai is not None:
        run["properties"]["ai"] = {"status": ai.status.value, "provider": ai.provider, "model": ai.model}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(result: EngineResult, *, ai: AIReview | None = None, title: str | None = None) -> str:
    return json.dumps(sarif_dict(result, ai=ai, title=title), indent=2, ensure_ascii=False) + "\n"
