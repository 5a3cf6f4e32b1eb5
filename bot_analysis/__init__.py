"""bot_analysis: find coordinated inauthentic commenting in exported social-media comment dumps.

The public API is small: :func:`analyze` runs every stage, :func:`load_comments` only ingests,
:class:`Config` holds every parameter.
"""

from __future__ import annotations

from ._version import __version__
from .config import Config, load_config
from .errors import BotAnalysisError, ConfigError, InputError
from .pipeline import Result, analyze, write_outputs

__all__ = [
    "BotAnalysisError",
    "Config",
    "ConfigError",
    "InputError",
    "Result",
    "__version__",
    "analyze",
    "load_comments",
    "load_config",
    "write_outputs",
]


def load_comments(inputs, config=None):  # type: ignore[no-untyped-def]
    """Read dump files into the canonical comment table (see ``schema.py``).

    Returns the :class:`~bot_analysis.ingest.IngestResult` (``comments``, ``rejects``, ``files``).
    """
    from .ingest import read_inputs

    cfg = config or Config()
    return read_inputs(list(inputs), cfg.ingest)
