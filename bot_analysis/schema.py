"""The canonical comment table, the rejects table and their validation.

Every reader returns rows in the canonical shape below; every later stage may rely on it.
Ids are strings (a 19-digit tweet id never passes through a float), times are UTC
microseconds, and ``text`` is the text exactly as its author wrote it.
"""

from __future__ import annotations

import polars as pl

from .errors import InvariantError

__all__ = [
    "CANONICAL_COLUMNS",
    "CANONICAL_SCHEMA",
    "OPTIONAL_SCHEMA",
    "PLATFORMS",
    "REJECTS_SCHEMA",
    "REJECT_REASONS",
    "empty_comments",
    "empty_rejects",
    "is_repost",
    "validate_comments",
]

UTC_US = pl.Datetime("us", "UTC")


def is_repost(columns: list[str]) -> pl.Expr:
    """Return whether each comment is a plain repost (amplification, not authored text).

    Whether each comment of a table with ``columns`` is a plain repost (amplification, not
    authored text): ``repost_kind == "repost"``; false where the table has no such column.

    Parameters
    ----------
    columns : list of str
        The table's columns.
    """
    if "repost_kind" not in columns:
        return pl.lit(False)
    return (pl.col("repost_kind") == "repost").fill_null(False)


#: The required columns of the canonical comment table, in order.
CANONICAL_SCHEMA: dict[str, pl.DataType] = {
    "comment_id": pl.String(),
    "account_id": pl.String(),  # null = unknown/deleted author; never a shared "[deleted]" account
    "created_at": UTC_US,
    "text": pl.String(),
    "thread_id": pl.String(),
    "parent_id": pl.String(),
    "platform": pl.String(),
    "source": pl.String(),
    "source_format": pl.String(),
}
#: Optional columns a source may provide; always present (null when the source lacks them).
OPTIONAL_SCHEMA: dict[str, pl.DataType] = {
    "account_name": pl.String(),
    "likes": pl.Int64(),
    "url": pl.String(),
    "is_retweet": pl.Boolean(),  # twarc-csv merges retweets into copies of the original text
    "time_approximate": pl.Boolean(),  # youtube-comment-downloader: "2 days ago" resolved late
    # a re-share (retweet, forward, VK copy) or a quote: the original's id and author, and
    # which of the two it is ("repost": amplification, not authored text; "quote": authored)
    "repost_of": pl.String(),
    "repost_author": pl.String(),
    "repost_kind": pl.String(),
    # the link targets the format carries beside the text (expanded t.co links, Telegram
    # text_link entities), normalized later like the links found in the text
    "links": pl.List(pl.String()),
}
CANONICAL_COLUMNS: list[str] = [*CANONICAL_SCHEMA, *OPTIONAL_SCHEMA]

PLATFORMS = ("vk", "telegram", "twitter", "youtube", "reddit", "4cat", "generic")

#: Stable reject reason codes and what they mean (shown in the report and the README).
REJECT_REASONS: dict[str, str] = {
    "bad_json": "the record (or a whole JSON document) is not valid JSON, e.g. truncated",
    "bad_encoding": "the record's bytes are not valid in the file's encoding",
    "wrong_column_count": "a CSV record has more or fewer fields than the header",
    "missing_id": "the record has no comment id",
    "missing_text": "the text is missing, null or empty/whitespace (sticker, photo, attachment)",
    "bad_timestamp": "the time is missing, not a number where an epoch is expected, or unparsable",
    "naive_timestamp": "the time has no UTC offset (pass --naive-tz to accept such times)",
    "deleted": "the text is a '[deleted]' placeholder",
    "removed": "the text is a '[removed]' placeholder (moderation)",
    "not_a_record": "a JSON value where a comment object was expected",
    "conflicting_duplicate": "the same platform and comment id was read before with other content",
}

REJECTS_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
    "raw": pl.String(),
}

#: Longest raw excerpt kept per reject.
RAW_EXCERPT_CHARS = 300


def empty_comments() -> pl.DataFrame:
    """Return an empty canonical comment table with every column and dtype.

    Examples
    --------
    >>> empty_comments().columns[:4]
    ['comment_id', 'account_id', 'created_at', 'text']
    """
    return pl.DataFrame(schema={**CANONICAL_SCHEMA, **OPTIONAL_SCHEMA})


def empty_rejects() -> pl.DataFrame:
    """Return an empty rejects table."""
    return pl.DataFrame(schema=REJECTS_SCHEMA)


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Add missing optional columns as nulls, cast to the canonical dtypes and order the columns.

    Extra columns a source passes through are kept after the canonical ones.
    """
    full = {**CANONICAL_SCHEMA, **OPTIONAL_SCHEMA}
    exprs = []
    for name, dtype in full.items():
        if name in df.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    extra = [c for c in df.columns if c not in full]
    return df.select(*exprs, *extra)


def validate_comments(df: pl.DataFrame) -> pl.DataFrame:
    """Check that ``df`` is a valid canonical table and return it unchanged.

    Parameters
    ----------
    df : polars.DataFrame
        A comment table.

    Raises
    ------
    InvariantError
        If a required column is missing or of the wrong dtype, or if ``comment_id``,
        ``text``, ``created_at`` or ``platform`` contain nulls. These are bugs in a reader,
        never a property of the input: bad input rows are rejected before this point.
    """
    for name, dtype in CANONICAL_SCHEMA.items():
        if name not in df.columns:
            raise InvariantError(f"canonical table lacks column {name!r}")
        if df.schema[name] != dtype:
            raise InvariantError(f"column {name!r} is {df.schema[name]}, expected {dtype}")
    nulls = df.select(pl.col("comment_id", "text", "created_at", "platform").null_count()).row(
        0, named=True
    )
    bad = {k: v for k, v in nulls.items() if v}
    if bad:
        raise InvariantError(f"canonical table has nulls in required columns: {bad}")
    return df
