"""Schedulers for the partition functions: one implementation of each stage, two engines.

A stage splits its work into partitions and calls a module-level *partition function* on each
(``ingest.reading.parse_block``, ``neardup.text_signatures``, the LSH ``band_buckets`` /
``bucket_pairs`` shuffle, ``coordination.pair_keys`` and ``louvain_components``,
``bursts.bursts_table``, the report's figure renderers). The engine decides where those calls
run, and says what it can (:attr:`Engine.shuffles`, :attr:`Engine.shares_disk`) so that stages
never ask which engine it is:

- :class:`LocalEngine` (the default, no extra dependency): in this process when ``workers`` is 1,
  else on a pool of worker processes on this machine;
- :class:`DaskEngine` (``pip install bot-analysis[dask]``): as tasks on a ``distributed``
  cluster, a ``LocalCluster`` started for the run or an existing scheduler's address.

Both take the same calls: :meth:`submit` one task and :meth:`gather` results. Task arguments may
be handles returned by earlier :meth:`submit` calls; on Dask such intermediate results stay on the
workers (the LSH shuffle moves band keys worker to worker, not through the client). Results come
back in submission order, so a run's output is the same on either engine and any worker count.

A script that uses a pool (``LocalEngine(2)``, ``DaskEngine()``) must guard its entry point
with ``if __name__ == "__main__":``: worker processes start by importing the main module.
``bot-analysis`` itself does this.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .errors import ConfigError

__all__ = ["DaskEngine", "Engine", "LocalEngine", "default_workers", "make_engine"]
log = logging.getLogger(__name__)


# Below this much input the local engine stays in one process: starting workers (about a
# second and 150 MB each) costs more than they save.
SMALL_INPUT_BYTES = 4 * 1024 * 1024


def default_workers(input_bytes: int | None = None) -> int:
    """Worker processes of the local engine.

    The CPUs this process may use (at most 8), or 1 for inputs under ``SMALL_INPUT_BYTES``
    (compressed sizes count as they are on disk).

    Parameters
    ----------
    input_bytes : int, optional
        The inputs' size on disk.
    """
    if input_bytes is not None and input_bytes < SMALL_INPUT_BYTES:
        return 1
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


class Engine:
    """The interface every stage uses; see the module docstring."""

    name = "engine"
    workers = 1
    shuffles = False
    """Data moves worker to worker: the stages pair their keys on the workers (the LSH and
    item shuffles). Without it they pair in this process, where shipping keys to workers and
    back costs more than it saves."""
    shares_disk = False
    """The workers run on this machine: they write big results to files this process reads,
    so that nothing big goes through a pipe."""

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` as a task; return its handle."""
        raise NotImplementedError

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        """Wait for the tasks of ``handles`` and return their results, in order."""
        raise NotImplementedError

    def wait(self, handle: Any) -> None:
        """Block until ``handle``'s task has finished (its result stays where it is)."""
        raise NotImplementedError

    def map(self, fn: Callable[..., Any], items: Iterable[Any], *args: Any) -> list[Any]:
        """``[fn(item, *args) for item in items]``, scheduled by the engine, in order."""
        return self.gather([self.submit(fn, item, *args) for item in items])

    def take(self, handle: Any, index: int) -> Any:
        """Return a handle on ``handle``'s result ``[index]`` (a task on Dask, no copy locally)."""
        import operator

        return self.submit(operator.getitem, handle, index)

    def field(self, handle: Any, name: str) -> Any:
        """Return a handle on ``handle``'s result's attribute ``name`` (see :meth:`take`)."""
        return self.submit(getattr, handle, name)

    def start(self) -> None:
        """Start workers ahead of the first task, where the engine has any to start."""

    def info(self) -> dict[str, Any]:
        """Return what run.json records about the engine."""
        return {"engine": self.name, "workers": self.workers}

    def close(self) -> None:
        """Release workers; the engine cannot be used afterwards."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalEngine(Engine):
    """Partition functions on this machine: inline (1 worker) or on a process pool.

    The pool starts on first use with the ``forkserver`` method (never plain ``fork``: polars
    and numpy run threads, and a forked copy of a locked thread pool can hang).
    """

    name = "local"
    shares_disk = True

    def __init__(self, workers: int | None = None, input_bytes: int | None = None) -> None:
        self.workers = default_workers(input_bytes) if workers is None else int(workers)
        if self.workers < 1:
            raise ConfigError(f"--workers must be >= 1; got {self.workers}")
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
            ctx = mp.get_context(method)
            if method == "forkserver":
                ctx.set_forkserver_preload(list(_TASK_MODULES))
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_watch_client, initargs=(os.getpid(),)
            )
        return self._pool

    def start(self) -> None:
        """Start the worker processes now (they import the package while the client works)."""
        if self.workers > 1:
            pool = self._executor()
            for _ in range(self.workers):
                pool.submit(_warm)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` as a task; return its handle."""
        args = tuple(_resolve(a) for a in args)
        kwargs = {k: _resolve(v) for k, v in kwargs.items()}
        if self.workers == 1:
            return fn(*args, **kwargs)
        return self._executor().submit(fn, *args, **kwargs)

    def take(self, handle: Any, index: int) -> Any:
        """Return a handle on the result's item ``index``."""
        return _resolve(handle)[index]

    def field(self, handle: Any, name: str) -> Any:
        """Return a handle on the result's attribute ``name``."""
        return getattr(_resolve(handle), name)

    def wait(self, handle: Any) -> None:
        """Block until the task has finished."""
        _resolve(handle)

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        """Wait for the tasks and return their results, in order."""
        return [_resolve(h) for h in handles]

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _resolve(x: Any) -> Any:
    return x.result() if isinstance(x, Future) else x


