"""Compiled inner loops of the near-duplicate stage (numba).

Shingling, MinHash, LSH bucket pairs and the rounds of the cohesion split.

Each gives exactly what the numpy or plain-Python rule it replaced gives; the tests check
them against datasketch, scipy and plain Python.
"""

from __future__ import annotations

import numpy as np

from .._numba import M32, njit, run_end

__all__ = [
    "bucket_pair_keys",
    "components_and_centres",
    "count_equal",
    "keep_edges",
    "minhash_rows",
    "shingle_codes",
]


@njit(cache=True, inline="always")
def _fmix32(h: int) -> int:  # pragma: no cover - compiled
    # int64 arithmetic: a product may wrap, its low 32 bits (all that is kept) are exact
    h = h & M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


@njit(cache=True, nogil=True)
def minhash_rows(  # pragma: no cover - compiled
    offsets: np.ndarray,
    hashes: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """Compute MinHash rows ``lo..hi`` with datasketch's ``affine32`` scheme.

    ``out[i, p] = min over set i's hashes h of (a[p] * fmix32(h) + b[p]) mod 2**32``, rows
    lo..hi (datasketch's ``affine32`` scheme).

    One pass over each set's hashes with every permutation in the inner loop (vectorized by
    the compiler), instead of one pass over all hashes per permutation.
    """
    n_perm = a.shape[0]
    acc = np.empty(n_perm, np.uint32)
    for i in range(lo, hi):
        for p in range(n_perm):
            acc[p] = np.uint32(0xFFFFFFFF)
        for j in range(offsets[i], offsets[i + 1]):
            x = np.uint32(_fmix32(np.int64(hashes[j])))
            for p in range(n_perm):
                v = np.uint32(a[p] * x + b[p])
                if v < acc[p]:
                    acc[p] = v
        for p in range(n_perm):
            out[i, p] = acc[p]


@njit(cache=True, nogil=True)
def count_equal(  # pragma: no cover - compiled
    sig: np.ndarray, left: np.ndarray, right: np.ndarray, out: np.ndarray, lo: int, hi: int
) -> None:
    """``out[k] = count of p with sig[left[k], p] == sig[right[k], p]``, for k in lo..hi."""
    width = sig.shape[1]
    for k in range(lo, hi):
        i = left[k]
        j = right[k]
        c = 0
        for p in range(width):
            c += sig[i, p] == sig[j, p]
        out[k] = c


@njit(cache=True, nogil=True)
def components_and_centres(  # pragma: no cover - compiled
    left: np.ndarray, right: np.ndarray, m: int
) -> tuple[np.ndarray, int, np.ndarray]:
    """Find the connected components of the graph on nodes ``0..m-1``.

    Returns (component per node, numbered by smallest member, as scipy's
    ``connected_components`` numbers them; the number of components; each component's
    centre: its highest-degree node, ties to the lowest). Union-find with path halving.
    """
    parent = np.arange(m)
    degree = np.zeros(m, np.int64)
    for k in range(len(left)):
        a = left[k]
        b = right[k]
        degree[a] += 1
        degree[b] += 1
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    comp = np.empty(m, np.int64)
    label = np.full(m, -1, np.int64)
    n_comp = 0
    for v in range(m):
        r = v
        while parent[r] != r:
            r = parent[r]
        if label[r] < 0:
            label[r] = n_comp
            n_comp += 1
        comp[v] = label[r]
    centre = np.full(n_comp, -1, np.int64)
    for v in range(m):
        c = comp[v]
        u = centre[c]
        if u < 0 or degree[v] > degree[u]:
            centre[c] = v
    return comp, n_comp, centre


@njit(cache=True, nogil=True)
def keep_edges(  # pragma: no cover - compiled
    left: np.ndarray, right: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the edges with both ends kept, renumbered over the nodes that still have an edge.

    Returns (left, right, the old number of each node that still has an edge).
    """
    m = len(keep)
    used = np.zeros(m, np.bool_)
    n = 0
    for k in range(len(left)):
        if keep[left[k]] and keep[right[k]]:
            used[left[k]] = True
            used[right[k]] = True
            n += 1
    new_id = np.full(m, -1, np.int64)
    old = np.empty(m, np.int64)
    j = 0
    for v in range(m):
        if used[v]:
            new_id[v] = j
            old[j] = v
            j += 1
    out_l = np.empty(n, np.int64)
    out_r = np.empty(n, np.int64)
    i = 0
    for k in range(len(left)):
        if keep[left[k]] and keep[right[k]]:
            out_l[i] = new_id[left[k]]
            out_r[i] = new_id[right[k]]
            i += 1
    return out_l, out_r, old[:j]


@njit(cache=True, nogil=True)
def bucket_pair_keys(  # pragma: no cover - compiled
    keys: np.ndarray, nodes: np.ndarray, window: int
) -> np.ndarray:
    """Candidate pairs of an LSH bucket sorted by (key, node), packed ``min << 32 | max``.

    Each member is paired with the ``window`` members before it in its key and with the
    key's first member: the pairs of ``d = 1..window`` neighbours plus the first, without the
    copies (a first member within the window is paired once). Not sorted, may repeat across
    bands.
    """
    n = len(keys)
    total = 0
    i = 0
    while i < n:
        j = run_end(keys, i)
        for t in range(1, j - i):
            total += min(t, window) + (1 if t > window else 0)
        i = j
    out = np.empty(total, np.int64)
    k = 0
    i = 0
    while i < n:
        j = run_end(keys, i)
        for t in range(i + 1, j):
            v = nodes[t]
            lo = max(i, t - window)
            if lo > i:
                u = nodes[i]
                out[k] = (np.int64(min(u, v)) << 32) | max(u, v)
                k += 1
            for s in range(lo, t):
                u = nodes[s]
                out[k] = (np.int64(min(u, v)) << 32) | max(u, v)
                k += 1
        i = j
    return out


@njit(cache=True, nogil=True)
def shingle_codes(  # pragma: no cover - compiled
    codes: np.ndarray,
    pos_mult: np.ndarray,
    num_hash: int,
    min_words: int,
    unigrams: bool,
    bigrams: bool,
    char_n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the shingles of normalized texts given as code points, each text followed by 0.

    See :mod:`bot_analysis.neardup.text`: a token is a run of code points between spaces; its hash
    is ``fmix32(sum((c + 1) * pos_mult[pos % 64]) + length)``, all-digit tokens hash to
    ``num_hash``; texts of ``min_words`` tokens or more give word 1- and 2-grams, shorter
    texts character ``char_n``-grams (spaces included), a text with neither its whole hash.
    Returns (offsets, hashes, distinct informative tokens per text, their hashes, their
    text), the tokens sorted by (text, hash).
    """
    n_codes = len(codes)
    n_texts = 0
    for i in range(n_codes):
        if codes[i] == 0:
            n_texts += 1
    offsets = np.zeros(n_texts + 1, np.int64)
    hashes = np.empty(2 * n_codes + n_texts, np.uint32)  # tokens and n-grams <= code points
    n_tokens = np.zeros(n_texts, np.int64)
    tok_hash = np.empty(n_codes, np.uint32)
    tok_text = np.empty(n_codes, np.int64)
    th = np.empty(n_codes, np.int64)  # this text's token hashes
    inform = np.empty(n_codes, np.int64)  # this text's informative token hashes
    out = 0
    n_tok_out = 0
    start = 0
    text = 0
    for end in range(n_codes):
        if codes[end] != 0:
            continue
        nt, ni = _text_tokens(codes, start, end, pos_mult, num_hash, th, inform)
        first_out = out
        if nt >= min_words:
            out = _word_shingles(th, nt, unigrams, bigrams, hashes, out)
        else:
            out = _char_shingles(codes, start, end, char_n, pos_mult, hashes, out)
        if out == first_out:  # no shingle: the whole text is one
            hashes[out] = _whole_text(codes, start, end, pos_mult)
            out += 1
        offsets[text + 1] = out
        # distinct informative tokens, by hash
        srt = np.sort(inform[:ni])
        for k in range(ni):
            if k == 0 or srt[k] != srt[k - 1]:
                tok_hash[n_tok_out] = srt[k]
                tok_text[n_tok_out] = text
                n_tok_out += 1
                n_tokens[text] += 1
        text += 1
        start = end + 1
    return (
        offsets,
        hashes[:out].copy(),
        n_tokens,
        tok_hash[:n_tok_out].copy(),
        tok_text[:n_tok_out].copy(),
    )


@njit(cache=True, inline="always")
def _text_tokens(  # pragma: no cover - compiled
    codes: np.ndarray,
    start: int,
    end: int,
    pos_mult: np.ndarray,
    num_hash: int,
    th: np.ndarray,
    inform: np.ndarray,
) -> tuple[int, int]:
    """Hash the tokens of ``codes[start:end]``; count them and the informative ones.

    Hash the tokens of ``codes[start:end]`` into ``th`` and its informative ones (not all
    digits, not a placeholder) into ``inform``; return how many of each.
    """
    nt = 0
    ni = 0
    p = start
    while p < end:
        if codes[p] == 32:
            p += 1
            continue
        q = p
        acc = np.int64(0)
        digits = True
        while q < end and codes[q] != 32:
            c = np.int64(codes[q])
            acc += ((c + 1) * np.int64(pos_mult[(q - p) % 64])) & M32
            if c < 48 or c > 57:
                digits = False
            q += 1
        h = np.int64(num_hash) if digits else _fmix32(acc + (q - p))
        th[nt] = h
        nt += 1
        first = codes[p]
        if not digits and not (first >= 0xE001 and first <= 0xE002):
            inform[ni] = h
            ni += 1
        p = q
    return nt, ni


@njit(cache=True, inline="always")
def _word_shingles(  # pragma: no cover - compiled
    th: np.ndarray, nt: int, unigrams: bool, bigrams: bool, hashes: np.ndarray, out: int
) -> int:
    """Word 1- and 2-grams of the ``nt`` token hashes, written from ``out``; the new end."""
    if unigrams:
        for k in range(nt):
            hashes[out] = th[k]
            out += 1
    if bigrams:
        for k in range(nt - 1):
            hashes[out] = _fmix32(th[k] * 0x2C1B3C6D + th[k + 1] + 0x297A2D39)
            out += 1
    return out


@njit(cache=True, inline="always")
def _char_shingles(  # pragma: no cover - compiled
    codes: np.ndarray,
    start: int,
    end: int,
    char_n: int,
    pos_mult: np.ndarray,
    hashes: np.ndarray,
    out: int,
) -> int:
    """Character ``char_n``-grams of ``codes[start:end]``, written from ``out``; the new end."""
    for p in range(start, end - char_n + 1):
        acc = np.int64(0)
        for k in range(char_n):
            c = np.int64(codes[p + k]) + k + 1
            acc = (acc * 0x01000193 + c * np.int64(pos_mult[k])) & M32
        hashes[out] = _fmix32(acc)
        out += 1
    return out


@njit(cache=True, inline="always")
def _whole_text(  # pragma: no cover - compiled
    codes: np.ndarray, start: int, end: int, pos_mult: np.ndarray
) -> int:
    """Return the hash of the whole text ``codes[start:end]``."""
    acc = np.int64(0x811C9DC5)
    for k in range(end - start):
        c = np.int64(codes[start + k]) + 1
        acc = (acc * 0x01000193 + c * np.int64(pos_mult[k % 64])) & M32
    return _fmix32(acc)
