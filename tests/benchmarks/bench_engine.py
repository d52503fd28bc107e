"""Benchmark `tfreview review --format json` against checkov on generated plans (not collected by pytest).

Usage:
    .venv/bin/python tests/benchmarks/bench_engine.py [--sizes 1000 10000] [--checkov PATH]

checkov runs only when an executable is given with --checkov or the TFREVIEW_BENCH_CHECKOV environment
variable (install it in its own venv, never in the project's). Plans come from ../shared/bench/make_plan.py.

The floor is parsing alone: `python -c "import orjson; orjson.loads(open(F, 'rb').read())"` on the same
file, run alternately with tfreview (so both meet the same machine load); the goal is a review in at
most GOAL_RATIO times that wall time and at most GOAL_MB of peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAKE_PLAN = REPO / "tests" / "fixtures" / "make_plan.py"
# Runs the command in a fresh process so RUSAGE_CHILDREN holds only that command's peak RSS.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
                  "code": done.returncode, "err": done.stderr.decode()[-400:]}))
"""


@dataclass
class Measurement:
    wall: float
    cpu: float
    rss_mb: float
    code: int
    err: str


def measure(command: list[str]) -> Measurement:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
    )
    return Measurement(**json.loads(out.stdout))


GOAL_RATIO = 2.0
GOAL_MB = 150


def parse_only_command(plan: Path) -> list[str]:
    """The floor: start Python, read the file and parse it with orjson, nothing else."""
    return [sys.executable, "-c", f"import orjson; orjson.loads(open({str(plan)!r}, 'rb').read())"]


def tfreview_command() -> list[str]:
    script = Path(sys.executable).parent / "tfreview"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reviewer.cli"]


def make_plan(size: int, folder: Path) -> Path:
    target = folder / f"plan-{size}.json"
    with target.open("wb") as handle:
        subprocess.run([sys.executable, str(MAKE_PLAN), str(size)], stdout=handle, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--checkov", default=os.environ.get("TFREVIEW_BENCH_CHECKOV"), help="checkov executable"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="tfreview runs per size (best wall time is kept)"
    )
    args = parser.parse_args()
    if not MAKE_PLAN.is_file():
        print(f"skipped: {MAKE_PLAN} not found (the shared bench folder sits beside the repo)")
        return 0
    checkov = args.checkov if args.checkov and Path(args.checkov).exists() else None
    # As after a regular install, the package's bytecode exists: without it (an editable install with
    # PYTHONDONTWRITEBYTECODE set, as on CI machines) every run would compile the sources first.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "reviewer")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    rows: list[tuple[int, int, Measurement, Measurement | None]] = []
    floors: dict[int, Measurement] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            plan = make_plan(size, Path(tmp))
            runs: list[Measurement] = []
            parses: list[Measurement] = []
            for _ in range(args.repeat):
                runs.append(
                    measure(
                        [*tfreview_command(), "review", "--format", "json", "--fail-on", "never", str(plan)]
                    )
                )
                parses.append(measure(parse_only_command(plan)))
            best = min(runs, key=lambda m: m.wall)
            floors[size] = min(parses, key=lambda m: m.wall)
            if best.code != 0:
                print(f"tfreview failed on {size}: {best.err}")
                return 1
            theirs = None
            if checkov:
                theirs = measure(
                    [checkov, "-f", str(plan), "--framework", "terraform_plan", "-o", "json", "--quiet"]
                )
            rows.append((size, plan.stat().st_size, best, theirs))
    print(
        "resources  plan MB | tfreview wall s  cpu s  peak MB | checkov wall s  cpu s  peak MB | speed-up wall/cpu  memory"
    )
    for size, plan_bytes, ours, theirs in rows:
        line = (
            f"{size:>9} {plan_bytes / 1e6:>8.1f} | {ours.wall:>15.2f} {ours.cpu:>6.2f} {ours.rss_mb:>8.0f} |"
        )
        if theirs:
            line += (
                f" {theirs.wall:>14.2f} {theirs.cpu:>6.1f} {theirs.rss_mb:>8.0f} |"
                f" {theirs.wall / ours.wall:>7.0f}x / {theirs.cpu / ours.cpu:>4.0f}x {ours.rss_mb / theirs.rss_mb:>7.0%}"
            )
        else:
            line += f" {'-':>14} {'-':>6} {'-':>8} | {'-':>17} {'-':>7}"
        print(line)
    if len(rows) >= 2:
        (small, _, a, _), (large, _, b, _) = rows[0], rows[-1]
        print(
            f"growth {small}->{large} resources: wall x{b.wall / a.wall:.1f}, cpu x{b.cpu / a.cpu:.1f}, "
            f"memory x{b.rss_mb / a.rss_mb:.1f}"
        )
    print()
    # Wall time is what the goal is about; CPU time (all processes) shows how much of a wall ratio on a
    # busy machine comes from waiting for a core.
    print("resources | orjson.loads wall s  cpu s  peak MB | tfreview / orjson wall  cpu | goal")
    for size, _, ours, _ in rows:
        floor = floors[size]
        ratio = ours.wall / floor.wall
        verdict = "met" if ratio <= GOAL_RATIO and ours.rss_mb <= GOAL_MB else "NOT met"
        print(
            f"{size:>9} | {floor.wall:>19.2f} {floor.cpu:>6.2f} {floor.rss_mb:>8.0f} |"
            f" {ratio:>21.2f}x {ours.cpu / floor.cpu:>4.1f}x | {verdict} (<= {GOAL_RATIO:.0f}x, <= {GOAL_MB} MB)"
        )
    if not checkov:
        print("checkov not run (pass --checkov PATH or set TFREVIEW_BENCH_CHECKOV)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
