"""Prompt size benchmark: prompt tokens against raw plan JSON tokens (o200k_base, counted offline).

Run: .venv/bin/python -m tests.benchmarks.bench_prompt [--budget 60000] [--resources 10000]
Goals: the corpus prompts at most 10 % of the raw plan tokens on average; the generated 10,000-resource
plan within the budget with every destroy and replace present.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from reviewer.engine.loader import decode_plan_bytes, load_plan
from reviewer.engine.prompt import build_prompt
from reviewer.engine.review import review_plan
from reviewer.llm.tokens import count_tokens

CORPUS = Path("/work/shared/corpus/plans")
MAKE_PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "make_plan.py"


def measure(data: bytes, budget: int) -> dict[str, float | int | bool]:
    """Tokens of the raw plan and of its prompt, and whether every destroy/replace made it in."""
    raw_tokens = count_tokens(decode_plan_bytes(data))
    started = time.perf_counter()
    output = review_plan(load_plan(data))
    engine_s = time.perf_counter() - started
    started = time.perf_counter()
    prompt = build_prompt(output.plan, output.result, token_budget=budget, count_tokens=count_tokens)
    prompt_s = time.perf_counter() - started
    system_tokens = count_tokens(prompt.system)
    user_tokens = count_tokens(prompt.user)
    essential = [
        rc.address for rc in output.plan.resource_changes if rc.action.destroys or rc.action.is_replace
    ]
    missing = [address for address in essential if address not in prompt.user]
    return {
        "raw_tokens": raw_tokens,
        "prompt_tokens": system_tokens + user_tokens,
        "user_tokens": user_tokens,
        "within_budget": system_tokens + user_tokens <= budget,
        "essential": len(essential),
        "essential_missing": len(missing),
        "in_full": prompt.changes_in_full,
        "one_line": prompt.changes_one_line,
        "counted": prompt.changes_counted,
        "findings": prompt.findings_total,
        "findings_counted": prompt.findings_counted,
        "engine_s": engine_s,
        "prompt_s": prompt_s,
    }


def main() -> int:
    """Print the corpus table, the aggregate ratios and the large generated plan's figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=int, default=60_000)
    parser.add_argument("--resources", type=int, default=10_000)
    args = parser.parse_args()

    rows = []
    if CORPUS.is_dir():
        print(
            f"{'plan':48} {'raw':>8} {'prompt':>7} {'ratio':>7} {'full':>5} {'line':>5} {'count':>6} {'ok':>3}"
        )
        for path in sorted(CORPUS.glob("*.json")):
            figures = measure(path.read_bytes(), args.budget)
            rows.append(figures)
            ratio = figures["prompt_tokens"] / max(1, figures["raw_tokens"])
            print(
                f"{path.name[:48]:48} {figures['raw_tokens']:>8} {figures['prompt_tokens']:>7} {ratio:>7.1%} "
                f"{figures['in_full']:>5} {figures['one_line']:>5} {figures['counted']:>6} "
                f"{'yes' if figures['within_budget'] and not figures['essential_missing'] else 'NO':>3}"
            )
        raw_total = sum(r["raw_tokens"] for r in rows)
        prompt_total = sum(r["prompt_tokens"] for r in rows)
        user_total = sum(r["user_tokens"] for r in rows)
        mean_ratio = sum(r["prompt_tokens"] / max(1, r["raw_tokens"]) for r in rows) / len(rows)
        mean_user_ratio = sum(r["user_tokens"] / max(1, r["raw_tokens"]) for r in rows) / len(rows)
        print()
        print(f"corpus: {len(rows)} plans, raw {raw_total:,} tokens, prompts {prompt_total:,} tokens")
        print(f"  aggregate ratio (sum prompt / sum raw):          {prompt_total / raw_total:.1%}")
        print(f"  aggregate ratio, plan part only (user message):  {user_total / raw_total:.1%}")
        print(f"  mean per-plan ratio:                             {mean_ratio:.1%}")
        print(f"  mean per-plan ratio, plan part only:             {mean_user_ratio:.1%}")
        large = [r for r in rows if r["raw_tokens"] >= 10_000]
        large_ratio = sum(r["prompt_tokens"] / r["raw_tokens"] for r in large) / max(1, len(large))
        print(f"  mean per-plan ratio, {len(large)} plans of 10k+ raw tokens:  {large_ratio:.1%}")
        all_ok = all(not r["essential_missing"] and r["within_budget"] for r in rows)
        print(f"  every destroy/replace present, all within budget: {all_ok}")

    if MAKE_PLAN.exists():
        started = time.perf_counter()
        data = subprocess.run(
            [sys.executable, str(MAKE_PLAN), str(args.resources)], check=True, capture_output=True
        ).stdout
        generate_s = time.perf_counter() - started
        figures = measure(data, args.budget)
        print()
        print(f"make_plan.py {args.resources}: {len(data):,} bytes (generated in {generate_s:.1f}s)")
        print(json.dumps(figures, indent=2, default=str))
        print(
            f"  ratio {figures['prompt_tokens'] / figures['raw_tokens']:.2%}; within budget {args.budget:,}: "
            f"{figures['within_budget']}; destroys+replaces {figures['essential']}, missing "
            f"{figures['essential_missing']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
