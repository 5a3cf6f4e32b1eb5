"""Ingest: every common comment export into one canonical table, losing nothing.

``read_inputs(paths, config)`` sniffs each file's format from its content (``--format``
overrides), reads it in bounded batches, and returns the canonical comments, the rejected rows
with reasons, and per-file counts. Invariant, checked on every run:
rows read = rows accepted + rows rejected + exact duplicates dropped.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..config import IngestConfig
from ..errors import InputError
from ..schema import REJECTS_SCHEMA, empty_comments, empty_rejects, validate_comments
from ._io import InputFile, expand_inputs, file_sha256
from .dedup import drop_duplicates
from .formats import FORMATS, Format
from .reading import Progress, noop, plan_or_skip, skip_or_raise
from .result import IngestResult
from .sniff import sniff_format

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["FORMATS", "Format", "IngestResult", "read_inputs", "sniff_format"]
log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Sniffing


# ---------------------------------------------------------------------------------------------
# Reading


def read_inputs(
    paths: list[str | Path],
    config: IngestConfig | None = None,
    *,
    fmt: str | None = None,
    progress: Progress = noop,
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
    frames, rejects, files, skipped = _read_files(inputs, cfg, fmt, engine, progress)
    comments, all_rejects = _deduplicated(frames, rejects, files)
    if sum(f["rows_read"] for f in files) == 0:
        also = f"; skipped {len(skipped)} file(s) of no known format" if skipped else ""
        raise InputError(
            f"no comments found in {', '.join(map(str, paths))}: the input is empty "
            f"(files: {', '.join(f['path'] for f in files) or 'none read'}{also})"
        )
    result = IngestResult(validate_comments(comments), all_rejects, files, skipped)
    result.check_invariant()
    return result


def _read_files(
    inputs: list[InputFile],
    cfg: IngestConfig,
    fmt: str | None,
    engine: Engine,
    progress: Progress,
) -> tuple[list[pl.DataFrame], list[pl.DataFrame], list[dict[str, Any]], list[dict[str, str]]]:
    """Each input's accepted rows (tagged with its file index).

    Its rejects and counts, and the files skipped as of no known format.
    """
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
        plans = [plan_or_skip(inp, cfg, fmt, engine, skipped) for inp in inputs]
        for inp, plan in zip(inputs, plans, strict=True):
            if plan is None:
                continue
            report = partial(_report_file, progress, done, inp.display)
            try:
                stats, acc, rej = plan.collect(engine, report)
            except InputError as e:
                skip_or_raise(inp, e, skipped)
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
    for sk in skipped:
        log.warning("skipped %s: %s", sk["path"], sk["why"])
    return frames, rejects, files, skipped


def _deduplicated(
    frames: list[pl.DataFrame], rejects: list[pl.DataFrame], files: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All files' comments without exact duplicates, and all rejects (conflicting duplicates added).

    Each file's counts corrected in place.
    """
    comments = pl.concat(frames, how="vertical") if frames else empty_comments()
    all_rejects = pl.concat(rejects, how="vertical") if rejects else empty_rejects()
    comments, dup_counts, conflicts = drop_duplicates(comments)
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
    return comments, all_rejects


def _report_file(progress: Progress, done0: int, display: str, rows: int) -> None:
    progress("ingest", done0 + rows, None, info=display)
