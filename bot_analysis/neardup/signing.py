"""The partition functions of the stage.

Normalize a block of distinct texts, shingle and MinHash them, and key their LSH bands (see
:mod:`.lsh`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import polars as pl

from ..config import NearDupConfig
from .lsh import band_buckets, lsh_params, minhash_signatures
from .text import extract_hashtags, extract_urls, normalize_texts, shingle

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "NodeSignatures",
    "SignedBlock",
    "blocks",
    "node_signatures",
    "text_features",
    "text_signatures",
]


class NodeSignatures(NamedTuple):
    """What :func:`node_signatures` returns for a block of normalized texts."""

    sig: np.ndarray | None
    """MinHash signatures, texts x num_perm (None where written to a file instead)."""
    n_tokens: np.ndarray
    """Word tokens per text."""
    token_hashes: np.ndarray
    """Hashes of each text's distinct word tokens ..."""
    token_text: np.ndarray
    """... and the text each belongs to."""
    keyed: list[Any]
    """The block's LSH band keys per bucket (see :func:`~.lsh.band_buckets`)."""


class SignedBlock(NamedTuple):
    """What :func:`text_signatures` returns for a block of distinct raw texts.

    Their features, then the :class:`NodeSignatures` of its distinct normalized texts.
    """

    features: pl.DataFrame
    """text_norm, urls, hashtags per raw text."""
    norm: pl.Series
    """The block's distinct normalized texts (its nodes, numbered from 0)."""
    sig: np.ndarray | None
    n_tokens: np.ndarray
    token_hashes: np.ndarray
    token_text: np.ndarray
    keyed: list[Any]


def text_features(texts: pl.Series) -> pl.DataFrame:
    """Partition function: ``text_norm``, ``urls``, ``hashtags`` of distinct texts."""
    return pl.DataFrame([normalize_texts(texts), extract_urls(texts), extract_hashtags(texts)])


def node_signatures(
    norm: pl.Series, cfg: NearDupConfig, seed: int, first_node: int, n_buckets: int, threads: int
) -> NodeSignatures:
    """Partition function: MinHash signatures of a block of normalized texts."""
    sh = shingle(norm.to_list(), cfg.min_words, tuple(cfg.word_ngrams), cfg.char_n)
    sig = minhash_signatures(sh.offsets, sh.hashes, cfg.num_perm, seed, threads)
    bands, rows = lsh_params(cfg)
    keyed = band_buckets(sig, first_node, bands, rows, n_buckets)
    return NodeSignatures(sig, sh.n_tokens, sh.token_hashes, sh.token_text, keyed)


def text_signatures(
    texts: pl.Series,
    cfg: NearDupConfig,
    seed: int,
    n_buckets: int,
    threads: int,
    sig_file: str | None = None,
) -> SignedBlock:
    """Partition function: :func:`text_features` of a block of distinct texts.

    Then :func:`node_signatures` of the block's distinct normalized texts (numbered from 0).

    With ``sig_file`` (a path on this machine) the signatures are written there and None is
    kept in their place: nothing big goes through a pipe.
    """
    feats = text_features(texts)
    norm = feats["text_norm"].unique(maintain_order=True)
    nodes = node_signatures(norm, cfg, seed, 0, n_buckets, threads)
    if sig_file is not None and nodes.sig is not None:
        nodes.sig.tofile(sig_file)
        nodes = nodes._replace(sig=None)
    return SignedBlock(feats, norm, *nodes)


def blocks(n: int, engine: Engine, min_rows: int = 50_000, max_rows: int = 250_000) -> list[range]:
    """Row ranges for partitions.

    A few per worker, each between ``min_rows`` and ``max_rows`` (the result never depends on
    them).
    """
    size = max(min_rows, min(max_rows, -(-n // max(1, 3 * engine.workers))))
    return [range(k, min(k + size, n)) for k in range(0, n, size)] or [range(0)]
