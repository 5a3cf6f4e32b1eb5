"""Normalization, shingles, MinHash/LSH against datasketch, clusters robust to bot tricks."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_analysis.config import NearDupConfig
from bot_analysis.neardup import find_clusters, lsh_params, minhash_signatures
from bot_analysis.neardup.lsh import lsh_candidate_pairs
from bot_analysis.neardup.text import (
    extract_hashtags,
    extract_urls,
    normalize_text,
    normalize_texts,
    shingle,
)
from bot_analysis.scenario import texts as T

from .conftest import SAMPLE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＳＰＡＭ", "spam"),  # full-width
        ("pаypal", "paypal"),  # Cyrillic а inside a Latin word
        ("Рoссия", "poccия"),  # Latin o inside a Cyrillic word: both map to one skeleton
        ("Рос\u200bсия", "poccия"),  # zero-width space
        ("Россия!!! 🇷🇺💪", "poccия"),  # punctuation and emoji
        ("НЕТ", normalize_text("нет")),  # case
        ("𝐁𝐑𝐈𝐂𝐒", "brics"),  # mathematical bold letters (NFKC)
        ("Сооооогласен", normalize_text("Соогласен")),  # character runs cut to two
        ("see https://x.co/a?b=1 now", "see \ue001 now"),
        ("[id123|Anna], да", "\ue002 дa"),
    ],
)
def test_normalize(raw: str, expected: str):
    assert normalize_text(raw) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_normalization_is_idempotent(text: str):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_original_text_is_kept_beside_the_normalized_one():
    df = pl.DataFrame(
        {
            "comment_id": ["a", "b"],
            "account_id": ["1", "2"],
            "created_at": [datetime(2024, 1, 1, tzinfo=UTC)] * 2,
            "text": ["Рoссия 🇷🇺 https://x.ru/?utm_source=vk #Мир", "x"],
        }
    )
    out = find_clusters(df, NearDupConfig()).comments
    assert out["text"][0] == "Рoссия 🇷🇺 https://x.ru/?utm_source=vk #Мир"
    assert out["urls"][0].to_list() == ["x.ru"]
    assert out["hashtags"][0].to_list() == ["#мир"]


def test_url_and_hashtag_features():
    urls = extract_urls(pl.Series(["A http://WWW.Site.ru/path/?utm_medium=x&id=5 b", None]))
    assert urls.to_list() == [["site.ru/path?id=5"], []]
    assert extract_hashtags(pl.Series(["#BRICS and #брикс"])).to_list() == [["#brics", "#брикс"]]


def test_minhash_is_bit_identical_to_datasketch():
    rng = random.Random(1)
    norm = normalize_texts(
        pl.Series([T.organic_text(rng, "ru") for _ in range(60)] + ["да", "+1", ""])
    ).to_list()
    sh = shingle(norm)
    sig = minhash_signatures(sh.offsets, sh.hashes, 128, seed=7)
    for i in range(len(norm)):
        m = MinHash(num_perm=128, seed=7, hashfunc=lambda x: x)
        m.update_batch([int(h) for h in sh.hashes[sh.offsets[i] : sh.offsets[i + 1]]])
        assert np.array_equal(m.hashvalues, sig[i]), i


def _fmix(h: int) -> int:
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def _shingles_reference(text: str, min_words: int, ngrams: tuple[int, ...], char_n: int):
    """The shingle rules of bot_analysis.neardup.text, one text at a time in plain Python."""
    from bot_analysis.neardup.text import _NUM_HASH, _POS_MULT

    mult = [int(m) for m in _POS_MULT]
    tokens = [t for t in text.split(" ") if t]
    hashes = []
    for tok in tokens:
        if all("0" <= ch <= "9" for ch in tok):
            hashes.append(int(_NUM_HASH))
        else:
            acc = sum((ord(ch) + 1) * mult[k % 64] for k, ch in enumerate(tok))
            hashes.append(_fmix(acc + len(tok)))
    out = []
    if len(tokens) >= min_words:
        if 1 in ngrams:
            out += hashes
        if 2 in ngrams:
            out += [_fmix(a * 0x2C1B3C6D + b + 0x297A2D39) for a, b in itertools.pairwise(hashes)]
    else:
        for p in range(len(text) - char_n + 1):
            acc = 0
            for k in range(char_n):
                acc = (acc * 0x01000193 + (ord(text[p + k]) + k + 1) * mult[k]) & 0xFFFFFFFF
            out.append(_fmix(acc))
    if not out:
        acc = 0x811C9DC5
        for k, ch in enumerate(text):
            acc = (acc * 0x01000193 + (ord(ch) + 1) * mult[k % 64]) & 0xFFFFFFFF
        out.append(_fmix(acc))
    informative = {
        h
        for tok, h in zip(tokens, hashes, strict=True)
        if not tok.isdigit() and tok[0] not in "\ue001\ue002"
    }
    return sorted(out), sorted(informative)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(["ab", "в", "да", "12", "7", "\ue001", "\ue002", "x" * 70])).map(
            " ".join
        ),
        max_size=30,
    ),
    min_words=st.integers(1, 7),
    ngrams=st.sampled_from([(1,), (2,), (1, 2)]),
    char_n=st.integers(2, 8),
)
def test_shingles_follow_the_documented_rules(texts, min_words, ngrams, char_n):
    sh = shingle(texts, min_words, ngrams, char_n)
    for i, text in enumerate(texts):
        want, informative = _shingles_reference(text, min_words, ngrams, char_n)
        assert sorted(sh.hashes[sh.offsets[i] : sh.offsets[i + 1]].tolist()) == want
        assert sh.n_tokens[i] == len(informative)
        assert sorted(sh.token_hashes[sh.token_text == i].tolist()) == informative


def test_minhash_on_two_threads_equals_one_and_datasketch():
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 40, size=12_000)  # enough sets for the kernel to split over threads
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    hashes = rng.integers(0, 2**32, size=int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    one = minhash_signatures(offsets, hashes, 64, seed=3, threads=1)
    two = minhash_signatures(offsets, hashes, 64, seed=3, threads=2)
    assert np.array_equal(one, two)
    for i in (0, 6_000, 11_999):
        m = MinHash(num_perm=64, seed=3, hashfunc=lambda x: x)
        m.update_batch([int(h) for h in hashes[offsets[i] : offsets[i + 1]]])
        assert np.array_equal(m.hashvalues, two[i]), i


def _bucket_pairs_reference(keys, nodes, window):
    """Each member with the ``window`` members before it in its key and with the key's first."""
    out = set()
    for key in set(keys.tolist()):
        members = sorted(nodes[keys == key].tolist())
        for t, v in enumerate(members):
            out.update((min(u, v), max(u, v)) for u in members[max(0, t - window) : t])
            if t:
                out.add((min(members[0], v), max(members[0], v)))
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 80),
    n_keys=st.integers(1, 6),
    window=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_bucket_pairs_follow_the_window_rule(n, n_keys, window, seed):
    from bot_analysis.neardup.lsh import bucket_pairs

    rng = np.random.default_rng(seed)
    keys = rng.integers(0, n_keys, size=n).astype(np.uint64)
    nodes = rng.permutation(10 * n + 1)[:n].astype(np.int32)  # distinct, as in one band
    half = n // 2
    pieces = [(keys[:half], nodes[:half]), (keys[half:], nodes[half:])]
    got = np.unique(bucket_pairs(pieces, window))  # packed i << 32 | j, copies dropped
    assert [(int(k >> 32), int(k & 0xFFFFFFFF)) for k in got] == _bucket_pairs_reference(
        keys, nodes, window
    )
    everything = np.unique(bucket_pairs(pieces, None))
    assert len(everything) == len(_bucket_pairs_reference(keys, nodes, n))


