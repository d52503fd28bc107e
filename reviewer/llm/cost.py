"""Estimated cost of a call from the price table in settings (USD per million tokens)."""

from __future__ import annotations

from collections.abc import Mapping


def price_for(model: str, prices: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """(input, output) USD per million tokens: exact id, else the longest matching prefix."""
    # Prefixes let "gpt-4.1-mini" price "gpt-4.1-mini-2025-04-14", and Bedrock ids with a region or
    # vendor prefix ("us.anthropic.claude-...") match an entry without it.
    if model in prices:
        return prices[model]
    candidates = [model]
    parts = model.split(".")
    candidates.extend(".".join(parts[i:]) for i in range(1, len(parts)))
    best: tuple[int, tuple[float, float]] | None = None
    for candidate in candidates:
        for name, price in prices.items():
            if candidate.startswith(name) and (best is None or len(name) > best[0]):
                best = (len(name), price)
    return best[1] if best else None


def estimate_cost(
    model: str, tokens_in: int, tokens_out: int, prices: Mapping[str, tuple[float, float]]
) -> float:
    """USD for the tokens, 0.0 when the model has no price in the table."""
    price = price_for(model, prices)
    if price is None:
        return 0.0
    per_million_in, per_million_out = price
    return round(tokens_in * per_million_in / 1_000_000 + tokens_out * per_million_out / 1_000_000, 6)
