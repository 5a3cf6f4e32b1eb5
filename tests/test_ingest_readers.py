"""One test per reader, on fixtures in each format's real shape (from FORMATS.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from bot_analysis.ingest import read_inputs
from bot_analysis.schema import CANONICAL_SCHEMA

from .conftest import FIXTURES


def _read(name: str, **kw):
    r = read_inputs([FIXTURES / name], **kw)
    for col, dtype in CANONICAL_SCHEMA.items():
        assert r.comments.schema[col] == dtype
    r.check_invariant()
    return r


def _row(df: pl.DataFrame, cid: str) -> dict:
    rows = df.filter(pl.col("comment_id") == cid).to_dicts()
    assert len(rows) == 1, f"{cid} not found once in {df['comment_id'].to_list()}"
    return rows[0]


def _utc(s: int) -> datetime:
    return datetime.fromtimestamp(s, UTC)


def test_vk_getcomments_flattens_threads_and_namespaces_ids():
    r = _read("vk_getcomments.json")
    assert r.files[0]["format"] == "vk_api"
    top = _row(r.comments, "-20000001_5101")
    assert top["account_id"] == "70000001"
    assert top["created_at"] == _utc(1709630142)
    assert top["thread_id"] == "-20000001_880"
    assert top["parent_id"] is None
    assert top["account_name"] == "Anna Petrova"
    assert top["likes"] == 4
    reply = _row(r.comments, "-20000001_5103")
    assert reply["account_id"] == "-20000001"  # a community keeps its sign
    assert reply["account_name"] == "City News Example"
    assert reply["parent_id"] == "-20000001_5101"
    assert reply["text"] == "[id70000001|Anna], thanks, we will post the dates."
    assert reply["source"].endswith("$.response.items[0].thread.items[0]")
    # the deleted placeholder is rejected, its reply kept and still pointing at it
    orphan = _row(r.comments, "-20000001_5104")
    assert orphan["parent_id"] == "-20000001_5102"
    assert r.rejects.to_dicts()[0]["reason"] == "missing_text"
    assert "-20000001_5102" in r.rejects.to_dicts()[0]["detail"]


def test_vk_wall_get_posts_are_their_own_thread():
    r = _read("vk_wallget.json")
    post = _row(r.comments, "-20000001_880")
    assert post["thread_id"] == "-20000001_880"
    assert post["likes"] == 57
    assert post["url"] == "https://vk.com/wall-20000001_880"


def test_tdesktop_uses_unixtime_flattens_entities_skips_service():
    r = _read("tdesktop_result.json")
    assert r.counts()["skipped_non_content"] == 1
    assert r.rows_read == 3
    m = _row(r.comments, "1987654321:102")
    assert m["created_at"] == _utc(1709748252)  # not the local-time "date" (21:04 at UTC+3)
    assert m["text"] == "Good news! Details: https://example.org/parks"
    assert m["account_id"] == "user5550001"
    assert m["parent_id"] == "1987654321:101"
    assert m["thread_id"] == "1987654321:101"
    deep = _row(r.comments, "1987654321:103")
    assert deep["thread_id"] == "1987654321:101"  # root of the reply chain
    assert deep["account_name"] is None  # "from": null


def test_tdesktop_invalid_x_escapes_are_repaired(tmp_path: Path):
    raw = (FIXTURES / "tdesktop_result.json").read_text(encoding="utf-8")
    raw = raw.replace('"Agreed, see you there"', '"Agreed,\\x1B see you there"')
    p = tmp_path / "result.json"
    p.write_text(raw, encoding="utf-8")
    r = read_inputs([p])
    assert _row(r.comments, "1987654321:103")["text"] == "Agreed,\x1b see you there"


def test_telethon_jsonl():
    r = _read("telethon.jsonl")
    m = _row(r.comments, "1987654321:2202")
    assert m["account_id"] == "user5550002"
    assert m["thread_id"] == "1987654321:2200"  # reply_to_top_id
    assert m["parent_id"] == "1987654321:2201"
    assert m["created_at"] == datetime(2024, 3, 6, 18, 5, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    "name", ["twarc2_raw.jsonl", "twarc2_flat.jsonl", "twarc.csv", "tweets_v1.jsonl"]
)
def test_twitter_formats_agree(name: str):
    r = _read(name)
    reply = _row(r.comments, "1765432101234567890")  # 19 digits: exact, never via a float
    assert reply["account_id"] == "1500000000000000011"
    assert reply["thread_id"] == "1765430000000000001"
    assert reply["parent_id"] == "1765430000000000001"
    assert reply["created_at"] == datetime(2024, 3, 6, 18, 4, 12, tzinfo=UTC)
    assert reply["account_name"] == "trail_walker_41"
    assert reply["platform"] == "twitter"
    rt = _row(r.comments, "1765440000000000099")
    assert rt["is_retweet"] is True
    if name == "tweets_v1.jsonl":
        assert reply["text"].endswith("Trails & parking?")  # &amp; unescaped
    else:
        assert reply["text"] == "@cityparks_demo Is the north gate open this weekend?\nThanks!"


def test_twarc_csv_merged_retweet_has_original_text():
    rt = _row(_read("twarc.csv").comments, "1765440000000000099")
    assert rt["text"] == "North gate reopens Saturday at 8am. #parks"
    assert rt["likes"] == 52


def test_ycd_video_id_from_file_name_and_votes():
    r = _read("ScMzExample1.json")
    top = _row(r.comments, "UgzQ3xExampleTopLevel01AaABAg")
    assert top["thread_id"] == "ScMzExample1"
    assert top["likes"] == 1200
    assert top["time_approximate"] is True
    assert top["text"] == "Great walkthrough, thanks!\nThe map at 3:10 helped a lot."
    reply = _row(r.comments, "UgzQ3xExampleTopLevel01AaABAg.9zYxWvUtSrQ1aBcDeFgHiJ")
    assert reply["parent_id"] == "UgzQ3xExampleTopLevel01AaABAg"


def test_ycd_pretty_variant(tmp_path: Path):
    import json

    lines = (FIXTURES / "ScMzExample1.json").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "vid42.json"
    p.write_text(json.dumps({"comments": [json.loads(x) for x in lines]}, indent=4), "utf-8")
    r = read_inputs([p])
    assert r.comments.height == 3
    assert set(r.comments["thread_id"]) == {"vid42"}


def test_youtube_api_threads_and_replies():
    r = _read("youtube_threads.json")
    top = _row(r.comments, "UgzQ3xExampleTopLevel01AaABAg")
    assert (
        top["text"] == "Great walkthrough, thanks!\nThe map at 3:10 helped a lot."
    )  # textOriginal
    assert top["account_id"] == "UCa1b2c3d4e5f6g7h8i9j0kL"
    assert top["likes"] == 1204
    reply = _row(r.comments, "UgzQ3xExampleTopLevel01AaABAg.9zYxWvUtSrQ1aBcDeFgHiJ")
    assert reply["parent_id"] == "UgzQ3xExampleTopLevel01AaABAg"
    assert reply["thread_id"] == "ScMzExample1"


def test_pushshift_mixed_time_types_and_removed():
    r = _read("RC_2024-03.ndjson")
    c = _row(r.comments, "t1_kq9a1b2")
    assert c["text"] == "Source for the schedule is the city site & the park office."
    assert c["account_id"] == "t2_8x1y2z"
    assert c["thread_id"] == "t3_1b8xyz0"
    assert c["parent_id"] is None  # t3_ parent = top level
    old = _row(r.comments, "t1_c4abc12")
    assert old["created_at"] == _utc(1330000000)  # created_utc as a string
    assert old["parent_id"] == "t1_c4abc10"
    assert r.rejects["reason"].to_list() == ["removed"]


def test_4cat_telegram_and_vk_csv():
    tg = _read("4cat-telegram.csv")
    m = _row(tg.comments, "telegram:cityparks_chat-2202")
    assert m["platform"] == "telegram"
    assert m["parent_id"] == "telegram:cityparks_chat-2201"
    assert m["created_at"] == _utc(1709748340)
    vk = _read("4cat-vk.csv")
    c = _row(vk.comments, "vk:-20000001_5103")
    assert c["platform"] == "vk"
    assert c["thread_id"] == "vk:-20000001_880"
    assert c["parent_id"] == "vk:-20000001_5101"
    assert c["account_id"] == "-20000001"


def test_generic_csv_multiline_and_offsets():
    r = _read("generic.csv")
    c = _row(r.comments, "c00a2")
    assert c["text"] == "Agreed.\nSee you there"
    assert c["created_at"] == datetime(2024, 3, 6, 18, 5, 40, tzinfo=UTC)
    assert c["parent_id"] == "c00a1"
    assert c["source"] == f"{FIXTURES / 'generic.csv'}:3"


def test_generic_json_ndjson_parquet_and_map(tmp_path: Path):
    import json

    recs = [
        {"post": 1765432101234567890, "who": "u1", "when": "2024-03-06T18:04:12Z", "msg": "hi"},
        {"post": 2, "who": "u2", "when": 1709748252, "msg": "there"},
    ]
    (tmp_path / "a.json").write_text(json.dumps(recs), "utf-8")
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(r) for r in recs), "utf-8")
    pl.DataFrame(
        {"post": ["p1"], "who": ["u1"], "when": [datetime(2024, 3, 6, tzinfo=UTC)], "msg": ["x"]}
    ).write_parquet(tmp_path / "c.parquet")
    mapping = (
        ("comment_id", "post"),
        ("account_id", "who"),
        ("created_at", "when"),
        ("text", "msg"),
    )
    from bot_analysis.config import IngestConfig

    for name, fmt in [("a.json", "generic_json"), ("b.ndjson", "generic_ndjson")]:
        r = read_inputs([tmp_path / name], IngestConfig(mapping=mapping))
        assert r.comments["comment_id"].to_list() == ["1765432101234567890", "2"], name
        assert r.comments["source_format"].to_list() == [fmt, fmt]
    r = read_inputs([tmp_path / "c.parquet"], IngestConfig(mapping=mapping))
    assert r.comments.row(0, named=True)["created_at"] == datetime(2024, 3, 6, tzinfo=UTC)


def test_4cat_forwards_retweets_and_links(tmp_path: Path):
    """4CAT keeps a Telegram forward's source (not its message id) and a tweet's retweet
    flag and comma-joined links: a forward or retweet is a re-share, the links are carried."""
    src = (FIXTURES / "4cat-telegram.csv").read_text("utf-8").splitlines()
    header = src[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(
        id="cityparks_chat-2203",
        thread_id="cityparks_chat",
        chat="cityparks_chat",
        author="5550003",
        author_is_bot="no",
        body="North gate reopens Saturday",
        unix_timestamp="1709748400",
        timestamp="2024-03-06 18:06:40",
        author_forwarded_from_name="City Parks",
        author_forwarded_from_id="-1001234",
        link_attached="https://example.org/parks",
    )
    tg = tmp_path / "4cat-telegram-fwd.csv"
    tg.write_text("\n".join([*src, ",".join(row[h] for h in header)]) + "\n", "utf-8")
    r = read_inputs([tg])
    fwd = _row(r.comments, "telegram:cityparks_chat-2203")
    assert (fwd["repost_kind"], fwd["repost_author"]) == ("repost", "-1001234")
    assert fwd["links"] == ["https://example.org/parks"]
    assert _row(r.comments, "telegram:cityparks_chat-2202")["repost_kind"] is None
    tw = tmp_path / "4cat-twitter.csv"
    tw.write_text(
        "id,thread_id,timestamp,unix_timestamp,author,author_id,body,is_retweet,"
        "is_quote_tweet,urls\n"
        "11,11,2024-03-06 18:04:12,1709748252,anna,501,RT @parks: Gate open,yes,no,"
        '"https://a.example/x,https://b.example/y"\n'
        "12,12,2024-03-06 18:05:12,1709748312,ivan,502,My own words,no,yes,\n"
        "13,13,2024-03-06 18:06:12,1709748372,olga,503,Plain,no,no,\n",
        "utf-8",
    )
    r = read_inputs([tw])
    rt, quote, plain = (_row(r.comments, f"twitter:{i}") for i in (11, 12, 13))
    assert (rt["repost_kind"], rt["repost_author"]) == ("repost", "parks")
    assert rt["links"] == ["https://a.example/x", "https://b.example/y"]
    assert quote["repost_kind"] == "quote"
    assert plain["repost_kind"] is None
