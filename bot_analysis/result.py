"""What a run produced: the output contract's tables as polars frames, and how to write them."""

from __future__ import annotations

import json
import platform as _platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import polars as pl

from ._version import __version__
from .config import Config

if TYPE_CHECKING:
    from .engine import Engine
    from .report import ReportData
    from .report.write import TableWriter
    from .spill import Spill

__all__ = ["Result", "peak_rss_mb"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass
class Result:
    """The tables of one run, as the output files hold them (see DESIGN.md).

    A run that only ingested (``bot-analysis ingest``, :func:`bot_analysis.load_comments`)
    has ``comments`` and ``rejects``; the other tables are ``None``. Use it as a context
    manager (or call :meth:`close`) to delete the columns a large run spilled to disk.

    Attributes
    ----------
    comments : polars.DataFrame
        Every accepted comment in input order, with the stages' columns (``cluster_id``,
        ``campaign_id``, ``flagged``, ...): comments.parquet. When the run spilled columns to
        disk, they are missing here; :meth:`scan_comments` has them.
    rejects : polars.DataFrame
        Every rejected record and why: rejects.csv.
    campaigns : polars.DataFrame or None
        Every candidate campaign, flagged or not, with its score, sub-scores, signals,
        summary and ``top_clusters``: campaigns.json.
    clusters : polars.DataFrame or None
        Near-duplicate clusters with their flagged campaign: clusters.csv.
    accounts : polars.DataFrame or None
        Every account with its campaigns, score and evidence: accounts.csv.
    flagged_comments : polars.DataFrame or None
        The comments of flagged campaigns: flagged_comments.csv.
    members : polars.DataFrame or None
        Every candidate's accounts (node, campaign_id), with talking_point_share and the
        evidence against each where its campaign is flagged: campaign_accounts.csv.
    edges : polars.DataFrame or None
        The significant co-action tests (a, b, kind, n_items, expected, p_value, ...):
        graph_edges.csv.
    graph : polars.DataFrame or None
        The account graph (a, b, weight, n_items, types): graph.gexf.
    bursts : polars.DataFrame or None
        Kleinberg bursts of the dump, clusters, campaigns and threads: bursts.csv.
    review : polars.DataFrame or None
        The rows a reviewer decides on: review.csv.
    """

    config: Config
    inputs: list[str]
    comments: pl.DataFrame
    rejects: pl.DataFrame
    counts: dict[str, Any]
    files: list[dict[str, Any]] = field(default_factory=list)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    campaigns: pl.DataFrame | None = None
    clusters: pl.DataFrame | None = None
    accounts: pl.DataFrame | None = None
    flagged_comments: pl.DataFrame | None = None
    members: pl.DataFrame | None = None
    edges: pl.DataFrame | None = None
    graph: pl.DataFrame | None = None
    bursts: pl.DataFrame | None = None
    review: pl.DataFrame | None = None
    reviews: dict[str, str] = field(default_factory=dict)
    """The decision carried from the review store to each campaign or cluster id."""
    new_ids: set[str] | None = None
    """Flagged campaigns never reviewed (``None`` without a review store)."""
    stats: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    engine: dict[str, Any] = field(default_factory=dict)
    spill: Spill | None = None

    def write(self, out: str | Path, engine: Engine | None = None) -> list[Path]:
        """Write the output files into folder ``out`` and return their paths.

        Parameters
        ----------
        out : str or Path
            The output folder (created if missing).
        engine : Engine, optional
            Renders the report's figures in parallel (default: in this process).

        Raises
        ------
        ReportError
            If ``out`` exists and is not a folder, or cannot be created.
        """
        from .report import start_figures, write_report
        from .report.write import TableWriter, prepare_out

        out = Path(out)
        prepare_out(out, clean=False)
        t0 = time.perf_counter()
        data = self._report_data()
        # figures render on the engine's workers while this process writes the tables
        figures = start_figures(data, out, engine) if data is not None else None
        with TableWriter(out) as w:
            if self.spill is None:
                w.parquet(self.comments, "comments.parquet", compression="lz4")
            else:  # the spilled columns stream back from disk, batch by batch
                w.call("comments.parquet", self.scan_comments().sink_parquet, compression="lz4")
            self._write_findings(w)
            w.csv(self.rejects, "rejects.csv")
        written = w.written
        if data is not None:
            t1 = time.perf_counter()
            written.append(write_report(self.run_info(), data, out, figures))
            self.timings["report"] = round(time.perf_counter() - t1, 3)
        self.timings["write"] = round(time.perf_counter() - t0, 3)
        self.peak_mb["write"] = peak_rss_mb()
        p = out / "run.json"
        p.write_text(json.dumps(self.run_info(), indent=2, ensure_ascii=False), encoding="utf-8")
        return [*written, p]

    def _report_data(self) -> ReportData | None:
        """Return what the report shows; ``None`` for a run that only ingested."""
        from .report import ReportData

        if self.campaigns is None:
            return None
        return ReportData(
            comments=self.comments,
            campaigns=self.campaigns,
            clusters=self.clusters,  # type: ignore[arg-type]
            accounts=self.accounts,  # type: ignore[arg-type]
            graph=self.graph,  # type: ignore[arg-type]
            bursts=self.bursts if self.bursts is not None else pl.DataFrame(),
            rejects=self.rejects,
            members=self.members if self.members is not None else pl.DataFrame(),
            reviews=self.reviews,
            new_ids=self.new_ids,
            max_campaign_figures=self.config.report.max_campaign_figures,
            max_clusters_per_campaign=self.config.report.max_clusters_per_campaign,
        )

    def _write_findings(self, w: TableWriter) -> None:
        """Write the analysis tables' files (none for a run that only ingested)."""
        from .report.gexf import write_gexf
        from .report.tables import campaigns_for_csv

        if self.campaigns is None:
            return
        for name, table in (
            ("clusters", self.clusters),
            ("flagged_comments", self.flagged_comments),
            ("accounts", self.accounts),
        ):
            if table is not None:
                w.csv(table, f"{name}.csv")
                w.parquet(table, f"{name}.parquet")
        w.csv(campaigns_for_csv(self.campaigns), "campaigns.csv")
        w.json(self.campaigns.to_dicts(), "campaigns.json")
        if self.members is not None and self.members.width:
            w.csv(self.members, "campaign_accounts.csv")
            w.parquet(self.members, "campaign_accounts.parquet")
        w.call("graph.gexf", write_gexf, self.graph, self.accounts)
        if self.graph is not None:
            w.parquet(self.graph, "graph.parquet")
        for name, table in (
            ("graph_edges", self.edges),
            ("bursts", self.bursts),
            ("review", self.review),
        ):
            if table is not None:
                w.csv(table, f"{name}.csv")

    def scan_comments(self) -> pl.LazyFrame:
        """Return the comment table with every column, those spilled to disk included."""
        if self.spill is None:
            return self.comments.lazy()
        return self.spill.restore(self.comments)

    def close(self) -> None:
        """Delete the run's temporary files (the spilled columns); write the outputs first."""
        if self.spill is not None:
            self.spill.cleanup()

    def __enter__(self) -> Result:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def run_info(self) -> dict[str, Any]:
        """Return the content of run.json."""
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
                for f in self.files
            ],
            "counts": self.counts,
            "files": self.files,
            "files_skipped": self.skipped_files,
            "invariant": "rows_read == accepted + rejected + duplicates_dropped",
            "neardup": self.stats.get("neardup"),
            "coordination": self.stats.get("coordination"),
            "campaigns": self.stats.get("campaigns"),
            "engine": self.engine,
            "timings_s": self.timings,
            "peak_rss_mb_after": self.peak_mb,
        }