def _cluster_reference(sig: np.ndarray, edges: np.ndarray, cohesion: float) -> np.ndarray:
    """The cohesion split as first written, on scipy and plain numpy (see cluster_labels)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    labels = np.full(len(sig), -1, dtype=np.int64)
    nodes, ce = np.unique(edges.ravel(), return_inverse=True)
    ce = ce.reshape(-1, 2)
    next_label = 0
    while len(ce):
        m = len(nodes)
        g = coo_matrix((np.ones(len(ce)), (ce[:, 0], ce[:, 1])), shape=(m, m))
        n_comp, comp = connected_components(g, directed=False)
        degree = np.bincount(ce.ravel(), minlength=m)
        centre = np.empty(n_comp, dtype=np.int64)
        for c in range(n_comp):
            members = np.flatnonzero(comp == c)
            centre[c] = members[np.argmax(degree[members])]  # first maximum: the lowest id
        same = (sig[nodes] == sig[nodes[centre[comp]]]).sum(axis=1)
        far = same / sig.shape[1] < cohesion
        labels[nodes[~far]] = comp[~far] + next_label
        next_label += n_comp
        ce = ce[far[ce[:, 0]] & far[ce[:, 1]]]
        used = np.unique(ce.ravel())
        nodes = nodes[used]
        ce = np.searchsorted(used, ce)
    return labels


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 60),
    n_edges=st.integers(0, 150),
    cohesion=st.sampled_from([0.0, 0.2, 0.35, 0.5, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_cohesion_split_equals_its_reference(n, n_edges, cohesion, seed):
    from bot_analysis.neardup.lsh import cluster_labels as _cluster

    rng = np.random.default_rng(seed)
    # few distinct values per column: rows agree in many places, as near-duplicates do
    sig = rng.integers(0, 3, size=(n, 16)).astype(np.uint32)
    a, b = rng.integers(0, n, size=(2, n_edges))
    keep = a != b
    edges = np.unique(np.sort(np.stack([a[keep], b[keep]], axis=1), axis=1), axis=0)
    assert np.array_equal(_cluster(sig, edges, cohesion), _cluster_reference(sig, edges, cohesion))


def test_lsh_candidate_pairs_match_datasketch_minhashlsh():
    rng = random.Random(3)
    base = [T.organic_text(rng, "ru") for _ in range(40)]
    corpus = base + [T.obfuscate(t, rng) for t in base for _ in range(3)]
    sh = shingle(normalize_texts(pl.Series(corpus)).to_list())
    sig = minhash_signatures(sh.offsets, sh.hashes, 128, seed=1)
    bands, rows = lsh_params(NearDupConfig(threshold=0.5))
    ours = {tuple(p) for p in lsh_candidate_pairs(sig, bands, rows, None).tolist()}
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    assert (lsh.b, lsh.r) == (bands, rows)
    mhs = []
    for i in range(len(corpus)):
        m = MinHash(num_perm=128, seed=1, hashvalues=sig[i], scheme="affine32")
        lsh.insert(i, m)
        mhs.append(m)
    theirs = {
        (min(i, j), max(i, j)) for i in range(len(corpus)) for j in lsh.query(mhs[i]) if i != j
    }
    assert ours == theirs
    assert len(ours) > 50  # the corpus has real candidates


def _frame(texts: list[str], accounts: list[str] | None = None) -> pl.DataFrame:
    t0 = datetime(2024, 10, 22, tzinfo=UTC)
    return pl.DataFrame(
        {
            "comment_id": [f"c{i}" for i in range(len(texts))],
            "account_id": accounts or [f"u{i}" for i in range(len(texts))],
            "created_at": [t0 + timedelta(minutes=i) for i in range(len(texts))],
            "text": texts,
        }
    )


TRICKS = {
    "homoglyphs": lambda t, r: T.homoglyphs(t, r, 0.3),
    "zero_width": lambda t, r: T.zero_width(t, r, 4),
    "emoji": T.emoji,
    "punctuation_case": T.punctuation_case,
    "greeting": T.greeting,
    "synonym": lambda t, r: T.synonym_swap(t, r, 1),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), point=st.sampled_from(T.BRICS_POINTS + T.SLOW_POINTS))
def test_variants_cluster_with_the_original_and_unrelated_texts_do_not(seed: int, point: str):
    rng = random.Random(seed)
    variants = [trick(point, rng) for trick in TRICKS.values()]
    n_words = len(point.split())
    unrelated = [
        " ".join(rng.choice(T.RU_WORDS) for _ in range(n_words)).capitalize() for _ in range(6)
    ]
    out = find_clusters(_frame([point, *variants, *unrelated]), NearDupConfig()).comments
    ids = out["cluster_id"].to_list()
    assert ids[0] is not None
    for name, cid in zip(TRICKS, ids[1 : 1 + len(variants)], strict=True):
        assert cid == ids[0], f"{name} variant left the cluster"
    for cid in ids[1 + len(variants) :]:
        assert cid != ids[0]


def test_ubiquitous_short_phrases_are_uninformative():
    rng = random.Random(5)
    phrases = [
        rng.choice(["+1", "Согласен", "Слава Україні!", "Спасибо", "lol"]) for _ in range(300)
    ]
    fillers = [T.organic_text(rng, "ru") for _ in range(300)]
    res = find_clusters(_frame(phrases + fillers), NearDupConfig())
    short = res.clusters.filter(pl.col("n_comments") >= 30)
    assert short.height >= 5
    assert not short["informative"].any()
    talking = find_clusters(_frame([T.BRICS_POINTS[0]] * 3 + fillers), NearDupConfig())
    assert talking.clusters.sort("n_comments")["informative"][-1]


def test_clusters_partition_comments_and_ids_are_stable():
    rng = random.Random(9)
    texts = [T.obfuscate(rng.choice(T.BRICS_POINTS), rng) for _ in range(200)]
    texts += [T.organic_text(rng, "ru") for _ in range(200)]
    a = find_clusters(_frame(texts), NearDupConfig(), seed=0)
    b = find_clusters(_frame(texts), NearDupConfig(), seed=0)
    assert a.clusters.equals(b.clusters)
    assert a.comments["cluster_id"].equals(b.comments["cluster_id"])
    counts = a.comments.group_by("cluster_id").len().drop_nulls()
    assert dict(counts.rows()) == dict(a.clusters.select("cluster_id", "n_comments").rows())


@pytest.fixture(scope="module")
def sample_clusters():
    from bot_analysis.ingest import read_inputs

    r = read_inputs([SAMPLE / "dumps"])
    truth = pl.read_csv(SAMPLE / "truth" / "comments.csv.gz", infer_schema=False)
    nd = find_clusters(r.comments, NearDupConfig())
    c = nd.comments.join(
        truth.select("platform", "comment_id", "label", "lookalike"), on=["platform", "comment_id"]
    )
    return c, nd


def test_planted_talking_points_form_their_own_clusters(sample_clusters):
    c, _ = sample_clusters
    major = (
        c.drop_nulls("cluster_id")
        .group_by("cluster_id")
        .agg(pl.col("label").mode().first().alias("major"))
    )
    c = c.join(major, on="cluster_id", how="left")
    # the styles that repeat talking points (a repost ring, a link push, a reply brigade and
    # bots in bursts write their own words or re-share: they have none)
    planted = json.loads((SAMPLE / "truth" / "campaigns.json").read_text("utf-8"))
    with_points = [x["campaign_id"] for x in planted if x["talking_points"]]
    assert len(with_points) == 5
    for label in with_points:
        sub = c.filter(pl.col("label") == label)
        share = (sub["major"] == label).fill_null(False).mean()
        assert share >= 0.95, (label, share)
    camp_clusters = major.filter(pl.col("major") != "organic")["cluster_id"].implode()
    organic = c.filter(pl.col("label") == "organic")
    assert organic["cluster_id"].is_in(camp_clusters).mean() <= 0.01


def test_lookalike_clusters_in_the_sample(sample_clusters):
    c, nd = sample_clusters
    inf = dict(nd.clusters.select("cluster_id", "informative").rows())
    phrases = c.filter(pl.col("lookalike") == "common_phrase").drop_nulls("cluster_id")
    assert not any(inf[x] for x in phrases["cluster_id"].unique().to_list())
    meme = c.filter(pl.col("lookalike") == "meme")
    assert meme["cluster_id"].n_unique() == 1  # one cluster (it is a real near-duplicate)
