"""Measure a run on the real data sets beside the repository (../shared/realdata/), when present.

- ``ira_tweets_2017.csv.gz``: 875,047 tweets of 1,093 accounts of one influence operation
  (every account positive). Prints recall by ``account_category`` (the share of each
  category's accounts in a flagged campaign), and how the flagged campaigns split by
  category (a campaign mixing RightTroll and LeftTroll is one analysts would split).
- ``vk_media_comments_2022.csv.gz``: 91,221 ordinary VK comments, no labels. Prints every
  candidate with its score and the summary that explains it (flagged ones must be
  explainable from their comments).

For the IRA set it also runs without the share kind (co-retweet weight 0) and prints, by
category, the accounts flagged only with it. ``--config`` passes a TOML to every run.

The data are read where they are and never copied; outputs go to --out (outside the repo).

Usage:
  python scripts/evaluate_real.py                       # both, default paths
  python scripts/evaluate_real.py --data ../shared/realdata --out /tmp/real --only ira
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
IRA = "ira_tweets_2017.csv.gz"
VK = "vk_media_comments_2022.csv.gz"
# The FiveThirtyEight / Clemson layout: see the data set's README.
IRA_MAP = [
    "comment_id=tweet_id",
    "account_id=author",
    "text=content",
    "created_at=publish_date",
    "repost_kind=retweet",
]


def analyze(path: Path, out: Path, extra: list[str]) -> dict:
    exe = str(Path(sys.executable).with_name("bot-analysis"))
    t0 = time.perf_counter()
    subprocess.run(
        [exe, "analyze", str(path), "--out", str(out), "-q", *extra],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    run = json.loads((out / "run.json").read_text("utf-8"))
    run["wall_s"] = round(time.perf_counter() - t0, 1)
    return run


def ira_tables(data: Path, out: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Recall by category, and the flagged campaigns' accounts by category."""
    truth = (
        pl.read_csv(data, columns=["author", "account_category"], infer_schema=False)
        .unique("author")
        .rename({"author": "account_id"})
    )
    acc = pl.read_csv(out / "accounts.csv", infer_schema=False).select(
        "account_id", pl.col("flagged") == "true", "campaign_ids"
    )
    j = truth.join(acc, on="account_id", how="left").with_columns(
        pl.col("flagged").fill_null(False)
    )
    recall = (
        j.group_by("account_category")
        .agg(pl.len().alias("accounts"), pl.col("flagged").sum().alias("flagged"))
        .with_columns((pl.col("flagged") / pl.col("accounts")).round(3).alias("recall"))
        .sort("accounts", descending=True)
    )
    total = pl.DataFrame(
        {
            "account_category": ["all"],
            "accounts": [j.height],
            "flagged": [int(j["flagged"].sum())],
        }
    ).with_columns((pl.col("flagged") / pl.col("accounts")).round(3).alias("recall"))
    recall = pl.concat([recall, total.cast(recall.schema)])
    split = (
        j.filter(pl.col("flagged"))
        .with_columns(pl.col("campaign_ids").str.split(";"))
        .explode("campaign_ids")
        .group_by("campaign_ids", "account_category")
        .len()
        .pivot(on="account_category", index="campaign_ids", values="len")
        .fill_null(0)
        .rename({"campaign_ids": "campaign_id"})
    )
    cats = sorted(c for c in split.columns if c != "campaign_id")
    split = split.select("campaign_id", pl.sum_horizontal(cats).alias("accounts"), *cats).sort(
        "accounts", descending=True
    )
    return recall, split


def share_gain(data: Path, with_share: Path, without: Path) -> pl.DataFrame:
    """Accounts flagged in ``with_share`` and not in ``without``, by category (and back)."""
    truth = (
        pl.read_csv(data, columns=["author", "account_category"], infer_schema=False)
        .unique("author")
        .rename({"author": "account_id"})
    )

    def flagged(out: Path) -> pl.Series:
        acc = pl.read_csv(out / "accounts.csv", infer_schema=False)
        return acc.filter(pl.col("flagged") == "true")["account_id"]

    a, b = flagged(with_share), flagged(without)
    return (
        truth.with_columns(
            (
                pl.col("account_id").is_in(a.implode()) & ~pl.col("account_id").is_in(b.implode())
            ).alias("only_with_share"),
            (
                pl.col("account_id").is_in(b.implode()) & ~pl.col("account_id").is_in(a.implode())
            ).alias("only_without"),
            pl.col("account_id").is_in(b.implode()).alias("flagged_without_share"),
        )
        .group_by("account_category")
        .agg(
            pl.len().alias("accounts"),
            pl.col("flagged_without_share").sum(),
            pl.col("only_with_share").sum(),
            pl.col("only_without").sum(),
        )
        .sort("accounts", descending=True)
    )


def vk_candidates(out: Path) -> pl.DataFrame:
    camp = json.loads((out / "campaigns.json").read_text("utf-8"))
    return pl.DataFrame(
        [
            {
                "campaign_id": c["campaign_id"],
                "kind": c.get("kind", "campaign"),
                "flagged": c["flagged"],
                "score": c["score"],
                "accounts": c["n_accounts"],
                "comments": c["n_comments"],
                "summary": c["summary"],
            }
            for c in camp
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "realdata")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bot_analysis_real")
    ap.add_argument("--only", choices=["ira", "vk"])
    ap.add_argument("--config", type=Path, help="a TOML config passed to every run")
    args = ap.parse_args()
    conf = ["--config", str(args.config)] if args.config else []
    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_cols(-1)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_width_chars(200)
    pl.Config.set_fmt_str_lengths(160)
    found = False
    if args.only in (None, "ira") and (args.data / IRA).exists():
        found = True
        out = args.out / "ira"
        base = [a for m in IRA_MAP for a in ("--map", m)] + ["--naive-tz", "UTC"]
        extra = [*base, *conf]
        run = analyze(args.data / IRA, out, extra)
        recall, split = ira_tables(args.data / IRA, out)
        c = run["campaigns"]
        print(
            f"{IRA}: {run['counts']['accepted']:,} tweets, {run['wall_s']} s, "
            f"{c['flagged']} of {c['candidates']} candidates flagged"
        )
        print("recall by account_category:")
        print(recall)
        print("flagged campaigns by account_category (accounts):")
        print(split)
        auto = vk_candidates(out).filter(pl.col("kind") == "automation")
        print(f"automation findings (slot templates): {auto.height}")
        if auto.height:
            print(auto)
        # the same run without the share kind (co-retweet): what re-sharing alone found
        no_share = args.out / "ira_no_share"
        toml = args.out / "no_share.toml"
        toml.write_text("[coordination]\nkind_weights = { share = 0.0 }\n", encoding="utf-8")
        analyze(args.data / IRA, no_share, [*base, "--config", str(toml)])
        print("accounts flagged with the share kind and not without it, by account_category:")
        print(share_gain(args.data / IRA, out, no_share))
    if args.only in (None, "vk") and (args.data / VK).exists():
        found = True
        out = args.out / "vk"
        run = analyze(args.data / VK, out, conf)
        c = run["campaigns"]
        print(
            f"{VK}: {run['counts']['accepted']:,} comments, {run['wall_s']} s, "
            f"{c['flagged']} of {c['candidates']} candidates flagged"
        )
        print(vk_candidates(out))
    if not found:
        sys.exit(f"no real data set found in {args.data}")


if __name__ == "__main__":
    main()
