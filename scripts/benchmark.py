"""Benchmark the whole analysis on generated scenarios: per-stage wall time and memory.

For each size, generates the scenario once (into --work, outside the repo) or reuses it, runs
``bot-analysis analyze`` as a whole process --runs times, and prints the median wall time and
peak memory of the process, and the median of each stage's time (from run.json: ingest,
neardup = normalization + MinHash + LSH + clustering, coordination = graph + communities,
campaigns = bursts + scoring, write = every output), as a table and as JSON.

``--engines local dask`` runs each size on the local engine (worker processes) and on the
Dask engine (a LocalCluster of the same number of worker processes); Dask's time includes
starting the cluster.

Usage:
  python scripts/benchmark.py --sizes 100000 1000000 --runs 3
  python scripts/benchmark.py --sizes 1000000 --engines local dask --json out.json
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


def run_once(scenario: Path, out: Path, engine: str, workers: int | None) -> dict:
    exe = str(Path(sys.executable).with_name("bot-analysis"))
    cmd = [exe, "analyze", str(scenario / "dumps"), "--out", str(out), "-q", "--engine", engine]
    if workers:
        cmd += ["--workers", str(workers)]
    wall, peak = run_measured(cmd)
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
    ap.add_argument("--engines", nargs="+", choices=["local", "dask"], default=["local"])
    ap.add_argument("--workers", type=int, help="worker processes (default: the CPUs)")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        scen = ensure_scenario(args.work, size, args.seed)
        for engine in args.engines:
            results.append(measure(scen, size, engine, args))
    head = f"{'engine':>6} {'comments':>10} {'wall s':>7} {'min':>6} {'max':>6} {'peak MB':>8} "
    print(head + " ".join(f"{s:>12}" for s in STAGES))
    for r in results:
        print(
            f"{r['engine']:>6} {r['comments']:>10,} {r['wall_s_median']:>7} {r['wall_s_min']:>6} "
            f"{r['wall_s_max']:>6} {r['peak_mb_max']:>8} "
            + " ".join(f"{r[f'{s}_s']:>12}" for s in STAGES)
        )
    print(json.dumps(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


def measure(scen: Path, size: int, engine: str, args: argparse.Namespace) -> dict:
    out = args.work / f"out_{size}_{engine}"
    runs = [run_once(scen, out, engine, args.workers) for _ in range(args.runs)]
    return {
        "engine": engine,
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


if __name__ == "__main__":
    main()
