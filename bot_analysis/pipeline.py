"""The whole job: ``analyze(inputs, config)`` runs every stage and returns a :class:`Result`.

Stages are pure functions over polars frames; only ``ingest`` reads files and only
:func:`write_outputs` writes them.
"""

from __future__ import annotations

import json
import logging
import os
import platform as _platform
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ._version import __version__
from .config import Config
from .errors import IngestFailed, ReportError
from .exports import write_csv
from .ingest import IngestResult, read_inputs
from .ingest._io import OUTPUT_MARKER

if TYPE_CHECKING:  # the analysis stages are imported when they run: `ingest` stays light
    from .campaigns import CampaignResult
    from .coordination import CoordinationResult
    from .engine import Engine
    from .neardup import NearDupResult

__all__ = ["Result", "analyze", "ingest", "prepare_out", "write_outputs"]
log = logging.getLogger(__name__)


@dataclass
class Result:
    """Everything a run produced, before it is written."""

    config: Config
    inputs: list[str]
    ingest: IngestResult
    timings: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    peak_mb: dict[str, float] = field(default_factory=dict)
    reviews: dict[str, str] = field(default_factory=dict)
    new_ids: set[str] | None = None
    neardup: NearDupResult | None = None
    coordination: CoordinationResult | None = None
    campaigns: CampaignResult | None = None
    bursts: pl.DataFrame | None = None
    engine: dict[str, Any] = field(default_factory=dict)
    spill: _Spill | None = None

    def close(self) -> None:
        """Delete the run's temporary files (the spilled columns); write the outputs first."""
        if self.spill is not None:
            self.spill.folder.cleanup()

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
            "files_skipped": self.ingest.skipped_files,
            "invariant": "rows_read == accepted + rejected + duplicates_dropped",
            "neardup": self.neardup.stats if self.neardup else None,
            "coordination": self.coordination.stats if self.coordination else None,
            "campaigns": self.campaigns.stats if self.campaigns else None,
            "engine": self.engine,
            "timings_s": self.timings,
            "peak_rss_mb_after": self.peak_mb,
        }


# Columns that no stage reads: only the output files need them.
_OUTPUT_ONLY = (
    "source",
    "source_format",
    "account_name",
    "likes",
    "url",
    "is_retweet",
    "time_approximate",
    "repost_author",
)


# Derived columns that no stage after the near-duplicates reads: only comments.parquet.
_DERIVED_OUTPUT_ONLY = ("text_norm", "n_tokens", "info_bits")


