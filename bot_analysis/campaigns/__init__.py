"""Campaigns: scored, explained findings assembled from communities and near-duplicate clusters.

Candidates are (1) the communities of the coordination graph and (2) large informative
clusters posted mostly outside those communities (a meme, a quote, a viral phrase), so that a
reviewer sees what was considered. Each candidate gets sub-scores in 0-1:

- ``text_similarity``: share of its comments on talking points that at least three of its
  accounts share: informative near-duplicate clusters, re-shares of one original, replies
  to one comment (a brigade answering in its own words), a link or a hashtag;
- ``synchrony``: how strongly its accounts act together beyond chance: per account, the
  strengths of its significant co-action edges with the candidate's other accounts, summed
  and capped at 1, averaged (see :mod:`bot_analysis.coordination`);
- ``burstiness``: share of its comments in Kleinberg burst states of its own series;
- ``volume_concentration``: ``1 - 1/(comments per account)``: organic look-alikes post once;
- ``thread_repetition``: ``1 - 1/(threads per talking point)``: the same text on many threads;
- ``shared_rare_items``: a link or hashtag used by three or more of its accounts and mostly
  (80%) by them;
- ``cross_platform``: two or more platforms with two or more accounts each.

The score is ``sum(w_b * b for b in behaviour) + max(behaviour) * sum(w_c * c for c in
content)``: the behaviour sub-scores (synchrony, volume concentration) count directly and gate
the content ones (the rest). Weights are in ``CampaignConfig``; a candidate is flagged when
the score reaches ``flag_threshold`` and it has ``min_accounts``. Organic look-alikes stay
unflagged by what they are, not by special cases: a viral surge or a meme has no co-actions
beyond chance and one comment per account; common phrases are uninformative and never make a
cluster candidate; a fan group co-acts on threads only, which scores only beside content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import polars as pl

from ..bursts import candidate_bursts, span_us_of
from ..config import BurstConfig, CampaignConfig
from ..coordination import CoordinationResult
from .candidates import Candidates, find_candidates
from .evidence import account_evidence
from .scoring import score

__all__ = [
    "CampaignResult",
    "Candidates",
    "assemble_campaigns",
    "find_candidates",
    "score_candidates",
]
log = logging.getLogger(__name__)


@dataclass
class CampaignResult:
    """``campaigns``: one row per candidate (flagged or not).

    ``membership``: node -> campaign_id; ``comment_campaign``: comment_id/platform ->
    campaign_id; ``evidence``: see below.
    """

    campaigns: pl.DataFrame
    membership: pl.DataFrame
    comment_campaign: pl.DataFrame
    stats: dict
    evidence: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Per account of a flagged campaign: node, campaign_id, talking_point_share (its comments'
    share on the campaign's shared talking points) and evidence (its strongest co-actions
    with the campaign's other accounts: with whom, on what, how close, the p-value)."""
    bursts: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Each campaign's bursts (series: its campaign id), those its burstiness was scored on."""


def score_candidates(
    cands: Candidates, bursts: pl.DataFrame, coord: CoordinationResult, cfg: CampaignConfig
) -> CampaignResult:
    """Score, flag and explain the candidates; one campaign per comment.

    Parameters
    ----------
    cands : Candidates
        What :func:`find_candidates` returned.
    bursts : polars.DataFrame
        Each candidate's bursts (:func:`~bot_analysis.bursts.candidate_bursts`): its
        burstiness sub-score, and the campaign's bursts in the report.
    coord : CoordinationResult
        The account graph and its tests (the evidence against each account).
    cfg : CampaignConfig
        The scoring parameters.
    """
    cand = cands.comments
    if cand.height == 0:
        return replace(empty_result(), bursts=bursts)
    scored = score(cands, bursts, cfg)
    # one campaign per comment: the highest-scoring candidate that holds it
    comment_campaign = (
        cand.join(scored.select("cand", "campaign_id", "score", "flagged"), on="cand")
        .sort(["score", "campaign_id"], descending=[True, False])
        .unique(subset=["platform", "comment_id"], keep="first", maintain_order=True)
        .select("platform", "comment_id", "campaign_id", "flagged")
    )
    membership = (
        cand.select("cand", "node")
        .unique()
        .join(scored.select("cand", "campaign_id", "flagged", "score"), on="cand")
        .select("node", "campaign_id", "flagged", "score")
    )
    campaigns = scored.drop("cand").sort(
        ["flagged", "score", "campaign_id"], descending=[True, True, False]
    )
    stats = {
        "candidates": campaigns.height,
        "flagged": int(campaigns["flagged"].sum()),
        "flagged_comments": int(comment_campaign["flagged"].sum()),
    }
    log.info("campaigns: %d candidates, %d flagged", campaigns.height, stats["flagged"])
    ids = dict(scored.select("cand", "campaign_id").iter_rows())
    return CampaignResult(
        campaigns,
        membership,
        comment_campaign,
        stats,
        account_evidence(cand, scored, cands.informative, coord, cfg.min_sharing_accounts),
        bursts.with_columns(pl.col("series").replace_strict(ids, return_dtype=pl.String)),
    )


def assemble_campaigns(
    comments: pl.DataFrame,
    clusters: pl.DataFrame,
    coord: CoordinationResult,
    cfg: CampaignConfig,
    bursts: BurstConfig | None = None,
) -> CampaignResult:
    """Find, score and explain campaign candidates in one call (the stages of a run).

    Parameters
    ----------
    comments : polars.DataFrame
        Canonical comments with the near-duplicate columns.
    clusters : polars.DataFrame
        The near-duplicate clusters table.
    coord : CoordinationResult
        The coordination stage's result.
    cfg : CampaignConfig
        The campaign parameters.
    bursts : BurstConfig, optional
        The burst parameters (default: the defaults).
    """
    cands = find_candidates(comments, clusters, coord, cfg)
    span = span_us_of(comments["created_at"])
    cb = candidate_bursts(cands.comments, bursts or BurstConfig(), span)
    return score_candidates(cands, cb, coord, cfg)


def empty_result() -> CampaignResult:
    return CampaignResult(
        pl.DataFrame(schema={"campaign_id": pl.String, "flagged": pl.Boolean, "score": pl.Float64}),
        pl.DataFrame(
            schema={
                "node": pl.String,
                "campaign_id": pl.String,
                "flagged": pl.Boolean,
                "score": pl.Float64,
            }
        ),
        pl.DataFrame(
            schema={
                "platform": pl.String,
                "comment_id": pl.String,
                "campaign_id": pl.String,
                "flagged": pl.Boolean,
            }
        ),
        {"candidates": 0, "flagged": 0, "flagged_comments": 0},
    )
