"""Campaigns: scored, explained findings assembled from communities and near-duplicate clusters.

Candidates are (1) the communities of the coordination graph and (2) large informative
clusters posted mostly outside those communities (a meme, a quote, a viral phrase), so that a
reviewer sees what was considered. Each candidate gets sub-scores in 0-1:

- ``text_similarity``: share of its comments on talking points that at least three of its
  accounts share: informative near-duplicate clusters, re-shares of one original, replies
  to one comment (a brigade answering in its own words), a link or a hashtag;
- ``synchrony``: how strongly its accounts act together beyond chance: per account, the
  strengths of its significant co-action edges with the candidate's other accounts, summed
  and capped at 1, averaged (see :mod:`bot_analysis.coordination`);
- ``burstiness``: share of its comments in Kleinberg burst states of its own series;
- ``volume_concentration``: ``1 - 1/(comments per account)``: organic look-alikes post once;
- ``thread_repetition``: ``1 - 1/(threads per talking point)``: the same text on many threads;
- ``shared_rare_items``: a link or hashtag used by three or more of its accounts and mostly
  (80%) by them;
- ``cross_platform``: two or more platforms with two or more accounts each.

The score is ``sum(w_b * b for b in behaviour) + max(behaviour) * sum(w_c * c for c in
content)``: the behaviour sub-scores (synchrony, volume concentration) count directly and gate
the content ones (the rest). Weights are in ``CampaignConfig``; a candidate is flagged when
the score reaches ``flag_threshold`` and it has ``min_accounts``. Organic look-alikes stay
unflagged by what they are, not by special cases: a viral surge or a meme has no co-actions
beyond chance and one comment per account; common phrases are uninformative and never make a
cluster candidate; a fan group co-acts on threads only, which scores only beside content.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import polars as pl

from .bursts import candidate_bursts
from .config import SUBSCORES, BurstConfig, CampaignConfig
from .coordination import CoordinationResult, replied_to
from .schema import is_repost

__all__ = [
    "CampaignResult",
    "Candidates",
    "assemble_campaigns",
    "find_candidates",
    "score_candidates",
]
log = logging.getLogger(__name__)

_BEHAVIOUR = ("synchrony", "volume_concentration")
# The columns a candidate's comments carry through scoring.
_CAND_COLS = (
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
_REASONS_LOW = {
    "text_similarity": "little shared wording",
    "synchrony": "no co-actions beyond chance",
    "burstiness": "no burst",
    "volume_concentration": "about one comment per account",
    "thread_repetition": "the same text seldom repeated across threads",
}


@dataclass
class CampaignResult:
    """``campaigns``: one row per candidate (flagged or not); ``membership``: node ->
    campaign_id; ``comment_campaign``: comment_id/platform -> campaign_id; ``evidence``: see
    below."""

    campaigns: pl.DataFrame
    membership: pl.DataFrame
    comment_campaign: pl.DataFrame
    stats: dict
    evidence: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Per account of a flagged campaign: node, campaign_id, talking_point_share (its comments'
    share on the campaign's shared talking points) and evidence (its strongest co-actions
    with the campaign's other accounts: with whom, on what, how close, the p-value)."""
    bursts: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Each campaign's bursts (series: its campaign id), those its burstiness was scored on."""


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


def _cid(nodes: list[str]) -> str:
    return "k" + hashlib.sha1("\n".join(sorted(nodes)).encode()).hexdigest()[:10]


