"""The account graph from the significant pairs.

Pair strength, account scores, Louvain communities, and a networkx view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx
import polars as pl

from ..config import CoordinationConfig

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "account_scores",
    "communities_of",
    "graph_edges_of",
    "louvain_components",
    "pair_strength",
    "to_networkx",
    "with_communities",
]


def communities_of(g: nx.Graph, seed: int, engine: Engine | None = None) -> list[set[str]]:
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
    """Find the Louvain communities of graph components (a partition function).

    Partition function: Louvain communities of components given as (nodes, weighted edges), each
    in the order of the whole graph's subgraph view.
    """
    out: list[list[int]] = []
    for nodes, edges in components:
        h = nx.Graph()
        h.add_nodes_from(nodes)
        h.add_weighted_edges_from(edges)
        out.extend(
            sorted(c) for c in nx.community.louvain_communities(h, weight="weight", seed=seed)
        )
    return out


def to_networkx(graph: pl.DataFrame, accounts: pl.DataFrame) -> nx.Graph:
    """Return the account graph as a networkx Graph with node and edge attributes.

    Parameters
    ----------
    graph : polars.DataFrame
        a, b, weight, n_items, types (``CoordinationResult.graph``, ``Result.graph``).
    accounts : polars.DataFrame
        platform, account_id, n_comments, coordination_score, community per account
        (``CoordinationResult.accounts``, ``Result.accounts``).
    """
    g = nx.Graph()
    nodes = set(graph["a"]) | set(graph["b"])
    acc = accounts.with_columns(
        pl.concat_str("platform", pl.lit(":"), "account_id").alias("node")
    ).filter(pl.col("node").is_in(list(nodes)))
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
    for a, b, w, k, types in graph.select("a", "b", "weight", "n_items", "types").iter_rows():
        g.add_edge(a, b, weight=w, n_items=k, types=types)
    return g


def pair_strength(sig_edges: pl.DataFrame, cfg: CoordinationConfig) -> pl.DataFrame:
    """Return the strength of each account pair's co-actions.

    Per account pair: its content strength (text, link, hashtag, share, reply) and thread
    strength, each kind's significance capped at 1 and weighted; being on the same threads
    counts only beside content co-actions. Columns a, b, content, thread, types, weight (the
    co-action items), strength.
    """
    weights = dict(cfg.kind_weights)
    strength = sig_edges.with_columns(
        (pl.col("significance") / cfg.full_significance).clip(upper_bound=1.0).alias("s"),
        pl.col("kind").replace_strict(weights, return_dtype=pl.Float64).alias("w"),
    )
    return (
        strength.group_by("a", "b")
        .agg(
            (pl.col("s") * pl.col("w")).filter(pl.col("kind") != "thread").sum().alias("content"),
            (pl.col("s") * pl.col("w")).filter(pl.col("kind") == "thread").sum().alias("thread"),
            pl.col("kind").sort().str.join(",").alias("types"),
            pl.col("n_items").sum().alias("weight"),
        )
        .with_columns(
            (
                pl.col("content")
                + pl.when(pl.col("content") > 0).then(pl.col("thread")).otherwise(0)
            ).alias("strength")
        )
        .sort("a", "b")
    )


def account_scores(comments: pl.DataFrame, pair: pl.DataFrame, scale: float) -> pl.DataFrame:
    """Every account (platform, account_id, node) with its comments and ``coordination_score``.

    ``1 - exp(-strength / scale)`` of its summed pair strength.
    """
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
    return accounts.join(node_strength, on="node", how="left").with_columns(
        (1 - (-pl.col("strength").fill_null(0) / scale).exp()).round(4).alias("coordination_score")
    )


def graph_edges_of(pair: pl.DataFrame) -> pl.DataFrame:
    """Return the account graph: a, b, weight (the pair's strength), n_items, types."""
    return pair.filter(pl.col("strength") > 0).select(
        "a", "b", pl.col("strength").alias("weight"), pl.col("weight").alias("n_items"), "types"
    )


def _sparsified(graph: pl.DataFrame, top_k: int) -> nx.Graph:
    """Return the graph Louvain runs on.

    Each account keeps its ``top_k`` strongest edges only (the dense clique of an operation
    stays connected; the work stays near-linear in accounts).
    """
    ends = pl.concat(
        [
            graph.select(pl.col("a").alias("n"), "a", "b", "weight"),
            graph.select(pl.col("b").alias("n"), "a", "b", "weight"),
        ]
    )
    top = (
        ends.sort(["n", "weight", "a", "b"], descending=[False, True, False, False])
        .group_by("n", maintain_order=True)
        .head(top_k)
        .select("a", "b", "weight")
        .unique()
        .sort("a", "b")
    )
    g = nx.Graph()
    g.add_weighted_edges_from(top.iter_rows())
    return g


def with_communities(
    accounts: pl.DataFrame,
    graph: pl.DataFrame,
    cfg: CoordinationConfig,
    seed: int,
    engine: Engine | None,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Louvain communities of the account graph.

    Returns
    -------
    tuple
        The accounts with ``community`` (ids by size, descending, then smallest member:
        stable), sorted by platform and account; one row per community (n_accounts, mean
        score, n_comments, ``coordinated``); the edges Louvain ran on.
    """
    g = _sparsified(graph, cfg.louvain_top_k)
    comms = communities_of(g, seed, engine)
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
    return accounts, communities, g.number_of_edges()