@dataclass
class _Spill:
    """Output-only columns waiting on disk (see ``Config.memory_budget_mb``), one Parquet
    file per spill."""

    folder: tempfile.TemporaryDirectory  # type: ignore[type-arg]
    columns: list[str]  # the comment table's columns, in order, before any spill
    parts: dict[Path, list[str]] = field(default_factory=dict)  # file -> its columns

    def add(self, frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
        """Write ``cols`` of ``frame`` to a new file and return ``frame`` without them; the
        columns ``frame`` adds to the table keep their place in :attr:`columns`."""
        self.columns += [c for c in frame.columns if c not in self.columns]
        path = Path(self.folder.name) / f"columns{len(self.parts)}.parquet"
        frame.select(cols).write_parquet(path, compression="lz4")
        self.parts[path] = cols
        return frame.drop(cols)

    def restore(self, comments: pl.DataFrame, order: list[str]) -> pl.LazyFrame:
        """``comments`` (the table without the spilled columns, same rows) with them back,
        as a lazy frame that streams the spilled columns from disk."""
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


def _memory_budget_mb(cfg: Config) -> float:
    if cfg.memory_budget_mb is not None:
        return float(cfg.memory_budget_mb)
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 / 2


def _spill(result: Result, cfg: Config) -> None:
    """Move the output-only columns to Parquet in the work folder when the comment table
    takes more than a quarter of the memory budget (the stages' own arrays need the rest)."""
    c = result.ingest.comments
    size_mb = c.estimated_size() / 2**20
    if size_mb <= _memory_budget_mb(cfg) / 4:
        return
    cols = [x for x in _OUTPUT_ONLY if x in c.columns]
    folder = tempfile.TemporaryDirectory(prefix="bot_analysis_", dir=cfg.work_dir)
    result.spill = _Spill(folder, list(c.columns))
    result.ingest.comments = result.spill.add(c, cols)
    log.info(
        "memory: the comment table takes %.0f MB of a %.0f MB budget; %s wait in %s",
        size_mb,
        _memory_budget_mb(cfg),
        ", ".join(cols),
        folder.name,
    )


def _spill_derived(result: Result) -> None:
    """With a spill under way, the near-duplicate columns that only comments.parquet needs
    (the normalized text, its tokens and information) join the spilled columns."""
    if result.spill is None or result.neardup is None:
        return
    cols = [x for x in _DERIVED_OUTPUT_ONLY if x in result.neardup.comments.columns]
    result.neardup.comments = result.spill.add(result.neardup.comments, cols)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ingest(
    inputs: list[str | Path],
    config: Config | None = None,
    *,
    fmt: str | None = None,
    progress: Callable[..., None] | None = None,
    engine: Engine | None = None,
) -> Result:
    """Run the ingest stage only (``bot-analysis ingest``); see :func:`analyze`.

    Raises
    ------
    IngestFailed
        When a file's records were all rejected (the wrong reader, a missing ``--naive-tz``
        or ``--map``) or nothing was accepted; its ``result`` holds the rejects.
    """
    from .engine import LocalEngine

    cfg = config or Config()
    engine = engine or LocalEngine(1)
    started = _now()
    t0 = time.perf_counter()
    kwargs = {"progress": progress} if progress else {}
    ing = read_inputs(list(inputs), cfg.ingest, fmt=fmt, engine=engine, **kwargs)
    timings = {"ingest": round(time.perf_counter() - t0, 3)}
    result = Result(
        cfg,
        [str(p) for p in inputs],
        ing,
        timings,
        started,
        {"ingest": _peak_mb()},
        engine=engine.info(),
    )
    failures = ing.failures()
    if failures:
        raise IngestFailed("; ".join(failures), result)
    return result


def _peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def analyze(
    inputs: list[str | Path],
    config: Config | None = None,
    *,
    fmt: str | None = None,
    progress: Callable[..., None] | None = None,
    review_store: str | Path | None = None,
    engine: Engine | None = None,
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
    review_store : str or Path, optional
        SQLite file of reviewer decisions to carry into the campaigns.
    engine : Engine, optional
        Where the partition functions run (:mod:`bot_analysis.engine`); default: in this
        process. The result is the same on every engine and worker count.
    """

    from .campaigns import assemble_campaigns
    from .coordination import build_graph
    from .engine import LocalEngine
    from .neardup import find_clusters

    cfg = config or Config()
    engine = engine or LocalEngine(1)
    engine.start()  # worker processes import the package while the client sniffs inputs
    result = ingest(inputs, cfg, fmt=fmt, progress=progress, engine=engine)
    _spill(result, cfg)
    report = progress or (lambda *a, **k: None)
    t0 = time.perf_counter()
    report("neardup", 0, None, info="normalizing, MinHash, LSH")
    result.neardup = find_clusters(
        result.ingest.comments, cfg.neardup, cfg.seed, engine, cfg.work_dir
    )
    _spill_derived(result)
    bursts = _start_bursts(result.neardup.comments, cfg, engine)
    result.timings["neardup"] = round(time.perf_counter() - t0, 3)
    result.peak_mb["neardup"] = _peak_mb()
    t0 = time.perf_counter()
    report("coordination", 0, None, info="co-action graph")
    result.coordination = build_graph(result.neardup.comments, cfg.coordination, cfg.seed, engine)
    result.timings["coordination"] = round(time.perf_counter() - t0, 3)
    result.peak_mb["coordination"] = _peak_mb()
    t0 = time.perf_counter()
    report("campaigns", 0, None, info="bursts and campaigns")
    result.campaigns = assemble_campaigns(
        result.neardup.comments, result.neardup.clusters, result.coordination, cfg.campaigns
    )
    if review_store is not None:
        _apply_review(result, review_store)
    result.bursts = _bursts(result, cfg, bursts, engine)
    result.timings["campaigns"] = round(time.perf_counter() - t0, 3)
    result.peak_mb["campaigns"] = _peak_mb()
    return result


def _apply_review(result: Result, store_path: str | Path) -> None:
    """Carry stored decisions into the campaigns; unflag confirmed false positives."""
    from .review import ReviewStore, apply_decisions

    cp = result.campaigns
    if cp is None or result.neardup is None or cp.campaigns.height == 0:
        return
    store = ReviewStore(store_path)
    try:
        camp, by_id, new = apply_decisions(store, cp.campaigns, result.neardup.comments)
    finally:
        store.close()
    flagged = camp.filter(pl.col("flagged"))["campaign_id"].implode()
    cp.campaigns = camp
    cp.comment_campaign = cp.comment_campaign.with_columns(
        pl.col("campaign_id").is_in(flagged).alias("flagged")
    )
    cp.membership = cp.membership.with_columns(
        pl.col("campaign_id").is_in(flagged).alias("flagged")
    )
    result.reviews = by_id
    result.new_ids = new


def _start_bursts(
    comments: pl.DataFrame, cfg: Config, engine: Engine
) -> tuple[Any, tuple[int, int]]:
    """Submit the Kleinberg bursts of the series that need no campaigns (the whole dump, each
    sizeable cluster, each busy thread): a worker finds them while this process builds the
    graph. Returns the task and the dump's time span, which the campaigns' series share."""
    from .bursts import bursts_table

    c = comments
    t = c["created_at"].dt.epoch("us")
    span = (int(t.min()), int(t.max())) if c.height else (0, 0)
    k = cfg.campaigns
    big_clusters = (
        c.group_by("cluster_id").len().filter(pl.col("len") >= k.burst_min_cluster_comments)
    )["cluster_id"]
    busy = (
        c.group_by("thread_id")
        .len()
        .filter(pl.col("len") >= k.burst_min_thread_comments)["thread_id"]
    )
    series = pl.concat(
        [
            _series(c, pl.lit("all"), "dump"),
            _series(
                c.filter(pl.col("cluster_id").is_in(big_clusters.implode())),
                "cluster_id",
                "cluster",
            ),
            _series(c.filter(pl.col("thread_id").is_in(busy.implode())), "thread_id", "thread"),
        ]
    )
    k = cfg.campaigns
    # counted per series and bin here: the worker gets thousands of rows, not every event
    step = k.bin_s * 1_000_000
    series = (
        series.group_by(
            "series",
            "kind",
            (pl.col("t").dt.epoch("us") // step * step).alias("t"),
            maintain_order=True,
        )
        .agg(pl.len().alias("n"))
        .with_columns(pl.col("t").cast(pl.Datetime("us", "UTC")))
    )
    return engine.submit(bursts_table, series, *_burst_args(cfg, span)), span


def _series(frame: pl.DataFrame, name: str | pl.Expr, kind: str) -> pl.DataFrame:
    """Events of burst series: (series name, kind, time) per comment of ``frame``."""
    name = pl.col(name) if isinstance(name, str) else name
    return frame.select(
        name.alias("series"), pl.lit(kind).alias("kind"), pl.col("created_at").alias("t")
    )


def _burst_args(cfg: Config, span: tuple[int, int]) -> tuple[Any, ...]:
    k = cfg.campaigns
    return (k.bin_s, k.burst_levels, k.burst_s, k.burst_gamma, span)


def _bursts(
    result: Result, cfg: Config, started: tuple[Any, tuple[int, int]], engine: Engine
) -> pl.DataFrame:
    """Kleinberg bursts of the whole dump, each sizeable cluster, campaign and busy thread
    (in that order): the campaigns' here, the rest from :func:`_start_bursts`."""
    from .bursts import bursts_table

    handle, span = started
    c = result.neardup.comments  # type: ignore[union-attr]
    cc = result.campaigns.comment_campaign  # type: ignore[union-attr]
    series = _series(c.join(cc, on=["platform", "comment_id"]), "campaign_id", "campaign")
    camp = bursts_table(series, *_burst_args(cfg, span))
    rest = engine.gather([handle])[0]
    return pl.concat(
        [rest.filter(pl.col("kind") != "thread"), camp, rest.filter(pl.col("kind") == "thread")]
    )


def prepare_out(out: Path, *, clean: bool = True) -> None:
    """Create the output folder, or check that it can be written; with ``clean``, delete
    what a previous run of this tool wrote there (and nothing else).

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
    "graph.gexf",
    "graph_edges.csv",
    "bursts.csv",
    "comments.parquet",
    "rejects.csv",
    "review.csv",
    "run.json",
    "run.log",
)


def _written_by_us(run_json: Path) -> bool:
    try:
        return json.loads(run_json.read_text("utf-8")).get("tool") == "bot-analysis"
    except (OSError, ValueError, AttributeError):
        return False


def write_outputs(result: Result, out: str | Path, engine: Engine | None = None) -> list[Path]:
    """Write the output contract files of ``result`` into ``out`` and return their paths.

    ``engine`` renders the report's figures in parallel (default: in this process).

    Raises
    ------
    ReportError
        If ``out`` exists and is not a folder, or cannot be created.
    """
    out = Path(out)
    prepare_out(out, clean=False)
    t0 = time.perf_counter()
    written: list[Path] = []
    comments = result.comments  # input order: deterministic for the same inputs
    if result.campaigns is not None:
        # a narrow join, then hstack: the comment table's columns are shared, not copied
        camp_id = comments.select("platform", "comment_id").join(
            result.campaigns.comment_campaign.filter(pl.col("flagged")).select(
                "platform", "comment_id", "campaign_id"
            ),
            on=["platform", "comment_id"],
            how="left",
            maintain_order="left",
        )["campaign_id"]
        comments = comments.with_columns(camp_id, camp_id.is_not_null().alias("flagged"))
    figures = acc = None
    if result.campaigns is not None and result.coordination is not None:
        from .report import start_figures

        acc = _accounts_table(result.campaigns, result.coordination, comments)
        # figures render on the engine's workers while this process writes the tables
        figures = start_figures(
            comments,
            result.campaigns.campaigns,
            acc,
            result.coordination.graph,
            result.bursts if result.bursts is not None else pl.DataFrame(),
            out,
            engine,
            result.config.report.max_campaign_figures,
        )
    # the tables are written on three threads (polars writes without holding the GIL)
    with ThreadPoolExecutor(max_workers=3) as pool:
        io = _Writes(pool)
        # LZ4: fastest to write; read by every engine
        if result.spill is None:
            written.append(io.parquet(comments, out / "comments.parquet", compression="lz4"))
        else:  # the spilled columns stream back from disk, batch by batch
            order = result.spill.columns + [
                x for x in comments.columns if x not in result.spill.columns
            ]
            sink = result.spill.restore(comments, order).sink_parquet
            io.call(partial(sink, out / "comments.parquet", compression="lz4"))
            written.append(out / "comments.parquet")
        clusters_out = None
        if result.campaigns is not None and result.coordination is not None:
            found, clusters_out = _write_findings(result, comments, acc, out, io)
            written += found
        written.append(io.csv(result.ingest.rejects, out / "rejects.csv"))
        if result.neardup is not None and result.campaigns is None:
            written.append(io.csv(result.neardup.clusters, out / "clusters.csv"))
        io.wait()
    if result.campaigns is not None and result.coordination is not None:
        from .report import write_report

        t1 = time.perf_counter()
        written.append(
            write_report(
                result.run_info(),
                comments,
                result.campaigns.campaigns,
                clusters_out,
                acc,
                result.coordination.graph,
                result.bursts if result.bursts is not None else pl.DataFrame(),
                result.ingest.rejects,
                out,
                result.reviews,
                result.new_ids,
                engine=engine,
                figures=figures,
                evidence=result.campaigns.evidence,
            )
        )
        result.timings["report"] = round(time.perf_counter() - t1, 3)
    result.timings["write"] = round(time.perf_counter() - t0, 3)
    result.peak_mb["write"] = _peak_mb()
    p = out / "run.json"
    p.write_text(json.dumps(result.run_info(), indent=2, ensure_ascii=False), encoding="utf-8")
    written.append(p)
    return written


class _Writes:
    """Table writes submitted to a thread pool; :meth:`wait` re-raises the first failure."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.futures: list[Future[Any]] = []

    def csv(self, df: pl.DataFrame, path: Path) -> Path:
        self.futures.append(self.pool.submit(write_csv, df, path))
        return path

    def parquet(self, df: pl.DataFrame, path: Path, **kwargs: Any) -> Path:
        self.futures.append(self.pool.submit(df.write_parquet, path, **kwargs))
        return path

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        self.futures.append(self.pool.submit(fn, *args))

    def wait(self) -> None:
        for f in self.futures:
            f.result()


def _write_findings(
    result: Result, comments: pl.DataFrame, acc: pl.DataFrame | None, out: Path, io: _Writes
) -> tuple[list[Path], pl.DataFrame | None]:
    """clusters, campaigns, flagged comments, accounts, graph, bursts and review files;
    returns the paths and the clusters table (the report shows it as written, unguarded)."""
    if (
        result.campaigns is None
        or result.coordination is None
        or result.neardup is None
        or acc is None
    ):
        return [], None
    written = []
    camp = result.campaigns.campaigns
    flagged_ids = (
        camp.filter(pl.col("flagged"))["campaign_id"]
        if camp.height
        else pl.Series([], dtype=pl.String)
    )
    # clusters: the flagged campaign most of each cluster's comments belong to
    cl_camp = (
        comments.filter(pl.col("campaign_id").is_not_null())
        .group_by("cluster_id", "campaign_id")
        .len()
        .sort(["cluster_id", "len", "campaign_id"], descending=[False, True, False])
        .unique(subset=["cluster_id"], keep="first", maintain_order=True)
        .select("cluster_id", "campaign_id")
    )
    clusters = result.neardup.clusters.join(
        cl_camp, on="cluster_id", how="left", maintain_order="left"
    )
    cols = [
        "cluster_id",
        "n_comments",
        "n_accounts",
        "first_seen",
        "last_seen",
        "campaign_id",
        "representative_text",
        "text_norm",
        "n_texts",
        "n_tokens",
        "info_bits",
        "informative",
        *(["template"] if "template" in clusters.columns else []),
    ]
    written.append(io.csv(clusters.select(cols), out / "clusters.csv"))
    io.parquet(clusters.select(cols), out / "clusters.parquet")
    campaigns = (
        camp.with_columns(
            pl.col("platforms").list.join(";"),
            pl.col("rare_items").list.join(" "),
        ).drop("top_clusters")
        if camp.height
        else camp
    )
    lead = [
        "campaign_id",
        *(["kind"] if "kind" in camp.columns else []),
        "flagged",
        "score",
        "start",
        "end",
        "n_comments",
        "n_accounts",
        "n_clusters",
        "signals",
        "summary",
    ]
    if camp.height:
        campaigns = campaigns.select(*lead, *[c for c in campaigns.columns if c not in lead])
    written.append(io.csv(campaigns, out / "campaigns.csv"))
    p = out / "campaigns.json"
    p.write_text(
        json.dumps(
            camp.drop("top_clusters", strict=False).to_dicts(),
            default=str,
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    written.append(p)
    flagged = comments.filter(pl.col("flagged")).select(
        "comment_id",
        "account_id",
        "created_at",
        "thread_id",
        "cluster_id",
        "campaign_id",
        "text",
        "platform",
        *(["source"] if "source" in comments.columns else []),
    )
    if "source" not in comments.columns and result.spill is not None:
        flagged = flagged.with_columns(
            result.spill.column("source", comments["flagged"].arg_true())
        )
    written.append(io.csv(flagged, out / "flagged_comments.csv"))
    io.parquet(flagged, out / "flagged_comments.parquet")
    memb = result.campaigns.membership.filter(pl.col("flagged"))
    written.append(io.csv(acc, out / "accounts.csv"))
    io.parquet(acc, out / "accounts.parquet")

    from .coordination import write_gexf

    flagged_nodes = set(memb["node"].to_list())
    io.call(write_gexf, result.coordination, out / "graph.gexf", flagged_nodes)
    written.append(out / "graph.gexf")
    edges = result.coordination.edges.filter(pl.col("significant"))
    written.append(io.csv(edges, out / "graph_edges.csv"))
    if result.bursts is not None:
        written.append(io.csv(result.bursts, out / "bursts.csv"))
    review = _review_rows(camp, clusters, flagged_ids, result.reviews)
    written.append(io.csv(review, out / "review.csv"))
    return written, clusters.select(cols)


def _accounts_table(
    campaigns: CampaignResult, coordination: CoordinationResult, comments: pl.DataFrame
) -> pl.DataFrame:
    """accounts.csv: every account, its comments, flagged comments, campaigns and score."""
    memb = campaigns.membership.filter(pl.col("flagged"))
    acc = (
        coordination.accounts.join(
            memb.group_by("node").agg(
                pl.col("campaign_id").sort().str.join(";").alias("campaign_ids")
            ),
            on="node",
            how="left",
        )
        .join(
            comments.filter(pl.col("flagged") & pl.col("account_id").is_not_null())
            .group_by("platform", "account_id")
            .len()
            .rename({"len": "n_flagged_comments"}),
            on=["platform", "account_id"],
            how="left",
        )
        .join(_evidence_of(campaigns), on="node", how="left")
        .select(
            "account_id",
            "platform",
            "n_comments",
            pl.col("n_flagged_comments").fill_null(0),
            pl.col("campaign_ids").fill_null(""),
            "coordination_score",
            "community",
            pl.col("campaign_ids").is_not_null().alias("flagged"),
            "talking_point_share",
            pl.col("evidence").fill_null(""),
        )
        .sort("platform", "account_id")
    )
    return acc


def _evidence_of(campaigns: CampaignResult) -> pl.DataFrame:
    """Each flagged account's evidence in its highest-scoring flagged campaign."""
    ev = campaigns.evidence
    if ev.is_empty():
        return pl.DataFrame(
            schema={"node": pl.String, "talking_point_share": pl.Float64, "evidence": pl.String}
        )
    return (
        ev.join(campaigns.campaigns.select("campaign_id", "score"), on="campaign_id")
        .sort(["score", "campaign_id"], descending=[True, False])
        .unique("node", keep="first", maintain_order=True)
        .select("node", "talking_point_share", "evidence")
    )


def _review_rows(
    camp: pl.DataFrame, clusters: pl.DataFrame, flagged_ids: pl.Series, reviews: dict[str, str]
) -> pl.DataFrame:
    """review.csv: every flagged campaign and its clusters, keyed by content fingerprints."""
    from .review import fingerprint

    schema = {
        "kind": pl.String,
        "id": pl.String,
        "fingerprint": pl.String,
        "cluster_fingerprints": pl.String,
        "what": pl.String,
        "previous": pl.String,
        "decision": pl.String,
        "note": pl.String,
    }
    if camp.height == 0:
        return pl.DataFrame(schema=schema)
    fp_of = {c: fingerprint(t) for c, t in clusters.select("cluster_id", "text_norm").iter_rows()}
    rows = []
    reviewed = (
        camp.filter(pl.col("flagged") | (pl.col("review") != ""))
        if "review" in (camp.columns)
        else camp.filter(pl.col("flagged"))
    )
    for c in reviewed.iter_rows(named=True):
        fps = [fp_of[k] for k in (c["top_clusters"] or []) if k in fp_of]
        rows.append(
            (
                "campaign",
                c["campaign_id"],
                fps[0] if fps else "",
                ";".join(fps),
                c["summary"],
                reviews.get(c["campaign_id"], ""),
                "",
                "",
            )
        )
    for cid, text in (
        clusters.filter(pl.col("campaign_id").is_in(flagged_ids.implode()))
        .select("cluster_id", "representative_text")
        .iter_rows()
    ):
        rows.append(("cluster", cid, fp_of.get(cid, ""), "", text, reviews.get(cid, ""), "", ""))
    return pl.DataFrame(rows, schema=schema, orient="row")
