"""Peak memory of ``analyze`` on the shapes that broke it on real data (issue 15).

Each shape is written once as a generic CSV (into --work, outside the repo), then analyzed by
``bot-analysis analyze`` as a whole process; the table gives wall time and peak memory (the
process and its workers, as scripts/benchmark.py measures it), and the growth from the
smallest to the largest size of each shape (linear growth: peak ratio <= size ratio).

Shapes:
- ``items``: 15% of comments carry one of 200 hashtags, 10% a link, and 40 bot teams of 25
  accounts each push their own 300 links and 300 hashtags (dozens of communities, each with
  hundreds of rare items: the shape that attached every item list to every comment);
- ``one_group``: 200 accounts post everything, with 16,000 distinct hashtags (a real
  operation's year of tweets);
- ``one_thread``: every comment on one thread, by 20,000 accounts;
- ``one_account``: one account writes 100,000 of the comments.

Usage:
  python scripts/benchmark_memory.py                       # every shape at 250k and 1M
  python scripts/benchmark_memory.py --shapes one_thread --sizes 200000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

from bot_analysis.scenario.evaluate import run_measured

_WORDS = (
    "саммит брикс россия запад санкции экономика рубль доллар партнёры союз мир будущее "
    "новости сегодня народ правительство страна город выборы цены рынок нефть газ зерно"
).split()
_T0 = 1_720_000_000


def _texts(rng: np.random.Generator, n: int, k: int = 8) -> np.ndarray:
    """Random word salads: near-duplicates only where a shape plants them."""
    words = np.array(_WORDS)[rng.integers(0, len(_WORDS), (n, k))]
    return np.array([" ".join(w) for w in words])


def shape_items(n: int, rng: np.random.Generator) -> pl.DataFrame:
    teams, team_size, per_team = 40, 25, 200
    n_bot = max(n // 10, teams * per_team * 5)
    accounts = rng.integers(0, max(n // 10, 1), n).astype(str)
    texts = _texts(rng, n)
    t = _T0 + rng.integers(0, 14 * 86_400, n)
    tags = rng.integers(0, 200, n)
    has_tag = rng.random(n) < 0.15
    has_link = rng.random(n) < 0.10
    texts = np.where(has_tag, np.char.add(texts, np.char.add(" #tag", tags.astype(str))), texts)
    links = np.char.add(" https://news.example/a/", rng.integers(0, n, n).astype(str))
    texts = np.where(has_link, np.char.add(texts, links), texts)
    # bot teams: the first n_bot rows; each team pushes its own links and hashtags together
    team = rng.integers(0, teams, n_bot)
    member = rng.integers(0, team_size, n_bot)
    item = rng.integers(0, per_team, n_bot)
    accounts[:n_bot] = np.char.add(np.char.add("bot", team.astype(str)), member.astype(str))
    promo = np.char.add(
        np.char.add(np.char.add(" https://promo", team.astype(str)), ".example/p"),
        item.astype(str),
    )
    tag = np.char.add(np.char.add(" #push", team.astype(str)), np.char.add("_", item.astype(str)))
    texts[:n_bot] = np.char.add(np.char.add(texts[:n_bot], promo), tag)
    t[:n_bot] = _T0 + (team * per_team + item) * 600 + rng.integers(0, 60, n_bot)
    threads = rng.integers(0, n // 50 + 1, n).astype(str)
    return _frame(accounts, t, texts, threads)


def shape_one_group(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """Pushes of 20 posts each: one of 16,000 hashtags, 20 of the 200 accounts, one minute;
    half the pushes repeat one headline (as a real operation's year of tweets)."""
    push = np.arange(n) // 20
    n_push = int(push[-1]) + 1
    accounts = np.char.add("troll", rng.integers(0, 200, n).astype(str))
    tag = np.char.add(" #h", (rng.permutation(n_push) % 16_000)[push].astype(str))
    headline = _texts(rng, n_push, 10)[push]
    own = _texts(rng, n)
    texts = np.char.add(np.where(push % 2 == 0, headline, own), tag)
    t = _T0 + push * (365 * 86_400 // n_push) + rng.integers(0, 60, n)
    return _frame(accounts, t, texts, np.full(n, None))


def shape_one_thread(n: int, rng: np.random.Generator) -> pl.DataFrame:
    accounts = rng.integers(0, 20_000, n).astype(str)
    t = _T0 + np.sort(rng.integers(0, 2 * 86_400, n))
    return _frame(accounts, t, _texts(rng, n), np.full(n, "the_thread"))


def _frame(accounts: np.ndarray, t: np.ndarray, texts: np.ndarray, threads: np.ndarray):
    n = len(texts)
    return pl.DataFrame(
        {
            "comment_id": np.arange(n).astype(str),
            "account_id": accounts,
            "created_at": pl.Series(t * 1_000_000).cast(pl.Datetime("us", "UTC")),
            "text": texts,
            "thread_id": pl.Series(threads, dtype=pl.String),
        }
    )


def shape_one_account(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """One account writes 100,000 comments (a news feed, a bot) among ordinary ones."""
    accounts = rng.integers(0, max(n // 10, 1), n).astype(str)
    accounts[: min(100_000, n // 2)] = "the_feed"
    t = _T0 + np.sort(rng.integers(0, 30 * 86_400, n))
    threads = rng.integers(0, n // 50 + 1, n).astype(str)
    return _frame(accounts, t, _texts(rng, n), threads)


SHAPES = {
    "items": shape_items,
    "one_group": shape_one_group,
    "one_thread": shape_one_thread,
    "one_account": shape_one_account,
}


def ensure(work: Path, shape: str, n: int, seed: int) -> Path:
    path = work / f"{shape}_{n}_seed{seed}.csv"
    if not path.exists():
        print(f"writing {shape} with {n:,} comments to {path} ...", file=sys.stderr)
        SHAPES[shape](n, np.random.default_rng(seed)).write_csv(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    ap.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bot_analysis_mem")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).with_name("bot-analysis"))
    results = []
    for shape in args.shapes:
        for n in args.sizes:
            path = ensure(args.work, shape, n, args.seed)
            out = args.work / f"out_{shape}_{n}"
            wall, peak = run_measured([exe, "analyze", str(path), "--out", str(out), "-q"])
            run = json.loads((out / "run.json").read_text("utf-8"))
            results.append(
                {
                    "shape": shape,
                    "comments": n,
                    "wall_s": round(wall, 1),
                    "peak_mb": round(peak),
                    "candidates": run["campaigns"]["candidates"],
                    "flagged": run["campaigns"]["flagged"],
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr)
    print(f"{'shape':<11} {'comments':>10} {'wall s':>7} {'peak MB':>8} {'flagged':>8}")
    for r in results:
        print(
            f"{r['shape']:<11} {r['comments']:>10,} {r['wall_s']:>7} {r['peak_mb']:>8,} "
            f"{r['flagged']:>4}/{r['candidates']}"
        )
    for shape in args.shapes:
        rows = [r for r in results if r["shape"] == shape]
        if len(rows) >= 2:
            lo, hi = rows[0], rows[-1]
            print(
                f"{shape}: {hi['comments'] / lo['comments']:.1f}x the comments, "
                f"{hi['peak_mb'] / lo['peak_mb']:.2f}x the peak memory"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
