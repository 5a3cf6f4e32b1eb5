"""The report researchers review: one self-contained ``index.html`` plus ``figures/*.png``.

Everything is embedded (figures as data URIs, CSS inline, one small inline script for
sortable tables guarded by a Content-Security-Policy hash); the page makes no request of any
kind and reads fully without scripts. Comment texts are hostile input: the template
autoescapes everything and isolates bidirectional text.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from ..config import SUBSCORES
from ..schema import REJECT_REASONS
from ..wording import count, duration
from .display import anchor, short, visible

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["ReportData", "start_figures", "write_report"]


@dataclass
class ReportData:
    """The tables the report shows (each as in the output file of the same name).

    Attributes
    ----------
    comments : polars.DataFrame
        The comment table with ``campaign_id`` and ``flagged``.
    campaigns : polars.DataFrame
        Every candidate campaign (with its list columns).
    clusters : polars.DataFrame
        clusters.csv's table.
    accounts : polars.DataFrame
        accounts.csv's table.
    graph : polars.DataFrame
        The account graph's edges (a, b, weight, ...).
    bursts : polars.DataFrame
        bursts.csv's table.
    rejects : polars.DataFrame
        rejects.csv's table.
    members : polars.DataFrame
        Per account of each flagged campaign, its evidence.
    reviews : dict
        The carried decision per campaign or cluster id.
    new_ids : set or None
        Flagged campaigns never reviewed (``None``: no review store given).
    max_campaign_figures : int
        How many of the strongest flagged campaigns get figures.
    max_clusters_per_campaign : int
        How many of each flagged campaign's largest clusters its card lists.
    """

    comments: pl.DataFrame
    campaigns: pl.DataFrame
    clusters: pl.DataFrame
    accounts: pl.DataFrame
    graph: pl.DataFrame
    bursts: pl.DataFrame
    rejects: pl.DataFrame
    members: pl.DataFrame
    reviews: dict[str, str] = field(default_factory=dict)
    new_ids: set[str] | None = None
    max_campaign_figures: int = 12
    max_clusters_per_campaign: int = 50


# Sort a table by a clicked header (numbers numerically); the page works without it.
_SCRIPT = resources.files(__package__).joinpath("sortable.js").read_text(encoding="utf-8")


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def start_figures(data: ReportData, out: Path, engine: Engine | None = None) -> dict[str, Any]:
    """Submit every figure of the report as a task of ``engine`` and return the handles.

    Rendering then overlaps whatever the caller does next (writing the tables);
    :func:`write_report` waits for them. The ``max_campaign_figures`` highest-scoring flagged
    campaigns get a timeline and a graph figure. Each task gets only the columns it draws.

    Parameters
    ----------
    data : ReportData
        What the report shows.
    out : Path
        The output folder (figures go to its ``figures/``).
    engine : Engine, optional
        Where the figures render (default: in this process).
    """
    from ..engine import LocalEngine

    engine = engine or LocalEngine(1)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    by_campaign = _by_campaign(data.comments)
    return {
        "engine": engine,
        "dump": _dump_figures(data, fig_dir, engine),
        "campaigns": _campaign_figures(data, by_campaign, fig_dir, engine),
        "by_campaign": by_campaign,
    }


def _dump_figures(data: ReportData, fig_dir: Path, engine: Engine) -> list[tuple[Any, str]]:
    """Return the whole dump's figures (handles, with their captions)."""
    comments, bursts = data.comments, data.bursts
    return [
        (
            engine.submit(
                _render,
                "volume",
                comments.select("created_at", "flagged"),
                bursts.filter(pl.col("series") == "all") if bursts.height else bursts,
                fig_dir / "volume.png",
            ),
            "Comments per hour over the whole dump; red: comments of flagged campaigns; "
            "shaded: bursts.",
        ),
        (
            engine.submit(
                _render,
                "posting_gaps",
                comments.select("thread_id", "created_at", "account_id", "flagged"),
                fig_dir / "posting_gaps.png",
            ),
            "Time between consecutive comments of different accounts on a thread: flagged "
            "campaigns answer each other within seconds to minutes.",
        ),
        (
            engine.submit(
                _render,
                "accounts_distribution",
                data.accounts.select("n_comments", "flagged"),
                fig_dir / "accounts_by_comments.png",
            ),
            "Accounts by number of comments (log-log).",
        ),
    ]


