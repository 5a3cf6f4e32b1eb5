"""Table-shaped inputs (CSV/TSV, Parquet, JSON arrays of flat records) to the canonical table.

Everything here is vectorized polars: a frame of source columns goes in, a canonical frame and
a rejects frame come out. Used by the generic reader (canonical or common column names, or an
explicit ``--map``), twarc-csv and 4CAT CSV.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ..errors import InputError
from ..schema import RAW_EXCERPT_CHARS, REJECTS_SCHEMA, conform
from ._csv import parse_times

__all__ = [
    "GENERIC_ALIASES",
    "convert_4cat",
    "convert_generic",
    "convert_twarc_csv",
    "resolve_columns",
]

#: Column names recognised for each canonical column, in order of preference (case-insensitive).
GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "comment_id": ("comment_id", "id", "message_id", "tweet_id", "post_id", "cid"),
    "account_id": (
        "account_id",
        "author_id",
        "user_id",
        "from_id",
        "channel_id",
        "author",
        "user",
        "username",
        "screen_name",
        "channel",
    ),
    "created_at": (
        "created_at",
        "created_utc",
        "timestamp",
        "published_at",
        "publishedat",
        "date",
        "datetime",
        "time",
        "created",
    ),
    "text": ("text", "body", "message", "content", "comment", "full_text", "comment_text"),
    "thread_id": ("thread_id", "conversation_id", "link_id", "video_id", "thread", "topic_id"),
    "parent_id": ("parent_id", "reply_to", "in_reply_to", "reply_to_id", "in_reply_to_id"),
    "platform": ("platform",),
    "account_name": ("account_name", "author_name", "display_name", "name"),
    "likes": ("likes", "like_count", "score", "votes", "favorite_count"),
    "url": ("url", "permalink", "link"),
    "repost_of": ("repost_of", "retweet_of", "retweeted_id", "forwarded_from_id"),
    "repost_author": ("repost_author", "retweeted_user_id", "forwarded_from"),
    "repost_kind": ("repost_kind",),
    "links": ("links", "expanded_urls", "expanded_url"),
}
_REQUIRED = ("comment_id", "account_id", "created_at", "text")


def resolve_columns(columns: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Map canonical column names to the file's columns: explicit mapping first, then aliases.

    Raises
    ------
    InputError
        If a required column (comment_id, account_id, created_at, text) cannot be found,
        naming the file's columns and the ``--map`` option.

    Examples
    --------
    >>> resolve_columns(["id", "author", "body", "created_utc"])["text"]
    'body'
    """
    lower = {c.lower(): c for c in columns}
    out: dict[str, str] = {}
    for canon, src in (mapping or {}).items():
        if src not in columns:
            raise InputError(
                f"--map {canon}={src}: the file has no column {src!r}; its columns are "
                f"{', '.join(columns[:30])}"
            )
        out[canon] = src
    used = set(out.values())
    for canon, aliases in GENERIC_ALIASES.items():
        if canon in out:
            continue
        for a in aliases:
            if a in lower and lower[a] not in used:
                out[canon] = lower[a]
                used.add(lower[a])
                break
    missing = [c for c in _REQUIRED if c not in out]
    if missing:
        raise InputError(
            f"cannot find the column(s) {', '.join(missing)} among "
            f"{', '.join(columns[:30])}; name them with --map, e.g. "
            f"--map {missing[0]}=YOUR_COLUMN"
        )
    return out


def _str(name: str | None) -> pl.Expr:
    if name is None:
        return pl.lit(None, dtype=pl.String)
    e = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e)


def _int(name: str | None) -> pl.Expr:
    if name is None:
        return pl.lit(None, dtype=pl.Int64)
    return pl.col(name).cast(pl.String).cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)


