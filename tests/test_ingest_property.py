"""Property: mixed valid and broken records of every format are all accounted for, each broken
record rejected with the right reason (rows read = accepted + rejected + duplicates)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_analysis.ingest import read_inputs

T0 = 1709748252
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() != "")

# breakage -> expected reject reason (None: a valid record)
COMMON = {None: None, "id": "missing_id", "time": "bad_timestamp", "text": "missing_text"}


def _twarc_flat(i: int, text: str, b: str | None) -> Any:
    tw = {
        "id": str(10**18 + i),
        "text": text,
        "created_at": "2024-03-06T18:04:12.000Z",
        "author_id": str(i % 7),
        "conversation_id": "1",
        "author": {"username": "u"},
    }
    if b == "id":
        del tw["id"]
    elif b == "time":
        tw["created_at"] = "03/06/2024"
    elif b == "text":
        tw["text"] = "   "
    return tw


def _reddit(i: int, text: str, b: str | None) -> Any:
    c = {
        "id": f"k{i}",
        "author": f"a{i % 5}",
        "body": text,
        "created_utc": str(T0 + i),
        "link_id": "t3_x",
        "parent_id": "t3_x",
        "subreddit": "s",
    }
    if b == "id":
        c["id"] = None
    elif b == "time":
        c["created_utc"] = "yesterday"
    elif b == "text":
        c["body"] = None
    return c


def _ycd(i: int, text: str, b: str | None) -> Any:
    c = {
        "cid": f"Ug{i}",
        "text": text,
        "time": "1 day ago",
        "author": "@a",
        "channel": f"UC{i % 3}",
        "votes": "1.2K",
        "replies": "",
        "heart": False,
        "reply": False,
        "time_parsed": T0 + i + 0.5,
    }
    if b == "id":
        del c["cid"]
    elif b == "time":
        del c["time_parsed"]
    elif b == "text":
        c["text"] = ""
    return c


def _v1(i: int, text: str, b: str | None) -> Any:
    c = {
        "id_str": str(10**18 + i),
        "created_at": "Wed Mar 06 18:04:12 +0000 2024",
        "full_text": text,
        "user": {"id_str": str(i % 4), "screen_name": "s"},
    }
    if b == "id":
        del c["id_str"]
    elif b == "time":
        c["created_at"] = "2024-03-06"
    elif b == "text":
        c["full_text"] = None
    return c


def _generic_row(i: int, text: str, b: str | None) -> Any:
    row = [f"c{i}", f"u{i % 3}", "2024-10-20T12:15:00+03:00", text, "t1", ""]
    if b == "id":
        row[0] = ""
    elif b == "time":
        row[2] = "not a time"
    elif b == "text":
        row[3] = " "
    return row


def _vk_item(i: int, text: str, b: str | None) -> Any:
    c = {
        "id": 100 + i,
        "from_id": i % 5 + 1,
        "post_id": 9,
        "owner_id": -1,
        "date": T0 + i,
        "text": text,
        "parents_stack": [],
    }
    if b == "id":
        del c["id"]
    elif b == "time":
        c["date"] = "soon"
    elif b == "text":
        c["text"] = ""
    return c


def _tg_msg(i: int, text: str, b: str | None) -> Any:
    m = {
        "id": i + 1,
        "type": "message",
        "date": "2024-03-06T21:04:12",
        "date_unixtime": str(T0 + i),
        "from": "X",
        "from_id": f"user{i % 4}",
        "text": [text[:1], {"type": "bold", "text": text[1:]}],
        "text_entities": [{"type": "plain", "text": text[:1]}, {"type": "bold", "text": text[1:]}],
    }
    if b == "id":
        del m["id"]
    elif b == "time":
        m["date_unixtime"] = None
    elif b == "text":
        m["text"], m["text_entities"] = "", []
    return m


def _write_jsonl(path: Path, recs: list[Any], lines_broken: list[bool]) -> None:
    out = []
    for rec, broken in zip(recs, lines_broken, strict=True):
        line = json.dumps(rec, ensure_ascii=False)
        out.append(line[: len(line) // 2] if broken else line)
    path.write_text("\n".join(out) + "\n", "utf-8")


def _write_csv(path: Path, recs: list[Any], lines_broken: list[bool]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["comment_id", "account_id", "created_at", "text", "thread_id", "parent_id"])
    for rec, broken in zip(recs, lines_broken, strict=True):
        w.writerow([*rec, "extra"] if broken else rec)
    path.write_text(buf.getvalue(), "utf-8")


FORMATS = {
    "twarc2_flat.jsonl": (_twarc_flat, _write_jsonl, "bad_json"),
    "RC.ndjson": (_reddit, _write_jsonl, "bad_json"),
    "vid.json": (_ycd, _write_jsonl, "bad_json"),
    "v1.jsonl": (_v1, _write_jsonl, "bad_json"),
    "generic.csv": (_generic_row, _write_csv, "wrong_column_count"),
    "vk.json": (_vk_item, None, None),
    "result.json": (_tg_msg, None, None),
}

records = st.lists(
    st.tuples(TEXTS, st.sampled_from([None, None, None, "id", "time", "text", "line"])),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(FORMATS)), recs=records)
def test_every_record_is_accounted_for(fmt: str, recs: list[tuple[str, str | None]]):
    make, write, line_reason = FORMATS[fmt]
    built, lines_broken, expected, valid = [], [], Counter(), []
    for i, (text, b) in enumerate(recs):
        if b == "line" and write is None:
            b = None  # JSON documents are all or nothing: no per-line breakage
        built.append(make(i, text, None if b == "line" else b))
        lines_broken.append(b == "line")
        reason = line_reason if b == "line" else COMMON[b]
        if reason:
            expected[reason] += 1
        else:
            valid.append(text)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / fmt
        if fmt == "vk.json":
            path.write_text(
                json.dumps({"response": {"count": len(built), "items": built}}), "utf-8"
            )
        elif fmt == "result.json":
            doc = {"name": "c", "type": "public_supergroup", "id": 5, "messages": built}
            path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
        else:
            write(path, built, lines_broken)
        r = read_inputs([path])
    r.check_invariant()
    assert r.rows_read == len(recs)
    assert Counter(r.rejects["reason"].to_list()) == expected
    assert r.comments.height == len(recs) - sum(expected.values())
    # accepted texts are kept exactly as written
    if fmt != "generic.csv":  # the CSV writer's own quoting is undone, so this holds too
        assert sorted(r.comments["text"].to_list()) == sorted(valid)
