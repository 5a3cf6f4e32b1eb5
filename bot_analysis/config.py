"""Every tunable parameter, with its default and a one-line reason; loaded from TOML or flags.

Config objects are frozen dataclasses, one per stage, nested in :class:`Config`. Values are
checked when the object is built, so a bad value fails before any work starts.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["Config", "IngestConfig", "bad_value", "load_config"]


def bad_value(key: str, value: object, allowed: str) -> ConfigError:
    """Return the one error message every config check uses."""
    return ConfigError(
        f"{key} must be {allowed}; got {value!r}. Fix it in your config file "
        "or delete the line to use the default."
    )


@dataclass(frozen=True)
class IngestConfig:
    """Parameters of the ingest stage."""

    batch_rows: int = 200_000
    """Rows per batch: bounds memory (~100 MB of Python objects per JSON batch)."""
    block_bytes: int = 16 * 1024 * 1024
    """Bytes read per block from CSV and JSONL files: bounds memory; 16 MB measured fastest."""
    naive_tz: str | None = None
    """Time zone for timestamps without an offset; None rejects them (reason naive_timestamp)."""
    youtube_video_id: str | None = None
    """Video id for youtube-comment-downloader files (default: taken from the file name)."""
    mapping: tuple[tuple[str, str], ...] = ()
    """Explicit canonical=source column mapping for generic files (--map)."""

    def __post_init__(self) -> None:
        if not isinstance(self.batch_rows, int) or self.batch_rows < 1_000:
            raise bad_value("ingest.batch_rows", self.batch_rows, "an int >= 1000")
        if not isinstance(self.block_bytes, int) or self.block_bytes < 64 * 1024:
            raise bad_value("ingest.block_bytes", self.block_bytes, "an int >= 65536")
        if self.naive_tz is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(self.naive_tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise bad_value("ingest.naive_tz", self.naive_tz, "an IANA time zone") from None


@dataclass(frozen=True)
class Config:
    """All parameters of a run. ``seed`` feeds every random step."""

    seed: int = 0
    """One seed for every random step (MinHash permutations, community detection)."""
    ingest: IngestConfig = field(default_factory=IngestConfig)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise bad_value("seed", self.seed, "a non-negative int")

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as plain JSON-able data (recorded in run.json)."""
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Config:
        """Return a copy with ``section.key`` or top-level keys changed."""
        return _apply(self, changes)


_SECTIONS = {"ingest": IngestConfig}


def _apply(cfg: Config, changes: dict[str, Any]) -> Config:
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        section, _, name = key.partition(".")
        if name:
            if section not in _SECTIONS:
                raise ConfigError(f"unknown config section {section!r}; known: {sorted(_SECTIONS)}")
            nested.setdefault(section, {})[name] = value
        else:
            top[key] = value
    for section, values in nested.items():
        current = getattr(cfg, section)
        known = {f.name for f in dataclasses.fields(current)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(
                f"unknown key(s) {sorted(unknown)} in [{section}]; known: {sorted(known)}"
            )
        top[section] = dataclasses.replace(current, **values)
    known_top = {f.name for f in dataclasses.fields(cfg)}
    unknown = set(top) - known_top
    if unknown:
        raise ConfigError(f"unknown config key(s) {sorted(unknown)}; known: {sorted(known_top)}")
    return dataclasses.replace(cfg, **top)


def load_config(path: str | Path | None) -> Config:
    """Read a TOML config file (sections named after stages); None gives the defaults."""
    cfg = Config()
    if path is None:
        return cfg
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for k, v in value.items():
                flat[f"{key}.{k}"] = tuple(map(tuple, v)) if k == "mapping" else v
        else:
            flat[key] = value
    return _apply(cfg, flat)
