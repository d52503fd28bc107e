"""Offline token counting: bpe-openai's bundled encodings for OpenAI models, an estimate otherwise."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

TokenCounter = Callable[[str], int]

# bpe-openai refuses inputs of 1,000,000 characters or more, and more than 200,000 tokens per
# call; slices this size stay far below both.
_SLICE_CHARS = 100_000
# Models tokenised with cl100k_base; everything newer from OpenAI uses o200k_base.
_CL100K_PREFIXES = ("gpt-4-", "gpt-4:", "gpt-3.5", "text-embedding-3", "text-embedding-ada")
_CL100K_EXACT = frozenset({"gpt-4", "gpt-35-turbo"})


@lru_cache(maxsize=4)
def _encoding(name: str) -> Any:
    with warnings.catch_warnings():
        # bpe-openai loads its bundled files through a deprecated importlib API; not our concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai  # lazy: only the reviewer counts tokens

        encoding = bpe_openai.get_encoding(name)
        encoding.encode_ordinary("warm up")
        return encoding


def _slices(text: str) -> list[str]:
    """Cut long text at line breaks (or hard, when a line is huge) into encodable slices."""
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + _SLICE_CHARS, len(text))
        if end < len(text):
            cut = text.rfind("\n", start + _SLICE_CHARS // 2, end)
            if cut != -1:
                end = cut + 1
        out.append(text[start:end])
        start = end
    return out


def count_tokens(text: str, encoding: str = "o200k_base") -> int:
    """Exact token count of `text` with a bundled OpenAI encoding (slice by slice for long text)."""
    enc = _encoding(encoding)
    return sum(len(enc.encode_ordinary(part)) for part in _slices(text))


def estimate_tokens(text: str) -> int:
    """Provider-neutral estimate; 3.5 characters a token errs on the high side for JSON-ish text."""
    return math.ceil(len(text) / 3.5)


def encoding_for_model(model: str) -> str:
    """The OpenAI encoding name a model uses."""
    name = model.lower()
    if name in _CL100K_EXACT or name.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return "o200k_base"


def counter_name(provider: str, model: str) -> str:
    """The counting method for a provider and model: an OpenAI encoding name or "estimate"."""
    if provider in {"openai", "openai_compatible", "fake"}:
        return encoding_for_model(model)
    return "estimate"


def counter_for(provider: str, model: str) -> TokenCounter:
    """The token counter to budget a prompt for this provider and model."""
    name = counter_name(provider, model)
    if name == "estimate":
        return estimate_tokens
    return lambda text: count_tokens(text, name)
