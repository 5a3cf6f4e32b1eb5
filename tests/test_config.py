"""Config: every field of every section is type-checked, the result-changing thresholds are
range-checked and come from TOML, and run.json records every one of them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot_analysis.config import (
    BurstConfig,
    CampaignConfig,
    Config,
    CoordinationConfig,
    IngestConfig,
    NearDupConfig,
    ReportConfig,
    load_config,
)
from bot_analysis.errors import ConfigError

SECTIONS = {
    "ingest": IngestConfig,
    "neardup": NearDupConfig,
    "coordination": CoordinationConfig,
    "bursts": BurstConfig,
    "campaigns": CampaignConfig,
    "report": ReportConfig,
}


def _wrong(value: object) -> object:
    """A value of another type than ``value``'s (a number for text, text for the rest)."""
    return 5 if isinstance(value, str) else "x"


@pytest.mark.parametrize(
    ("section", "name"),
    [(s, f.name) for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)],
)
def test_every_field_rejects_a_wrong_type(section: str, name: str):
    cls = SECTIONS[section]
    default = getattr(cls(), name)
    bad = _wrong(default) if default is not None else ["not", "this"]
    with pytest.raises(ConfigError, match=rf"{section}\.{name}"):
        cls(**{name: bad})


@pytest.mark.parametrize(
    ("cls", "name", "bad"),
    [
        (NearDupConfig, "template_min_fills", 1),
        (CoordinationConfig, "full_significance", 0.5),
        (CoordinationConfig, "score_scale", 0.0),
        (CoordinationConfig, "fdr", 1.5),
        (CoordinationConfig, "window_fastest", 1.0),
        (CoordinationConfig, "window_reach", 0.0),
        (CampaignConfig, "min_sharing_accounts", 1),
        (CampaignConfig, "rare_item_share", 1.2),
        (CampaignConfig, "dominated_share", -0.1),
        (CampaignConfig, "template_share", 2.0),
        (CampaignConfig, "same_accounts_share", 1.5),
        (BurstConfig, "min_cluster_comments", 1),
        (BurstConfig, "min_thread_comments", 0),
        (BurstConfig, "bin_s", 30),
        (BurstConfig, "levels", 1),
        (BurstConfig, "s", 1.0),
        (BurstConfig, "gamma", -1.0),
        (ReportConfig, "max_campaign_figures", -1),
        (ReportConfig, "max_clusters_per_campaign", 0),
    ],
)
def test_thresholds_out_of_range_are_one_error(cls, name: str, bad: object):
    with pytest.raises(ConfigError, match=name):
        cls(**{name: bad})


def test_kind_weights_may_name_some_kinds_and_keep_the_rest():
    cfg = CoordinationConfig(kind_weights=(("share", 0.4),))
    weights = dict(cfg.kind_weights)
    assert weights["share"] == 0.4
    assert weights["text"] == dict(CoordinationConfig().kind_weights)["text"]
    with pytest.raises(ConfigError, match="kind_weights"):
        CoordinationConfig(kind_weights=(("sharing", 1.0),))


def test_thresholds_come_from_toml_and_are_recorded(tmp_path: Path):
    toml = tmp_path / "c.toml"
    toml.write_text(
        "[neardup]\ntemplate_min_fills = 4\n"
        "[coordination]\nfdr = 0.05\nfull_significance = 8.0\nscore_scale = 2.5\n"
        "[campaigns]\nmin_sharing_accounts = 4\nrare_item_share = 0.9\n"
        "[bursts]\nmin_thread_comments = 30\n",
        encoding="utf-8",
    )
    cfg = load_config(toml)
    assert cfg.neardup.template_min_fills == 4
    assert (cfg.coordination.fdr, cfg.coordination.full_significance) == (0.05, 8.0)
    assert cfg.coordination.score_scale == 2.5
    assert (cfg.campaigns.min_sharing_accounts, cfg.campaigns.rare_item_share) == (4, 0.9)
    assert cfg.bursts.min_thread_comments == 30
    # run.json's parameters are the whole config: every field of every section, by name
    recorded = json.loads(json.dumps(dataclasses.asdict(cfg), default=str))
    for section, cls in SECTIONS.items():
        assert set(recorded[section]) == {f.name for f in dataclasses.fields(cls)}
    assert recorded["campaigns"]["min_sharing_accounts"] == 4


def test_a_run_records_every_threshold(tmp_path: Path):
    from click.testing import CliRunner

    from bot_analysis.cli import cli

    from .conftest import FIXTURES

    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["analyze", str(FIXTURES / "generic.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    params = json.loads((out / "run.json").read_text("utf-8"))["parameters"]
    defaults = dataclasses.asdict(Config())
    for section in SECTIONS:
        assert set(params[section]) == set(defaults[section]), section
    assert params["coordination"]["full_significance"] == 10.0
    assert params["campaigns"]["template_share"] == 0.5


def test_the_report_section_from_toml(tmp_path: Path):
    toml = tmp_path / "c.toml"
    toml.write_text("[report]\nmax_campaign_figures = 3\n", encoding="utf-8")
    assert load_config(toml).report.max_campaign_figures == 3


def test_a_key_that_moved_says_where_it_lives_now(tmp_path: Path):
    toml = tmp_path / "c.toml"
    toml.write_text("[campaigns]\nbin_s = 900\nburst_gamma = 2.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"campaigns.bin_s is bursts.bin_s.*bursts.gamma"):
        load_config(toml)
