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
