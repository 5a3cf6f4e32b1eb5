"""Reviewer decisions on flagged campaigns and clusters, kept in SQLite across runs.

Decisions are keyed by a content fingerprint, not by run-specific ids: a cluster's fingerprint
is the SHA-1 of its centre's normalized text; a campaign is remembered through the
fingerprints of its clusters. A later run (a bigger or newer dump) matches a stored decision
to any new cluster that contains the reviewed centre text, and to any campaign that posts a
reviewed campaign's clusters. Campaigns confirmed as false positives leave the flagged list
(they stay listed as reviewed); everything without a decision is marked new.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from .errors import InputError

if TYPE_CHECKING:
    from .campaigns import CampaignResult

__all__ = [
    "DECISIONS",
    "ReviewStore",
    "apply_decisions",
    "carry_reviews",
    "cluster_texts",
    "fingerprint",
]

DECISIONS = ("confirmed", "false_positive", "unsure")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
  kind TEXT NOT NULL,             -- campaign or cluster
  fingerprint TEXT NOT NULL,      -- cluster: sha1 of the centre text; campaign: of its top cluster
  decision TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '', -- what the reviewer saw (summary or representative text)
  decided_at TEXT NOT NULL,
  PRIMARY KEY (kind, fingerprint)
);
CREATE TABLE IF NOT EXISTS campaign_clusters (
  campaign_fingerprint TEXT NOT NULL,
  cluster_fingerprint TEXT NOT NULL,
  PRIMARY KEY (campaign_fingerprint, cluster_fingerprint)
);
"""


def fingerprint(text_norm: str) -> str:
    """Stable content fingerprint of a normalized text.

    Parameters
    ----------
    text_norm : str
        A normalized text.

    Examples
    --------
    >>> fingerprint("poccия he b изoляции")[:12]
    '34ebda54c5ac'
    """
    return hashlib.sha1(text_norm.encode("utf-8")).hexdigest()


