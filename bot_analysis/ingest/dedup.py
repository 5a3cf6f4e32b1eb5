"""Exact duplicates dropped (same platform, id and content), conflicting ones rejected.

Thread roots resolved from reply chains.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import polars as pl

from ..schema import (
    REJECTS_SCHEMA,
)

if TYPE_CHECKING:
    pass

__all__ = ["drop_duplicates", "resolve_thread_roots"]
log = logging.getLogger(__package__)


def drop_duplicates(df: pl.DataFrame) -> tuple[pl.DataFrame, dict[int, int], pl.DataFrame]:
    """Drop exact duplicates of (platform, comment_id).

    A same-id row with other content is rejected as ``conflicting_duplicate`` (the first one
    read is kept).
    """
    key = ["platform", "comment_id"]
    if df["platform"].n_unique() <= 1 and df["comment_id"].n_unique() == df.height:
        return df, {}, pl.DataFrame(schema={**REJECTS_SCHEMA, "__file_idx": pl.Int32})
    first = df.select(pl.struct(key).is_first_distinct()).to_series()
    if first.all():
        return df, {}, pl.DataFrame(schema={**REJECTS_SCHEMA, "__file_idx": pl.Int32})
    df = df.with_columns(pl.Series("__first", first))
    firsts = df.filter(pl.col("__first"))
    later = df.filter(~pl.col("__first")).join(
        firsts.select(*key, "account_id", "created_at", "text").rename(
            {"account_id": "__a", "created_at": "__t", "text": "__x"}
        ),
        on=key,
        how="left",
    )
    same = (
        (pl.col("account_id").eq_missing(pl.col("__a")))
        & (pl.col("created_at") == pl.col("__t"))
        & (pl.col("text") == pl.col("__x"))
    )
    later = later.with_columns(same.alias("__same"))
    dups = later.filter(pl.col("__same"))
    conf = later.filter(~pl.col("__same"))
    dup_counts = dict(dups.group_by("__file").len().rows())
    conflicts = conf.select(
        pl.col("source"),
        pl.lit("conflicting_duplicate").alias("reason"),
        pl.concat_str(
            pl.col("platform"),
            pl.lit(":"),
            pl.col("comment_id"),
            pl.lit(" was read before with other content; the first is kept"),
        ).alias("detail"),
        pl.col("text").str.slice(0, 300).alias("raw"),
        pl.col("__file").alias("__file_idx"),
    )
    return firsts.drop("__first"), dup_counts, conflicts


def resolve_thread_roots(df: pl.DataFrame) -> pl.DataFrame:
    """Set ``thread_id`` where it is null to the root of the reply chain within the table.

    A chain that leaves the table ends at the missing parent's id, so replies to one tweet
    that was not collected still share a thread. Pointer jumping: O(log depth) joins.
    """
    need = df["thread_id"].is_null()
    if not need.any():
        return df
    ids = df.select("comment_id", "parent_id")
    up = ids.with_columns(
        pl.when(pl.col("parent_id").is_in(ids["comment_id"].implode()))
        .then(pl.col("parent_id"))
        .otherwise(None)
        .alias("up"),
        pl.col("parent_id").alias("top"),
    )
    # top: the highest ancestor reached so far (its id, or the missing parent's id)
    up = up.with_columns(pl.coalesce("parent_id", "comment_id").alias("top"))
    for _ in range(64):
        step = up.select("comment_id", "up", "top").rename(
            {"comment_id": "up", "up": "up2", "top": "top2"}
        )
        nxt = up.join(step, on="up", how="left")
        changed = nxt["up"].is_not_null().any()
        up = nxt.select(
            "comment_id",
            "parent_id",
            pl.col("up2").alias("up"),
            pl.when(pl.col("up").is_not_null())
            .then(pl.col("top2"))
            .otherwise(pl.col("top"))
            .alias("top"),
        )
        if not changed:
            break
    roots = up.select("comment_id", "top")
    out = df.join(roots, on="comment_id", how="left", maintain_order="left")
    return out.with_columns(pl.coalesce("thread_id", "top").alias("thread_id")).drop("top")
