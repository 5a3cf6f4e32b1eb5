"""Co-action events: (kind, item, account, time) per comment, and their integer coding."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..config import KINDS
from ..schema import is_repost

__all__ = [
    "CodedEvents",
    "co_action_events",
    "encode",
    "events",
    "node_bits",
    "replied_to",
]


def replied_to(columns: list[str]) -> pl.Expr:
    """Return the comment each comment answers (``platform:parent_id``).

    Where that is not its thread's opening post (answering the post is the thread kind): what
    co-reply is about.

    Parameters
    ----------
    columns : list of str
        The comment table's columns (without ``parent_id`` the expression is null).
    """
    if "parent_id" not in columns:
        return pl.lit(None, dtype=pl.String)
    parent = pl.col("parent_id").cast(pl.String)
    return pl.when(
        parent.is_not_null() & (parent != pl.col("thread_id").cast(pl.String)).fill_null(True)
    ).then(pl.concat_str("platform", pl.lit(":"), parent))


def events(comments: pl.DataFrame) -> pl.DataFrame:
    """Return the events of :func:`co_action_events`, in no order."""
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
    """Return the co-action events of the comments, sorted by kind, item, time and node.

    Events (kind, item, node, t) from comments with the neardup columns, sorted by (kind, item,
    t, node).

    ``t`` is microseconds since the epoch; ``node`` is ``platform:account_id``. Comments
    without an account are left out; only informative clusters make text events.

    Parameters
    ----------
    comments : polars.DataFrame
        The comment table with the near-duplicate columns.
    """
    return events(comments).sort("kind", "item", "t", "node")


@dataclass
class CodedEvents:
    """Events as integer codes.

    ``ic`` the (kind, item) run, ``kc`` the kind (index into ``KINDS``), ``nc`` the node (index
    into ``nodes``, sorted), ``t`` microseconds.
    """

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


def encode(events: pl.DataFrame) -> CodedEvents:
    """Code the events as integers, sorted by item run, time and node.

    Integer codes of events, sorted by (item run, t, node) on the codes (sorting the strings
    costs several times more): nodes numbered by name, items by first appearance (no result
    depends on that numbering). Events already sorted by (kind, item, t, node), as
    :func:`co_action_events` gives them, keep their rows, so ``item_first`` indexes them.
    """
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
    return CodedEvents(ic, kc, nc, t, nodes, kc[first], first, items)


def node_bits(ev: CodedEvents) -> int:
    """Return the bits a node code needs."""
    return max(1, (len(ev.nodes) - 1).bit_length())
