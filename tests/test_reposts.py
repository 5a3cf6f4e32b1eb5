"""Re-shares and link targets as each format records them (issue 16, items 1-2): every reader
keeps the original's id and author and whether it is a repost or a quote, and the expanded
link targets beside the text (never the per-post t.co wrapper)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from bot_analysis.config import IngestConfig
from bot_analysis.ingest import read_inputs

from .conftest import FIXTURES

T = "2024-03-06T18:04:12.000Z"


def _rows(path: Path, **cfg: object) -> dict[str, dict]:
    r = read_inputs([path], IngestConfig(**cfg))  # type: ignore[arg-type]
    assert r.rejects.height == 0, r.rejects.to_dicts()
    cols = ["comment_id", "text", "repost_of", "repost_author", "repost_kind", "links"]
    return {row["comment_id"]: row for row in r.comments.select(cols).to_dicts()}


def _v2(tid: str, text: str, **extra: object) -> dict:
    return {
        "id": tid,
        "text": text,
        "created_at": T,
        "author_id": "42",
        "conversation_id": tid,
        **extra,
    }


def test_twarc2_raw_retweet_quote_and_expanded_links(tmp_path: Path):
    original = _v2("100", "Kazan summit: a new world order https://t.co/AAA", author_id="7")
    page = {
        "data": [
            _v2(
                "201",
                "RT @news: Kazan summit: a new world order https://t.co/AAA",
                referenced_tweets=[{"type": "retweeted", "id": "100"}],
                entities={
                    "urls": [
                        {
                            "url": "https://t.co/AAA",
                            "expanded_url": "https://brics.example/kazan?utm_source=tw",
                            "unwound_url": "https://brics.example/kazan",
                        }
                    ]
                },
            ),
            _v2(
                "202",
                "Exactly right https://t.co/BBB",
                referenced_tweets=[{"type": "quoted", "id": "100"}],
                entities={
                    "urls": [{"url": "https://t.co/BBB", "expanded_url": "https://x.com/n/100"}]
                },
            ),
            _v2("203", "my own words, no link"),
        ],
        "includes": {"tweets": [original], "users": [{"id": "42", "username": "fan"}]},
    }
    path = tmp_path / "raw.jsonl"
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    rows = _rows(path)
    rt, quote, own = rows["201"], rows["202"], rows["203"]
    assert (rt["repost_of"], rt["repost_author"], rt["repost_kind"]) == ("100", "7", "repost")
    assert rt["text"] == original["text"]  # a retweet is the original's words
    assert rt["links"] == ["https://brics.example/kazan"]  # unwound, never t.co
    assert (quote["repost_of"], quote["repost_kind"]) == ("100", "quote")
    assert quote["links"] == ["https://x.com/n/100"]
    assert own["repost_kind"] is None
    assert own["links"] is None


def test_twarc2_flat_retweet_carries_the_original_inline(tmp_path: Path):
    rt = _v2(
        "301",
        "RT @news: Kazan...",
        referenced_tweets=[
            {"type": "retweeted", "id": "100", "text": "Kazan in full", "author_id": "7"}
        ],
        author={"id": "42", "username": "fan"},
    )
    path = tmp_path / "flat.jsonl"
    path.write_text(json.dumps(rt) + "\n", encoding="utf-8")
    row = _rows(path)["301"]
    assert (row["repost_of"], row["repost_author"], row["repost_kind"]) == ("100", "7", "repost")
    assert row["text"] == "Kazan in full"


def test_v1_retweet_and_quote(tmp_path: Path):
    user = {"id_str": "42", "screen_name": "fan"}
    orig = {
        "id_str": "100",
        "full_text": "Kazan summit https://t.co/AAA",
        "user": {"id_str": "7", "screen_name": "news"},
        "entities": {"urls": [{"url": "https://t.co/AAA", "expanded_url": "https://b.example/k"}]},
    }
    lines = [
        {
            "id_str": "401",
            "created_at": "Wed Mar 06 18:04:12 +0000 2024",
            "full_text": "RT @news: Kazan summit https://t.co/AAA",
            "user": user,
            "retweeted_status": orig,
            "entities": {"urls": []},
        },
        {
            "id_str": "402",
            "created_at": "Wed Mar 06 18:05:12 +0000 2024",
            "full_text": "So true",
            "user": user,
            "quoted_status_id_str": "100",
            "quoted_status": orig,
        },
    ]
    path = tmp_path / "v1.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    rows = _rows(path)
    assert (rows["401"]["repost_of"], rows["401"]["repost_author"]) == ("100", "7")
    assert rows["401"]["repost_kind"] == "repost"
    assert rows["401"]["links"] == ["https://b.example/k"]
    assert (rows["402"]["repost_of"], rows["402"]["repost_kind"]) == ("100", "quote")


def test_twarc_csv_retweet_columns():
    rows = _rows(FIXTURES / "twarc.csv")
    rt = next(r for r in rows.values() if r["repost_kind"] == "repost")
    assert rt["repost_of"] == "1765430000000000001"
    assert rt["repost_author"] == "1400000000000000022"


def test_telegram_desktop_forward_and_text_link(tmp_path: Path):
    doc = json.loads((FIXTURES / "tdesktop_result.json").read_text("utf-8"))
    msg = next(m for m in doc["messages"] if m.get("type") == "message")
    fwd = dict(
        msg,
        id=9001,
        forwarded_from="Новини Громади",
        text=["Читайте ", {"type": "text_link", "text": "тут", "href": "https://news.example/1"}],
        text_entities=[
            {"type": "plain", "text": "Читайте "},
            {"type": "text_link", "text": "тут", "href": "https://news.example/1"},
        ],
    )
    doc["messages"].append(fwd)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    rows = _rows(path)
    row = next(r for k, r in rows.items() if k.endswith(":9001"))
    assert row["repost_kind"] == "repost"
    assert row["repost_author"] == "Новини Громади"
    assert row["links"] == ["https://news.example/1"]
    assert row["text"] == "Читайте тут"
    # the fixture's own forward ("City Parks") too, and nothing else
    kinds = sorted((r["repost_author"] or "", r["repost_kind"] or "") for r in rows.values())
    assert [k for k in kinds if k[1]] == [("City Parks", "repost"), ("Новини Громади", "repost")]


def test_telethon_forward_from_a_channel_post(tmp_path: Path):
    line = json.loads((FIXTURES / "telethon.jsonl").read_text("utf-8").splitlines()[0])
    line = dict(
        line,
        id=777,
        fwd_from={
            "_": "MessageFwdHeader",
            "from_id": {"_": "PeerChannel", "channel_id": 1234567},
            "channel_post": 55,
        },
        entities=[
            {"_": "MessageEntityTextUrl", "offset": 0, "length": 4, "url": "https://a.example"}
        ],
    )
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    row = next(iter(_rows(path).values()))
    assert row["repost_of"] == "1234567:55"  # the table's own "<chat>:<message>" form
    assert row["repost_author"] == "channel1234567"
    assert row["links"] == ["https://a.example"]


@pytest.mark.parametrize("own_text", ["", "Согласен с каждым словом"])
def test_vk_copy_history(tmp_path: Path, own_text: str):
    post = {
        "id": 500,
        "owner_id": 70000001,
        "from_id": 70000001,
        "date": 1709630142,
        "post_type": "post",
        "text": own_text,
        "copy_history": [
            {
                "id": 880,
                "owner_id": -20000001,
                "from_id": -20000001,
                "text": "Саммит в Казани: мир больше не однополярный",
                "attachments": [{"type": "link", "link": {"url": "https://brics.example/k"}}],
            }
        ],
    }
    path = tmp_path / "wall.json"
    path.write_text(json.dumps({"response": {"count": 1, "items": [post]}}), encoding="utf-8")
    row = next(iter(_rows(path).values()))
    assert row["repost_of"] == "-20000001_880"
    assert row["repost_author"] == "-20000001"
    assert row["links"] == ["https://brics.example/k"]
    if own_text:
        assert row["repost_kind"] == "quote"
        assert row["text"] == own_text
    else:  # a plain repost was rejected as missing_text before: it is the original's words
        assert row["repost_kind"] == "repost"
        assert row["text"].startswith("Саммит в Казани")


def test_generic_rt_prefix_and_mapped_columns(tmp_path: Path):
    path = tmp_path / "tweets.csv"
    pl.DataFrame(
        {
            "tweet_id": ["1", "2", "3", "4"],
            "author": ["a", "b", "c", "d"],
            "content": [
                "RT @bob: the original words",
                "my own words",
                "words of a retweet without prefix",
                "a quote of something",
            ],
            "publish_date": ["2024-01-01 00:00:00"] * 4,
            "post_type": ["", "", "R", "Q"],
            "expanded_urls": ["https://a.example/x; https://b.example/y", "", "", ""],
        }
    ).write_csv(path)
    rows = _rows(
        path,
        naive_tz="UTC",
        mapping=(("repost_kind", "post_type"), ("created_at", "publish_date")),
    )
    assert (rows["1"]["repost_kind"], rows["1"]["repost_author"]) == ("repost", "bob")
    assert rows["1"]["links"] == ["https://a.example/x", "https://b.example/y"]
    assert rows["2"]["repost_kind"] is None
    assert rows["3"]["repost_kind"] == "repost"
    assert rows["4"]["repost_kind"] == "quote"
