"""Real-shaped input never breaks a run (issue 15): each test is one shape seen on real data."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_analysis.cli import cli
from bot_analysis.ingest import read_inputs
from bot_analysis.neardup.text import normalize_texts

from .conftest import FIXTURES, SAMPLE

SAMPLE_DUMPS = SAMPLE / "dumps"


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


def _write_lines(path: Path, lines: list[str], compress: bool) -> Path:
    """JSON Lines at ``path`` (``.gz`` added and gzipped with ``compress``)."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if compress:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_long_line_vk_jsonl_reads_every_record(tmp_path: Path, compress: bool):
    # each line is ~90 KB: longer than any peek() buffer, as real VK API dumps are
    lines = [json.dumps(_vk_line(p, 200), ensure_ascii=False) for p in range(5)]
    assert min(map(len, lines)) > 64 * 1024
    r = read_inputs([_write_lines(tmp_path / "wall.jsonl", lines, compress)])
    assert r.files[0]["format"] == "vk_api"
    assert r.comments.height == 1_000
    assert r.rejects.height == 0


@pytest.mark.parametrize("compress", [False, True])
def test_long_line_twarc2_raw_pages(tmp_path: Path, compress: bool):
    page = json.loads((FIXTURES / "twarc2_raw.jsonl").read_text("utf-8").splitlines()[0])
    tweet = page["data"][0]
    pages = []
    for p in range(3):
        data = []
        for i in range(300):  # a 300-tweet page is one line of ~300 KB
            t = dict(tweet, id=str(10**18 + p * 1000 + i), text=f"tweet {p} {i} " + "x" * 500)
            data.append(t)
        pages.append(json.dumps(dict(page, data=data)))
    r = read_inputs([_write_lines(tmp_path / "raw.jsonl", pages, compress)])
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


# --- truncated compressed inputs: the same answer for every codec ---------------------------


def _ndjson_lines(n: int) -> bytes:
    rows = [
        {
            "comment_id": str(i),
            "account_id": f"a{i % 7}",
            "created_at": f"2024-03-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "text": f"comment number {i} " + "word " * 30,
        }
        for i in range(n)
    ]
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def _compress(codec: str, data: bytes) -> bytes:
    import bz2
    import io
    import zipfile

    import zstandard

    if codec == "gz":
        return gzip.compress(data)
    if codec == "bz2":
        return bz2.compress(data)
    if codec == "zst":
        return zstandard.ZstdCompressor().compress(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("comments.ndjson", data)
    return buf.getvalue()


@pytest.mark.parametrize("codec", ["gz", "bz2", "zst", "zip"])
def test_truncated_stream_keeps_the_records_before_the_cut(tmp_path: Path, codec: str):
    data = _ndjson_lines(8_000)  # 1.5 MB: more than one bz2 block
    whole = _compress(codec, data)
    path = tmp_path / f"dump.ndjson.{codec}"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    if codec == "zip":  # a zip cut before its directory is no zip: named as such
        code, output = _run("ingest", str(path), "--out", str(tmp_path / "o"))
        assert code == 1
        assert "Error:" in output
        assert "Traceback" not in output
        return
    r = read_inputs([path])
    cut = r.rejects.filter(pl.col("reason") == "truncated_stream")
    assert cut.height == 1
    assert r.rejects.height == 1  # the partial last record is part of the cut, not bad_json
    kept = r.comments.height
    assert 100 < kept < 8_000
    # exactly the complete records before the cut, in order
    assert r.comments["comment_id"].to_list() == [str(i) for i in range(kept)]
    assert r.rows_read == kept + 1


def test_truncated_zip_member(tmp_path: Path):
    # a member whose compressed data is damaged inside an otherwise valid archive
    import zipfile

    data = _ndjson_lines(2_000)
    path = tmp_path / "dump.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("comments.ndjson", data)
    raw = bytearray(path.read_bytes())
    start = raw.index(b"comments.ndjson") + len("comments.ndjson")
    for i in range(start + len(raw) // 3, start + len(raw) // 3 + 64):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    r = read_inputs([path])
    assert r.rejects.filter(pl.col("reason") == "truncated_stream").height == 1
    assert r.comments.height < 2_000
    assert r.rows_read == r.comments.height + r.rejects.height


# --- user errors: one Error line, exit 1 (usage errors exit 2) -------------------------------


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[neardup]\nthreshold = "high"', "neardup.threshold"),
        ('[neardup]\nnum_perm = "128"', "neardup.num_perm"),
        ("[neardup]\nnum_perm = 128.5", "neardup.num_perm"),
        ("[coordination]\nwindow_s = 5", "coordination.window_s"),
        ('[coordination]\nwindow_s = {text = "x"}', "coordination.window_s"),
        ("[coordination]\nwindow_s = {txt = 60}", "coordination.window_s"),
        ("[campaigns]\nweights = {synchrony = 2}", "campaigns.weights"),
        ("[coordination]\nkind_weights = {text = 1, links = 1}", "kind_weights"),
        ('[ingest]\nmapping = [["txt", "body"]]', "ingest.mapping"),
        ("seed = true", "seed"),
        ("neardup = 5", "neardup"),
        ("[bursts]\nbin_s = 3600.5", "bursts.bin_s"),
    ],
)
def test_bad_config_is_one_error_line(tmp_path: Path, toml: str, key: str):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml + "\n", encoding="utf-8")
    code, output = _run(
        "analyze", str(FIXTURES / "generic.csv"), "--out", str(tmp_path / "o"), "--config", str(cfg)
    )
    assert code == 1, output
    assert output.startswith("Error: ")
    assert key in output
    assert "Traceback" not in output
    assert "internal error" not in output


