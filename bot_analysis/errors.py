"""Errors that reach the user as one clear line (the CLI prints ``Error: ...`` and exits 1)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BotAnalysisError",
    "ConfigError",
    "IngestFailed",
    "InputError",
    "InvariantError",
    "ReportError",
]


class BotAnalysisError(Exception):
    """Base class of every error whose message is meant for the user."""


class InputError(BotAnalysisError):
    """An input file is missing, unreadable or of an unknown format."""


class IngestFailed(InputError):
    """Ingest finished, but its result cannot be analyzed.

    Ingest finished but its result cannot be analyzed (a file read with the wrong reader,
    nothing accepted). ``result`` is the partial result, so that rejects.csv and run.json can
    still be written.
    """

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class ConfigError(BotAnalysisError):
    """A configuration value is out of range or of the wrong type."""


class InvariantError(BotAnalysisError):
    """A bookkeeping invariant failed (e.g. rows read != accepted + rejected + duplicates)."""


class ReportError(BotAnalysisError):
    """The output folder cannot be written."""
