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

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from ..config import CoordinationConfig
from .events import co_action_events, encode, events, replied_to
from .graph import account_scores, graph_edges_of, pair_strength, to_networkx, with_communities
from .significance import benjamini_hochberg, expected_co_actions, significant_edges
from .windows import estimate_windows, windows_of

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "CoordinationResult",
    "benjamini_hochberg",
    "build_graph",
    "co_action_events",
    "estimate_windows",
    "expected_co_actions",
    "replied_to",
    "to_networkx",
]
log = logging.getLogger(__name__)


@dataclass
class CoordinationResult:
    """The coordination stage's result: the tested pairs, accounts, graph and windows.

    ``edges``: a, b, kind, n_items, expected, p_value, q_value, significance, scale (the time
    scale that tested it), testable (whether this pair could have reached significance had every
    item of its quieter account been shared), significant, for every (a, b, kind) with at least
    ``min_items`` co-action items (fewer is never significant); ``accounts``: node, platform,
    account_id, n_comments, coordination_score, community; ``graph``: the account graph's edges
    (a, b, weight, n_items, types); ``windows``: seconds per kind.
    """

    edges: pl.DataFrame
    accounts: pl.DataFrame
    graph: pl.DataFrame
    windows: dict[str, float]
    communities: pl.DataFrame = field(default_factory=pl.DataFrame)
    stats: dict[str, Any] = field(default_factory=dict)


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
        The stage's parameters.
    seed : int
        Seed of the Louvain community detection.
    engine : Engine, optional
        Runs the co-action pairing by partitions of items (:func:`partitioned_pairs`).

    Returns
    -------
    CoordinationResult
        The tested pairs, the accounts with their scores and communities, the graph.
    """
    ev = encode(events(comments))
    windows, window_how = windows_of(ev, cfg)
    edges, counts = significant_edges(ev, comments, windows, window_how, cfg, engine)
    sig_edges = edges.filter(pl.col("significant"))
    pair = pair_strength(sig_edges, cfg)
    accounts = account_scores(comments, pair, cfg.score_scale)
    graph = graph_edges_of(pair)
    accounts, communities, louvain_edges = with_communities(accounts, graph, cfg, seed, engine)
    n_could = counts["pairs_that_could_pass"]
    stats = {
        "events": len(ev.ic),
        "windows_s": windows,
        "windows": window_how,
        **counts,
        "too_few_data": None
        if n_could
        else (
            f"too little data to test: none of the {edges.height:,} account pairs with "
            f"{cfg.min_items}+ shared items could reach significance at FDR {cfg.fdr:g}, "
            "even if every one of its items had been shared"
        ),
        "significant_edges": sig_edges.height,
        "graph_nodes": len(set(graph["a"]) | set(graph["b"])),
        "graph_edges": graph.height,
        "louvain_edges": louvain_edges,
        "communities": communities.height,
        "coordinated_communities": int(communities["coordinated"].sum())
        if communities.height
        else 0,
    }
    log.info(
        "coordination: %d events, %d significant edges, %d communities",
        len(ev.ic),
        sig_edges.height,
        communities.height,
    )
    return CoordinationResult(edges, accounts, graph, windows, communities, stats)
