"""X/Twitter: twarc2 raw API v2 pages, twarc2 flattened tweets, legacy v1.1 tweet JSON.

Ids are strings throughout (19-digit ids exceed a float's precision). twarc2 raw lines are
response pages: only ``data`` is ingested; ``includes.tweets`` are context, not matches.
Retweets carry the original's text and are marked ``is_retweet`` (amplification, not authorship).
twarc-csv files are read by the CSV engine (see ``_csv.py``).
"""

from __future__ import annotations

from typing import Any

from ._sink import BadTime, RowSink, iso_us, strptime_us, unescape

__all__ = ["map_twarc2_flat", "map_twarc2_page", "map_v1"]

_V1_TIME = "%a %b %d %H:%M:%S %z %Y"


def map_v2_tweet(
    tw: dict,
    sink: RowSink,
    src: str,
    users: dict[Any, Any] | None,
    context: dict[Any, dict] | None = None,
) -> None:
    """Map one API v2 tweet (raw or flattened) into ``sink``.

    ``users`` maps author ids to usernames and ``context`` referenced tweet ids to the
    tweets (both from a raw page's ``includes``); flattened tweets carry both inline. A
    retweet or quote records the original's id, author and kind (``repost_*``); links are
    the expanded targets of ``entities.urls``.
    """
    created, err = None, None
    try:
        created = iso_us(tw.get("created_at"))
    except BadTime as e:
        err = e
    parent = None
    is_rt = False
    text = tw.get("text")
    share: tuple[Any, Any, str] | None = None  # (original id, its author, kind)
    for ref in tw.get("referenced_tweets") or ():
        if not isinstance(ref, dict):
            continue
        kind = ref.get("type")
        if kind == "replied_to":
            parent = ref.get("id")
            continue
        # flattened refs carry the original inline; raw pages in includes.tweets
        orig = ref if "text" in ref else (context or {}).get(ref.get("id")) or {}
        if kind == "retweeted":
            is_rt = True
            share = (ref.get("id"), _author_id(orig), "repost")
            if isinstance(orig.get("text"), str):  # the untruncated original
                text = orig["text"]
        elif kind == "quoted" and share is None:
            share = (ref.get("id"), _author_id(orig), "quote")
    author = tw.get("author")
    if isinstance(author, dict) and author:
        name = author.get("username")
    else:
        name = users.get(tw.get("author_id")) if users else None
    metrics = tw.get("public_metrics")
    tid = tw.get("id")
    sink.add(
        src,
        tid,
        tw.get("author_id"),
        created,
        text,
        tw.get("conversation_id"),
        parent,
        account_name=name,
        likes=metrics.get("like_count") if isinstance(metrics, dict) else None,
        url=f"https://x.com/{name or 'i'}/status/{tid}" if tid else None,
        is_retweet=is_rt,
        repost_of=share[0] if share else None,
        repost_author=share[1] if share else None,
        repost_kind=share[2] if share else None,
        links=_expanded(tw.get("entities")),
        raw=tw,
        time_error=err,
    )


def _author_id(tweet: dict) -> Any:
    author = tweet.get("author")
    if isinstance(author, dict) and author.get("id"):
        return author["id"]
    return tweet.get("author_id")


def _expanded(entities: Any) -> list[str]:
    """Return the link targets of a tweet's ``entities.urls``.

    The unwound or expanded URL, never the per-tweet t.co wrapper (no two tweets share one).
    """
    if not isinstance(entities, dict) or not entities.get("urls"):
        return []
    out = []
    for u in entities["urls"]:
        if isinstance(u, dict):
            target = u.get("unwound_url") or u.get("expanded_url")
            if isinstance(target, str) and target:
                out.append(target)
    return out


def map_twarc2_page(obj: dict, sink: RowSink, src: str) -> None:
    """Map one twarc2 raw response page (``data`` + ``includes``)."""
    data = obj.get("data")
    if data is None:
        sink.skip("twarc2_page_without_data")
        return
    if isinstance(data, dict):
        data = [data]
    includes = obj.get("includes") or {}
    users = {
        u.get("id"): u.get("username") for u in includes.get("users") or () if isinstance(u, dict)
    }
    context = {
        t.get("id"): t
        for t in includes.get("tweets") or ()
        if isinstance(t, dict) and isinstance(t.get("text"), str)
    }
    for i, tw in enumerate(data):
        if isinstance(tw, dict):
            map_v2_tweet(tw, sink, f"{src}:$.data[{i}]", users, context)
        else:
            sink.reject(f"{src}:$.data[{i}]", "not_a_record", "expected a tweet object", tw)


def map_twarc2_flat(obj: dict, sink: RowSink, src: str) -> None:
    """Map one twarc2 flattened tweet (``author`` inlined)."""
    map_v2_tweet(obj, sink, src, None)


def map_v1(obj: dict, sink: RowSink, src: str) -> None:
    """Map one v1.1 tweet (twarc 1.x, Tweepy); threads are resolved per file afterwards."""
    created, err = None, None
    try:
        created = strptime_us(obj.get("created_at"), _V1_TIME)
    except BadTime as e:
        err = e
    rt = obj.get("retweeted_status")
    body = rt if isinstance(rt, dict) else obj
    ext = body.get("extended_tweet")
    text = (
        (ext.get("full_text") if isinstance(ext, dict) else None)
        or body.get("full_text")
        or body.get("text")
    )
    user = obj.get("user") or {}
    tid = obj.get("id_str") or (str(obj["id"]) if isinstance(obj.get("id"), int) else None)
    name = user.get("screen_name")
    quoted = obj.get("quoted_status")
    orig = rt if isinstance(rt, dict) else quoted if isinstance(quoted, dict) else None
    orig_id = (orig.get("id_str") or orig.get("id")) if orig else obj.get("quoted_status_id_str")
    orig_user = (orig or {}).get("user") or {}
    kind = "repost" if isinstance(rt, dict) else "quote" if orig_id else None
    ents = [obj.get("entities"), (obj.get("extended_tweet") or {}).get("entities")]
    if isinstance(rt, dict):  # a retweet's own entities are cut with its text
        ents += [rt.get("entities"), (rt.get("extended_tweet") or {}).get("entities")]
    links = list(dict.fromkeys(u for e in ents for u in _expanded(e)))
    sink.add(
        src,
        tid,
        user.get("id_str") or (str(user["id"]) if isinstance(user.get("id"), int) else None),
        created,
        unescape(text) if isinstance(text, str) else text,
        None,  # resolved from in_reply_to chains once the whole file is read
        obj.get("in_reply_to_status_id_str"),
        account_name=name,
        likes=obj.get("favorite_count"),
        url=f"https://x.com/{name or 'i'}/status/{tid}" if tid else None,
        is_retweet=isinstance(rt, dict),
        repost_of=orig_id,
        repost_author=orig_user.get("id_str") or orig_user.get("id"),
        repost_kind=kind,
        links=links,
        raw=obj,
        time_error=err,
    )
