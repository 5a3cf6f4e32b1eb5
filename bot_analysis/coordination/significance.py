"""Are two accounts' co-actions more than chance.

The configuration-model null, its Poisson tail per pair and kind, and the Benjamini-Hochberg
q-values over every tested pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from scipy.special import gammainc

from ..config import KINDS, CoordinationConfig
from ..schema import is_repost
from ._kernels import KIND_BITS, KIND_MASK, count_sorted, window_pairs_per_run
from .events import CodedEvents, node_bits
from .pairs import partitioned_pairs
from .windows import slow_windows, window_us_of

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "benjamini_hochberg",
    "expected_co_actions",
    "pair_tests",
    "significant_edges",
    "single_texts",
    "tested_edges",
]


_KIND_NAME_RANK = {KINDS.index(k): r for r, k in enumerate(sorted(KINDS))}


_MAX_SIG = 50.0  # -log10 p is capped here (p below 1e-50 is all the same to a reviewer)


def single_texts(comments: pl.DataFrame, ev: CodedEvents) -> tuple[pl.DataFrame, float]:
    """Count the authored texts no one shares, for the text kind's null.

    Authored comments in no informative cluster (each a text item of its own that no one
    shares), for the text kind's null: (kc, nc, n) per account with events, and the count over
    every account (all of them are part of the kind's total, events or not).
    """
    cols = comments.columns
    n = (
        comments.filter(
            pl.col("account_id").is_not_null()
            & ~(pl.col("cluster_informative").fill_null(False) & pl.col("cluster_id").is_not_null())
            & (pl.col("fragments").list.len() == 0 if "fragments" in cols else True)
            & ~is_repost(cols)
        )
        .group_by(pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"))
        .len("n")
    )
    per_node = n.join(
        pl.DataFrame({"node": ev.nodes}).with_row_index("nc"), on="node", how="inner"
    ).select(pl.lit(KINDS.index("text"), dtype=pl.UInt8).alias("kc"), "nc", "n")
    return per_node, float(n["n"].sum())


def pair_tests(
    ev: CodedEvents,
    keys: np.ndarray,
    min_items: int,
    window_us: np.ndarray,
    singles: pl.DataFrame | None = None,
    singles_total: float = 0.0,
) -> tuple[pl.DataFrame, int]:
    """Per (a, b, kc) as codes.

    Distinct co-action items, expected count under the null, p-value and the best p-value the
    pair could have had (every item of its less active account shared); for the (a, b, kind)
    with at least ``min_items`` items, and the count of all of them.

    ``keys`` are the packed pairs of :func:`pair_keys`, one per (item, a, b). The null is a
    configuration model conditioned on each item's own timeline: item ``i`` (``s_i``
    accounts, ``e_i`` events) brings two random users of it inside the window with the share
    ``f_i`` of its event pairs that are (all counted, whatever ``max_neighbours``), see
    :func:`expected_co_actions`: an item spread over days adds little, a burst adds its full
    weight, and many accounts meeting once around one viral item explain each other away.
    """
    nb = node_bits(ev)
    # one int64 column, sorted on every core by polars, then counted in one pass: a fraction
    # of a hash group-by's time and memory
    k, n_items, n_all, _ = count_sorted(pl.Series(keys).sort().to_numpy(), min_items)
    counts = pl.DataFrame(
        {
            "a": k >> (nb + KIND_BITS),
            "b": (k >> KIND_BITS) & ((1 << nb) - 1),
            "kc": (k & KIND_MASK).astype(np.uint8),
            "n_items": n_items.astype(np.int64),
        }
    )
    del k, n_items
    item_acc, k_acc = _activity(ev, window_us, singles)
    e = counts.join(
        k_acc.rename({"nc": "a", "k": "ka", "k_items": "ia"}), on=["kc", "a"], how="left"
    ).join(k_acc.rename({"nc": "b", "k": "kb", "k_items": "ib"}), on=["kc", "b"], how="left")
    extra = np.zeros(len(KINDS))
    extra[KINDS.index("text")] = singles_total
    n_ev = item_acc["e"].to_numpy().astype(np.float64)
    f = (item_acc["within"].to_numpy() / np.maximum(n_ev * (n_ev - 1) / 2, 1)).clip(0, 1)
    e = e.with_columns(
        pl.Series(
            "expected",
            expected_co_actions(
                e["kc"].to_numpy(),
                e["ka"].to_numpy(),
                e["kb"].to_numpy(),
                item_acc["kc"].to_numpy(),
                item_acc["s"].to_numpy(),
                f,
                extra,
            ),
        )
    )
    k = e["n_items"].to_numpy()
    lam = np.maximum(e["expected"].to_numpy(), 1e-12)
    p = gammainc(k, lam)  # P(X >= k) for X ~ Poisson(lam), k >= 1 (regularized gamma)
    best = gammainc(np.minimum(e["ia"].to_numpy(), e["ib"].to_numpy()), lam)
    out = e.select("a", "b", "kc", "n_items", "expected").with_columns(
        pl.Series("p_value", p), pl.Series("best_p", best)
    )
    return out, n_all


def _activity(
    ev: CodedEvents, window_us: np.ndarray, singles: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the null's inputs.

    Per item its kind, accounts ``s``, events ``e`` and event pairs inside the window; per
    (kind, account) its items ``k`` (those it posted alone included: ``singles``) and
    ``k_items`` (those that could be shared).
    """
    within = window_pairs_per_run(ev.ic, ev.t, window_us[ev.item_kc], ev.item_first)
    evf = pl.DataFrame({"ic": ev.ic, "kc": ev.kc, "nc": ev.nc})
    item_acc = (
        evf.group_by("ic")
        .agg(pl.col("kc").first(), pl.col("nc").n_unique().alias("s"), pl.len().alias("e"))
        .sort("ic")
        .with_columns(pl.Series("within", within))
    )
    k_acc = evf.group_by("kc", "nc").agg(pl.col("ic").n_unique().alias("k"))
    if singles is None:
        singles = pl.DataFrame(schema={"kc": pl.UInt8, "nc": pl.Int64, "n": pl.UInt32})
    singles = singles.with_columns(pl.col("kc").cast(pl.UInt8), pl.col("nc").cast(pl.Int64))
    # k: items shared or not (the null's activity); k_items: items that could be shared
    k_acc = (
        k_acc.with_columns(pl.col("k").alias("k_items"))
        .join(singles, on=["kc", "nc"], how="left")
        .with_columns((pl.col("k") + pl.col("n").fill_null(0)).alias("k"))
        .drop("n")
    )
    return item_acc, k_acc


