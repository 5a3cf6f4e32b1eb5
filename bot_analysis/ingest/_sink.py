"""Collecting rows from record-at-a-time readers into canonical batches, and shared parsers."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ..schema import CANONICAL_SCHEMA, OPTIONAL_SCHEMA, RAW_EXCERPT_CHARS, REJECTS_SCHEMA, conform

__all__ = ["BadTime", "RowSink", "epoch_us", "excerpt", "iso_us", "unescape"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Times outside this window are not social-media comments: 1990-01-01 .. 2100-01-01 (seconds).
_MIN_S, _MAX_S = 631_152_000, 4_102_444_800


class BadTime(ValueError):
    """A time value that cannot be turned into a UTC instant; ``reason`` is the reject code."""

    def __init__(self, detail: str, reason: str = "bad_timestamp") -> None:
        super().__init__(detail)
        self.reason = reason


def epoch_us(value: Any) -> int:
    """Convert Unix seconds (int, float or numeric string) to UTC microseconds.

    Examples
    --------
    >>> epoch_us("1709748252")
    1709748252000000
    >>> epoch_us(1709569331.524)
    1709569331524000
    """
    if value is None or isinstance(value, bool):
        raise BadTime(f"epoch time is {value!r}")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise BadTime(f"epoch time {value!r} is not a number") from None
    if not _MIN_S <= seconds <= _MAX_S:
        raise BadTime(f"epoch time {value!r} is outside 1990-2100")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return int(value) * 1_000_000
    return round(seconds * 1_000_000)


def iso_us(value: Any, naive_tz: Any = None) -> int:
    """Convert an ISO-8601 string with an offset (``Z`` or ``±HH:MM``) to UTC microseconds.

    A time without an offset raises ``BadTime`` with reason ``naive_timestamp`` unless
    ``naive_tz`` (a tzinfo) says how to read it.

    Examples
    --------
    >>> iso_us("2024-03-06T18:04:12.000Z")
    1709748252000000
    >>> iso_us("2024-03-06T21:04:12+03:00")
    1709748252000000
    """
    if not isinstance(value, str) or not value.strip():
        raise BadTime(f"time is {value!r}")
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadTime(f"time {value!r} is not ISO-8601") from None
    if dt.tzinfo is None:
        if naive_tz is None:
            raise BadTime(f"time {value!r} has no UTC offset", "naive_timestamp")
        dt = dt.replace(tzinfo=naive_tz)
    return _dt_us(dt)


def _dt_us(dt: datetime) -> int:
    delta = dt - _EPOCH
    us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if not _MIN_S * 1_000_000 <= us <= _MAX_S * 1_000_000:
        raise BadTime(f"time {dt.isoformat()} is outside 1990-2100")
    return us


def strptime_us(value: Any, fmt: str) -> int:
    """Parse ``value`` with a ``strptime`` format that includes ``%z``."""
    if not isinstance(value, str):
        raise BadTime(f"time is {value!r}")
    try:
        dt = datetime.strptime(value, fmt)
    except ValueError:
        raise BadTime(f"time {value!r} does not match {fmt}") from None
    return _dt_us(dt)


def unescape(text: str) -> str:
    """Undo HTML escaping (``&amp;``) only where the format escapes; cheap when there is none."""
    return html.unescape(text) if "&" in text else text


def excerpt(raw: Any) -> str:
    """Return at most ``RAW_EXCERPT_CHARS`` characters of a raw record, as text."""
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw[: RAW_EXCERPT_CHARS * 4]).decode("utf-8", errors="replace")
    elif not isinstance(raw, str):
        raw = repr(raw)
    return raw[:RAW_EXCERPT_CHARS]


def _s(value: Any) -> str | None:
    """Return an id as a string; ints stay exact (never through a float)."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


