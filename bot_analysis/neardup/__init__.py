"""Near-duplicate comments: normalized texts -> MinHash signatures -> LSH candidates -> clusters.

Work is done once per distinct text: identical raw texts are normalized once, identical
normalized texts become one node. Each node's shingles (see :mod:`bot_analysis.neardup.text`) are
MinHashed with datasketch's own ``affine32`` scheme and permutations (``MinHash(seed=...)``),
computed in numpy batch by batch; the signatures are bit-identical to ``datasketch.MinHash``
fed the same shingle hashes. LSH banding uses datasketch's optimal (bands, rows) for the
threshold; a bucket pairs each node with a bounded number of bucket neighbours, so thousands
of copies in one bucket cost linear, not quadratic, work. Candidate pairs are verified on the
signatures (estimated Jaccard >= threshold) and clustered as connected components, split where
a member is too far from its component's centre (cohesion), so that chains of weakly similar
texts cannot merge unrelated talking points.

References
----------
.. [1] A. Broder, "On the resemblance and containment of documents", 1997.
.. [2] J. Leskovec, A. Rajaraman, J. Ullman, "Mining of Massive Datasets", ch. 3 (LSH).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from .._numba import run_rows
from ..config import NearDupConfig
from ..schema import is_repost
from ._kernels import (
    bucket_pair_keys,
    components_and_centres,
    count_equal,
    keep_edges,
    minhash_rows,
)
from .text import (
    URL_PATTERN,
    extract_hashtags,
    extract_urls,
    normalize_texts,
    shingle,
    slot_keys,
    unique,
)

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "NearDupResult",
    "band_buckets",
    "bucket_pairs",
    "find_clusters",
    "lsh_params",
    "minhash_signatures",
    "node_signatures",
    "text_features",
    "text_signatures",
]
log = logging.getLogger(__name__)


@dataclass
class NearDupResult:
    """``comments``: the input plus text_norm, urls, hashtags, node, cluster_id.
    ``clusters``: one row per cluster (see :func:`find_clusters`)."""

    comments: pl.DataFrame
    clusters: pl.DataFrame
    stats: dict


def lsh_params(cfg: NearDupConfig) -> tuple[int, int]:
    """(bands, rows): the configured ones, else datasketch's optimum for the threshold.

    Examples
    --------
    >>> lsh_params(NearDupConfig(threshold=0.6, num_perm=128))
    (18, 7)
    """
    if cfg.bands is not None and cfg.rows is not None:
        return cfg.bands, cfg.rows
    return _optimal_lsh(cfg.threshold, cfg.num_perm)


@functools.cache
def _optimal_lsh(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's optimum (it integrates numerically: 0.16 s a call, so once per process)."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)  # type: ignore[no-any-return]


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    a, b = m.permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def minhash_signatures(
    offsets: np.ndarray, hashes: np.ndarray, num_perm: int, seed: int, threads: int = 2
) -> np.ndarray:
    """MinHash signatures (n x num_perm, uint32) of sets given in CSR form.

    Equal to ``datasketch.MinHash(num_perm, seed, hashfunc=lambda x: x)`` updated with each
    set's 32-bit hashes (datasketch's ``affine32`` scheme: fmix32, then ``a * h + b`` mod 2^32).
    Every set must be non-empty.
    """
    a, b = _permutations(num_perm, seed)
    n = len(offsets) - 1
    out = np.empty((n, num_perm), dtype=np.uint32)
    run_rows(minhash_rows, n, offsets, hashes, a, b, out, threads=threads)
    return out


def _band_keys(sig: np.ndarray, band: int, rows: int) -> np.ndarray:
    """64-bit key of each row's band; the top byte holds the band, so that equal keys are
    always the same band."""
    cols = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
    key = np.full(len(sig), 0x9E3779B97F4A7C15 ^ band, dtype=np.uint64)
    for j in range(cols.shape[1]):
        key = (key ^ cols[:, j]) * np.uint64(0xFF51AFD7ED558CCD)
        key ^= key >> np.uint64(33)
    return (key & np.uint64(0x00FFFFFFFFFFFFFF)) | np.uint64((band & 0xFF) << 56)


def band_buckets(
    sig: np.ndarray, first_node: int, bands: int, rows: int, n_buckets: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Partition function, map side of the LSH shuffle: every (band key, node) of a block of
    signatures (rows ``first_node ...`` of the whole), split into ``n_buckets`` by band
    (bucket ``j`` holds bands ``j, j + n_buckets, ...``; equal keys are always one band)."""
    nodes = np.arange(first_node, first_node + len(sig), dtype=np.int32)
    return [
        (
            np.concatenate(
                [_band_keys(sig, b, rows) for b in range(j, bands, n_buckets)] or [_NO_KEYS]
            ),
            np.tile(nodes, len(range(j, bands, n_buckets))),
        )
        for j in range(n_buckets)
    ]


