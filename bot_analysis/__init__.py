"""bot_analysis: find coordinated inauthentic commenting in exported social-media comment dumps.

The public API is small: :func:`analyze` runs every stage and :func:`load_comments` only
ingests, both returning a :class:`Result` of tables (``result.write(out)`` writes the files);
:class:`Config` holds every parameter.
"""

from __future__ import annotations

from ._version import __version__
from .config import Config, load_config
from .errors import BotAnalysisError, ConfigError, InputError
from .pipeline import analyze, load_comments
from .result import Result

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
]
