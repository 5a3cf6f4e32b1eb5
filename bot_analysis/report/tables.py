"""The output contract's tables, built from the stages' results by pure functions.

Each function takes polars frames and returns one: what ``campaigns.csv``, ``clusters.csv``,
``accounts.csv``, ``flagged_comments.csv`` and ``review.csv`` hold (see DESIGN.md), so that
a notebook gets the same tables as the files.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "CLUSTER_COLUMNS",
    "accounts_table",
    "campaign_accounts",
    "campaigns_for_csv",
    "clusters_table",
    "flagged_comments",
    "review_rows",
    "with_campaigns",
]

#: clusters.csv's columns, in order (``template`` where near-duplicates found templates).
CLUSTER_COLUMNS = (
    "cluster_id",
    "n_comments",
    "n_accounts",
    "first_seen",
    "last_seen",
    "campaign_id",
    "representative_text",
    "text_norm",
    "n_texts",
    "n_tokens",
    "info_bits",
    "informative",
    "template",
)

_CAMPAIGN_LEAD = (
    "campaign_id",
    "kind",
    "flagged",
    "score",
    "start",
    "end",
    "n_comments",
    "n_accounts",
    "n_clusters",
    "signals",
    "summary",
)

_FLAGGED_COLUMNS = (
    "comment_id",
    "account_id",
    "created_at",
    "thread_id",
    "cluster_id",
    "campaign_id",
    "text",
    "platform",
    "source",
)


# the campaign stage's evidence: per account of a flagged campaign
_EVIDENCE_SCHEMA = {
    "node": pl.String,
    "campaign_id": pl.String,
    "talking_point_share": pl.Float64,
    "evidence": pl.String,
}


def with_campaigns(comments: pl.DataFrame, comment_campaign: pl.DataFrame) -> pl.DataFrame:
    """Return the comment table plus ``campaign_id`` (its flagged campaign) and ``flagged``.

    Parameters
    ----------
    comments : polars.DataFrame
        The comment table, in input order (kept).
    comment_campaign : polars.DataFrame
        platform, comment_id, campaign_id, flagged: each campaign's comments.
    """
    # a narrow join, then hstack: the comment table's columns are shared, not copied
    camp_id = comments.select("platform", "comment_id").join(
        comment_campaign.filter(pl.col("flagged")).select("platform", "comment_id", "campaign_id"),
        on=["platform", "comment_id"],
        how="left",
        maintain_order="left",
    )["campaign_id"]
    return comments.with_columns(camp_id, camp_id.is_not_null().alias("flagged"))


def clusters_table(clusters: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """clusters.csv: each cluster with the flagged campaign most of its comments belong to.

    Parameters
    ----------
    clusters : polars.DataFrame
        The near-duplicate stage's clusters.
    comments : polars.DataFrame
        The comment table with ``campaign_id`` (see :func:`with_campaigns`).
    """
    cl_camp = (
        comments.filter(pl.col("campaign_id").is_not_null())
        .group_by("cluster_id", "campaign_id")
        .len()
        .sort(["cluster_id", "len", "campaign_id"], descending=[False, True, False])
        .unique(subset=["cluster_id"], keep="first", maintain_order=True)
        .select("cluster_id", "campaign_id")
    )
    joined = clusters.join(cl_camp, on="cluster_id", how="left", maintain_order="left")
    return joined.select(c for c in CLUSTER_COLUMNS if c in joined.columns)


def campaigns_for_csv(campaigns: pl.DataFrame) -> pl.DataFrame:
    """Return the campaigns as campaigns.csv holds them.

    campaigns.csv: list columns joined (platforms by ``;``, rare items by spaces), the leading
    columns first, ``top_clusters`` left to campaigns.json's readers of clusters.

    Parameters
    ----------
    campaigns : polars.DataFrame
        The campaigns (``Result.campaigns``).
    """
    if not campaigns.height:
        return campaigns
    flat = campaigns.with_columns(
        pl.col("platforms").list.join(";"),
        pl.col("rare_items").list.join(" "),
    ).drop("top_clusters")
    lead = [c for c in _CAMPAIGN_LEAD if c in flat.columns]
    return flat.select(*lead, *[c for c in flat.columns if c not in lead])


def flagged_comments(comments: pl.DataFrame, source: pl.Series | None = None) -> pl.DataFrame:
    """flagged_comments.csv: the comments of flagged campaigns.

    Parameters
    ----------
    comments : polars.DataFrame
        The comment table with ``campaign_id`` and ``flagged``.
    source : polars.Series, optional
        The flagged comments' ``source`` where the table does not hold it (spilled to disk).
    """
    flagged = comments.filter(pl.col("flagged"))
    out = flagged.select(c for c in _FLAGGED_COLUMNS if c in comments.columns)
    if source is not None and "source" not in out.columns:
        out = out.with_columns(source.alias("source"))
    return out


def evidence_of(evidence: pl.DataFrame, campaigns: pl.DataFrame) -> pl.DataFrame:
    """Each flagged account's evidence in its highest-scoring flagged campaign.

    Parameters
    ----------
    evidence : polars.DataFrame
        node, campaign_id, talking_point_share, evidence: per account of a flagged campaign.
    campaigns : polars.DataFrame
        The campaigns (their ``score`` ranks an account's campaigns).
    """
    if evidence.is_empty():
        return pl.DataFrame(schema=_EVIDENCE_SCHEMA).drop("campaign_id")
    return (
        evidence.join(campaigns.select("campaign_id", "score"), on="campaign_id")
        .sort(["score", "campaign_id"], descending=[True, False])
        .unique("node", keep="first", maintain_order=True)
        .select("node", "talking_point_share", "evidence")
    )


def campaign_accounts(membership: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """Return every candidate's accounts, with the evidence where its campaign is flagged.

    Parameters
    ----------
    membership : polars.DataFrame
        node, campaign_id: each candidate's accounts.
    evidence : polars.DataFrame
        node, campaign_id, talking_point_share, evidence: per account of a flagged campaign.
    """
    if evidence.is_empty():
        evidence = pl.DataFrame(schema=_EVIDENCE_SCHEMA)
    return (
        membership.select("node", "campaign_id")
        .unique()
        .join(evidence, on=["node", "campaign_id"], how="left")
        .select("node", "campaign_id", "talking_point_share", "evidence")
        .sort("campaign_id", "node")
    )


def accounts_table(
    accounts: pl.DataFrame,
    membership: pl.DataFrame,
    comments: pl.DataFrame,
    evidence: pl.DataFrame,
) -> pl.DataFrame:
    """accounts.csv: every account, its comments, flagged comments, campaigns and evidence.

    Parameters
    ----------
    accounts : polars.DataFrame
        The coordination stage's accounts (node, platform, account_id, n_comments,
        coordination_score, community).
    membership : polars.DataFrame
        node, campaign_id, flagged: the campaigns' accounts.
    comments : polars.DataFrame
        The comment table with ``flagged``.
    evidence : polars.DataFrame
        Per account, its evidence (see :func:`evidence_of`).
    """
    memb = membership.filter(pl.col("flagged"))
    return (
        accounts.join(
            memb.group_by("node").agg(
                pl.col("campaign_id").sort().str.join(";").alias("campaign_ids")
            ),
            on="node",
            how="left",
        )
        .join(
            comments.filter(pl.col("flagged") & pl.col("account_id").is_not_null())
            .group_by("platform", "account_id")
            .len()
            .rename({"len": "n_flagged_comments"}),
            on=["platform", "account_id"],
            how="left",
        )
        .join(evidence, on="node", how="left")
        .select(
            "account_id",
            "platform",
            "n_comments",
            pl.col("n_flagged_comments").fill_null(0),
            pl.col("campaign_ids").fill_null(""),
            "coordination_score",
            "community",
            pl.col("campaign_ids").is_not_null().alias("flagged"),
            "talking_point_share",
            pl.col("evidence").fill_null(""),
        )
        .sort("platform", "account_id")
    )


_REVIEW_SCHEMA = {
    "kind": pl.String,
    "id": pl.String,
    "fingerprint": pl.String,
    "cluster_fingerprints": pl.String,
    "what": pl.String,
    "previous": pl.String,
    "decision": pl.String,
    "note": pl.String,
}


def review_rows(
    campaigns: pl.DataFrame, clusters: pl.DataFrame, reviews: dict[str, str]
) -> pl.DataFrame:
    """review.csv: every flagged (or reviewed) campaign and the clusters of flagged ones.

    Rows are keyed by content fingerprints, so that decisions carry to later runs.

    Parameters
    ----------
    campaigns : polars.DataFrame
        The campaigns, with ``top_clusters`` (and ``review`` when decisions were carried).
    clusters : polars.DataFrame
        clusters.csv's table (see :func:`clusters_table`).
    reviews : dict
        The decision carried to each campaign or cluster id.
    """
    from ..review import fingerprint

    if campaigns.height == 0:
        return pl.DataFrame(schema=_REVIEW_SCHEMA)
    flagged_ids = campaigns.filter(pl.col("flagged"))["campaign_id"]
    fp_of = {c: fingerprint(t) for c, t in clusters.select("cluster_id", "text_norm").iter_rows()}
    rows = []
    reviewed = (
        campaigns.filter(pl.col("flagged") | (pl.col("review") != ""))
        if "review" in campaigns.columns
        else campaigns.filter(pl.col("flagged"))
    )
    for c in reviewed.iter_rows(named=True):
        fps = [fp_of[k] for k in (c["top_clusters"] or []) if k in fp_of]
        rows.append(
            (
                "campaign",
                c["campaign_id"],
                fps[0] if fps else "",
                ";".join(fps),
                c["summary"],
                reviews.get(c["campaign_id"], ""),
                "",
                "",
            )
        )
    for cid, text in (
        clusters.filter(pl.col("campaign_id").is_in(flagged_ids.implode()))
        .select("cluster_id", "representative_text")
        .iter_rows()
    ):
        rows.append(("cluster", cid, fp_of.get(cid, ""), "", text, reviews.get(cid, ""), "", ""))
    return pl.DataFrame(rows, schema=_REVIEW_SCHEMA, orient="row")