_NO_KEYS = np.zeros(0, np.uint64)


def bucket_pairs(
    pieces: list[tuple[np.ndarray, np.ndarray]],
    max_bucket_pairs: int | None,
    node_maps: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Partition function, reduce side of the LSH shuffle: candidate pairs (i < j) among the
    (key, node) pieces of one bucket, given in node-block order, packed ``i << 32 | j``; a
    pair found in several bands of the bucket repeats (:func:`_merged_pairs` drops copies).

    With ``max_bucket_pairs=None`` every pair sharing a key is returned (as datasketch's
    ``MinHashLSH`` would find); otherwise each member is paired with the next
    ``max_bucket_pairs`` members of its key and with the key's first member. ``node_maps``
    (one per piece) turn a piece's node numbers into the whole's, -1 dropping the row.
    """
    if node_maps is not None:
        pieces = [_mapped(k, n, m) for (k, n), m in zip(pieces, node_maps, strict=True)]
    keys = np.concatenate([k for k, _ in pieces]) if pieces else np.zeros(0, np.uint64)
    nodes = np.concatenate([n for _, n in pieces]) if pieces else np.zeros(0, np.int32)
    # by key, then node (polars sorts on every core; several times numpy's stable argsort)
    by_key = pl.DataFrame({"k": keys, "n": nodes}).sort("k", "n")
    del keys, nodes
    window = by_key.height if max_bucket_pairs is None else max_bucket_pairs
    return bucket_pair_keys(by_key["k"].to_numpy(), by_key["n"].to_numpy(), window)


def _mapped(
    keys: np.ndarray, nodes: np.ndarray, node_map: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    to = node_map[nodes]
    keep = to >= 0
    return keys[keep], to[keep]


def _merged_pairs(parts: list[np.ndarray]) -> np.ndarray:
    """The distinct pairs of buckets' :func:`bucket_pairs`, sorted, as an (m, 2) int64 array."""
    # polars' hash unique runs on every core: several times a sort
    key = pl.Series(np.concatenate(parts or [np.zeros(0, np.int64)])).unique().sort()
    key = key.to_numpy()
    return np.stack([key >> 32, key & 0xFFFFFFFF], axis=1)


def lsh_candidate_pairs(
    sig: np.ndarray, bands: int, rows: int, max_bucket_pairs: int | None
) -> np.ndarray:
    """Pairs (i < j) of rows that share at least one band, as an (m, 2) int64 array
    (:func:`band_buckets` then :func:`bucket_pairs`, in this process)."""
    return _merged_pairs([bucket_pairs(band_buckets(sig, 0, bands, rows, 1), max_bucket_pairs)])


def text_features(texts: pl.Series) -> pl.DataFrame:
    """Partition function: ``text_norm``, ``urls``, ``hashtags`` of distinct texts."""
    return pl.DataFrame([normalize_texts(texts), extract_urls(texts), extract_hashtags(texts)])


def node_signatures(
    norm: pl.Series, cfg: NearDupConfig, seed: int, first_node: int, n_buckets: int, threads: int
) -> tuple[Any, ...]:
    """Partition function: MinHash signatures of a block of normalized texts.

    Returns (signatures n x num_perm, tokens per text, word-token hashes, their text index,
    the block's band keys by LSH bucket: see :func:`band_buckets`).
    """
    sh = shingle(norm.to_list(), cfg.min_words, tuple(cfg.word_ngrams), cfg.char_n)
    sig = minhash_signatures(sh.offsets, sh.hashes, cfg.num_perm, seed, threads)
    bands, rows = lsh_params(cfg)
    keyed = band_buckets(sig, first_node, bands, rows, n_buckets)
    return sig, sh.n_tokens, sh.token_hashes, sh.token_text, keyed


def text_signatures(
    texts: pl.Series,
    cfg: NearDupConfig,
    seed: int,
    n_buckets: int,
    threads: int,
    sig_file: str | None = None,
) -> tuple[Any, ...]:
    """Partition function: :func:`text_features` of a block of distinct texts, then
    :func:`node_signatures` of the block's distinct normalized texts (numbered from 0).

    Returns (features, the distinct normalized texts, then what :func:`node_signatures`
    returns). With ``sig_file`` (a path on this machine) the signatures are written there
    and None is returned in their place: nothing big goes through a pipe.
    """
    feats = text_features(texts)
    norm = feats["text_norm"].unique(maintain_order=True)
    sig, *rest = node_signatures(norm, cfg, seed, 0, n_buckets, threads)
    if sig_file is not None:
        sig.tofile(sig_file)
        sig = None
    return (feats, norm, sig, *rest)


def _blocks(n: int, engine: Engine, min_rows: int = 50_000, max_rows: int = 250_000) -> list[range]:
    """Row ranges for partitions: a few per worker, each between ``min_rows`` and ``max_rows``
    (the result never depends on them)."""
    size = max(min_rows, min(max_rows, -(-n // max(1, 3 * engine.workers))))
    return [range(k, min(k + size, n)) for k in range(0, n, size)] or [range(0)]


def _estimated_jaccard(sig: np.ndarray, pairs: np.ndarray, threads: int = 2) -> np.ndarray:
    same = np.empty(len(pairs), dtype=np.int64)
    run_rows(count_equal, len(pairs), sig, pairs[:, 0], pairs[:, 1], same, threads=threads)
    return (same / sig.shape[1]).astype(np.float32)


def _cluster(sig: np.ndarray, edges: np.ndarray, cohesion: float) -> np.ndarray:
    """Component label per node (-1 for nodes without edges), split by cohesion.

    Each round takes every component of the remaining edges, keeps the members that are
    within ``cohesion`` of its centre (its highest-degree node, ties: lowest id) as one
    group, and goes on with the edges among the far members. A round costs what the
    remaining edges and their nodes cost, with no sorting: a chained component that peels
    off one centre at a time (hundreds of rounds at 10M comments) stays linear per round.
    """
    labels = np.full(len(sig), -1, dtype=np.int64)
    if not len(edges):
        return labels
    nodes, ce = unique(edges.ravel(), return_inverse=True)  # compact ids, ascending
    left, right = ce[0::2].copy(), ce[1::2].copy()
    width = sig.shape[1]
    next_label = 0
    while len(left):
        m = len(nodes)
        # components numbered by smallest member; centre: the highest degree, ties to the
        # lowest id (ids ascend with compact ids)
        comp, n_comp, centres = components_and_centres(left, right, m)
        centre = nodes[centres][comp]
        same = np.empty(m, dtype=np.int64)
        # the workers are idle while this process clusters: both cores compare
        run_rows(count_equal, m, sig, nodes, centre, same, threads=2)
        far = same / width < cohesion
        labels[nodes[~far]] = comp[~far] + next_label  # a centre is always kept
        next_label += n_comp
        left, right, old = keep_edges(left, right, far)
        nodes = nodes[old]
    return labels


def find_clusters(
    comments: pl.DataFrame,
    cfg: NearDupConfig,
    seed: int = 0,
    engine: Engine | None = None,
    work_dir: str | None = None,
) -> NearDupResult:
    """Find near-duplicate clusters among ``comments``.

    Parameters
    ----------
    comments : pl.DataFrame
        The canonical table (``comment_id``, ``account_id``, ``created_at``, ``text``, ...).
    cfg : NearDupConfig
    seed : int
        MinHash permutation seed.
    engine : Engine, optional
        Runs the partition functions (:func:`text_signatures`, the LSH shuffle
        :func:`band_buckets` -> :func:`bucket_pairs`); default: in this process.
    work_dir : str, optional
        Where the local engine's workers write the signatures for this process to read
        (default: the system's temporary folder); deleted before returning.

    Returns
    -------
    NearDupResult
        ``comments`` with ``text_norm``, ``urls`` (found in the text and carried beside it,
        per-post wrappers left out), ``hashtags``, ``cluster_id`` (null when the comment is
        in no cluster; reposts never are), ``cluster_informative`` and ``share_item`` (see
        :func:`share_items`); ``clusters`` with
        ``cluster_id, n_comments, n_accounts, n_texts, first_seen, last_seen,
        representative_text, text_norm, n_tokens, info_bits, informative``. A cluster holds
        at least two comments; ids are content-derived and stable for an input and seed.
    """
    from ..engine import LocalEngine

    engine = engine or LocalEngine(1)
    texts = comments.select(pl.col("text").unique(maintain_order=True))["text"]
    blocks = _blocks(len(texts), engine)
    threads = 2 if engine.workers == 1 else 1  # inline: both cores; on a pool: one each
    # The LSH shuffle: on Dask each bucket's keys move worker to worker. The local engine
    # pairs in this process (shipping the keys to a worker and back costs more than it
    # saves), a bucket of a few bands at a time, freeing each bucket's keys once paired.
    shuffle = engine.name == "dask"
    bands, rows = lsh_params(cfg)
    n_buckets = engine.workers if shuffle else min(bands, 6)
    # One task per block of texts normalizes and signs. Workers on this machine write the
    # signatures to files that this process reads: nothing big goes through a pipe.
    tmp = None
    if engine.name == "local":
        tmp = tempfile.TemporaryDirectory(prefix="bot_analysis_", dir=work_dir)
    files = [
        None if tmp is None else str(Path(tmp.name) / f"sig{i}.u32") for i in range(len(blocks))
    ]
    handles = [
        engine.submit(text_signatures, texts[b.start : b.stop], cfg, seed, n_buckets, threads, f)
        for b, f in zip(blocks, files, strict=True)
    ]
    firsts = engine.gather([engine.take(h, 0) for h in handles])
    raw = pl.concat(firsts).with_columns(texts)
    del firsts
    # Nodes: distinct normalized texts in order of first appearance. A text normalized alike
    # in two blocks was signed in both; the first block's copy of everything is used.
    local = pl.concat(
        [
            pl.DataFrame({"text_norm": bn, "block": np.full(len(bn), i, dtype=np.int32)})
            for i, bn in enumerate(engine.gather([engine.take(h, 1) for h in handles]))
        ]
    )
    nodes = local.select(pl.col("text_norm").unique(maintain_order=True)).with_row_index("node")
    local = local.join(nodes, on="text_norm", how="left", maintain_order="left").with_columns(
        pl.col("node").is_first_distinct().alias("first")
    )
    raw = raw.join(nodes, on="text_norm", how="left", maintain_order="left")
    n = nodes.height
    del nodes
    # per block: its node number -> the whole's (-1 where an earlier block has the text)
    node_maps = [
        np.where(g["first"].to_numpy(), g["node"].to_numpy().astype(np.int64), -1)
        for g in local.partition_by("block", maintain_order=True, include_key=False)
    ] or [np.zeros(0, np.int64)]
    del local
    keyed = [engine.take(h, 6) for h in handles]
    if shuffle:
        map_handles = engine.submit(list, node_maps)  # on the workers once, for every bucket
        bucket_handles = [
            engine.submit(
                bucket_pairs,
                [engine.take(k, j) for k in keyed],
                cfg.max_bucket_pairs,
                map_handles,
            )
            for j in range(n_buckets)
        ]
    else:
        bucket_handles = []
        for j in range(n_buckets):
            pieces = [k[j] for k in keyed]
            bucket_handles.append(bucket_pairs(pieces, cfg.max_bucket_pairs, node_maps))
            for k in keyed:
                k[j] = None  # (the list is the block's result itself: this frees the keys)
            del pieces
    del keyed
    # The blocks' results are copied into whole arrays one by one and dropped as they go.
    sig = np.empty((n, cfg.num_perm), dtype=np.uint32)
    n_tokens = np.empty(n, dtype=np.int64)
    hashes_of, text_of = [], []
    for i, f in enumerate(files):
        got = engine.gather([engine.take(handles[i], k) for k in range(2, 6)])
        handles[i] = None
        to = node_maps[i]
        keep = to >= 0
        block_sig = got[0] if f is None else np.fromfile(f, dtype=np.uint32)
        sig[to[keep]] = block_sig.reshape(len(to), cfg.num_perm)[keep]
        n_tokens[to[keep]] = got[1][keep]
        tok = keep[got[3]]
        hashes_of.append(got[2][tok])
        text_of.append(to[got[3][tok]])
        del got, block_sig
        if f is not None:
            Path(f).unlink()
    token_hashes = np.concatenate(hashes_of)
    token_text = np.concatenate(text_of)
    del hashes_of, text_of, handles, node_maps
    # information: summed inverse document frequency of distinct word tokens (bits)
    if len(token_hashes):
        # each token's document frequency, by polars' parallel hash grouping
        df = pl.DataFrame({"h": token_hashes}).select(pl.len().over("h")).to_series().to_numpy()
        bits = np.log2(max(n, 2) / df)
        info = np.bincount(token_text, weights=bits, minlength=n)
        del df, bits
    else:
        info = np.zeros(n)
    pairs = _merged_pairs(engine.gather(bucket_handles))
    est = _estimated_jaccard(sig, pairs)
    edges = pairs[est >= cfg.threshold]
    labels = _cluster(sig, edges, cfg.cohesion)
    n_pairs, n_edges, n_tokens_all = len(pairs), len(edges), len(token_hashes)
    del sig, pairs, est, edges, token_hashes, token_text, bucket_handles  # the biggest arrays
    if tmp is not None:
        tmp.cleanup()
    # a node with no edge is its own group (identical texts still form a cluster)
    alone = labels < 0
    labels[alone] = labels.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    node_info = pl.DataFrame(
        {
            "node": np.arange(n, dtype=np.uint32),
            "group": labels,
            "n_tokens": n_tokens.astype(np.int64),
            "info_bits": np.round(info, 2),
        }
    )
    # Per distinct text, then one narrow join to align with the comments: the comment table's
    # own columns are never copied (with_columns shares them).
    per_text = (
        raw.select("text", "text_norm", "urls", "hashtags", "node")
        .with_row_index("tid")  # one per distinct text
        .join(node_info, on="node", how="left", maintain_order="left")
    )
    aligned = comments.select("text").join(per_text, on="text", how="left", maintain_order="left")
    # a repost is not authored text: it joins no cluster (its own group is null)
    reposts = _reposts(comments)
    if reposts is not None:
        aligned = aligned.with_columns(
            pl.when(reposts).then(None).otherwise(pl.col("group")).alias("group")
        )
    work = comments.select("account_id", "created_at", "text").with_columns(
        aligned["node"], aligned["group"], aligned["text_norm"], aligned["tid"]
    )
    if reposts is not None:
        work = work.filter(pl.col("group").is_not_null())
    # representative text: the group's most frequent text, ties to the smallest (the mode,
    # sorted, first), counted on text ids: a string mode per group cost 1 s at 1M
    per_tid = work.group_by("group", "tid").agg(pl.len().alias("k"), pl.col("text").first())
    representative = (
        per_tid.filter(pl.col("k") == pl.col("k").max().over("group"))
        .group_by("group")
        .agg(pl.col("text").min().alias("representative_text"))
    )
    del per_tid
    # centre of each group: its most common normalized text (ties: first seen)
    per_node = work.group_by("group", "node", "text_norm").agg(
        pl.len().alias("k"), pl.col("created_at").min().alias("t0")
    )
    centres = (
        per_node.sort(["group", "k", "t0", "node"], descending=[False, True, False, False])
        .group_by("group", maintain_order=True)
        .first()
    )
    groups = (
        work.group_by("group")
        .agg(
            pl.len().alias("n_comments"),
            pl.col("account_id").drop_nulls().n_unique().alias("n_accounts"),
            pl.col("node").n_unique().alias("n_texts"),
            pl.col("created_at").min().alias("first_seen"),
            pl.col("created_at").max().alias("last_seen"),
        )
        .filter(pl.col("n_comments") >= 2)
        .join(representative, on="group", how="left")
    )
    del representative
    groups = groups.join(centres.select("group", "text_norm", "node"), on="group", how="left").join(
        node_info.select("node", "n_tokens", "info_bits"), on="node", how="left"
    )
    # slot templates: texts alike but for name and number slots, with three or more fills
    keys = per_text.select("tid", slot_keys(per_text["text"]))
    tpl = (
        work.select("tid", "account_id")
        .join(keys, on="tid")
        .drop_nulls("slot_key")
        .group_by("slot_key")
        .agg(pl.col("tid").n_unique().alias("fills"))
        .filter(pl.col("fills") >= cfg.template_min_fills)
        .select("slot_key")
    )
    keys = keys.join(tpl.with_columns(pl.lit(True).alias("templated")), on="slot_key", how="left")
    keys = keys.with_columns(
        pl.when(pl.col("templated")).then(pl.col("slot_key")).alias("template_key")
    ).select("tid", "template_key")
    templated = (
        work.select("group", "tid")
        .join(keys, on="tid", how="left")
        .group_by("group")
        .agg(pl.col("template_key").is_not_null().mean().alias("tpl_share"))
    )
    groups = groups.join(templated, on="group", how="left").with_columns(
        (pl.col("tpl_share").fill_null(0) >= 0.5).alias("template")
    )
    del work, templated
    groups = groups.with_columns(
        pl.col("text_norm").map_elements(_cluster_id, return_dtype=pl.String).alias("cluster_id"),
        # a template's shared words are the template, not a message: no talking point
        (
            (pl.col("n_tokens") >= cfg.min_tokens)
            & (pl.col("info_bits") >= cfg.min_info_bits)
            & ~pl.col("template")
        ).alias("informative"),
    )
    ids = aligned.select("group").join(
        groups.select("group", "cluster_id", pl.col("informative").alias("cluster_informative")),
        on="group",
        how="left",
        maintain_order="left",
    )
    out = comments.with_columns(
        aligned["text_norm"],
        _with_links(comments, aligned["urls"]),
        aligned["hashtags"],
        aligned["n_tokens"],
        aligned["info_bits"],
        ids["cluster_id"],
        ids["cluster_informative"],
    )
    del ids
    out = out.with_columns(
        share_items(out),
        shared_fragments(
            out.with_columns(
                out.select("cluster_id").join(
                    groups.select("cluster_id", pl.col("n_accounts").alias("cluster_accounts")),
                    on="cluster_id",
                    how="left",
                    maintain_order="left",
                )["cluster_accounts"]
            ),
            cfg.min_tokens,
        ),
        aligned.select("tid").join(keys, on="tid", how="left", maintain_order="left")[
            "template_key"
        ],
    )
    del aligned
    clusters = groups.select(
        "cluster_id",
        "n_comments",
        "n_accounts",
        "n_texts",
        "first_seen",
        "last_seen",
        "representative_text",
        "text_norm",
        "n_tokens",
        "info_bits",
        "informative",
        "template",
    ).sort(["n_comments", "cluster_id"], descending=[True, False])
    stats = {
        "unique_texts": raw.height,
        "nodes": n,
        "word_tokens": n_tokens_all,
        "lsh_bands": bands,
        "lsh_rows": rows,
        "candidate_pairs": n_pairs,
        "verified_pairs": n_edges,
        "clusters": clusters.height,
        "informative_clusters": int(clusters["informative"].sum()),
        "clustered_comments": int(out["cluster_id"].is_not_null().sum()),
    }
    log.info("neardup: %d comments -> %d nodes -> %d clusters", comments.height, n, clusters.height)
    return NearDupResult(out, clusters, stats)


# the end of a sentence followed by more words: a text of two or more sentences
_SENTENCE_END = r"(?:[.!?…]+|\n)+"
_NEXT_SENTENCE = r"(?:[.!?…]+|\n)+\s*[\p{L}\p{N}]"


def shared_fragments(comments: pl.DataFrame, min_words: int) -> pl.Series:
    """``fragments``: per comment, the keys (``f`` + a digest of the normalized sentence) of
    its sentences of ``min_words`` or more words that another account also wrote: a
    templated push built from a few openers and a few claims shares its claims even where
    whole texts differ too much to be near-duplicates. A one-sentence text outside any
    informative cluster takes part with its whole normalized text. A comment keeps its
    fragments only where one of them is shared by more accounts than its whole-text cluster
    (``cluster_accounts``, when given): then the sentence, not the text, is the talking
    point. Reposts have none (not authored). Needs ``text_norm`` and
    ``cluster_informative``.

    Linear: only texts of two or more sentences are split, and each distinct sentence is
    normalized once."""
    cols = comments.columns
    if "account_id" not in cols:
        return pl.Series("fragments", [[]] * comments.height, dtype=pl.List(pl.String))
    who = (
        pl.concat_str("platform", pl.lit(":"), "account_id")
        if "platform" in cols
        else pl.col("account_id")
    )
    base = comments.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
        who.alias("node"),
        pl.col("text").fill_null("").str.replace_all(URL_PATTERN, " "),  # a link's dots end none
        "text_norm",
        (~is_repost(cols)).alias("authored"),
        pl.col("cluster_informative").fill_null(False).alias("clustered"),
    ).filter(pl.col("authored") & pl.col("node").is_not_null())
    two = pl.col("text").str.contains(_NEXT_SENTENCE)
    multi = base.filter(two)
    sentences = (
        multi.select("__r", "node")
        .with_columns(sentences_of(multi["text"]).alias("s"))
        .explode("s")
        .filter(pl.col("s").str.count_matches(r"[\p{L}\p{N}]{2,}") >= min_words)
    )
    distinct = sentences.select(pl.col("s").unique(maintain_order=True))
    distinct = distinct.with_columns(normalize_texts(distinct["s"]).alias("key"))
    uses = sentences.join(distinct, on="s", how="left").select("__r", "node", "key")
    single = base.filter(
        ~two & ~pl.col("clustered") & pl.col("text_norm").is_in(uses["key"].unique().implode())
    ).select("__r", "node", pl.col("text_norm").alias("key"))
    uses = pl.concat([uses, single]).unique()
    shared = uses.group_by("key").agg(pl.col("node").n_unique().alias("k")).filter(pl.col("k") >= 2)
    per = (
        uses.join(shared, on="key")
        .with_columns(_digest(pl.col("key")).alias("key"))
        .group_by("__r")
        .agg(pl.col("key").unique().sort(), pl.col("k").max())
    )
    if "cluster_accounts" in cols:
        wider = comments.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"),
            pl.col("cluster_accounts").fill_null(0),
        )
        per = per.join(wider, on="__r").filter(pl.col("k") > pl.col("cluster_accounts"))
    per = per.select("__r", "key")
    full = pl.DataFrame({"__r": np.arange(comments.height, dtype=np.uint32)}).join(
        per, on="__r", how="left"
    )
    return full["key"].fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("fragments")


def sentences_of(texts: pl.Series) -> pl.Series:
    """Each text's sentences (links cut out first: a dot in a link ends none), stripped."""
    return (
        texts.fill_null("")
        .str.replace_all(URL_PATTERN, " ")
        .str.replace_all(_SENTENCE_END, "\x1f")
        .str.split("\x1f")
        .list.eval(pl.element().str.strip_chars())
    )


def _digest(normalized: pl.Expr) -> pl.Expr:
    return "f" + normalized.hash(seed=7).cast(pl.String)


def fragment_key(sentence: pl.Expr) -> pl.Expr:
    """The key of :func:`shared_fragments` for a column of sentences as written."""
    return _digest(sentence.map_batches(normalize_texts, return_dtype=pl.String))


def _reposts(comments: pl.DataFrame) -> pl.Series | None:
    """Which comments are plain reposts (None when the table says nothing of reposts)."""
    if "repost_kind" not in comments.columns or comments["repost_kind"].null_count() == len(
        comments
    ):
        return None
    return comments.select(is_repost(comments.columns)).to_series()


def _with_links(comments: pl.DataFrame, urls: pl.Series) -> pl.Series:
    """The links found in each text and the link targets the format carries beside it
    (``links``: expanded t.co links, Telegram text links), normalized alike, distinct."""
    if "links" not in comments.columns or comments["links"].null_count() == len(comments):
        return urls
    rows = (comments["links"].list.len().fill_null(0) > 0).arg_true()  # the few that carry any
    if not len(rows):
        return urls
    given = extract_urls(comments["links"].gather(rows).list.join(" "))
    merged = (
        pl.DataFrame([urls.gather(rows), given.alias("given")])
        .select(pl.concat_list("urls", "given").list.unique(maintain_order=True).alias("urls"))
        .to_series()
    )
    # (scatter does not take list columns: a join on the row number puts them back)
    return (
        pl.DataFrame({"i": np.arange(len(urls), dtype=np.uint32), "urls": urls})
        .join(pl.DataFrame({"i": rows, "m": merged}), on="i", how="left", maintain_order="left")
        .select(pl.coalesce("m", "urls").alias("urls"))
        .to_series()
    )


def share_items(comments: pl.DataFrame) -> pl.Series:
    """``share_item``: what a repost or quote re-shares, the original's id (``platform:id``)
    where the format names it, else (a repost) its normalized text, which is the original's;
    null for authored posts. Needs ``text_norm``."""
    if "repost_kind" not in comments.columns:
        return pl.Series("share_item", [None] * comments.height, dtype=pl.String)
    kind = pl.col("repost_kind")
    of = (
        pl.concat_str("platform", pl.lit(":"), "repost_of")
        if "repost_of" in comments.columns
        else pl.lit(None, dtype=pl.String)
    )
    return comments.select(
        pl.when(kind == "repost")
        .then(pl.coalesce(of, pl.concat_str(pl.lit("text:"), "text_norm")))
        .when(kind == "quote")
        .then(of)
        .otherwise(None)
        .alias("share_item")
    ).to_series()


def _cluster_id(text_norm: str) -> str:
    return "c" + hashlib.sha1(text_norm.encode("utf-8")).hexdigest()[:12]
