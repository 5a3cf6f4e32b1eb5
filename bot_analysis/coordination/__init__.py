"""The account coordination graph: who acts together, more often than chance allows.

Co-action events are (kind, item, account, time) with kinds ``text`` (an informative
near-duplicate cluster), ``link`` (a normalized URL, per-post wrappers left out),
``hashtag``, ``thread``, ``share`` (re-sharing the same original: co-retweet, co-forward)
and ``reply`` (answering the same comment). A repost is not authored: it makes only its share
event, so a re-sharer never co-acts with the original's author through it. Two accounts
co-act when they use the same item within the kind's window. Accounts are keyed by platform
and id (``vk:123`` and ``telegram:123`` are different accounts).

Bounded work: events are sorted by (kind, item, time) and each is paired only with the next
``max_neighbours`` events of the same item inside the window, so an item shared by thousands
of accounts costs linear, not quadratic, work. Windows default to a data-derived
"coordination interval" (as coordinated-link-sharing tools estimate it [1]_): a low quantile
of the delay between an item's first and second use by different accounts, clamped.

Edge weights count distinct co-action items per kind (a burst of many comments on one item
counts once). Significance is against a configuration-model null [2]_: if accounts ``a`` and
``b`` used ``k_a`` and ``k_b`` items drawn at random in proportion to the items' popularity
``s_i`` (distinct accounts), they would share ``lambda = k_a k_b sum(s_i^2) / (sum s_i)^2``
items, of which a fraction ``f`` (the share of all same-item event pairs of the kind that fall
inside the window) would be inside the window. The edge's p-value is the Poisson upper tail
of its observed count given ``lambda * f``; popular items (a viral link, a busy thread) make
``lambda`` large and their co-actions unsurprising.

Accounts' ``coordination_score`` (0-1) sums the significance of their edges, kind-weighted
(same words weigh most, same thread least and only beside content co-actions); communities are
Louvain [3]_ (seeded) on the graph of significant edges only.

References
----------
.. [1] F. Giglietto, N. Righetti, L. Rossi, G. Marino, "It takes a village to manipulate the
   media: coordinated link sharing behavior during 2018 and 2019 Italian elections",
   Information, Communication & Society 23(6), 2020 (CooRnet).
.. [2] M. E. J. Newman, "Networks", 2nd ed., ch. 12 (the configuration model).
.. [3] V. D. Blondel et al., "Fast unfolding of communities in large networks", J. Stat. Mech.
   2008.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import polars as pl
from scipy.special import gammainc

from ..config import KINDS, CoordinationConfig
from ..schema import is_repost
from ._kernels import (
    KIND_BITS,
    KIND_MASK,
    count_sorted,
    window_pair_keys,
    window_pairs_per_run,
)

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "CoordinationResult",
    "build_graph",
    "co_action_events",
    "co_action_pairs",
    "louvain_components",
    "pair_codes",
    "pair_keys",
    "partitioned_pairs",
]
log = logging.getLogger(__name__)

if len(KINDS) > KIND_MASK + 1:  # pragma: no cover - a kind added without room for it
    raise ImportError("the co-action kinds do not fit the pair key's KIND_BITS")
_KIND_NAME_RANK = {KINDS.index(k): r for r, k in enumerate(sorted(KINDS))}
_MAX_SIG = 50.0  # -log10 p is capped here (p below 1e-50 is all the same to a reviewer)


@dataclass
class CoordinationResult:
    """``edges``: a, b, kind, n_items, expected, p_value, q_value, significance, scale (the
    time scale that tested it), testable (whether this pair could have reached significance
    had every item of its quieter account been shared), significant, for every (a, b, kind)
    with at least ``min_items`` co-action items (fewer is never significant);
    ``accounts``: node, platform, account_id, n_comments, coordination_score, community;
    ``graph``: the account graph's edges (a, b, weight, n_items, types); ``windows``: seconds
    per kind."""

    edges: pl.DataFrame
    accounts: pl.DataFrame
    graph: pl.DataFrame
    windows: dict[str, float]
    communities: pl.DataFrame = field(default_factory=pl.DataFrame)
    stats: dict = field(default_factory=dict)


def replied_to(columns: list[str]) -> pl.Expr:
    """The comment each comment answers (``platform:parent_id``), where that is not its
    thread's opening post (answering the post is the thread kind): what co-reply is about."""
    if "parent_id" not in columns:
        return pl.lit(None, dtype=pl.String)
    parent = pl.col("parent_id").cast(pl.String)
    return pl.when(
        parent.is_not_null() & (parent != pl.col("thread_id").cast(pl.String)).fill_null(True)
    ).then(pl.concat_str("platform", pl.lit(":"), parent))


