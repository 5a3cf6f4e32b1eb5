"""What the compiled inner loops of the stages share (numba).

The stages' kernels (``neardup/_kernels.py``, ``coordination/_kernels.py``) are loops that
numpy would run as one pass per permutation, per neighbour distance or per round, over
arrays that do not fit the cache. Kernels that fill a row range ``[lo, hi)`` of
preallocated output release the GIL, so :func:`run_rows` splits them over threads. Kernels
are compiled on first use and cached on disk (numba's ``cache=True``, see :func:`njit`):
later runs and worker processes load them in milliseconds.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numba
import numpy as np

__all__ = ["M32", "njit", "run_end", "run_rows"]


#: 32-bit mask of the hash arithmetic.
M32 = 0xFFFFFFFF


def njit(**options: Any) -> Callable[[Any], Any]:
    """Compile with numba's ``njit``, caching wherever anything can be written.

    Numba's ``njit`` with ``cache=True`` that works where nothing beside the package or under
    HOME can be written (a read-only install run by a service account): the cache then goes to a
    folder of this user's in the system's temporary folder, and when even that fails, the
    kernels are compiled in memory for this process only.
    """

    def decorate(fn: Any) -> Any:
        try:
            return numba.njit(**options)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            config: Any = numba.config  # (numba declares no types)
            if options.get("cache") and not config.CACHE_DIR:
                folder = Path(tempfile.gettempdir()) / f"bot_analysis-numba-{os.getuid()}"
                try:
                    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                    config.CACHE_DIR = str(folder)
                    return numba.njit(**options)(fn)
                except (OSError, RuntimeError):
                    pass
            return numba.njit(**{**options, "cache": False})(fn)

    return decorate


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


@njit(cache=True, inline="always")
def run_end(keys: np.ndarray, i: int) -> int:  # pragma: no cover - compiled
    """Return the end of the run of values equal to ``keys[i]`` that starts at ``i``."""
    j = i + 1
    while j < len(keys) and keys[j] == keys[i]:
        j += 1
    return j
