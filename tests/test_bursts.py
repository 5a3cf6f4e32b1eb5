"""Kleinberg bursts: known onsets and ends, flat and slowly rising series, many series at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from bot_analysis.bursts import burst_states, bursts_table


@pytest.mark.parametrize(("onset", "end"), [(10, 14), (30, 41), (5, 6)])
def test_onset_and_end_within_one_bin(onset: int, end: int):
    rng = np.random.default_rng(onset)
    counts = rng.poisson(2, 60)
    counts[onset : end + 1] += 25
    st = burst_states(counts, levels=3)
    on = np.flatnonzero(st > 0)
    assert abs(on[0] - onset) <= 1
    assert abs(on[-1] - end) <= 1


def test_flat_and_slowly_rising_series_have_no_burst():
    rng = np.random.default_rng(0)
    flat = rng.poisson(5, 200)
    rising = rng.poisson(np.linspace(4, 8, 200))
    assert burst_states(flat).max() == 0
    assert burst_states(rising).max() == 0


def test_hand_computed_two_state_case():
    # base rate 3; a jump to 9 events for two bins: staying at rate 3 costs
    # 2 * (3 - 9 ln 3) = -13.78; rate 9 costs 2 * (9 - 9 ln 9) = -21.55 plus one move up
    # ln(8) = 2.08 (coming down is free): the burst pays, so bins 3-4 are in state 1.
    counts = np.array([1, 1, 1, 9, 9, 1, 1, 1])
    assert burst_states(counts, levels=2, s=3.0, gamma=1.0).tolist() == [0, 0, 0, 1, 1, 0, 0, 0]


def test_vectorized_equals_one_by_one():
    rng = np.random.default_rng(3)
    mat = rng.poisson(3, (20, 48))
    mat[::3, 20:24] += 20
    together = burst_states(mat)
    alone = np.stack([burst_states(row) for row in mat])
    assert np.array_equal(together, alone)


def test_bursts_table():
    t0 = datetime(2024, 10, 22, tzinfo=UTC)
    times = [t0 + timedelta(hours=h, minutes=m) for h in range(48) for m in (0, 30)]
    times += [t0 + timedelta(hours=20, minutes=m) for m in range(60)]  # a burst at hour 20
    df = pl.DataFrame({"series": ["s"] * len(times), "kind": ["cluster"] * len(times), "t": times})
    b = bursts_table(df, 3600)
    assert b.height == 1
    row = b.row(0, named=True)
    assert row["start"] == t0 + timedelta(hours=20)
    assert row["end"] == t0 + timedelta(hours=21)
    assert row["count"] == 62
    assert row["expected"] < 5


def _dense_runs(series: pl.DataFrame, bin_s: int) -> list[tuple]:
    """The bursts of every series on the whole span's grid (series x bins): the reference
    that the windowed computation must reproduce."""
    t_us = series["t"].dt.epoch("us").to_numpy()
    step = bin_s * 1_000_000
    t0 = t_us.min() // step * step
    bins = (t_us - t0) // step
    names = series["series"].unique(maintain_order=True).to_list()
    row = np.array([names.index(x) for x in series["series"].to_list()])
    mat = np.zeros((len(names), int(bins.max()) + 1))
    np.add.at(mat, (row, bins), 1)
    st = burst_states(mat)
    out = []
    for r in range(len(names)):
        on = np.flatnonzero(st[r] > 0)
        if len(on):
            for run in np.split(on, np.flatnonzero(np.diff(on) > 1) + 1):
                out.append((names[r], int(run[0]), int(run[-1]), int(mat[r, run].sum())))
    return sorted(out)


@pytest.mark.parametrize("seed", range(6))
def test_windows_give_the_bursts_of_the_whole_grid(seed: int):
    # sparse series over a long span (pushes, stray posts, a busy series): each series is
    # computed on its own window, and must give what the whole span's grid gives
    rng = np.random.default_rng(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for k in range(40):
        n_push = rng.integers(0, 4)
        for _ in range(n_push):
            at = rng.integers(0, 2_000)
            rows += [(f"s{k}", at + rng.integers(0, 3)) for _ in range(rng.integers(5, 40))]
        rows += [(f"s{k}", rng.integers(0, 2_000)) for _ in range(rng.integers(1, 15))]
    rows += [("busy", h) for h in rng.integers(0, 2_000, 3_000)]
    series = pl.DataFrame(
        {
            "series": [r[0] for r in rows],
            "kind": ["cluster"] * len(rows),
            "t": [t0 + timedelta(hours=int(h)) for _, h in rows],
        }
    )
    got = bursts_table(series, 3600)
    start0 = series["t"].min()
    windowed = sorted(
        (
            r["series"],
            int((r["start"] - start0).total_seconds() // 3600),
            int((r["end"] - start0).total_seconds() // 3600) - 1,
            r["count"],
        )
        for r in got.iter_rows(named=True)
    )
    assert windowed == _dense_runs(series, 3600)
    assert len(windowed) > 0
