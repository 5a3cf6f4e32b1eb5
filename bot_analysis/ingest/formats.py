"""The readers this tool has: each format's name, platform, file kind and description."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    pass

__all__ = ["DOC_OR_LINES", "FORMATS", "LINE_FORMATS", "Format"]
log = logging.getLogger(__package__)


@dataclass(frozen=True)
class Format:
    """A reader: its ``source_format`` name, platform, file kind and a one-line description."""

    name: str
    platform: str
    kind: Literal["jsonl", "json", "csv", "parquet"]
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            "vk_api", "vk", "json", "VK API wall.getComments / wall.get responses (JSON or JSONL)"
        ),
        Format("tdesktop_json", "telegram", "json", "Telegram Desktop export result.json"),
        Format("telethon_jsonl", "telegram", "jsonl", "Telethon Message.to_dict() dumps (JSONL)"),
        Format("twarc2_jsonl", "twitter", "jsonl", "twarc2 raw API v2 response pages (JSONL)"),
        Format("twarc2_flat_jsonl", "twitter", "jsonl", "twarc2 flattened tweets (JSONL)"),
        Format("twarc_csv", "twitter", "csv", "twarc-csv CSV (twarc2 csv)"),
        Format(
            "twitter_v1_jsonl", "twitter", "jsonl", "legacy v1.1 tweet JSON (twarc 1.x, Tweepy)"
        ),
        Format(
            "ycd_jsonl", "youtube", "jsonl", "youtube-comment-downloader JSONL (or --pretty JSON)"
        ),
        Format(
            "youtube_api", "youtube", "json", "YouTube Data API v3 commentThreads / comments JSON"
        ),
        Format("pushshift_ndjson", "reddit", "jsonl", "Reddit Pushshift / Arctic Shift NDJSON"),
        Format("4cat_csv", "4cat", "csv", "4CAT CSV export (platform inferred from the columns)"),
        Format("4cat_ndjson", "4cat", "jsonl", "4CAT NDJSON export (raw items of its datasource)"),
        Format(
            "generic_csv",
            "generic",
            "csv",
            "any CSV/TSV with canonical or common column names, or --map",
        ),
        Format("generic_json", "generic", "json", "a JSON array of flat comment objects"),
        Format("generic_ndjson", "generic", "jsonl", "NDJSON of flat comment objects"),
        Format(
            "generic_parquet", "generic", "parquet", "Parquet with canonical or common column names"
        ),
    ]
}


# Formats read record by record, line by line (see by_lines).
LINE_FORMATS = frozenset(
    {
        "vk_api",
        "youtube_api",
        "telethon_jsonl",
        "twarc2_jsonl",
        "twarc2_flat_jsonl",
        "twitter_v1_jsonl",
        "ycd_jsonl",
        "pushshift_ndjson",
        "4cat_ndjson",
    }
)


DOC_OR_LINES = frozenset({"vk_api", "youtube_api"})