def test_weights_as_a_toml_table_are_accepted(tmp_path: Path):
    from bot_analysis.config import load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[campaigns]\nweights = { text_similarity = 0.3, synchrony = 0.3, burstiness = 0.1, "
        "volume_concentration = 0.1, thread_repetition = 0.1, shared_rare_items = 0.05, "
        "cross_platform = 0.05 }\n",
        encoding="utf-8",
    )
    assert dict(load_config(cfg).campaigns.weights)["text_similarity"] == 0.3


@pytest.mark.parametrize("bad", ["acount_id=user", "thread=topic", "text=a"])
def test_map_names_are_checked(tmp_path: Path, bad: str):
    args = ["analyze", str(FIXTURES / "generic.csv"), "--out", str(tmp_path / "o")]
    extra = ["--map", "text=body"] if bad == "text=a" else []
    res = CliRunner().invoke(cli, [*args, "--map", bad, *extra])
    assert res.exit_code == 2
    assert "comment_id, account_id" in res.output or "twice" in res.output


def test_binary_input_and_bad_out_folders(tmp_path: Path):
    exe = tmp_path / "prog"
    exe.write_bytes(bytes(range(256)) * 64)
    code, output = _run("analyze", str(exe), "--out", str(tmp_path / "o"))
    assert code == 1
    assert "binary file" in output
    assert "internal error" not in output
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, output = _run("analyze", str(FIXTURES / "generic.csv"), "--out", str(a_file / "sub"))
    assert code == 1
    assert "is a file" in output
    assert "Traceback" not in output


def test_internal_errors_print_no_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from bot_analysis.result import Result

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Result, "write", boom)
    res = CliRunner().invoke(
        cli, ["analyze", str(FIXTURES / "generic.csv"), "--out", str(tmp_path / "o"), "-q"]
    )
    assert res.exit_code == 1
    assert "internal error (RuntimeError: a bug)" in res.output
    assert "Traceback" not in res.output
    assert "Traceback" in (tmp_path / "o" / "run.log").read_text("utf-8")


# --- folders ---------------------------------------------------------------------------------


def test_telegram_export_folder_with_photos(tmp_path: Path):
    folder = tmp_path / "ChatExport_2024-03-01"
    (folder / "photos").mkdir(parents=True)
    (folder / "result.json").write_bytes((FIXTURES / "tdesktop_result.json").read_bytes())
    (folder / "photos" / "photo_1@01-03-2024_10-00-00.jpg").write_bytes(
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 40
    )
    (folder / "export_results.html").write_text("<html><body>export</body></html>", "utf-8")
    out = tmp_path / "out"
    code, output = _run("analyze", str(folder), "--out", str(out))
    assert code == 0, output
    run = json.loads((out / "run.json").read_text("utf-8"))
    skipped = {Path(f["path"]).name for f in run["files_skipped"]}
    assert "photo_1@01-03-2024_10-00-00.jpg" in skipped
    assert run["counts"]["accepted"] > 0
    assert "photo_1@01-03-2024_10-00-00.jpg" in (out / "index.html").read_text("utf-8")


def test_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path):
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "generic.csv").write_bytes((FIXTURES / "generic.csv").read_bytes())
    out = folder / "run"
    for _ in range(2):
        code, output = _run("analyze", str(folder), "--out", str(out))
        assert code == 0, output
        run = json.loads((out / "run.json").read_text("utf-8"))
        assert [Path(f["path"]).name for f in run["files"]] == ["generic.csv"]


