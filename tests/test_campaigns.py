"""Campaign scoring on hand-sized candidates: one test per sub-score, the n/a rule, the
template rule and the not-enough-data rule.

Each case is a small table run through the real stages (near-duplicates, the account graph,
campaign assembly) beside an everyday background of a few hundred accounts, so that what is
rare and what is common is measured as in a real dump.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from bot_analysis.campaigns import assemble_campaigns
from bot_analysis.config import CampaignConfig, CoordinationConfig, NearDupConfig
from bot_analysis.coordination import build_graph
from bot_analysis.neardup import find_clusters

T0 = datetime(2024, 10, 1, tzinfo=UTC)
WORDS = (
    "дом улица погода хлеб автобус школа парк река зима лето город друг работа цены магазин "
    "рынок молоко бензин метро ремонт двор соседи дети праздник концерт музей театр кино "
    "книга новости статья фото видео вопрос ответ мнение правда смысл"
).split()
POINTS = [
    "Саммит в Казани показал что санкции Запада провалились полностью и окончательно",
    "Страны БРИКС строят новый мир без диктата доллара и это уже не остановить никому",
    "Только вместе с друзьями из Азии мы добьемся настоящего процветания для всех нас",
]


def _background(rng: random.Random, platform: str = "vk", n: int = 1500) -> list[dict]:
    return [
        {
            "platform": platform,
            "account_id": f"bg{rng.randrange(400)}",
            "t": rng.uniform(0, 7 * 86400),
            "text": " ".join(rng.choices(WORDS, k=rng.randint(6, 14))),
            "thread_id": f"t{rng.randrange(60)}",
        }
        for _ in range(n)
    ]


def _operation(
    rng: random.Random,
    *,
    platforms: tuple[str, ...] = ("vk",),
    waves: int = 12,
    link: str | None = None,
    threads: bool = True,
    spread_s: float = 120.0,
) -> list[dict]:
    """20 accounts posting three talking points in waves, 12 of them per wave, each wave on one
    thread within ``spread_s`` seconds, two hours apart."""
    rows = []
    bots = [(p, f"bot{p}{i}") for p in platforms for i in range(20 // len(platforms))]
    for w in range(waves):
        go = 86400 + w * 7200
        thread = f"t{rng.randrange(60)}" if threads else None
        for p, a in rng.sample(bots, 12):
            text = rng.choice(POINTS) + (f" {link}" if link else "")
            rows.append(
                {
                    "platform": p,
                    "account_id": a,
                    "t": go + rng.uniform(0, spread_s),
                    "text": text,
                    "thread_id": thread,
                }
            )
    return rows


def _run(rows: list[dict], threads: bool = True) -> pl.DataFrame:
    """The candidates of ``rows`` (campaigns table), through the real stages."""
    table = pl.DataFrame(
        {
            "comment_id": [f"c{i}" for i in range(len(rows))],
            "account_id": [r["account_id"] for r in rows],
            "created_at": [T0 + timedelta(seconds=r["t"]) for r in rows],
            "text": [r["text"] for r in rows],
            "thread_id": [r.get("thread_id") if threads else None for r in rows],
            "parent_id": [r.get("parent_id") for r in rows],
            "platform": [r["platform"] for r in rows],
        },
        schema_overrides={"thread_id": pl.String, "parent_id": pl.String},
    )
    nd = find_clusters(table, NearDupConfig())
    coord = build_graph(nd.comments, CoordinationConfig())
    return assemble_campaigns(nd.comments, nd.clusters, coord, CampaignConfig()).campaigns


def _bots(camp: pl.DataFrame) -> dict:
    """The candidate of the planted accounts (the one with the most comments)."""
    rows = camp.filter(pl.col("kind") == "campaign").sort("n_comments", descending=True)
    return rows.row(0, named=True)


@pytest.fixture(scope="module")
def operation() -> dict:
    rng = random.Random(1)
    rows = _background(rng) + _operation(rng, link="https://kazan-pravda.example/a")
    return _bots(_run(rows))


def test_text_similarity_counts_shared_talking_points(operation):
    assert operation["text_similarity"] == 1.0
    rng = random.Random(2)  # the same accounts and times, each in its own words
    rows = _background(rng) + [
        {**r, "text": " ".join(rng.choices(WORDS, k=12))} for r in _operation(rng)
    ]
    own = _run(rows)
    if "n_accounts" in own.columns and own.filter(pl.col("n_accounts") >= 10).height:
        assert _bots(own)["text_similarity"] < 0.2


def test_synchrony_is_acting_together_beyond_chance(operation):
    assert operation["synchrony"] >= 0.9
    assert "beyond chance" in operation["summary"]


def test_burstiness_is_the_share_in_bursts(operation):
    """Twelve waves within a day of a week-long background: all in bursts."""
    assert operation["burstiness"] >= 0.9


def test_volume_concentration_is_comments_per_account(operation):
    assert operation["volume_concentration"] == pytest.approx(
        1 - operation["n_accounts"] / operation["n_comments"], abs=1e-3
    )


def test_thread_repetition_is_the_same_text_across_threads(operation):
    """Three talking points on about twelve threads: four threads per point."""
    assert operation["thread_repetition"] >= 0.6


def test_shared_rare_items_is_a_link_only_they_use(operation):
    assert operation["shared_rare_items"] == 1.0
    assert operation["rare_items"] == ["kazan-pravda.example/a"]


def test_cross_platform_needs_two_platforms_with_two_accounts_each():
    rng = random.Random(3)
    rows = (
        _background(rng, "vk", 900)
        + _background(rng, "telegram", 600)
        + _operation(rng, platforms=("vk", "telegram"))
    )
    both = _bots(_run(rows))
    assert both["cross_platform"] == 1.0
    assert sorted(both["platforms"]) == ["telegram", "vk"]


def test_a_subscore_the_export_cannot_carry_is_na_and_leaves_the_weighting(operation):
    """One platform (no cross-platform), and the same operation with its thread ids dropped
    (a tweet dump, a spreadsheet): those sub-scores are n/a (null), and the thread-less twin
    scores within 0.1 of the threaded one, flagged both."""
    assert operation["cross_platform"] is None
    rng = random.Random(1)
    rows = _background(rng) + _operation(rng, link="https://kazan-pravda.example/a")
    flat = _bots(_run(rows, threads=False))
    assert flat["thread_repetition"] is None
    assert flat["flagged"]
    assert operation["flagged"]
    assert abs(flat["score"] - operation["score"]) <= 0.1


def test_slot_templates_are_automation_not_a_campaign():
    """A game's bot posting "Recent events for: NAME - I killed MONSTER" for 15 players, each
    in its own sessions: one automation finding with the template, never flagged."""
    rng = random.Random(4)
    rows = _background(rng)
    monsters = ["Araxxi", "Vorago", "Telos", "Zulrah", "Kalphite Queen"]
    for i in range(15):
        name = f"Bard{i:03d}"
        for _ in range(4):
            t = rng.uniform(0, 7 * 86400)
            for _ in range(4):
                t += rng.uniform(60, 600)
                rows.append(
                    {
                        "platform": "vk",
                        "account_id": f"player{i}",
                        "t": t,
                        "text": f"Recent events for: {name} - I killed {rng.choice(monsters)}.",
                        "thread_id": f"t{rng.randrange(60)}",
                    }
                )
    camp = _run(rows)
    auto = camp.filter(pl.col("kind") == "automation")
    assert auto.height == 1
    assert not auto["flagged"][0]
    assert auto["n_accounts"][0] == 15
    assert auto["template"][0].startswith("Recent events for: <slot> - I killed ")
    assert not camp["flagged"].any()


def _three_pushes(rng: random.Random) -> list[dict]:
    """20 accounts posting three talking points, one a day, all within 57 seconds."""
    return [
        {
            "platform": "vk",
            "account_id": f"bot{i}",
            "t": 86400 * k + 3600 + rng.uniform(0, 57),
            "text": POINTS[k],
            "thread_id": f"t{k}",
        }
        for k in range(3)
        for i in range(20)
    ]


def test_too_little_data_is_said_with_numbers():
    """20 accounts posting three talking points within a minute each in a 100-row file: no
    pair could reach significance, and the reason says so with the numbers instead of "no
    co-actions beyond chance". The same rows among 1,500 everyday comments are flagged."""
    rng = random.Random(5)
    small = _background(rng, n=40) + _three_pushes(rng)
    bots = _run(small).filter(pl.col("n_accounts") == 20)
    assert bots.height == 1
    summary = bots["summary"][0]
    assert not bots["flagged"][0]
    assert "too little data to test" in summary
    assert "190 account pairs" in summary
    assert "100 comments" in summary
    big = _run(_background(rng) + _three_pushes(rng)).filter(pl.col("n_accounts") == 20)
    assert big["flagged"][0]