def _campaign_figures(
    data: ReportData, by_campaign: dict[str, pl.DataFrame], fig_dir: Path, engine: Engine
) -> dict[str, list[dict[str, Any]]]:
    """Submit the timeline and account graph of each of the strongest flagged campaigns.

    (The review app draws a campaign's raster and co-action matrix when its page asks.)
    """
    acc_nodes = data.accounts.with_columns(
        pl.concat_str("platform", pl.lit(":"), "account_id").alias("node")
    )
    graph_edges, bursts = data.graph, data.bursts
    per_campaign: dict[str, list[dict[str, Any]]] = {}
    for cid in _flagged(data.campaigns)["campaign_id"].head(data.max_campaign_figures).to_list():
        cc = by_campaign[cid]
        members = list(
            set(cc.select(pl.concat_str("platform", pl.lit(":"), "account_id")).to_series())
        )
        sub_edges = graph_edges.filter(pl.col("a").is_in(members) & pl.col("b").is_in(members))
        tl = engine.submit(
            _render,
            "campaign_timeline",
            cc.select("created_at", "cluster_id"),
            bursts.filter(pl.col("series") == cid),
            f"campaign {cid}: comments over time by talking point",
            fig_dir / f"campaign_{cid}_timeline.png",
        )
        gr = engine.submit(
            _render,
            "account_graph",
            sub_edges.select("a", "b", "weight"),
            acc_nodes.filter(pl.col("node").is_in(members)).select("node", "platform"),
            f"campaign {cid}: accounts acting together",
            fig_dir / f"campaign_{cid}_graph.png",
        )
        per_campaign[cid] = [
            {"src": tl, "alt": f"Timeline of campaign {cid}"},
            {"src": gr, "alt": f"Account graph of campaign {cid}"},
        ]
    return per_campaign


def _render(name: str, *args: Any) -> Path:
    """Task: draw figure ``name`` (matplotlib is imported where the figure is drawn only)."""
    from . import figures

    return getattr(figures, name)(*args)