def _events(comments: pl.DataFrame) -> pl.DataFrame:
    """The events of :func:`co_action_events`, in no order."""
    cols = comments.columns
    null = pl.lit(None, dtype=pl.String)
    base = comments.filter(pl.col("account_id").is_not_null()).select(
        pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"),
        pl.col("created_at").dt.epoch("us").alias("t"),
        pl.col("thread_id").cast(pl.String),
        pl.col("cluster_id").cast(pl.String),
        pl.col("cluster_informative").fill_null(False),
        "urls",
        "hashtags",
        (
            pl.col("fragments") if "fragments" in cols else pl.lit([], dtype=pl.List(pl.String))
        ).alias("fragments"),
        is_repost(cols).alias("repost"),
        (pl.col("share_item") if "share_item" in cols else null).alias("share_item"),
        replied_to(cols).alias("parent"),
    )
    # a repost's links, hashtags and thread are the original's: only its share event counts
    authored = base.filter(~pl.col("repost"))
    # text: a comment's shared sentences where they reach further than its whole text (the
    # claims of a templated push), else its informative near-duplicate cluster: one comment
    # makes one kind of text co-action, never both
    has_fragments = pl.col("fragments").list.len() > 0
    parts = [
        base.filter(
            pl.col("cluster_informative") & pl.col("cluster_id").is_not_null() & ~has_fragments
        ).select(pl.lit("text").alias("kind"), pl.col("cluster_id").alias("item"), "node", "t"),
        authored.filter(has_fragments)
        .select("node", "t", "fragments")
        .explode("fragments")
        .select(pl.lit("text").alias("kind"), pl.col("fragments").alias("item"), "node", "t"),
        authored.select("node", "t", "urls")
        .explode("urls")
        .drop_nulls("urls")
        .select(pl.lit("link").alias("kind"), pl.col("urls").alias("item"), "node", "t"),
        authored.select("node", "t", "hashtags")
        .explode("hashtags")
        .drop_nulls("hashtags")
        .select(pl.lit("hashtag").alias("kind"), pl.col("hashtags").alias("item"), "node", "t"),
        authored.filter(pl.col("thread_id").is_not_null()).select(
            pl.lit("thread").alias("kind"),
            pl.concat_str(pl.lit(""), "thread_id").alias("item"),
            "node",
            "t",
        ),
        base.filter(pl.col("share_item").is_not_null()).select(
            pl.lit("share").alias("kind"), pl.col("share_item").alias("item"), "node", "t"
        ),
        authored.filter(pl.col("parent").is_not_null()).select(
            pl.lit("reply").alias("kind"), pl.col("parent").alias("item"), "node", "t"
        ),
    ]
    return pl.concat(parts, how="vertical")


def co_action_events(comments: pl.DataFrame) -> pl.DataFrame:
    """Events (kind, item, node, t) from comments with the neardup columns, sorted by
    (kind, item, t, node).

    ``t`` is microseconds since the epoch; ``node`` is ``platform:account_id``. Comments
    without an account are left out; only informative clusters make text events.
    """
    return _events(comments).sort("kind", "item", "t", "node")


@dataclass
class _Coded:
    """Events as integer codes: ``ic`` the (kind, item) run, ``kc`` the kind (index into
    ``KINDS``), ``nc`` the node (index into ``nodes``, sorted), ``t`` microseconds."""

    ic: np.ndarray
    kc: np.ndarray
    nc: np.ndarray
    t: np.ndarray
    nodes: pl.Series
    item_kc: np.ndarray  # kind code of each run
    item_first: np.ndarray  # first event row of each run
    items: pl.DataFrame = field(default_factory=pl.DataFrame)  # ic, kind, item

    def item_names(self, runs: list[int]) -> list[str]:
        """``kind:item`` of the given runs (for run.json)."""
        if not runs or self.items.is_empty():
            return []
        named = self.items.filter(pl.col("ic").is_in(runs)).sort("ic")
        return [f"{KINDS[k]}:{i}" for k, i in named.select("kind", "item").iter_rows()]


