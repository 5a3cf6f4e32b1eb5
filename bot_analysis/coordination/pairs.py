"""Co-action pairs: events paired with the next uses of their item inside the window.

Co-action pairs: each event paired with the next events of the same item inside the window (bounded
by ``max_neighbours``), packed into integer keys, by partitions of items.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ..config import KINDS
from ._kernels import KIND_BITS, KIND_MASK, window_pair_keys
from .events import CodedEvents, encode, node_bits
from .windows import window_us_of

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "co_action_pairs",
    "pair_codes",
    "pair_keys",
    "partitioned_pairs",
]

if len(KINDS) > KIND_MASK + 1:  # pragma: no cover - a kind added without room for it
    raise ImportError("the co-action kinds do not fit the pair key's KIND_BITS")


def co_action_pairs(
    events: pl.DataFrame, windows: dict[str, float], max_neighbours: int
) -> pl.DataFrame:
    """Pairs of events of the same item within the kind's window, by different accounts.

    ``events`` must be sorted by (kind, item, t), as :func:`co_action_events` returns them.
    Returns kind, item, a, b (a < b), unique; each event meets at most ``max_neighbours``
    later events of its item (bounded, linear work). Vectorized in numpy on integer codes.
    """
    ev = encode(events)
    ic, a, b = pair_codes(ev.ic, ev.kc, ev.nc, ev.t, window_us_of(windows), max_neighbours)
    first = ev.item_first[ic]
    return pl.DataFrame(
        {
            "kind": events["kind"].gather(first),
            "item": events["item"].gather(first),
            "a": ev.nodes.gather(a),
            "b": ev.nodes.gather(b),
        },
        schema={"kind": pl.String, "item": pl.String, "a": pl.String, "b": pl.String},
    )


def pair_codes(
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    window_us: np.ndarray,
    max_neighbours: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partition function: co-action pairs of coded events sorted by (run, t, node).

    Returns (run, a, b) with a < b node codes, distinct (in no particular order).
    """
    nb = max(1, int(nc.max(initial=0)).bit_length())
    pieces = _run_pair_keys(ic, kc, nc, t, window_us, max_neighbours, nb)
    if not pieces:
        return (np.zeros(0, np.int64),) * 3
    key = np.concatenate([k for k, _ in pieces])
    run = np.concatenate([(k >> (2 * nb + KIND_BITS)) + first for k, first in pieces])
    mask = (1 << nb) - 1
    return run, (key >> (nb + KIND_BITS)) & mask, (key >> KIND_BITS) & mask


def _run_pair_keys(
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    window_us: np.ndarray,
    max_neighbours: int,
    node_bits: int,
) -> list[tuple[np.ndarray, int]]:
    """Return the distinct keys of :func:`window_pair_keys`, in pieces.

    The distinct keys of :func:`window_pair_keys` (run, a, b, kind in one int64), in pieces of
    (keys, the piece's first run: add it to ``key >> (2 * node_bits + KIND_BITS)``). The events
    are split at run boundaries until a piece's runs fit beside the two node codes.
    """
    if 2 * node_bits + KIND_BITS > 63:
        raise ValueError(f"{node_bits}-bit account codes do not fit a 64-bit pair key")
    if len(ic) < 2:
        return []
    span = int(ic[-1] - ic[0])
    if span.bit_length() + 2 * node_bits + KIND_BITS > 63:
        mid = int(np.searchsorted(ic, ic[0] + span // 2 + 1))
        args = (window_us, max_neighbours, node_bits)
        return _run_pair_keys(ic[:mid], kc[:mid], nc[:mid], t[:mid], *args) + _run_pair_keys(
            ic[mid:], kc[mid:], nc[mid:], t[mid:], *args
        )
    key = window_pair_keys(ic, kc, nc, t, window_us[kc], max_neighbours, node_bits)
    # polars' hash-based unique uses every core
    return [(pl.Series(key).unique().to_numpy(), int(ic[0]))]


def pair_keys(
    ic: np.ndarray,
    kc: np.ndarray,
    nc: np.ndarray,
    t: np.ndarray,
    window_us: np.ndarray,
    max_neighbours: int,
    node_bits: int,
) -> np.ndarray:
    """Return the distinct co-action pairs as packed int64 keys (a partition function).

    Partition function: the distinct (item, a, b) co-action pairs of :func:`pair_codes`, each
    packed into one int64 ``a << (node_bits + KIND_BITS) | b << KIND_BITS | kind`` (the item
    dropped: the key repeats once per item, which is what the significance counts).
    """
    pieces = _run_pair_keys(ic, kc, nc, t, window_us, max_neighbours, node_bits)
    low = (1 << (2 * node_bits + KIND_BITS)) - 1  # the run dropped
    return np.concatenate([k & low for k, _ in pieces]) if pieces else np.zeros(0, np.int64)


def partitioned_pairs(
    ev: CodedEvents, window_us: np.ndarray, max_neighbours: int, engine: Engine | None
) -> np.ndarray:
    """:func:`pair_keys` as tasks over partitions of items (a shuffle by item run) on Dask.

    An item's events all land in one partition, so the union of the partitions' pairs is
    exactly the pairs of the whole. The local engine pairs in this process, partition by
    partition: numpy on integer codes is faster than shipping them to worker processes.
    """
    from ..engine import LocalEngine

    args = (window_us, max_neighbours, node_bits(ev))
    if len(ev.ic) < 2:
        return pair_keys(ev.ic, ev.kc, ev.nc, ev.t, *args)
    if engine is not None and engine.shuffles:
        runner, n_parts = engine, 2 * engine.workers
    else:  # in this process, partitions of about 2M events bound the transient pair arrays
        runner, n_parts = LocalEngine(1), -(-len(ev.ic) // 2_000_000)
    cuts = np.searchsorted(ev.ic, np.linspace(0, ev.ic[-1] + 1, n_parts + 1)[1:-1])
    bounds = [0, *cuts.tolist(), len(ev.ic)]
    parts = runner.gather(
        [
            runner.submit(pair_keys, ev.ic[s:e], ev.kc[s:e], ev.nc[s:e], ev.t[s:e], *args)
            for s, e in itertools.pairwise(bounds)
            if e > s
        ]
    )
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
