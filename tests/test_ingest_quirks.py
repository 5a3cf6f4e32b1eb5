"""Encodings, compression, broken records and their reject reasons, duplicates, clear errors."""

from __future__ import annotations

import bz2
import gzip
import json
import zipfile
from pathlib import Path

import pytest
import zstandard

from bot_analysis.errors import InputError
from bot_analysis.ingest import read_inputs

from .conftest import FIXTURES

CSV = (
    "comment_id,account_id,created_at,text,thread_id,parent_id\r\n"
    "c1,u1,2024-10-20T09:15:00Z,Россия не в международной изоляции,t1,\r\n"
    'c2,u2,2024-10-20T12:15:00+03:00,"Санкции теряют значение, «да»",t1,c1\r\n'
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str):
    p = tmp_path / "dump.csv"
    p.write_bytes(CSV.encode(encoding))
    r = read_inputs([p])
    assert r.comments["text"].to_list() == [
        "Россия не в международной изоляции",
        "Санкции теряют значение, «да»",
    ]
    assert r.comments["comment_id"].to_list() == ["c1", "c2"]  # no BOM glued to the header
    assert r.files[0]["encoding"].replace("_", "-").startswith(encoding.split("-sig")[0][:5])


@pytest.mark.parametrize("kind", ["gz", "bz2", "zst", "zip"])
def test_compressed_inputs(tmp_path: Path, kind: str):
    data = (FIXTURES / "RC_2024-03.ndjson").read_bytes()
    p = tmp_path / f"RC.ndjson.{kind}"
    if kind == "gz":
        p.write_bytes(gzip.compress(data))
    elif kind == "bz2":
        p.write_bytes(bz2.compress(data))
    elif kind == "zst":
        p.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("inner/RC.ndjson", data)
    r = read_inputs([p])
    assert r.comments["comment_id"].to_list() == ["t1_kq9a1b2", "t1_c4abc12"]
    assert r.files[0]["format"] == "pushshift_ndjson"


def test_compression_sniffed_from_content_not_name(tmp_path: Path):
    p = tmp_path / "dump.ndjson"  # gzip bytes without .gz
    p.write_bytes(gzip.compress((FIXTURES / "RC_2024-03.ndjson").read_bytes()))
    assert read_inputs([p]).comments.height == 2


def test_truncated_jsonl_line_is_rejected_not_fatal(tmp_path: Path):
    lines = (FIXTURES / "twarc2_flat.jsonl").read_text("utf-8").splitlines()
    p = tmp_path / "tweets.jsonl"
    p.write_text(lines[0] + "\n" + lines[1][:80] + "\n" + lines[1] + "\n", "utf-8")
    r = read_inputs([p])
    assert r.comments.height == 2
    rej = r.rejects.to_dicts()
    assert [x["reason"] for x in rej] == ["bad_json"]
    assert rej[0]["source"].endswith("tweets.jsonl:2")


def test_invalid_utf8_line_is_bad_encoding(tmp_path: Path):
    lines = (FIXTURES / "RC_2024-03.ndjson").read_bytes().splitlines()
    bad = lines[0].replace(b"Source", b"Sour\xff\xfe")
    p = tmp_path / "rc.ndjson"
    p.write_bytes(b"\n".join([lines[2], bad]))
    r = read_inputs([p])
    assert r.rejects["reason"].to_list() == ["bad_encoding"]


def test_csv_reject_reasons(tmp_path: Path):
    p = tmp_path / "x.csv"
    p.write_bytes(
        b"comment_id,account_id,created_at,text\n"
        + "a,u,2024-01-01T00:00:00Z,Россия не в изоляции\n".encode()
        + b",u,2024-01-01T00:00:00Z,no id\n"
        b"b,u,yesterday,bad time\n"
        b"c,u,2024-01-01 10:00:00,naive time\n"
        b"d,u,2024-01-01T00:00:00Z,   \n"
        b"e,u,2024-01-01T00:00:00Z,one, too many\n"
        b"f,u,2024-01-01T00:00:00Z\n"
        b"g,u,2024-01-01T00:00:00Z,broken \xff byte in a UTF-8 file\n"
        b"h,u,1704067200,epoch ok\n"
    )
    r = read_inputs([p])
    assert sorted(r.comments["comment_id"].to_list()) == ["a", "h"]
    reasons = dict(
        zip(
            r.rejects["source"].str.extract(r":(\d+)$").cast(int), r.rejects["reason"], strict=False
        )
    )
    assert reasons == {
        3: "missing_id",
        4: "bad_timestamp",
        5: "naive_timestamp",
        6: "missing_text",
        7: "wrong_column_count",
        8: "wrong_column_count",
        9: "bad_encoding",
    }


def test_naive_tz_option_accepts_naive_times(tmp_path: Path):
    from bot_analysis.config import IngestConfig

    p = tmp_path / "x.csv"
    p.write_text("comment_id,account_id,created_at,text\nc,u,2024-01-01 03:00:00,hi\n", "utf-8")
    r = read_inputs([p], IngestConfig(naive_tz="Europe/Moscow"))
    assert r.comments["created_at"].dt.hour().to_list() == [0]


