"""From a parsed record to rows: each format's record mapper, and collecting a sink's rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..config import IngestConfig
from ..schema import (
    empty_comments,
    empty_rejects,
)
from . import reddit, telegram, twitter, vk, youtube
from ._io import (
    InputFile,
)
from ._sink import RowSink
from .dedup import resolve_thread_roots
from .sniff import keys_format

if TYPE_CHECKING:
    pass

__all__ = ["bad_line", "collect", "record_mapper"]
log = logging.getLogger(__package__)


def record_mapper(name: str, inp: InputFile, cfg: IngestConfig) -> Callable[..., None]:
    """Return the function that maps one record of format ``name`` into a sink."""
    video = cfg.youtube_video_id or Path(inp.name).name.split(".")[0]
    mappers: dict[str, Callable[..., None]] = {
        "telethon_jsonl": telegram.map_telethon,
        "twarc2_jsonl": twitter.map_twarc2_page,
        "twarc2_flat_jsonl": twitter.map_twarc2_flat,
        "twitter_v1_jsonl": twitter.map_v1,
        "ycd_jsonl": partial(youtube.map_ycd, video_id=video),
        "pushshift_ndjson": reddit.map_reddit,
        "4cat_ndjson": _map_4cat_ndjson,
        "vk_api": lambda obj, sink, src: vk.read_vk_doc(obj, sink, src + ":$"),
        "youtube_api": lambda obj, sink, src: youtube.read_youtube_api_doc(obj, sink, src + ":$"),
    }
    return mappers[name]


def bad_line(sink: RowSink, src: str, line: bytes, err: Exception) -> None:
    """Reject a line that is not valid UTF-8 or not JSON, with the reason."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as e:
        sink.reject(src, "bad_encoding", f"invalid UTF-8 byte at offset {e.start}", line)
        return
    sink.reject(src, "bad_json", f"not valid JSON: {str(err)[:120]}", line)


def collect(sink: RowSink, name: str) -> tuple[pl.DataFrame, pl.DataFrame, RowSink]:
    """Return a sink's accepted rows and rejects as frames, and the sink."""
    acc = pl.concat(sink.batches, how="vertical") if sink.batches else empty_comments()
    rej = pl.concat(sink.reject_batches, how="vertical") if sink.reject_batches else empty_rejects()
    if name == "twitter_v1_jsonl" and acc.height:
        acc = resolve_thread_roots(acc)
    return acc, rej, sink


def _map_4cat_ndjson(obj: dict, sink: RowSink, src: str) -> None:
    """4CAT NDJSON holds its datasource's raw items: dispatch on the item's shape."""
    kind = keys_format(obj)
    if kind == "4cat_ndjson" and "_type" in obj:
        telegram.map_telethon(obj, sink, src)
    elif kind == "4cat_ndjson":
        vk._item(obj, src, sink, {}, obj.get("owner_id"), obj.get("post_id"))
    elif kind == "twarc2_flat_jsonl" or "author_id" in obj:
        sink.platform = "twitter"
        twitter.map_twarc2_flat(obj, sink, src)
    elif kind == "pushshift_ndjson":
        reddit.map_reddit(obj, sink, src)
    else:
        sink.reject(src, "not_a_record", "a 4CAT item of an unknown datasource", obj)
