"""Compiled inner loops (numba) for the few steps that numpy cannot do without a pass per column.

Each kernel works on a row range ``[lo, hi)`` of preallocated output and releases the GIL, so
:func:`run_rows` can split a call over threads. Kernels are compiled on first use and cached
on disk (numba's ``cache=True``), so later runs and worker processes load them in
milliseconds. Results equal the numpy formulations they replace, bit for bit (the tests
compare them with ``datasketch.MinHash`` and with plain numpy).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numba import njit

__all__ = [
    "bucket_pair_keys",
    "components_and_centres",
    "count_equal",
    "keep_edges",
    "minhash_rows",
    "run_rows",
    "window_pair_keys",
]


@njit(cache=True, nogil=True)
def minhash_rows(  # pragma: no cover - compiled
    offsets: np.ndarray,
    mixed: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """``out[i, p] = min over set i's hashes h of (a[p] * h + b[p]) mod 2**32``, rows lo..hi.

    One pass over each set's hashes with every permutation in the inner loop (vectorized by
    the compiler), instead of one pass over all hashes per permutation.
    """
    n_perm = a.shape[0]
    acc = np.empty(n_perm, np.uint32)
    for i in range(lo, hi):
        for p in range(n_perm):
            acc[p] = np.uint32(0xFFFFFFFF)
        for j in range(offsets[i], offsets[i + 1]):
            x = mixed[j]
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


def run_rows(kernel: Callable[..., None], n: int, *args: Any, threads: int = 1) -> None:
    """Run ``kernel(*args, lo, hi)`` over ``[0, n)``, split into ``threads`` ranges."""
    if threads <= 1 or n < 10_000:
        kernel(*args, 0, n)
        return
    step = -(-n // threads)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        done = [pool.submit(kernel, *args, lo, min(n, lo + step)) for lo in range(0, n, step)]
        for f in done:
            f.result()


@njit(cache=True, nogil=True)
def components_and_centres(  # pragma: no cover - compiled
    left: np.ndarray, right: np.ndarray, m: int
) -> tuple[np.ndarray, int, np.ndarray]:
    """Connected components of the graph on nodes ``0..m-1`` with edges ``(left, right)``.

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
    """The edges with both ends kept, renumbered over the nodes that still have an edge.

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
        j = i + 1
        while j < n and keys[j] == keys[i]:
            j += 1
        for t in range(1, j - i):
            total += min(t, window) + (1 if t > window else 0)
        i = j
    out = np.empty(total, np.int64)
    k = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and keys[j] == keys[i]:
            j += 1
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
def window_pair_keys(  # pragma: no cover - compiled
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    max_neighbours: int,
    node_bits: int,
) -> np.ndarray:
    """Co-action pairs of events sorted by (run, t, node): event ``i`` with each of the next
    ``max_neighbours`` events of its run within ``w[i]`` microseconds, by another node.

    Each pair is packed ``(run - ic[0]) << (2 * node_bits + 2) | a << (node_bits + 2) |
    b << 2 | kind`` with ``a < b`` (repeats included). Times ascend within a run, so the
    scan of ``i`` stops at the first event out of reach.
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
        run = np.int64(ic[i] - ic[0]) << (2 * node_bits + 2)
        for j in range(i + 1, min(n, i + max_neighbours + 1)):
            if ic[j] != ic[i] or t[j] - t[i] > w[i]:
                break
            if nc[j] != nc[i]:
                a = np.int64(min(nc[i], nc[j]))
                b = np.int64(max(nc[i], nc[j]))
                out[k] = run | (a << (node_bits + 2)) | (b << 2) | np.int64(kc[i])
                k += 1
    return out
