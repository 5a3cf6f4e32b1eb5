"""Counts and durations in words, for summaries and the report.

``1 talking point``, ``2,000 accounts``, ``40 minutes``.
"""

from __future__ import annotations

__all__ = ["count", "duration"]


def count(n: int | None, one: str, many: str | None = None) -> str:
    """Return ``n`` and the noun, singular or plural: ``1 talking point``, ``2,000 accounts``.

    Parameters
    ----------
    n : int or None
        The count (``None`` counts as 0).
    one : str
        The singular.
    many : str, optional
        The plural (default: the singular and "s").
    """
    n = n or 0
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def duration(seconds: float) -> str:
    """Return a duration in words: ``a minute`` (or less), ``40 minutes``, ``5 hours``, ``3 days``.

    Parameters
    ----------
    seconds : float
        The duration.

    Examples
    --------
    >>> [duration(s) for s in (20, 60, 2400, 3600, 7200, 5 * 86400)]
    ['a minute', '1 minute', '40 minutes', '1 hour', '2 hours', '5 days']
    """
    if seconds < 60:
        return "a minute"
    if seconds < 3600:
        return count(round(seconds / 60), "minute")
    if seconds < 72 * 3600:
        return count(round(seconds / 3600), "hour")
    return count(round(seconds / 86400), "day")