def test_reused_out_loses_only_the_previous_runs_files(tmp_path: Path):
    out = tmp_path / "out"
    code, _ = _run("analyze", str(SAMPLE_DUMPS), "--out", str(out))
    assert code == 0
    figures = set((out / "figures").glob("*.png"))
    assert any("campaign_" in p.name for p in figures)
    (out / "my_notes.md").write_text("mine", "utf-8")
    code, _ = _run("analyze", str(FIXTURES / "generic.csv"), "--out", str(out))
    assert code == 0
    assert (out / "my_notes.md").read_text("utf-8") == "mine"
    assert not any("campaign_" in p.name for p in (out / "figures").glob("*.png"))


# --- exported tables join; ids unique ---------------------------------------------------------


def test_exported_ids_join_and_no_cell_starts_a_formula(tmp_path: Path):
    import csv

    out = tmp_path / "out"
    code, output = _run("analyze", str(SAMPLE_DUMPS), "--out", str(out))
    assert code == 0, output
    parquet = pl.read_parquet(out / "comments.parquet").select("platform", "comment_id")
    flagged = pl.read_csv(out / "flagged_comments.csv", infer_schema=False)
    assert flagged["comment_id"].str.starts_with("-").any()  # VK ids, as they are
    joined = flagged.join(parquet, on=["platform", "comment_id"], how="inner")
    assert joined.height == flagged.height
    clusters = pl.read_csv(out / "clusters.csv", infer_schema=False)
    assert set(flagged["cluster_id"].drop_nulls()) <= set(clusters["cluster_id"])
    accounts = pl.read_csv(out / "accounts.csv", infer_schema=False)
    assert set(flagged["account_id"]) <= set(accounts["account_id"])
    # no cell of any CSV starts a formula, except identifiers of the safe shape
    safe_id = r"^[-+]?[\w.:]+(?:-[\w.:]+)*$"
    for path in out.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for col, cell in row.items():
                    if cell and cell[0] in "=+-@\t\r":
                        assert col.endswith(("_id", "_ids")) or col in ("a", "b", "id"), (
                            path.name,
                            col,
                            cell,
                        )
                        assert pl.Series([cell]).str.contains(safe_id)[0], (path.name, cell)
    html = (out / "index.html").read_text("utf-8")
    assert "&#39;+1" not in html
    assert "'-26554047" not in html


def test_campaign_ids_are_unique_and_stable(tmp_path: Path):
    # one set of accounts posting three talking points: three candidates, three ids
    rows = ["comment_id,account_id,created_at,text"]
    points = [
        "Запад проиграл, БРИКС строит новый справедливый мировой порядок для всех народов",
        "Санкции бьют по Европе сильнее всего, цены на газ выросли втрое за этот год",
        "Казанский саммит показал что Россия не в изоляции, делегации из тридцати стран",
    ]
    n = 0
    for day, point in enumerate(points):
        for rep in range(4):
            for a in range(12):
                t = f"2024-10-{20 + day:02d}T{8 + rep * 3:02d}:00:{a * 3:02d}Z"
                rows.append(f'{n},acc{a},{t},"{point}"')
                n += 1
    rng = __import__("random").Random(0)
    words = "дом сад кот лес мир час год день ночь утро вечер город река поле".split()
    for i in range(3_000):
        text = " ".join(rng.choice(words) for _ in range(8))
        rows.append(
            f"{n},bg{i % 400},2024-10-{18 + i % 7:02d}T{i % 24:02d}:{i % 60:02d}:00Z,{text}"
        )
        n += 1
    path = tmp_path / "three.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ids = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        code, output = _run("analyze", str(path), "--out", str(out))
        assert code == 0, output
        camp = pl.read_csv(out / "campaigns.csv", infer_schema=False)
        assert camp["campaign_id"].n_unique() == camp.height
        ids.append(camp["campaign_id"].to_list())
    assert ids[0] == ids[1]


# --- compiled kernels where nothing can be cached ---------------------------------------------


