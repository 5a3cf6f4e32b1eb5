"""Every tunable parameter, with its default and a one-line reason; loaded from TOML or flags.

Config objects are frozen dataclasses, one per stage, nested in :class:`Config`. Values are
checked when the object is built, so a bad value fails before any work starts.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from .errors import ConfigError
from .schema import CANONICAL_SCHEMA, OPTIONAL_SCHEMA

__all__ = [
    "BurstConfig",
    "CampaignConfig",
    "Config",
    "CoordinationConfig",
    "IngestConfig",
    "NearDupConfig",
    "ReportConfig",
    "bad_value",
    "load_config",
]


def bad_value(key: str, value: object, allowed: str) -> ConfigError:
    """Return the one error message every config check uses.

    Parameters
    ----------
    key : str
        The parameter, as ``section.name``.
    value : object
        The value given.
    allowed : str
        What the parameter takes, in words.
    """
    return ConfigError(
        f"{key} must be {allowed}; got {value!r}. Fix it in your config file "
        "or delete the line to use the default."
    )


# The co-action kinds of the account graph, and the campaign sub-scores: the keys of the
# mappings below (a key that names nothing would fail deep inside a stage).
# (new kinds go last: a kind's code is its place here)
KINDS = ("text", "link", "hashtag", "thread", "share", "reply")
SUBSCORES = (
    "text_similarity",
    "synchrony",
    "burstiness",
    "volume_concentration",
    "thread_repetition",
    "shared_rare_items",
    "cross_platform",
)
# The columns --map may name: the canonical table's, but for the bookkeeping ones that every
# reader sets itself (see schema.py).
MAPPABLE = tuple(
    c
    for c in (*CANONICAL_SCHEMA, *OPTIONAL_SCHEMA)
    if c not in ("source", "source_format", "is_retweet", "time_approximate")
)


def _describe(hint: Any) -> str:
    """Return a type hint in words, for error messages."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is int:
        return "an int"
    if hint is float:
        return "a number"
    if hint is str:
        return "a string"
    if origin in (UnionType, Union):
        return " or ".join(
            "none (delete the line)" if a is type(None) else _describe(a) for a in args
        )
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return f"a list of {_describe(args[0])}"
    if origin is tuple:
        return f"a pair ({', '.join(_describe(a) for a in args)})"
    if origin is dict:
        return f"a table of {_describe(args[0])} = {_describe(args[1])}"
    return str(hint)


