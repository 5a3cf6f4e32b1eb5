"""End to end: `bot-analysis analyze` on the committed scenario, scored by scripts/evaluate.py."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import polars as pl
import pytest
from click.testing import CliRunner

from bot_analysis.cli import cli
from bot_analysis.scenario.evaluate import evaluate_run

from .conftest import ROOT, SAMPLE

CONTRACT = {
    "campaigns.csv": [
        "campaign_id",
        "score",
        "start",
        "end",
        "n_comments",
        "n_accounts",
        "n_clusters",
        "signals",
        "summary",
    ],
    "clusters.csv": [
        "cluster_id",
        "n_comments",
        "n_accounts",
        "first_seen",
        "last_seen",
        "campaign_id",
        "representative_text",
    ],
    "flagged_comments.csv": [
        "comment_id",
        "account_id",
        "created_at",
        "thread_id",
        "cluster_id",
        "campaign_id",
        "text",
    ],
    "accounts.csv": [
        "account_id",
        "n_comments",
        "n_flagged_comments",
        "campaign_ids",
        "coordination_score",
        "flagged",
    ],
    "rejects.csv": ["source", "reason", "detail", "raw"],
    "review.csv": ["decision", "note"],
}


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(cli, ["analyze", str(SAMPLE / "dumps"), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


def test_output_contract(run_dir: Path):
    for name, cols in CONTRACT.items():
        with open(run_dir / name, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert set(cols) <= set(header), name
    for name in ("campaigns.json", "graph.gexf", "comments.parquet", "run.json"):
        assert (run_dir / name).stat().st_size > 0
    comments = pl.read_parquet(run_dir / "comments.parquet")
    assert {"text_norm", "cluster_id", "campaign_id", "flagged"} <= set(comments.columns)
    run = json.loads((run_dir / "run.json").read_text("utf-8"))
    assert {"ingest", "neardup", "coordination", "campaigns", "write"} <= set(run["timings_s"])
    assert run["parameters"]["neardup"]["num_perm"] == 128
    g = nx.read_gexf(run_dir / "graph.gexf")
    assert g.number_of_nodes() > 200


def test_evaluation_meets_the_targets(run_dir: Path):
    ev = evaluate_run(SAMPLE, run_dir)
    assert ev["accounts"]["f1"] >= 0.95
    assert ev["accounts"]["precision"] >= 0.97
    for c in ev["campaigns"]:
        assert c["recall"] >= 0.9, c
        assert c["purity"] >= 0.9, c
    assert sum(ev["organic_campaigns_flagged"].values()) == 0
    assert ev["ingest"]["invariant_holds"]


def test_evaluate_script_exit_codes(run_dir: Path):
    script = str(ROOT / "scripts" / "evaluate.py")
    ok = subprocess.run(
        [
            sys.executable,
            script,
            str(SAMPLE),
            "--run",
            str(run_dir),
            "--min-account-f1",
            "0.95",
            "--max-organic-campaigns",
            "0",
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "accounts" in ok.stdout
    strict = subprocess.run(
        [
            sys.executable,
            script,
            str(SAMPLE),
            "--run",
            str(run_dir),
            "--min-account-f1",
            "1.01",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["accounts"]["f1"] <= 1


def test_two_runs_give_identical_tables(run_dir: Path, tmp_path: Path):
    res = CliRunner().invoke(cli, ["analyze", str(SAMPLE / "dumps"), "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0
    for name in (
        "campaigns.csv",
        "clusters.csv",
        "flagged_comments.csv",
        "accounts.csv",
        "graph.gexf",
        "bursts.csv",
        "review.csv",
        "rejects.csv",
    ):
        assert (tmp_path / name).read_bytes() == (run_dir / name).read_bytes(), name
    a = pl.read_parquet(tmp_path / "comments.parquet")
    b = pl.read_parquet(run_dir / "comments.parquet")
    assert a.equals(b)


def test_a_tight_memory_budget_spills_columns_and_changes_no_output(run_dir: Path, tmp_path: Path):
    """With a 1 MB budget the output-only columns wait on disk in the work folder during the
    stages and stream back into the outputs: every file is as without the spill."""
    work = tmp_path / "work"
    work.mkdir()
    config = tmp_path / "tight.toml"
    config.write_text(f'memory_budget_mb = 1\nwork_dir = "{work.as_posix()}"\n', "utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        ["analyze", str(SAMPLE / "dumps"), "--out", str(out), "--config", str(config), "-q"],
    )
    assert res.exit_code == 0, res.output
    log = (out / "run.log").read_text("utf-8")
    assert "source, source_format, account_name, likes, url" in log  # the spill happened
    assert list(work.iterdir()) == []  # and its folder is gone
    for name in ("campaigns.csv", "clusters.csv", "flagged_comments.csv", "accounts.csv"):
        assert (out / name).read_bytes() == (run_dir / name).read_bytes(), name
    a = pl.read_parquet(out / "comments.parquet")
    b = pl.read_parquet(run_dir / "comments.parquet")
    assert a.columns == b.columns
    assert a.equals(b)


def test_organic_lookalikes_are_listed_but_not_flagged(run_dir: Path):
    camp = pl.read_csv(run_dir / "campaigns.csv")
    not_flagged = camp.filter(~pl.col("flagged") & (pl.col("kind") == "campaign"))
    assert not_flagged.height >= 2  # the meme and the song line were considered
    assert not_flagged["summary"].str.contains("Not flagged").all()
    # the game's template bot: one automation finding, never flagged
    auto = camp.filter(pl.col("kind") == "automation")
    assert auto.height == 1
    assert not auto["flagged"][0]
    assert auto["summary"][0].startswith("Automated template posting: 30 accounts")
    assert auto["template"][0].startswith("Recent events for: <slot> - I ")
    flagged = camp.filter(pl.col("flagged"))
    assert flagged.height == 9  # the nine planted campaigns, nothing else
    assert flagged["summary"].str.contains("accounts").all()


def test_a_templated_push_shows_its_claims_as_talking_points(run_dir: Path):
    """The templated push's whole texts are dozens of opener-and-claim mixes; its talking
    points are the sentences it repeats (the claims), as written."""
    from bot_analysis.scenario.texts import TEMPLATE_CLAIMS, TEMPLATE_OPENERS

    camp = json.loads((run_dir / "campaigns.json").read_text("utf-8"))
    push = [
        c
        for c in camp
        if c["flagged"] and any("#ВыборНарода" in t for t in c["top_talking_points"] or [])
    ]
    assert len(push) == 1
    points = push[0]["top_talking_points"]
    claims = sum(any(p.startswith(c) for c in TEMPLATE_CLAIMS) for p in points)
    openers = sum(any(o.startswith(p) for o in TEMPLATE_OPENERS) for p in points)
    assert claims >= 2
    assert claims + openers == len(points)  # sentences, never a whole opener-and-claim text
