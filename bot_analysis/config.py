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

__all__ = ["Config", "IngestConfig", "NearDupConfig", "bad_value", "load_config"]


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
class NearDupConfig:
    """Parameters of near-duplicate detection (text normalization, MinHash, LSH, clusters)."""

    num_perm: int = 128
    """MinHash permutations; the Jaccard estimate's standard error is at most 0.045 at 128."""
    threshold: float = 0.6
    """Jaccard similarity of shingle sets above which two texts are near-duplicates; copies of
    a talking point with a synonym swap and a greeting prefix score ~0.65-0.8 on word 1+2-grams."""
    bands: int | None = None
    """LSH bands; None takes datasketch's optimal (bands, rows) for the threshold."""
    rows: int | None = None
    """LSH rows per band (with bands); bands * rows must not exceed num_perm."""
    min_words: int = 6
    """Texts with fewer tokens are shingled by characters (word sets of short texts are brittle)."""
    word_ngrams: tuple[int, ...] = (1, 2)
    """Word n-gram sizes for longer texts: unigrams tolerate swaps, bigrams keep specificity."""
    char_n: int = 3
    """Character n-gram size for short texts."""
    max_bucket_pairs: int = 32
    """An LSH bucket pairs each text with at most this many bucket neighbours (plus the bucket's
    first text): bounded work when thousands of copies share a bucket."""
    cohesion: float = 0.35
    """A cluster member whose estimated Jaccard with the cluster's centre falls below this is
    split off, so chains of weakly similar texts do not merge unrelated talking points."""
    min_tokens: int = 4
    """Clusters whose texts have fewer distinct word tokens carry no information ("+1")."""
    min_info_bits: float = 32.0
    """... nor do texts whose tokens' summed inverse document frequency (bits) is below this."""

    def __post_init__(self) -> None:
        if not 16 <= self.num_perm <= 1024:
            raise bad_value("neardup.num_perm", self.num_perm, "an int in [16, 1024]")
        if not 0 < self.threshold <= 1:
            raise bad_value("neardup.threshold", self.threshold, "a float in (0, 1]")
        if (self.bands is None) != (self.rows is None):
            raise bad_value("neardup.bands/rows", (self.bands, self.rows), "both set or both None")
        if (
            self.bands is not None
            and self.rows is not None
            and self.bands * self.rows > self.num_perm
        ):
            raise bad_value(
                "neardup.bands*rows", self.bands * self.rows, f"<= num_perm ({self.num_perm})"
            )
        if not self.word_ngrams or not set(self.word_ngrams) <= {1, 2}:
            raise bad_value("neardup.word_ngrams", self.word_ngrams, "a non-empty subset of (1, 2)")
        if not 2 <= self.char_n <= 8:
            raise bad_value("neardup.char_n", self.char_n, "an int in [2, 8]")
        if self.max_bucket_pairs < 1:
            raise bad_value("neardup.max_bucket_pairs", self.max_bucket_pairs, "an int >= 1")
        if not 0 <= self.cohesion <= 1:
            raise bad_value("neardup.cohesion", self.cohesion, "a float in [0, 1]")


@dataclass(frozen=True)
class Config:
    """All parameters of a run. ``seed`` feeds every random step."""

    seed: int = 0
    """One seed for every random step (MinHash permutations, community detection)."""
    ingest: IngestConfig = field(default_factory=IngestConfig)
    neardup: NearDupConfig = field(default_factory=NearDupConfig)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise bad_value("seed", self.seed, "a non-negative int")

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as plain JSON-able data (recorded in run.json)."""
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Config:
        """Return a copy with ``section.key`` or top-level keys changed."""
        return _apply(self, changes)


_SECTIONS = {"ingest": IngestConfig, "neardup": NearDupConfig}


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
                if k == "mapping":
                    v = tuple(map(tuple, v))
                elif isinstance(v, list):
                    v = tuple(v)
                flat[f"{key}.{k}"] = v
        else:
            flat[key] = value
    return _apply(cfg, flat)
