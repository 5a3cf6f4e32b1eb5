"""From clustered nodes to the stage's tables.

Each comment's cluster, and one row per cluster (its size, span, representative text, information
and template flag).
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

from ..config import NearDupConfig
from .fragments import reposts_of, share_items, shared_fragments, with_links
from .text import slot_keys

__all__ = ["CLUSTER_COLUMNS", "group_comments", "per_text_groups"]

#: The clusters table's columns, in order.
CLUSTER_COLUMNS = (
    "cluster_id",
    "n_comments",
    "n_accounts",
    "n_texts",
    "first_seen",
    "last_seen",
    "representative_text",
    "text_norm",
    "n_tokens",
    "info_bits",
    "informative",
    "template",
)


def per_text_groups(
    texts: pl.DataFrame, labels: np.ndarray, n_tokens: np.ndarray, info_bits: np.ndarray
) -> pl.DataFrame:
    """Per distinct raw text (``tid``).

    Its features, node, group and the node's tokens and information. A node with no edge is its
    own group (identical texts still form a cluster).
    """
    alone = labels < 0
    labels[alone] = labels.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    node_info = pl.DataFrame(
        {
            "node": np.arange(len(labels), dtype=np.uint32),
            "group": labels,
            "n_tokens": n_tokens.astype(np.int64),
            "info_bits": np.round(info_bits, 2),
        }
    )
    return (
        texts.select("text", "text_norm", "urls", "hashtags", "node")
        .with_row_index("tid")  # one per distinct text
        .join(node_info, on="node", how="left", maintain_order="left")
    )


def group_comments(
    comments: pl.DataFrame, per_text: pl.DataFrame, cfg: NearDupConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the comment table with the stage's columns, and the clusters table.

    Per distinct text, then one narrow join to align with the comments: the comment table's
    own columns are never copied (``with_columns`` shares them). A repost is not authored
    text: it joins no cluster.
    """
    aligned = comments.select("text").join(per_text, on="text", how="left", maintain_order="left")
    reposts = reposts_of(comments)
    if reposts is not None:
        aligned = aligned.with_columns(
            pl.when(reposts).then(None).otherwise(pl.col("group")).alias("group")
        )
    work = (
        comments.select("account_id", "created_at", "text")
        .with_columns(aligned["node"], aligned["group"], aligned["text_norm"], aligned["tid"])
        .filter(pl.col("group").is_not_null())
    )
    groups = _groups(work, per_text)
    keys = _template_keys(per_text, work, cfg.template_min_fills)
    groups = _flag_templates(groups, work, keys, cfg)
    del work
    out = _comment_columns(comments, aligned, groups, keys, cfg)
    clusters = groups.select(CLUSTER_COLUMNS).sort(
        ["n_comments", "cluster_id"], descending=[True, False]
    )
    return out, clusters


def _groups(work: pl.DataFrame, per_text: pl.DataFrame) -> pl.DataFrame:
    """One row per group of two or more comments.

    Size, accounts, texts, span, its representative text (the most frequent, ties to the
    smallest; counted on text ids: a string mode per group cost 1 s at 1M) and centre (its most
    common normalized text, ties: first seen) with the centre's tokens and information.
    """
    per_tid = work.group_by("group", "tid").agg(pl.len().alias("k"), pl.col("text").first())
    representative = (
        per_tid.filter(pl.col("k") == pl.col("k").max().over("group"))
        .group_by("group")
        .agg(pl.col("text").min().alias("representative_text"))
    )
    del per_tid
    per_node = work.group_by("group", "node", "text_norm").agg(
        pl.len().alias("k"), pl.col("created_at").min().alias("t0")
    )
    centres = (
        per_node.sort(["group", "k", "t0", "node"], descending=[False, True, False, False])
        .group_by("group", maintain_order=True)
        .first()
    )
    groups = (
        work.group_by("group")
        .agg(
            pl.len().alias("n_comments"),
            pl.col("account_id").drop_nulls().n_unique().alias("n_accounts"),
            pl.col("node").n_unique().alias("n_texts"),
            pl.col("created_at").min().alias("first_seen"),
            pl.col("created_at").max().alias("last_seen"),
        )
        .filter(pl.col("n_comments") >= 2)
        .join(representative, on="group", how="left")
    )
    node_info = per_text.select("node", "n_tokens", "info_bits").unique("node", keep="first")
    return groups.join(centres.select("group", "text_norm", "node"), on="group", how="left").join(
        node_info, on="node", how="left"
    )


