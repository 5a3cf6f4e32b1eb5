"""The planted scenario: same seed same bytes, truth matches ingest, look-alikes look alike."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from bot_analysis.ingest import read_inputs
from bot_analysis.scenario.generate import file_hashes, generate

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def sample_ingest():
    return read_inputs([SAMPLE / "dumps"])


@pytest.fixture(scope="module")
def truth() -> pl.DataFrame:
    return pl.read_csv(SAMPLE / "truth" / "comments.csv.gz", infer_schema=False)


def test_same_seed_same_bytes(tmp_path: Path):
    generate(tmp_path, seed=0, comments=30_000)
    committed = file_hashes(SAMPLE / "dumps") | {
        f"truth/{k}": v for k, v in file_hashes(SAMPLE / "truth").items()
    }
    fresh = file_hashes(tmp_path / "dumps") | {
        f"truth/{k}": v for k, v in file_hashes(tmp_path / "truth").items()
    }
    assert fresh == committed, "regenerate with `make sample` and commit the change"


def test_another_seed_differs(tmp_path: Path):
    generate(tmp_path, seed=1, comments=5_000)
    assert file_hashes(tmp_path / "dumps") != file_hashes(SAMPLE / "dumps")


def test_every_comment_found_and_broken_records_rejected(sample_ingest, truth):
    r = sample_ingest
    got = r.comments.select("platform", "comment_id", "account_id")
    assert got.join(truth, on=["platform", "comment_id"], how="anti").height == 0
    assert truth.join(got, on=["platform", "comment_id"], how="anti").height == 0
    both = truth.join(got, on=["platform", "comment_id"])
    assert (both["account_id"] == both["account_id_right"]).all()
    summary = json.loads((SAMPLE / "truth" / "scenario.json").read_text("utf-8"))
    expected: Counter = Counter()
    for counts in summary["broken_records"].values():
        for reason, n in counts.items():
            if reason not in ("duplicates", "skipped"):
                expected[reason] += n
    assert Counter(r.counts()["rejects_by_reason"]) == expected
    broken = summary["broken_records"]
    assert r.duplicates == broken["vk_rescrape_overlap.jsonl.gz"]["duplicates"]
    assert r.counts()["skipped_non_content"] == broken["telegram_result.json.gz"]["skipped"]
    # per file, the rejects come from the file the truth says
    by_file = r.rejects.with_columns(
        pl.col("source").str.extract(r"dumps/([^:]+):", 1).alias("file")
    )
    for file, counts in broken.items():
        want = {k: v for k, v in counts.items() if k not in ("duplicates", "skipped")}
        have = dict(by_file.filter(pl.col("file") == file).group_by("reason").len().rows())
        assert have == want, file


def test_labels_and_campaigns_line_up(truth):
    campaigns = json.loads((SAMPLE / "truth" / "campaigns.json").read_text("utf-8"))
    styles = {c["style"] for c in campaigns}
    assert styles == {
        "fast_burst",
        "slow_synchronized",
        "hashtag_push",
        "cross_platform",
        "repost_ring",
        "bots_in_bursts",
        "link_push_wrapped",
        "reply_brigade",
        "templated_push",
    }
    for c in campaigns:
        rows = truth.filter(pl.col("label") == c["campaign_id"])
        assert rows.height == c["n_comments"]
        assert rows["account_id"].n_unique() == c["n_accounts"]
        assert sorted(rows["platform"].unique()) == c["platforms"]
    brics = next(c for c in campaigns if c["style"] == "fast_burst")
    assert brics["n_accounts"] == 150
    assert brics["n_comments"] >= 3000
    span = pl.Series([brics["start"], brics["end"]]).str.to_datetime()
    assert (span[1] - span[0]).total_seconds() <= 48 * 3600


def test_lookalikes_really_look_alike(sample_ingest, truth):
    c = sample_ingest.comments.join(
        truth.select("platform", "comment_id", "lookalike"), on=["platform", "comment_id"]
    )
    meme = c.filter(pl.col("lookalike") == "meme")
    assert meme["text"].n_unique() == 1  # word for word
    assert meme["account_id"].n_unique() == meme.height >= 300  # hundreds of unrelated accounts
    days = (meme["created_at"].max() - meme["created_at"].min()).total_seconds() / 86400
    assert days > 14  # spread over weeks
    news = c.filter(pl.col("lookalike") == "viral_news")
    assert news["account_id"].n_unique() == news.height  # one-time accounts
    hours = (news["created_at"].max() - news["created_at"].min()).total_seconds() / 3600
    assert hours < 36
    shares = news["text"].str.contains("lenta-news.example").mean()
    assert 0.3 < shares < 0.5  # many share the same news link
    phrases = c.filter(pl.col("lookalike") == "common_phrase")
    assert phrases["text"].value_counts()["count"].max() > 80  # identical short texts
    fans = c.filter(pl.col("lookalike") == "fan_group")
    per_thread = fans.group_by("thread_id").agg(pl.col("account_id").n_unique())
    assert per_thread["account_id"].min() >= 20  # the same people on the same threads
    assert fans["text"].n_unique() > 0.95 * fans.height  # in their own words
    hyper = c.filter(pl.col("lookalike") == "hyperactive")
    top = hyper.group_by("account_id", "text").len().sort("len", descending=True)
    assert top["len"][0] > 20  # one person repeating a greeting


def test_campaign_texts_use_the_tricks(sample_ingest, truth):
    c = sample_ingest.comments.join(
        truth.select("platform", "comment_id", "label"), on=["platform", "comment_id"]
    )
    brics = c.filter(pl.col("label") == "brics_burst_0")["text"]
    assert brics.str.contains("[\u200b\u200c\u200d\u2060\ufeff]").mean() > 0.1
    assert brics.str.contains("[a-zA-Z][а-яА-Я]|[а-яА-Я][a-zA-Z]").mean() > 0.1  # homoglyphs
    assert brics.n_unique() > 0.8 * brics.len()  # most copies differ: exact matching fails


def test_campaigns_planted_into_a_real_background(tmp_path: Path):
    """--background: three weeks of a real dump (here a small one in the bundled VK set's
    layout, from 2022) become the background, shifted by whole days to the scenario's start,
    written beside the planted dumps and labelled organic; the planted campaigns are the
    same; the same inputs give the same bytes."""
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(0)
    start = datetime(2022, 2, 21, 7, tzinfo=UTC)
    rows = [
        {
            "comment_id": f"vk:A-news:{i}",
            "account_id": f"vk_{rng.randrange(50):04x}",
            "created_at": (start + timedelta(seconds=rng.uniform(0, 40 * 86400))).isoformat(),
            "text": f"настоящий комментарий номер {i} про новости дня",
            "media": "A-news",
        }
        for i in range(300)
    ]
    real = tmp_path / "vk_media.csv"
    pl.DataFrame(rows).write_csv(real)
    summary = generate(tmp_path / "a", seed=0, comments=5_000, background=real)
    generate(tmp_path / "b", seed=0, comments=5_000, background=real)
    assert file_hashes(tmp_path / "a") == file_hashes(tmp_path / "b")
    bg = read_inputs([tmp_path / "a" / "dumps" / "background.csv"]).comments
    in_window = sum(
        start.replace(hour=0) + timedelta(days=21) > datetime.fromisoformat(r["created_at"])
        for r in rows
    )
    assert bg.height == summary["background"]["comments"] == in_window
    assert bg["created_at"].min() >= datetime(2024, 10, 7, tzinfo=UTC)
    assert bg["created_at"].max() < datetime(2024, 10, 28, tzinfo=UTC)
    truth = pl.read_csv(tmp_path / "a" / "truth" / "comments.csv.gz", infer_schema=False)
    labelled = truth.join(bg.select("platform", "comment_id"), on=["platform", "comment_id"])
    assert labelled.height == bg.height
    assert (labelled["label"] == "organic").all()
    planted = json.loads((tmp_path / "a" / "truth" / "campaigns.json").read_text("utf-8"))
    alone = generate(tmp_path / "c", seed=0, comments=5_000)
    assert len(planted) == len(
        json.loads((tmp_path / "c" / "truth" / "campaigns.json").read_text("utf-8"))
    )
    assert summary["comments_campaign"] == alone["comments_campaign"]


def test_thread_less_twin(tmp_path: Path):
    """--thread-less: the same scenario as one flat CSV without thread ids, every valid
    comment once with the truth's ids, replies and re-shares still named."""
    summary = generate(tmp_path, seed=0, comments=5_000, thread_less=True)
    files = [p.name for p in (tmp_path / "dumps").iterdir()]
    assert files == ["all_comments.csv"]
    r = read_inputs([tmp_path / "dumps"])
    assert r.comments["thread_id"].null_count() == r.comments.height
    every = pl.read_csv(tmp_path / "truth" / "comments.csv.gz", infer_schema=False)
    assert every.height == summary["comments_valid"]
    truth = every.filter(pl.col("lookalike").fill_null("") != "channel_post")
    assert r.comments.height == truth.height  # channel posts are not comments here
    joined = truth.join(r.comments, on=["platform", "comment_id"], how="inner")
    assert joined.height == truth.height
    assert (r.comments["repost_kind"] == "repost").sum() > 0
    assert r.comments["parent_id"].is_not_null().sum() > 0
