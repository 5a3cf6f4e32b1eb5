"""Reddit: Pushshift / Arctic Shift NDJSON dumps of comments (``RC_``) and submissions (``RS_``).

``created_utc`` is an int, a string or a float depending on the month; ``[deleted]`` authors
are unknown accounts (null), never one giant account; ``[deleted]``/``[removed]`` bodies are
placeholders and are rejected with reasons ``deleted``/``removed``. Bodies are HTML-unescaped.
"""

from __future__ import annotations

from ._sink import BadTime, RowSink, epoch_us, unescape

__all__ = ["map_reddit"]

_PLACEHOLDERS = {"[deleted]": "deleted", "[removed]": "removed"}


def map_reddit(obj: dict, sink: RowSink, src: str) -> None:
    """Map one Pushshift / Arctic Shift comment or submission."""
    is_comment = "body" in obj or "parent_id" in obj
    rid = obj.get("id")
    author = obj.get("author")
    account = None if author in (None, "[deleted]", "") else (obj.get("author_fullname") or author)
    if is_comment:
        text = obj.get("body")
        cid = f"t1_{rid}" if rid else None
        parent = obj.get("parent_id")
        parent = parent if isinstance(parent, str) and parent.startswith("t1_") else None
        thread = obj.get("link_id")
    else:
        title, body = obj.get("title") or "", obj.get("selftext") or ""
        text = title + ("\n\n" + body if body and body not in _PLACEHOLDERS else "")
        cid = f"t3_{rid}" if rid else None
        parent = None
        thread = cid
    if isinstance(text, str) and text.strip() in _PLACEHOLDERS and cid:
        reason = _PLACEHOLDERS[text.strip()]
        sink.reject(src, reason, f"{cid}: body is {text.strip()}", obj)
        return
    created, err = None, None
    try:
        created = epoch_us(obj.get("created_utc"))
    except BadTime as e:
        err = e
    permalink = obj.get("permalink")
    sink.add(
        src,
        cid,
        account,
        created,
        unescape(text) if isinstance(text, str) else text,
        thread,
        parent,
        account_name=None if account is None else author,
        likes=obj.get("score"),
        url=f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None,
        raw=obj,
        time_error=err,
    )
