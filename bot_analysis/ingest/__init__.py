"""Ingest: every common comment export into one canonical table, losing nothing.

``read_inputs(paths, config)`` sniffs each file's format from its content (``--format``
overrides), reads it in bounded batches, and returns the canonical comments, the rejected rows
with reasons, and per-file counts. Invariant, checked on every run:
rows read = rows accepted + rows rejected + exact duplicates dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson
import polars as pl

from ..config import IngestConfig
from ..errors import InputError, InvariantError
from ..schema import (
    OPTIONAL_SCHEMA,
    REJECTS_SCHEMA,
    conform,
    empty_comments,
    empty_rejects,
    validate_comments,
)
from . import reddit, telegram, twitter, vk, youtube
from ._csv import iter_csv_blocks
from ._io import (
    InputFile,
    block_lines,
    expand_inputs,
    file_sha256,
    iter_blocks,
    iter_lines,
    open_utf8,
)
from ._sink import RowSink, excerpt
from .tabular import convert_4cat, convert_generic, convert_twarc_csv, resolve_columns

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["FORMATS", "Format", "IngestResult", "read_inputs", "sniff_format"]
log = logging.getLogger(__name__)

Progress = Callable[..., None]


@dataclass(frozen=True)
class Format:
    """A reader: its ``source_format`` name, platform, file kind and a one-line description."""

    name: str
    platform: str
    kind: Literal["jsonl", "json", "csv", "parquet"]
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            "vk_api", "vk", "json", "VK API wall.getComments / wall.get responses (JSON or JSONL)"
        ),
        Format("tdesktop_json", "telegram", "json", "Telegram Desktop export result.json"),
        Format("telethon_jsonl", "telegram", "jsonl", "Telethon Message.to_dict() dumps (JSONL)"),
        Format("twarc2_jsonl", "twitter", "jsonl", "twarc2 raw API v2 response pages (JSONL)"),
        Format("twarc2_flat_jsonl", "twitter", "jsonl", "twarc2 flattened tweets (JSONL)"),
        Format("twarc_csv", "twitter", "csv", "twarc-csv CSV (twarc2 csv)"),
        Format(
            "twitter_v1_jsonl", "twitter", "jsonl", "legacy v1.1 tweet JSON (twarc 1.x, Tweepy)"
        ),
        Format(
            "ycd_jsonl", "youtube", "jsonl", "youtube-comment-downloader JSONL (or --pretty JSON)"
        ),
        Format(
            "youtube_api", "youtube", "json", "YouTube Data API v3 commentThreads / comments JSON"
        ),
        Format("pushshift_ndjson", "reddit", "jsonl", "Reddit Pushshift / Arctic Shift NDJSON"),
        Format("4cat_csv", "4cat", "csv", "4CAT CSV export (platform inferred from the columns)"),
        Format("4cat_ndjson", "4cat", "jsonl", "4CAT NDJSON export (raw items of its datasource)"),
        Format(
            "generic_csv",
            "generic",
            "csv",
            "any CSV/TSV with canonical or common column names, or --map",
        ),
        Format("generic_json", "generic", "json", "a JSON array of flat comment objects"),
        Format("generic_ndjson", "generic", "jsonl", "NDJSON of flat comment objects"),
        Format(
            "generic_parquet", "generic", "parquet", "Parquet with canonical or common column names"
        ),
    ]
}


@dataclass
class IngestResult:
    """The canonical comments, the rejects and the bookkeeping of one ingest."""

    comments: pl.DataFrame
    rejects: pl.DataFrame
    files: list[dict[str, Any]] = field(default_factory=list)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    """Files found in input folders that are of no known format: path and why."""

    @property
    def rows_read(self) -> int:
        """Content records read over all inputs."""
        return sum(f["rows_read"] for f in self.files)

    @property
    def duplicates(self) -> int:
        """Exact duplicate rows dropped (same platform and id, same content)."""
        return sum(f["duplicates"] for f in self.files)

    def counts(self) -> dict[str, Any]:
        """Row counts for run.json and the report."""
        reasons = (
            self.rejects.group_by("reason").len().sort("reason").rows()
            if self.rejects.height
            else []
        )
        return {
            "rows_read": self.rows_read,
            "accepted": self.comments.height,
            "rejected": self.rejects.height,
            "duplicates_dropped": self.duplicates,
            "skipped_non_content": sum(sum(f["skipped"].values()) for f in self.files),
            "rejects_by_reason": dict(reasons),
            "files_skipped": len(self.skipped_files),
        }

    def failures(self) -> list[str]:
        """What makes this ingest unusable, one sentence per file, with the likely fix.

        A file whose every record was rejected was most likely read with the wrong reader or
        needs an option (``--naive-tz``, ``--map``); a run that accepted nothing cannot go on.
        Empty: every file gave at least one comment.
        """
        out = []
        for f in self.files:
            if f["rows_read"] == 0 or f["accepted"] + f["duplicates"] > 0:
                continue
            reasons = (
                self.rejects.filter(pl.col("source").str.starts_with(f["path"]))
                .group_by("reason")
                .len()
                .sort(["len", "reason"], descending=[True, False])
                .rows()
            )
            if any(r == "conflicting_duplicate" for r, _ in reasons):
                continue  # read before from another file: the reader did its work
            top = ", ".join(f"{r} {n:,}" for r, n in reasons[:3])
            main = reasons[0][0] if reasons else ""
            out.append(
                f"{f['path']}: all {f['rows_read']:,} records were rejected by the "
                f"{f['format']} reader ({top}); {_fix_for(main, f['format'])}"
            )
        if not out and self.rows_read and self.comments.height == 0:
            out.append("no comment was accepted; see rejects.csv")
        return out

    def check_invariant(self) -> None:
        """Raise InvariantError unless read = accepted + rejected + duplicates (per file too)."""
        total = self.comments.height + self.rejects.height + self.duplicates
        if self.rows_read != total:
            raise InvariantError(
                f"ingest lost rows: read {self.rows_read}, but accepted {self.comments.height} "
                f"+ rejected {self.rejects.height} + duplicates {self.duplicates} = {total}. "
                "This is a bug; please report it with run.json."
            )
        for f in self.files:
            if f["rows_read"] != f["accepted"] + f["rejected"] + f["duplicates"]:
                raise InvariantError(f"ingest lost rows in {f['path']}: {f}")


def _noop(*_: Any, **__: Any) -> None:
    return None


def _fix_for(reason: str, fmt: str) -> str:
    """The likely fix when every record of a file was rejected for ``reason``."""
    if reason == "naive_timestamp":
        return "its times have no zone: add --naive-tz UTC (or the zone they were written in)"
    if reason in ("bad_json", "not_a_record", "bad_encoding", "wrong_column_count"):
        return (
            f"the file is probably not {fmt}: name its format with --format "
            "(see `bot-analysis formats`)"
        )
    if reason in ("missing_text", "missing_id", "bad_timestamp", "missing_account"):
        return (
            "name its columns with --map, e.g. --map text=body --map created_at=date "
            "(see `bot-analysis formats` and the README)"
        )
    return "see rejects.csv for each record's reason"


# ---------------------------------------------------------------------------------------------
# Sniffing


def _keys_format(obj: Any) -> str | None:
    """The format of one JSON record (a JSONL line), from its keys (FORMATS.md section 9)."""
    if not isinstance(obj, dict):
        return None
    k = obj.keys()
    if "response" in k or ("error" in k and "error_code" in str(obj.get("error"))):
        return "vk_api"
    if obj.get("_") in ("Message", "MessageService") or ("peer_id" in k and "message" in k):
        return "telethon_jsonl"
    if "_type" in k:
        return "4cat_ndjson"
    if "messages" in k or isinstance(obj.get("chats"), dict):
        return "tdesktop_json"  # a result.json written on one line
    if "data" in k and ("includes" in k or "__twarc" in k or "meta" in k):
        return "twarc2_jsonl"
    if "author_id" in k and "conversation_id" in k:
        return "twarc2_flat_jsonl"
    if ("id_str" in k or "full_text" in k or "user" in k) and "created_at" in k:
        return "twitter_v1_jsonl"
    if ("cid" in k and ("votes" in k or "channel" in k)) or {"votes", "channel", "heart"} <= k:
        return "ycd_jsonl"
    if str(obj.get("kind", "")).startswith("youtube#"):
        return "youtube_api"
    if "subreddit" in k and ("link_id" in k or "created_utc" in k):
        return "pushshift_ndjson"
    if "from_id" in k and "owner_id" in k and "date" in k:
        return "4cat_ndjson"  # raw VK items, as 4CAT's VK datasource stores them
    return None


def _doc_format(doc: Any) -> str:
    if isinstance(doc, dict):
        if "response" in doc or ("items" in doc and "from_id" in str(doc.get("items", ""))[:2000]):
            return "vk_api"
        if "messages" in doc or ("chats" in doc and isinstance(doc["chats"], dict)):
            return "tdesktop_json"
        if str(doc.get("kind", "")).startswith("youtube#"):
            return "youtube_api"
        if isinstance(doc.get("comments"), list):
            first = next(iter(doc["comments"]), None)
            if _keys_format(first) == "ycd_jsonl":
                return "ycd_jsonl"
        return "generic_json"
    if isinstance(doc, list) and doc:
        first = doc[0]
        fmt = _keys_format(first)
        if fmt in ("vk_api", "youtube_api"):
            return fmt
        if fmt is not None:
            return f"list:{fmt}"
    return "generic_json"


# Bytes that text never holds (C0 controls other than tab, newline, form feed, return, escape).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _binary(head: bytes) -> bool:
    """Whether ``head`` (UTF-8 already) is not text: over 5% control bytes."""
    return len(head) - len(head.translate(None, _CONTROL)) > 0.05 * len(head)


def sniff_format(inp: InputFile, sample: bytes, raw_head: bytes) -> str:
    """Return the format name of an input from its first bytes (content first, name second).

    Raises
    ------
    InputError
        If the content matches no known format.
    """
    if raw_head.startswith(b"PAR1") or inp.name.lower().endswith(".parquet"):
        return "generic_parquet"
    text = sample.lstrip()
    if not text:
        return "empty"
    if _binary(text[:8192]):
        raise InputError(
            f"{inp.display}: a binary file (an image, an archive of an unknown kind or a "
            "program), not a comment dump. Known formats: see `bot-analysis formats`."
        )
    if text[:1] in (b"{", b"["):
        # JSON Lines if any of the first lines is a whole object (the first may be truncated).
        # The most common kind among the first 50 lines decides (one record may lack a key).
        lines = text.split(b"\n")
        votes: dict[str, int] = {}
        if lines[0].strip() in (b"{", b"[") or text[:1] == b"[":
            return "json"  # a pretty-printed document or an array: classified after loading
        for line in lines[: min(len(lines) - 1, 50) or 1]:
            if not line.startswith(b"{"):  # JSON Lines are never indented
                continue
            try:
                obj = orjson.loads(line.strip())
            except orjson.JSONDecodeError:
                continue
            if not isinstance(obj, dict):
                break
            kind = _keys_format(obj) or "generic_ndjson"
            votes[kind] = votes.get(kind, 0) + (kind != "generic_ndjson") * 2 + 1
        if votes:
            return max(votes, key=lambda k: votes[k])
        return "json"  # a JSON document: classified after loading
    header = text.split(b"\n", 1)[0].decode("utf-8", errors="replace").lower()
    if header.startswith("id,conversation_id,") or "referenced_tweets.replied_to.id" in header:
        return "twarc_csv"
    cols = {c.strip().strip('"') for c in header.replace("\t", ",").replace(";", ",").split(",")}
    if {"id", "thread_id", "body", "author", "timestamp"} <= cols or {
        "id",
        "thread_id",
        "body",
        "unix_timestamp",
    } <= cols:
        return "4cat_csv"
    if len(cols) >= 2:
        return "generic_csv"
    raise InputError(
        f"{inp.display}: unknown format. Known formats: {', '.join(FORMATS)}. "
        "Name one with --format, or map columns with --map comment_id=... --map text=..."
    )


# ---------------------------------------------------------------------------------------------
# Reading


def read_inputs(
    paths: list[str | Path],
    config: IngestConfig | None = None,
    *,
    fmt: str | None = None,
    progress: Progress = _noop,
    engine: Engine | None = None,
) -> IngestResult:
    """Read every input into one canonical table.

    Parameters
    ----------
    paths : list of str or Path
        Files, folders (read recursively, sorted) or zip archives.
    config : IngestConfig, optional
        Batch sizes, time zone for naive times, column mapping, YouTube video id.
    fmt : str, optional
        Force a format (one of ``FORMATS``) instead of sniffing.
    progress : callable, optional
        Called as ``progress("ingest", rows_done, None, info=file)``.
    engine : Engine, optional
        Where parsing runs (see :mod:`bot_analysis.engine`); default: in this process. Line
        formats (JSONL, NDJSON) are cut into blocks of whole lines that parse in parallel;
        other files are parsed whole, one task each. Results are joined in input order.

    Returns
    -------
    IngestResult
        ``comments`` (canonical columns, see ``schema.py``), ``rejects`` (source, reason,
        detail, raw) and ``files`` (per-file counts, encodings, sizes and SHA-256).

    Raises
    ------
    InputError
        A missing path, an unknown format, or inputs without a single row.
    """
    from ..engine import LocalEngine

    cfg = config or IngestConfig()
    engine = engine or LocalEngine(1)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}; known formats: {', '.join(FORMATS)}")
    inputs = expand_inputs(paths)
    frames: list[pl.DataFrame] = []
    rejects: list[pl.DataFrame] = []
    files: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    done = 0
    t0 = time.perf_counter()
    # SHA-256 of each input is computed on a second thread while the first parses (hashlib
    # releases the GIL), so recording provenance costs no wall time.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digests = {p: pool.submit(file_sha256, p) for p in dict.fromkeys(i.path for i in inputs)}
        plans = [_plan_or_skip(inp, cfg, fmt, engine, skipped) for inp in inputs]
        for inp, plan in zip(inputs, plans, strict=True):
            if plan is None:
                continue
            report = partial(_report_file, progress, done, inp.display)
            try:
                stats, acc, rej = plan.collect(engine, report)
            except InputError as e:
                _skip_or_raise(inp, e, skipped)
                continue
            idx = len(files)
            done += stats["rows_read"]
            progress("ingest", done, None, info=inp.display)
            acc = acc.with_columns(pl.lit(idx, dtype=pl.Int32).alias("__file"))
            frames.append(acc)
            rejects.append(rej)
            stats["seconds"] = round(time.perf_counter() - t0, 3)  # done by then (files overlap)
            stats["sha256"] = digests[inp.path].result()
            files.append(stats)
            log.info("ingest: %s (%s): %d rows", inp.display, stats["format"], stats["rows_read"])
    for s in skipped:
        log.warning("skipped %s: %s", s["path"], s["why"])
    comments = pl.concat(frames, how="vertical") if frames else empty_comments()
    all_rejects = pl.concat(rejects, how="vertical") if rejects else empty_rejects()
    comments, dup_counts, conflicts = _drop_duplicates(comments)
    for idx, stats in enumerate(files):
        stats["duplicates"] = dup_counts.get(idx, 0)
        stats["accepted"] -= stats["duplicates"]
    # a same-id row with other content moves from accepted to rejected in its file
    for idx in conflicts["__file_idx"].to_list():
        files[idx]["accepted"] -= 1
        files[idx]["rejected"] += 1
    if conflicts.height:
        all_rejects = pl.concat([all_rejects, conflicts.drop("__file_idx")], how="vertical")
    all_rejects = all_rejects.select(list(REJECTS_SCHEMA))
    comments = comments.drop("__file")
    if sum(f["rows_read"] for f in files) == 0:
        also = f"; skipped {len(skipped)} file(s) of no known format" if skipped else ""
        raise InputError(
            f"no comments found in {', '.join(map(str, paths))}: the input is empty "
            f"(files: {', '.join(f['path'] for f in files) or 'none read'}{also})"
        )
    result = IngestResult(validate_comments(comments), all_rejects, files, skipped)
    result.check_invariant()
    return result


def _report_file(progress: Progress, done0: int, display: str, rows: int) -> None:
    progress("ingest", done0 + rows, None, info=display)


@dataclass
class _WholeFile:
    """A file parsed by one task (CSV, Parquet, JSON documents)."""

    handle: Any

    def collect(
        self, engine: Engine, report: Callable[[int], None]
    ) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
        stats, acc, rej = engine.gather([self.handle])[0]
        return stats, conform(acc), rej


@dataclass
class _Blocks:
    """A line format cut into blocks of whole lines, one task each."""

    stats: dict[str, Any]
    name: str
    handles: list[Any]

    def collect(
        self, engine: Engine, report: Callable[[int], None]
    ) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
        return _merge_blocks(self.stats, self.name, engine.gather(self.handles), report)


def _merge_blocks(
    stats: dict[str, Any], name: str, results: list[Any], report: Callable[[int], None]
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    """Join the :func:`parse_block` results of one file, in order, into its counts and rows."""
    accs, rejs = [], []
    for acc, rej, nread, skipped in results:
        accs.append(conform(acc))
        rejs.append(rej)
        stats["rows_read"] += nread
        for k, v in skipped.items():
            stats["skipped"][k] = stats["skipped"].get(k, 0) + v
        report(stats["rows_read"])
    acc = pl.concat(accs, how="vertical") if accs else empty_comments()
    rej = pl.concat(rejs, how="vertical") if rejs else empty_rejects()
    if name == "twitter_v1_jsonl" and acc.height:
        acc = resolve_thread_roots(acc)  # needs the whole file
    stats["accepted"] = acc.height
    stats["rejected"] = rej.height
    return stats, acc, rej


def _by_lines(name: str, head: bytes) -> bool:
    """Whether ``name`` is read line by line from this file (vk_api and youtube_api files may
    also hold one JSON document)."""
    return name in _LINE_FORMATS and not (name in _DOC_OR_LINES and not _looks_jsonl(head))


def _plan(inp: InputFile, cfg: IngestConfig, fmt: str | None, engine: Engine) -> Any:
    """Sniff ``inp`` and submit its parsing: by blocks for line formats, else whole."""
    with open_utf8(inp) as opened:
        stream = opened.stream
        name = fmt or _sniff(inp, opened.head)
        if _by_lines(name, opened.head):
            stats = _file_stats(inp, opened.encoding, name)
            handles: list[Any] = []
            window = 2 * engine.workers + 1  # blocks in flight: bounds the client's memory
            for first, block in iter_blocks(stream, cfg.block_bytes):
                handles.append(engine.submit(parse_block, name, inp, cfg, first, block))
                if len(handles) > window:
                    engine.wait(handles[-window - 1])
            if opened.cut:
                handles.append(engine.submit(_cut_block, inp.display, opened.cut, opened.tail))
            return _Blocks(stats, name, handles)
    return _WholeFile(engine.submit(read_file, inp, cfg, fmt))


def _skip_or_raise(inp: InputFile, err: InputError, skipped: list[dict[str, str]]) -> None:
    """A file found in a folder that is of no known format (a photo beside a Telegram
    export's result.json) goes to ``skipped`` with why; a file the user named raises."""
    if not inp.in_folder:
        raise err
    skipped.append({"path": inp.display, "why": str(err).removeprefix(f"{inp.display}: ")})


def _plan_or_skip(
    inp: InputFile, cfg: IngestConfig, fmt: str | None, engine: Engine, skipped: list
) -> Any:
    """:func:`_plan`, or None for a file that :func:`_skip_or_raise` skips."""
    try:
        return _plan(inp, cfg, fmt, engine)
    except InputError as e:
        _skip_or_raise(inp, e, skipped)
        return None


def _sniff(inp: InputFile, sample: bytes) -> str:
    with open(inp.path, "rb") as fh:
        raw_head = fh.read(4) if inp.member is None else b""
    return sniff_format(inp, sample, raw_head)


def _file_stats(inp: InputFile, encoding: str, name: str) -> dict[str, Any]:
    return {
        "path": inp.display,
        "size_bytes": inp.size,
        "encoding": encoding,
        "format": name,
        "rows_read": 0,
        "accepted": 0,
        "rejected": 0,
        "duplicates": 0,
        "skipped": {},
    }


def read_file(
    inp: InputFile, cfg: IngestConfig, fmt: str | None
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    """Partition function: parse one whole file -> (stats, accepted, rejected)."""
    stats, acc, rej = _read_one(inp, cfg, fmt, _noop, 0)
    return stats, _slim(acc), rej


def _drop_duplicates(df: pl.DataFrame) -> tuple[pl.DataFrame, dict[int, int], pl.DataFrame]:
    """Drop exact duplicates of (platform, comment_id); a same-id row with other content is
    rejected as ``conflicting_duplicate`` (the first one read is kept)."""
    key = ["platform", "comment_id"]
    if df["platform"].n_unique() <= 1 and df["comment_id"].n_unique() == df.height:
        return df, {}, pl.DataFrame(schema={**REJECTS_SCHEMA, "__file_idx": pl.Int32})
    first = df.select(pl.struct(key).is_first_distinct()).to_series()
    if first.all():
        return df, {}, pl.DataFrame(schema={**REJECTS_SCHEMA, "__file_idx": pl.Int32})
    df = df.with_columns(pl.Series("__first", first))
    firsts = df.filter(pl.col("__first"))
    later = df.filter(~pl.col("__first")).join(
        firsts.select(*key, "account_id", "created_at", "text").rename(
            {"account_id": "__a", "created_at": "__t", "text": "__x"}
        ),
        on=key,
        how="left",
    )
    same = (
        (pl.col("account_id").eq_missing(pl.col("__a")))
        & (pl.col("created_at") == pl.col("__t"))
        & (pl.col("text") == pl.col("__x"))
    )
    later = later.with_columns(same.alias("__same"))
    dups = later.filter(pl.col("__same"))
    conf = later.filter(~pl.col("__same"))
    dup_counts = dict(dups.group_by("__file").len().rows())
    conflicts = conf.select(
        pl.col("source"),
        pl.lit("conflicting_duplicate").alias("reason"),
        pl.concat_str(
            pl.col("platform"),
            pl.lit(":"),
            pl.col("comment_id"),
            pl.lit(" was read before with other content; the first is kept"),
        ).alias("detail"),
        pl.col("text").str.slice(0, 300).alias("raw"),
        pl.col("__file").alias("__file_idx"),
    )
    return firsts.drop("__first"), dup_counts, conflicts


def _read_one(
    inp: InputFile, cfg: IngestConfig, fmt: str | None, progress: Progress, done0: int
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    with open_utf8(inp) as opened:
        stream = opened.stream
        name = fmt or _sniff(inp, opened.head)
        stats = _file_stats(inp, opened.encoding, name)
        report = partial(progress, "ingest", info=inp.display)
        if name == "empty":  # (or cut before its first whole record: see below)
            acc, rej = empty_comments(), empty_rejects()
        elif _by_lines(name, opened.head):
            blocks = iter_blocks(stream, cfg.block_bytes)
            results = [parse_block(name, inp, cfg, first, block) for first, block in blocks]
            if opened.cut:
                results.append(_cut_block(inp.display, opened.cut, opened.tail))
            return _merge_blocks(stats, name, results, lambda n: report(done0 + n, None))
        elif name == "generic_parquet":
            acc, rej, nread = _read_parquet(inp, cfg, report, done0)
            stats.update(rows_read=nread)
        elif name in ("twarc_csv", "4cat_csv", "generic_csv"):
            acc, rej, nread = _read_csv(stream, inp, name, cfg, report, done0)
            stats.update(rows_read=nread)
        elif name == "generic_ndjson":
            acc, rej, nread = _read_generic_ndjson(stream, inp, cfg, report, done0)
            stats.update(rows_read=nread)
        else:
            acc, rej, sink = _read_json_doc(stream, inp, cfg, report, done0)
            # a JSON document is classified after loading: report what it turned out to be
            stats.update(rows_read=sink.rows_read, skipped=sink.skipped, format=sink.source_format)
        if opened.cut:
            if acc.height == 0 and rej.height == stats["rows_read"] == 1:
                rej = rej.clear()  # a cut JSON document: the cut is its one reject
                stats["rows_read"] = 0
            rej = pl.concat([rej, _cut_block(inp.display, opened.cut, opened.tail)[1]])
            stats["rows_read"] += 1
    stats["accepted"] = acc.height
    stats["rejected"] = rej.height
    return stats, acc, rej


def _record_mapper(name: str, inp: InputFile, cfg: IngestConfig) -> Callable[..., None]:
    video = cfg.youtube_video_id or Path(inp.name).name.split(".")[0]
    mappers: dict[str, Callable[..., None]] = {
        "telethon_jsonl": telegram.map_telethon,
        "twarc2_jsonl": twitter.map_twarc2_page,
        "twarc2_flat_jsonl": twitter.map_twarc2_flat,
        "twitter_v1_jsonl": twitter.map_v1,
        "ycd_jsonl": partial(youtube.map_ycd, video_id=video),
        "pushshift_ndjson": reddit.map_reddit,
        "4cat_ndjson": _map_4cat_ndjson,
        "vk_api": lambda obj, sink, src: vk.read_vk_doc(obj, sink, src + ":$"),
        "youtube_api": lambda obj, sink, src: youtube.read_youtube_api_doc(obj, sink, src + ":$"),
    }
    return mappers[name]


def _map_4cat_ndjson(obj: dict, sink: RowSink, src: str) -> None:
    """4CAT NDJSON holds its datasource's raw items: dispatch on the item's shape."""
    kind = _keys_format(obj)
    if kind == "4cat_ndjson" and "_type" in obj:
        telegram.map_telethon(obj, sink, src)
    elif kind == "4cat_ndjson":
        vk._item(obj, src, sink, {}, obj.get("owner_id"), obj.get("post_id"))
    elif kind == "twarc2_flat_jsonl" or "author_id" in obj:
        sink.platform = "twitter"
        twitter.map_twarc2_flat(obj, sink, src)
    elif kind == "pushshift_ndjson":
        reddit.map_reddit(obj, sink, src)
    else:
        sink.reject(src, "not_a_record", "a 4CAT item of an unknown datasource", obj)


# Formats read record by record, line by line (see _by_lines).
_LINE_FORMATS = frozenset(
    {
        "vk_api",
        "youtube_api",
        "telethon_jsonl",
        "twarc2_jsonl",
        "twarc2_flat_jsonl",
        "twitter_v1_jsonl",
        "ycd_jsonl",
        "pushshift_ndjson",
        "4cat_ndjson",
    }
)
_DOC_OR_LINES = frozenset({"vk_api", "youtube_api"})


def parse_block(
    name: str, inp: InputFile, cfg: IngestConfig, first_lineno: int, block: bytes
) -> tuple[pl.DataFrame, pl.DataFrame, int, dict[str, int]]:
    """Partition function: parse a block of whole lines of a line format.

    Returns (accepted, rejected, rows read, skipped non-content records); sources name the
    file and the line number (``first_lineno`` is the block's first line).
    """
    fmt = FORMATS.get(name)
    sink = RowSink(inp.display, name, fmt.platform if fmt else "generic", cfg.batch_rows)
    mapper = _record_mapper(name, inp, cfg)
    loads = orjson.loads
    file = inp.display
    for lineno, line in block_lines(block, first_lineno):
        src = f"{file}:{lineno}"
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as e:
            _bad_line(sink, src, line, e)
            continue
        if not isinstance(obj, dict):
            sink.reject(src, "not_a_record", "a JSON value that is not an object", line)
            continue
        rows, skips = sink.rows_read, sink.n_skipped
        mapper(obj, sink, src)
        if sink.rows_read == rows:
            _no_rows(sink, name, obj, src, line, sink.n_skipped - skips)
    sink.flush()
    acc = pl.concat(sink.batches, how="vertical") if sink.batches else empty_comments()
    rej = pl.concat(sink.reject_batches, how="vertical") if sink.reject_batches else empty_rejects()
    return _slim(acc), rej, sink.rows_read, sink.skipped


def _slim(acc: pl.DataFrame) -> pl.DataFrame:
    """A worker's rows without the optional columns that are null throughout: they are made
    again by :func:`conform` where the rows arrive, instead of travelling (pickled, a null
    column costs its offsets: 54 MB per million rows for the four re-share columns)."""
    empty = [c for c in OPTIONAL_SCHEMA if acc[c].null_count() == acc.height]
    return acc.drop(empty) if acc.height else acc


def _cut_block(
    file: str, cut: str, tail: bytes
) -> tuple[pl.DataFrame, pl.DataFrame, int, dict[str, int]]:
    """Partition function's result for the cut of a compressed input: one reject,
    ``truncated_stream``, holding the partial record the cut left."""
    rej = pl.DataFrame(
        {
            "source": [f"{file}:end"],
            "reason": ["truncated_stream"],
            "detail": [f"{cut}; the complete records before the cut were read"],
            "raw": [excerpt(tail)],
        },
        schema=REJECTS_SCHEMA,
    )
    return empty_comments(), rej, 1, {}


def _no_rows(sink: RowSink, name: str, obj: dict, src: str, line: bytes, skips: int) -> None:
    """A line that gave no row: a record of another format is rejected (never dropped, nor
    skipped as this format's non-content record); one of this format that gave nothing is
    skipped as an empty page."""
    kind = _keys_format(obj)
    if kind is not None and kind != name and name != "4cat_ndjson":
        sink.unskip(skips)
        sink.reject(src, "not_a_record", f"a {kind} record, not {name}", line)
    elif skips == 0:
        sink.skip("empty_page")


def _looks_jsonl(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0]
    try:
        orjson.loads(first)
        return True
    except orjson.JSONDecodeError:
        return False


def _bad_line(sink: RowSink, src: str, line: bytes, err: Exception) -> None:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as e:
        sink.reject(src, "bad_encoding", f"invalid UTF-8 byte at offset {e.start}", line)
        return
    sink.reject(src, "bad_json", f"not valid JSON: {str(err)[:120]}", line)


def _collect(sink: RowSink, name: str) -> tuple[pl.DataFrame, pl.DataFrame, RowSink]:
    acc = pl.concat(sink.batches, how="vertical") if sink.batches else empty_comments()
    rej = pl.concat(sink.reject_batches, how="vertical") if sink.reject_batches else empty_rejects()
    if name == "twitter_v1_jsonl" and acc.height:
        acc = resolve_thread_roots(acc)
    return acc, rej, sink


def _read_json_doc(
    stream: Any, inp: InputFile, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, RowSink]:
    data = stream.read()
    file = inp.display
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as first_error:
        try:
            doc = orjson.loads(telegram.fix_tdesktop_json(data))
        except orjson.JSONDecodeError:
            sink = RowSink(file, "json", "generic", cfg.batch_rows)
            lines = [(i, ln) for i, ln in enumerate(data.split(b"\n"), 1) if ln.strip()]
            if len(lines) > 1 and all(ln.lstrip().startswith(b"{") for _, ln in lines):
                # JSON Lines in which no line parses: each line is a broken record.
                for i, ln in lines:
                    _bad_line(sink, f"{file}:{i}", ln, first_error)
            else:
                reason = "bad_encoding" if _invalid_utf8(data) else "bad_json"
                detail = f"the file is not valid JSON: {first_error}"
                sink.reject(f"{file}:$", reason, detail, data[:300])
            sink.flush()
            return _collect(sink, "json")
    kind = _doc_format(doc)
    if kind.startswith("list:"):
        inner = kind[5:]
        fmt = FORMATS[inner]
        sink = RowSink(file, inner, fmt.platform, cfg.batch_rows)
        if inner == "generic_ndjson":
            kind = "generic_json"
        else:
            mapper = _record_mapper(inner, inp, cfg)
            for i, obj in enumerate(doc):
                if isinstance(obj, dict):
                    mapper(obj, sink, f"{file}:$[{i}]")
                else:
                    sink.reject(f"{file}:$[{i}]", "not_a_record", "expected an object", obj)
            sink.flush()
            return _collect(sink, inner)
    if kind == "generic_json":
        records = doc
        if isinstance(doc, dict):
            records = next((v for v in doc.values() if isinstance(v, list)), [])
        if not isinstance(records, list):
            records = []
        acc, rej, n = _generic_records(
            records, list(range(len(records))), inp, cfg, f"{file}:$[{{}}]"
        )
        sink = RowSink(file, "generic_json", "generic", cfg.batch_rows)
        sink.rows_read = n
        sink.batches = [acc]
        sink.reject_batches = [rej]
        return _collect(sink, "generic_json")
    fmt = FORMATS[kind]
    sink = RowSink(file, kind, fmt.platform, cfg.batch_rows)
    where = f"{file}:$"
    if kind == "vk_api":
        vk.read_vk_doc(doc, sink, where)
    elif kind == "tdesktop_json":
        telegram.read_tdesktop_doc(doc, sink, where)
    elif kind == "youtube_api":
        youtube.read_youtube_api_doc(doc, sink, where)
    elif kind == "ycd_jsonl":
        mapper = _record_mapper("ycd_jsonl", inp, cfg)
        for i, obj in enumerate(doc["comments"]):
            mapper(obj, sink, f"{where}.comments[{i}]")
    sink.flush()
    report(done0 + sink.rows_read, None)
    return _collect(sink, kind)


def _invalid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _stringify(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    return orjson.dumps(v).decode()


def _generic_records(
    records: list, lines: list[int], inp: InputFile, cfg: IngestConfig, where: str
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Flat JSON objects -> generic frame (every value as a string, ids exact).

    ``where`` is the source pattern with ``{}`` for the record's line or index.
    """
    keys: dict[str, None] = {}
    good = []
    good_lines = []
    rej: dict[str, list[Any]] = {k: [] for k in REJECTS_SCHEMA}
    for r, line in zip(records, lines, strict=True):
        if isinstance(r, dict):
            keys.update(dict.fromkeys(r))
            good.append(r)
            good_lines.append(line)
        else:
            rej["source"].append(where.format(line))
            rej["reason"].append("not_a_record")
            rej["detail"].append("expected a flat JSON object")
            rej["raw"].append(repr(r)[:300])
    rejects = pl.DataFrame(rej, schema=REJECTS_SCHEMA)
    if not good:
        return empty_comments(), rejects, len(records)
    cols = list(keys)
    data = {k: [_stringify(r.get(k)) for r in good] for k in cols}
    frame = pl.DataFrame(data, schema=dict.fromkeys(cols, pl.String)).with_columns(
        pl.Series("__line", good_lines, dtype=pl.Int64)
    )
    colmap = resolve_columns(cols, dict(cfg.mapping) or None)
    fmt = "generic_json" if "$" in where else "generic_ndjson"
    acc, rej2 = convert_generic(frame, where, colmap, cfg.naive_tz, fmt)
    return acc, pl.concat([rejects, rej2]), len(records)


def _read_generic_ndjson(
    stream: Any, inp: InputFile, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    file = inp.display
    accs, rejs = [], []
    n = 0
    batch: list[Any] = []
    batch_lines: list[int] = []
    sink = RowSink(file, "generic_ndjson", "generic", cfg.batch_rows)
    for lineno, line in iter_lines(stream, cfg.block_bytes):
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            _bad_line(sink, f"{file}:{lineno}", line, e)
            continue
        batch.append(obj)
        batch_lines.append(lineno)
        if len(batch) >= cfg.batch_rows:
            acc, rej, k = _generic_records(batch, batch_lines, inp, cfg, f"{file}:{{}}")
            accs.append(acc)
            rejs.append(rej)
            n += k
            batch, batch_lines = [], []
            report(done0 + n, None)
    if batch:
        acc, rej, k = _generic_records(batch, batch_lines, inp, cfg, f"{file}:{{}}")
        accs.append(acc)
        rejs.append(rej)
        n += k
    sink.flush()
    acc = pl.concat(accs) if accs else empty_comments()
    rej = (
        pl.concat([*rejs, *sink.reject_batches]) if rejs or sink.reject_batches else empty_rejects()
    )
    return acc, rej, n + sink.rows_read


def _read_csv(
    stream: Any, inp: InputFile, name: str, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    file = inp.display
    try:
        columns, blocks = iter_csv_blocks(stream, file, cfg.block_bytes)
    except ValueError:
        return empty_comments(), empty_rejects(), 0
    colmap = None
    if name == "generic_csv":
        colmap = resolve_columns(columns, dict(cfg.mapping) or None)
    accs, rejs = [], []
    pending: list[pl.DataFrame] = []
    n = 0

    def convert() -> None:
        # Blocks of raw rows are mapped together, batch_rows at a time: fewer, larger polars
        # operations (each has a fixed cost) while memory stays bounded by the batch.
        if not pending:
            return
        frame = pl.concat(pending)
        pending.clear()
        if name == "twarc_csv":
            acc, rej = convert_twarc_csv(frame, file)
        elif name == "4cat_csv":
            acc, rej = convert_4cat(frame, file, inp.name)
        else:
            acc, rej = convert_generic(frame, file, colmap or {}, cfg.naive_tz, "generic_csv")
        accs.append(acc)
        rejs.append(rej)

    for block in blocks:
        n += block.records
        rejs.append(block.rejects)
        if block.frame.height:
            pending.append(block.frame)
            if sum(f.height for f in pending) >= cfg.batch_rows * 5:
                convert()
        report(done0 + n, None)
    convert()
    acc = pl.concat(accs) if accs else empty_comments()
    rej = pl.concat(rejs) if rejs else empty_rejects()
    return acc, rej, n


def _read_parquet(
    inp: InputFile, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(inp.path)
    except Exception as e:  # pyarrow raises several types for a broken file
        raise InputError(f"{inp.display} is not a readable Parquet file: {e}") from None
    colmap = resolve_columns(pf.schema_arrow.names, dict(cfg.mapping) or None)
    accs, rejs = [], []
    n = 0
    for batch in pf.iter_batches(batch_size=cfg.batch_rows):
        frame = pl.DataFrame(pl.from_arrow(batch))
        frame = frame.with_columns(pl.int_range(n + 1, n + 1 + frame.height).alias("__line"))
        for canon in ("comment_id", "account_id", "thread_id", "parent_id"):
            col = colmap.get(canon)
            if col and frame.schema[col] != pl.String:
                frame = frame.with_columns(pl.col(col).cast(pl.String))
        acc, rej = convert_generic(
            frame, f"{inp.display}:row {{}}", colmap, cfg.naive_tz, "generic_parquet"
        )
        n += frame.height
        accs.append(acc)
        rejs.append(rej)
        report(done0 + n, None)
    acc = pl.concat(accs) if accs else empty_comments()
    rej = pl.concat(rejs) if rejs else empty_rejects()
    return acc, rej, n


def resolve_thread_roots(df: pl.DataFrame) -> pl.DataFrame:
    """Set ``thread_id`` where it is null to the root of the reply chain within the table.

    A chain that leaves the table ends at the missing parent's id, so replies to one tweet
    that was not collected still share a thread. Pointer jumping: O(log depth) joins.
    """
    need = df["thread_id"].is_null()
    if not need.any():
        return df
    ids = df.select("comment_id", "parent_id")
    up = ids.with_columns(
        pl.when(pl.col("parent_id").is_in(ids["comment_id"].implode()))
        .then(pl.col("parent_id"))
        .otherwise(None)
        .alias("up"),
        pl.col("parent_id").alias("top"),
    )
    # top: the highest ancestor reached so far (its id, or the missing parent's id)
    up = up.with_columns(pl.coalesce("parent_id", "comment_id").alias("top"))
    for _ in range(64):
        step = up.select("comment_id", "up", "top").rename(
            {"comment_id": "up", "up": "up2", "top": "top2"}
        )
        nxt = up.join(step, on="up", how="left")
        changed = nxt["up"].is_not_null().any()
        up = nxt.select(
            "comment_id",
            "parent_id",
            pl.col("up2").alias("up"),
            pl.when(pl.col("up").is_not_null())
            .then(pl.col("top2"))
            .otherwise(pl.col("top"))
            .alias("top"),
        )
        if not changed:
            break
    roots = up.select("comment_id", "top")
    out = df.join(roots, on="comment_id", how="left", maintain_order="left")
    return out.with_columns(pl.coalesce("thread_id", "top").alias("thread_id")).drop("top")
