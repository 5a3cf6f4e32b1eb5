"""CSV exports: spreadsheet-safe cells, ISO times, and the same file however it is batched."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from bot_analysis.exports import write_csv


def test_csv_in_batches_is_the_same_file_and_safe(tmp_path: Path):
    df = pl.DataFrame(
        {
            "text": ['=HYPERLINK("x")', "plain, with comma", None, "+7 999", "line\nbreak"],
            "at": [datetime(2024, 10, 22, 12, 0, k, tzinfo=UTC) for k in range(5)],
            "urls": [["a.ru/x", "b.ru"], [], None, ["@c"], ["d"]],
            "n": [1, 2, 3, 4, 5],
        }
    )
    whole, batched = tmp_path / "whole.csv", tmp_path / "batched.csv"
    write_csv(df, whole)
    write_csv(df, batched, batch_rows=2)
    assert batched.read_bytes() == whole.read_bytes()
    with whole.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["text"] for r in rows] == [
        '\'=HYPERLINK("x")',
        "plain, with comma",
        "",
        "'+7 999",
        "line\nbreak",
    ]
    assert rows[0]["at"] == "2024-10-22T12:00:00Z"
    assert rows[0]["urls"] == "a.ru/x;b.ru"
    write_csv(df.clear(), tmp_path / "empty.csv", batch_rows=2)
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8") == "text,at,urls,n\n"
