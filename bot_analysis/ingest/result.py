"""What an ingest returns.

The canonical comments, the rejects and per-file counts, with the invariant and the failures a user
must hear about.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import InvariantError

if TYPE_CHECKING:
    pass

__all__ = ["IngestResult"]
log = logging.getLogger(__package__)


@dataclass
class IngestResult:
    """The canonical comments, the rejects and the bookkeeping of one ingest."""

    comments: pl.DataFrame
    rejects: pl.DataFrame
    files: list[dict[str, Any]] = field(default_factory=list)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    """Files found in input folders that are of no known format: path and why."""

    @property
    def rows_read(self) -> int:
        """Content records read over all inputs."""
        return sum(f["rows_read"] for f in self.files)

    @property
    def duplicates(self) -> int:
        """Exact duplicate rows dropped (same platform and id, same content)."""
        return sum(f["duplicates"] for f in self.files)

    def counts(self) -> dict[str, Any]:
        """Row counts for run.json and the report."""
        reasons = (
            self.rejects.group_by("reason").len().sort("reason").rows()
            if self.rejects.height
            else []
        )
        return {
            "rows_read": self.rows_read,
            "accepted": self.comments.height,
            "rejected": self.rejects.height,
            "duplicates_dropped": self.duplicates,
            "skipped_non_content": sum(sum(f["skipped"].values()) for f in self.files),
            "rejects_by_reason": dict(reasons),
            "files_skipped": len(self.skipped_files),
        }

    def failures(self) -> list[str]:
        """Return what makes this ingest unusable, one sentence per file, with the likely fix.

        A file whose every record was rejected was most likely read with the wrong reader or
        needs an option (``--naive-tz``, ``--map``); a run that accepted nothing cannot go on.
        Empty: every file gave at least one comment.
        """
        out = []
        for f in self.files:
            if f["rows_read"] == 0 or f["accepted"] + f["duplicates"] > 0:
                continue
            reasons = (
                self.rejects.filter(pl.col("source").str.starts_with(f["path"]))
                .group_by("reason")
                .len()
                .sort(["len", "reason"], descending=[True, False])
                .rows()
            )
            if any(r == "conflicting_duplicate" for r, _ in reasons):
                continue  # read before from another file: the reader did its work
            top = ", ".join(f"{r} {n:,}" for r, n in reasons[:3])
            main = reasons[0][0] if reasons else ""
            out.append(
                f"{f['path']}: all {f['rows_read']:,} records were rejected by the "
                f"{f['format']} reader ({top}); {_fix_for(main, f['format'])}"
            )
        if not out and self.rows_read and self.comments.height == 0:
            out.append("no comment was accepted; see rejects.csv")
        return out

    def check_invariant(self) -> None:
        """Raise InvariantError unless read = accepted + rejected + duplicates (per file too)."""
        total = self.comments.height + self.rejects.height + self.duplicates
        if self.rows_read != total:
            raise InvariantError(
                f"ingest lost rows: read {self.rows_read}, but accepted {self.comments.height} "
                f"+ rejected {self.rejects.height} + duplicates {self.duplicates} = {total}. "
                "This is a bug; please report it with run.json."
            )
        for f in self.files:
            if f["rows_read"] != f["accepted"] + f["rejected"] + f["duplicates"]:
                raise InvariantError(f"ingest lost rows in {f['path']}: {f}")


def _fix_for(reason: str, fmt: str) -> str:
    """Return the likely fix when every record of a file was rejected for ``reason``."""
    if reason == "naive_timestamp":
        return "its times have no zone: add --naive-tz UTC (or the zone they were written in)"
    if reason in ("bad_json", "not_a_record", "bad_encoding", "wrong_column_count"):
        return (
            f"the file is probably not {fmt}: name its format with --format "
            "(see `bot-analysis formats`)"
        )
    if reason in ("missing_text", "missing_id", "bad_timestamp", "missing_account"):
        return (
            "name its columns with --map, e.g. --map text=body --map created_at=date "
            "(see `bot-analysis formats` and the README)"
        )
    return "see rejects.csv for each record's reason"