def _encode(events: pl.DataFrame) -> _Coded:
    """Integer codes of events, sorted by (item run, t, node) on the codes (sorting the
    strings costs several times more): nodes numbered by name, items by first appearance
    (no result depends on that numbering). Events already sorted by (kind, item, t, node),
    as :func:`co_action_events` gives them, keep their rows, so ``item_first`` indexes them."""
    nodes = events["node"].unique().sort()
    coded = events.with_columns(
        pl.col("kind").replace_strict({k: i for i, k in enumerate(KINDS)}, return_dtype=pl.UInt8)
    )
    items = coded.select("kind", "item").unique(maintain_order=True).with_row_index("ic")
    coded = (
        coded.join(items, on=["kind", "item"], how="left")
        .join(pl.DataFrame({"node": nodes}).with_row_index("nc"), on="node", how="left")
        .select(pl.col("ic").cast(pl.Int64), "kind", pl.col("nc").cast(pl.Int64), "t")
        .sort("ic", "t", "nc")
    )
    ic = coded["ic"].to_numpy()
    kc = coded["kind"].to_numpy()
    new = np.ones(len(ic), dtype=bool)
    new[1:] = ic[1:] != ic[:-1]
    first = np.flatnonzero(new)
    items = items.with_columns(pl.col("ic").cast(pl.Int64))
    nc, t = coded["nc"].to_numpy(), coded["t"].to_numpy()
    return _Coded(ic, kc, nc, t, nodes, kc[first], first, items)


def estimate_windows(events: pl.DataFrame, cfg: CoordinationConfig) -> dict[str, float]:
    """Seconds per kind: the configured windows, else the coordination interval estimated
    from the data as CooRnet's ``estimate_coord_interval`` does [1]_ (see :func:`_windows`)."""
    return _windows(_encode(events), cfg)[0]


