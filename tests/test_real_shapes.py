"""Real-shaped input never breaks a run (issue 15): each test is one shape seen on real data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from bot_analysis.cli import cli
from bot_analysis.ingest import read_inputs
from bot_analysis.text import normalize_texts

from .conftest import FIXTURES


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, [*args, "-q"])
    return res.exit_code, res.output


def _vk_line(page: int, n_items: int) -> dict:
    """One VK API wall.getComments response, as a crawler writes it: a line per response."""
    items = [
        {
            "id": page * 10_000 + i,
            "from_id": 1_000 + i % 50,
            "post_id": page,
            "owner_id": -26554047,
            "parents_stack": [],
            "date": 1_709_630_000 + page * 3_600 + i,
            "text": f"Комментарий номер {i} к посту {page}: " + "очень длинный текст " * 20,
        }
        for i in range(n_items)
    ]
    return {"response": {"count": n_items, "items": items, "profiles": [], "groups": []}}


@pytest.mark.parametrize("compress", [False, True])
def test_long_line_vk_jsonl_reads_every_record(tmp_path: Path, compress: bool):
    # each line is ~90 KB: longer than any peek() buffer, as real VK API dumps are
    lines = [json.dumps(_vk_line(p, 200), ensure_ascii=False) for p in range(5)]
    assert min(map(len, lines)) > 64 * 1024
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path = tmp_path / ("wall.jsonl.gz" if compress else "wall.jsonl")
    path.write_bytes(gzip.compress(data) if compress else data)
    r = read_inputs([path])
    assert r.files[0]["format"] == "vk_api"
    assert r.comments.height == 1_000
    assert r.rejects.height == 0


def test_long_line_twarc2_raw_pages(tmp_path: Path):
    page = json.loads((FIXTURES / "twarc2_raw.jsonl").read_text("utf-8").splitlines()[0])
    tweet = page["data"][0]
    pages = []
    for p in range(3):
        data = []
        for i in range(300):  # a 300-tweet page is one line of ~300 KB
            t = dict(tweet, id=str(10**18 + p * 1000 + i), text=f"tweet {p} {i} " + "x" * 500)
            data.append(t)
        pages.append(json.dumps(dict(page, data=data)))
    path = tmp_path / "raw.jsonl"
    path.write_text("\n".join(pages) + "\n", encoding="utf-8")
    r = read_inputs([path])
    assert r.files[0]["format"] == "twarc2_jsonl"
    assert r.comments.height == 900


def test_forced_format_is_obeyed_on_long_lines(tmp_path: Path):
    line = json.dumps(_vk_line(1, 300), ensure_ascii=False)
    path = tmp_path / "dump.txt.json"
    path.write_text(line + "\n" + line.replace('"post_id": 1', '"post_id": 2') + "\n", "utf-8")
    r = read_inputs([path], fmt="vk_api")
    assert r.files[0]["format"] == "vk_api"
    assert r.comments.height + r.duplicates == 600


def test_a_file_read_with_the_wrong_reader_fails_loudly(tmp_path: Path):
    # VK JSONL forced through a CSV-ish reader: every record rejected, the run says so
    path = tmp_path / "wall.jsonl"
    path.write_text("\n".join(json.dumps(_vk_line(p, 3)) for p in range(4)) + "\n", "utf-8")
    out = tmp_path / "out"
    code, output = _run("ingest", str(path), "--format", "twarc2_jsonl", "--out", str(out))
    assert code == 1
    assert "Error:" in output
    assert "Traceback" not in output
    assert "twarc2_jsonl reader" in output
    assert "--format" in output
    assert str(path) in output
    # what was read is still on disk, and it adds up
    run = json.loads((out / "run.json").read_text("utf-8"))
    c = run["counts"]
    assert c["rows_read"] == c["rejected"] + c["accepted"] + c["duplicates_dropped"] > 0
    assert (out / "rejects.csv").exists()


def test_nothing_accepted_names_the_fix(tmp_path: Path):
    from datetime import datetime

    path = tmp_path / "naive.parquet"
    pl.DataFrame(
        {
            "comment_id": [str(i) for i in range(20)],
            "account_id": ["a"] * 20,
            "text": ["hello"] * 20,
            "created_at": [datetime(2024, 1, 1, 0, i) for i in range(20)],
        }
    ).write_parquet(path)
    out = tmp_path / "out"
    code, output = _run("analyze", str(path), "--out", str(out))
    assert code == 1
    assert "Traceback" not in output
    assert "--naive-tz UTC" in output
    rejects = pl.read_csv(out / "rejects.csv")
    assert rejects.height == 20
    assert set(rejects["reason"]) == {"naive_timestamp"}
    assert json.loads((out / "run.json").read_text("utf-8"))["counts"]["rejected"] == 20
    # the fix works
    code, output = _run("analyze", str(path), "--out", str(out), "--naive-tz", "UTC")
    assert code == 0, output


def test_emoji_only_texts_in_a_row_keep_their_rows():
    texts = pl.Series(["👍", "🙏", "👍👍", "ok", "\u200b", "!!!", "ааааа"])
    norm = normalize_texts(texts)
    assert norm.to_list() == ["", "", "", "ok", "", "", "aa"]


def test_emoji_only_dump_analyzes(tmp_path: Path):
    rows = ["comment_id,account_id,created_at,text"]
    emoji = ["👍", "🙏", "👍👍", "🔥", "❤️", "🙏🙏🙏"]
    for i in range(300):
        rows.append(
            f"{i},acc{i % 40},2024-03-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z,{emoji[i % 6]}"
        )
    path = tmp_path / "emoji.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, output = _run("analyze", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert pl.read_parquet(tmp_path / "out" / "comments.parquet").height == 300


def test_nul_and_control_characters_are_kept_in_text(tmp_path: Path):
    path = tmp_path / "nul.csv"
    path.write_bytes(
        b"comment_id,account_id,created_at,text\n"
        b'1,a,2024-01-01T00:00:00Z,"before\x00after"\n'
        b'2,b,2024-01-01T00:00:01Z,"bell\x07 and \x1b escape"\n'
    )
    ndjson = tmp_path / "nul.ndjson"
    ndjson.write_text(
        json.dumps(
            {
                "comment_id": "3",
                "account_id": "c",
                "created_at": "2024-01-01T00:00:02Z",
                "text": "x\u0000y",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    r = read_inputs([path, ndjson])
    texts = dict(r.comments.select("comment_id", "text").rows())
    assert texts == {"1": "before\x00after", "2": "bell\x07 and \x1b escape", "3": "x\x00y"}
