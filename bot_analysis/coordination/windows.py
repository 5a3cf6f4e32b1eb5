"""Co-action windows per kind.

Estimated from the data (the coordination interval, as CooRnet estimates it), clamped by a guard,
and the slow scale tested beside them.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import polars as pl

from ..config import KINDS, CoordinationConfig
from .events import CodedEvents, encode

log = logging.getLogger(__package__)

__all__ = [
    "estimate_windows",
    "slow_windows",
    "window_us_of",
    "windows_of",
]


def estimate_windows(events: pl.DataFrame, cfg: CoordinationConfig) -> dict[str, float]:
    """Seconds per kind: the configured windows.

    Else the coordination interval estimated from the data as CooRnet's
    ``estimate_coord_interval`` does [1]_ (see :func:`windows_of`).

    Parameters
    ----------
    events : polars.DataFrame
        Co-action events (see :func:`co_action_events`).
    cfg : CoordinationConfig
        Its ``window_s`` (configured windows) or the estimate's quantiles and guard.
    """
    return windows_of(encode(events), cfg)[0]


def windows_of(ev: CodedEvents, cfg: CoordinationConfig) -> tuple[dict[str, float], dict[str, Any]]:
    """Return the window per kind and how it was found.

    Per kind, over items used by two or more accounts (each account's first use): the items
    whose second account came fastest (the ``window_fastest`` quantile of that delay) are
    kept; for each of them, the delay from its first use to the use that takes it past
    ``window_reach`` of its accounts; the window is the median of those delays. The clamp
    [window_min_s, window_max_s] (threads: thread_window_max_s) is a guard: when it binds,
    the estimate is recorded beside it and a warning is logged.
    """
    given = cfg.window_s or {}
    firsts = (
        pl.DataFrame({"ic": ev.ic, "nc": ev.nc, "t": ev.t})
        .group_by("ic", "nc")
        .agg(pl.col("t").min())
        .sort("ic", "t")
        .group_by("ic", maintain_order=True)
        .agg(pl.col("t"))
        .filter(pl.col("t").list.len() >= 2)
    )
    n = pl.col("t").list.len()
    reach = (n.cast(pl.Float64) * cfg.window_reach).floor().cast(pl.Int64).clip(upper_bound=n - 1)
    delays = firsts.select(
        "ic",
        ((pl.col("t").list.get(1) - pl.col("t").list.first()) / 1e6).alias("second"),
        ((pl.col("t").list.get(reach) - pl.col("t").list.first()) / 1e6).alias("delay"),
    )
    delays = delays.with_columns(pl.Series("kc", ev.item_kc[delays["ic"].to_numpy()]))
    out: dict[str, float] = {}
    how: dict[str, Any] = {}
    for code, kind in enumerate(KINDS):
        if kind in given:
            out[kind] = float(given[kind])
            how[kind] = {"seconds": out[kind], "source": "config"}
            continue
        d = delays.filter(pl.col("kc") == code)
        top = cfg.thread_window_max_s if kind == "thread" else cfg.window_max_s
        if d.height == 0:
            out[kind] = float(top)
            how[kind] = {"seconds": out[kind], "source": "no item used by two accounts"}
            continue
        cut = d["second"].quantile(cfg.window_fastest, "lower")
        fast = d.filter(pl.col("second") <= cut).sort("delay", "ic")
        est = fast["delay"].quantile(0.5, "linear") or 0.0
        out[kind] = float(min(max(est, cfg.window_min_s), top))
        how[kind] = {
            "seconds": out[kind],
            "source": "estimated",
            "estimate_s": round(est, 3),
            "items_used": fast.height,
            "items_with_two_accounts": d.height,
            "example_items": ev.item_names(fast["ic"].head(3).to_list()),
        }
        if out[kind] != est:
            how[kind]["clamped"] = "min" if est < out[kind] else "max"
            # (threads are busy for hours: their bound is the design, not a guard)
            if how[kind]["clamped"] == "max" and kind != "thread":
                log.warning(
                    "coordination: the %s window estimate (%.0f s) is above the %.0f s guard; "
                    "using %.0f s (set coordination.window_s to choose)",
                    kind,
                    est,
                    top,
                    top,
                )
    return out, how


def slow_windows(how: dict[str, Any], cfg: CoordinationConfig) -> dict[str, float]:
    """Seconds per kind of the second, slow scale.

    The guard's upper bound, for the kinds whose window was estimated shorter than it.
    """
    out = {}
    for kind, h in how.items():
        top = cfg.thread_window_max_s if kind == "thread" else cfg.window_max_s
        if h["source"] == "estimated" and h["seconds"] < top:
            out[kind] = float(top)
    return out


def window_us_of(windows: dict[str, float]) -> np.ndarray:
    """Microseconds per kind code; a kind without a window pairs nothing (-1)."""
    return np.array([int(windows[k] * 1e6) if k in windows else -1 for k in KINDS], np.int64)
