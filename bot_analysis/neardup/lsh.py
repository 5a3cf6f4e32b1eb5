"""MinHash signatures, LSH banding and the clusters of verified pairs.

MinHash follows datasketch's own ``affine32`` scheme and permutations
(``MinHash(seed=...)``), computed in numpy batch by batch: the signatures are bit-identical
to ``datasketch.MinHash`` fed the same shingle hashes. Banding uses datasketch's optimal
(bands, rows) for the threshold; a bucket pairs each node with a bounded number of bucket
neighbours, so thousands of copies in one bucket cost linear, not quadratic, work.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from .._numba import run_rows
from ..config import NearDupConfig
from ._kernels import (
    bucket_pair_keys,
    components_and_centres,
    count_equal,
    keep_edges,
    minhash_rows,
)
from .text import unique

__all__ = [
    "band_buckets",
    "bucket_pairs",
    "cluster_labels",
    "estimated_jaccard",
    "lsh_candidate_pairs",
    "lsh_params",
    "merged_pairs",
    "minhash_signatures",
]

_NO_KEYS = np.zeros(0, np.uint64)


def lsh_params(cfg: NearDupConfig) -> tuple[int, int]:
    """(bands, rows): the configured ones, else datasketch's optimum for the threshold.

    Parameters
    ----------
    cfg : NearDupConfig
        Its ``bands`` and ``rows``, else ``threshold`` and ``num_perm``.

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
    """Datasketch's optimum (it integrates numerically: 0.16 s a call, so once per process)."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


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

    Parameters
    ----------
    offsets : numpy.ndarray
        Set ``i`` is ``hashes[offsets[i]:offsets[i + 1]]``.
    hashes : numpy.ndarray
        The sets' 32-bit hashes.
    num_perm : int
        Permutations.
    seed : int
        datasketch's permutation seed.
    threads : int
        Threads the rows are split over.
    """
    a, b = _permutations(num_perm, seed)
    n = len(offsets) - 1
    out = np.empty((n, num_perm), dtype=np.uint32)
    run_rows(minhash_rows, n, offsets, hashes, a, b, out, threads=threads)
    return out


def _band_keys(sig: np.ndarray, band: int, rows: int) -> np.ndarray:
    """64-bit key of each row's band.

    The top byte holds the band, so that equal keys are always the same band.
    """
    cols = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
    key = np.full(len(sig), 0x9E3779B97F4A7C15 ^ band, dtype=np.uint64)
    for j in range(cols.shape[1]):
        key = (key ^ cols[:, j]) * np.uint64(0xFF51AFD7ED558CCD)
        key ^= key >> np.uint64(33)
    return (key & np.uint64(0x00FFFFFFFFFFFFFF)) | np.uint64((band & 0xFF) << 56)


def band_buckets(
    sig: np.ndarray, first_node: int, bands: int, rows: int, n_buckets: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Partition function, map side of the LSH shuffle.

    Every (band key, node) of a block of signatures (rows ``first_node ...`` of the whole),
    split into ``n_buckets`` by band (bucket ``j`` holds bands ``j, j + n_buckets, ...``; equal
    keys are always one band).
    """
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


def bucket_pairs(
    pieces: list[tuple[np.ndarray, np.ndarray]],
    max_bucket_pairs: int | None,
    node_maps: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Partition function, reduce side of the LSH shuffle.

    Candidate pairs (i < j) among the (key, node) pieces of one bucket, given in node-block
    order, packed ``i << 32 | j``; a pair found in several bands of the bucket repeats
    (:func:`_merged_pairs` drops copies).

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


def merged_pairs(parts: list[np.ndarray]) -> np.ndarray:
    """Return the distinct pairs of the buckets' :func:`bucket_pairs` as a sorted (m, 2) array."""
    # polars' hash unique runs on every core: several times a sort
    key = pl.Series(np.concatenate(parts or [np.zeros(0, np.int64)])).unique().sort().to_numpy()
    return np.stack([key >> 32, key & 0xFFFFFFFF], axis=1)


def lsh_candidate_pairs(
    sig: np.ndarray, bands: int, rows: int, max_bucket_pairs: int | None
) -> np.ndarray:
    """Pairs (i < j) of rows that share at least one band.

    As an (m, 2) int64 array (:func:`band_buckets` then :func:`bucket_pairs`, in this process).
    """
    return merged_pairs([bucket_pairs(band_buckets(sig, 0, bands, rows, 1), max_bucket_pairs)])


def estimated_jaccard(sig: np.ndarray, pairs: np.ndarray, threads: int = 2) -> np.ndarray:
    """Return the estimated Jaccard similarity of each pair from their signatures."""
    same = np.empty(len(pairs), dtype=np.int64)
    run_rows(count_equal, len(pairs), sig, pairs[:, 0], pairs[:, 1], same, threads=threads)
    return (same / sig.shape[1]).astype(np.float32)


def cluster_labels(sig: np.ndarray, edges: np.ndarray, cohesion: float) -> np.ndarray:
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
