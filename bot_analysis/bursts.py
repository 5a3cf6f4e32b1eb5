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

import numpy as np
import polars as pl

__all__ = ["burst_states", "bursts_table"]


def burst_states(
    counts: np.ndarray, levels: int = 3, s: float = 3.0, gamma: float = 1.0
) -> np.ndarray:
    """The Viterbi state (0 = base rate) of every bin of every series.

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
    base = np.maximum(c.mean(axis=1, keepdims=True), 1e-9)  # (m, 1)
    rates = base * s ** np.arange(levels)[None, :]  # (m, K)
    up = gamma * np.log(max(t_len, 2))
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

    Returns
    -------
    pl.DataFrame
        One row per maximal run of bins at level >= 1: series, kind, level (the run's highest),
        start, end, count, expected (the base rate times the run's bins).
    """
    if series.height == 0:
        return pl.DataFrame(
            schema={
                "series": pl.String,
                "kind": pl.String,
                "level": pl.Int8,
                "start": pl.Datetime("us", "UTC"),
                "end": pl.Datetime("us", "UTC"),
                "count": pl.Int64,
                "expected": pl.Float64,
            }
        )
    t_us = series["t"].dt.epoch("us")
    first, last = span_us if span_us is not None else (int(t_us.min()), int(t_us.max()))
    t0 = first // (bin_s * 1_000_000) * bin_s * 1_000_000
    bins = ((t_us - t0) // (bin_s * 1_000_000)).to_numpy()
    n_bins = (last - t0) // (bin_s * 1_000_000) + 1
    keys = series.select("series", "kind").with_columns(pl.Series("bin", bins))
    names = keys.select("series", "kind").unique(maintain_order=True)
    idx = names.with_row_index("row")
    keys = keys.join(idx, on=["series", "kind"], how="left", maintain_order="left")
    mat = np.zeros((names.height, n_bins), dtype=np.float64)
    weight = series["n"].to_numpy() if "n" in series.columns else 1
    np.add.at(mat, (keys["row"].to_numpy(), keys["bin"].to_numpy()), weight)
    st = burst_states(mat, levels, s, gamma)
    rows_out = []
    base = mat.mean(axis=1)
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
            rows_out.append(
                (
                    r,
                    int(st[r, b0 : b1 + 1].max()),
                    b0,
                    b1,
                    int(mat[r, b0 : b1 + 1].sum()),
                    float(base[r] * (b1 - b0 + 1)),
                )
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
