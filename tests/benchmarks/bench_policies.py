"""Benchmark: what 20 custom Rego policies add to the review of a 10,000-resource plan (not collected by pytest).

Usage:
    .venv/bin/python -m tests.benchmarks.bench_policies [--size 10000] [--runs 5] [--collector on]

In one process, alternately reviews the same plan without and with the policies (the six sample policies
of samples/policies/ plus 14 more of the same kinds with their own packages, half in each input shape)
and prints the medians and the difference. The policies are loaded (parsed and checked) once, before
the runs, as the reviewer does at start-up. Each review runs with the cyclic garbage collector paused,
as the reviewer (app/services/review_run.py) and the CLI run reviews, and it collects between runs;
`--collector on` leaves it on during the reviews instead.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewer.engine.config import PolicyConfig
from reviewer.engine.loader import load_plan_checked
from reviewer.engine.review import review_loaded_plan
from reviewer.policies.policy_set import PolicySet

REPO = Path(__file__).resolve().parents[2]
MAKE_PLAN = REPO / "tests" / "fixtures" / "make_plan.py"
SAMPLES = REPO / "samples" / "policies"

# Extra policies: the same checks as real teams write them, on other resource types and attributes.
CONFTEST_TEMPLATE = """package bench.conftest_{n}

import rego.v1

deny contains {{"msg": msg, "address": rc.address}} if {{
	some rc in input.resource_changes
	rc.type == "{rtype}"
	some action in rc.change.actions
	action in {{"create", "update"}}
	not rc.change.after.{attribute}
	msg := concat("", [rc.address, " has no {attribute}"])
}}
"""
SPACELIFT_TEMPLATE = """package spacelift

import rego.v1

warn contains msg if {{
	some rc in input.terraform.resource_changes
	rc.type == "{rtype}"
	some action in rc.change.actions
	action == "delete"
	msg := concat("", ["deleting ", rc.address, " ({n})"])
}}
"""
TYPES = [
    ("aws_instance", "monitoring"),
    ("aws_db_instance", "storage_encrypted"),
    ("aws_s3_bucket", "force_destroy"),
    ("aws_security_group", "description"),
    ("aws_iam_role", "description"),
    ("aws_lambda_function", "tracing_config"),
    ("aws_ebs_volume", "encrypted"),
]


def write_policies(folder: Path) -> list[str]:
    """The 20 policy files: 6 samples and 14 generated (7 per shape)."""
    paths = [str(p) for p in sorted(SAMPLES.rglob("*.rego")) if not p.name.endswith("_test.rego")]
    for n, (rtype, attribute) in enumerate(TYPES):
        (folder / f"conftest_{n}.rego").write_text(
            CONFTEST_TEMPLATE.format(n=n, rtype=rtype, attribute=attribute)
        )
        (folder / f"spacelift_{n}.rego").write_text(SPACELIFT_TEMPLATE.format(n=n, rtype=rtype))
    paths += [str(p) for p in sorted(folder.glob("*.rego"))]
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--collector",
        choices=["paused", "on"],
        default="paused",
        help="the cyclic garbage collector during each review (paused: as the reviewer and the CLI)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plan_file = folder / "plan.json"
        with plan_file.open("wb") as handle:
            subprocess.run([sys.executable, str(MAKE_PLAN), str(args.size)], stdout=handle, check=True)
        policy_dir = folder / "policies"
        policy_dir.mkdir()
        paths = write_policies(policy_dir)
        started = time.perf_counter()
        policies = PolicySet.load(PolicyConfig(paths=paths, timeout_seconds=60))
        load_s = time.perf_counter() - started
        data = plan_file.read_bytes()
        without: list[float] = []
        with_policies: list[float] = []
        cpu_without: list[float] = []
        cpu_with: list[float] = []
        findings = 0
        loads = [os.getloadavg()[0]]
        for _ in range(args.runs):
            for timings, cpu, extra in (
                (without, cpu_without, None),
                (with_policies, cpu_with, policies.extra_findings()),
            ):
                gc.collect()
                if args.collector == "paused":
                    gc.disable()
                validated, plain_numbers = load_plan_checked(data)
                cpu_before = _cpu()
                started = time.perf_counter()
                output = review_loaded_plan(validated, plain_numbers=plain_numbers, extra_findings=extra)
                timings.append(time.perf_counter() - started)
                cpu.append(_cpu() - cpu_before)
                gc.enable()
                if extra is not None:
                    findings = sum(f.source == "policy" for f in output.result.findings)
            loads.append(os.getloadavg()[0])
    base, total = statistics.median(without), statistics.median(with_policies)
    cpu_base, cpu_total = statistics.median(cpu_without), statistics.median(cpu_with)
    print(
        f"plan: {args.size} resources, {len(data) / 1e6:.1f} MB; policies: {len(paths)} files, loaded in {load_s:.2f} s"
    )
    print(
        f"review without policies: median {base:.2f} s over {args.runs} runs ({', '.join(f'{t:.2f}' for t in without)})"
    )
    print(f"review with policies:    median {total:.2f} s ({', '.join(f'{t:.2f}' for t in with_policies)})")
    print(f"policy findings: {findings}")
    print(
        f"added by 20 policies: {total - base:.2f} s wall, {cpu_total - cpu_base:.2f} s CPU (this process and its children)"
    )
    print(f"load average during the runs: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} CPUs")
    print(f"cyclic garbage collector during the reviews: {args.collector}")


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the forked policy evaluations)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
