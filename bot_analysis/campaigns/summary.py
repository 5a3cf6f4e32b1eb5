"""A candidate's one-paragraph summary: what its accounts did, and why it is or is not flagged."""

from __future__ import annotations

import logging

from ..config import CampaignConfig
from ..wording import count, duration

__all__ = [
    "summary",
]
log = logging.getLogger("bot_analysis.campaigns")


_REASONS_LOW = {
    "text_similarity": "little shared wording",
    "synchrony": "no co-actions beyond chance",
    "burstiness": "no burst",
    "volume_concentration": "about one comment per account",
    "thread_repetition": "the same text seldom repeated across threads",
}


def summary(r: dict, fired: list[str], cfg: CampaignConfig, n_dump: int = 0) -> str:
    """Write a candidate's summary: who did what, how closely, and why it is or is not flagged."""
    when = duration((r["end"] - r["start"]).total_seconds())
    plats = " and ".join(r["platforms"])
    accounts = f"{count(r['n_accounts'], 'account')} on {plats}"
    if r["kind"] == "automation":
        return (
            f"Automated template posting: {accounts} posted "
            f"{count(r['n_comments'], 'comment')} from "
            f"{count(r['n_templates'], 'template')} that differ only in names and numbers "
            f'(e.g. "{r["template"]}") within {when}. Not a coordinated campaign: automation '
            f"a reviewer may still want to know about."
        )
    if r["n_reposts"] * 2 >= r["n_comments"]:  # amplification: mostly re-shares
        shared = r["n_reshared"] or 0
        what = "the same post" if shared == 1 else f"the same {count(shared, 'post')}"
        text = (
            f"{accounts} re-shared {what} ({r['n_reposts']:,} of their "
            f"{count(r['n_comments'], 'post')} are re-shares) within {when}."
        )
    elif (r["n_co_replies"] or 0) * 2 >= r["n_comments"]:  # a reply brigade
        text = (
            f"{accounts} answered the same {count(r['n_reply_targets'], 'comment')} "
            f"({r['n_co_replies']:,} of their {count(r['n_comments'], 'comment')}, three or "
            f"more accounts on each) within {when}."
        )
    else:
        texts = f"; {count(r['n_clusters'], 'near-duplicate text')}" if r["n_clusters"] else ""
        where = f" on {count(r['n_threads'], 'thread')}" if r["n_threads"] else ""
        text = (
            f"{accounts} posted {count(r['n_comments'], 'comment')} "
            f"({r['text_similarity']:.0%} on talking points three or more of them share"
            f"{texts}){where} within {when}."
        )
    if r["flagged"]:
        extra = []
        if r["synchrony"] >= 0.5:
            extra.append(f"their co-actions are far beyond chance (synchrony {r['synchrony']:.2f})")
        if r["burstiness"] >= 0.5:
            extra.append(f"{r['burstiness']:.0%} of the comments fell in bursts")
        if r["rare_items"]:
            extra.append(f"they shared {', '.join(r['rare_items'][:2])}")
        if r["cross_platform"]:
            extra.append("the same talking points appeared on several platforms at once")
        return text + (" " + "; ".join(extra).capitalize() + "." if extra else "")
    low = [_REASONS_LOW[k] for k in _REASONS_LOW if r[k] is not None and r[k] < 0.3]
    if (
        r["synchrony"] < 0.3
        and not r.get("n_testable")
        and r["n_accounts"] >= 2
        and r["volume_concentration"] >= 0.5  # they act repeatedly: the data, not they, fall short
    ):
        # not "no co-actions beyond chance": nothing here could have shown any
        pairs = r["n_accounts"] * (r["n_accounts"] - 1) // 2
        low[low.index(_REASONS_LOW["synchrony"])] = (
            f"too little data to test whether its accounts act together beyond chance (none "
            f"of its {pairs:,} account pairs could reach significance in a dump of "
            f"{n_dump:,} comments, even had they shared all their items)"
        )
    why = "; ".join(low) if low else f"score {r['score']:.2f} below {cfg.flag_threshold}"
    return text + f" Not flagged: {why}."