def _campaign_ids(df: pl.DataFrame) -> list[str]:
    """A unique id per candidate, from its content, so that a rerun gives the same ids: the
    hash of its accounts; where candidates share their accounts (one set of accounts posting
    several talking points), the hash of the accounts and the clusters; the few left alike
    get ``-2``, ``-3`` in the order of their clusters."""
    nodes = df["nodes"].to_list()
    clusters = df["cluster_set"].to_list()
    ids = [_cid(n) for n in nodes]
    seen = Counter(ids)
    out = [
        i if seen[i] == 1 else _cid([*n, "\x00clusters", *c])
        for i, n, c in zip(ids, nodes, clusters, strict=True)
    ]
    count: Counter[str] = Counter()
    for k in sorted(range(len(out)), key=lambda k: (out[k], clusters[k], nodes[k])):
        count[out[k]] += 1
        if count[out[k]] > 1:
            out[k] = f"{out[k]}-{count[out[k]]}"
    return out


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
    acc = coord.accounts.select("node", "coordination_score", "community")
    c = c.join(acc, on="node", how="left")
    # re-shares of one original are one talking point, like a near-duplicate cluster
    c, shared_posts = _share_points(c)
    clusters = pl.concat([clusters.select("cluster_id", "informative", "n_accounts"), shared_posts])
    inf = clusters.filter(pl.col("informative")).select("cluster_id")
    # (1) communities
    members = acc.filter(pl.col("community").is_not_null()).select(
        "node", pl.concat_str(pl.lit("m"), pl.col("community").cast(pl.String)).alias("cand")
    )
    cm = c.join(members, on="node", how="inner")
    # communities that post the same informative clusters or links (three or more accounts
    # each) are one candidate: Louvain may cut one operation in pieces, e.g. along platform
    # lines (authored posts only: re-sharing one popular post joins no communities)
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
    comm_comments = cm.select("cand", *_CAND_COLS)
    # Accounts outside the communities that post the candidate's talking points repeatedly
    # (two or more comments in its clusters or with its links) or with its rare link or
    # hashtag join it: an
    # operation's quieter accounts have too few co-actions for significance on their own.
    cols = comm_comments.columns
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
    extra = joined.join(c, on=["platform", "comment_id"], how="inner").select(cols)
    comm_comments = pl.concat([comm_comments, extra.select(cols)], how="vertical")
    # (2) big informative clusters mostly outside those communities
    covered = set(comm_comments["cluster_id"].drop_nulls().unique().to_list())
    big = clusters.filter(
        pl.col("informative") & (pl.col("n_accounts") >= cfg.min_cluster_accounts)
    ).filter(~pl.col("cluster_id").is_in(list(covered)))
    clus_comments = c.join(big.select("cluster_id"), on="cluster_id", how="inner")
    clus_comments = clus_comments.with_columns(
        _same_accounts(clus_comments, cfg.same_accounts_share).alias("cand")
    ).select("cand", *_CAND_COLS)
    # (3) slot templates posted by many accounts: automation, reported as such
    tpl = (
        c.drop_nulls("template_key")
        .group_by("template_key")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= cfg.min_cluster_accounts)
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
        *_CAND_COLS,
    )
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
        carried=_carried(c),
        n_dump=comments.height,
    )


def score_candidates(
    cands: Candidates, bursts: pl.DataFrame, coord: CoordinationResult, cfg: CampaignConfig
) -> CampaignResult:
    """Score, flag and explain the candidates; one campaign per comment.

    Parameters
    ----------
    cands : Candidates
        What :func:`find_candidates` returned.
    bursts : polars.DataFrame
        Each candidate's bursts (:func:`~bot_analysis.bursts.candidate_bursts`): its
        burstiness sub-score, and the campaign's bursts in the report.
    coord : CoordinationResult
        The account graph and its tests (the evidence against each account).
    cfg : CampaignConfig
        The scoring parameters.
    """
    cand = cands.comments
    if cand.height == 0:
        return replace(_empty(), bursts=bursts)
    scored = _score(
        cand, cands.informative, cands.items, cfg, cands.carried, cands.inside, cands.n_dump, bursts
    )
    # one campaign per comment: the highest-scoring candidate that holds it
    comment_campaign = (
        cand.join(scored.select("cand", "campaign_id", "score", "flagged"), on="cand")
        .sort(["score", "campaign_id"], descending=[True, False])
        .unique(subset=["platform", "comment_id"], keep="first", maintain_order=True)
        .select("platform", "comment_id", "campaign_id", "flagged")
    )
    membership = (
        cand.select("cand", "node")
        .unique()
        .join(scored.select("cand", "campaign_id", "flagged", "score"), on="cand")
        .select("node", "campaign_id", "flagged", "score")
    )
    campaigns = scored.drop("cand").sort(
        ["flagged", "score", "campaign_id"], descending=[True, True, False]
    )
    stats = {
        "candidates": campaigns.height,
        "flagged": int(campaigns["flagged"].sum()),
        "flagged_comments": int(comment_campaign["flagged"].sum()),
    }
    log.info("campaigns: %d candidates, %d flagged", campaigns.height, stats["flagged"])
    ids = dict(scored.select("cand", "campaign_id").iter_rows())
    return CampaignResult(
        campaigns,
        membership,
        comment_campaign,
        stats,
        _evidence(cand, scored, cands.informative, coord, cfg.min_sharing_accounts),
        bursts.with_columns(pl.col("series").replace_strict(ids, return_dtype=pl.String)),
    )


