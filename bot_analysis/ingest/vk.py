"""VK API responses (``wall.getComments`` and ``wall.get``), as JSON or JSONL of responses.

Comment ids are per wall, so ``comment_id = "{owner_id}_{id}"``; threads are wall posts
(``"{owner_id}_{post_id}"``); negative ``from_id`` is a community and keeps its sign. Replies
nested in ``thread.items`` are flattened; a comment seen twice is dropped later as a duplicate.
"""

from __future__ import annotations

from typing import Any

from ._sink import BadTime, RowSink, epoch_us, unescape

__all__ = ["read_vk_doc"]


def read_vk_doc(doc: Any, sink: RowSink, where: str) -> None:
    """Map one parsed VK response (or a list of them) into ``sink``; ``where`` prefixes sources."""
    if isinstance(doc, list):
        for i, d in enumerate(doc):
            read_vk_doc(d, sink, f"{where}[{i}]")
        return
    if not isinstance(doc, dict):
        sink.reject(where, "not_a_record", "expected a VK response object", doc)
        return
    if "error" in doc and "response" not in doc:
        sink.skip("vk_error_response")
        return
    resp = doc.get("response", doc)
    items = resp.get("items") if isinstance(resp, dict) else None
    if not isinstance(items, list):
        sink.reject(where, "not_a_record", "VK response without an items list", doc)
        return
    names: dict[int, str] = {}
    for p in resp.get("profiles") or []:
        if isinstance(p, dict) and "id" in p:
            names[p["id"]] = f"{p.get('first_name', '')} {p.get('last_name', '')}".strip()
    for g in resp.get("groups") or []:
        if isinstance(g, dict) and "id" in g:
            names[-g["id"]] = g.get("name", "")
    # Deleted placeholders lack owner_id/post_id: take them from the other items.
    owner = next(
        (it.get("owner_id") for it in _walk(items) if it.get("owner_id") is not None), None
    )
    post = next((it.get("post_id") for it in _walk(items) if it.get("post_id") is not None), None)
    base = f"{where}.response.items" if "response" in doc else f"{where}.items"
    for i, item in enumerate(items):
        _item(item, f"{base}[{i}]", sink, names, owner, post)


def _walk(items: list) -> Any:
    for it in items:
        if isinstance(it, dict):
            yield it
            thread = it.get("thread")
            if isinstance(thread, dict) and isinstance(thread.get("items"), list):
                yield from _walk(thread["items"])


def _links(items: list[dict]) -> list[str]:
    """Link targets of VK items' ``link`` attachments (a post's card, not in its text)."""
    out = []
    for it in items:
        for a in it.get("attachments") or ():
            link = a.get("link") if isinstance(a, dict) else None
            if isinstance(link, dict) and isinstance(link.get("url"), str):
                out.append(link["url"])
    return out


def _item(item: Any, src: str, sink: RowSink, names: dict, owner: Any, post: Any) -> None:
    if not isinstance(item, dict):
        sink.reject(src, "not_a_record", "expected a VK comment object", item)
        return
    owner_id = item.get("owner_id", owner)
    is_post = "post_id" not in item and ("post_type" in item or "comments" in item)
    post_id = item.get("id") if is_post else item.get("post_id", post)
    cid = item.get("id")
    comment_id = f"{owner_id}_{cid}" if cid is not None and owner_id is not None else None
    from_id = item.get("from_id")
    if is_post:
        parent = None
    else:
        rtc = item.get("reply_to_comment")
        stack = item.get("parents_stack") or []
        parent_raw = rtc if rtc is not None else (stack[-1] if stack else None)
        parent = f"{owner_id}_{parent_raw}" if parent_raw is not None else None
    text = item.get("text")
    if item.get("deleted") and text is None:
        text = None
    elif isinstance(text, str):
        text = unescape(text)
    copies = item.get("copy_history")
    orig = copies[0] if isinstance(copies, list) and copies and isinstance(copies[0], dict) else {}
    kind = None
    if orig:
        # a repost: without words of its own it is the original's text (amplification)
        kind = "repost" if not (isinstance(text, str) and text.strip()) else "quote"
        if kind == "repost" and isinstance(orig.get("text"), str):
            text = unescape(orig["text"])
    created, err = None, None
    try:
        created = epoch_us(item.get("date"))
    except BadTime as e:
        err = e
    likes = item.get("likes")
    url = None
    if owner_id is not None and post_id is not None:
        url = f"https://vk.com/wall{owner_id}_{post_id}" + ("" if is_post else f"?reply={cid}")
    sink.add(
        src,
        comment_id,
        from_id,
        created,
        text,
        f"{owner_id}_{post_id}" if owner_id is not None and post_id is not None else None,
        parent,
        account_name=names.get(from_id) if isinstance(from_id, int) else None,
        likes=likes.get("count") if isinstance(likes, dict) else None,
        url=url,
        repost_of=f"{orig['owner_id']}_{orig['id']}"
        if orig.get("owner_id") and orig.get("id")
        else None,
        repost_author=orig.get("from_id") or orig.get("owner_id"),
        repost_kind=kind,
        links=_links([item, orig]) if orig or "attachments" in item else None,
        raw=item,
        time_error=err,
    )
    thread = item.get("thread")
    if isinstance(thread, dict) and isinstance(thread.get("items"), list):
        for j, sub in enumerate(thread["items"]):
            _item(sub, f"{src}.thread.items[{j}]", sink, names, owner_id, post_id)
