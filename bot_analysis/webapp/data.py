"""A run's output folder, loaded once and queried per page of the review app.

Everything a page needs is a filter of a table held in memory (polars): a campaign page of a
million-comment run is a few filters, not a scan of files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import InputError
from ..review import fingerprint

__all__ = ["RunData", "load_run"]

# the columns of comments.parquet an account page shows
_COMMENT_COLUMNS = (
    "comment_id",
    "platform",
    "account_id",
    "created_at",
    "thread_id",
    "text",
    "cluster_id",
    "campaign_id",
)


@dataclass
class RunData:
    """The tables of one run, and the content fingerprints decisions are keyed by.

    Attributes
    ----------
    out : Path
        The run's output folder.
    run : dict
        run.json.
    campaigns : polars.DataFrame
        Every candidate, with ``fingerprint`` (its largest cluster's) and ``order`` (the
        queue's: flagged first, strongest first).
    clusters : polars.DataFrame
        clusters.parquet with ``fingerprint``.
    comments : polars.DataFrame
        The comment table's shown columns, with ``node``.
    members : polars.DataFrame
        Each flagged campaign's accounts with their evidence.
    accounts : polars.DataFrame
        accounts.parquet with ``node``.
    edges : polars.DataFrame
        The significant co-action tests.
    bursts : polars.DataFrame
        bursts.csv (series, kind, start, end, ...).
    graph : polars.DataFrame
        The account graph (a, b, weight, n_items, types).
    """

    out: Path
    run: dict[str, Any]
    campaigns: pl.DataFrame
    clusters: pl.DataFrame
    comments: pl.DataFrame
    members: pl.DataFrame
    accounts: pl.DataFrame
    edges: pl.DataFrame
    bursts: pl.DataFrame
    graph: pl.DataFrame

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """Return one campaign's row, or None."""
        rows = self.campaigns.filter(pl.col("campaign_id") == campaign_id)
        return rows.row(0, named=True) if rows.height else None

    def cluster(self, cluster_id: str) -> dict[str, Any] | None:
        """Return one cluster's row, or None."""
        rows = self.clusters.filter(pl.col("cluster_id") == cluster_id)
        return rows.row(0, named=True) if rows.height else None

    def campaign_clusters(self, campaign: dict[str, Any]) -> pl.DataFrame:
        """Return a campaign's clusters: those assigned to it and its largest ones."""
        top = campaign.get("top_clusters") or []
        return self.clusters.filter(
            (pl.col("campaign_id") == campaign["campaign_id"]) | pl.col("cluster_id").is_in(top)
        ).sort(["n_comments", "cluster_id"], descending=[True, False])

    def cluster_fingerprints(self, campaign: dict[str, Any]) -> list[str]:
        """Return the fingerprints of a campaign's clusters (how later runs find it)."""
        return self.campaign_clusters(campaign)["fingerprint"].to_list()

    def closest(self, node: str, others: list[str]) -> pl.DataFrame:
        """Return, per other account and kind, the closest pair of uses of one item.

        For the kinds the comment table shows (``text``: the same near-duplicate cluster,
        ``thread``: the same thread): other, kind, what (the cluster or thread), dt (seconds
        apart). Linear in the two accounts' comments: each of ``node``'s uses is compared
        with the others' uses of the same item.
        """
        mine = self.comments.filter(pl.col("node") == node)
        theirs = self.comments.filter(pl.col("node").is_in(others))
        parts = []
        for kind, key in (("text", "cluster_id"), ("thread", "thread_id")):
            pairs = (
                mine.select(key, pl.col("created_at").alias("t0"))
                .drop_nulls(key)
                .join(theirs.select(key, "node", "created_at").drop_nulls(key), on=key)
                .with_columns(
                    (pl.col("created_at") - pl.col("t0")).dt.total_seconds().abs().alias("dt")
                )
                .sort(["node", "dt", key])
                .group_by("node", maintain_order=True)
                .first()
            )
            parts.append(
                pairs.select(
                    pl.col("node").alias("other"),
                    pl.lit(kind).alias("kind"),
                    pl.col(key).cast(pl.String).alias("what"),
                    "dt",
                )
            )
        return pl.concat(parts)

    def search(self, phrase: str) -> set[str]:
        """Return the campaigns whose comments or talking points contain ``phrase``.

        Case-insensitive, literal (no pattern syntax): a reviewer types words.
        """
        needle = phrase.lower()
        hits = self.comments.filter(
            pl.col("campaign_id").is_not_null()
            & pl.col("text").str.to_lowercase().str.contains(needle, literal=True)
        )["campaign_id"]
        by_cluster = self.clusters.filter(
            pl.col("representative_text").str.to_lowercase().str.contains(needle, literal=True)
        )["cluster_id"]
        via_clusters = self.campaigns.filter(
            pl.col("top_clusters").list.eval(pl.element().is_in(by_cluster.implode())).list.any()
        )["campaign_id"]
        return set(hits.to_list()) | set(via_clusters.to_list())


def _read(out: Path, name: str) -> pl.DataFrame:
    path = out / name
    if not path.exists():
        raise InputError(f"{out} has no {name}: give the --out folder of an analyze run")
    return pl.read_csv(path) if name.endswith(".csv") else pl.read_parquet(path)


def load_run(out: str | Path) -> RunData:
    """Load a run's output folder for the review app.

    Parameters
    ----------
    out : str or Path
        The ``--out`` folder of ``bot-analysis analyze``.

    Raises
    ------
    InputError
        If the folder is not an analyze run's output.
    """
    out = Path(out)
    try:
        run = json.loads((out / "run.json").read_text("utf-8"))
        campaigns_raw = json.loads((out / "campaigns.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise InputError(f"{out} is not the output folder of an analyze run") from None
    clusters = _read(out, "clusters.parquet")
    clusters = clusters.with_columns(
        pl.col("text_norm").map_elements(fingerprint, return_dtype=pl.String).alias("fingerprint")
    )
    campaigns = _campaigns(campaigns_raw, clusters)
    comments = (
        pl.scan_parquet(out / "comments.parquet")
        .select(_COMMENT_COLUMNS)
        .with_columns(pl.concat_str("platform", pl.lit(":"), "account_id").alias("node"))
        .collect()
    )
    members_path = out / "campaign_accounts.parquet"
    members = (
        pl.read_parquet(members_path)
        if members_path.exists()
        else pl.DataFrame(
            schema={
                "node": pl.String,
                "campaign_id": pl.String,
                "talking_point_share": pl.Float64,
                "evidence": pl.String,
            }
        )
    )
    accounts = _read(out, "accounts.parquet").with_columns(
        pl.concat_str("platform", pl.lit(":"), "account_id").alias("node")
    )
    edges = pl.read_csv(out / "graph_edges.csv", infer_schema_length=0).with_columns(
        pl.col("n_items").cast(pl.Int64),
        pl.col("expected").cast(pl.Float64),
        pl.col("p_value").cast(pl.Float64),
        pl.col("q_value").cast(pl.Float64),
    )
    bursts = (
        pl.read_csv(out / "bursts.csv", try_parse_dates=True)
        if (out / "bursts.csv").exists()
        else pl.DataFrame(schema={"series": pl.String, "start": pl.Datetime, "end": pl.Datetime})
    )
    graph = (
        pl.read_parquet(out / "graph.parquet")
        if (out / "graph.parquet").exists()
        else pl.DataFrame(schema={"a": pl.String, "b": pl.String, "weight": pl.Float64})
    )
    return RunData(out, run, campaigns, clusters, comments, members, accounts, edges, bursts, graph)


def _campaigns(rows: list[dict[str, Any]], clusters: pl.DataFrame) -> pl.DataFrame:
    """Return the campaigns with their fingerprint and queue order.

    The fingerprint is their largest cluster's, else their id (the hash of their accounts).
    """
    if not rows:
        return pl.DataFrame(
            schema={"campaign_id": pl.String, "fingerprint": pl.String, "order": pl.UInt32}
        )
    camp = pl.DataFrame(rows, infer_schema_length=None)
    camp = camp.with_columns(  # campaigns.json writes times as text
        pl.col(c).str.to_datetime(time_unit="us", time_zone="UTC")
        for c in ("start", "end")
        if camp.schema.get(c) == pl.String
    )
    if "top_clusters" not in camp.columns:
        camp = camp.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("top_clusters"))
    fp_of = dict(clusters.select("cluster_id", "fingerprint").iter_rows())
    fps = [
        next((fp_of[c] for c in (tops or []) if c in fp_of), "id:" + cid)
        for cid, tops in camp.select("campaign_id", "top_clusters").iter_rows()
    ]
    return (
        camp.with_columns(pl.Series("fingerprint", fps, dtype=pl.String))
        .sort(["flagged", "score", "campaign_id"], descending=[True, True, False])
        .with_row_index("order")
    )