def _windows(ev: _Coded, cfg: CoordinationConfig) -> tuple[dict[str, float], dict[str, Any]]:
    """The window per kind and how it was found.

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
        est = float(fast["delay"].quantile(0.5, "linear"))
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


def _single_texts(comments: pl.DataFrame, ev: _Coded) -> tuple[pl.DataFrame, float]:
    """Authored comments in no informative cluster (each a text item of its own that no one
    shares), for the text kind's null: (kc, nc, n) per account with events, and the count
    over every account (all of them are part of the kind's total, events or not)."""
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


def _slow_windows(how: dict[str, Any], cfg: CoordinationConfig) -> dict[str, float]:
    """Seconds per kind of the second, slow scale: the guard's upper bound, for the kinds
    whose window was estimated shorter than it."""
    out = {}
    for kind, h in how.items():
        top = cfg.thread_window_max_s if kind == "thread" else cfg.window_max_s
        if h["source"] == "estimated" and h["seconds"] < top:
            out[kind] = float(top)
    return out


def co_action_pairs(
    events: pl.DataFrame, windows: dict[str, float], max_neighbours: int
) -> pl.DataFrame:
    """Pairs of events of the same item within the kind's window, by different accounts.

    ``events`` must be sorted by (kind, item, t), as :func:`co_action_events` returns them.
    Returns kind, item, a, b (a < b), unique; each event meets at most ``max_neighbours``
    later events of its item (bounded, linear work). Vectorized in numpy on integer codes.
    """
    ev = _encode(events)
    ic, a, b = pair_codes(ev.ic, ev.kc, ev.nc, ev.t, _window_us(windows), max_neighbours)
    first = ev.item_first[ic]
    return pl.DataFrame(
        {
            "kind": events["kind"].gather(first),
            "item": events["item"].gather(first),
            "a": ev.nodes.gather(a),
            "b": ev.nodes.gather(b),
        },
        schema={"kind": pl.String, "item": pl.String, "a": pl.String, "b": pl.String},
    )


def _window_us(windows: dict[str, float]) -> np.ndarray:
    """Microseconds per kind code; a kind without a window pairs nothing (-1)."""
    return np.array([int(windows[k] * 1e6) if k in windows else -1 for k in KINDS], np.int64)


def pair_codes(
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    window_us: np.ndarray,
    max_neighbours: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partition function: co-action pairs of coded events sorted by (run, t, node).

    Returns (run, a, b) with a < b node codes, distinct (in no particular order).
    """
    nb = max(1, int(nc.max(initial=0)).bit_length())
    pieces = _run_pair_keys(ic, kc, nc, t, window_us, max_neighbours, nb)
    if not pieces:
        return (np.zeros(0, np.int64),) * 3
    key = np.concatenate([k for k, _ in pieces])
    run = np.concatenate([(k >> (2 * nb + KIND_BITS)) + first for k, first in pieces])
    mask = (1 << nb) - 1
    return run, (key >> (nb + KIND_BITS)) & mask, (key >> KIND_BITS) & mask


def _run_pair_keys(
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    window_us: np.ndarray,
    max_neighbours: int,
    node_bits: int,
) -> list[tuple[np.ndarray, int]]:
    """The distinct keys of :func:`window_pair_keys` (run, a, b, kind in one int64), in
    pieces of (keys, the piece's first run: add it to ``key >> (2 * node_bits + KIND_BITS)``). The
    events are split at run boundaries until a piece's runs fit beside the two node codes."""
    if 2 * node_bits + KIND_BITS > 63:
        raise ValueError(f"{node_bits}-bit account codes do not fit a 64-bit pair key")
    if len(ic) < 2:
        return []
    span = int(ic[-1] - ic[0])
    if span.bit_length() + 2 * node_bits + KIND_BITS > 63:
        mid = int(np.searchsorted(ic, ic[0] + span // 2 + 1))
        args = (window_us, max_neighbours, node_bits)
        return _run_pair_keys(ic[:mid], kc[:mid], nc[:mid], t[:mid], *args) + _run_pair_keys(
            ic[mid:], kc[mid:], nc[mid:], t[mid:], *args
        )
    key = window_pair_keys(ic, kc, nc, t, window_us[kc], max_neighbours, node_bits)
    # polars' hash-based unique uses every core
    return [(pl.Series(key).unique().to_numpy(), int(ic[0]))]


def _pair_tests(
    ev: _Coded,
    keys: np.ndarray,
    min_items: int,
    window_us: np.ndarray,
    singles: pl.DataFrame | None = None,
    singles_total: float = 0.0,
) -> tuple[pl.DataFrame, int]:
    """Per (a, b, kc) as codes: distinct co-action items, expected count under the null,
    p-value and the best p-value the pair could have had (every item of its less active
    account shared); for the (a, b, kind) with at least ``min_items`` items, and the count of
    all of them.

    ``keys`` are the packed pairs of :func:`pair_keys`, one per (item, a, b). The null is a
    configuration model conditioned on each item's own timeline: item ``i`` (``s_i``
    accounts, ``e_i`` events) brings two random users of it inside the window with the share
    ``f_i`` of its event pairs that are (all counted, whatever ``max_neighbours``), see
    :func:`expected_co_actions`: an item spread over days adds little, a burst adds its full
    weight, and many accounts meeting once around one viral item explain each other away."""
    nb = _node_bits(ev)
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


def expected_co_actions(
    kc: np.ndarray,
    ka: np.ndarray,
    kb: np.ndarray,
    item_kc: np.ndarray,
    item_s: np.ndarray,
    item_f: np.ndarray,
    extra_total: np.ndarray | None = None,
) -> np.ndarray:
    """Expected co-actions of each pair (kind ``kc``; its accounts used ``ka`` and ``kb``
    items of the kind) under the null: ``sum_i P(a uses i) P(b uses i) f_i``, with
    ``P(a uses i) = min(1, k_a s_i / S)`` (items drawn in proportion to their accounts
    ``s_i``, ``S = sum s_i`` plus ``extra_total[kind]`` uses of single-use items; an account
    uses an item at most once, so a viral item saturates) and ``f_i`` the share of the item's
    event pairs inside the window.

    Computed per pair in O(log items) from prefix sums over the items sorted by ``s_i``:
    items too small to saturate either account add ``k_a k_b s_i^2 f_i / S^2``, items that
    saturate only the more active one add ``k_b s_i f_i / S``, the rest ``f_i``.
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


def _edges(ev: _Coded, fast: pl.DataFrame, slow: pl.DataFrame | None) -> pl.DataFrame:
    """The edges table from the tests at the fast windows and, where a kind has one, at the
    slow window: a pair's p-value is the better of the two, doubled (Bonferroni for the two
    looks), with the counts and window of the better one; q-values by Benjamini-Hochberg over
    every tested pair. Sorted by names (node codes follow them), then kind name: sorting the
    integer codes costs a fraction of sorting the strings."""
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
    """Benjamini-Hochberg adjusted p-values (q-values) of ``p``, in its order."""
    m = len(p)
    if m == 0:
        return np.zeros(0)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _node_bits(ev: _Coded) -> int:
    return max(1, (len(ev.nodes) - 1).bit_length())


def pair_keys(
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    window_us: np.ndarray,
    max_neighbours: int,
    node_bits: int,
) -> np.ndarray:
    """Partition function: the distinct (item, a, b) co-action pairs of :func:`pair_codes`,
    each packed into one int64 ``a << (node_bits + KIND_BITS) | b << KIND_BITS | kind`` (the
    item dropped:
    the key repeats once per item, which is what the significance counts)."""
    pieces = _run_pair_keys(ic, kc, nc, t, window_us, max_neighbours, node_bits)
    low = (1 << (2 * node_bits + KIND_BITS)) - 1  # the run dropped
    return np.concatenate([k & low for k, _ in pieces]) if pieces else np.zeros(0, np.int64)


def partitioned_pairs(
    ev: _Coded, window_us: np.ndarray, max_neighbours: int, engine: Engine | None
) -> np.ndarray:
    """:func:`pair_keys` as tasks over partitions of items (a shuffle by item run) on Dask.

    An item's events all land in one partition, so the union of the partitions' pairs is
    exactly the pairs of the whole. The local engine pairs in this process, partition by
    partition: numpy on integer codes is faster than shipping them to worker processes.
    """
    from ..engine import LocalEngine

    args = (window_us, max_neighbours, _node_bits(ev))
    if len(ev.ic) < 2:
        return pair_keys(ev.ic, ev.kc, ev.nc, ev.t, *args)
    if engine is not None and engine.shuffles:
        runner, n_parts = engine, 2 * engine.workers
    else:  # in this process, partitions of about 2M events bound the transient pair arrays
        runner, n_parts = LocalEngine(1), -(-len(ev.ic) // 2_000_000)
    cuts = np.searchsorted(ev.ic, np.linspace(0, ev.ic[-1] + 1, n_parts + 1)[1:-1])
    bounds = [0, *cuts.tolist(), len(ev.ic)]
    parts = runner.gather(
        [
            runner.submit(pair_keys, ev.ic[s:e], ev.kc[s:e], ev.nc[s:e], ev.t[s:e], *args)
            for s, e in itertools.pairwise(bounds)
            if e > s
        ]
    )
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def build_graph(
    comments: pl.DataFrame,
    cfg: CoordinationConfig,
    seed: int = 0,
    engine: Engine | None = None,
) -> CoordinationResult:
    """Build the co-action graph, its communities and per-account scores.

    Parameters
    ----------
    comments : pl.DataFrame
        The canonical table with the near-duplicate columns (``cluster_id``,
        ``cluster_informative``, ``urls``, ``hashtags``).
    cfg : CoordinationConfig
    seed : int
        Seed of the Louvain community detection.
    engine : Engine, optional
        Runs the co-action pairing by partitions of items (:func:`partitioned_pairs`).

    Returns
    -------
    CoordinationResult
    """
    ev = _encode(_events(comments))
    windows, window_how = _windows(ev, cfg)
    window_us = _window_us(windows)
    keys = partitioned_pairs(ev, window_us, cfg.max_neighbours, engine)
    n_pairs = len(keys)
    singles = _single_texts(comments, ev)
    fast, n_edges = _pair_tests(ev, keys, cfg.min_items, window_us, *singles)
    del keys
    # Slow coordination (operators working through a list within the hour) is tested too,
    # at the guard's upper bound, for every kind whose estimated window is shorter.
    slow_s = _slow_windows(window_how, cfg)
    slow = None
    if slow_s:
        slow_us = _window_us(slow_s)  # the other kinds pair nothing at this scale
        keys = partitioned_pairs(ev, slow_us, cfg.max_neighbours, engine)
        n_pairs += len(keys)
        slow, n_slow = _pair_tests(ev, keys, cfg.min_items, slow_us, *singles)
        del keys
        n_edges = max(n_edges, n_slow)
        for k, v in slow_s.items():
            window_how[k]["slow_s"] = v
    edges = _edges(ev, fast, slow)
    del fast, slow
    # could the pair be significant on its own, every item of its quieter account shared?
    could = pl.col("best_p") * max(edges.height, 1) <= cfg.fdr
    n_could = int(edges.select(could.sum()).item())
    edges = edges.with_columns(could.alias("testable")).drop("best_p")
    edges = edges.with_columns(
        ((pl.col("q_value") < cfg.fdr) & (pl.col("n_items") >= cfg.min_items)).alias("significant")
    )
    weights = dict(cfg.kind_weights)
    sig_edges = edges.filter(pl.col("significant"))
    # per pair: content strength (text/link/hashtag) and thread strength, each capped at 1/kind
    strength = sig_edges.with_columns(
        (pl.col("significance") / cfg.full_significance).clip(upper_bound=1.0).alias("s"),
        pl.col("kind").replace_strict(weights, return_dtype=pl.Float64).alias("w"),
    )
    pair = (
        strength.group_by("a", "b")
        .agg(
            (pl.col("s") * pl.col("w")).filter(pl.col("kind") != "thread").sum().alias("content"),
            (pl.col("s") * pl.col("w")).filter(pl.col("kind") == "thread").sum().alias("thread"),
            pl.col("kind").sort().str.join(",").alias("types"),
            pl.col("n_items").sum().alias("weight"),
        )
        .with_columns(
            # being on the same threads counts only beside content co-actions
            (
                pl.col("content")
                + pl.when(pl.col("content") > 0).then(pl.col("thread")).otherwise(0)
            ).alias("strength")
        )
        .sort("a", "b")
    )
    node_strength = (
        pl.concat(
            [
                pair.select(pl.col("a").alias("node"), "strength"),
                pair.select(pl.col("b").alias("node"), "strength"),
            ]
        )
        .group_by("node")
        .agg(pl.col("strength").sum())
    )
    accounts = (
        comments.filter(pl.col("account_id").is_not_null())
        .group_by("platform", "account_id")
        .agg(pl.len().alias("n_comments"))
        .with_columns(pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"))
    )
    accounts = accounts.join(node_strength, on="node", how="left").with_columns(
        (1 - (-pl.col("strength").fill_null(0) / cfg.score_scale).exp())
        .round(4)
        .alias("coordination_score")
    )
    graph_edges = pair.filter(pl.col("strength") > 0).select(
        "a", "b", pl.col("strength").alias("weight"), pl.col("weight").alias("n_items"), "types"
    )
    # Louvain runs on a sparsified graph: each account keeps its strongest edges only (the
    # dense clique of an operation stays connected; the work stays near-linear in accounts).
    ends = pl.concat(
        [
            graph_edges.select(pl.col("a").alias("n"), "a", "b", "weight"),
            graph_edges.select(pl.col("b").alias("n"), "a", "b", "weight"),
        ]
    )
    top = (
        ends.sort(["n", "weight", "a", "b"], descending=[False, True, False, False])
        .group_by("n", maintain_order=True)
        .head(cfg.louvain_top_k)
        .select("a", "b", "weight")
        .unique()
        .sort("a", "b")
    )
    g = nx.Graph()
    g.add_weighted_edges_from(top.iter_rows())
    comms = _communities(g, seed, engine)
    # stable community ids: by size (desc), then smallest member
    ordered = sorted((sorted(c) for c in comms), key=lambda c: (-len(c), c[0]))
    comm_of = {n: i for i, c in enumerate(ordered) for n in c}
    accounts = accounts.with_columns(
        pl.col("node")
        .replace_strict(comm_of, default=None, return_dtype=pl.Int64)
        .alias("community")
    ).sort("platform", "account_id")
    communities = (
        accounts.filter(pl.col("community").is_not_null())
        .group_by("community")
        .agg(
            pl.len().alias("n_accounts"),
            pl.col("coordination_score").mean().round(4).alias("score"),
            pl.col("n_comments").sum().alias("n_comments"),
        )
        .with_columns(
            ((pl.col("score") >= cfg.min_community_score) & (pl.col("n_accounts") >= 3)).alias(
                "coordinated"
            )
        )
        .sort("community")
    )
    stats = {
        "events": len(ev.ic),
        "windows_s": windows,
        "windows": window_how,
        "pairs": n_pairs,
        "edges": n_edges,
        "pairs_tested": edges.height,
        "pairs_that_could_pass": n_could,
        "too_few_data": None
        if n_could
        else (
            f"too little data to test: none of the {edges.height:,} account pairs with "
            f"{cfg.min_items}+ shared items could reach significance at FDR {cfg.fdr:g}, "
            "even if every one of its items had been shared"
        ),
        "significant_edges": sig_edges.height,
        "graph_nodes": len(set(graph_edges["a"]) | set(graph_edges["b"])),
        "graph_edges": graph_edges.height,
        "louvain_edges": g.number_of_edges(),
        "communities": len(ordered),
        "coordinated_communities": int(communities["coordinated"].sum())
        if communities.height
        else 0,
    }
    log.info(
        "coordination: %d events, %d significant edges, %d communities",
        len(ev.ic),
        sig_edges.height,
        len(ordered),
    )
    return CoordinationResult(edges, accounts, graph_edges, windows, communities, stats)


def _communities(g: nx.Graph, seed: int, engine: Engine | None = None) -> list[set[str]]:
    """Louvain communities, component by component, the large components on the engine.

    Communities never span connected components, and networkx's Louvain slows down badly on
    one big graph of many dense cliques (measured: over 15 minutes at 3M comments); each
    component alone takes milliseconds. Components of up to three accounts are communities
    as they are. Each component's Louvain sees its nodes and edges in the order the whole
    graph gives them, wherever it runs, so the communities are the same on every engine.
    """
    from ..engine import LocalEngine

    # Louvain iterates sets of nodes: with str nodes that order follows Python's per-process
    # hash seed, so it runs on int labels (whose hashes are fixed) for run-to-run equal results.
    names = sorted(g.nodes)
    gi = nx.convert_node_labels_to_integers(g, ordering="sorted")
    out: list[set[str]] = []
    jobs: list[tuple[list[int], list[tuple[int, int, float]]]] = []
    for comp in sorted(nx.connected_components(gi), key=min):
        if len(comp) <= 3:
            out.append({names[i] for i in comp})
        else:
            sub = gi.subgraph(sorted(comp))
            jobs.append((list(sub.nodes), list(sub.edges(data="weight"))))
    # a few parts per worker, balanced by edges (largest first onto the lightest part)
    n_parts = max(1, min(len(jobs), 3 * (engine.workers if engine else 1)))
    parts: list[list[Any]] = [[] for _ in range(n_parts)]
    load = [0] * n_parts
    for job in sorted(jobs, key=lambda j: (-len(j[1]), j[0][0])):
        k = load.index(min(load))
        parts[k].append(job)
        load[k] += len(job[1])
    for comms in (engine or LocalEngine(1)).map(louvain_components, parts, seed):
        out.extend({names[i] for i in c} for c in comms)
    return out


def louvain_components(
    components: list[tuple[list[int], list[tuple[int, int, float]]]], seed: int
) -> list[list[int]]:
    """Partition function: Louvain communities of components given as (nodes, weighted
    edges), each in the order of the whole graph's subgraph view."""
    out: list[list[int]] = []
    for nodes, edges in components:
        h = nx.Graph()
        h.add_nodes_from(nodes)
        h.add_weighted_edges_from(edges)
        out.extend(
            sorted(c) for c in nx.community.louvain_communities(h, weight="weight", seed=seed)
        )
    return out


def to_networkx(result: CoordinationResult) -> nx.Graph:
    """The account graph as a networkx Graph with node and edge attributes."""
    g = nx.Graph()
    nodes = set(result.graph["a"]) | set(result.graph["b"])
    acc = result.accounts.filter(pl.col("node").is_in(list(nodes)))
    for node, platform, account_id, n_comments, score, community in acc.select(
        "node", "platform", "account_id", "n_comments", "coordination_score", "community"
    ).iter_rows():
        g.add_node(
            node,
            platform=platform,
            account_id=account_id,
            n_comments=n_comments,
            score=score,
            community=-1 if community is None else community,
        )
    for a, b, w, k, types in result.graph.iter_rows():
        g.add_edge(a, b, weight=w, n_items=k, types=types)
    return g
