"""Columns that wait on disk while the stages run, so that a large dump fits in memory.

When the comment table takes more than a quarter of the memory budget
(``Config.memory_budget_mb``), the columns only the output files need move to Parquet files
in a temporary folder and stream back when ``comments.parquet`` is written.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .config import Config

__all__ = ["DERIVED_OUTPUT_ONLY", "OUTPUT_ONLY", "Spill", "spill_derived", "spill_output_only"]
log = logging.getLogger(__name__)

#: Columns that no stage reads: only the output files need them.
OUTPUT_ONLY = (
    "source",
    "source_format",
    "account_name",
    "likes",
    "url",
    "is_retweet",
    "time_approximate",
    "repost_author",
)

#: Derived columns that no stage after the near-duplicates reads: only comments.parquet.
DERIVED_OUTPUT_ONLY = ("text_norm", "n_tokens", "info_bits")


@dataclass
class Spill:
    """Output-only columns waiting on disk, one Parquet file per spill.

    Attributes
    ----------
    folder : tempfile.TemporaryDirectory
        Where the files are; :meth:`cleanup` deletes it.
    columns : list of str
        The comment table's columns, in order, before any spill.
    parts : dict
        Each file and the columns it holds.
    """

    folder: tempfile.TemporaryDirectory[str]
    columns: list[str]
    parts: dict[Path, list[str]] = field(default_factory=dict)

    def add(self, frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
        """Write ``cols`` of ``frame`` to a new file and return ``frame`` without them.

        The columns ``frame`` adds to the table keep their place in :attr:`columns`.
        """
        self.columns += [c for c in frame.columns if c not in self.columns]
        path = Path(self.folder.name) / f"columns{len(self.parts)}.parquet"
        frame.select(cols).write_parquet(path, compression="lz4")
        self.parts[path] = cols
        return frame.drop(cols)

    def restore(self, comments: pl.DataFrame) -> pl.LazyFrame:
        """``comments`` (the table without the spilled columns, same rows) with them back.

        A lazy frame that streams the spilled columns from disk, in the table's column order
        (the columns added after the spill last).
        """
        order = self.columns + [x for x in comments.columns if x not in self.columns]
        scans = [pl.scan_parquet(p) for p in self.parts]
        return pl.concat([comments.lazy(), *scans], how="horizontal").select(order)

    def column(self, name: str, rows: pl.Series) -> pl.Series:
        """Column ``name`` at row positions ``rows`` (ascending), read from disk."""
        path = next(p for p, cols in self.parts.items() if name in cols)
        return (
            pl.scan_parquet(path, row_index_name="__row")
            .select("__row", name)
            .filter(pl.col("__row").is_in(rows.implode()))
            .collect()[name]
        )

    def cleanup(self) -> None:
        """Delete the spilled files."""
        self.folder.cleanup()


def _memory_budget_mb(cfg: Config) -> float:
    if cfg.memory_budget_mb is not None:
        return float(cfg.memory_budget_mb)
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 / 2


def spill_output_only(comments: pl.DataFrame, cfg: Config) -> tuple[pl.DataFrame, Spill | None]:
    """Move the output-only columns to disk when the table is large for the memory budget.

    Parameters
    ----------
    comments : polars.DataFrame
        The canonical comment table.
    cfg : Config
        Its ``memory_budget_mb`` (default: half the machine's memory) and ``work_dir``.

    Returns
    -------
    tuple
        The table (without the spilled columns when spilled) and the :class:`Spill`, or
        ``None`` when the table takes at most a quarter of the budget (the stages' own
        arrays need the rest).
    """
    size_mb = comments.estimated_size() / 2**20
    if size_mb <= _memory_budget_mb(cfg) / 4:
        return comments, None
    cols = [x for x in OUTPUT_ONLY if x in comments.columns]
    folder = tempfile.TemporaryDirectory(prefix="bot_analysis_", dir=cfg.work_dir)
    spill = Spill(folder, list(comments.columns))
    log.info(
        "memory: the comment table takes %.0f MB of a %.0f MB budget; %s wait in %s",
        size_mb,
        _memory_budget_mb(cfg),
        ", ".join(cols),
        folder.name,
    )
    return spill.add(comments, cols), spill


def spill_derived(comments: pl.DataFrame, spill: Spill | None) -> pl.DataFrame:
    """With a spill under way, the near-duplicate columns only comments.parquet needs.

    The normalized text, its tokens and information join the spilled columns; without a
    spill ``comments`` is returned as it is.

    Parameters
    ----------
    comments : polars.DataFrame
        The comment table after the near-duplicates.
    spill : Spill or None
        The run's spill, if any.
    """
    if spill is None:
        return comments
    return spill.add(comments, [x for x in DERIVED_OUTPUT_ONLY if x in comments.columns])
