"""Compiled inner loops of the coordination stage (numba).

Co-action window pairs and counting sorted pair keys.

Each gives exactly what the numpy rule it replaced gives; the tests check them against
plain Python.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit, run_end

__all__ = [
    "KIND_BITS",
    "KIND_MASK",
    "count_sorted",
    "window_pair_keys",
    "window_pairs_per_run",
]

#: Bits of the co-action kind in a packed pair key (the low bits): room for eight kinds.
KIND_BITS = 3


KIND_MASK = (1 << KIND_BITS) - 1


@njit(cache=True, nogil=True)
def window_pair_keys(  # pragma: no cover - compiled
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    max_neighbours: int,
    node_bits: int,
) -> np.ndarray:
    """Co-action pairs of events sorted by (run, t, node).

    Event ``i`` with each of the next ``max_neighbours`` events of its run within ``w[i]``
    microseconds, by another node.

    Each pair is packed ``(run - ic[0]) << (2 * node_bits + KIND_BITS) |
    a << (node_bits + KIND_BITS) | b << KIND_BITS | kind`` with ``a < b`` (repeats
    included). Times ascend within a run, so the scan of ``i`` stops at the first event out
    of reach.
    """
    n = len(ic)
    total = 0
    for i in range(n):
        for j in range(i + 1, min(n, i + max_neighbours + 1)):
            if ic[j] != ic[i] or t[j] - t[i] > w[i]:
                break
            if nc[j] != nc[i]:
                total += 1
    out = np.empty(total, np.int64)
    k = 0
    for i in range(n):
        run = np.int64(ic[i] - ic[0]) << (2 * node_bits + KIND_BITS)
        for j in range(i + 1, min(n, i + max_neighbours + 1)):
            if ic[j] != ic[i] or t[j] - t[i] > w[i]:
                break
            if nc[j] != nc[i]:
                a = np.int64(min(nc[i], nc[j]))
                b = np.int64(max(nc[i], nc[j]))
                out[k] = run | (a << (node_bits + KIND_BITS)) | (b << KIND_BITS) | np.int64(kc[i])
                k += 1
    return out


@njit(cache=True, nogil=True)
def count_sorted(  # pragma: no cover - compiled
    keys: np.ndarray, min_count: int
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Count the values of a sorted int64 array.

    Returns (the values seen at least ``min_count`` times, their counts, the number of
    distinct values, the number of entries by their kind bits, see ``KIND_BITS``).
    """
    n = len(keys)
    low = np.zeros(KIND_MASK + 1, np.int64)
    n_distinct = 0
    n_kept = 0
    i = 0
    while i < n:
        j = run_end(keys, i)
        n_distinct += 1
        if j - i >= min_count:
            n_kept += 1
        low[keys[i] & KIND_MASK] += j - i
        i = j
    kept = np.empty(n_kept, np.int64)
    counts = np.empty(n_kept, np.uint32)
    k = 0
    i = 0
    while i < n:
        j = run_end(keys, i)
        if j - i >= min_count:
            kept[k] = keys[i]
            counts[k] = j - i
            k += 1
        i = j
    return kept, counts, n_distinct, low


@njit(cache=True, nogil=True)
def window_pairs_per_run(  # pragma: no cover - compiled
    ic: np.ndarray, t: np.ndarray, w: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Per run of events sorted by (run, t).

    How many of its event pairs fall within the run's window ``w[run]`` microseconds, every pair
    counted (no cap), in one two-pointer pass.

    ``first`` holds each run's first row (ascending), as ``_Coded.item_first`` does.
    """
    n = len(ic)
    out = np.zeros(len(first), np.float64)
    for r in range(len(first)):
        s = first[r]
        e = first[r + 1] if r + 1 < len(first) else n
        j = s
        total = 0
        for i in range(s, e):
            if j < i:
                j = i
            while j + 1 < e and t[j + 1] - t[i] <= w[r]:
                j += 1
            total += j - i
        out[r] = total
    return out