class ReviewStore:
    """A SQLite file of decisions (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise InputError(f"review store {self.path} is a folder; give a file path")
        try:
            # autocommit off, one transaction per record; WAL: a killed process loses no
            # committed decision, and readers never block the writer
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(decisions)")}
            if "reviewer" not in columns:  # a store of an earlier version
                self.db.execute(
                    "ALTER TABLE decisions ADD COLUMN reviewer TEXT NOT NULL DEFAULT ''"
                )
                self.db.commit()
        except sqlite3.DatabaseError as e:
            raise InputError(f"review store {self.path} is not a usable SQLite file: {e}") from None

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def import_csv(self, path: str | Path) -> dict[str, int]:
        """Record the filled-in decisions of a ``review.csv``; returns counts per decision.

        Raises
        ------
        InputError
            If the file lacks the review columns or has an unknown decision.
        """
        counts: dict[str, int] = {}
        try:
            fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            raise InputError(f"review file {path} does not exist") from None
        with fh:
            reader = csv.DictReader(fh)
            need = {"kind", "fingerprint", "decision", "note"}
            if not need <= set(reader.fieldnames or []):
                raise InputError(f"{path} is not a review.csv: it needs the columns {sorted(need)}")
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for n, row in enumerate(reader, start=2):
                decision = (row["decision"] or "").strip().lower()
                if not decision:
                    continue
                if decision not in DECISIONS:
                    raise InputError(
                        f"{path}:{n}: decision {decision!r} is not one of {', '.join(DECISIONS)}"
                    )
                self.db.execute(
                    "INSERT OR REPLACE INTO decisions "
                    "(kind, fingerprint, decision, note, label, decided_at, reviewer) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        row["kind"],
                        row["fingerprint"],
                        decision,
                        row.get("note") or "",
                        row.get("what") or "",
                        now,
                        row.get("reviewer") or "",
                    ),
                )
                for fp in (row.get("cluster_fingerprints") or "").split(";"):
                    if fp and row["kind"] == "campaign":
                        self.db.execute(
                            "INSERT OR IGNORE INTO campaign_clusters VALUES (?, ?)",
                            (row["fingerprint"], fp),
                        )
                counts[decision] = counts.get(decision, 0) + 1
        self.db.commit()
        return counts

    def export_csv(self, path: str | Path) -> int:
        """Write every decision as CSV; returns the number of rows."""
        rows = self.db.execute(
            "SELECT kind, fingerprint, decision, note, reviewer, label, decided_at "
            "FROM decisions ORDER BY kind, fingerprint"
        ).fetchall()
        from .exports import write_csv

        columns = ["kind", "fingerprint", "decision", "note", "reviewer", "label", "decided_at"]
        write_csv(pl.DataFrame(rows, schema=columns, orient="row"), path)
        return len(rows)

    def record(
        self,
        kind: str,
        fingerprint: str,
        decision: str,
        *,
        note: str = "",
        reviewer: str = "",
        label: str = "",
        cluster_fingerprints: list[str] | None = None,
    ) -> None:
        """Record one decision at once (its own committed transaction).

        Parameters
        ----------
        kind : str
            ``campaign`` or ``cluster``.
        fingerprint : str
            The item's content fingerprint (see :func:`fingerprint`).
        decision : str
            One of :data:`DECISIONS`.
        note : str
            The reviewer's note.
        reviewer : str
            Who decided.
        label : str
            What the reviewer saw (a summary or a representative text).
        cluster_fingerprints : list of str, optional
            A campaign's clusters, so that a later run finds it by any of them.

        Raises
        ------
        InputError
            If the decision or kind is unknown.
        """
        if decision not in DECISIONS:
            raise InputError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
        if kind not in ("campaign", "cluster"):
            raise InputError(f"kind {kind!r} is not campaign or cluster")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db:  # one transaction: all of it or none
            self.db.execute(
                "INSERT OR REPLACE INTO decisions "
                "(kind, fingerprint, decision, note, label, decided_at, reviewer) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, fingerprint, decision, note, label, now, reviewer),
            )
            for fp in cluster_fingerprints or []:
                self.db.execute(
                    "INSERT OR IGNORE INTO campaign_clusters VALUES (?, ?)", (fingerprint, fp)
                )

    def all_decisions(self) -> dict[tuple[str, str], dict[str, str]]:
        """Return every decision by (kind, fingerprint): decision, note, reviewer, decided_at."""
        rows = self.db.execute(
            "SELECT kind, fingerprint, decision, note, reviewer, decided_at FROM decisions"
        )
        return {
            (k, fp): {"decision": d, "note": n, "reviewer": r, "decided_at": t}
            for k, fp, d, n, r, t in rows
        }

    def decisions(self) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
        """(cluster decisions, campaign decisions, campaign -> its cluster fingerprints)."""
        cl: dict[str, str] = {}
        cp: dict[str, str] = {}
        for kind, fp, dec in self.db.execute("SELECT kind, fingerprint, decision FROM decisions"):
            (cl if kind == "cluster" else cp)[fp] = dec
        links: dict[str, list[str]] = {}
        for c, k in self.db.execute("SELECT * FROM campaign_clusters"):
            links.setdefault(c, []).append(k)
        return cl, cp, links


def cluster_texts(comments: pl.DataFrame) -> pl.DataFrame:
    """Each cluster's distinct normalized texts (cluster_id, text_norm).

    What decisions on clusters are matched by.

    Parameters
    ----------
    comments : polars.DataFrame
        The comment table with ``cluster_id`` and ``text_norm``.
    """
    return (
        comments.filter(pl.col("cluster_id").is_not_null())
        .select("cluster_id", "text_norm")
        .unique()
    )


def apply_decisions(
    store: ReviewStore, campaigns: pl.DataFrame, texts: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, str], set[str]]:
    """Carry stored decisions to this run's campaigns (by the content of their clusters).

    Returns the campaigns with ``review`` (decision or ""), ``flagged`` switched off for
    confirmed false positives, the decision per campaign/cluster id, and the ids that are new
    (flagged and never reviewed).

    Parameters
    ----------
    store : ReviewStore
        The review store.
    campaigns : polars.DataFrame
        This run's campaigns, with ``top_clusters``.
    texts : polars.DataFrame
        cluster_id, text_norm: this run's :func:`cluster_texts`.
    """
    cl_dec, cp_dec, links = store.decisions()
    # every normalized text's fingerprint -> the clusters of this run that contain it
    fp_to_cluster: dict[str, set[str]] = {}
    for cid, tn in texts.iter_rows():
        fp_to_cluster.setdefault(fingerprint(tn), set()).add(cid)
    by_id: dict[str, str] = {}
    for fp, dec in cl_dec.items():
        for cid in fp_to_cluster.get(fp, ()):
            by_id[cid] = dec
    camp_rows = []
    for row in campaigns.iter_rows(named=True):
        # a campaign without clusters (a re-share ring) is known by its accounts' hash
        dec = cp_dec.get("id:" + row["campaign_id"], "")
        clusters = set(row.get("top_clusters") or [])
        for cfp, d in cp_dec.items():
            linked = set().union(*(fp_to_cluster.get(k, set()) for k in links.get(cfp, [])))
            if (cfp in fp_to_cluster and fp_to_cluster[cfp] & clusters) or linked & clusters:
                dec = d
                break
        camp_rows.append(dec)
        if dec:
            by_id[row["campaign_id"]] = dec
    out = campaigns.with_columns(pl.Series("review", camp_rows, dtype=pl.String))
    out = out.with_columns(
        (pl.col("flagged") & (pl.col("review") != "false_positive")).alias("flagged")
    )
    new = set(out.filter(pl.col("flagged") & (pl.col("review") == ""))["campaign_id"].to_list())
    return out, by_id, new


def carry_reviews(
    store_path: str | Path, result: CampaignResult, texts: pl.DataFrame
) -> tuple[CampaignResult, dict[str, str], set[str]]:
    """Carry the decisions of a review store into a run's campaigns.

    Parameters
    ----------
    store_path : str or Path
        The SQLite review store (created if missing).
    result : CampaignResult
        The campaign stage's result.
    texts : polars.DataFrame
        cluster_id, text_norm: the run's :func:`cluster_texts`.

    Returns
    -------
    tuple
        The campaign result with ``review`` and confirmed false positives unflagged, the
        decision per campaign or cluster id, and the flagged ids never reviewed.
    """
    if result.campaigns.height == 0:
        return result, {}, set()
    store = ReviewStore(store_path)
    try:
        camp, by_id, new = apply_decisions(store, result.campaigns, texts)
    finally:
        store.close()
    flagged = camp.filter(pl.col("flagged"))["campaign_id"].implode()
    is_flagged = pl.col("campaign_id").is_in(flagged).alias("flagged")
    carried = replace(
        result,
        campaigns=camp,
        comment_campaign=result.comment_campaign.with_columns(is_flagged),
        membership=result.membership.with_columns(is_flagged),
    )
    return carried, by_id, new
