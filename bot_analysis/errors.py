"""Errors that reach the user as one clear line (the CLI prints ``Error: ...`` and exits 1)."""

from __future__ import annotations

__all__ = ["BotAnalysisError", "ConfigError", "InputError", "InvariantError", "ReportError"]


class BotAnalysisError(Exception):
    """Base class of every error whose message is meant for the user."""


class InputError(BotAnalysisError):
    """An input file is missing, unreadable or of an unknown format."""


class ConfigError(BotAnalysisError):
    """A configuration value is out of range or of the wrong type."""


class InvariantError(BotAnalysisError):
    """A bookkeeping invariant failed (e.g. rows read != accepted + rejected + duplicates)."""


class ReportError(BotAnalysisError):
    """The output folder cannot be written."""