def assemble_campaigns(
    comments: pl.DataFrame,
    clusters: pl.DataFrame,
    coord: CoordinationResult,
    cfg: CampaignConfig,
    bursts: BurstConfig | None = None,
) -> CampaignResult:
    """Find, score and explain campaign candidates in one call (the stages of a run).

    Parameters
    ----------
    comments : polars.DataFrame
        Canonical comments with the near-duplicate columns.
    clusters : polars.DataFrame
        The near-duplicate clusters table.
    coord : CoordinationResult
        The coordination stage's result.
    cfg : CampaignConfig
        The campaign parameters.
    bursts : BurstConfig, optional
        The burst parameters (default: the defaults).
    """
    cands = find_candidates(comments, clusters, coord, cfg)
    t = comments["created_at"].dt.epoch("us")
    span = (int(t.min()), int(t.max())) if comments.height else (0, 0)  # type: ignore[arg-type]
    cb = candidate_bursts(cands.comments, bursts or BurstConfig(), span)
    return score_candidates(cands, cb, coord, cfg)


def _item_label(kind: pl.Expr, item: pl.Expr, text: pl.Expr) -> pl.Expr:
    """What a co-action was on, in words: the text (shortened) of a talking point or a
    re-share, the link, the hashtag, or the comment answered."""
    short = pl.when(text.str.len_chars() > 60).then(text.str.slice(0, 57) + "...").otherwise(text)
    return (
        pl.when(kind.is_in(["text", "share"]))
        .then(pl.concat_str(pl.lit('"'), short, pl.lit('"')))
        .when(kind == "reply")
        .then(pl.concat_str(pl.lit("replies to "), item))
        .otherwise(item)
    )


# Where each kind of co-action finds its item in a candidate's comments (list columns are
# exploded): the near-duplicate cluster or shared sentences, links, hashtags, the re-shared
# post, the comment answered, the thread.
_ITEM_OF = {
    "text": "cluster_id",
    "fragment": "fragments",
    "link": "urls",
    "hashtag": "hashtags",
    "share": "share_item",
    "reply": "parent",
    "thread": "thread_id",
}


_LISTS = ("urls", "hashtags", "fragments")


def _uses(df: pl.DataFrame, keep: list[str], kinds: tuple[str, ...]) -> pl.DataFrame:
    """One row per (comment, kind, item): ``keep`` columns, ``kind`` and ``item`` (null items
    dropped); sentence fragments count as the text kind."""
    parts = []
    for kind in kinds:
        col = _ITEM_OF[kind]
        if col not in df.columns:
            continue
        part = df.select(
            *keep,
            pl.lit("text" if kind == "fragment" else kind).alias("kind"),
            pl.col(col) if col in _LISTS else pl.col(col).cast(pl.String).alias("item"),
        )
        if col in _LISTS:
            part = part.rename({col: "item"}).explode("item")
        parts.append(part)
    return pl.concat(parts).drop_nulls("item")


