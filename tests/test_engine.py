"""One implementation, two schedulers: the local engine (inline or on a process pool) and Dask
on a real LocalCluster give the same results on the committed scenario."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from bot_analysis import analyze
from bot_analysis.config import Config, IngestConfig
from bot_analysis.engine import LocalEngine, make_engine
from bot_analysis.errors import ConfigError
from bot_analysis.ingest import read_inputs
from bot_analysis.neardup.lsh import band_buckets, bucket_pairs, lsh_candidate_pairs
from bot_analysis.neardup.signing import node_signatures
from bot_analysis.neardup.text import shingle

from .conftest import SAMPLE

DUMPS = SAMPLE / "dumps"


def _outcome(result) -> dict[str, pl.DataFrame]:
    """What a reviewer gets: campaigns, clusters and flagged accounts (no timings)."""
    flagged = result.accounts.filter(pl.col("flagged")).select(
        "campaign_ids", "platform", "account_id"
    )
    return {
        "campaigns": result.campaigns.drop("top_clusters", strict=False),
        "clusters": result.clusters,
        "flagged_accounts": flagged.sort("campaign_ids", "platform", "account_id"),
        "comment_cluster": result.comments.select("comment_id", "cluster_id"),
        "edges": result.graph,
    }


@pytest.fixture(scope="module")
def inline_result():
    return analyze([DUMPS], Config(), engine=LocalEngine(1))


@pytest.fixture(scope="module")
def inline_outcome(inline_result):
    return _outcome(inline_result)


def _assert_same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    for name in a:
        assert a[name].equals(b[name]), name
    assert a["campaigns"]["flagged"].sum() >= 4  # the sample's planted campaigns are found


def test_process_pool_gives_the_inline_result(inline_outcome):
    with LocalEngine(2) as engine:
        pooled = _outcome(analyze([DUMPS], Config(), engine=engine))
    _assert_same(inline_outcome, pooled)


def test_dask_localcluster_gives_the_local_result(inline_outcome):
    pytest.importorskip("distributed")
    with make_engine("dask", workers=2) as engine:
        assert engine.info() == {"engine": "dask", "workers": 2, "scheduler": "LocalCluster"}
        on_dask = _outcome(analyze([DUMPS], Config(), engine=engine))
    _assert_same(inline_outcome, on_dask)


def test_small_blocks_read_like_one_block(tmp_path):
    """JSONL cut into 64 KB blocks (parsed as separate tasks) reads exactly as in one piece,
    line numbers in ``source`` included."""
    vk = DUMPS / "vk_wall_comments.jsonl.gz"
    assert len(gzip.decompress(vk.read_bytes())) > 10 * 65536  # many blocks
    whole = read_inputs([vk], IngestConfig(block_bytes=1 << 30))
    with LocalEngine(2) as engine:
        cut = read_inputs([vk], IngestConfig(block_bytes=65536), engine=engine)
    assert cut.comments.equals(whole.comments)
    assert cut.rejects.equals(whole.rejects)
    assert cut.counts() == whole.counts()
    assert whole.rejects.height > 0  # the broken lines of the scenario are rejected by line
    assert whole.rejects["source"].str.contains(r"\.jsonl\.gz:\d+").all()


def test_lsh_shuffle_over_partitions_equals_one_pass():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)]
    base = [" ".join(rng.choice(words, 12)) for _ in range(40)]
    texts = [b if k % 3 else b.replace("w1", "w2", 1) for b in base for k in range(5)]
    sh = shingle(texts, 6, (1, 2), 3)
    cfg = Config().neardup
    sig = node_signatures(pl.Series(texts), cfg, 0, 0, 1, 1)[0]
    expected = lsh_candidate_pairs(sig, 18, 7, 2)
    assert len(expected) > 100
    for n_buckets in (2, 3):
        blocks = [(0, 70), (70, 150), (150, len(texts))]
        keyed = [band_buckets(sig[a:b], a, 18, 7, n_buckets) for a, b in blocks]
        got = [bucket_pairs([k[j] for k in keyed], 2) for j in range(n_buckets)]
        key = np.unique(np.concatenate(got))  # packed i << 32 | j
        assert np.array_equal(np.stack([key >> 32, key & 0xFFFFFFFF], axis=1), expected)
    assert len(sh.offsets) == len(texts) + 1


def test_engine_errors_are_one_line():
    with pytest.raises(ConfigError, match="--scheduler needs --engine dask"):
        make_engine("local", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match="--workers must be >= 1"):
        LocalEngine(0)


def test_dask_engine_without_dask_says_how_to_install(tmp_path):
    """A Python without `distributed` gets an install hint, not a traceback."""
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from bot_analysis.engine import make_engine\n"
        "try:\n    make_engine('dask')\n"
        "except Exception as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ConfigError" in out.stdout
    assert "bot-analysis[dask]" in out.stdout


def test_co_action_pairs_by_item_partitions_equal_one_pass(inline_result):
    from bot_analysis.config import CoordinationConfig
    from bot_analysis.coordination import co_action_events, estimate_windows
    from bot_analysis.coordination.events import encode, node_bits
    from bot_analysis.coordination.pairs import pair_keys, partitioned_pairs
    from bot_analysis.coordination.windows import window_us_of

    events = co_action_events(inline_result.comments)
    windows = window_us_of(estimate_windows(events, CoordinationConfig()))
    ev = encode(events)
    one = pair_keys(ev.ic, ev.kc, ev.nc, ev.t, windows, 16, node_bits(ev))
    assert len(one) > 1000
    inline = partitioned_pairs(ev, windows, 16, None)
    pytest.importorskip("distributed")
    with make_engine("dask", workers=2) as engine:
        parts = partitioned_pairs(ev, windows, 16, engine)
    # pairs come in no set order; one key per (item, a, b), so keys repeat across items
    assert np.array_equal(np.sort(one), np.sort(parts))
    assert np.array_equal(np.sort(one), np.sort(inline))


def test_workers_exit_when_the_client_is_killed(tmp_path):
    """A client killed mid-run (as by the out-of-memory killer) leaves no worker behind."""
    import signal
    import time

    script = tmp_path / "client.py"
    script.write_text(
        "import time\n"
        "from bot_analysis.engine import LocalEngine\n"
        "if __name__ == '__main__':\n"
        "    e = LocalEngine(2)\n"
        "    e.start()\n"
        "    pids = [f.result() for f in [e._executor().submit(__import__('os').getpid)"
        " for _ in range(4)]]\n"
        "    print(' '.join(map(str, set(pids))), flush=True)\n"
        "    time.sleep(60)\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in proc.stdout.readline().split()]
    assert workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in workers if _alive(p)]
    assert not alive


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; it only waits for its parent to collect it
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone between the two looks
        return False


def _cluster(workers: int):  # type: ignore[no-untyped-def]
    """A real LocalCluster of worker processes (one thread each) whose scheduler the tests
    reach by address, as a remote cluster's."""
    pytest.importorskip("distributed")
    import logging

    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )


