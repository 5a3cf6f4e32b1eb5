"""What a candidate's accounts share.

The items of each co-action kind, their labels, and which comments are on the candidate's shared
points.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = [
    "item_label",
    "on_point",
    "uses",
]


def item_label(kind: pl.Expr, item: pl.Expr, text: pl.Expr) -> pl.Expr:
    """Return what a co-action was on, in words.

    The text (shortened) of a talking point or a re-share, the link, the hashtag, or the comment
    answered.
    """
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


def uses(df: pl.DataFrame, keep: list[str], kinds: tuple[str, ...]) -> pl.DataFrame:
    """One row per (comment, kind, item).

    ``keep`` columns, ``kind`` and ``item`` (null items dropped); sentence fragments count as
    the text kind.
    """
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


def on_point(cand: pl.DataFrame, shared: pl.DataFrame, k_min: int) -> pl.Series:
    """Flag each comment that is on one of its candidate's shared talking points.

    Per row of ``cand``: whether the comment is on a talking point that ``k_min`` or more of its
    candidate's accounts share: a near-duplicate cluster or re-shared original (``shared``), the
    comment they answer, a link, a hashtag or a sentence.
    """
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