def _evidence(
    cand: pl.DataFrame,
    scored: pl.DataFrame,
    inf: pl.DataFrame,
    coord: CoordinationResult,
    k_min: int,
) -> pl.DataFrame:
    """Why each account of a flagged campaign is in it: its share of comments on the
    campaign's shared talking points, and its three strongest co-actions beyond chance with
    the campaign's other accounts (with whom, kind, on what, how close in time, p-value).
    Linear: the closest co-action of each pair is found among neighbours in time."""
    flagged = scored.filter(pl.col("flagged")).select("cand", "campaign_id")
    fc = cand.join(flagged, on="cand")
    schema = {
        "node": pl.String,
        "campaign_id": pl.String,
        "talking_point_share": pl.Float64,
        "evidence": pl.String,
    }
    if fc.height == 0:
        return pl.DataFrame(schema=schema)
    shared = (
        fc.filter(pl.col("cluster_id").is_in(inf["cluster_id"].implode()))
        .group_by("cand", "cluster_id")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= k_min)
    )
    fc = fc.with_columns(_on_point(fc, shared, k_min))
    share = fc.group_by("cand", "campaign_id", "node").agg(
        pl.col("on_point").mean().round(3).alias("talking_point_share")
    )
    members = fc.select("cand", "node").unique()
    nodes = members["node"].unique().implode()
    sig = coord.edges.filter(
        pl.col("significant") & pl.col("a").is_in(nodes) & pl.col("b").is_in(nodes)
    ).select("a", "b", "kind", "n_items", "p_value")
    inside = sig.join(members.rename({"node": "a"}), on="a").join(
        members.rename({"node": "b"}), on=["b", "cand"]
    )
    # the closest co-action of each pair and kind: neighbours in time on one item
    uses = _uses(
        fc,
        ["cand", "node", "created_at", "text"],
        ("text", "link", "hashtag", "share", "reply", "thread"),
    ).sort("cand", "kind", "item", "created_at", "node")
    prev = [pl.col(c).shift(1) for c in ("cand", "kind", "item", "node", "created_at")]
    closest = (
        uses.with_columns(
            (
                (pl.col("cand") == prev[0])
                & (pl.col("kind") == prev[1])
                & (pl.col("item") == prev[2])
                & (pl.col("node") != prev[3])
            ).alias("pair"),
            pl.min_horizontal("node", prev[3]).alias("a"),
            pl.max_horizontal("node", prev[3]).alias("b"),
            (pl.col("created_at") - prev[4]).dt.total_seconds().alias("dt"),
        )
        .filter(pl.col("pair").fill_null(False))
        .group_by("cand", "a", "b", "kind")
        .agg(
            pl.col("dt").min(),
            pl.col("item").sort_by("dt", "item").first(),
            pl.col("text").sort_by("dt", "item").first(),
        )
        .select(
            "cand",
            "a",
            "b",
            "kind",
            "dt",
            _item_label(pl.col("kind"), pl.col("item"), pl.col("text")).alias("what"),
        )
    )
    inside = inside.join(closest, on=["cand", "a", "b", "kind"], how="left")
    line = pl.concat_str(
        pl.lit("with "),
        pl.col("other"),
        pl.lit(": "),
        pl.col("kind"),
        pl.lit(", "),
        pl.col("n_items").cast(pl.String),
        pl.lit(" items"),
        pl.when(pl.col("what").is_not_null())
        .then(
            pl.concat_str(
                pl.lit(", e.g. "),
                pl.col("what"),
                pl.lit(" "),
                pl.col("dt").cast(pl.Int64).cast(pl.String),
                pl.lit(" s apart"),
            )
        )
        .otherwise(pl.lit("")),
        pl.lit(", p="),
        pl.col("p_value").map_elements(lambda p: f"{p:.1e}", return_dtype=pl.String),
    )
    rest = ["kind", "n_items", "p_value", "what", "dt"]
    ends = pl.concat(  # each edge from both of its ends
        [
            inside.select("cand", pl.col(x).alias("node"), pl.col(y).alias("other"), *rest)
            for x, y in (("a", "b"), ("b", "a"))
        ]
    )
    # the three best of each account: a cut at its third-best p-value first (a partial sort
    # per account), then a full sort of what is left
    third = pl.col("p_value").bottom_k(3).max().over("cand", "node")
    top = (
        ends.filter(pl.col("p_value") <= third)
        .sort(
            ["cand", "node", "p_value", "n_items", "other"],
            descending=[False, False, False, True, False],
        )
        .group_by("cand", "node", maintain_order=True)
        .head(3)
        .with_columns(line.alias("line"))
        .group_by("cand", "node", maintain_order=True)
        .agg(pl.col("line").str.join("; ").alias("evidence"))
    )
    return (
        share.join(top, on=["cand", "node"], how="left")
        .select("node", "campaign_id", "talking_point_share", "evidence")
        .sort("campaign_id", "node")
    )


def _same_accounts(cm: pl.DataFrame, share: float) -> pl.Series:
    """A candidate per group of clusters posted by mostly the same accounts (``share`` or more
    of the smaller cluster's): a group of accounts pushing three texts is one candidate, three
    memes that share a few people are three. ``cm``: the clusters' comments (cluster_id,
    node); returns ``x`` + the group's first cluster id, per row."""
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
    """Reposts as talking points: a plain repost (no cluster of its own) takes its original's
    key (``s`` + a digest of the share item) as its ``cluster_id``, and a flag ``repost``;
    returns the comments and the keys as cluster rows (cluster_id, informative, n_accounts)."""
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
    """Microseconds per kind within which two accounts' uses of an item were tested as a
    co-action (the longer of the kind's two time scales)."""
    how = coord.stats.get("windows", {})
    return {k: int(max(v, how.get(k, {}).get("slow_s", 0)) * 1e6) for k, v in coord.windows.items()}