class _KillOnce:
    """A scheduler plugin that kills, once, the worker process a task whose name holds
    ``target`` has just been given to (SIGKILL: as the out-of-memory killer would)."""

    def __init__(self, target: str) -> None:
        from distributed.diagnostics.plugin import SchedulerPlugin

        class Plugin(SchedulerPlugin):
            name = "kill-once"

            def __init__(self) -> None:
                self.killed: list[str] = []

            async def start(self, scheduler):  # type: ignore[no-untyped-def]
                self.scheduler = scheduler

            def transition(self, key, start, finish, *args, **kwargs):  # type: ignore[no-untyped-def]
                import os
                import signal

                if finish != "processing" or self.killed or target not in str(key):
                    return
                ts = self.scheduler.tasks.get(key)
                ws = ts.processing_on if ts is not None else None
                if ws is not None and ws.pid:
                    self.killed.append(ws.address)
                    os.kill(ws.pid, signal.SIGKILL)

        self.plugin = Plugin()


@pytest.mark.parametrize("stage", ["ingest", "neardup"])
def test_dask_run_survives_a_killed_worker(inline_outcome, stage):
    """A worker process killed mid-run (as by the out-of-memory killer) is restarted by its
    nanny; the tasks it held run again elsewhere and the run gives the same result."""
    from bot_analysis.engine import DaskEngine

    cluster = _cluster(2)
    engine = DaskEngine(scheduler=cluster.scheduler_address)
    target = {"ingest": "parse_block", "neardup": "text_signatures"}[stage]
    killer = _KillOnce(target).plugin
    try:
        engine.client.register_plugin(killer)
        result = analyze([DUMPS], Config(), engine=engine)
        killed = engine.client.run_on_scheduler(
            lambda dask_scheduler: dask_scheduler.plugins["kill-once"].killed
        )
        assert killed, f"no {target} task was given to a worker"
        _assert_same(inline_outcome, _outcome(result))
    finally:
        engine.close()
        cluster.close()


def test_dask_scheduler_reads_relative_paths(tmp_path, monkeypatch):
    """Workers started elsewhere (here: before the client changed folder) open the inputs the
    user named relative to the client's folder."""
    import shutil

    from bot_analysis.engine import DaskEngine

    cluster = _cluster(1)
    try:
        shutil.copy(SAMPLE / "dumps" / "forum_export.csv", tmp_path / "forum.csv")
        monkeypatch.chdir(tmp_path)
        with DaskEngine(scheduler=cluster.scheduler_address) as engine:
            r = read_inputs(["forum.csv"], engine=engine)
        assert r.comments.height > 500
        assert r.files[0]["path"] == "forum.csv"
    finally:
        cluster.close()
