"""What comments share besides whole texts.

Sentences (a templated push's claims), links behind per-post wrappers, and re-shared originals.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..schema import is_repost
from .text import URL_PATTERN, extract_urls, normalize_texts

__all__ = [
    "fragment_key",
    "reposts_of",
    "sentences_of",
    "share_items",
    "shared_fragments",
    "with_links",
]

_SENTENCE_END = r"(?:[.!?…]+|\n)+"
# the end of a sentence followed by more words: a text of two or more sentences
_NEXT_SENTENCE = r"(?:[.!?…]+|\n)+\s*[\p{L}\p{N}]"


def shared_fragments(comments: pl.DataFrame, min_words: int) -> pl.Series:
    """``fragments``: per comment.

    The keys (``f`` + a digest of the normalized sentence) of its sentences of ``min_words`` or
    more words that another account also wrote: a templated push built from a few openers and a
    few claims shares its claims even where whole texts differ too much to be near-duplicates. A
    one-sentence text outside any informative cluster takes part with its whole normalized text.
    A comment keeps its fragments only where one of them is shared by more accounts than its
    whole-text cluster (``cluster_accounts``, when given): then the sentence, not the text, is
    the talking point. Reposts have none (not authored). Needs ``text_norm`` and
    ``cluster_informative``.

    Linear: only texts of two or more sentences are split, and each distinct sentence is
    normalized once.
    """
    cols = comments.columns
    if "account_id" not in cols:
        return pl.Series("fragments", [[]] * comments.height, dtype=pl.List(pl.String))
    who = (
        pl.concat_str("platform", pl.lit(":"), "account_id")
        if "platform" in cols
        else pl.col("account_id")
    )
    base = comments.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
        who.alias("node"),
        pl.col("text").fill_null("").str.replace_all(URL_PATTERN, " "),  # a link's dots end none
        "text_norm",
        (~is_repost(cols)).alias("authored"),
        pl.col("cluster_informative").fill_null(False).alias("clustered"),
    ).filter(pl.col("authored") & pl.col("node").is_not_null())
    two = pl.col("text").str.contains(_NEXT_SENTENCE)
    multi = base.filter(two)
    sentences = (
        multi.select("__r", "node")
        .with_columns(sentences_of(multi["text"]).alias("s"))
        .explode("s")
        .filter(pl.col("s").str.count_matches(r"[\p{L}\p{N}]{2,}") >= min_words)
    )
    distinct = sentences.select(pl.col("s").unique(maintain_order=True))
    distinct = distinct.with_columns(normalize_texts(distinct["s"]).alias("key"))
    uses = sentences.join(distinct, on="s", how="left").select("__r", "node", "key")
    single = base.filter(
        ~two & ~pl.col("clustered") & pl.col("text_norm").is_in(uses["key"].unique().implode())
    ).select("__r", "node", pl.col("text_norm").alias("key"))
    uses = pl.concat([uses, single]).unique()
    shared = uses.group_by("key").agg(pl.col("node").n_unique().alias("k")).filter(pl.col("k") >= 2)
    per = (
        uses.join(shared, on="key")
        .with_columns(_digest(pl.col("key")).alias("key"))
        .group_by("__r")
        .agg(pl.col("key").unique().sort(), pl.col("k").max())
    )
    if "cluster_accounts" in cols:
        wider = comments.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
            pl.col("cluster_accounts").fill_null(0),
        )
        per = per.join(wider, on="__r").filter(pl.col("k") > pl.col("cluster_accounts"))
    per = per.select("__r", "key")
    full = pl.DataFrame({"__r": np.arange(comments.height, dtype=np.uint32)}).join(
        per, on="__r", how="left"
    )
    return full["key"].fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("fragments")


def sentences_of(texts: pl.Series) -> pl.Series:
    """Each text's sentences (links cut out first: a dot in a link ends none), stripped.

    Parameters
    ----------
    texts : polars.Series
        Comment texts.
    """
    return (
        texts.fill_null("")
        .str.replace_all(URL_PATTERN, " ")
        .str.replace_all(_SENTENCE_END, "\x1f")
        .str.split("\x1f")
        .list.eval(pl.element().str.strip_chars())
    )


def _digest(normalized: pl.Expr) -> pl.Expr:
    return "f" + normalized.hash(seed=7).cast(pl.String)


def fragment_key(sentence: pl.Expr) -> pl.Expr:
    """Return the key of :func:`shared_fragments` for a column of sentences as written.

    Parameters
    ----------
    sentence : polars.Expr
        Sentences as written.
    """
    return _digest(sentence.map_batches(normalize_texts, return_dtype=pl.String))


def reposts_of(comments: pl.DataFrame) -> pl.Series | None:
    """Which comments are plain reposts (None when the table says nothing of reposts)."""
    if "repost_kind" not in comments.columns or comments["repost_kind"].null_count() == len(
        comments
    ):
        return None
    return comments.select(is_repost(comments.columns)).to_series()


def with_links(comments: pl.DataFrame, urls: pl.Series) -> pl.Series:
    """Return the links of each text: those found in it and those its format carries.

    The links found in each text and the link targets the format carries beside it (``links``:
    expanded t.co links, Telegram text links), normalized alike, distinct.
    """
    if "links" not in comments.columns or comments["links"].null_count() == len(comments):
        return urls
    rows = (comments["links"].list.len().fill_null(0) > 0).arg_true()  # the few that carry any
    if not len(rows):
        return urls
    given = extract_urls(comments["links"].gather(rows).list.join(" "))
    merged = (
        pl.DataFrame([urls.gather(rows), given.alias("given")])
        .select(pl.concat_list("urls", "given").list.unique(maintain_order=True).alias("urls"))
        .to_series()
    )
    # (scatter does not take list columns: a join on the row number puts them back)
    return (
        pl.DataFrame({"i": np.arange(len(urls), dtype=np.uint32), "urls": urls})
        .join(pl.DataFrame({"i": rows, "m": merged}), on="i", how="left", maintain_order="left")
        .select(pl.coalesce("m", "urls").alias("urls"))
        .to_series()
    )


def share_items(comments: pl.DataFrame) -> pl.Series:
    """``share_item``: what a repost or quote re-shares.

    The original's id (``platform:id``) where the format names it, else (a repost) its
    normalized text, which is the original's; null for authored posts. Needs ``text_norm``.
    """
    if "repost_kind" not in comments.columns:
        return pl.Series("share_item", [None] * comments.height, dtype=pl.String)
    kind = pl.col("repost_kind")
    of = (
        pl.concat_str("platform", pl.lit(":"), "repost_of")
        if "repost_of" in comments.columns
        else pl.lit(None, dtype=pl.String)
    )
    return comments.select(
        pl.when(kind == "repost")
        .then(pl.coalesce(of, pl.concat_str(pl.lit("text:"), "text_norm")))
        .when(kind == "quote")
        .then(of)
        .otherwise(None)
        .alias("share_item")
    ).to_series()