def _co_acted(cm: pl.DataFrame, reach_us: dict[str, int]) -> pl.Series:
    """Whether each comment of ``cm`` (a candidate's members' comments) is one side of a
    co-action with another member of its candidate: the same cluster, link, hashtag,
    re-shared post or replied-to comment used by another of its accounts within the kind's
    reach. Linear after one sort: each use is compared with its neighbours in time."""
    rows = cm.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
        pl.col("created_at").dt.epoch("us").alias("t"),
    )
    kinds = ("text", "fragment", "link", "hashtag", "share", "reply")
    ev = (
        _uses(rows, ["__r", "cand", "node", "t"], kinds)
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
    """Whether each comment of ``cm`` (columns cand, urls, hashtags) carries one of its own
    candidate's rare items: an exploded semi-join, linear in the comments' links and hashtags
    (attaching each candidate's item list to every comment grew as comments x items)."""
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
    """Links and hashtags used by ``k_min``+ accounts of a candidate and by its accounts for
    ``share`` or more of their users (see ``CampaignConfig``)."""
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


def _on_point(cand: pl.DataFrame, shared: pl.DataFrame, k_min: int) -> pl.Series:
    """Per row of ``cand``: whether the comment is on a talking point that ``k_min`` or more
    of its candidate's accounts share: a near-duplicate cluster or re-shared original
    (``shared``), the comment they answer, a link, a hashtag or a sentence."""
    rows = cand.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
        "cand",
        "node",
        "cluster_id",
        "parent",
        "urls",
        "hashtags",
        "fragments",
    )
    in_cluster = rows.join(shared.select("cand", "cluster_id"), on=["cand", "cluster_id"])
    uses = pl.concat(
        [
            rows.select("__r", "cand", "node", pl.col("parent").alias("item")),
            rows.select("__r", "cand", "node", pl.col("urls").alias("item")).explode("item"),
            rows.select("__r", "cand", "node", pl.col("hashtags").alias("item")).explode("item"),
            rows.select("__r", "cand", "node", pl.col("fragments").alias("item")).explode("item"),
        ]
    ).drop_nulls("item")
    common = (
        uses.group_by("cand", "item")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= k_min)
    )
    hit = pl.concat(
        [
            in_cluster["__r"],
            uses.join(common.select("cand", "item"), on=["cand", "item"])["__r"],
        ]
    ).unique()
    out = np.zeros(cand.height, dtype=bool)
    out[hit.to_numpy()] = True
    return pl.Series("on_point", out)


