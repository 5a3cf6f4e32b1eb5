"""Sub-scores, score, flag and summary of each candidate (see the package docstring)."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter

import polars as pl

from ..config import SUBSCORES, CampaignConfig
from .candidates import Candidates
from .items import on_point
from .summary import summary

__all__ = [
    "score",
]
log = logging.getLogger("bot_analysis.campaigns")


_BEHAVIOUR = ("synchrony", "volume_concentration")


def _cid(nodes: list[str]) -> str:
    return "k" + hashlib.sha1("\n".join(sorted(nodes)).encode()).hexdigest()[:10]


def _campaign_ids(df: pl.DataFrame) -> list[str]:
    """Return a unique id per candidate, from its content, so that a rerun gives the same ids.

    The hash of its accounts; where candidates share their accounts (one set of accounts posting
    several talking points), the hash of the accounts and the clusters; the few left alike get
    ``-2``, ``-3`` in the order of their clusters.
    """
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


# The sub-scores an export may be unable to carry (see carried); the others always can.
_OPTIONAL = ("thread_repetition", "shared_rare_items", "cross_platform")


def score(cands: Candidates, bursts: pl.DataFrame, cfg: CampaignConfig) -> pl.DataFrame:
    """One row per candidate.

    Its counts, sub-scores, score, kind, flag, id, signals, summary, talking points and rare
    items.

    Parameters
    ----------
    cands : Candidates
        The candidates (see :func:`~.candidates.find_candidates`).
    bursts : polars.DataFrame
        Each candidate's bursts (series: its ``cand``): its burstiness.
    cfg : CampaignConfig
        Weights, thresholds and the shares that define shared content.
    """
    cand = cands.comments
    k_min = cfg.min_sharing_accounts
    # text similarity: comments in informative clusters posted by k_min+ of its accounts
    cl_k = (
        cand.filter(pl.col("cluster_id").is_in(cands.informative["cluster_id"].implode()))
        .group_by("cand", "cluster_id")
        .agg(
            pl.col("node").n_unique().alias("k"),
            pl.col("thread_id").n_unique().alias("threads"),
            pl.len().alias("n"),
        )
    )
    shared = cl_k.filter(pl.col("k") >= k_min)
    text_sim, reshared, rep = _shared_content(cand, cl_k, shared, k_min)
    in_burst = (
        bursts.group_by("series")
        .agg(pl.col("count").sum().alias("in_burst"))
        .rename({"series": "cand"})
    )
    rare = cands.items.group_by("cand").agg(pl.col("item").sort().alias("rare_items"))
    df = (
        _counts(cand)
        .join(cands.inside, on="cand", how="left")
        .with_columns(pl.col("synchrony").fill_null(0))
        .join(text_sim, on="cand", how="left")
        .join(reshared, on="cand", how="left")
        .join(rep, on="cand", how="left")
        .join(_platforms(cand).rename({"len": "n_platforms_2"}), on="cand", how="left")
        .join(in_burst, on="cand", how="left")
        .join(_talking_points(cand, cl_k, k_min), on="cand", how="left")
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
    df = _flagged(df, cand, cands.carried, cfg)
    return _explained(df, cfg, cands.n_dump)


def _counts(cand: pl.DataFrame) -> pl.DataFrame:
    """Count each candidate's comments, accounts, clusters, threads and span.

    Per candidate: comments, accounts, clusters, threads, span, platforms, accounts, clusters,
    reposts and its slot-template share.
    """
    return cand.group_by("cand").agg(
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


def _shared_content(
    cand: pl.DataFrame, cl_k: pl.DataFrame, shared: pl.DataFrame, k_min: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Per candidate: its comments on shared points and co-replies (text similarity).

    Its originals re-shared by two or more accounts, and its threads per talking point.
    """
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
        .filter(pl.col("k") >= k_min)
        .group_by("cand")
        .agg(pl.col("n").sum().alias("n_co_replies"), pl.len().alias("n_reply_targets"))
    )
    points = cand.select("cand", "node").with_columns(on_point(cand, shared, k_min))
    text_sim = (
        points.group_by("cand")
        .agg(pl.col("on_point").sum().alias("n_shared"))
        .join(co_replied, on="cand", how="left")
        .with_columns(pl.col("n_co_replies").fill_null(0), pl.col("n_reply_targets").fill_null(0))
    )
    rep = shared.group_by("cand").agg(
        (pl.col("threads") * pl.col("n")).sum().truediv(pl.col("n").sum()).alias("thr_per_point")
    )
    return text_sim, reshared, rep


def _platforms(cand: pl.DataFrame) -> pl.DataFrame:
    """Per candidate: its platforms with two or more of its accounts (``len``)."""
    return (
        cand.with_columns(pl.col("node").str.extract(r"^([^:]+):", 1).alias("p"))
        .group_by("cand", "p")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= 2)
        .group_by("cand")
        .len()
    )


def _talking_points(cand: pl.DataFrame, cl_k: pl.DataFrame, k_min: int) -> pl.DataFrame:
    """Per candidate: its five most posted clusters (``top_clusters``) and talking points.

    Or, where shared sentences reach more of its accounts than any whole text (a templated
    push), those sentences.
    """
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
    sentences = _sentence_points(cand, cl_k, k_min)
    return (
        top_points.join(sentences, on="cand", how="left")
        .with_columns(
            pl.coalesce("sentence_points", "top_talking_points").alias("top_talking_points")
        )
        .drop("sentence_points")
    )


def _flagged(
    df: pl.DataFrame, cand: pl.DataFrame, carried: pl.DataFrame, cfg: CampaignConfig
) -> pl.DataFrame:
    """Return the score (n/a sub-scores leave the weighting), kind, flag and campaign id."""
    w = dict(cfg.weights)
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
    return df


def _explained(df: pl.DataFrame, cfg: CampaignConfig, n_dump: int) -> pl.DataFrame:
    """Return the signals that fired (sub-scores >= 0.5) and the summary of each candidate.

    And the campaign table's columns in order.
    """
    rows = df.to_dicts()
    signals, summaries = [], []
    for r in rows:
        fired = [k for k in SUBSCORES if r[k] is not None and r[k] >= 0.5]
        signals.append(";".join(fired))
        summaries.append(summary(r, fired, cfg, n_dump))
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
    """Return the talking points of candidates whose sentences reach beyond whole texts.

    ``sentence_points`` per candidate whose shared sentences (``fragments``, used by ``k_min``+
    of its accounts) reach more of its accounts than its widest whole-text cluster: the five
    most posted, each as written in one of its comments.
    """
    from ..neardup import fragment_key, sentences_of

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

    ``df`` holds each sub-score and, from the join in :func:`score`, a same-named boolean
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
