"""Score an analysis against a scenario's ground truth (see bot_analysis.scenario.evaluate).

Runs ``bot-analysis analyze SCENARIO/dumps --out OUT`` (or, with --run, reads an existing
output folder) and prints account- and comment-level precision/recall/F1, per planted
campaign the best-matching reported campaign with its recall and purity, false positives by
look-alike type, the ingest invariant, wall time and peak memory. Exits 1 when a figure is
below a threshold given as an option.

Usage:
  python scripts/evaluate.py sample_data --out reports/evaluate
  python scripts/evaluate.py /tmp/scenario_seed1 --run reports/seed1 --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot_analysis.scenario.evaluate import evaluate_run, format_report, run_measured


def run_analysis(scenario: Path, out: Path) -> tuple[float, float]:
    exe = str(Path(sys.executable).with_name("bot-analysis"))
    try:
        return run_measured([exe, "analyze", str(scenario / "dumps"), "--out", str(out), "-q"])
    except RuntimeError as e:
        raise SystemExit(str(e)) from None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", type=Path, help="folder with dumps/ and truth/")
    ap.add_argument("--out", type=Path, help="where to run the analysis (default reports/eval)")
    ap.add_argument("--run", type=Path, help="score this existing output folder instead")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--min-account-f1", type=float, default=0.0)
    ap.add_argument("--min-account-precision", type=float, default=0.0)
    ap.add_argument("--min-campaign-recall", type=float, default=0.0)
    ap.add_argument("--min-campaign-purity", type=float, default=0.0)
    ap.add_argument("--max-organic-campaigns", type=int, default=None)
    args = ap.parse_args()
    extra = {}
    if args.run is None:
        out = args.out or Path("reports") / "eval"
        wall, peak = run_analysis(args.scenario, out)
        extra = {"wall_s": round(wall, 2), "peak_rss_mb": round(peak)}
        run = out
    else:
        run = args.run
    ev = {**evaluate_run(args.scenario, run), **extra}
    print(json.dumps(ev, indent=2, ensure_ascii=False) if args.json else format_report(ev))
    failures = []
    if ev["accounts"]["f1"] < args.min_account_f1:
        failures.append(f"account F1 {ev['accounts']['f1']} < {args.min_account_f1}")
    if ev["accounts"]["precision"] < args.min_account_precision:
        failures.append(
            f"account precision {ev['accounts']['precision']} < {args.min_account_precision}"
        )
    for c in ev["campaigns"]:
        if c["recall"] < args.min_campaign_recall:
            failures.append(f"{c['campaign_id']} recall {c['recall']} < {args.min_campaign_recall}")
        if c["purity"] < args.min_campaign_purity:
            failures.append(f"{c['campaign_id']} purity {c['purity']} < {args.min_campaign_purity}")
    n_org = sum(ev["organic_campaigns_flagged"].values())
    if args.max_organic_campaigns is not None and n_org > args.max_organic_campaigns:
        failures.append(f"{n_org} organic campaigns flagged > {args.max_organic_campaigns}")
    if "ingest" in ev and not ev["ingest"]["invariant_holds"]:
        failures.append("the ingest invariant does not hold")
    if failures:
        print("\nBELOW THRESHOLD: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