def _kernels_without_locators(tmp_path: Path, allow_temp: bool) -> str:
    """Import the kernels in a fresh process whose HOME cannot be written and in which numba
    finds no cache folder beside the package (as in a read-only install): the reported
    'cannot cache function ... no locator available'."""
    import subprocess
    import sys

    locators = "[caching.UserProvidedCacheLocator]" if allow_temp else "[]"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code = f"""
from numba.core import caching
caching.CacheImpl._locator_classes = {locators}
import numpy as np
from bot_analysis.coordination import _kernels
keys = np.array([1, 1, 2, 5, 5, 5], dtype=np.int64)
values, counts, n_distinct, _ = _kernels.count_sorted(keys, 2)
assert values.tolist() == [1, 5] and counts.tolist() == [2, 3] and n_distinct == 3
cached = type(_kernels.count_sorted._cache).__name__ != "NullCache"
import numba
print(numba.config.CACHE_DIR if cached else "in memory")
"""
    env = {**__import__("os").environ, "HOME": "/nonexistent", "TMPDIR": str(tmp)}
    env.pop("NUMBA_CACHE_DIR", None)
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_kernels_compile_where_nothing_can_be_cached(tmp_path: Path):
    (tmp_path / "a").mkdir()
    where = _kernels_without_locators(tmp_path / "a", allow_temp=True)
    assert where.startswith(str(tmp_path / "a" / "tmp"))
    (tmp_path / "b").mkdir()
    assert _kernels_without_locators(tmp_path / "b", allow_temp=False) == "in memory"


# --- property: random mixes of valid and broken records, every format shape -------------------

_TEXT_KINDS = st.sampled_from(["words", "emoji", "nul", "long", "control"])


def _text(kind: str, i: int) -> str:
    if kind == "emoji":
        return ["👍", "🙏", "👍👍", "🔥🔥🔥", "❤️"][i % 5]
    if kind == "nul":
        return f"nul\x00inside {i}"
    if kind == "long":
        return f"long {i} " + "слово " * 12_000  # a line of over 64 KiB
    if kind == "control":
        return f"\u202egnp.exe {i} \u200b\x07"
    return f"Саммит БРИКС показал {i} что мир многополярный"


@st.composite
def _dump(draw: Any) -> tuple[str, bool, list[tuple[str, str | None, str]]]:
    """(shape, gzip?, records): each record is (id, breakage or None, text kind)."""
    shape = draw(st.sampled_from(["ndjson", "csv", "vk_jsonl", "twarc2_flat"]))
    n = draw(st.integers(1, 25))
    recs = []
    for i in range(n):
        broken = draw(st.sampled_from([None, None, None, "time", "text", "json"]))
        recs.append((str(1000 + i), broken, draw(_TEXT_KINDS)))
    return shape, draw(st.booleans()), recs