def _is(value: Any, hint: Any) -> bool:
    """Whether ``value`` has the type ``hint`` (the few hints Config uses)."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (UnionType, Union):
        return any(_is(value, a) for a in args)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_is(v, args[0]) for v in value)
        return len(value) == len(args) and all(_is(v, a) for v, a in zip(value, args, strict=True))
    if origin is dict:
        return isinstance(value, dict) and all(
            _is(k, args[0]) and _is(v, args[1]) for k, v in value.items()
        )
    raise TypeError(f"config type {hint!r} is not checked")  # a new field's type: add it


def _check_types(obj: Any, section: str) -> None:
    """Check every field of a config dataclass against its annotation (scikit-learn's wording).

    A string where a number belongs fails here, not deep inside a stage.
    """
    hints = get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        hint = hints[f.name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if not isinstance(getattr(obj, f.name), hint):
                raise bad_value(f.name, getattr(obj, f.name), f"a [{f.name}] section")
            continue
        value = getattr(obj, f.name)
        if not _is(value, hint):
            key = f"{section}.{f.name}" if section else f.name
            raise bad_value(key, value, _describe(hint))


def _check_keys(key: str, pairs: Any, allowed: tuple[str, ...], *, every: bool) -> None:
    """Keys of a mapping field: each among ``allowed`` (all of them when ``every``), once."""
    names = [k for k, _ in pairs]
    unknown = sorted(set(names) - set(allowed))
    repeated = sorted({k for k in names if names.count(k) > 1})
    missing = sorted(set(allowed) - set(names)) if every else []
    if unknown or repeated or missing:
        what = "every one of" if every else "keys among"
        problem = "; ".join(
            p
            for p in (
                f"unknown {unknown}" if unknown else "",
                f"repeated {repeated}" if repeated else "",
                f"missing {missing}" if missing else "",
            )
            if p
        )
        raise bad_value(key, dict(pairs), f"{what} {', '.join(allowed)} ({problem})")


def _in_range(key: str, value: float, lo: float, hi: float | None = None) -> None:
    """``lo <= value`` (and ``<= hi``)."""
    if value < lo or (hi is not None and value > hi):
        allowed = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise bad_value(key, value, allowed)


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
        _check_types(self, "ingest")
        _check_keys("ingest.mapping", self.mapping, MAPPABLE, every=False)
        if self.batch_rows < 1_000:
            raise bad_value("ingest.batch_rows", self.batch_rows, "an int >= 1000")
        if self.block_bytes < 64 * 1024:
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
    template_min_fills: int = 3
    """Texts alike but for name and number slots are a template (automation) when this many
    different fills of one template occur."""

    def __post_init__(self) -> None:
        _check_types(self, "neardup")
        _in_range("neardup.min_words", self.min_words, 1)
        _in_range("neardup.min_tokens", self.min_tokens, 0)
        _in_range("neardup.min_info_bits", self.min_info_bits, 0)
        _in_range("neardup.template_min_fills", self.template_min_fills, 2)
        for k in ("bands", "rows"):
            if getattr(self, k) is not None:
                _in_range(f"neardup.{k}", getattr(self, k), 1)
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
class CoordinationConfig:
    """Parameters of the account co-action graph."""

    window_s: dict[str, float] | None = None
    """Co-action window per kind in seconds; a kind left out is estimated from the data as
    CooRnet's ``estimate_coord_interval`` does (see window_fastest and window_reach)."""
    window_fastest: float = 0.1
    """The estimate looks at this share of items: those whose second account came fastest
    (CooRnet's q)."""
    window_reach: float = 0.5
    """... and takes the median time they need to pass this share of their accounts
    (CooRnet's p)."""
    window_min_s: float = 60.0
    """A guard: the estimated window is at least this long (time stamps are often minutes)."""
    window_max_s: float = 3600.0
    """... and at most this long (a warning says when this bound decides). It is also the
    slow scale: where the estimate is shorter, co-actions within this long are tested too
    (operators working through a list), and a pair's p-value is the better of the two,
    doubled."""
    thread_window_max_s: float = 600.0
    """Being on the same thread counts only within ten minutes: threads are busy for hours
    (the thread kind's upper bound and slow scale)."""
    max_neighbours: int = 16
    """Each event is paired with at most this many later events of the same item within the
    window (time order): linear work however many accounts share one item."""
    fdr: float = 0.01
    """Edges are significant at this false discovery rate over all pairs tested
    (Benjamini-Hochberg on the Poisson p-values): the share of chance edges stays this small
    however large the dump."""
    min_items: int = 2
    """... and it co-acted on at least this many distinct items: one shared item (a greeting
    two hyperactive people both repeat) is no pattern, however rare, among millions of pairs."""
    kind_weights: tuple[tuple[str, float], ...] = (
        ("text", 1.0),
        ("link", 0.6),
        ("hashtag", 0.6),
        ("thread", 0.25),
        ("share", 0.8),
        ("reply", 0.5),
    )
    """Weight of each co-action kind in an account's score (a kind left out keeps its
    default): the same words weigh most, then re-sharing the same posts (co-retweet);
    answering the same comments and sharing links or hashtags less; being on the same threads
    alone (a fan group) weighs little and only beside content co-actions."""
    full_significance: float = 10.0
    """An edge counts fully toward its accounts' scores at this -log10 p (p = 1e-10), weaker
    ones in proportion."""
    score_scale: float = 3.0
    """An account's coordination score is ``1 - exp(-strength / score_scale)``: three full
    edges give 0.63, six 0.86."""
    louvain_top_k: int = 30
    """Community detection keeps each account's strongest edges only (sparsification)."""
    min_community_score: float = 0.5
    """A community whose mean account score reaches this is scored as coordinated."""

    def __post_init__(self) -> None:
        _check_types(self, "coordination")
        _check_keys("coordination.kind_weights", self.kind_weights, KINDS, every=False)
        given = dict(self.kind_weights)
        defaults = dict(type(self).kind_weights)  # the class attribute: the field's default
        object.__setattr__(
            self, "kind_weights", tuple((k, float(given.get(k, defaults[k]))) for k in KINDS)
        )
        for kind, w in self.kind_weights:
            _in_range(f"coordination.kind_weights.{kind}", w, 0)
        _in_range("coordination.thread_window_max_s", self.thread_window_max_s, 1)
        _in_range("coordination.min_items", self.min_items, 1)
        _in_range("coordination.louvain_top_k", self.louvain_top_k, 1)
        _in_range("coordination.full_significance", self.full_significance, 1)
        _in_range("coordination.score_scale", self.score_scale, 0.1)
        _in_range("coordination.min_community_score", self.min_community_score, 0, 1)
        for name in ("window_fastest", "window_reach"):
            if not 0 < getattr(self, name) < 1:
                raise bad_value(f"coordination.{name}", getattr(self, name), "in (0, 1)")
        if not 0 < self.window_min_s <= self.window_max_s:
            raise bad_value(
                "coordination.window_min_s", self.window_min_s, "positive and <= window_max_s"
            )
        if self.max_neighbours < 1:
            raise bad_value("coordination.max_neighbours", self.max_neighbours, "an int >= 1")
        if not 0 < self.fdr < 1:
            raise bad_value("coordination.fdr", self.fdr, "a float in (0, 1)")
        if self.window_s is not None:
            _check_keys("coordination.window_s", self.window_s.items(), KINDS, every=False)
            for kind, w in self.window_s.items():
                if not w > 0:
                    raise bad_value(f"coordination.window_s.{kind}", w, "a number of seconds > 0")


@dataclass(frozen=True)
class BurstConfig:
    """Parameters of burst detection (Kleinberg): one grid of bins for every series."""

    bin_s: int = 3600
    """Bin width (seconds): an hour resolves a two-day burst into 48 bins. Every series (the
    dump, clusters, threads, campaign candidates) shares the bins of the dump's time span."""
    levels: int = 3
    """Automaton states (base, burst, strong burst)."""
    s: float = 3.0
    """Rate ratio between consecutive burst states."""
    gamma: float = 1.0
    """Cost of moving up one burst level, in units of ln(number of bins)."""
    min_cluster_comments: int = 10
    """The report's burst series: clusters with at least this many comments ..."""
    min_thread_comments: int = 20
    """... and threads with at least this many (campaign candidates are series whatever
    their size: their burstiness is a sub-score)."""

    def __post_init__(self) -> None:
        _check_types(self, "bursts")
        if self.bin_s < 60:
            raise bad_value("bursts.bin_s", self.bin_s, "an int >= 60")
        _in_range("bursts.levels", self.levels, 2)
        _in_range("bursts.s", self.s, 1.01)
        _in_range("bursts.gamma", self.gamma, 0)
        _in_range("bursts.min_cluster_comments", self.min_cluster_comments, 2)
        _in_range("bursts.min_thread_comments", self.min_thread_comments, 2)


@dataclass(frozen=True)
class CampaignConfig:
    """Parameters of campaign assembly and scoring."""

    flag_threshold: float = 0.55
    """A candidate is flagged as a campaign when its score reaches this (0-1)."""
    min_accounts: int = 3
    """Fewer accounts than this is not a campaign, whatever the score."""
    min_cluster_accounts: int = 10
    """Large informative clusters not inside a coordinated community are listed as candidates
    too (not flagged unless their score says so) when they have this many accounts."""
    min_sharing_accounts: int = 3
    """A talking point, link, hashtag or answered comment is a candidate's shared content (and
    joins communities into one candidate) when this many of its accounts use it."""
    rare_item_share: float = 0.8
    """... and a link or hashtag is the candidate's rare item when its accounts are at least
    this share of the item's users."""
    dominated_share: float = 0.5
    """A cluster or link is the candidate's own when its accounts are at least this share of
    its users: quieter accounts posting it repeatedly join the candidate."""
    same_accounts_share: float = 0.5
    """Large clusters outside the communities whose smaller one's accounts are at least this
    share of the other's are one candidate (a group pushing three texts, not three memes)."""
    template_share: float = 0.5
    """A candidate with at least this share of slot-template texts is automation, not a
    campaign (never flagged)."""
    weights: tuple[tuple[str, float], ...] = (
        ("text_similarity", 0.25),
        ("synchrony", 0.35),
        ("burstiness", 0.1),
        ("volume_concentration", 0.1),
        ("thread_repetition", 0.1),
        ("shared_rare_items", 0.05),
        ("cross_platform", 0.05),
    )
    """Weights of the sub-scores in the campaign score (they sum to 1)."""

    def __post_init__(self) -> None:
        _check_types(self, "campaigns")
        _check_keys("campaigns.weights", self.weights, SUBSCORES, every=True)
        for k, w in self.weights:
            _in_range(f"campaigns.weights.{k}", w, 0, 1)
        _in_range("campaigns.min_accounts", self.min_accounts, 1)
        _in_range("campaigns.min_cluster_accounts", self.min_cluster_accounts, 1)
        _in_range("campaigns.min_sharing_accounts", self.min_sharing_accounts, 2)
        for name in ("rare_item_share", "dominated_share", "same_accounts_share", "template_share"):
            _in_range(f"campaigns.{name}", getattr(self, name), 0, 1)
        if not 0 < self.flag_threshold <= 1:
            raise bad_value("campaigns.flag_threshold", self.flag_threshold, "in (0, 1]")
        total = sum(w for _, w in self.weights)
        if abs(total - 1) > 1e-6:
            raise bad_value("campaigns.weights", self.weights, "weights summing to 1")


@dataclass(frozen=True)
class ReportConfig:
    """Parameters of the HTML report."""

    max_campaign_figures: int = 12
    """The highest-scoring flagged campaigns get figures (a timeline and an account graph);
    every flagged campaign gets its card either way."""

    max_clusters_per_campaign: int = 50
    """Each flagged campaign's card lists its largest clusters up to this many (linked to the
    clusters table); clusters.csv has every one. A real operation can post tens of thousands
    of near-duplicate texts: listing them all made the IRA report 20 MB."""

    def __post_init__(self) -> None:
        _check_types(self, "report")
        _in_range("report.max_campaign_figures", self.max_campaign_figures, 0)
        _in_range("report.max_clusters_per_campaign", self.max_clusters_per_campaign, 1)


@dataclass(frozen=True)
class Config:
    """All parameters of a run. ``seed`` feeds every random step."""

    seed: int = 0
    """One seed for every random step (MinHash permutations, community detection)."""
    ingest: IngestConfig = field(default_factory=IngestConfig)
    neardup: NearDupConfig = field(default_factory=NearDupConfig)
    coordination: CoordinationConfig = field(default_factory=CoordinationConfig)
    bursts: BurstConfig = field(default_factory=BurstConfig)
    campaigns: CampaignConfig = field(default_factory=CampaignConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    work_dir: str | None = None
    """Folder for the run's temporary files (the MinHash signatures, 512 bytes per distinct
    text, written there by the workers and read by the client; deleted after the stage).
    Default: the system's temporary folder (``TMPDIR``). Pick a disk with room, not a RAM
    disk, for dumps of tens of millions of comments."""
    memory_budget_mb: int | None = None
    """Memory the run may use, in MB; default: half of this machine's RAM. When the comment
    table takes more than a quarter of it, the columns that only the output files need
    (source, URL, account name, likes, parent id, flags) wait in ``work_dir`` as Parquet
    while the stages run, and are streamed back into the outputs (about 200 B per comment)."""

    def __post_init__(self) -> None:
        _check_types(self, "")
        if self.seed < 0:
            raise bad_value("seed", self.seed, "a non-negative int")
        if self.memory_budget_mb is not None and self.memory_budget_mb < 1:
            raise bad_value("memory_budget_mb", self.memory_budget_mb, "an int >= 1 (MB)")

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as plain JSON-able data (recorded in run.json)."""
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Config:
        """Return a copy with ``section.key`` or top-level keys changed."""
        return _apply(self, changes)


_SECTIONS = {
    "ingest": IngestConfig,
    "neardup": NearDupConfig,
    "coordination": CoordinationConfig,
    "bursts": BurstConfig,
    "campaigns": CampaignConfig,
    "report": ReportConfig,
}


# keys of earlier versions and where they live now (a config file that names one is told)
_MOVED = {
    "campaigns.bin_s": "campaigns.bin_s is bursts.bin_s",
    "campaigns.burst_levels": "campaigns.burst_levels is bursts.levels",
    "campaigns.burst_s": "campaigns.burst_s is bursts.s",
    "campaigns.burst_gamma": "campaigns.burst_gamma is bursts.gamma",
    "campaigns.burst_min_cluster_comments": (
        "campaigns.burst_min_cluster_comments is bursts.min_cluster_comments"
    ),
    "campaigns.burst_min_thread_comments": (
        "campaigns.burst_min_thread_comments is bursts.min_thread_comments"
    ),
}


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
        moved = sorted(_MOVED.get(f"{section}.{k}", "") for k in unknown) if unknown else []
        if any(moved):
            raise ConfigError(f"these keys moved: {', '.join(m for m in moved if m)}")
        if unknown:
            raise ConfigError(
                f"unknown key(s) {sorted(unknown)} in [{section}]; known: {sorted(known)}"
            )
        hints = get_type_hints(type(current))
        values = {k: _from_toml(v, hints[k]) for k, v in values.items()}
        top[section] = dataclasses.replace(current, **values)
    known_top = {f.name for f in dataclasses.fields(cfg)}
    unknown = set(top) - known_top
    if unknown:
        raise ConfigError(f"unknown config key(s) {sorted(unknown)}; known: {sorted(known_top)}")
    return dataclasses.replace(cfg, **top)


def _from_toml(value: Any, hint: Any) -> Any:
    """TOML's shapes to the field's.

    Arrays to tuples, a table to (key, value) pairs where the field holds pairs (``weights =
    {synchrony = 0.4, ...}``).
    """
    pairs = get_origin(hint) is tuple and get_origin(get_args(hint)[0]) is tuple
    if isinstance(value, dict) and pairs:
        return tuple(value.items())
    if isinstance(value, list):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


def load_config(path: str | Path | None) -> Config:
    """Read a TOML config file (sections named after stages); None gives the defaults.

    Parameters
    ----------
    path : str or Path or None
        The TOML file; None gives the defaults.
    """
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
                flat[f"{key}.{k}"] = v
        else:
            flat[key] = value
    return _apply(cfg, flat)
