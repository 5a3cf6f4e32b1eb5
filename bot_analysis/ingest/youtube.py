"""YouTube: youtube-comment-downloader JSONL (and its ``--pretty`` variant), Data API v3 JSON.

youtube-comment-downloader records carry no video id: it comes from the file name (or the
``ingest.youtube_video_id`` option), and ``time_parsed`` is only approximate (``"2 days ago"``
resolved at download time), so such rows are marked ``time_approximate``.
"""

from __future__ import annotations

import re
from typing import Any

from ._sink import BadTime, RowSink, epoch_us, iso_us

__all__ = ["map_ycd", "parse_votes", "read_youtube_api_doc"]

_VOTES = re.compile(r"^\s*([\d.,]+)\s*([KkMmBb]?)\s*$")
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def parse_votes(value: Any) -> int | None:
    """Parse a displayed vote count.

    Examples
    --------
    >>> parse_votes("1.2K"), parse_votes("3M"), parse_votes("17"), parse_votes("")
    (1200, 3000000, 17, None)
    """
    if isinstance(value, int):
        return value
    m = _VOTES.match(value) if isinstance(value, str) else None
    if not m:
        return None
    return round(float(m.group(1).replace(",", "")) * _SCALE[m.group(2).lower()])


def map_ycd(obj: dict, sink: RowSink, src: str, video_id: str | None) -> None:
    """Map one youtube-comment-downloader comment."""
    cid = obj.get("cid")
    created, err = None, None
    try:
        created = epoch_us(obj.get("time_parsed"))
    except BadTime as e:
        err = e
    is_reply = bool(obj.get("reply")) or (isinstance(cid, str) and "." in cid)
    url = f"https://www.youtube.com/watch?v={video_id}&lc={cid}" if video_id and cid else None
    sink.add(
        src,
        cid,
        obj.get("channel"),
        created,
        obj.get("text"),
        video_id,
        cid.split(".")[0] if is_reply and isinstance(cid, str) else None,
        account_name=obj.get("author"),
        likes=parse_votes(obj.get("votes")),
        url=url,
        time_approximate=True,
        raw=obj,
        time_error=err,
    )


def read_youtube_api_doc(doc: Any, sink: RowSink, where: str) -> None:
    """Map a Data API v3 response (thread list, comment list), a list of them, or of items."""
    if isinstance(doc, list):
        for i, d in enumerate(doc):
            read_youtube_api_doc(d, sink, f"{where}[{i}]")
        return
    if not isinstance(doc, dict):
        sink.reject(where, "not_a_record", "expected a YouTube API object", doc)
        return
    kind = doc.get("kind", "")
    if kind.endswith("ListResponse"):
        for i, item in enumerate(doc.get("items") or []):
            read_youtube_api_doc(item, sink, f"{where}.items[{i}]")
    elif kind == "youtube#commentThread":
        snip = doc.get("snippet") or {}
        video = snip.get("videoId")
        top = snip.get("topLevelComment")
        if isinstance(top, dict):
            _comment(top, sink, f"{where}.snippet.topLevelComment", video)
        for j, rep in enumerate((doc.get("replies") or {}).get("comments") or []):
            _comment(rep, sink, f"{where}.replies.comments[{j}]", video)
    elif kind == "youtube#comment":
        _comment(doc, sink, where, None)
    else:
        sink.reject(where, "not_a_record", f"unknown YouTube object kind {kind!r}", doc)


def _comment(c: Any, sink: RowSink, src: str, video: str | None) -> None:
    if not isinstance(c, dict):
        sink.reject(src, "not_a_record", "expected a comment resource", c)
        return
    s = c.get("snippet") or {}
    created, err = None, None
    try:
        created = iso_us(s.get("publishedAt"))
    except BadTime as e:
        err = e
    author = s.get("authorChannelId")
    account = author.get("value") if isinstance(author, dict) else s.get("authorChannelUrl")
    text = s.get("textOriginal")
    if text is None and isinstance(s.get("textDisplay"), str):
        import html

        text = html.unescape(re.sub(r"<[^>]+>", "", s["textDisplay"].replace("<br>", "\n")))
    video = s.get("videoId") or video
    cid = c.get("id")
    sink.add(
        src,
        cid,
        account,
        created,
        text,
        video,
        s.get("parentId"),
        account_name=s.get("authorDisplayName"),
        likes=s.get("likeCount"),
        url=f"https://www.youtube.com/watch?v={video}&lc={cid}" if video and cid else None,
        raw=c,
        time_error=err,
    )