# The modules whose partition functions run on workers: imported once, before any task.
_TASK_MODULES = (
    "bot_analysis.ingest",
    "bot_analysis.bursts",
    "bot_analysis.neardup",
    "bot_analysis.coordination",
    "bot_analysis.report.figures",
)


def _watch_client(client_pid: int) -> None:
    """Exit this worker when the client process is gone.

    Worker initializer: exit when the client process is gone (killed, say, by the out-of-memory
    killer), instead of lingering with its pipes open.
    """
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(client_pid, 0)
            except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-client").start()


def _warm() -> None:
    """Import what the tasks need, so that the first real task does not pay for it."""
    import importlib

    for m in _TASK_MODULES:
        importlib.import_module(m)


class DaskEngine(Engine):
    """Partition functions as tasks on a Dask ``distributed`` cluster.

    Without ``scheduler`` a ``LocalCluster`` of ``workers`` processes (one thread each) is
    started for the run and closed after it. Inputs named by path must be readable by the
    workers at the same path (true on a LocalCluster; on a real cluster use shared storage).
    """

    name = "dask"
    shuffles = True
    retries = 2
    """A task that raises is run again this many times (a worker's transient failure)."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError(
                "--engine dask needs Dask's distributed scheduler: pip install 'bot-analysis[dask]'"
            ) from None
        self.scheduler = scheduler
        self._cluster = None
        if scheduler is None:
            self.workers = default_workers() if workers is None else int(workers)
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {e}") from None
            self.workers = len(self.client.scheduler_info().get("workers", {})) or 1

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` as a task; return its handle."""
        # Arguments travel inside the task, never scattered: data scattered to a worker dies
        # with it ("already forgotten"), while a task the scheduler holds is run again on
        # another worker, and so are the tasks whose results a lost worker held. Dask warns
        # about large tasks; here that is the price of surviving a worker restart.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Ll]arge.*", category=UserWarning)
            return self.client.submit(fn, *args, pure=False, retries=self.retries, **kwargs)

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        """Wait for the tasks and return their results, in order."""
        return list(self.client.gather(list(handles)))

    def wait(self, handle: Any) -> None:
        """Block until the task has finished."""
        from distributed import wait

        wait([handle])

    def info(self) -> dict[str, Any]:
        """Return what run.json records about the engine."""
        return {**super().info(), "scheduler": self.scheduler or "LocalCluster"}

    def close(self) -> None:
        """Stop the workers."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_engine(  # type: ignore[no-untyped-def]
    name: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    input_bytes: int | None = None,
):
    """Return the engine called ``name`` (``local`` or ``dask``).

    ``input_bytes`` sizes the default local pool (see :func:`default_workers`).

    Parameters
    ----------
    name : str
        ``local`` or ``dask``.
    scheduler : str, optional
        A Dask scheduler's address (default: a LocalCluster for the run).
    workers : int, optional
        Worker processes (default: see :func:`default_workers`).
    input_bytes : int, optional
        The inputs' size on disk.
    """
    if name == "local":
        if scheduler is not None:
            raise ConfigError("--scheduler needs --engine dask")
        return LocalEngine(workers, input_bytes)
    if name == "dask":
        return DaskEngine(scheduler, workers)
    raise ConfigError(f"unknown --engine {name!r}; known: local, dask")
