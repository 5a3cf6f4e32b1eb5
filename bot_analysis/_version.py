"""The package version, in a module of its own (the stages import it; the package imports them)."""

__version__ = "0.1.0"
