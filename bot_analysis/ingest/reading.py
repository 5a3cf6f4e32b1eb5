"""Reading one file: its plan, and dispatch to its format's reader.

Reading one file: its plan (a whole-file task, or blocks of whole lines that parse in parallel), and
dispatch to its format's reader.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson
import polars as pl

from ..config import IngestConfig
from ..errors import InputError
from ..schema import (
    OPTIONAL_SCHEMA,
    REJECTS_SCHEMA,
    conform,
    empty_comments,
    empty_rejects,
)
from ._io import (
    InputFile,
    block_lines,
    iter_blocks,
    open_utf8,
)
from ._sink import RowSink, excerpt
from .dedup import resolve_thread_roots
from .formats import FORMATS
from .generic import read_csv, read_generic_ndjson, read_json_doc, read_parquet
from .records import bad_line, record_mapper
from .sniff import by_lines, keys_format, sniff_file

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["Progress", "noop", "parse_block", "plan_or_skip", "read_file", "skip_or_raise"]
log = logging.getLogger(__package__)


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


def _plan(inp: InputFile, cfg: IngestConfig, fmt: str | None, engine: Engine) -> Any:
    """Sniff ``inp`` and submit its parsing: by blocks for line formats, else whole."""
    with open_utf8(inp) as opened:
        stream = opened.stream
        name = fmt or sniff_file(inp, opened.head)
        if by_lines(name, opened.head):
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


def skip_or_raise(inp: InputFile, err: InputError, skipped: list[dict[str, str]]) -> None:
    """Skip a file of no known format found in a folder; raise for one the user named.

    A file found in a folder that is of no known format (a photo beside a Telegram export's
    result.json) goes to ``skipped`` with why; a file the user named raises.
    """
    if not inp.in_folder:
        raise err
    skipped.append({"path": inp.display, "why": str(err).removeprefix(f"{inp.display}: ")})


def plan_or_skip(
    inp: InputFile, cfg: IngestConfig, fmt: str | None, engine: Engine, skipped: list
) -> Any:
    """:func:`_plan`, or None for a file that :func:`skip_or_raise` skips."""
    try:
        return _plan(inp, cfg, fmt, engine)
    except InputError as e:
        skip_or_raise(inp, e, skipped)
        return None


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
    stats, acc, rej = _read_one(inp, cfg, fmt, noop, 0)
    return stats, _slim(acc), rej


def _read_one(
    inp: InputFile, cfg: IngestConfig, fmt: str | None, progress: Progress, done0: int
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    with open_utf8(inp) as opened:
        stream = opened.stream
        name = fmt or sniff_file(inp, opened.head)
        stats = _file_stats(inp, opened.encoding, name)
        report = partial(progress, "ingest", info=inp.display)
        if name == "empty":  # (or cut before its first whole record: see below)
            acc, rej = empty_comments(), empty_rejects()
        elif by_lines(name, opened.head):
            blocks = iter_blocks(stream, cfg.block_bytes)
            results = [parse_block(name, inp, cfg, first, block) for first, block in blocks]
            if opened.cut:
                results.append(_cut_block(inp.display, opened.cut, opened.tail))
            return _merge_blocks(stats, name, results, lambda n: report(done0 + n, None))
        elif name == "generic_parquet":
            acc, rej, nread = read_parquet(inp, cfg, report, done0)
            stats.update(rows_read=nread)
        elif name in ("twarc_csv", "4cat_csv", "generic_csv"):
            acc, rej, nread = read_csv(stream, inp, name, cfg, report, done0)
            stats.update(rows_read=nread)
        elif name == "generic_ndjson":
            acc, rej, nread = read_generic_ndjson(stream, inp, cfg, report, done0)
            stats.update(rows_read=nread)
        else:
            acc, rej, sink = read_json_doc(stream, inp, cfg, report, done0)
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


def parse_block(
    name: str, inp: InputFile, cfg: IngestConfig, first_lineno: int, block: bytes
) -> tuple[pl.DataFrame, pl.DataFrame, int, dict[str, int]]:
    """Partition function: parse a block of whole lines of a line format.

    Returns (accepted, rejected, rows read, skipped non-content records); sources name the
    file and the line number (``first_lineno`` is the block's first line).
    """
    fmt = FORMATS.get(name)
    sink = RowSink(inp.display, name, fmt.platform if fmt else "generic", cfg.batch_rows)
    mapper = record_mapper(name, inp, cfg)
    loads = orjson.loads
    file = inp.display
    for lineno, line in block_lines(block, first_lineno):
        src = f"{file}:{lineno}"
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as e:
            bad_line(sink, src, line, e)
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
    """Return a worker's rows without the optional columns that are null throughout.

    They are made again by :func:`conform` where the rows arrive, instead of travelling
    (pickled, a null column costs its offsets: 54 MB per million rows for the four re-share
    columns).
    """
    empty = [c for c in OPTIONAL_SCHEMA if acc[c].null_count() == acc.height]
    return acc.drop(empty) if acc.height else acc


def _cut_block(
    file: str, cut: str, tail: bytes
) -> tuple[pl.DataFrame, pl.DataFrame, int, dict[str, int]]:
    """Partition function's result for the cut of a compressed input.

    One reject, ``truncated_stream``, holding the partial record the cut left.
    """
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
    """Account for a line that gave no row.

    A record of another format is rejected (never dropped, nor skipped as this format's
    non-content record); one of this format that gave nothing is skipped as an empty page.
    """
    kind = keys_format(obj)
    if kind is not None and kind != name and name != "4cat_ndjson":
        sink.unskip(skips)
        sink.reject(src, "not_a_record", f"a {kind} record, not {name}", line)
    elif skips == 0:
        sink.skip("empty_page")


Progress = Callable[..., None]


def noop(*_: Any, **__: Any) -> None:
    """Do nothing (the default progress display)."""
    return
