"""Campaign candidates: communities, large clusters and slot templates.

Campaign candidates: coordinated communities (merged where they share content, with the quieter
accounts that post their points), large clusters outside them, and slot templates (automation).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl

from ..config import CampaignConfig
from ..coordination import CoordinationResult, replied_to
from ..schema import is_repost
from .items import uses

__all__ = [
    "CAND_COLS",
    "Candidates",
    "carried",
    "find_candidates",
]
log = logging.getLogger("bot_analysis.campaigns")


# The columns a candidate's comments carry through scoring.
CAND_COLS = (
    "comment_id",
    "platform",
    "node",
    "created_at",
    "thread_id",
    "cluster_id",
    "text",
    "urls",
    "hashtags",
    "coordination_score",
    "repost",
    "share_item",
    "parent",
    "template_key",
    "fragments",
)


@dataclass
class Candidates:
    """Campaign candidates before scoring.

    Attributes
    ----------
    comments : polars.DataFrame
        ``cand`` and the columns scoring reads, per comment of each candidate (a comment
        may belong to several).
    informative : polars.DataFrame
        The informative clusters' ids (and re-shared posts').
    items : polars.DataFrame
        cand, item: the rare links and hashtags of each candidate.
    inside : polars.DataFrame
        Each candidate's synchrony and testable co-actions inside it.
    carried : polars.DataFrame
        Per platform, which optional sub-scores its data can carry.
    n_dump : int
        Comments in the dump (for summaries).
    """

    comments: pl.DataFrame
    informative: pl.DataFrame
    items: pl.DataFrame
    inside: pl.DataFrame
    carried: pl.DataFrame
    n_dump: int


def find_candidates(
    comments: pl.DataFrame,
    clusters: pl.DataFrame,
    coord: CoordinationResult,
    cfg: CampaignConfig,
) -> Candidates:
    """Assemble campaign candidates: communities, large clusters, slot templates.

    Parameters
    ----------
    comments : polars.DataFrame
        Canonical comments with the near-duplicate columns.
    clusters : polars.DataFrame
        The near-duplicate clusters table.
    coord : CoordinationResult
        Accounts with ``coordination_score`` and ``community``, the graph and its tests.
    cfg : CampaignConfig
        The campaign parameters.
    """
    c = _prepared(comments, coord.accounts)
    # re-shares of one original are one talking point, like a near-duplicate cluster
    c, shared_posts = _share_points(c)
    clusters = pl.concat([clusters.select("cluster_id", "informative", "n_accounts"), shared_posts])
    inf = clusters.filter(pl.col("informative")).select("cluster_id")
    # (1) communities, merged where they share content, with their quieter accounts
    members, cm = _merged_communities(c, coord.accounts, inf, cfg)
    comm_comments = _community_comments(c, cm, members, coord, cfg)
    # (2) big informative clusters mostly outside those communities
    clus_comments = _cluster_candidates(c, clusters, comm_comments, cfg)
    # (3) slot templates posted by many accounts: automation, reported as such
    tpl_comments = _template_candidates(c, comm_comments, cfg.min_cluster_accounts)
    cand = pl.concat([comm_comments, clus_comments, tpl_comments], how="vertical")
    if cand.height == 0:
        empty = pl.DataFrame()
        return Candidates(cand, inf, empty, empty, empty, comments.height)
    # rare items again over each candidate's final accounts (the joined ones included)
    items = _rare_items(
        c, cand.select("node", "cand").unique(), cfg.min_sharing_accounts, cfg.rare_item_share
    )
    return Candidates(
        comments=cand,
        informative=inf,
        items=items,
        inside=_inside_strength(cand, coord.graph, coord.edges),
        carried=carried(c),
        n_dump=comments.height,
    )


def _prepared(comments: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Return the comments with an account.

    With node, the optional columns (null where the export has none), the replied-to comment
    (co-reply) and the account's score and community.
    """
    null = pl.lit(None, dtype=pl.String)
    cols = comments.columns
    c = comments.with_columns(
        pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"),
        (pl.col("share_item") if "share_item" in cols else null).alias("share_item"),
        (pl.col("template_key") if "template_key" in cols else null).alias("template_key"),
        (
            pl.col("fragments") if "fragments" in cols else pl.lit([], dtype=pl.List(pl.String))
        ).alias("fragments"),
        replied_to(cols).alias("parent"),  # co-reply
    ).filter(pl.col("account_id").is_not_null())
    acc = accounts.select("node", "coordination_score", "community")
    return c.join(acc, on="node", how="left")