def expected_co_actions(
    kc: np.ndarray,
    ka: np.ndarray,
    kb: np.ndarray,
    item_kc: np.ndarray,
    item_s: np.ndarray,
    item_f: np.ndarray,
    extra_total: np.ndarray | None = None,
) -> np.ndarray:
    """Return the expected co-actions of each pair under the null.

    Expected co-actions of each pair (kind ``kc``; its accounts used ``ka`` and ``kb`` items of
    the kind) under the null: ``sum_i P(a uses i) P(b uses i) f_i``, with ``P(a uses i) = min(1,
    k_a s_i / S)`` (items drawn in proportion to their accounts ``s_i``, ``S = sum s_i`` plus
    ``extra_total[kind]`` uses of single-use items; an account uses an item at most once, so a
    viral item saturates) and ``f_i`` the share of the item's event pairs inside the window.

    Computed per pair in O(log items) from prefix sums over the items sorted by ``s_i``:
    items too small to saturate either account add ``k_a k_b s_i^2 f_i / S^2``, items that
    saturate only the more active one add ``k_b s_i f_i / S``, the rest ``f_i``.

    Parameters
    ----------
    kc : numpy.ndarray
        Each pair's kind code.
    ka : numpy.ndarray
        Items of the kind the pair's first account used ...
    kb : numpy.ndarray
        ... and its second.
    item_kc : numpy.ndarray
        Each item's kind code.
    item_s : numpy.ndarray
        Each item's accounts ``s_i``.
    item_f : numpy.ndarray
        Each item's share of event pairs inside the window ``f_i``.
    extra_total : numpy.ndarray, optional
        Per kind, uses of single-use items added to ``S``.
    """
    lam = np.zeros(len(kc))
    for code in np.unique(kc):
        m = item_kc == code
        order = np.argsort(item_s[m], kind="stable")
        s = item_s[m][order].astype(np.float64)
        f = item_f[m][order]
        total = s.sum() + (0.0 if extra_total is None else float(extra_total[code]))
        p0, p1, p2 = (np.concatenate([[0.0], np.cumsum(f * s**j)]) for j in (0, 1, 2))
        rows = kc == code
        hi = np.maximum(ka[rows], kb[rows]).astype(np.float64)
        lo = np.minimum(ka[rows], kb[rows]).astype(np.float64)
        ia = np.searchsorted(s, total / hi, "left")  # items below the busier one's saturation
        ib = np.searchsorted(s, total / lo, "left")
        lam[rows] = hi * lo / total**2 * p2[ia] + lo / total * (p1[ib] - p1[ia]) + (p0[-1] - p0[ib])
    return lam


