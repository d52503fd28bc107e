"""The message each channel gets for an event: Slack Block Kit, an SNS text, a signed webhook body.

Every message is made from the event detail alone (events.event_detail), so no channel ever sees
more than the documented schema: no plan value, no secret, no finding message.
"""

from __future__ import annotations

import json
from typing import Any

from app.services.notifications.events import DETAIL_TYPES, EVENT_SOURCE
from webhook.signature import compute_signature

LEVEL_ICON = {"CRITICAL": "🔴", "HIGH": "🟠", "MEDIUM": "🟡", "LOW": "🟢"}
KIND_ICON = {"failed": "❌", "decided": "✅"}
SEVERITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO")
MAX_SUBJECT = 100


def _slack_escape(text: str) -> str:
    """Slack mrkdwn control characters: links and mentions need <, > and &."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def headline(detail: dict[str, Any]) -> str:
    """One line: what happened to which review."""
    title = detail.get("title") or detail["id"]
    kind = detail["kind"]
    if kind == "failed":
        return f"Review failed: {title}"
    if kind == "decided":
        decision = (detail.get("decision") or {}).get("decision", "decided")
        return f"Review {str(decision).lower()}: {title}"
    return f"{detail.get('level') or 'LOW'} risk: {title}"


def counts_line(detail: dict[str, Any]) -> str:
    """Introduced findings per severity and the posture count."""
    counts = detail["counts"]
    introduced = counts.get("introduced") or {}
    parts = [f"{introduced[s]} {s}" for s in SEVERITY_ORDER if introduced.get(s)]
    return f"Introduced findings: {', '.join(parts) or 'none'} · already present: {counts.get('posture', 0)}"


def destructive_line(detail: dict[str, Any]) -> str:
    """Destroys and replaces first: what the apply would take away."""
    counts = detail["counts"]
    return (
        f"Destroys {counts.get('delete', 0)} · replaces {counts.get('replace', 0)} · "
        f"creates {counts.get('create', 0)} · updates {counts.get('update', 0)}"
    )


def _links(detail: dict[str, Any]) -> list[tuple[str, str]]:
    urls = detail.get("urls") or {}
    links = []
    if urls.get("review"):
        links.append(("Open review", str(urls["review"])))
    if urls.get("run"):
        links.append(("Spacelift run", str(urls["run"])))
    return links


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# Slack refuses a whole message (400 invalid_blocks) when one section's text is longer than this.
SLACK_SECTION_MAX = 3000


def _line_sections(lines: list[str]) -> list[dict[str, Any]]:
    """The lines in as few sections as Slack's limit allows (each line is far below it: capped words)."""
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + 1 + len(line) > SLACK_SECTION_MAX:
            blocks.append(_mrkdwn("\n".join(chunk)))
            chunk, size = [], 0
        size += len(line) + (1 if chunk else 0)
        chunk.append(line)
    if chunk:
        blocks.append(_mrkdwn("\n".join(chunk)))
    return blocks


def slack_message(detail: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook payload: level banner, the verdict, counts, the reasons in words, links."""
    kind = detail["kind"]
    icon = LEVEL_ICON.get(str(detail.get("level")), "⚪") if kind == "completed" else KIND_ICON[kind]
    # Slack reads <...> as links and mentions (<!channel>) in every text field, plain_text too.
    banner = _slack_escape(f"{icon} {headline(detail)}")
    facts = [f"*Review* `{detail['id']}` v{detail['version']}"]
    if detail.get("score") is not None:
        facts.append(f"*Score* {detail['score']}/100")
    stack = detail.get("stack")
    if stack:
        facts.append(f"*Stack* {_slack_escape(str(stack.get('name') or stack['id']))}")
    run = detail.get("run")
    if run:
        facts.append(f"*Run* `{_slack_escape(str(run['id']))}`")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": banner[:150], "emoji": True}},
        _mrkdwn(" · ".join(facts)),
    ]
    if kind == "failed" and detail.get("error"):
        blocks.append(_mrkdwn(f"*Why:* {_slack_escape(detail['error'])}"))
    decision = detail.get("decision")
    if kind == "decided" and decision:
        by = f" by {_slack_escape(str(decision['decided_by']))}" if decision.get("decided_by") else ""
        blocks.append(_mrkdwn(f"*{decision['decision']}*{by}"))
    verdict = detail.get("verdict")
    why = detail.get("why") or []
    if verdict:
        blocks.append(_mrkdwn(f"*{_slack_escape(verdict)}*"))
    blocks.append(_mrkdwn(f"{_slack_escape(counts_line(detail))}\n{_slack_escape(destructive_line(detail))}"))
    top = detail.get("top_findings") or []
    if why:
        # The engine's reasons in plain words; the rule IDs stay in the detail, for machines.
        lines = [f"• *{_slack_escape(r['title'])}:* {_slack_escape(r['text'])}" for r in why]
        blocks.extend(_line_sections(lines))
    elif top:  # an event recorded before the verdict existed
        lines = [
            f"• *{f['severity']}* `{_slack_escape(f['rule_id'])}` {_slack_escape(f.get('title') or '')}"
            # The detail's address is already inert text, a code span when it could be linked.
            + (f" — {_slack_escape(f['address'])}" if f.get("address") else "")
            for f in top
        ]
        blocks.append(_mrkdwn("\n".join(lines)))
    if detail.get("ai_summary"):
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_escape(detail["ai_summary"])}]}
        )
    links = _links(detail)
    if links:
        blocks.append(_mrkdwn(" · ".join(f"<{url}|{label}>" for label, url in links)))
    return {"text": banner, "blocks": blocks}


def sns_subject(detail: dict[str, Any]) -> str:
    """An SNS subject: printable ASCII, one line, at most 100 characters."""
    text = f"tfreview: {headline(detail)}"
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)[:MAX_SUBJECT]


def sns_message(detail: dict[str, Any]) -> str:
    """Plain text for e-mail subscribers, then the event detail as JSON for machines."""
    lines = [headline(detail), ""]
    if detail.get("verdict"):
        lines += [detail["verdict"], ""]
    lines += [counts_line(detail), destructive_line(detail)]
    why = detail.get("why") or []
    if why:
        lines += ["", "Why:"]
        lines += [f"- {reason['title']}: {reason['text']}" for reason in why]
    for finding in [] if why else detail.get("top_findings") or []:
        where = f" ({finding['address']})" if finding.get("address") else ""
        lines.append(f"- {finding['severity']} {finding['rule_id']}: {finding.get('title') or ''}{where}")
    if detail.get("error"):
        lines += ["", f"Why: {detail['error']}"]
    lines += [f"{label}: {url}" for label, url in _links(detail)]
    lines += ["", json.dumps(detail, sort_keys=True)]
    return "\n".join(lines)


def webhook_body(detail: dict[str, Any], *, delivery_id: str, idempotency_key: str, timestamp: int) -> bytes:
    """The generic webhook's JSON body: an envelope like EventBridge's around the detail."""
    envelope = {
        "source": EVENT_SOURCE,
        "detail_type": DETAIL_TYPES[detail["kind"]],
        "delivery_id": delivery_id,
        "idempotency_key": idempotency_key,
        "timestamp": timestamp,
        "detail": detail,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    """X-Signature-256 of a body, as Spacelift signs its webhooks: sha256=<hex HMAC-SHA256(secret, body)>."""
    return compute_signature(secret, body)
