"""Why each account of a flagged campaign is in it.

Its strongest co-actions with the campaign's other accounts (with whom, on what, how close, the
p-value) and its share of comments on the campaign's talking points.
"""

from __future__ import annotations

import polars as pl

from ..coordination import CoordinationResult
from .items import item_label, on_point, uses

__all__ = [
    "account_evidence",
]


def account_evidence(
    cand: pl.DataFrame,
    scored: pl.DataFrame,
    inf: pl.DataFrame,
    coord: CoordinationResult,
    k_min: int,
) -> pl.DataFrame:
    """Why each account of a flagged campaign is in it.

    Its share of comments on the campaign's shared talking points, and its three strongest
    co-actions beyond chance with the campaign's other accounts (with whom, kind, on what,
    how close in time, p-value). Linear: the closest co-action of each pair is found among
    neighbours in time.

    Parameters
    ----------
    cand : polars.DataFrame
        The candidates' comments (``cand`` and the scoring columns).
    scored : polars.DataFrame
        cand, campaign_id, flagged per candidate.
    inf : polars.DataFrame
        The informative clusters' ids.
    coord : CoordinationResult
        The tested pairs (``edges``).
    k_min : int
        Accounts that make a point shared.
    """
    flagged = scored.filter(pl.col("flagged")).select("cand", "campaign_id")
    fc = cand.join(flagged, on="cand")
    if fc.height == 0:
        return pl.DataFrame(schema=_SCHEMA)
    shared = (
        fc.filter(pl.col("cluster_id").is_in(inf["cluster_id"].implode()))
        .group_by("cand", "cluster_id")
        .agg(pl.col("node").n_unique().alias("k"))
        .filter(pl.col("k") >= k_min)
    )
    fc = fc.with_columns(on_point(fc, shared, k_min))
    share = fc.group_by("cand", "campaign_id", "node").agg(
        pl.col("on_point").mean().round(3).alias("talking_point_share")
    )
    members = fc.select("cand", "node").unique()
    nodes = members["node"].unique().implode()
    sig = coord.edges.filter(
        pl.col("significant") & pl.col("a").is_in(nodes) & pl.col("b").is_in(nodes)
    ).select("a", "b", "kind", "n_items", "p_value")
    inside = sig.join(members.rename({"node": "a"}), on="a").join(
        members.rename({"node": "b"}), on=["b", "cand"]
    )
    inside = inside.join(_closest(fc), on=["cand", "a", "b", "kind"], how="left")
    return (
        share.join(_top_three(inside), on=["cand", "node"], how="left")
        .select("node", "campaign_id", "talking_point_share", "evidence")
        .sort("campaign_id", "node")
    )


_SCHEMA = {
    "node": pl.String,
    "campaign_id": pl.String,
    "talking_point_share": pl.Float64,
    "evidence": pl.String,
}


def _closest(fc: pl.DataFrame) -> pl.DataFrame:
    """Return the closest co-action of each pair and kind inside a candidate.

    The closest co-action of each pair and kind inside a candidate (neighbours in time on one
    item): cand, a, b, kind, dt (seconds) and what it was on.
    """
    used = uses(
        fc,
        ["cand", "node", "created_at", "text"],
        ("text", "link", "hashtag", "share", "reply", "thread"),
    ).sort("cand", "kind", "item", "created_at", "node")
    prev = [pl.col(c).shift(1) for c in ("cand", "kind", "item", "node", "created_at")]
    return (
        used.with_columns(
            (
                (pl.col("cand") == prev[0])
                & (pl.col("kind") == prev[1])
                & (pl.col("item") == prev[2])
                & (pl.col("node") != prev[3])
            ).alias("pair"),
            pl.min_horizontal("node", prev[3]).alias("a"),
            pl.max_horizontal("node", prev[3]).alias("b"),
            (pl.col("created_at") - prev[4]).dt.total_seconds().alias("dt"),
        )
        .filter(pl.col("pair").fill_null(False))
        .group_by("cand", "a", "b", "kind")
        .agg(
            pl.col("dt").min(),
            pl.col("item").sort_by("dt", "item").first(),
            pl.col("text").sort_by("dt", "item").first(),
        )
        .select(
            "cand",
            "a",
            "b",
            "kind",
            "dt",
            item_label(pl.col("kind"), pl.col("item"), pl.col("text")).alias("what"),
        )
    )


def _top_three(inside: pl.DataFrame) -> pl.DataFrame:
    """Each account's three best co-actions (lowest p-values) as one ``evidence`` line."""
    line = pl.concat_str(
        pl.lit("with "),
        pl.col("other"),
        pl.lit(": "),
        pl.col("kind"),
        pl.lit(", "),
        pl.col("n_items").cast(pl.String),
        pl.lit(" items"),
        pl.when(pl.col("what").is_not_null())
        .then(
            pl.concat_str(
                pl.lit(", e.g. "),
                pl.col("what"),
                pl.lit(" "),
                pl.col("dt").cast(pl.Int64).cast(pl.String),
                pl.lit(" s apart"),
            )
        )
        .otherwise(pl.lit("")),
        pl.lit(", p="),
        pl.col("p_value").map_elements(lambda p: f"{p:.1e}", return_dtype=pl.String),
    )
    rest = ["kind", "n_items", "p_value", "what", "dt"]
    ends = pl.concat(  # each edge from both of its ends
        [
            inside.select("cand", pl.col(x).alias("node"), pl.col(y).alias("other"), *rest)
            for x, y in (("a", "b"), ("b", "a"))
        ]
    )
    # the three best of each account: a cut at its third-best p-value first (a partial sort
    # per account), then a full sort of what is left
    third = pl.col("p_value").bottom_k(3).max().over("cand", "node")
    return (
        ends.filter(pl.col("p_value") <= third)
        .sort(
            ["cand", "node", "p_value", "n_items", "other"],
            descending=[False, False, False, True, False],
        )
        .group_by("cand", "node", maintain_order=True)
        .head(3)
        .with_columns(line.alias("line"))
        .group_by("cand", "node", maintain_order=True)
        .agg(pl.col("line").str.join("; ").alias("evidence"))
    )
