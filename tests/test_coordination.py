"""Co-action edges on hand-made tables: kinds, windows, the same account, platforms; GEXF."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_analysis.config import CoordinationConfig
from bot_analysis.coordination import build_graph, co_action_events
from bot_analysis.coordination.pairs import co_action_pairs
from bot_analysis.report.gexf import write_gexf

T0 = datetime(2024, 10, 22, 12, tzinfo=UTC)
WIN = {"text": 60.0, "link": 60.0, "hashtag": 60.0, "thread": 60.0, "share": 60.0, "reply": 60.0}


def _table(rows: list[tuple]) -> pl.DataFrame:
    """rows: (platform, account, seconds after T0, thread, cluster, urls, hashtags)."""
    return pl.DataFrame(
        {
            "comment_id": [f"c{i}" for i in range(len(rows))],
            "platform": [r[0] for r in rows],
            "account_id": [r[1] for r in rows],
            "created_at": [T0 + timedelta(seconds=r[2]) for r in rows],
            "thread_id": [r[3] for r in rows],
            "cluster_id": [r[4] for r in rows],
            "cluster_informative": [r[4] is not None for r in rows],
            "urls": [r[5] for r in rows],
            "hashtags": [r[6] for r in rows],
        },
        schema_overrides={"urls": pl.List(pl.String), "hashtags": pl.List(pl.String)},
    )


def _pairs(rows: list[tuple]) -> set[tuple[str, str, str]]:
    p = co_action_pairs(co_action_events(_table(rows)), WIN, 16)
    return {(k, a, b) for k, a, b in p.select("kind", "a", "b").iter_rows()}


def test_each_kind_of_co_action():
    rows = [
        ("vk", "1", 0, "t1", "cA", ["x.ru/a"], ["#tag"]),
        ("vk", "2", 30, "t1", "cA", ["x.ru/a"], ["#tag"]),
    ]
    assert _pairs(rows) == {
        ("text", "vk:1", "vk:2"),
        ("link", "vk:1", "vk:2"),
        ("hashtag", "vk:1", "vk:2"),
        ("thread", "vk:1", "vk:2"),
    }


def test_reposts_share_and_replies_reply():
    """A repost makes only its share event (no text, link, hashtag or thread co-action with
    the original's author or other re-sharers); replies to the same comment co-reply, replies
    to the thread's opening post do not (that is the thread kind)."""
    t = _table(
        [
            ("twitter", "author", 0, "t1", "cA", ["x.ru/a"], ["#tag"]),
            ("twitter", "rt1", 10, "t1", None, ["x.ru/a"], ["#tag"]),
            ("twitter", "rt2", 20, "t1", None, ["x.ru/a"], ["#tag"]),
            ("vk", "r1", 0, "p1", None, [], []),
            ("vk", "r2", 30, "p1", None, [], []),
            ("vk", "r3", 40, "p1", None, [], []),
        ]
    ).with_columns(
        pl.Series("repost_kind", ["", "repost", "repost", None, None, None]).replace("", None),
        pl.Series("share_item", [None, "twitter:1", "twitter:1", None, None, None]),
        pl.Series("parent_id", [None, None, None, "c9", "c9", "p1"]),
    )
    p = co_action_pairs(co_action_events(t), WIN, 16)
    got = {(k, a, b) for k, a, b in p.select("kind", "a", "b").iter_rows()}
    assert got == {
        ("share", "twitter:rt1", "twitter:rt2"),
        ("reply", "vk:r1", "vk:r2"),
        ("thread", "vk:r1", "vk:r2"),
        ("thread", "vk:r1", "vk:r3"),
        ("thread", "vk:r2", "vk:r3"),
    }


def test_window_edges_exactly_at_and_just_outside():
    at = [("vk", "1", 0, "t1", None, [], []), ("vk", "2", 60, "t1", None, [], [])]
    out = [("vk", "1", 0, "t1", None, [], []), ("vk", "2", 61, "t1", None, [], [])]
    assert _pairs(at) == {("thread", "vk:1", "vk:2")}
    assert _pairs(out) == set()


def test_same_account_twice_is_no_pair_and_platforms_are_not_merged():
    rows = [
        ("vk", "7", 0, "t1", "cA", [], []),
        ("vk", "7", 5, "t1", "cA", [], []),
        ("telegram", "7", 10, "t1", "cA", [], []),
    ]
    pairs = _pairs(rows)
    assert ("text", "telegram:7", "vk:7") in pairs
    assert all(a != b for _, a, b in pairs)
    assert len({a for _, a, _ in pairs} | {b for _, _, b in pairs}) == 2


def test_uninformative_clusters_make_no_text_edges():
    t = _table([("vk", "1", 0, None, "cA", [], []), ("vk", "2", 1, None, "cA", [], [])])
    t = t.with_columns(pl.lit(False).alias("cluster_informative"))
    assert co_action_pairs(co_action_events(t), WIN, 16).height == 0


def test_bounded_neighbours_keep_work_linear():
    rows = [("vk", str(i), i, "t1", None, [], []) for i in range(500)]
    p = co_action_pairs(co_action_events(_table(rows)), {**WIN, "thread": 10_000}, 4)
    assert p.height == 4 * 500 - (1 + 2 + 3 + 4)  # each event meets at most 4 later ones


def _operation_and_crowd() -> pl.DataFrame:
    rows = []
    # an operation: 8 accounts, 6 talking points, each posted by all within seconds
    for k in range(6):
        for i in range(8):
            rows.append(("vk", f"bot{i}", k * 7200 + i * 5, f"t{k}", f"op{k}", [], []))
    # a viral link: 200 accounts, each once, over six hours, many threads
    for i in range(200):
        rows.append(("vk", f"p{i}", 50_000 + i * 100, f"n{i % 20}", None, ["news.ru/a"], []))
    # everyday near-duplicates: 60 phrases, each posted by three people days apart
    for k in range(60):
        for j in range(3):
            rows.append(
                (
                    "vk",
                    f"p{(k * 3 + j) % 200}",
                    100_000 + k * 900 + j * 86_400,
                    f"d{k}",
                    f"everyday{k}",
                    [],
                    [],
                )
            )
    return _table(rows)


def test_significance_separates_an_operation_from_a_viral_link():
    res = build_graph(_operation_and_crowd(), CoordinationConfig(window_s=WIN))
    sig = res.edges.filter(pl.col("significant"))
    assert set(sig["kind"].unique()) <= {"text", "thread"}
    bots = res.accounts.filter(pl.col("account_id").str.starts_with("bot"))
    crowd = res.accounts.filter(pl.col("account_id").str.starts_with("p"))
    assert bots["coordination_score"].min() > 0.5
    assert crowd["coordination_score"].max() == 0
    assert bots["community"].n_unique() == 1
    assert crowd["community"].null_count() == crowd.height


def test_gexf_parses_back_with_networkx_and_plain_xml(tmp_path: Path):
    res = build_graph(_operation_and_crowd(), CoordinationConfig(window_s=WIN))
    p = tmp_path / "graph.gexf"
    accounts = res.accounts.with_columns(flagged=pl.col("node") == "vk:bot0")
    write_gexf(res.graph, accounts, p)
    g = nx.read_gexf(p)
    assert g.number_of_nodes() == 8
    assert g.nodes["vk:bot0"]["flagged"] is True
    assert g.nodes["vk:bot1"]["platform"] == "vk"
    # an independent reader: the XML itself, against the GEXF 1.2 structure
    root = ET.parse(p).getroot()
    ns = {"g": "http://www.gexf.net/1.2draft"}
    assert root.tag == "{http://www.gexf.net/1.2draft}gexf"
    titles = {
        a.get("title") for a in root.iterfind(".//g:attributes[@class='node']/g:attribute", ns)
    }
    assert {"platform", "n_comments", "community", "score", "flagged"} <= titles
    edge_titles = {
        a.get("title") for a in root.iterfind(".//g:attributes[@class='edge']/g:attribute", ns)
    }
    assert {"types", "n_items"} <= edge_titles
    node_ids = {n.get("id") for n in root.iterfind(".//g:nodes/g:node", ns)}
    for e in root.iterfind(".//g:edges/g:edge", ns):
        assert e.get("source") in node_ids
        assert e.get("target") in node_ids
        assert float(e.get("weight")) > 0


@settings(max_examples=80, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 400)), max_size=120
    ),
    max_neighbours=st.integers(1, 6),
)
def test_window_pairs_equal_the_brute_force_rule(events, max_neighbours):
    """Each event with the next ``max_neighbours`` events of its item, within the window of
    its kind, by another account: checked against a plain double loop."""
    from bot_analysis.coordination.pairs import pair_codes

    ev = sorted(events)  # (item, t, node), sorted as the coded events are
    ic = np.array([e[0] for e in ev], dtype=np.int64)
    t = np.array([e[1] for e in ev], dtype=np.int64) * 1_000_000
    nc = np.array([e[2] for e in ev], dtype=np.int64)
    kc = ic % 4  # the item's kind
    window_us = np.array([0, 2, 3, 5], dtype=np.int64) * 1_000_000
    run, a, b = pair_codes(ic, kc, nc, t, window_us, max_neighbours)
    got = sorted(zip(run.tolist(), a.tolist(), b.tolist(), strict=True))
    want = set()
    for i in range(len(ev)):
        for j in range(i + 1, min(len(ev), i + max_neighbours + 1)):
            same_item = ic[j] == ic[i]
            if same_item and t[j] - t[i] <= window_us[kc[i]] and nc[j] != nc[i]:
                want.add((int(ic[i]), int(min(nc[i], nc[j])), int(max(nc[i], nc[j]))))
    assert got == sorted(want)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 40), max_size=200), min_count=st.integers(1, 4))
def test_count_sorted_equals_numpy_unique(values, min_count):
    from bot_analysis.coordination._kernels import KIND_MASK, count_sorted

    keys = np.sort(np.array(values, dtype=np.int64))
    kept, counts, n_distinct, low = count_sorted(keys, min_count)
    u, c = np.unique(keys, return_counts=True)
    assert n_distinct == len(u)
    assert kept.tolist() == u[c >= min_count].tolist()
    assert counts.tolist() == c[c >= min_count].tolist()
    assert low.tolist() == np.bincount(keys & KIND_MASK, minlength=KIND_MASK + 1).tolist()
