"""Telegram: Telegram Desktop ``result.json`` exports and Telethon / 4CAT message dumps.

Message ids restart per chat, so ``comment_id = "{chat_id}:{id}"``. Telegram Desktop's
``date`` is in the exporting computer's local time and is never used; ``date_unixtime`` is.
``text`` is a string or a list of strings and entity objects, flattened to its plain text.
Service messages (joins, pins) are skipped and counted, not rejected.
"""

from __future__ import annotations

import re
from typing import Any

from ._sink import BadTime, RowSink, epoch_us, iso_us

__all__ = ["fix_tdesktop_json", "map_telethon", "read_tdesktop_doc"]

# Telegram Desktop writes control bytes as \xNN, which is not JSON; keep escaped backslashes.
_X_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")


def fix_tdesktop_json(raw: bytes) -> bytes:
    r"""Turn Telegram Desktop's invalid ``\xNN`` escapes into JSON ``\u00NN``.

    Examples
    --------
    >>> fix_tdesktop_json(rb'"a\x1Bb \\x41"')
    b'"a\\u001Bb \\\\x41"'
    """
    return _X_ESCAPE.sub(rb"\1\\u00\2", raw)


def flatten_text(text: Any) -> Any:
    """Flatten Telegram's text (a string or a list of strings and entity objects)."""
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in text)
    return text


def read_tdesktop_doc(doc: Any, sink: RowSink, where: str) -> None:
    """Map a Telegram Desktop export (single chat or full account) into ``sink``."""
    if not isinstance(doc, dict):
        sink.reject(where, "not_a_record", "expected a Telegram export object", doc)
        return
    if "messages" in doc:
        _chat(doc, sink, f"{where}")
        return
    for key in ("chats", "left_chats"):
        block = doc.get(key)
        if isinstance(block, dict):
            for i, chat in enumerate(block.get("list") or []):
                if isinstance(chat, dict) and "messages" in chat:
                    _chat(chat, sink, f"{where}.{key}.list[{i}]")


def _chat(chat: dict, sink: RowSink, where: str) -> None:
    chat_id = chat.get("id")
    msgs = chat.get("messages") or []
    parent_of: dict[Any, Any] = {}
    for m in msgs:
        if isinstance(m, dict) and m.get("type", "message") == "message":
            parent_of[m.get("id")] = m.get("reply_to_message_id")
    roots: dict[Any, Any] = {}

    def root(mid: Any) -> Any:
        # Follow replies upward; a parent missing from the export becomes the thread root,
        # so that comments under a post that was not exported still share one thread.
        path = []
        cur = mid
        while cur in parent_of and parent_of[cur] is not None and cur not in roots:
            path.append(cur)
            cur = parent_of[cur]
            if len(path) > 100_000:  # a reply cycle: corrupt export
                break
        r = roots.get(cur, cur)
        for p in path:
            roots[p] = r
        roots[mid] = r
        return r

    for i, m in enumerate(msgs):
        src = f"{where}.messages[{i}]"
        if not isinstance(m, dict):
            sink.reject(src, "not_a_record", "expected a message object", m)
            continue
        kind = m.get("type", "message")
        if kind != "message":
            sink.skip(kind)
            continue
        mid = m.get("id")
        created, err = None, None
        try:
            created = epoch_us(m.get("date_unixtime"))
        except BadTime as e:
            err = e
        text = m.get("text_entities")
        text = (
            flatten_text(text) if isinstance(text, list) and text else flatten_text(m.get("text"))
        )
        reply = m.get("reply_to_message_id")
        fwd = m.get("forwarded_from_id") or m.get("forwarded_from")
        sink.add(
            src,
            f"{chat_id}:{mid}" if mid is not None else None,
            m.get("from_id"),
            created,
            text,
            f"{chat_id}:{root(mid)}" if mid is not None else None,
            f"{chat_id}:{reply}" if reply is not None else None,
            account_name=m.get("from"),
            repost_author=fwd,  # the export names the source, not the original message
            repost_kind="repost" if fwd else None,
            links=_tdesktop_links(m.get("text")),  # a string, or strings and entities
            raw=m,
            time_error=err,
        )


def _tdesktop_links(entities: Any) -> list[str]:
    """Link targets of a Telegram Desktop message.

    ``text_link`` entities' ``href`` (the link behind a word, not in the text) and ``link``
    entities' text.
    """
    if not isinstance(entities, list):  # a plain text is a string
        return []
    out = []
    for e in entities:
        if isinstance(e, dict):
            if e.get("type") == "text_link" and isinstance(e.get("href"), str):
                out.append(e["href"])
            elif e.get("type") == "link" and isinstance(e.get("text"), str):
                out.append(e["text"])
    return out


def _peer(peer: Any) -> tuple[str, Any] | None:
    if isinstance(peer, dict):
        for key, prefix in (("user_id", "user"), ("channel_id", "channel"), ("chat_id", "chat")):
            if peer.get(key) is not None:
                return prefix, _unmark(peer[key])
    elif isinstance(peer, int | str) and str(peer).lstrip("-").isdigit():
        return "user", _unmark(peer)
    return None


def _unmark(value: Any) -> str:
    s = str(value)
    if s.startswith("-100"):
        return s[4:]
    return s.lstrip("-")


def map_telethon(obj: dict, sink: RowSink, src: str) -> None:
    """Map one Telethon ``Message.to_dict()`` (or 4CAT Telegram NDJSON) object into ``sink``."""
    kind = obj.get("_", obj.get("_type"))
    if kind != "Message":
        sink.skip(str(kind))
        return
    peer = _peer(obj.get("peer_id"))
    chat = peer[1] if peer else None
    sender = _peer(obj.get("from_id"))
    if sender is None and peer is not None and peer[0] == "channel":
        sender = peer  # broadcast channel post: the channel is the author
    created, err = None, None
    date = obj.get("date")
    try:
        created = epoch_us(date) if isinstance(date, int | float) else iso_us(date)
    except BadTime as e:
        err = e
    reply = obj.get("reply_to") or {}
    parent = reply.get("reply_to_msg_id") if isinstance(reply, dict) else None
    top = (reply.get("reply_to_top_id") if isinstance(reply, dict) else None) or parent
    mid = obj.get("id")
    sender_obj = obj.get("_sender") or {}
    fwd = obj.get("fwd_from") if isinstance(obj.get("fwd_from"), dict) else None
    fwd_peer = _peer(fwd.get("from_id")) if fwd else None
    fwd_post = fwd.get("channel_post") if fwd else None
    urls: list[str] = [
        e["url"]
        for e in obj.get("entities") or ()
        if isinstance(e, dict) and isinstance(e.get("url"), str)  # MessageEntityTextUrl
    ]
    sink.add(
        src,
        f"{chat}:{mid}" if mid is not None and chat is not None else None,
        f"{sender[0]}{sender[1]}" if sender else None,
        created,
        obj.get("message"),
        f"{chat}:{top if top is not None else mid}",
        f"{chat}:{parent}" if parent is not None else None,
        account_name=sender_obj.get("username") if isinstance(sender_obj, dict) else None,
        # ids in this table's own form: "<chat>:<message>" and "<kind><id>"
        repost_of=f"{fwd_peer[1]}:{fwd_post}" if fwd_peer and fwd_post is not None else None,
        repost_author=f"{fwd_peer[0]}{fwd_peer[1]}" if fwd_peer else None,
        repost_kind="repost" if fwd else None,
        links=urls,
        raw=obj,
        time_error=err,
    )