def tested_edges(ev: CodedEvents, fast: pl.DataFrame, slow: pl.DataFrame | None) -> pl.DataFrame:
    """Return the edges table from the tests at the fast and the slow windows.

    Where a kind was tested at the slow window too, a pair's p-value is the better of the two,
    doubled (Bonferroni for the two looks), with the counts and window of the better one;
    q-values by Benjamini-Hochberg over every tested pair. Sorted by names (node codes follow
    them), then kind name: sorting the integer codes costs a fraction of sorting the strings.
    """
    e = fast.with_columns(pl.lit("fast").alias("scale"))
    if slow is not None and slow.height:
        keys = ["a", "b", "kc"]
        j = e.join(slow, on=keys, how="full", coalesce=True, suffix="_s")
        take_slow = pl.col("p_value_s").is_not_null() & (
            pl.col("p_value").is_null() | (pl.col("p_value_s") < pl.col("p_value"))
        )
        e = j.select(
            *keys,
            *[
                pl.when(take_slow).then(pl.col(f"{c}_s")).otherwise(pl.col(c)).alias(c)
                for c in ("n_items", "expected", "best_p")
            ],
            (
                pl.min_horizontal("p_value", "p_value_s")
                * pl.when(pl.col("kc").is_in(slow["kc"].unique().implode())).then(2).otherwise(1)
            )
            .clip(upper_bound=1.0)
            .alias("p_value"),
            pl.when(take_slow).then(pl.lit("slow")).otherwise(pl.lit("fast")).alias("scale"),
        )
    e = e.sort("a", "b", pl.col("kc").replace_strict(_KIND_NAME_RANK, return_dtype=pl.UInt8))
    p = e["p_value"].to_numpy()
    sig = np.minimum(-np.log10(np.maximum(p, 1e-300)), _MAX_SIG)
    kinds = pl.Series("kind", KINDS)
    return e.select(
        ev.nodes.gather(e["a"]).alias("a"),
        ev.nodes.gather(e["b"]).alias("b"),
        kinds.gather(e["kc"]).alias("kind"),
        "n_items",
        "expected",
        "p_value",
        pl.Series("q_value", benjamini_hochberg(p)),
        pl.Series("significance", np.round(sig, 3)),
        "scale",
        "best_p",
    )


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of ``p``, in its order.

    Parameters
    ----------
    p : numpy.ndarray
        p-values, in any order.
    """
    m = len(p)
    if m == 0:
        return np.zeros(0)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def significant_edges(
    ev: CodedEvents,
    comments: pl.DataFrame,
    windows: dict[str, float],
    how: dict[str, Any],
    cfg: CoordinationConfig,
    engine: Engine | None,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Every tested account pair and kind, with ``testable`` and ``significant``.

    Pairs are tested at the estimated windows and, for every kind whose estimated window is
    shorter than the guard's upper bound, at that bound too (slow coordination: operators
    working through a list within the hour); ``how`` records the slow scale.

    Returns
    -------
    tuple
        The edges and the counts run.json records (pairs, edges, pairs_tested,
        pairs_that_could_pass).
    """
    window_us = window_us_of(windows)
    keys = partitioned_pairs(ev, window_us, cfg.max_neighbours, engine)
    n_pairs = len(keys)
    singles = single_texts(comments, ev)
    fast, n_edges = pair_tests(ev, keys, cfg.min_items, window_us, *singles)
    del keys
    slow_s = slow_windows(how, cfg)
    slow = None
    if slow_s:
        slow_us = window_us_of(slow_s)  # the other kinds pair nothing at this scale
        keys = partitioned_pairs(ev, slow_us, cfg.max_neighbours, engine)
        n_pairs += len(keys)
        slow, n_slow = pair_tests(ev, keys, cfg.min_items, slow_us, *singles)
        del keys
        n_edges = max(n_edges, n_slow)
        for k, v in slow_s.items():
            how[k]["slow_s"] = v
    edges = tested_edges(ev, fast, slow)
    del fast, slow
    # could the pair be significant on its own, every item of its quieter account shared?
    could = pl.col("best_p") * max(edges.height, 1) <= cfg.fdr
    n_could = int(edges.select(could.sum()).item())
    edges = edges.with_columns(could.alias("testable")).drop("best_p")
    edges = edges.with_columns(
        ((pl.col("q_value") < cfg.fdr) & (pl.col("n_items") >= cfg.min_items)).alias("significant")
    )
    counts = {
        "pairs": n_pairs,
        "edges": n_edges,
        "pairs_tested": edges.height,
        "pairs_that_could_pass": n_could,
    }
    return edges, counts