def test_json_reject_reasons(tmp_path: Path):
    good = json.loads((FIXTURES / "twarc2_flat.jsonl").read_text("utf-8").splitlines()[0])
    rows = [
        good,
        {**good, "id": None},
        {**good, "id": "2", "created_at": None},
        {**good, "id": "3", "created_at": "not a time"},
        {**good, "id": "4", "text": ""},
        {k: v for k, v in {**good, "id": "5"}.items() if k != "text"},
    ]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in rows) + "\n[1, 2]\n", "utf-8")
    r = read_inputs([p])
    assert r.comments.height == 1
    assert r.rejects["reason"].to_list() == [
        "missing_id",
        "bad_timestamp",
        "bad_timestamp",
        "missing_text",
        "missing_text",
        "not_a_record",
    ]


def test_duplicates_dropped_and_conflicts_rejected(tmp_path: Path):
    a = tmp_path / "a.ndjson"
    b = tmp_path / "b.ndjson"
    data = (FIXTURES / "RC_2024-03.ndjson").read_text("utf-8")
    a.write_text(data, "utf-8")
    b.write_text(data.replace("Thanks, that helps.", "Edited later."), "utf-8")
    r = read_inputs([a, b])
    c = r.counts()
    assert c["duplicates_dropped"] == 1  # t1_kq9a1b2 read twice with the same content
    assert c["rejects_by_reason"] == {"removed": 2, "conflicting_duplicate": 1}
    assert r.comments.height == 2
    assert c["rows_read"] == 6
    r.check_invariant()
    assert r.files[1]["duplicates"] == 1
    assert r.files[1]["accepted"] == 0


def test_reddit_deleted_author_is_unknown_not_an_account(tmp_path: Path):
    p = tmp_path / "rc.ndjson"
    rows = [
        {
            "id": f"x{i}",
            "author": "[deleted]",
            "body": f"text {i}",
            "created_utc": 1709748252,
            "link_id": "t3_a",
            "parent_id": "t3_a",
            "subreddit": "s",
        }
        for i in range(3)
    ]
    p.write_text("\n".join(json.dumps(x) for x in rows), "utf-8")
    r = read_inputs([p])
    assert r.comments["account_id"].null_count() == 3


def test_errors_are_clear(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        read_inputs([tmp_path / "nope.csv"])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_inputs([empty])
    odd = tmp_path / "odd.txt.csv"
    odd.write_text("just one column\nvalue\n", "utf-8")
    with pytest.raises(InputError, match="--format"):
        read_inputs([odd])
    nocols = tmp_path / "nocols.csv"
    nocols.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(InputError, match="--map"):
        read_inputs([nocols])
    with pytest.raises(InputError, match="known formats"):
        read_inputs([FIXTURES / "generic.csv"], fmt="nonsense")


def test_folder_input_reads_every_file_sorted():
    r = read_inputs([FIXTURES])
    assert len(r.files) == len(list(FIXTURES.iterdir()))
    assert r.rows_read == r.comments.height + r.rejects.height + r.duplicates
    # The same two tweets in four formats (6 later copies) and the same three YouTube comments
    # in two formats (3): dropped as exact duplicates or, where a format renders the text or
    # time differently (retweets, approximate times), rejected as conflicting duplicates.
    conflicts = r.counts()["rejects_by_reason"].get("conflicting_duplicate", 0)
    assert r.duplicates + conflicts == 9
    assert r.duplicates >= 3


def test_big_csv_is_read_in_blocks_with_line_numbers(tmp_path: Path):
    from bot_analysis.config import IngestConfig

    rows = ["comment_id,account_id,created_at,text"]
    for i in range(20_000):
        text = f'"multi\nline {i}"' if i % 7 == 0 else f"text {i}"
        rows.append(f"c{i},u{i % 50},2024-01-01T00:00:00Z,{text}")
    rows.insert(15_000, "broken,row")
    p = tmp_path / "big.csv"
    p.write_text("\n".join(rows) + "\n", "utf-8")
    r = read_inputs([p], IngestConfig(block_bytes=65_536))
    assert r.comments.height == 20_000
    assert r.rejects["reason"].to_list() == ["wrong_column_count"]
    # the broken row's physical line: header + rows before it, with multi-line texts
    line = int(r.rejects["source"][0].rsplit(":", 1)[1])
    assert p.read_text("utf-8").split("\n")[line - 1] == "broken,row"
    c7 = r.comments.filter(r.comments["comment_id"] == "c7")
    assert c7["text"][0] == "multi\nline 7"


def test_time_forms_in_one_column(tmp_path: Path):
    from bot_analysis.config import IngestConfig

    p = tmp_path / "t.csv"
    p.write_text(
        "comment_id,account_id,created_at,text\n"
        "a,u,2024-03-06T18:04:12Z,x\n"
        "b,u,2024-03-06 21:04:12.5+03:00,x\n"
        "c,u,1709748252,x\n"
        "d,u,2024-03-06T18:04:12+0000,x\n"
        "e,u,2024-03-06 18:04:12,x\n"
        "f,u,1889-01-01T00:00:00Z,x\n",
        "utf-8",
    )
    r = read_inputs([p])
    got = dict(zip(r.comments["comment_id"], r.comments["created_at"].dt.epoch("s"), strict=True))
    assert got == {"a": 1709748252, "b": 1709748252, "c": 1709748252, "d": 1709748252}
    assert r.rejects["reason"].to_list() == ["naive_timestamp", "bad_timestamp"]
    r = read_inputs([p], IngestConfig(naive_tz="UTC"))
    assert r.comments.height == 5
