"""The output folder: making it safe to write, and writing tables into it in parallel."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from ..errors import ReportError
from ..exports import write_csv
from ..ingest._io import OUTPUT_MARKER

__all__ = ["OUTPUT_FILES", "TableWriter", "prepare_out"]

#: Every file a run writes into its output folder (besides figures/*.png).
OUTPUT_FILES = (
    "index.html",
    "campaigns.csv",
    "campaigns.json",
    "clusters.csv",
    "clusters.parquet",
    "flagged_comments.csv",
    "flagged_comments.parquet",
    "accounts.csv",
    "accounts.parquet",
    "campaign_accounts.csv",
    "campaign_accounts.parquet",
    "graph.gexf",
    "graph.parquet",
    "graph_edges.csv",
    "bursts.csv",
    "comments.parquet",
    "rejects.csv",
    "review.csv",
    "run.json",
    "run.log",
)


def prepare_out(out: Path, *, clean: bool = True) -> None:
    """Create the output folder, or check that it can be written.

    Parameters
    ----------
    out : Path
        The output folder.
    clean : bool
        Delete what a previous run of this tool wrote there (and nothing else).

    Raises
    ------
    ReportError
        If ``out`` or a folder above it is a file, or ``out`` cannot be created or written.
    """
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            raise ReportError(f"--out {out}: {p} is a file; give a folder (created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        marker = out / OUTPUT_MARKER
        ours = marker.exists() or _written_by_us(out / "run.json")
        marker.write_text("written by bot-analysis: input folders never read it back\n")
        if ours and clean:  # a reused --out: the previous run's files go, and only those
            for name in OUTPUT_FILES:
                (out / name).unlink(missing_ok=True)
            for png in (out / "figures").glob("*.png"):
                png.unlink()
    except OSError as e:
        raise ReportError(
            f"cannot write the output folder {out}: {e.strerror}; choose another --out"
        ) from None


def _written_by_us(run_json: Path) -> bool:
    try:
        return json.loads(run_json.read_text("utf-8")).get("tool") == "bot-analysis"
    except (OSError, ValueError, AttributeError):
        return False


class TableWriter:
    """Writes into one folder on a few threads (polars writes without holding the GIL).

    Use as a context manager: leaving it waits for every write and re-raises the first
    failure. :attr:`written` lists the paths in the order they were asked for.
    """

    def __init__(self, out: Path, threads: int = 3) -> None:
        self.out = out
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.futures: list[Future[Any]] = []
        self.written: list[Path] = []

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                for f in self.futures:
                    f.result()
        finally:
            self.pool.shutdown(wait=True)

    def call(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Path:
        """Run ``fn(*args, path, **kwargs)`` for file ``name`` of the folder."""
        path = self.out / name
        self.futures.append(self.pool.submit(fn, *args, path, **kwargs))
        self.written.append(path)
        return path

    def csv(self, df: pl.DataFrame, name: str) -> Path:
        """Write ``df`` as CSV (safe to open in a spreadsheet, see :mod:`~bot_analysis.exports`)."""
        return self.call(name, write_csv, df)

    def parquet(self, df: pl.DataFrame, name: str, **kwargs: Any) -> Path:
        """Write ``df`` as Parquet (``kwargs`` go to :meth:`polars.DataFrame.write_parquet`)."""
        return self.call(name, df.write_parquet, **kwargs)

    def json(self, rows: list[dict[str, Any]], name: str) -> Path:
        """Write ``rows`` as indented JSON (values JSON cannot hold become strings)."""
        path = self.out / name
        path.write_text(
            json.dumps(rows, default=str, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        self.written.append(path)
        return path