def _merged_communities(
    c: pl.DataFrame, accounts: pl.DataFrame, inf: pl.DataFrame, cfg: CampaignConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Merge the communities that share content into one candidate.

    Communities that post the same informative clusters, links, answered comments or sentences
    (``min_sharing_accounts`` or more accounts each) are one candidate: Louvain may cut one
    operation in pieces, e.g. along platform lines (authored posts only: re-sharing one popular
    post joins no communities).

    Returns (node -> cand, the communities' comments with ``cand``).
    """
    acc = accounts.select("node", "community")
    members = acc.filter(pl.col("community").is_not_null()).select(
        "node", pl.concat_str(pl.lit("m"), pl.col("community").cast(pl.String)).alias("cand")
    )
    cm = c.join(members, on="node", how="inner")
    authored = cm.filter(~pl.col("repost"))
    shared_cl = (
        pl.concat(
            [
                authored.filter(pl.col("cluster_id").is_in(inf["cluster_id"].implode())).select(
                    "cand", "node", "cluster_id"
                ),
                # the same link (an article, not a per-post wrapper) pushed in own words
                authored.select("cand", "node", pl.col("urls").alias("cluster_id"))
                .explode("cluster_id")
                .drop_nulls("cluster_id")
                .with_columns(("\x01" + pl.col("cluster_id")).alias("cluster_id")),
                # the same comments answered (a brigade)
                authored.filter(pl.col("parent").is_not_null()).select(
                    "cand", "node", ("\x02" + pl.col("parent")).alias("cluster_id")
                ),
                # the same sentences (the claims of a templated push)
                authored.select("cand", "node", pl.col("fragments").alias("cluster_id"))
                .explode("cluster_id")
                .drop_nulls("cluster_id")
                .with_columns(("\x03" + pl.col("cluster_id")).alias("cluster_id")),
            ]
        )
        .group_by("cluster_id", "cand")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= cfg.min_sharing_accounts)
    )
    # candidates and clusters as one bipartite graph: two candidates are one when a path of
    # shared clusters joins them (linear in the pairs of cluster and candidate; pairing the
    # candidates of each cluster grew with the square of a popular cluster's communities)
    merge = nx.Graph()
    merge.add_nodes_from(members["cand"].unique().to_list())
    merge.add_edges_from(
        (cand, "\x00" + cl) for cl, cand in shared_cl.select("cluster_id", "cand").iter_rows()
    )
    rename = {}
    for comp in nx.connected_components(merge):
        cands = [n for n in comp if not n.startswith("\x00")]
        first = min(cands, key=lambda x: int(x[1:]))
        rename.update(dict.fromkeys(cands, first))
    members = members.with_columns(pl.col("cand").replace_strict(rename, return_dtype=pl.String))
    cm = cm.with_columns(pl.col("cand").replace_strict(rename, return_dtype=pl.String))
    return members, cm


def _community_comments(
    c: pl.DataFrame,
    cm: pl.DataFrame,
    members: pl.DataFrame,
    coord: CoordinationResult,
    cfg: CampaignConfig,
) -> pl.DataFrame:
    """Return the communities' own comments and those of their quieter accounts.

    The communities' comments that are on their own content (clusters they dominate, their rare
    items) or co-acted, plus the comments of accounts outside the communities that post their
    points (see :func:`_quiet_accounts`).
    """
    # clusters a community dominates: its members are at least half of the cluster's accounts
    cl_acc = (
        c.filter(pl.col("cluster_id").is_not_null())
        .group_by("cluster_id")
        .agg(pl.col("node").n_unique().alias("cl_accounts"))
    )
    dom = (
        cm.filter(pl.col("cluster_id").is_not_null())
        .group_by("cand", "cluster_id")
        .agg(pl.col("node").n_unique().alias("k"))
        .join(cl_acc, on="cluster_id")
        .filter(pl.col("k") >= cfg.dominated_share * pl.col("cl_accounts"))
        .select("cand", "cluster_id", pl.lit(True).alias("dominated"))
    )
    items = _rare_items(c, members, cfg.min_sharing_accounts, cfg.rare_item_share)
    cm = cm.join(dom, on=["cand", "cluster_id"], how="left", maintain_order="left")
    cm = cm.filter(
        pl.col("dominated").fill_null(False)
        | _uses_rare_item(cm, items)
        | _co_acted(cm, _reach_us(coord))
    )
    comm_comments = cm.select("cand", *CAND_COLS)
    extra = _quiet_accounts(c, members, dom, items, cfg)
    return pl.concat([comm_comments, extra.select(comm_comments.columns)], how="vertical")


def _quiet_accounts(
    c: pl.DataFrame,
    members: pl.DataFrame,
    dom: pl.DataFrame,
    items: pl.DataFrame,
    cfg: CampaignConfig,
) -> pl.DataFrame:
    """Return the comments of accounts that post a candidate's points from outside it.

    The comments of accounts outside the communities that post a candidate's talking points
    repeatedly (two or more comments in the clusters or links it dominates) or with its rare
    link or hashtag: an operation's quieter accounts have too few co-actions for significance on
    their own.
    """
    others = c.join(members.select("node"), on="node", how="anti")
    via_cluster = others.join(dom.select("cand", "cluster_id"), on="cluster_id", how="inner")
    repeat = via_cluster.group_by("cand", "node").len().filter(pl.col("len") >= 2)
    via_item = (
        pl.concat(
            [
                others.select("comment_id", "platform", pl.col("urls").alias("item")).explode(
                    "item"
                ),
                others.select("comment_id", "platform", pl.col("hashtags").alias("item")).explode(
                    "item"
                ),
            ]
        )
        .join(items.select("cand", "item"), on="item", how="inner")
        .select("cand", "comment_id", "platform")
        .unique()
    )
    # ... or its links (those its accounts are half or more of the users of), repeatedly
    link_uses = (
        c.filter(~pl.col("repost"))
        .select("node", "comment_id", "platform", pl.col("urls").alias("item"))
        .explode("item")
        .drop_nulls("item")
    )
    link_users = link_uses.group_by("item").agg(pl.col("node").n_unique().alias("users"))
    dom_links = (
        link_uses.join(members, on="node")
        .group_by("cand", "item")
        .agg(pl.col("node").n_unique().alias("k"))
        .join(link_users, on="item")
        .filter(
            (pl.col("k") >= cfg.min_sharing_accounts)
            & (pl.col("k") >= cfg.dominated_share * pl.col("users"))
        )
        .select("cand", "item")
    )
    via_link = link_uses.join(members.select("node"), on="node", how="anti").join(
        dom_links, on="item"
    )
    repeat_link = (
        via_link.group_by("cand", "node")
        .agg(pl.col("comment_id").n_unique().alias("n"))
        .filter(pl.col("n") >= 2)
    )
    joined = pl.concat(
        [
            via_cluster.join(
                repeat.select("cand", "node"), on=["cand", "node"], how="inner"
            ).select("cand", "comment_id", "platform"),
            via_item,
            via_link.join(repeat_link.select("cand", "node"), on=["cand", "node"]).select(
                "cand", "comment_id", "platform"
            ),
        ]
    ).unique()
    return joined.join(c, on=["platform", "comment_id"], how="inner")


def _cluster_candidates(
    c: pl.DataFrame, clusters: pl.DataFrame, comm_comments: pl.DataFrame, cfg: CampaignConfig
) -> pl.DataFrame:
    """Return the comments of large informative clusters outside the communities.

    Large informative clusters mostly outside the communities (a meme, a quote, a viral phrase:
    listed so that a reviewer sees what was considered); those whose accounts are mostly the
    same are one candidate.
    """
    covered = set(comm_comments["cluster_id"].drop_nulls().unique().to_list())
    big = clusters.filter(
        pl.col("informative") & (pl.col("n_accounts") >= cfg.min_cluster_accounts)
    ).filter(~pl.col("cluster_id").is_in(list(covered)))
    clus_comments = c.join(big.select("cluster_id"), on="cluster_id", how="inner")
    clus_comments = clus_comments.with_columns(
        _same_accounts(clus_comments, cfg.same_accounts_share).alias("cand")
    ).select("cand", *CAND_COLS)
    return clus_comments


def _template_candidates(
    c: pl.DataFrame, comm_comments: pl.DataFrame, min_accounts: int
) -> pl.DataFrame:
    """Slot templates posted by ``min_accounts`` or more accounts outside the communities.

    Automation (a game's or a service's bot), never flagged; templates posted by the same
    accounts (one bot's several messages) are one finding.
    """
    tpl = (
        c.drop_nulls("template_key")
        .group_by("template_key")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= min_accounts)
    )
    in_comm = set(comm_comments.filter(pl.col("template_key").is_not_null())["template_key"])
    tpl_uses = c.join(tpl.select("template_key"), on="template_key", how="inner").filter(
        ~pl.col("template_key").is_in(list(in_comm))
    )
    # templates posted by the same accounts (one bot's several messages) are one finding
    bot = nx.Graph()
    bot.add_edges_from(
        ("\x00" + k, n) for k, n in tpl_uses.select("template_key", "node").unique().iter_rows()
    )
    group: dict[str, str] = {}
    for i, comp in enumerate(sorted(nx.connected_components(bot), key=min)):
        group.update({k[1:]: f"t{i}" for k in comp if k.startswith("\x00")})
    tpl_comments = tpl_uses.select(
        pl.col("template_key").replace_strict(group, return_dtype=pl.String).alias("cand"),
        *CAND_COLS,
    )
    return tpl_comments


def _same_accounts(cm: pl.DataFrame, share: float) -> pl.Series:
    """Group large clusters posted by mostly the same accounts into one candidate.

    A candidate per group of clusters posted by mostly the same accounts (``share`` or more of
    the smaller cluster's): a group of accounts pushing three texts is one candidate, three
    memes that share a few people are three. ``cm``: the clusters' comments (cluster_id, node);
    returns ``x`` + the group's first cluster id, per row.
    """
    members = cm.select("cluster_id", "node").unique()
    size = members.group_by("cluster_id").len("n")
    shared = (
        members.join(members, on="node", suffix="_b")
        .filter(pl.col("cluster_id") < pl.col("cluster_id_b"))
        .group_by("cluster_id", "cluster_id_b")
        .len("k")
        .join(size, on="cluster_id")
        .join(size.rename({"cluster_id": "cluster_id_b", "n": "n_b"}), on="cluster_id_b")
        .filter(pl.col("k") >= share * pl.min_horizontal("n", "n_b"))
    )
    g = nx.Graph()
    g.add_nodes_from(size["cluster_id"].to_list())
    g.add_edges_from(shared.select("cluster_id", "cluster_id_b").iter_rows())
    first = {k: "x" + min(comp) for comp in nx.connected_components(g) for k in comp}
    return cm["cluster_id"].replace_strict(first, return_dtype=pl.String)


def _share_points(c: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reposts as talking points.

    A plain repost (no cluster of its own) takes its original's key (``s`` + a digest of the
    share item) as its ``cluster_id``, and a flag ``repost``; returns the comments and the keys
    as cluster rows (cluster_id, informative, n_accounts).
    """
    c = c.with_columns((is_repost(c.columns) & pl.col("share_item").is_not_null()).alias("repost"))
    items = c.filter(pl.col("repost")).select("share_item").unique().sort("share_item")
    keys = items.with_columns(
        pl.col("share_item")
        .map_elements(lambda x: "s" + hashlib.sha1(x.encode()).hexdigest()[:12], pl.String)
        .alias("key")
    )
    c = (
        c.join(keys, on="share_item", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("repost"))
            .then(pl.col("key"))
            .otherwise(pl.col("cluster_id"))
            .alias("cluster_id")
        )
        .drop("key")
    )
    posts = (
        c.filter(pl.col("repost"))
        .group_by("cluster_id")
        .agg(pl.col("node").n_unique().cast(pl.UInt32).alias("n_accounts"))
        .filter(pl.col("n_accounts") >= 2)
        .select("cluster_id", pl.lit(True).alias("informative"), "n_accounts")
        .sort("cluster_id")
    )
    return c, posts


def _reach_us(coord: CoordinationResult) -> dict[str, int]:
    """Return, per kind, how far apart two uses of an item may be to co-act.

    Microseconds per kind within which two accounts' uses of an item were tested as a co-action
    (the longer of the kind's two time scales).
    """
    how = coord.stats.get("windows", {})
    return {k: int(max(v, how.get(k, {}).get("slow_s", 0)) * 1e6) for k, v in coord.windows.items()}


def _co_acted(cm: pl.DataFrame, reach_us: dict[str, int]) -> pl.Series:
    """Flag each member's comment that is one side of a co-action in its candidate.

    Whether each comment of ``cm`` (a candidate's members' comments) is one side of a co-action
    with another member of its candidate: the same cluster, link, hashtag, re-shared post or
    replied-to comment used by another of its accounts within the kind's reach. Linear after one
    sort: each use is compared with its neighbours in time.
    """
    rows = cm.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
        pl.col("created_at").dt.epoch("us").alias("t"),
    )
    kinds = ("text", "fragment", "link", "hashtag", "share", "reply")
    ev = (
        uses(rows, ["__r", "cand", "node", "t"], kinds)
        .with_columns(
            pl.col("kind").replace_strict(reach_us, default=0, return_dtype=pl.Int64).alias("w")
        )
        .sort("cand", "kind", "item", "t", "node")
    )
    same = (
        (pl.col("cand") == pl.col("cand").shift(1))
        & (pl.col("kind") == pl.col("kind").shift(1))
        & (pl.col("item") == pl.col("item").shift(1))
    )
    near_prev = (
        same
        & (pl.col("t") - pl.col("t").shift(1) <= pl.col("w"))
        & (pl.col("node") != pl.col("node").shift(1))
    )
    near_next = (
        (pl.col("cand") == pl.col("cand").shift(-1))
        & (pl.col("kind") == pl.col("kind").shift(-1))
        & (pl.col("item") == pl.col("item").shift(-1))
        & (pl.col("t").shift(-1) - pl.col("t") <= pl.col("w"))
        & (pl.col("node") != pl.col("node").shift(-1))
    )
    used = ev.filter((near_prev | near_next).fill_null(False))["__r"].unique()
    hit = np.zeros(cm.height, dtype=bool)
    hit[used.to_numpy()] = True
    return pl.Series("co_acted", hit)


def _uses_rare_item(cm: pl.DataFrame, items: pl.DataFrame) -> pl.Series:
    """Flag each comment that carries one of its own candidate's rare items.

    Whether each comment of ``cm`` (columns cand, urls, hashtags) carries one of its own
    candidate's rare items: an exploded semi-join, linear in the comments' links and hashtags
    (attaching each candidate's item list to every comment grew as comments x items).
    """
    rows = cm.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"), "cand", "urls", "hashtags"
    )
    used = pl.concat(
        [
            rows.select("__r", "cand", pl.col("urls").alias("item")).explode("item"),
            rows.select("__r", "cand", pl.col("hashtags").alias("item")).explode("item"),
        ]
    ).join(items.select("cand", "item"), on=["cand", "item"], how="semi")["__r"]
    hit = np.zeros(cm.height, dtype=bool)
    hit[used.to_numpy()] = True
    return pl.Series("in_campaign", hit)


