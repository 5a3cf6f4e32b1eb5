"""The whole job: the stages in order, and their timings.

``analyze(inputs, config)`` runs ingest, near-duplicates, coordination, campaigns and bursts
and returns a :class:`~bot_analysis.result.Result` of the output tables; nothing is written
until ``result.write(out)``. Each stage is a pure function of its own module; this module
only orders them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from .config import Config
from .errors import IngestFailed
from .ingest import read_inputs
from .result import Result, peak_rss_mb

if TYPE_CHECKING:  # the analysis stages are imported when they run: ingest stays light
    from .campaigns import CampaignResult
    from .coordination import CoordinationResult
    from .engine import Engine

__all__ = ["analyze", "load_comments"]


@contextmanager
def _stage(result: Result, name: str) -> Iterator[None]:
    """Record the wall time and the peak memory after stage ``name``."""
    t0 = time.perf_counter()
    yield
    result.timings[name] = round(time.perf_counter() - t0, 3)
    result.peak_mb[name] = peak_rss_mb()


def load_comments(
    inputs: list[str | Path],
    config: Config | None = None,
    *,
    fmt: str | None = None,
    progress: Callable[..., None] | None = None,
    engine: Engine | None = None,
) -> Result:
    """Read dump files into the canonical comment table (the ingest stage only).

    Parameters
    ----------
    inputs : list of str or Path
        Dump files, folders or archives (see ``bot-analysis formats``).
    config : Config, optional
        Every parameter (its ``ingest`` section is used).
    fmt : str, optional
        Force one input format instead of sniffing.
    progress : callable, optional
        ``progress(stage, done, total, info=...)`` for a progress display.
    engine : Engine, optional
        Where the files are parsed (default: in this process).

    Returns
    -------
    Result
        ``comments`` and ``rejects`` (the analysis tables are ``None``).

    Raises
    ------
    IngestFailed
        When a file's records were all rejected (the wrong reader, a missing ``--naive-tz``
        or ``--map``) or nothing was accepted; its ``result`` holds the rejects.
    """
    from .engine import LocalEngine

    cfg = config or Config()
    engine = engine or LocalEngine(1)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    kwargs = {"progress": progress} if progress else {}
    ing = read_inputs(list(inputs), cfg.ingest, fmt=fmt, engine=engine, **kwargs)
    result = Result(
        cfg,
        [str(p) for p in inputs],
        ing.comments,
        ing.rejects,
        ing.counts(),
        ing.files,
        ing.skipped_files,
        timings={"ingest": round(time.perf_counter() - t0, 3)},
        peak_mb={"ingest": peak_rss_mb()},
        started_at=started,
        engine=engine.info(),
    )
    failures = ing.failures()
    if failures:
        raise IngestFailed("; ".join(failures), result)
    return result


def analyze(
    inputs: list[str | Path],
    config: Config | None = None,
    *,
    fmt: str | None = None,
    progress: Callable[..., None] | None = None,
    review_store: str | Path | None = None,
    engine: Engine | None = None,
) -> Result:
    """Run every stage on ``inputs`` and return the output tables (nothing is written).

    Parameters
    ----------
    inputs : list of str or Path
        Dump files, folders or archives (see ``bot-analysis formats``).
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

    Returns
    -------
    Result
        The tables of the output contract; ``result.write(out)`` writes them.
    """
    from .bursts import candidate_bursts, finish_bursts, start_bursts
    from .campaigns import find_candidates, score_candidates
    from .coordination import build_graph
    from .engine import LocalEngine
    from .neardup import find_clusters
    from .review import carry_reviews, cluster_texts
    from .spill import spill_derived, spill_output_only

    cfg = config or Config()
    engine = engine or LocalEngine(1)
    engine.start()  # worker processes import the package while the client sniffs inputs
    result = load_comments(inputs, cfg, fmt=fmt, progress=progress, engine=engine)
    say = progress or (lambda *a, **k: None)
    result.comments, result.spill = spill_output_only(result.comments, cfg)
    with _stage(result, "neardup"):
        say("neardup", 0, None, info="normalizing, MinHash, LSH")
        nd = find_clusters(result.comments, cfg.neardup, cfg.seed, engine, cfg.work_dir)
        texts = cluster_texts(nd.comments) if review_store is not None else None
        result.comments = spill_derived(nd.comments, result.spill)
        clusters, result.stats["neardup"] = nd.clusters, nd.stats
        del nd  # its comment table would keep the spilled columns in memory
        bursts = start_bursts(result.comments, cfg.bursts, engine)
    with _stage(result, "coordination"):
        say("coordination", 0, None, info="co-action graph")
        co = build_graph(result.comments, cfg.coordination, cfg.seed, engine)
    with _stage(result, "campaigns"):
        say("campaigns", 0, None, info="bursts and campaigns")
        cands = find_candidates(result.comments, clusters, co, cfg.campaigns)
        # the candidates' bursts: their burstiness, and their campaigns' bursts in the report
        cand_bursts = candidate_bursts(cands.comments, cfg.bursts, bursts.span_us)
        cp = score_candidates(cands, cand_bursts, co, cfg.campaigns)
        if review_store is not None and texts is not None:
            cp, result.reviews, result.new_ids = carry_reviews(review_store, cp, texts)
        result.bursts = finish_bursts(bursts, cp.bursts, engine)
    with _stage(result, "tables"):
        _tables(result, clusters, co, cp)
    result.stats |= {"coordination": co.stats, "campaigns": cp.stats}
    return result


def _tables(
    result: Result, clusters: pl.DataFrame, co: CoordinationResult, cp: CampaignResult
) -> None:
    """Build the output contract's tables from the stages' results (see ``report/tables.py``)."""
    from .report import tables

    result.comments = comments = tables.with_campaigns(result.comments, cp.comment_campaign)
    result.campaigns = cp.campaigns
    result.clusters = tables.clusters_table(clusters, comments)
    result.members = tables.campaign_accounts(cp.membership, cp.evidence)
    evidence = tables.evidence_of(cp.evidence, cp.campaigns)
    result.accounts = tables.accounts_table(co.accounts, cp.membership, comments, evidence)
    source = None
    if "source" not in comments.columns and result.spill is not None:
        source = result.spill.column("source", comments["flagged"].arg_true())
    result.flagged_comments = tables.flagged_comments(comments, source)
    result.edges = co.edges.filter(pl.col("significant"))
    result.graph = co.graph
    result.review = tables.review_rows(cp.campaigns, result.clusters, result.reviews)
