"""The generic readers: CSV/TSV.

NDJSON, a JSON array of flat objects, Parquet, with canonical or common column names (or ``--map``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
import polars as pl

from ..config import IngestConfig
from ..errors import InputError
from ..schema import (
    REJECTS_SCHEMA,
    empty_comments,
    empty_rejects,
)
from . import telegram, vk, youtube
from ._csv import iter_csv_blocks
from ._io import (
    InputFile,
    iter_lines,
)
from ._sink import RowSink
from .formats import FORMATS
from .records import bad_line, collect, record_mapper
from .sniff import doc_format
from .tabular import convert_4cat, convert_generic, convert_twarc_csv, resolve_columns

if TYPE_CHECKING:
    pass

__all__ = ["read_csv", "read_generic_ndjson", "read_json_doc", "read_parquet"]
log = logging.getLogger(__package__)


def read_json_doc(
    stream: Any, inp: InputFile, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, RowSink]:
    """Read a whole JSON document: a known platform's export, or an array of flat objects."""
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
                    bad_line(sink, f"{file}:{i}", ln, first_error)
            else:
                reason = "bad_encoding" if _invalid_utf8(data) else "bad_json"
                detail = f"the file is not valid JSON: {first_error}"
                sink.reject(f"{file}:$", reason, detail, data[:300])
            sink.flush()
            return collect(sink, "json")
    kind = doc_format(doc)
    if kind.startswith("list:"):
        inner = kind[5:]
        fmt = FORMATS[inner]
        sink = RowSink(file, inner, fmt.platform, cfg.batch_rows)
        if inner == "generic_ndjson":
            kind = "generic_json"
        else:
            mapper = record_mapper(inner, inp, cfg)
            for i, obj in enumerate(doc):
                if isinstance(obj, dict):
                    mapper(obj, sink, f"{file}:$[{i}]")
                else:
                    sink.reject(f"{file}:$[{i}]", "not_a_record", "expected an object", obj)
            sink.flush()
            return collect(sink, inner)
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
        return collect(sink, "generic_json")
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
        mapper = record_mapper("ycd_jsonl", inp, cfg)
        for i, obj in enumerate(doc["comments"]):
            mapper(obj, sink, f"{where}.comments[{i}]")
    sink.flush()
    report(done0 + sink.rows_read, None)
    return collect(sink, kind)


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


def read_generic_ndjson(
    stream: Any, inp: InputFile, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read NDJSON of flat comment objects, block by block."""
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
            bad_line(sink, f"{file}:{lineno}", line, e)
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


def read_csv(
    stream: Any, inp: InputFile, name: str, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read a CSV/TSV export (4CAT, twarc-csv or generic), block by block."""
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


def read_parquet(
    inp: InputFile, cfg: IngestConfig, report: Any, done0: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read a Parquet file with canonical or common column names, in batches of rows."""
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
