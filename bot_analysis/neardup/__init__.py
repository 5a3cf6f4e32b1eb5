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

import contextlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..config import NearDupConfig
from .fragments import fragment_key, sentences_of
from .groups import group_comments, per_text_groups
from .lsh import (
    bucket_pairs,
    cluster_labels,
    estimated_jaccard,
    lsh_params,
    merged_pairs,
    minhash_signatures,
)
from .signing import blocks, text_signatures

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "NearDupResult",
    "find_clusters",
    "fragment_key",
    "information_bits",
    "lsh_params",
    "minhash_signatures",
    "sentences_of",
]
log = logging.getLogger(__name__)


@dataclass
class NearDupResult:
    """``comments``: the input plus text_norm, urls, hashtags, node, cluster_id.

    ``clusters``: one row per cluster (see :func:`find_clusters`).
    """

    comments: pl.DataFrame
    clusters: pl.DataFrame
    stats: dict[str, Any]


@dataclass
class _Nodes:
    """The distinct normalized texts (nodes) of a dump, signed and paired."""

    texts: pl.DataFrame
    """Per distinct raw text: text, text_norm, urls, hashtags, node."""
    sig: np.ndarray
    n_tokens: np.ndarray
    info_bits: np.ndarray
    pairs: np.ndarray
    """LSH candidate pairs of nodes (not yet verified)."""
    n_word_tokens: int


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
        The stage's parameters.
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
    # Workers on this machine write the signatures to files that this process reads
    folder = (
        tempfile.TemporaryDirectory(prefix="bot_analysis_", dir=work_dir)
        if engine.shares_disk
        else contextlib.nullcontext(None)
    )
    with folder as path:
        nodes = _signed_nodes(texts, cfg, seed, engine, path)
    n, n_texts, n_word_tokens = len(nodes.n_tokens), nodes.texts.height, nodes.n_word_tokens
    est = estimated_jaccard(nodes.sig, nodes.pairs)
    edges = nodes.pairs[est >= cfg.threshold]
    labels = cluster_labels(nodes.sig, edges, cfg.cohesion)
    n_pairs, n_edges = len(nodes.pairs), len(edges)
    del est, edges
    per_text = per_text_groups(nodes.texts, labels, nodes.n_tokens, nodes.info_bits)
    del nodes, labels  # the signatures and pairs: the biggest arrays
    out, clusters = group_comments(comments, per_text, cfg)
    bands, rows = lsh_params(cfg)
    stats = {
        "unique_texts": n_texts,
        "nodes": n,
        "word_tokens": n_word_tokens,
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


def _signed_nodes(
    texts: pl.Series, cfg: NearDupConfig, seed: int, engine: Engine, folder: str | None
) -> _Nodes:
    """Normalize, sign and LSH-pair the distinct texts, one task per block of texts.

    The LSH shuffle: on an engine that shuffles, each bucket's keys move worker to worker;
    otherwise this process pairs, a bucket of a few bands at a time, freeing each bucket's
    keys once paired.
    """
    parts = blocks(len(texts), engine)
    threads = 2 if engine.workers == 1 else 1  # inline: both cores; on a pool: one each
    bands, _ = lsh_params(cfg)
    n_buckets = engine.workers if engine.shuffles else min(bands, 6)
    files = [
        None if folder is None else str(Path(folder) / f"sig{i}.u32") for i in range(len(parts))
    ]
    handles = [
        engine.submit(text_signatures, texts[b.start : b.stop], cfg, seed, n_buckets, threads, f)
        for b, f in zip(parts, files, strict=True)
    ]
    raw, n, node_maps = _number_nodes(engine, handles, texts)
    bucket_handles = _pair_buckets(engine, handles, node_maps, n_buckets, cfg.max_bucket_pairs)
    sig, n_tokens, token_hashes, token_text = _gather_signatures(
        engine, handles, files, node_maps, n, cfg.num_perm
    )
    info = information_bits(token_hashes, token_text, n)
    n_word_tokens = len(token_hashes)
    del token_hashes, token_text
    pairs = merged_pairs(engine.gather(bucket_handles))
    return _Nodes(raw, sig, n_tokens, info, pairs, n_word_tokens)


def _number_nodes(
    engine: Engine, handles: list[Any], texts: pl.Series
) -> tuple[pl.DataFrame, int, list[np.ndarray]]:
    """Give the distinct normalized texts (nodes) numbers in order of first appearance.

    A text normalized alike in two blocks was signed in both; the first block's copy of
    everything is used. Returns the distinct raw texts with their features and node, the
    number of nodes, and per block its node number -> the whole's (-1 where an earlier
    block has the text).
    """
    firsts = engine.gather([engine.field(h, "features") for h in handles])
    raw = pl.concat(firsts).with_columns(texts)
    del firsts
    local = pl.concat(
        [
            pl.DataFrame({"text_norm": bn, "block": np.full(len(bn), i, dtype=np.int32)})
            for i, bn in enumerate(engine.gather([engine.field(h, "norm") for h in handles]))
        ]
    )
    nodes = local.select(pl.col("text_norm").unique(maintain_order=True)).with_row_index("node")
    local = local.join(nodes, on="text_norm", how="left", maintain_order="left").with_columns(
        pl.col("node").is_first_distinct().alias("first")
    )
    raw = raw.join(nodes, on="text_norm", how="left", maintain_order="left")
    node_maps = [
        np.where(g["first"].to_numpy(), g["node"].to_numpy().astype(np.int64), -1)
        for g in local.partition_by("block", maintain_order=True, include_key=False)
    ] or [np.zeros(0, np.int64)]
    return raw, nodes.height, node_maps


def _pair_buckets(
    engine: Engine,
    handles: list[Any],
    node_maps: list[np.ndarray],
    n_buckets: int,
    max_bucket_pairs: int,
) -> list[Any]:
    """Return the candidate pairs of each LSH bucket.

    Tasks on an engine that shuffles, else paired here bucket by bucket (results, which
    ``gather`` passes through).
    """
    keyed = [engine.field(h, "keyed") for h in handles]
    if engine.shuffles:
        maps = engine.submit(list, node_maps)  # on the workers once, for every bucket
        return [
            engine.submit(bucket_pairs, [engine.take(k, j) for k in keyed], max_bucket_pairs, maps)
            for j in range(n_buckets)
        ]
    out = []
    for j in range(n_buckets):
        pieces = [k[j] for k in keyed]
        out.append(bucket_pairs(pieces, max_bucket_pairs, node_maps))
        for k in keyed:
            k[j] = None  # (the list is the block's result itself: this frees the keys)
        del pieces
    return out


def _gather_signatures(
    engine: Engine,
    handles: list[Any],
    files: list[str | None],
    node_maps: list[np.ndarray],
    n: int,
    num_perm: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Copy the blocks' signatures and tokens into whole arrays, block by block.

    The blocks' signatures and tokens copied into whole arrays one by one (each block's result
    dropped as it goes): signatures, tokens per node, token hashes, their node.
    """
    sig = np.empty((n, num_perm), dtype=np.uint32)
    n_tokens = np.empty(n, dtype=np.int64)
    hashes_of, text_of = [], []
    for i, f in enumerate(files):
        fields = ("sig", "n_tokens", "token_hashes", "token_text")
        got = engine.gather([engine.field(handles[i], k) for k in fields])
        handles[i] = None
        to = node_maps[i]
        keep = to >= 0
        block_sig = got[0] if f is None else np.fromfile(f, dtype=np.uint32)
        sig[to[keep]] = block_sig.reshape(len(to), num_perm)[keep]
        n_tokens[to[keep]] = got[1][keep]
        tok = keep[got[3]]
        hashes_of.append(got[2][tok])
        text_of.append(to[got[3][tok]])
        del got, block_sig
        if f is not None:
            Path(f).unlink()
    return sig, n_tokens, np.concatenate(hashes_of), np.concatenate(text_of)


def information_bits(token_hashes: np.ndarray, token_text: np.ndarray, n: int) -> np.ndarray:
    """Each node's information.

    The summed inverse document frequency of its distinct word tokens, in bits (each token's
    document frequency by polars' parallel hash grouping).

    Parameters
    ----------
    token_hashes : numpy.ndarray
        Hashes of each node's distinct word tokens ...
    token_text : numpy.ndarray
        ... and the node each belongs to.
    n : int
        Nodes.
    """
    if not len(token_hashes):
        return np.zeros(n)
    df = pl.DataFrame({"h": token_hashes}).select(pl.len().over("h")).to_series().to_numpy()
    bits = np.log2(max(n, 2) / df)
    return np.bincount(token_text, weights=bits, minlength=n)