def _by_campaign(comments: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Return the flagged comments of each campaign, split in one pass (in input order)."""
    flagged = comments.filter(pl.col("campaign_id").is_not_null())
    return {
        k[0]: g
        for k, g in flagged.partition_by("campaign_id", as_dict=True, maintain_order=True).items()
    }


def _flagged(campaigns: pl.DataFrame) -> pl.DataFrame:
    """Return the flagged campaigns, strongest first."""
    if not campaigns.height:
        return campaigns
    return campaigns.filter(pl.col("flagged")).sort(
        ["score", "campaign_id"], descending=[True, False]
    )


def write_report(
    run: dict[str, Any], data: ReportData, out: Path, figures: dict[str, Any] | None = None
) -> Path:
    """Write ``out/index.html`` and ``out/figures/*.png`` and return the HTML path.

    Every flagged campaign gets its card, so a dump with a hundred campaigns stays a page a
    reviewer can open; the strongest get figures.

    Parameters
    ----------
    run : dict
        run.json's content (counts, files, parameters, timings).
    data : ReportData
        What the report shows.
    out : Path
        The output folder.
    figures : dict, optional
        What :func:`start_figures` returned, when the caller started the figures earlier.
    """
    import jinja2

    if figures is None:
        figures = start_figures(data, out)
    flagged_items = _flagged_items(data, figures)
    considered, automation = _unflagged(data.campaigns, data.reviews)
    rej = _reject_groups(data.rejects)
    comments, accounts, engine = data.comments, data.accounts, figures["engine"]
    # every figure task was submitted above: wait for them and embed the files
    for item in flagged_items:
        for f in item["figures"]:
            f["src"] = _data_uri(engine.gather([f["src"]])[0])
    figs = [(engine.gather([h])[0], alt) for h, alt in figures["dump"]]
    counts = run["counts"]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(
        visible=visible,
        short=short,
        count=count,
        anchor=lambda key, kind: anchor(kind, key),
    )
    template = env.from_string(
        resources.files(__package__).joinpath("template.html").read_text(encoding="utf-8")
    )
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    html = template.render(
        version=run["version"],
        started_at=run["started_at"],
        seed=run["seed"],
        run_time=round(sum(run["timings_s"].values()), 1),
        counts=counts,
        invariant=counts["rows_read"]
        == counts["accepted"] + counts["rejected"] + counts["duplicates_dropped"],
        files=run["files"],
        files_skipped=run.get("files_skipped", []),
        timings=run["timings_s"],
        parameters=json.dumps(run["parameters"], indent=2, ensure_ascii=False),
        n_flagged=len(flagged_items),
        n_flagged_accounts=int(accounts["flagged"].sum()),
        n_flagged_comments=int(comments["flagged"].sum()),
        n_accounts=accounts.height,
        span_start=cast(datetime, comments["created_at"].min()).strftime("%Y-%m-%d %H:%M"),
        span_end=cast(datetime, comments["created_at"].max()).strftime("%Y-%m-%d %H:%M"),
        platforms=", ".join(sorted(comments["platform"].unique().to_list())),
        threshold=run["parameters"]["campaigns"]["flag_threshold"],
        flagged=flagged_items,
        considered=considered,
        automation=automation,
        clusters=_shown_clusters(data.clusters, data.max_clusters_per_campaign),
        flagged_accounts=_flagged_accounts(accounts),
        n_with_figures=min(len(flagged_items), data.max_campaign_figures),
        rejects=rej,
        figures=[{"src": _data_uri(p), "alt": alt} for p, alt in figs],
        script=_SCRIPT,
        script_hash=script_hash,
    )
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def _flagged_items(data: ReportData, figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the card of each flagged campaign, strongest first.

    Its row, sub-scores, talking points, example comments, figures (handles), review state and
    accounts with evidence.
    """
    reviews, new_ids, evidence = data.reviews, data.new_ids, data.members
    flagged_rows = _flagged(data.campaigns)
    flagged_items = []
    by_campaign = figures["by_campaign"]
    why = {}  # campaign -> its accounts with their evidence, strongest first
    if evidence.height:
        for (cid,), g in evidence.group_by(["campaign_id"]):
            why[cid] = g.sort(["talking_point_share", "node"], descending=[True, False]).to_dicts()
    clusters_of = _clusters_by_campaign(data.clusters, data.max_clusters_per_campaign)
    n_clusters_of = (
        dict(data.clusters.group_by("campaign_id").len().drop_nulls().iter_rows())
        if data.clusters.height
        else {}
    )
    for c in flagged_rows.iter_rows(named=True):
        cid = c["campaign_id"]
        cc = by_campaign[cid]
        campaign_figures = figures["campaigns"].get(cid, [])
        examples = (
            cc.unique(subset=["text"], keep="first", maintain_order=True)
            .head(8)
            .select(
                pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M"),
                pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"),
                "cluster_id",
                "text",
            )
            .to_dicts()
        )
        flagged_items.append(
            {
                **c,
                "start": c["start"].strftime("%Y-%m-%d %H:%M"),
                "end": c["end"].strftime("%Y-%m-%d %H:%M"),
                "span": duration((c["end"] - c["start"]).total_seconds()),
                "clusters": clusters_of.get(cid, []),
                "n_clusters_all": n_clusters_of.get(cid, 0),
                "platforms": ", ".join(c["platforms"]),
                "subscores": [(k, c[k]) for k in SUBSCORES],
                "points": c["top_talking_points"] or [],
                "examples": examples,
                "figures": campaign_figures,
                "review": reviews.get(cid, ""),
                "new": new_ids is not None and cid in new_ids,
                "accounts": why.get(cid, []),
            }
        )
    return flagged_items


def _listed_clusters(clusters: pl.DataFrame, per_campaign: int) -> pl.DataFrame:
    """Each flagged campaign's ``per_campaign`` largest clusters, largest first."""
    return (
        clusters.filter(pl.col("campaign_id").is_not_null())
        .sort(["n_comments", "cluster_id"], descending=[True, False])
        .group_by("campaign_id", maintain_order=True)
        .head(per_campaign)
    )


def _clusters_by_campaign(
    clusters: pl.DataFrame, per_campaign: int
) -> dict[str, list[dict[str, Any]]]:
    """Return each flagged campaign's largest clusters, largest first."""
    if not clusters.height:
        return {}
    flagged = _listed_clusters(clusters, per_campaign)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in flagged.select(
        "campaign_id", "cluster_id", "n_comments", "n_accounts", "representative_text"
    ).iter_rows(named=True):
        out.setdefault(row["campaign_id"], []).append(row)
    return out


def _shown_clusters(
    clusters: pl.DataFrame, per_campaign: int, largest: int = 30
) -> list[dict[str, Any]]:
    """Return the clusters the cards list (they link to them) and the largest others."""
    if not clusters.height:
        return []
    listed = _listed_clusters(clusters, per_campaign)["cluster_id"].implode()
    keep = pl.col("cluster_id").is_in(listed) | (pl.int_range(pl.len()) < largest)
    return clusters.filter(keep).to_dicts()


def _flagged_accounts(accounts: pl.DataFrame) -> list[dict[str, Any]]:
    """List the flagged accounts, most comments in campaigns first, with their campaigns."""
    if not accounts.height:
        return []
    return (
        accounts.filter(pl.col("flagged"))
        .sort(["n_flagged_comments", "platform", "account_id"], descending=[True, False, False])
        .with_columns(
            pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"),
            pl.col("campaign_ids").str.split(";").alias("campaigns"),
        )
        .to_dicts()
    )


def _unflagged(
    campaigns: pl.DataFrame, reviews: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the candidates considered and not flagged, and the automation findings."""
    if not campaigns.height:
        return [], []
    is_auto = pl.col("kind") == "automation" if "kind" in campaigns.columns else pl.lit(False)

    def rows(which: pl.Expr) -> list[dict[str, Any]]:
        unflagged = campaigns.filter(~pl.col("flagged") & which)
        return [
            {**c, "review": reviews.get(c["campaign_id"], "")}
            for c in unflagged.iter_rows(named=True)
        ]

    return rows(~is_auto), rows(is_auto)


def _reject_groups(rejects: pl.DataFrame) -> list[dict[str, Any]]:
    """Rejected records by reason.

    Most frequent first, with what each reason means and three examples.
    """
    rej = []
    if rejects.height:
        for (reason,), g in rejects.group_by(["reason"], maintain_order=True):
            rej.append(
                {
                    "reason": reason,
                    "n": g.height,
                    "meaning": REJECT_REASONS.get(reason, ""),
                    "examples": g.head(3).to_dicts(),
                }
            )
        rej.sort(key=lambda r: (-r["n"], r["reason"]))
    return rej