def _write_dump(folder: Path, shape: str, gz: bool, recs: list) -> Path:
    lines: list[str] = []
    t0 = 1_709_630_000
    if shape == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["comment_id", "account_id", "created_at", "text"])
        for k, (cid, b, kind) in enumerate(recs):
            text = "" if b == "text" else _text(kind, k)
            when = "yesterday" if b == "time" else f"2024-03-05T10:{k % 60:02d}:00Z"
            if b == "json":
                buf.write(f'{cid},"broken\n')  # an unclosed quote: the rest is one bad field
                continue
            w.writerow([cid, f"a{k % 4}", when, text])
        data = buf.getvalue()
    else:
        for k, (cid, b, kind) in enumerate(recs):
            text = "   " if b == "text" else _text(kind, k)
            if shape == "ndjson":
                rec: dict = {
                    "comment_id": cid,
                    "account_id": f"a{k % 4}",
                    "created_at": "yesterday" if b == "time" else f"2024-03-05T10:{k % 60:02d}:00Z",
                    "text": text,
                }
            elif shape == "vk_jsonl":
                item = {
                    "id": int(cid),
                    "from_id": 100 + k % 4,
                    "post_id": 7,
                    "owner_id": -26554047,
                    "date": "yesterday" if b == "time" else t0 + k,
                    "text": text,
                }
                rec = {"response": {"count": 1, "items": [item]}}
            else:
                rec = {
                    "id": str(10**18 + int(cid)),
                    "text": text,
                    "created_at": "03/05/2024" if b == "time" else "2024-03-05T10:00:00.000Z",
                    "author_id": str(k % 4),
                    "conversation_id": "1",
                    "author": {"username": "u"},
                }
            line = json.dumps(rec, ensure_ascii=False)
            lines.append(line[: len(line) // 2] if b == "json" else line)
        data = "\n".join(lines) + "\n"
    ext = {"ndjson": "ndjson", "csv": "csv", "vk_jsonl": "jsonl", "twarc2_flat": "jsonl"}[shape]
    path = folder / f"dump.{ext}{'.gz' if gz else ''}"
    raw = data.encode("utf-8")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dump=_dump())
def test_random_real_shaped_dumps_never_break_a_run(tmp_path: Path, dump: tuple) -> None:
    shape, gz, recs = dump
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = _write_dump(folder, shape, gz, recs)
    out = folder / "out"
    res = CliRunner().invoke(cli, ["analyze", str(path), "--out", str(out), "-q"])
    text = res.output
    assert "Traceback" not in text
    assert "internal error" not in text
    assert res.exit_code in (0, 1), text
    run = json.loads((out / "run.json").read_text("utf-8"))
    c = run["counts"]
    assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_dropped"]
    if res.exit_code == 1:
        assert sum(line.startswith("Error:") for line in text.splitlines()) == 1
        assert c["accepted"] == 0
        return
    if shape == "csv":  # an unclosed quote makes the rest of the file one field: by design
        cut = next((k for k, r in enumerate(recs) if r[1] == "json"), len(recs))
        recs = recs[:cut]
    valid = {cid for cid, b, _ in recs if b is None}
    got = pl.read_parquet(out / "comments.parquet")["comment_id"].to_list()
    ids = {g.rsplit("_", 1)[-1] for g in got} | {str(int(g) - 10**18) for g in got if len(g) > 18}
    assert valid <= ids, (shape, sorted(valid - ids))
    if shape != "csv":
        assert c["rows_read"] == len(recs)


# --- degenerate shapes: every stage correct and bounded ---------------------------------------


def _shape_rows(shape: str, n: int = 4_000) -> list[tuple[str, str, str, str, str]]:
    """(comment_id, account_id, created_at, text, thread_id) rows of one degenerate shape."""
    words = "мир дом лес река город поле небо море гора сад кот пёс день ночь".split()
    rows = []
    for i in range(n):
        text = " ".join(words[(i * 7 + k * 3) % len(words)] for k in range(6)) + f" {i}"
        account, thread = f"a{i % 300}", f"t{i % 50}"
        sec = i * 37
        if shape == "one_account":
            account = "the_only_one"
        elif shape == "one_thread":
            thread = "the_thread"
        elif shape == "same_second":
            sec = 0
        elif shape == "punctuation":
            text = ["!!!", "...", "?!", "—", "+1", "))))"][i % 6]
        elif shape == "many_hashtags":
            text += " " + " ".join(f"#tag{(i + k) % 2_000}" for k in range(3))
            account = f"g{i % 20}"  # one small group, 2,000 distinct hashtags
        elif shape == "huge_comment" and i % 500 == 0:
            text = " ".join(f"#h{k}" for k in range(1_000))
        day, rest = 1 + sec // 86_400, sec % 86_400
        ts = f"2024-03-{day:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"
        rows.append((str(i), account, ts, text, thread))
    return rows


@pytest.mark.parametrize(
    "shape",
    ["one_account", "one_thread", "same_second", "punctuation", "many_hashtags", "huge_comment"],
)
def test_degenerate_shapes_analyze(tmp_path: Path, shape: str):
    from bot_analysis import analyze

    rows = _shape_rows(shape)
    path = tmp_path / f"{shape}.csv"
    pl.DataFrame(
        rows,
        schema=["comment_id", "account_id", "created_at", "text", "thread_id"],
        orient="row",
    ).write_csv(path)
    result = analyze([path])
    c = result.counts
    assert c["accepted"] == len(rows)
    assert result.comments.height == len(rows)
    camp = result.campaigns
    assert camp["campaign_id"].n_unique() == camp.height
    assert camp.filter(pl.col("score").is_nan() | (pl.col("score") > 1)).height == 0
    with result:
        result.write(tmp_path / "out")
    assert (tmp_path / "out" / "index.html").exists()


def test_map_help_names_every_canonical_column():
    from bot_analysis.config import MAPPABLE

    res = CliRunner().invoke(cli, ["analyze", "--help"], terminal_width=400)
    assert all(name in res.output for name in MAPPABLE)


def test_every_mappable_column_has_its_aliases():
    from bot_analysis.config import MAPPABLE
    from bot_analysis.ingest.tabular import GENERIC_ALIASES

    assert tuple(GENERIC_ALIASES) == MAPPABLE


def test_a_reused_out_knows_every_file_a_run_writes(tmp_path: Path):
    from bot_analysis.report.write import OUTPUT_FILES

    out = tmp_path / "out"
    code, output = _run("analyze", str(SAMPLE_DUMPS), "--out", str(out))
    assert code == 0, output
    written = {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert written <= set(OUTPUT_FILES)
    assert {p.suffix for p in (out / "figures").iterdir()} == {".png"}
