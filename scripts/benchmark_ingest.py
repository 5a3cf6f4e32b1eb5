"""Benchmark ingest: 1,000,000 rows of twarc2 flattened JSONL and of generic CSV.

Generates the files once (into --work, outside the repo by default), then times
``bot-analysis ingest`` on each as a whole process, several runs, and prints the median wall
time, rows/s and peak memory (max RSS of the process) as a table and as JSON.

Usage: python scripts/benchmark_ingest.py [--rows 1000000] [--runs 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot_analysis.scenario.evaluate import run_measured

WORDS = [
    "россия",
    "не",
    "в",
    "международной",
    "изоляции",
    "санкции",
    "теряют",
    "значение",
    "брикс",
    "саммит",
    "казань",
    "партнеры",
    "торговля",
    "рост",
    "экономика",
    "запад",
    "доллар",
    "мир",
    "будущее",
    "вместе",
    "сильная",
    "страна",
    "україна",
    "новини",
    "сьогодні",
    "світ",
    "people",
    "think",
    "this",
    "is",
    "great",
    "news",
    "today",
    "really",
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30)))


def make_twarc2_flat(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    t0 = 1_729_000_000
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(rows):
            tid = str(1_800_000_000_000_000_000 + i)
            aid = str(1_500_000_000_000_000_000 + rng.randint(0, 200_000))
            conv = str(1_800_000_000_000_000_000 + (i // 50) * 50)
            ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t0 + i))
            tw = {
                "id": tid,
                "text": _text(rng),
                "created_at": ts,
                "author_id": aid,
                "conversation_id": conv,
                "referenced_tweets": [{"type": "replied_to", "id": conv}],
                "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 3},
                "lang": "ru",
                "author": {"id": aid, "username": f"user{aid[-6:]}", "name": "N"},
                "__twarc": {"version": "2.14.0", "retrieved_at": "2024-10-20T00:00:00+00:00"},
            }
            fh.write(json.dumps(tw, ensure_ascii=False) + "\n")


def make_generic_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    t0 = 1_729_000_000
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["comment_id", "account_id", "created_at", "text", "thread_id", "parent_id"])
        for i in range(rows):
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + i))
            parent = f"c{i - 1}" if i % 3 == 0 and i else ""
            w.writerow(
                [f"c{i}", f"u{rng.randint(0, 200_000)}", ts, _text(rng), f"t{i // 50}", parent]
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bot_analysis_bench")
    ap.add_argument("--json", action="store_true", help="print only JSON")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).with_name("bot-analysis"))
    cases = {
        "twarc2_flat_jsonl": (args.work / f"tweets_{args.rows}.jsonl", make_twarc2_flat),
        "generic_csv": (args.work / f"comments_{args.rows}.csv", make_generic_csv),
    }
    results = []
    for name, (path, make) in cases.items():
        if not path.exists():
            print(f"generating {path} ...", file=sys.stderr)
            make(path, args.rows)
        runs = [
            run_measured([exe, "ingest", str(path), "--out", str(args.work / f"out_{name}"), "-q"])
            for _ in range(args.runs)
        ]
        walls = [w for w, _ in runs]
        med = statistics.median(walls)
        results.append(
            {
                "format": name,
                "rows": args.rows,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "runs": args.runs,
                "wall_s_median": round(med, 2),
                "wall_s_min": round(min(walls), 2),
                "wall_s_max": round(max(walls), 2),
                "rows_per_s_median": round(args.rows / med),
                "peak_rss_mb_max": round(max(m for _, m in runs)),
            }
        )
    if not args.json:
        print(
            f"{'format':<20} {'rows':>9} {'MB':>7} {'median s':>9} {'min':>6} {'max':>6} "
            f"{'rows/s':>10} {'peak MB':>8}"
        )
        for r in results:
            print(
                f"{r['format']:<20} {r['rows']:>9,} {r['file_mb']:>7} {r['wall_s_median']:>9} "
                f"{r['wall_s_min']:>6} {r['wall_s_max']:>6} {r['rows_per_s_median']:>10,} "
                f"{r['peak_rss_mb_max']:>8}"
            )
    print(json.dumps(results, indent=None if not args.json else 2))


if __name__ == "__main__":
    main()
