"""End-to-end CLI: exit codes, files written, errors without tracebacks."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bot_analysis.cli import cli

from .conftest import FIXTURES


def test_ingest_writes_the_three_files(tmp_path: Path):
    out = tmp_path / "run"
    res = CliRunner().invoke(cli, ["ingest", str(FIXTURES), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "rows read" in res.output
    run = json.loads((out / "run.json").read_text("utf-8"))
    c = run["counts"]
    assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_dropped"]
    assert all(len(f["sha256"]) == 64 and f["size_bytes"] > 0 for f in run["inputs"])
    assert {f["format"] for f in run["inputs"]} >= {"vk_api", "tdesktop_json", "twarc_csv"}
    import polars as pl

    df = pl.read_parquet(out / "comments.parquet")
    assert df.height == c["accepted"]
    with open(out / "rejects.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == c["rejected"]
    assert set(rows[0]) == {"source", "reason", "detail", "raw"}


def test_analyze_exists_and_writes_outputs(tmp_path: Path):
    out = tmp_path / "a"
    res = CliRunner().invoke(cli, ["analyze", str(FIXTURES / "generic.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "comments.parquet").exists()
    assert (out / "run.json").exists()


def test_map_option(tmp_path: Path):
    p = tmp_path / "forum.csv"
    p.write_text("post,who,when,msg\n1,a,2024-01-01T00:00:00Z,hello\n", "utf-8")
    out = tmp_path / "o"
    args = [
        "ingest",
        str(p),
        "--out",
        str(out),
        "--map",
        "comment_id=post",
        "--map",
        "account_id=who",
        "--map",
        "created_at=when",
        "--map",
        "text=msg",
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "1 rows read: 1 accepted" in res.output


def test_errors_exit_1_without_traceback(tmp_path: Path):
    runner = CliRunner()
    f = tmp_path / "file.txt"
    f.write_text("x", "utf-8")
    cases = [
        (
            ["ingest", str(tmp_path / "missing.json"), "--out", str(tmp_path / "o")],
            "does not exist",
        ),
        (["ingest", str(FIXTURES / "generic.csv"), "--out", str(f)], "is a file"),
        (
            [
                "ingest",
                str(FIXTURES / "generic.csv"),
                "--out",
                str(tmp_path / "o"),
                "--format",
                "x",
            ],
            "known formats",
        ),
        (
            [
                "ingest",
                str(FIXTURES / "generic.csv"),
                "--out",
                str(tmp_path / "o"),
                "--naive-tz",
                "Mars/Olympus",
            ],
            "ingest.naive_tz",
        ),
    ]
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    cases.append((["ingest", str(empty), "--out", str(tmp_path / "o")], "empty"))
    for args, needle in cases:
        res = runner.invoke(cli, args)
        assert res.exit_code == 1, (args, res.output)
        assert needle in res.output, (args, res.output)
        assert "Traceback" not in res.output
    bad_map = runner.invoke(cli, ["ingest", str(f), "--out", str(tmp_path / "o"), "--map", "x"])
    assert bad_map.exit_code == 2


def test_formats_lists_every_reader():
    from bot_analysis.ingest import FORMATS

    res = CliRunner().invoke(cli, ["formats"])
    assert res.exit_code == 0
    assert len(res.output.strip().splitlines()) == len(FORMATS)


def test_help_documents_exit_codes_and_module_entry_point():
    res = subprocess.run(
        [sys.executable, "-m", "bot_analysis", "--help"], capture_output=True, text=True, check=True
    )
    assert "Exit codes" in res.stdout
    assert "analyze" in res.stdout
