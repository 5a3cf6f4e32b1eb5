"""Which reader a file needs, from its content: keys of its first records, its first bytes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import InputError
from ._io import (
    InputFile,
)
from .formats import DOC_OR_LINES, FORMATS, LINE_FORMATS

if TYPE_CHECKING:
    pass

__all__ = ["by_lines", "doc_format", "keys_format", "sniff_file", "sniff_format"]
log = logging.getLogger(__package__)


def keys_format(obj: Any) -> str | None:
    """Return the format of one JSON record (a JSONL line), from its keys (FORMATS.md section 9)."""
    if not isinstance(obj, dict):
        return None
    k = obj.keys()
    if "response" in k or ("error" in k and "error_code" in str(obj.get("error"))):
        return "vk_api"
    if obj.get("_") in ("Message", "MessageService") or ("peer_id" in k and "message" in k):
        return "telethon_jsonl"
    if "_type" in k:
        return "4cat_ndjson"
    if "messages" in k or isinstance(obj.get("chats"), dict):
        return "tdesktop_json"  # a result.json written on one line
    if "data" in k and ("includes" in k or "__twarc" in k or "meta" in k):
        return "twarc2_jsonl"
    if "author_id" in k and "conversation_id" in k:
        return "twarc2_flat_jsonl"
    if ("id_str" in k or "full_text" in k or "user" in k) and "created_at" in k:
        return "twitter_v1_jsonl"
    if ("cid" in k and ("votes" in k or "channel" in k)) or {"votes", "channel", "heart"} <= k:
        return "ycd_jsonl"
    if str(obj.get("kind", "")).startswith("youtube#"):
        return "youtube_api"
    if "subreddit" in k and ("link_id" in k or "created_utc" in k):
        return "pushshift_ndjson"
    if "from_id" in k and "owner_id" in k and "date" in k:
        return "4cat_ndjson"  # raw VK items, as 4CAT's VK datasource stores them
    return None


def doc_format(doc: Any) -> str:
    """Name the format of a parsed JSON document from its keys."""
    if isinstance(doc, dict):
        if "response" in doc or ("items" in doc and "from_id" in str(doc.get("items", ""))[:2000]):
            return "vk_api"
        if "messages" in doc or ("chats" in doc and isinstance(doc["chats"], dict)):
            return "tdesktop_json"
        if str(doc.get("kind", "")).startswith("youtube#"):
            return "youtube_api"
        if isinstance(doc.get("comments"), list):
            first = next(iter(doc["comments"]), None)
            if keys_format(first) == "ycd_jsonl":
                return "ycd_jsonl"
        return "generic_json"
    if isinstance(doc, list) and doc:
        first = doc[0]
        fmt = keys_format(first)
        if fmt in ("vk_api", "youtube_api"):
            return fmt
        if fmt is not None:
            return f"list:{fmt}"
    return "generic_json"


# Bytes that text never holds (C0 controls other than tab, newline, form feed, return, escape).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _binary(head: bytes) -> bool:
    """Whether ``head`` (UTF-8 already) is not text: over 5% control bytes."""
    return len(head) - len(head.translate(None, _CONTROL)) > 0.05 * len(head)


def sniff_format(inp: InputFile, sample: bytes, raw_head: bytes) -> str:
    """Return the format name of an input from its first bytes (content first, name second).

    Parameters
    ----------
    inp : InputFile
        The input (its name is the second clue).
    sample : bytes
        Its first bytes, decompressed.
    raw_head : bytes
        Its first bytes as stored (magic numbers).

    Raises
    ------
    InputError
        If the content matches no known format.
    """
    if raw_head.startswith(b"PAR1") or inp.name.lower().endswith(".parquet"):
        return "generic_parquet"
    text = sample.lstrip()
    if not text:
        return "empty"
    if _binary(text[:8192]):
        raise InputError(
            f"{inp.display}: a binary file (an image, an archive of an unknown kind or a "
            "program), not a comment dump. Known formats: see `bot-analysis formats`."
        )
    if text[:1] in (b"{", b"["):
        # JSON Lines if any of the first lines is a whole object (the first may be truncated).
        # The most common kind among the first 50 lines decides (one record may lack a key).
        lines = text.split(b"\n")
        votes: dict[str, int] = {}
        if lines[0].strip() in (b"{", b"[") or text[:1] == b"[":
            return "json"  # a pretty-printed document or an array: classified after loading
        for line in lines[: min(len(lines) - 1, 50) or 1]:
            if not line.startswith(b"{"):  # JSON Lines are never indented
                continue
            try:
                obj = orjson.loads(line.strip())
            except orjson.JSONDecodeError:
                continue
            if not isinstance(obj, dict):
                break
            kind = keys_format(obj) or "generic_ndjson"
            votes[kind] = votes.get(kind, 0) + (kind != "generic_ndjson") * 2 + 1
        if votes:
            return max(votes, key=lambda k: votes[k])
        return "json"  # a JSON document: classified after loading
    header = text.split(b"\n", 1)[0].decode("utf-8", errors="replace").lower()
    if header.startswith("id,conversation_id,") or "referenced_tweets.replied_to.id" in header:
        return "twarc_csv"
    cols = {c.strip().strip('"') for c in header.replace("\t", ",").replace(";", ",").split(",")}
    if {"id", "thread_id", "body", "author", "timestamp"} <= cols or {
        "id",
        "thread_id",
        "body",
        "unix_timestamp",
    } <= cols:
        return "4cat_csv"
    if len(cols) >= 2:
        return "generic_csv"
    raise InputError(
        f"{inp.display}: unknown format. Known formats: {', '.join(FORMATS)}. "
        "Name one with --format, or map columns with --map comment_id=... --map text=..."
    )


def by_lines(name: str, head: bytes) -> bool:
    """Tell whether format ``name`` is read line by line from this file.

    Whether ``name`` is read line by line from this file (vk_api and youtube_api files may also
    hold one JSON document).
    """
    return name in LINE_FORMATS and not (name in DOC_OR_LINES and not _looks_jsonl(head))


def sniff_file(inp: InputFile, sample: bytes) -> str:
    """Name the format of a file from its first bytes and records."""
    with open(inp.path, "rb") as fh:
        raw_head = fh.read(4) if inp.member is None else b""
    return sniff_format(inp, sample, raw_head)


def _looks_jsonl(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0]
    try:
        orjson.loads(first)
        return True
    except orjson.JSONDecodeError:
        return False
