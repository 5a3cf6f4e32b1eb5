"""Burst detection after Kleinberg (2002): a multi-state automaton over binned counts.

Each series gets states 0..K-1 with rates ``rate_i = base * s**i``, where ``base`` is the
series' own mean count per bin (its base rate). Emitting ``r`` events in a bin costs the
Poisson negative log-likelihood ``rate_i - r * ln(rate_i)`` (constants dropped); moving up
``j - i`` levels costs ``gamma * (j - i) * ln(T)``, moving down is free. The cheapest state
sequence is found by an exact Viterbi, vectorized across series (numpy, one loop over bins).

References
----------
.. [1] J. Kleinberg, "Bursty and hierarchical structure in streams", KDD 2002 (the
   enumerating automaton; here with Poisson counts per bin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from .config import BurstConfig
    from .engine import Engine

__all__ = [
    "BurstJob",
    "burst_states",
    "bursts_table",
    "candidate_bursts",
    "finish_bursts",
    "start_bursts",
]


def burst_states(
    counts: np.ndarray,
    levels: int = 3,
    s: float = 3.0,
    gamma: float = 1.0,
    *,
    base: np.ndarray | None = None,
    n_bins: int | None = None,
) -> np.ndarray:
    """Return the Viterbi state (0 = base rate) of every bin of every series.

    Parameters
    ----------
    counts : array of shape (m, T) or (T,)
        Events per bin.
    levels : int
        Number of states (0 .. levels-1).
    s : float
        Rate ratio between consecutive states.
    gamma : float
        Cost of moving up one level, in units of ``ln(T)``.
    base, n_bins : optional
        Each series' base rate and the number of bins of its whole span, when ``counts``
        holds a window of it (see :func:`bursts_table`); default: ``counts``' own.

    Returns
    -------
    array of int8, the shape of ``counts``.

    Examples
    --------
    >>> burst_states(np.array([1, 1, 1, 1, 12, 14, 13, 1, 1, 1, 1, 1]), levels=2).tolist()
    [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    >>> burst_states(np.array([2, 2, 3, 2, 2, 3, 2, 2]), levels=3).tolist()
    [0, 0, 0, 0, 0, 0, 0, 0]
    """
    c = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    m, t_len = c.shape
    mean = c.mean(axis=1, keepdims=True) if base is None else base.reshape(m, 1)
    rates = np.maximum(mean, 1e-9) * s ** np.arange(levels)[None, :]  # (m, K)
    up = gamma * np.log(max(t_len if n_bins is None else n_bins, 2))
    k = np.arange(levels)
    trans = np.where(k[None, :] > k[:, None], (k[None, :] - k[:, None]) * up, 0.0)  # (K, K)
    cost = np.full((m, levels), np.inf)
    cost[:, 0] = 0.0
    back = np.zeros((t_len, m, levels), dtype=np.int8)
    log_rates = np.log(rates)
    for t in range(t_len):
        emit = rates - c[:, t : t + 1] * log_rates  # (m, K)
        total = cost[:, :, None] + trans[None, :, :]  # (m, from, to)
        back[t] = total.argmin(axis=1)
        cost = total.min(axis=1) + emit
    states = np.zeros((m, t_len), dtype=np.int8)
    cur = cost.argmin(axis=1)
    rows = np.arange(m)
    for t in range(t_len - 1, -1, -1):
        states[:, t] = cur
        cur = back[t, rows, cur]
    return states if np.ndim(counts) == 2 else states[0]


# Bins of one Viterbi batch (series x bins of their windows): bounds memory (8 bytes of counts
# and ``levels`` bytes of back-pointers per cell) whatever the number of series and the span.
_BATCH_CELLS = 4_000_000


def _runs(
    row: np.ndarray,
    bin_: np.ndarray,
    weight: np.ndarray,
    n_rows: int,
    n_bins: int,
    levels: int,
    s: float,
    gamma: float,
) -> list[tuple[int, int, int, int, int, float]]:
    """Return the burst runs of every series, sorted by row and bin.

    Burst runs ``(row, level, first bin, last bin, count, expected)`` of every series, sorted by
    row and bin.

    Each series is run on its own window, from its first to its last event: before its
    first event the cheapest path is the base state (its rate is the lowest, and a move up
    costs the same at the first event as before it), and after its last event every path
    drops to the base state for free; so the window gives the states of the whole span,
    with the base rate and the move cost of the whole span. Series go in batches of windows
    of similar length (padded with empty bins, which the same argument leaves at the base
    state), so the work is the sum of the windows, not series x span.
    """
    total = np.bincount(row, weights=weight, minlength=n_rows)
    base = total / n_bins  # the mean over the whole span
    first = np.full(n_rows, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.zeros(n_rows, dtype=np.int64)
    np.minimum.at(first, row, bin_)
    np.maximum.at(last, row, bin_)
    length = last - first + 1
    # batches: windows of the same power-of-two length class, at most _BATCH_CELLS bins each
    klass = np.ceil(np.log2(length)).astype(np.int64)
    order = np.lexsort((np.arange(n_rows), klass))
    # the events in the order of their series' batch position: each batch is one slice
    pos = np.empty(n_rows, dtype=np.int64)
    pos[order] = np.arange(n_rows)
    by_pos = np.argsort(pos[row], kind="stable")
    ev_pos = pos[row][by_pos]
    out: list[tuple[int, int, int, int, int, float]] = []
    start = 0
    while start < n_rows:
        width = int(2 ** klass[order[start]])
        stop = start + 1
        cap = max(1, _BATCH_CELLS // width)
        while stop < n_rows and klass[order[stop]] == klass[order[start]] and stop - start < cap:
            stop += 1
        lo, hi = np.searchsorted(ev_pos, [start, stop])
        ev = by_pos[lo:hi]
        out += _batch_runs(
            order[start:stop],
            ev_pos[lo:hi] - start,
            bin_[ev] - first[row[ev]],
            weight[ev],
            first,
            base,
            width,
            (n_bins, levels, s, gamma),
        )
        start = stop
    out.sort(key=lambda r: (r[0], r[2]))
    return out


def _batch_runs(
    rows: np.ndarray,
    local: np.ndarray,
    offset: np.ndarray,
    weight: np.ndarray,
    first: np.ndarray,
    base: np.ndarray,
    width: int,
    params: tuple[int, int, float, float],
) -> list[tuple[int, int, int, int, int, float]]:
    """Burst runs of the series ``rows``, each on ``width`` bins from its first event.

    The batch's events are given by series position in ``rows`` and bin offset in its window.
    ``params``: the whole span's bins, then levels, s and gamma of :func:`burst_states`.
    """
    n_bins, levels, s, gamma = params
    mat = np.zeros((len(rows), width), dtype=np.float64)
    np.add.at(mat, (local, offset), weight)
    st = burst_states(mat, levels, s, gamma, base=base[rows], n_bins=n_bins)
    out = []
    r_idx, b_idx = np.nonzero(st > 0)
    if len(r_idx):
        # runs: consecutive bins of one series at level >= 1
        new_run = np.ones(len(r_idx), dtype=bool)
        new_run[1:] = (r_idx[1:] != r_idx[:-1]) | (b_idx[1:] != b_idx[:-1] + 1)
        starts = np.flatnonzero(new_run)
        ends = np.concatenate((starts[1:], [len(r_idx)])) - 1
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            r = int(r_idx[a])
            b0, b1 = int(b_idx[a]), int(b_idx[b])
            g = int(rows[r])
            out.append(
                (
                    g,
                    int(st[r, b0 : b1 + 1].max()),
                    b0 + int(first[g]),
                    b1 + int(first[g]),
                    int(mat[r, b0 : b1 + 1].sum()),
                    float(base[g] * (b1 - b0 + 1)),
                )
            )
    return out


#: bursts.csv's columns and types.
BURSTS_SCHEMA: dict[str, Any] = {
    "series": pl.String,
    "kind": pl.String,
    "level": pl.Int8,
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "count": pl.Int64,
    "expected": pl.Float64,
}


def bursts_table(
    series: pl.DataFrame,
    bin_s: int,
    levels: int = 3,
    s: float = 3.0,
    gamma: float = 1.0,
    span_us: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """Bursts of many series at once.

    Parameters
    ----------
    series : pl.DataFrame
        ``series`` (name), ``kind`` and ``t`` (Datetime) of every event; or, with a count
        column ``n``, of every group of ``n`` events of one series within one bin.
    bin_s : int
        Bin width in seconds; all series share the bins of the whole time span.
    span_us : (int, int), optional
        That span (first and last event, UTC microseconds) when ``series`` is a part of
        the whole: parts then get the bins, hence the bursts, of one call on the whole.
    levels : int
        Automaton states (base, burst, strong burst, ...).
    s : float
        Rate ratio between consecutive states.
    gamma : float
        Cost of moving up one level, in units of ln(number of bins).

    Returns
    -------
    pl.DataFrame
        One row per maximal run of bins at level >= 1: series, kind, level (the run's highest),
        start, end, count, expected (the base rate times the run's bins).
    """
    if series.height == 0:
        return pl.DataFrame(schema=BURSTS_SCHEMA)
    t_us = series["t"].dt.epoch("us")
    first, last = span_us if span_us is not None else span_us_of(series["t"])
    t0 = first // (bin_s * 1_000_000) * bin_s * 1_000_000
    bins = ((t_us - t0) // (bin_s * 1_000_000)).to_numpy()
    n_bins = (last - t0) // (bin_s * 1_000_000) + 1
    keys = series.select("series", "kind").with_columns(pl.Series("bin", bins))
    names = keys.select("series", "kind").unique(maintain_order=True)
    idx = names.with_row_index("row")
    keys = keys.join(idx, on=["series", "kind"], how="left", maintain_order="left")
    weight = series["n"].to_numpy() if "n" in series.columns else np.ones(series.height)
    rows_out = _runs(
        keys["row"].to_numpy(),
        keys["bin"].to_numpy(),
        weight,
        names.height,
        n_bins,
        levels,
        s,
        gamma,
    )
    if not rows_out:
        return bursts_table(series.clear(), bin_s)
    arr = np.array(rows_out, dtype=np.float64)
    out = pl.DataFrame(
        {
            "row": arr[:, 0].astype(np.uint32),
            "level": arr[:, 1].astype(np.int8),
            "start_us": (t0 + arr[:, 2].astype(np.int64) * bin_s * 1_000_000),
            "end_us": (t0 + (arr[:, 3].astype(np.int64) + 1) * bin_s * 1_000_000),
            "count": arr[:, 4].astype(np.int64),
            "expected": np.round(arr[:, 5], 2),
        }
    )
    return out.join(idx, on="row", how="left").select(
        "series",
        "kind",
        "level",
        pl.col("start_us").cast(pl.Datetime("us", "UTC")).alias("start"),
        pl.col("end_us").cast(pl.Datetime("us", "UTC")).alias("end"),
        "count",
        "expected",
    )


def span_us_of(times: pl.Series) -> tuple[int, int]:
    """Return the first and last of ``times`` in UTC microseconds ((0, 0) when there are none)."""
    t = times.dt.epoch("us")
    if t.is_empty() or t.null_count() == len(t):
        return (0, 0)
    return (cast(int, t.min()), cast(int, t.max()))


@dataclass
class BurstJob:
    """The bursts of the series that need no campaigns, being found on a worker.

    Attributes
    ----------
    handle : Any
        The engine's task handle.
    span_us : tuple of int
        The dump's first and last time (UTC microseconds): every series' bins.
    """

    handle: Any
    span_us: tuple[int, int]


def start_bursts(comments: pl.DataFrame, cfg: BurstConfig, engine: Engine) -> BurstJob:
    """Submit the bursts of the whole dump, each sizeable cluster and each busy thread.

    A worker finds them while this process builds the graph; the campaigns' series share
    the dump's span, hence its bins.

    Parameters
    ----------
    comments : polars.DataFrame
        The comment table with ``cluster_id``.
    cfg : BurstConfig
        The burst parameters and the sizes that make a cluster or thread a series.
    engine : Engine
        Where the task runs.
    """
    c = comments
    span = span_us_of(c["created_at"])
    big_clusters = (
        c.group_by("cluster_id").len().filter(pl.col("len") >= cfg.min_cluster_comments)
    )["cluster_id"]
    busy = (c.group_by("thread_id").len().filter(pl.col("len") >= cfg.min_thread_comments))[
        "thread_id"
    ]
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
    # counted per series and bin here: the worker gets thousands of rows, not every event
    step = cfg.bin_s * 1_000_000
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
    return BurstJob(engine.submit(bursts_table, series, *_burst_args(cfg, span)), span)


def _series(frame: pl.DataFrame, name: str | pl.Expr, kind: str) -> pl.DataFrame:
    """Events of burst series: (series name, kind, time) per comment of ``frame``."""
    name = pl.col(name) if isinstance(name, str) else name
    return frame.select(
        name.alias("series"), pl.lit(kind).alias("kind"), pl.col("created_at").alias("t")
    )


def _burst_args(cfg: BurstConfig, span: tuple[int, int]) -> tuple[Any, ...]:
    return (cfg.bin_s, cfg.levels, cfg.s, cfg.gamma, span)


def candidate_bursts(
    candidates: pl.DataFrame, cfg: BurstConfig, span_us: tuple[int, int]
) -> pl.DataFrame:
    """Return the bursts of each campaign candidate's comments, on the dump's bins.

    A candidate is bursty against the whole time span; its burstiness sub-score and the
    bursts the report draws for its campaign are these.

    Parameters
    ----------
    candidates : polars.DataFrame
        ``cand`` (the candidate) and ``created_at`` of each of its comments.
    cfg : BurstConfig
        The burst parameters.
    span_us : tuple of int
        The dump's first and last time (see :class:`BurstJob`).
    """
    series = candidates.select(
        pl.col("cand").alias("series"),
        pl.lit("campaign").alias("kind"),
        pl.col("created_at").alias("t"),
    )
    return bursts_table(series, *_burst_args(cfg, span_us))


def finish_bursts(job: BurstJob, campaigns: pl.DataFrame, engine: Engine) -> pl.DataFrame:
    """bursts.csv: the dump's, each sizeable cluster's, campaign's and busy thread's bursts.

    Parameters
    ----------
    job : BurstJob
        What :func:`start_bursts` returned.
    campaigns : polars.DataFrame
        The campaigns' bursts (:func:`candidate_bursts`, series named by campaign id).
    engine : Engine
        The engine ``job`` runs on.
    """
    rest = engine.gather([job.handle])[0]
    return pl.concat(
        [
            rest.filter(pl.col("kind") != "thread"),
            campaigns,
            rest.filter(pl.col("kind") == "thread"),
        ]
    )