class RowSink:
    """Collects canonical rows and rejects from one input file, batch by batch.

    Readers call :meth:`add` once per record (text validation happens here, so every reader
    rejects alike) and :meth:`reject` for records they cannot map. ``rows_read`` counts every
    content record seen; non-content records (Telegram service messages) go to ``skipped``.
    """

    def __init__(self, file: str, source_format: str, platform: str, batch_rows: int) -> None:
        self.file = file
        self.source_format = source_format
        self.platform = platform
        self.batch_rows = batch_rows
        self.rows_read = 0
        self.skipped: dict[str, int] = {}
        self.n_skipped = 0
        self.last_skip = ""
        self._cols: dict[str, list[Any]] = {c: [] for c in _ROW_FIELDS}
        self._rejects: dict[str, list[Any]] = {c: [] for c in REJECTS_SCHEMA}
        self.batches: list[pl.DataFrame] = []
        self.reject_batches: list[pl.DataFrame] = []

    def add(
        self,
        source: str,
        comment_id: Any,
        account_id: Any,
        created_us: int | None,
        text: Any,
        thread_id: Any = None,
        parent_id: Any = None,
        *,
        account_name: Any = None,
        likes: Any = None,
        url: str | None = None,
        platform: str | None = None,
        is_retweet: bool | None = None,
        time_approximate: bool | None = None,
        repost_of: Any = None,
        repost_author: Any = None,
        repost_kind: str | None = None,
        links: list[str] | None = None,
        raw: Any = None,
        time_error: BadTime | None = None,
    ) -> None:
        """Add one record: accepted if it has an id, a time and a non-blank text."""
        self.rows_read += 1
        cid = _s(comment_id)
        if cid is None:
            self._reject(source, "missing_id", "the record has no id", raw)
            return
        if time_error is not None or created_us is None:
            detail = str(time_error) if time_error else "the record has no time"
            reason = time_error.reason if time_error else "bad_timestamp"
            self._reject(source, reason, f"{cid}: {detail}", raw)
            return
        if not isinstance(text, str) or not text.strip():
            self._reject(source, "missing_text", f"{cid}: text is {_short(text)}", raw)
            return
        c = self._cols
        c["comment_id"].append(cid)
        c["account_id"].append(_s(account_id))
        c["created_at"].append(created_us)
        c["text"].append(text)
        c["thread_id"].append(_s(thread_id))
        c["parent_id"].append(_s(parent_id))
        c["platform"].append(platform or self.platform)
        c["source"].append(source)
        c["account_name"].append(None if account_name is None else str(account_name))
        c["likes"].append(likes if isinstance(likes, int) and not isinstance(likes, bool) else None)
        c["url"].append(url)
        c["is_retweet"].append(is_retweet)
        c["time_approximate"].append(time_approximate)
        if repost_kind is None and repost_of is None and repost_author is None:
            c["repost_of"].append(None)  # most records: no calls
            c["repost_author"].append(None)
        else:
            c["repost_of"].append(_s(repost_of))
            c["repost_author"].append(_s(repost_author))
        c["repost_kind"].append(repost_kind)
        c["links"].append(links or None)
        if len(c["comment_id"]) >= self.batch_rows:
            self.flush()

    def reject(self, source: str, reason: str, detail: str, raw: Any = None) -> None:
        """Count a content record that cannot be mapped at all."""
        self.rows_read += 1
        self._reject(source, reason, detail, raw)

    def skip(self, reason: str) -> None:
        """Count a non-content record (not a row: it is neither accepted nor rejected)."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.n_skipped += 1
        self.last_skip = reason

    def unskip(self, n: int) -> None:
        """Take back the last ``n`` skips.

        Take back the last ``n`` skips (all of one reason: the record turned out to be of
        another format).
        """
        if n:
            self.skipped[self.last_skip] -= n
            self.n_skipped -= n
            if not self.skipped[self.last_skip]:
                del self.skipped[self.last_skip]

    def _reject(self, source: str, reason: str, detail: str, raw: Any) -> None:
        r = self._rejects
        r["source"].append(source)
        r["reason"].append(reason)
        r["detail"].append(detail)
        r["raw"].append(None if raw is None else excerpt(raw))

    def flush(self) -> None:
        """Turn the collected rows into a canonical DataFrame batch."""
        c = self._cols
        if c["comment_id"]:
            # optional columns that are null throughout are left to conform(): building a
            # column from a list of Python objects costs per element, even of None
            c = {k: v for k, v in c.items() if k not in OPTIONAL_SCHEMA or v.count(None) < len(v)}
            df = pl.DataFrame(c, schema={k: _ROW_SCHEMA[k] for k in c}).with_columns(
                pl.col("created_at").cast(pl.Datetime("us", "UTC")),
                pl.lit(self.source_format).alias("source_format"),
            )
            self.batches.append(conform(df))
            self._cols = {k: [] for k in _ROW_FIELDS}
        if self._rejects["source"]:
            self.reject_batches.append(pl.DataFrame(self._rejects, schema=REJECTS_SCHEMA))
            self._rejects = {k: [] for k in REJECTS_SCHEMA}


def _short(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, str):
        return "blank" if not value.strip() else repr(value[:40])
    return f"not text ({type(value).__name__})"


_ROW_SCHEMA: dict[str, pl.DataType] = {
    **{k: v for k, v in CANONICAL_SCHEMA.items() if k != "source_format"},
    **OPTIONAL_SCHEMA,
}
_ROW_SCHEMA["created_at"] = pl.Int64()
_ROW_FIELDS = list(_ROW_SCHEMA)