def _template_keys(per_text: pl.DataFrame, work: pl.DataFrame, min_fills: int) -> pl.DataFrame:
    """Return each text's slot-template key (null for texts that are not one).

    tid, template_key: slot templates, texts alike but for name and number slots, with
    ``min_fills`` or more fills (null for the other texts).
    """
    keys = per_text.select("tid", slot_keys(per_text["text"]))
    tpl = (
        work.select("tid", "account_id")
        .join(keys, on="tid")
        .drop_nulls("slot_key")
        .group_by("slot_key")
        .agg(pl.col("tid").n_unique().alias("fills"))
        .filter(pl.col("fills") >= min_fills)
        .select("slot_key")
    )
    keys = keys.join(tpl.with_columns(pl.lit(True).alias("templated")), on="slot_key", how="left")
    return keys.with_columns(
        pl.when(pl.col("templated")).then(pl.col("slot_key")).alias("template_key")
    ).select("tid", "template_key")


def _flag_templates(
    groups: pl.DataFrame, work: pl.DataFrame, keys: pl.DataFrame, cfg: NearDupConfig
) -> pl.DataFrame:
    """``template`` (half or more of a group's comments are slot-template texts).

    The content-derived ``cluster_id`` and ``informative`` (a template's shared words are the
    template, not a message: no talking point).
    """
    templated = (
        work.select("group", "tid")
        .join(keys, on="tid", how="left")
        .group_by("group")
        .agg(pl.col("template_key").is_not_null().mean().alias("tpl_share"))
    )
    groups = groups.join(templated, on="group", how="left").with_columns(
        (pl.col("tpl_share").fill_null(0) >= 0.5).alias("template")
    )
    return groups.with_columns(
        pl.col("text_norm").map_elements(_cluster_id, return_dtype=pl.String).alias("cluster_id"),
        (
            (pl.col("n_tokens") >= cfg.min_tokens)
            & (pl.col("info_bits") >= cfg.min_info_bits)
            & ~pl.col("template")
        ).alias("informative"),
    )


def _comment_columns(
    comments: pl.DataFrame,
    aligned: pl.DataFrame,
    groups: pl.DataFrame,
    keys: pl.DataFrame,
    cfg: NearDupConfig,
) -> pl.DataFrame:
    """Return the comment table with text_norm.

    Urls, hashtags, tokens, information, cluster, share item, shared sentences and template key.
    """
    ids = aligned.select("group").join(
        groups.select("group", "cluster_id", pl.col("informative").alias("cluster_informative")),
        on="group",
        how="left",
        maintain_order="left",
    )
    out = comments.with_columns(
        aligned["text_norm"],
        with_links(comments, aligned["urls"]),
        aligned["hashtags"],
        aligned["n_tokens"],
        aligned["info_bits"],
        ids["cluster_id"],
        ids["cluster_informative"],
    )
    del ids
    cluster_accounts = out.select("cluster_id").join(
        groups.select("cluster_id", pl.col("n_accounts").alias("cluster_accounts")),
        on="cluster_id",
        how="left",
        maintain_order="left",
    )["cluster_accounts"]
    return out.with_columns(
        share_items(out),
        shared_fragments(out.with_columns(cluster_accounts), cfg.min_tokens),
        aligned.select("tid").join(keys, on="tid", how="left", maintain_order="left")[
            "template_key"
        ],
    )


def _cluster_id(text_norm: str) -> str:
    return "c" + hashlib.sha1(text_norm.encode("utf-8")).hexdigest()[:12]
