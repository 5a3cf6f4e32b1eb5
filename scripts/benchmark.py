"""Benchmark the whole analysis on generated scenarios: per-stage wall time and memory.

For each size, generates the scenario once (into --work, outside the repo) or reuses it, runs
``bot-analysis analyze`` as a whole process --runs times, and prints the median wall time and
peak memory of the process, and the median of each stage's time (from run.json: ingest,
neardup = normalization + MinHash + LSH + clustering, coordination = graph + communities,
campaigns = bursts + scoring, write = every output), as a table and as JSON.

Usage:
  python scripts/benchmark.py --sizes 100000 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bot_analysis.scenario.evaluate import run_measured

STAGES = ("ingest", "neardup", "coordination", "campaigns", "report", "write")


def ensure_scenario(work: Path, size: int, seed: int) -> Path:
    folder = work / f"scenario_{size}_seed{seed}"
    if not (folder / "truth" / "scenario.json").exists():
        print(f"generating {size:,} comments into {folder} ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("generate_sample_data.py")),
                "--out",
                str(folder),
                "--seed",
                str(seed),
                "--comments",
                str(size),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder


def run_once(scenario: Path, out: Path) -> dict:
    exe = str(Path(sys.executable).with_name("bot-analysis"))
    wall, peak = run_measured([exe, "analyze", str(scenario / "dumps"), "--out", str(out), "-q"])
    run = json.loads((out / "run.json").read_text("utf-8"))
    return {
        "wall_s": wall,
        "peak_mb": peak,
        "stages": run["timings_s"],
        "rows": run["counts"]["accepted"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bot_analysis_bench")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        scen = ensure_scenario(args.work, size, args.seed)
        runs = [run_once(scen, args.work / f"out_{size}") for _ in range(args.runs)]
        row = {
            "comments": runs[0]["rows"],
            "runs": args.runs,
            "wall_s_median": round(statistics.median(r["wall_s"] for r in runs), 2),
            "wall_s_min": round(min(r["wall_s"] for r in runs), 2),
            "wall_s_max": round(max(r["wall_s"] for r in runs), 2),
            "peak_mb_max": round(max(r["peak_mb"] for r in runs)),
            **{
                f"{s}_s": round(statistics.median(r["stages"].get(s, 0) for r in runs), 2)
                for s in STAGES
            },
        }
        results.append(row)
    head = f"{'comments':>10} {'wall s':>7} {'min':>6} {'max':>6} {'peak MB':>8} " + " ".join(
        f"{s:>12}" for s in STAGES
    )
    print(head)
    for r in results:
        print(
            f"{r['comments']:>10,} {r['wall_s_median']:>7} {r['wall_s_min']:>6} "
            f"{r['wall_s_max']:>6} {r['peak_mb_max']:>8} "
            + " ".join(f"{r[f'{s}_s']:>12}" for s in STAGES)
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