def _finish(
    src: pl.DataFrame,
    mapped: pl.DataFrame,
    times: pl.DataFrame,
    file: str,
    source_format: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split mapped rows into accepted (canonical) and rejected, with reasons.

    ``file`` is the source prefix: ``"name.csv"`` gives sources ``name.csv:LINE``; a prefix
    containing ``{}`` (``"name.json:$[{}]"``) has the line number put in its place.
    """
    prefix, _, suffix = (file if "{}" in file else file + ":{}").partition("{}")
    df = mapped.with_columns(
        times["us"].alias("created_at"),
        times["reason"].alias("__time_reason"),
        src["__line"].alias("__line")
        if "__line" in src.columns
        else pl.int_range(1, src.height + 1).alias("__line"),
    )
    reason = (
        pl.when(pl.col("comment_id").is_null())
        .then(pl.lit("missing_id"))
        .when(pl.col("__time_reason").is_not_null())
        .then(pl.col("__time_reason"))
        .when(pl.col("text").is_null() | pl.col("text").str.contains(r"^\s*$"))
        .then(pl.lit("missing_text"))
        .otherwise(None)
    )
    df = df.with_columns(reason.alias("__reason"), pl.int_range(0, pl.len()).alias("__row"))
    if df["__reason"].null_count() == df.height:  # the common case: every row is good
        bad, good = df.clear(), df
    else:
        bad = df.filter(pl.col("__reason").is_not_null())
        good = df.filter(pl.col("__reason").is_null())
    good = good.drop("__reason", "__time_reason", "__row")
    good = good.with_columns(
        pl.col("created_at").cast(pl.Datetime("us", "UTC")),
        pl.concat_str(pl.lit(prefix), pl.col("__line").cast(pl.String), pl.lit(suffix)).alias(
            "source"
        ),
        pl.lit(source_format).alias("source_format"),
    ).drop("__line")
    rejects = pl.DataFrame(schema=REJECTS_SCHEMA)
    if bad.height:
        orig = src.drop("__line", strict=False)[bad["__row"]]
        raw = orig.select(
            pl.concat_str(
                [pl.col(c).cast(pl.String).fill_null("") for c in orig.columns], separator=","
            )
            .str.slice(0, RAW_EXCERPT_CHARS)
            .alias("raw")
        )["raw"]
        rejects = pl.DataFrame(
            {
                "source": [f"{prefix}{n}{suffix}" for n in bad["__line"].to_list()],
                "reason": bad["__reason"],
                "detail": bad.select(
                    pl.concat_str(
                        [
                            pl.col("comment_id").fill_null("(no id)"),
                            pl.lit(": "),
                            pl.col("__reason"),
                        ]
                    )
                )
                .to_series()
                .to_list(),
                "raw": raw,
            },
            schema=REJECTS_SCHEMA,
        )
    return conform(good), rejects


def convert_generic(
    frame: pl.DataFrame,
    file: str,
    colmap: dict[str, str],
    naive_tz: str | None,
    source_format: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Map a generic table with resolved columns (see :func:`resolve_columns`)."""
    g = colmap.get
    mapped = frame.select(
        _str(g("comment_id")).alias("comment_id"),
        _str(g("account_id")).alias("account_id"),
        pl.col(colmap["text"]).cast(pl.String).alias("text"),
        _str(g("thread_id")).alias("thread_id"),
        _str(g("parent_id")).alias("parent_id"),
        (_str(g("platform")).fill_null("generic") if g("platform") else pl.lit("generic")).alias(
            "platform"
        ),
        _str(g("account_name")).alias("account_name"),
        _int(g("likes")).alias("likes"),
        _str(g("url")).alias("url"),
        *_reposts(frame, g),
    )
    tcol = frame[colmap["created_at"]]
    if tcol.dtype.is_temporal():
        t = tcol if tcol.dtype == pl.Datetime else tcol.cast(pl.Datetime("us"))
        if getattr(t.dtype, "time_zone", None) is None:
            if naive_tz:
                t = t.dt.replace_time_zone(naive_tz).dt.convert_time_zone("UTC")
                times = pl.DataFrame(
                    {"us": t.dt.epoch("us"), "reason": pl.Series([None] * len(t), dtype=pl.String)}
                )
            else:
                times = pl.DataFrame(
                    {
                        "us": pl.Series([None] * len(t), dtype=pl.Int64),
                        "reason": pl.Series(["naive_timestamp"] * len(t)),
                    }
                )
        else:
            us = t.dt.convert_time_zone("UTC").dt.epoch("us")
            times = pl.DataFrame(
                {
                    "us": us,
                    "reason": pl.select(
                        pl.when(us.is_null()).then(pl.lit("bad_timestamp"))
                    ).to_series(),
                }
            )
    elif tcol.dtype.is_numeric():
        times = parse_times(tcol.cast(pl.String), naive_tz)
    else:
        times = parse_times(tcol, naive_tz)
    return _finish(frame, mapped, times, file, source_format)


# The convention of tweets and their exports: a retweet's text is "RT @author: original".
_RT_PREFIX = r"^RT @([A-Za-z0-9_]{1,30}):"
# Values of a mapped repost_kind column, as exports write them (the FiveThirtyEight/Clemson
# release: post_type R or Q, retweet 1 or 0; twarc-csv; Telegram forwards; VK copies).
_REPOST_WORDS = ["repost", "retweet", "retweeted", "rt", "r", "1", "true", "forward", "copy"]
_QUOTE_WORDS = ["quote", "quoted", "q", "quote_tweet"]


def _reposts(frame: pl.DataFrame, g: Any) -> list[pl.Expr]:
    """``repost_of``, ``repost_author``, ``repost_kind`` and ``links`` of a generic table.

    From mapped columns where there are any, and a text opening with ``RT @user:`` is a repost
    of that user (its original's id unknown). ``links`` is split on whitespace, ``;`` and ``|``.
    """
    text = pl.col(g("text")).cast(pl.String)
    rt_user = text.str.extract(_RT_PREFIX, 1)
    of = _str(g("repost_of"))
    given = _str(g("repost_kind")).str.to_lowercase()
    kind = (
        pl.when(given.is_in(_REPOST_WORDS))
        .then(pl.lit("repost"))
        .when(given.is_in(_QUOTE_WORDS))
        .then(pl.lit("quote"))
        .when(given.is_not_null())
        .then(None)  # "0", "false", "original": not a re-share
        .when(of.is_not_null() | rt_user.is_not_null())
        .then(pl.lit("repost"))
        .otherwise(None)
    )
    if g("links") and frame.schema[g("links")] == pl.String:
        links = (
            _str(g("links"))
            .str.replace_all(r"[\s;|,]+", " ")
            .str.strip_chars()
            .str.split(" ")
            .list.eval(pl.element().filter(pl.element() != ""))
        )
    elif g("links"):
        links = pl.col(g("links")).cast(pl.List(pl.String))
    else:
        links = pl.lit(None, dtype=pl.List(pl.String))
    return [
        of.alias("repost_of"),
        pl.coalesce(_str(g("repost_author")), rt_user).alias("repost_author"),
        kind.alias("repost_kind"),
        links.alias("links"),
    ]


def convert_twarc_csv(frame: pl.DataFrame, file: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    r"""Map a twarc-csv frame: merged retweets are marked, ``\n`` escapes are undone."""
    cols = set(frame.columns)

    def c(name: str) -> str | None:
        return name if name in cols else None

    text = pl.col("text").str.replace_all("\\n", "\n", literal=True) if "text" in cols else None
    retweeted = _str(c("referenced_tweets.retweeted.id"))
    quoted = _str(c("referenced_tweets.quoted.id"))
    mapped = frame.select(
        _str(c("id")).alias("comment_id"),
        _str(c("author_id")).alias("account_id"),
        (text if text is not None else pl.lit(None, dtype=pl.String)).alias("text"),
        _str(c("conversation_id")).alias("thread_id"),
        _str(c("referenced_tweets.replied_to.id")).alias("parent_id"),
        pl.lit("twitter").alias("platform"),
        _str(c("author.username")).alias("account_name"),
        _int(c("public_metrics.like_count")).alias("likes"),
        pl.concat_str(
            pl.lit("https://x.com/"),
            _str(c("author.username")).fill_null("i"),
            pl.lit("/status/"),
            _str(c("id")),
        ).alias("url"),
        retweeted.is_not_null().alias("is_retweet"),
        pl.coalesce(retweeted, quoted).alias("repost_of"),
        pl.when(retweeted.is_not_null()).then(_str(c("retweeted_user_id"))).alias("repost_author"),
        pl.when(retweeted.is_not_null())
        .then(pl.lit("repost"))
        .when(quoted.is_not_null())
        .then(pl.lit("quote"))
        .alias("repost_kind"),
        _expanded_urls(c("entities.urls")).alias("links"),
    )
    times = parse_times(
        frame["created_at"]
        if "created_at" in cols
        else pl.Series([None] * frame.height, dtype=pl.String),
        None,
    )
    return _finish(frame, mapped, times, file, "twarc_csv")


def _expanded_urls(col: str | None) -> pl.Expr:
    """Return the expanded (or unwound) link targets in a twarc-csv ``entities.urls`` cell.

    A JSON list of url objects; never the per-tweet t.co wrapper.
    """
    if col is None:
        return pl.lit(None, dtype=pl.List(pl.String))
    return (
        pl.col(col)
        .cast(pl.String)
        .str.extract_all(r'"(?:unwound_url|expanded_url)":\s*"[^"]+"')
        .list.eval(pl.element().str.replace(r'^"[a-z_]+":\s*"', "").str.strip_suffix('"'))
    )


def fourcat_platform(columns: list[str], file_name: str) -> str:
    """Infer the platform of a 4CAT CSV from its column set (and the file name as a hint)."""
    cols = set(columns)
    name = file_name.lower()
    if {"item_type", "author_type"} <= cols or "vk" in name.split("-")[0]:
        return "vk"
    if {"chat", "author_is_bot"} <= cols or "telegram" in name:
        return "telegram"
    if {"is_retweet"} <= cols or "twitter" in name:
        return "twitter"
    if "subreddit" in cols or "reddit" in name:
        return "reddit"
    if "youtube" in name:
        return "youtube"
    return "4cat"


_YES = ["yes", "true", "1"]


def _fourcat_shares(platform: str, c: Any) -> list[pl.Expr]:
    """``repost_of``, ``repost_author``, ``repost_kind`` and ``links`` of a 4CAT export.

    Twitter's ``is_retweet`` / ``is_quote_tweet`` and comma-joined ``urls``; Telegram's
    ``author_forwarded_from_*`` (a forward, whose original message id 4CAT does not keep) and
    ``link_attached``. A retweet's text still opens with ``RT @user:``.
    """
    none = pl.lit(None, dtype=pl.String)

    def yes(name: str) -> pl.Expr:
        return _str(c(name)).str.to_lowercase().is_in(_YES).fill_null(False)

    def split(name: str | None) -> pl.Expr:
        if name is None:
            return pl.lit(None, dtype=pl.List(pl.String))
        return (
            _str(name)
            .str.replace_all(r"[\s,;|]+", " ")
            .str.strip_chars()
            .str.split(" ")
            .list.eval(pl.element().filter(pl.element() != ""))
        )

    kind, author, links = none, none, split(None)
    if platform == "twitter":
        rt_user = pl.col("body").cast(pl.String).str.extract(_RT_PREFIX, 1) if c("body") else none
        kind = (
            pl.when(yes("is_retweet") | rt_user.is_not_null())
            .then(pl.lit("repost"))
            .when(yes("is_quote_tweet"))
            .then(pl.lit("quote"))
            .otherwise(None)
        )
        author, links = rt_user, split(c("urls"))
    elif platform == "telegram":
        fwd = pl.coalesce(
            _str(c("author_forwarded_from_id")),
            _str(c("author_forwarded_from_username")),
            _str(c("author_forwarded_from_name")),
        ).replace("", None)
        kind = pl.when(fwd.is_not_null()).then(pl.lit("repost")).otherwise(None)
        author, links = fwd, split(c("link_attached"))
    return [
        none.alias("repost_of"),
        author.alias("repost_author"),
        kind.alias("repost_kind"),
        links.alias("links"),
    ]


def convert_4cat(
    frame: pl.DataFrame, file: str, file_name: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Map a 4CAT CSV export: ids namespaced by platform, times from ``unix_timestamp``."""
    cols = set(frame.columns)
    platform = fourcat_platform(frame.columns, file_name)

    def c(name: str) -> str | None:
        return name if name in cols else None

    ns = pl.lit(f"{platform}:")
    idx = _str("id")
    if platform == "vk" and "link" in cols:
        owner = pl.col("link").str.extract(r"wall(-?\d+)_", 1)
        cid = pl.concat_str(ns, owner, pl.lit("_"), idx)
        thread = pl.concat_str(ns, owner, pl.lit("_"), _str("thread_id"))
        parent = pl.concat_str(ns, owner, pl.lit("_"), _str(c("in_reply_to_comment_id")))
        account = _str(c("author_id"))
        name = _str(c("author_name"))
    else:
        cid = pl.concat_str(ns, idx)
        thread = pl.concat_str(ns, _str(c("thread_id")))
        if platform == "telegram":
            parent_raw = _str(c("reply_to"))
            chat = _str(c("thread_id"))
            parent = pl.concat_str(ns, chat, pl.lit("-"), parent_raw)
            account = _str(c("author"))
            name = _str(c("author_username"))
        elif platform == "reddit":
            p = _str(c("parent"))
            parent = (
                pl.when(p.str.starts_with("t1_"))
                .then(pl.concat_str(ns, p.str.slice(3)))
                .otherwise(None)
            )
            account = _str(c("author"))
            name = _str(c("author"))
        else:
            parent = pl.lit(None, dtype=pl.String)
            account = _str(c("author_id")) if "author_id" in cols else _str(c("author"))
            name = _str(c("author"))
    mapped = frame.select(
        cid.alias("comment_id"),
        account.alias("account_id"),
        (pl.col("body") if "body" in cols else pl.lit(None, dtype=pl.String)).alias("text"),
        thread.alias("thread_id"),
        parent.alias("parent_id"),
        pl.lit(platform).alias("platform"),
        name.alias("account_name"),
        _int(c("likes") or c("score")).alias("likes"),
        _str(c("link")).alias("url"),
        *_fourcat_shares(platform, c),
    )
    if "unix_timestamp" in cols:
        times = parse_times(frame["unix_timestamp"], None, epoch_only=True)
        if "timestamp" in cols:  # fallback: the server's local time, read as UTC
            fb = parse_times(frame["timestamp"], "UTC")
            times = pl.DataFrame(
                {
                    "us": pl.select(pl.coalesce(times["us"], fb["us"])).to_series(),
                    "reason": pl.select(
                        pl.when(times["us"].is_null() & fb["us"].is_null())
                        .then(pl.lit("bad_timestamp"))
                        .otherwise(None)
                    ).to_series(),
                }
            )
    else:
        times = parse_times(
            frame["timestamp"]
            if "timestamp" in cols
            else pl.Series([None] * frame.height, dtype=pl.String),
            "UTC",
        )
    return _finish(frame, mapped, times, file, "4cat_csv")
