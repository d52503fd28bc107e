"""Fake LLM providers on 127.0.0.1 (OpenAI, Anthropic, Bedrock Converse) for tests and demo mode."""

from reviewer.llm.fakes.script import (
    RecordedRequest,
    Reply,
    ReplyKind,
    Script,
    ai_finding,
    error,
    ghost_findings_result,
    lowering_result,
    malformed,
    ok,
    review_result,
    slow,
    truncated,
)
from reviewer.llm.fakes.server import FAKE_API_KEY, FakeKind, FakeServer, start_fake

__all__ = [
    "FAKE_API_KEY",
    "FakeKind",
    "FakeServer",
    "RecordedRequest",
    "Reply",
    "ReplyKind",
    "Script",
    "ai_finding",
    "error",
    "ghost_findings_result",
    "lowering_result",
    "malformed",
    "ok",
    "review_result",
    "slow",
    "start_fake",
    "truncated",
]