def _inside_strength(cand: pl.DataFrame, graph: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Per candidate: ``synchrony``, the mean over its accounts of the strength of their
    co-actions beyond chance with the candidate's other accounts (the account graph's pair
    strengths summed, capped at 1): the group acting together, not each account with anyone;
    and ``n_testable``, how many of its account pairs the dump could have shown beyond chance
    at all (see ``CoordinationResult.edges``). Linear: each edge is looked up by its ends."""
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


def _carried(c: pl.DataFrame) -> pl.DataFrame:
    """Per platform, whether its comments can carry each sub-score that needs a field: thread
    ids (thread repetition), links or hashtags (shared rare items); cross-platform needs two
    platforms in the dump."""
    n_platforms = c["platform"].n_unique()
    return c.group_by("platform").agg(
        pl.col("thread_id").is_not_null().any().alias("thread_repetition"),
        (pl.col("urls").list.len().sum() + pl.col("hashtags").list.len().sum() > 0).alias(
            "shared_rare_items"
        ),
        pl.lit(n_platforms >= 2).alias("cross_platform"),
    )


# The sub-scores an export may be unable to carry (see _carried); the others always can.
_OPTIONAL = ("thread_repetition", "shared_rare_items", "cross_platform")


def _score(
    cand: pl.DataFrame,
    inf: pl.DataFrame,
    items: pl.DataFrame,
    cfg: CampaignConfig,
    carried: pl.DataFrame,
    synchrony: pl.DataFrame,
    n_dump: int,
    bt: pl.DataFrame,
) -> pl.DataFrame:
    w = dict(cfg.weights)
    inf_set = inf["cluster_id"].implode()
    # text similarity: comments in informative clusters posted by >= 3 of the candidate's accounts
    cl_k = (
        cand.filter(pl.col("cluster_id").is_in(inf_set))
        .group_by("cand", "cluster_id")
        .agg(
            pl.col("node").n_unique().alias("k"),
            pl.col("thread_id").n_unique().alias("threads"),
            pl.len().alias("n"),
        )
    )
    shared = cl_k.filter(pl.col("k") >= cfg.min_sharing_accounts)
    base = cand.group_by("cand").agg(
        pl.len().alias("n_comments"),
        pl.col("node").n_unique().alias("n_accounts"),
        pl.col("cluster_id").drop_nulls().n_unique().alias("n_clusters"),
        pl.col("thread_id").drop_nulls().n_unique().alias("n_threads"),
        pl.col("created_at").min().alias("start"),
        pl.col("created_at").max().alias("end"),
        pl.col("node").str.extract(r"^([^:]+):", 1).unique().sort().alias("platforms"),
        pl.col("node").unique().sort().alias("nodes"),
        pl.col("cluster_id").drop_nulls().unique().sort().alias("cluster_set"),
        pl.col("repost").sum().alias("n_reposts"),
        pl.col("template_key").is_not_null().mean().alias("templated"),
        pl.col("template_key").drop_nulls().mode().sort().first().alias("template"),
        pl.col("template_key").drop_nulls().n_unique().alias("n_templates"),
    )
    # originals re-shared by two or more of the candidate's accounts
    reshared = (
        cl_k.filter(pl.col("cluster_id").str.starts_with("s") & (pl.col("k") >= 2))
        .group_by("cand")
        .agg(pl.len().alias("n_reshared"))
    )
    # replies to the same comments (a brigade in its own words) are shared content too
    co_replied = (
        cand.filter(pl.col("parent").is_not_null() & pl.col("cluster_id").is_null())
        .group_by("cand", "parent")
        .agg(pl.col("node").n_unique().alias("k"), pl.len().alias("n"))
        .filter(pl.col("k") >= cfg.min_sharing_accounts)
        .group_by("cand")
        .agg(pl.col("n").sum().alias("n_co_replies"), pl.len().alias("n_reply_targets"))
    )
    on_point = cand.select("cand", "node").with_columns(
        _on_point(cand, shared, cfg.min_sharing_accounts)
    )
    text_sim = (
        on_point.group_by("cand")
        .agg(pl.col("on_point").sum().alias("n_shared"))
        .join(co_replied, on="cand", how="left")
        .with_columns(pl.col("n_co_replies").fill_null(0), pl.col("n_reply_targets").fill_null(0))
    )
    rep = shared.group_by("cand").agg(
        (pl.col("threads") * pl.col("n")).sum().truediv(pl.col("n").sum()).alias("thr_per_point")
    )
    plat = (
        cand.with_columns(pl.col("node").str.extract(r"^([^:]+):", 1).alias("p"))
        .group_by("cand", "p")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= 2)
        .group_by("cand")
        .len()
    )
    in_burst = (
        bt.group_by("series")
        .agg(pl.col("count").sum().alias("in_burst"))
        .rename({"series": "cand"})
    )
    top_points = (
        cl_k.sort(["cand", "n", "cluster_id"], descending=[False, True, False])
        .group_by("cand", maintain_order=True)
        .head(5)
        .join(
            cand.select("cluster_id", "text").unique(subset=["cluster_id"], keep="first"),
            on="cluster_id",
            how="left",
        )
        .group_by("cand", maintain_order=True)
        .agg(pl.col("text").alias("top_talking_points"), pl.col("cluster_id").alias("top_clusters"))
    )
    # where shared sentences reach more accounts than any whole text (a templated push), the
    # talking points are those sentences
    sentences = _sentence_points(cand, cl_k, cfg.min_sharing_accounts)
    top_points = (
        top_points.join(sentences, on="cand", how="left")
        .with_columns(
            pl.coalesce("sentence_points", "top_talking_points").alias("top_talking_points")
        )
        .drop("sentence_points")
    )
    rare = items.group_by("cand").agg(pl.col("item").sort().alias("rare_items"))
    df = (
        base.join(synchrony, on="cand", how="left")
        .with_columns(pl.col("synchrony").fill_null(0))
        .join(text_sim, on="cand", how="left")
        .join(reshared, on="cand", how="left")
        .join(rep, on="cand", how="left")
        .join(plat.rename({"len": "n_platforms_2"}), on="cand", how="left")
        .join(in_burst, on="cand", how="left")
        .join(top_points, on="cand", how="left")
        .join(rare, on="cand", how="left")
        .with_columns(
            (pl.col("n_shared").fill_null(0) / pl.col("n_comments")).alias("text_similarity"),
            (pl.col("in_burst").fill_null(0) / pl.col("n_comments")).alias("burstiness"),
            (1 - pl.col("n_accounts") / pl.col("n_comments")).alias("volume_concentration"),
            (1 - 1 / pl.col("thr_per_point").fill_null(1).clip(lower_bound=1)).alias(
                "thread_repetition"
            ),
            pl.col("rare_items")
            .fill_null([])
            .list.len()
            .gt(0)
            .cast(pl.Float64)
            .alias("shared_rare_items"),
            (pl.col("n_platforms_2").fill_null(0) >= 2).cast(pl.Float64).alias("cross_platform"),
        )
    )
    # A sub-score none of the candidate's platforms can carry (no thread ids, one platform,
    # no links or hashtags) is n/a (null) and leaves the weighting: the same behaviour scores
    # the same in a tweet dump and in a VK dump.
    can = (
        cand.select("cand", "platform")
        .unique()
        .join(carried, on="platform", how="left")
        .group_by("cand")
        .agg(*[pl.col(k).fill_null(False).any().alias(f"{k}_can") for k in _OPTIONAL])
    )
    df = df.join(can, on="cand", how="left")
    df = _apply_carried(df, w)
    # slot-template posting (a game's or a service's bot) is automation, not a campaign
    df = df.with_columns(
        pl.when(pl.col("templated") >= cfg.template_share)
        .then(pl.lit("automation"))
        .otherwise(pl.lit("campaign"))
        .alias("kind")
    )
    df = df.with_columns(
        (
            (pl.col("score") >= cfg.flag_threshold)
            & (pl.col("n_accounts") >= cfg.min_accounts)
            & (pl.col("kind") == "campaign")
        ).alias("flagged"),
        pl.Series("campaign_id", _campaign_ids(df), dtype=pl.String),
    ).drop("cluster_set")
    rows = df.to_dicts()
    signals, summaries = [], []
    for r in rows:
        fired = [k for k in SUBSCORES if r[k] is not None and r[k] >= 0.5]
        signals.append(";".join(fired))
        summaries.append(_summary(r, fired, cfg, n_dump))
    return df.with_columns(
        pl.Series("signals", signals, dtype=pl.String),
        pl.Series("summary", summaries, dtype=pl.String),
    ).select(
        "cand",
        "campaign_id",
        "kind",
        "flagged",
        "score",
        *SUBSCORES,
        "signals",
        "summary",
        "start",
        "end",
        "n_comments",
        "n_accounts",
        "n_clusters",
        "n_threads",
        "n_reposts",
        pl.col("n_reshared").fill_null(0),
        "n_testable",
        pl.col("template"),
        pl.col("n_co_replies").fill_null(0),
        pl.col("n_reply_targets").fill_null(0),
        "platforms",
        "top_talking_points",
        "top_clusters",
        pl.col("rare_items").fill_null([]),
    )


def _sentence_points(cand: pl.DataFrame, cl_k: pl.DataFrame, k_min: int) -> pl.DataFrame:
    """``sentence_points`` per candidate whose shared sentences (``fragments``, used by
    ``k_min``+ of its accounts) reach more of its accounts than its widest whole-text cluster:
    the five most posted, each as written in one of its comments."""
    from .neardup import fragment_key, sentences_of

    if "fragments" not in cand.columns:
        return pl.DataFrame(schema={"cand": pl.String, "sentence_points": pl.List(pl.String)})
    used = (
        cand.select("cand", "node", "text", "fragments")
        .explode("fragments")
        .drop_nulls("fragments")
        .group_by("cand", "fragments")
        .agg(
            pl.col("node").n_unique().alias("k"),
            pl.len().alias("n"),
            pl.col("text").first(),
        )
        .filter(pl.col("k") >= k_min)
    )
    widest = cl_k.group_by("cand").agg(pl.col("k").max().alias("k_text"))
    top = (
        used.join(widest, on="cand", how="left")
        .filter(pl.col("k").max().over("cand") > pl.col("k_text").fill_null(0))
        .sort(["cand", "n", "fragments"], descending=[False, True, False])
        .group_by("cand", maintain_order=True)
        .head(5)
    )
    if top.height == 0:
        return pl.DataFrame(schema={"cand": pl.String, "sentence_points": pl.List(pl.String)})
    # the sentence of each chosen comment whose key is the fragment's
    sent = (
        top.with_columns(sentences_of(top["text"]).alias("s"))
        .explode("s")
        .with_columns(fragment_key(pl.col("s")).alias("key"))
        .filter(pl.col("key") == pl.col("fragments"))
        .unique(["cand", "fragments"], keep="first", maintain_order=True)
    )
    return (
        top.join(sent.select("cand", "fragments", "s"), on=["cand", "fragments"], how="left")
        .drop_nulls("s")
        .group_by("cand", maintain_order=True)
        .agg(pl.col("s").alias("sentence_points"))
    )


def _apply_carried(df: pl.DataFrame, w: dict[str, float]) -> pl.DataFrame:
    """Null the sub-scores a candidate cannot carry and score over the rest.

    ``df`` holds each sub-score and, from the join in :func:`_score`, a same-named boolean
    column suffixed ``_can`` for the optional ones. Behaviour gates content: identical words,
    repetition across threads, shared links or several platforms count only as far as the
    accounts act together (synchrony) or post repeatedly (volume concentration); a meme or a
    quote pasted once each by hundreds of unrelated people has content signals but no
    behaviour, and scores near zero. The score is divided by the weight of the sub-scores
    carried, so that a missing field neither lowers nor raises it.
    """
    df = df.with_columns(
        *[
            pl.when(pl.col(f"{k}_can")).then(pl.col(k).clip(0, 1)).otherwise(None).alias(k)
            for k in _OPTIONAL
        ]
    )
    behaviour = pl.max_horizontal(pl.col("synchrony"), pl.col("volume_concentration")).clip(0, 1)
    content = sum(
        pl.col(k).clip(0, 1).fill_null(0) * w[k] for k in SUBSCORES if k not in _BEHAVIOUR
    )
    carried = sum(
        pl.col(f"{k}_can").cast(pl.Float64) * w[k] if k in _OPTIONAL else pl.lit(w[k])
        for k in SUBSCORES
    )
    score = (sum(pl.col(k).clip(0, 1) * w[k] for k in _BEHAVIOUR) + behaviour * content) / (
        pl.max_horizontal(carried, pl.lit(1e-9)) / sum(w.values())
    )
    return df.with_columns(
        *[pl.col(k).clip(0, 1).round(3) for k in SUBSCORES],
        score.clip(0, 1).round(3).alias("score"),
    ).drop([f"{k}_can" for k in _OPTIONAL])


def _hours(r: dict) -> float:
    return (r["end"] - r["start"]).total_seconds() / 3600


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 post``, ``2,000 posts``."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _summary(r: dict, fired: list[str], cfg: CampaignConfig, n_dump: int = 0) -> str:
    span = _hours(r)
    when = (
        "an hour"
        if span < 1
        else _count(round(span), "hour")
        if span < 72
        else _count(round(span / 24), "day")
    )
    plats = " and ".join(r["platforms"])
    accounts = f"{_count(r['n_accounts'], 'account')} on {plats}"
    if r["kind"] == "automation":
        return (
            f"Automated template posting: {accounts} posted "
            f"{_count(r['n_comments'], 'comment')} from "
            f"{_count(r['n_templates'], 'template')} that differ only in names and numbers "
            f'(e.g. "{r["template"]}") within {when}. Not a coordinated campaign: automation '
            f"a reviewer may still want to know about."
        )
    if r["n_reposts"] * 2 >= r["n_comments"]:  # amplification: mostly re-shares
        shared = r["n_reshared"] or 0
        what = "the same post" if shared == 1 else f"the same {_count(shared, 'post')}"
        text = (
            f"{accounts} re-shared {what} ({r['n_reposts']:,} of their "
            f"{_count(r['n_comments'], 'post')} are re-shares) within {when}."
        )
    elif (r["n_co_replies"] or 0) * 2 >= r["n_comments"]:  # a reply brigade
        text = (
            f"{accounts} answered the same {_count(r['n_reply_targets'], 'comment')} "
            f"({r['n_co_replies']:,} of their {_count(r['n_comments'], 'comment')}, three or "
            f"more accounts on each) within {when}."
        )
    else:
        texts = f"; {_count(r['n_clusters'], 'near-duplicate text')}" if r["n_clusters"] else ""
        where = f" on {_count(r['n_threads'], 'thread')}" if r["n_threads"] else ""
        text = (
            f"{accounts} posted {_count(r['n_comments'], 'comment')} "
            f"({r['text_similarity']:.0%} on talking points three or more of them share"
            f"{texts}){where} within {when}."
        )
    if r["flagged"]:
        extra = []
        if r["synchrony"] >= 0.5:
            extra.append(f"their co-actions are far beyond chance (synchrony {r['synchrony']:.2f})")
        if r["burstiness"] >= 0.5:
            extra.append(f"{r['burstiness']:.0%} of the comments fell in bursts")
        if r["rare_items"]:
            extra.append(f"they shared {', '.join(r['rare_items'][:2])}")
        if r["cross_platform"]:
            extra.append("the same talking points appeared on several platforms at once")
        return text + (" " + "; ".join(extra).capitalize() + "." if extra else "")
    low = [_REASONS_LOW[k] for k in _REASONS_LOW if r[k] is not None and r[k] < 0.3]
    if (
        r["synchrony"] < 0.3
        and not r.get("n_testable")
        and r["n_accounts"] >= 2
        and r["volume_concentration"] >= 0.5  # they act repeatedly: the data, not they, fall short
    ):
        # not "no co-actions beyond chance": nothing here could have shown any
        pairs = r["n_accounts"] * (r["n_accounts"] - 1) // 2
        low[low.index(_REASONS_LOW["synchrony"])] = (
            f"too little data to test whether its accounts act together beyond chance (none "
            f"of its {pairs:,} account pairs could reach significance in a dump of "
            f"{n_dump:,} comments, even had they shared all their items)"
        )
    why = "; ".join(low) if low else f"score {r['score']:.2f} below {cfg.flag_threshold}"
    return text + f" Not flagged: {why}."


def _empty() -> CampaignResult:
    return CampaignResult(
        pl.DataFrame(schema={"campaign_id": pl.String, "flagged": pl.Boolean, "score": pl.Float64}),
        pl.DataFrame(
            schema={
                "node": pl.String,
                "campaign_id": pl.String,
                "flagged": pl.Boolean,
                "score": pl.Float64,
            }
        ),
        pl.DataFrame(
            schema={
                "platform": pl.String,
                "comment_id": pl.String,
                "campaign_id": pl.String,
                "flagged": pl.Boolean,
            }
        ),
        {"candidates": 0, "flagged": 0, "flagged_comments": 0},
    )
