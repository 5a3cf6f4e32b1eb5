"""The whole job: ``analyze(inputs, config)`` runs every stage and returns a :class:`Result`.

Stages are pure functions over polars frames; only ``ingest`` reads files and only
:func:`write_outputs` writes them.
"""

from __future__ import annotations

import json
import logging
import platform as _platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from . import __version__
from .config import Config
from .errors import ReportError
from .exports import write_csv
from .ingest import IngestResult, read_inputs
from .neardup import NearDupResult, find_clusters

__all__ = ["Result", "analyze", "ingest", "write_outputs"]
log = logging.getLogger(__name__)


@dataclass
class Result:
    """Everything a run produced, before it is written."""

    config: Config
    inputs: list[str]
    ingest: IngestResult
    timings: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    neardup: NearDupResult | None = None

    @property
    def comments(self) -> pl.DataFrame:
        """The canonical comment table plus the derived columns of the stages that ran."""
        return self.neardup.comments if self.neardup else self.ingest.comments

    def run_info(self) -> dict[str, Any]:
        """The content of run.json."""
        return {
            "tool": "bot-analysis",
            "version": __version__,
            "started_at": self.started_at,
            "python": sys.version.split()[0],
            "platform": _platform.platform(),
            "seed": self.config.seed,
            "parameters": self.config.to_dict(),
            "inputs": [
                {k: f[k] for k in ("path", "size_bytes", "sha256", "format", "encoding")}
                for f in self.ingest.files
            ],
            "counts": self.ingest.counts(),
            "files": self.ingest.files,
            "invariant": "rows_read == accepted + rejected + duplicates_dropped",
            "neardup": self.neardup.stats if self.neardup else None,
            "timings_s": self.timings,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ingest(
    inputs: list[str | Path],
    config: Config | None = None,
    *,
    fmt: str | None = None,
    progress: Callable[..., None] | None = None,
) -> Result:
    """Run the ingest stage only (``bot-analysis ingest``)."""
    cfg = config or Config()
    started = _now()
    t0 = time.perf_counter()
    kwargs = {"progress": progress} if progress else {}
    ing = read_inputs(list(inputs), cfg.ingest, fmt=fmt, **kwargs)
    timings = {"ingest": round(time.perf_counter() - t0, 3)}
    return Result(cfg, [str(p) for p in inputs], ing, timings, started)


def analyze(
    inputs: list[str | Path],
    config: Config | None = None,
    *,
    fmt: str | None = None,
    progress: Callable[..., None] | None = None,
) -> Result:
    """Run every stage on ``inputs`` and return the result (nothing is written).

    Parameters
    ----------
    inputs : list of str or Path
        Dump files or folders (see ``bot-analysis formats``).
    config : Config, optional
        Every parameter; defaults are documented in ``config.py``.
    fmt : str, optional
        Force one input format instead of sniffing.
    progress : callable, optional
        ``progress(stage, done, total, info=...)`` for a progress display.
    """
    cfg = config or Config()
    result = ingest(inputs, cfg, fmt=fmt, progress=progress)
    report = progress or (lambda *a, **k: None)
    t0 = time.perf_counter()
    report("neardup", 0, None, info="normalizing, MinHash, LSH")
    result.neardup = find_clusters(result.ingest.comments, cfg.neardup, cfg.seed)
    result.timings["neardup"] = round(time.perf_counter() - t0, 3)
    return result


def write_outputs(result: Result, out: str | Path) -> list[Path]:
    """Write the output contract files of ``result`` into ``out`` and return their paths.

    Raises
    ------
    ReportError
        If ``out`` exists and is not a folder, or cannot be created.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out} is a file; give a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ReportError(f"cannot create the output folder {out}: {e.strerror}") from None
    t0 = time.perf_counter()
    written = []
    comments = result.comments  # input order: deterministic for the same inputs
    p = out / "comments.parquet"
    comments.write_parquet(p, compression="zstd", compression_level=1)
    written.append(p)
    p = out / "rejects.csv"
    write_csv(result.ingest.rejects, p)
    written.append(p)
    if result.neardup is not None:
        p = out / "clusters.csv"
        write_csv(result.neardup.clusters, p)
        written.append(p)
    result.timings["write"] = round(time.perf_counter() - t0, 3)
    p = out / "run.json"
    p.write_text(json.dumps(result.run_info(), indent=2, ensure_ascii=False), encoding="utf-8")
    written.append(p)
    return written