def _rare_items(c: pl.DataFrame, members: pl.DataFrame, k_min: int, share: float) -> pl.DataFrame:
    """Return each candidate's rare links and hashtags.

    Links and hashtags used by ``k_min``+ accounts of a candidate and by its accounts for
    ``share`` or more of their users (see ``CampaignConfig``).
    """
    ev = (
        pl.concat(
            [
                c.select("node", pl.col("urls").alias("item")).explode("item"),
                c.select("node", pl.col("hashtags").alias("item")).explode("item"),
            ]
        )
        .drop_nulls("item")
        .unique()
    )
    users = ev.group_by("item").agg(pl.len().alias("users"))
    per = ev.join(members, on="node").group_by("cand", "item").agg(pl.len().alias("k"))
    return (
        per.join(users, on="item")
        .filter((pl.col("k") >= k_min) & (pl.col("k") >= share * pl.col("users")))
        .select("cand", "item", "k")
    )


def _inside_strength(cand: pl.DataFrame, graph: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Per candidate: ``synchrony``.

    The mean over its accounts of the strength of their co-actions beyond chance with the
    candidate's other accounts (the account graph's pair strengths summed, capped at 1): the
    group acting together, not each account with anyone; and ``n_testable``, how many of its
    account pairs the dump could have shown beyond chance at all (see
    ``CoordinationResult.edges``). Linear: each edge is looked up by its ends.
    """
    members = cand.select("cand", "node").unique()

    def within(e: pl.DataFrame) -> pl.DataFrame:
        return e.join(members.rename({"node": "a"}), on="a").join(
            members.rename({"node": "b"}), on=["b", "cand"]
        )

    inside = within(graph.select("a", "b", "weight"))
    per_node = (
        pl.concat(
            [
                inside.select("cand", pl.col("a").alias("node"), "weight"),
                inside.select("cand", pl.col("b").alias("node"), "weight"),
            ]
        )
        .group_by("cand", "node")
        .agg(pl.col("weight").sum().clip(upper_bound=1.0).alias("s"))
    )
    testable = (
        within(edges.filter(pl.col("testable")).select("a", "b").unique())
        if "testable" in edges.columns
        else pl.DataFrame(schema={"a": pl.String, "b": pl.String, "cand": pl.String})
    )
    return (
        members.join(per_node, on=["cand", "node"], how="left")
        .group_by("cand")
        .agg(pl.col("s").fill_null(0).mean().alias("synchrony"))
        .join(testable.group_by("cand").len("n_testable"), on="cand", how="left")
        .with_columns(pl.col("n_testable").fill_null(0))
    )


def carried(c: pl.DataFrame) -> pl.DataFrame:
    """Per platform, whether its comments can carry each sub-score that needs a field.

    Thread ids (thread repetition), links or hashtags (shared rare items); cross-platform needs
    two platforms in the dump.
    """
    n_platforms = c["platform"].n_unique()
    return c.group_by("platform").agg(
        pl.col("thread_id").is_not_null().any().alias("thread_repetition"),
        (pl.col("urls").list.len().sum() + pl.col("hashtags").list.len().sum() > 0).alias(
            "shared_rare_items"
        ),
        pl.lit(n_platforms >= 2).alias("cross_platform"),
    )
