"""The report's figures (matplotlib, Agg backend): PNG files, UTC time axes, labelled axes.

DejaVu Sans, matplotlib's bundled default font, has Cyrillic glyphs, so talking points in
Russian or Ukrainian render without installing a font.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import polars as pl
from matplotlib.collections import LineCollection

__all__ = ["account_graph", "accounts_distribution", "campaign_timeline", "posting_gaps", "volume"]

_DPI = 110
_FLAG = "#c0392b"
_ORGANIC = "#7f8c8d"


def _save(fig: plt.Figure, path: Path, tight: bool = True) -> Path:
    if tight:  # (measures every label: a third of a simple figure's cost)
        fig.tight_layout()
    fig.savefig(path, dpi=_DPI, metadata={"Software": None})
    plt.close(fig)
    return path


def _hourly(times: pl.Series, start, end) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    t0 = start.replace(minute=0, second=0, microsecond=0)
    edges = pl.datetime_range(t0, end, "1h", eager=True, time_zone="UTC")
    counts = pl.DataFrame({"t": times}).group_by(pl.col("t").dt.truncate("1h")).len()
    full = pl.DataFrame({"t": edges}).join(counts, on="t", how="left").fill_null(0)
    return full["t"].to_numpy(), full["len"].to_numpy()


def volume(comments: pl.DataFrame, bursts: pl.DataFrame, path: Path) -> Path:
    """Comments per hour, flagged ones apart, with the dump's bursts shaded."""
    start, end = comments["created_at"].min(), comments["created_at"].max()
    fig, ax = plt.subplots(figsize=(10, 3.2))
    x, y = _hourly(comments["created_at"], start, end)
    ax.plot(x, y, color=_ORGANIC, lw=0.8, label="all comments")
    flagged = comments.filter(pl.col("flagged"))
    if flagged.height:
        fx, fy = _hourly(flagged["created_at"], start, end)
        ax.plot(fx, fy, color=_FLAG, lw=0.9, label="in flagged campaigns")
    for row in bursts.filter(pl.col("series") == "all").iter_rows(named=True):
        ax.axvspan(row["start"], row["end"], color="#f5b041", alpha=0.25, lw=0)
    ax.set_ylabel("comments per hour")
    ax.set_xlabel("time (UTC); shaded: bursts of the whole dump")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.legend(loc="upper left", frameon=False)
    return _save(fig, path)


# bins for a campaign's timeline by its span: (longest span in seconds, bin, its label)
_TIMELINE_BINS = (
    (2 * 3600, "1m", "minute"),
    (12 * 3600, "10m", "10 minutes"),
    (4 * 86400, "1h", "hour"),
    (30 * 86400, "6h", "6 hours"),
    (float("inf"), "1d", "day"),
)


_MAX_BARS = 200  # more bins than this are drawn as steps


def _timeline_bin(seconds: float) -> tuple[str, str]:
    """Return the bin (a polars duration) and its words for a campaign spanning ``seconds``."""
    return next((every, words) for top, every, words in _TIMELINE_BINS if seconds <= top)


def campaign_timeline(
    camp_comments: pl.DataFrame, bursts: pl.DataFrame, title: str, path: Path
) -> Path:
    """Draw a campaign's comments over time, stacked by talking point, bursts shaded.

    The bins fit the campaign's span (minutes for a campaign of an hour, days for one of
    months), and every bin is a bar: a campaign inside one hour is not an empty chart.

    Parameters
    ----------
    camp_comments : polars.DataFrame
        created_at and cluster_id of the campaign's comments.
    bursts : polars.DataFrame
        The campaign's bursts (start, end).
    title : str
        The figure's title.
    path : Path
        The PNG to write.
    """
    start = cast(datetime, camp_comments["created_at"].min())
    end = cast(datetime, camp_comments["created_at"].max())
    every, words = _timeline_bin((end - start).total_seconds())
    top = (
        camp_comments.group_by("cluster_id")
        .len()
        .sort(["len", "cluster_id"], descending=[True, False])
    )
    keep = [c for c in top["cluster_id"].to_list() if c is not None][:5]
    layer = (
        pl.when(pl.col("cluster_id").is_in(keep))
        .then(pl.col("cluster_id").replace_strict(keep, list(range(len(keep))), default=None))
        .otherwise(len(keep))
    )
    counts = (
        camp_comments.select(pl.col("created_at").dt.truncate(every).alias("t"), layer.alias("k"))
        .group_by("t", "k")
        .len()
    )
    bins = pl.datetime_range(
        start.replace(second=0, microsecond=0), end, every, eager=True, time_zone="UTC"
    ).dt.truncate(every)
    bins = bins.unique(maintain_order=True)
    width = (bins[1] - bins[0]).total_seconds() / 86400 if len(bins) > 1 else 1 / 1440
    fig, ax = plt.subplots(figsize=(10, 3.0))
    labels = [f"talking point {i + 1}" for i in range(len(keep))] + ["other"]
    layers = [
        pl.DataFrame({"t": bins})
        .join(counts.filter(pl.col("k") == k), on="t", how="left")["len"]
        .fill_null(0)
        .to_numpy()
        for k in range(len(labels))
    ]
    shown = [(y, label) for y, label in zip(layers, labels, strict=True) if y.any()]
    if len(bins) <= _MAX_BARS:  # a bar per bin: a short campaign is not an empty chart
        bottom = np.zeros(len(bins))
        for y, label in shown:
            ax.bar(bins.to_list(), y, width=width, bottom=bottom, label=label, align="edge")
            bottom += y
    else:  # years of days: steps (thousands of bars cost seconds to draw)
        ax.stackplot(
            bins.to_list(), *[y for y, _ in shown], labels=[lb for _, lb in shown], step="post"
        )
    for row in bursts.iter_rows(named=True):
        ax.axvspan(row["start"], row["end"], color="#f5b041", alpha=0.2, lw=0)
    ax.set_ylabel(f"comments per {words}")
    ax.set_xlabel("time (UTC); shaded: Kleinberg bursts")
    ax.set_title(title, fontsize=10)
    span_h = (end - start).total_seconds() / 3600
    fmt = "%H:%M" if span_h < 24 else "%d %b %H:%M" if span_h < 96 else "%d %b"
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt))
    ax.legend(loc="upper right", frameon=False, fontsize=8)
    # fixed margins for the known labels (tight_layout measures every label: 40% of the cost)
    fig.subplots_adjust(left=0.075, right=0.955, bottom=0.2, top=0.9)
    return _save(fig, path, tight=False)


def posting_gaps(comments: pl.DataFrame, path: Path) -> Path:
    """Seconds between consecutive comments of different accounts on one thread.

    Flagged comments against the rest.
    """
    c = comments.filter(pl.col("thread_id").is_not_null()).sort(
        "thread_id", "created_at", maintain_order=True
    )  # stable: same-second comments keep input order, so the figure is the same every run
    c = c.with_columns(
        (pl.col("created_at") - pl.col("created_at").shift(1).over("thread_id"))
        .dt.total_seconds()
        .alias("gap"),
        (pl.col("account_id") != pl.col("account_id").shift(1).over("thread_id")).alias("other"),
    ).filter(pl.col("other") & (pl.col("gap") > 0))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    bins = np.logspace(0, 6, 40)
    for flag, color, label in ((False, _ORGANIC, "organic"), (True, _FLAG, "flagged")):
        g = c.filter(pl.col("flagged") == flag)["gap"].to_numpy()
        if len(g):
            ax.hist(
                g,
                bins=list(bins),
                density=True,
                histtype="step",
                lw=1.5,
                color=color,
                label=f"{label} ({len(g):,} gaps)",
            )
    ax.set_xscale("log")
    ax.set_xlabel("seconds since the previous comment by another account on the thread")
    ax.set_ylabel("density")
    _legend_or_note(ax, "no thread has two accounts")
    return _save(fig, path)


def accounts_distribution(accounts: pl.DataFrame, path: Path) -> Path:
    """How many accounts wrote how many comments (log-log), flagged accounts apart."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for flag, color, label in ((False, _ORGANIC, "other accounts"), (True, _FLAG, "flagged")):
        k = (
            accounts.filter(pl.col("flagged") == flag)
            .group_by("n_comments")
            .len()
            .sort("n_comments")
        )
        if k.height:
            ax.scatter(k["n_comments"], k["len"], s=10, color=color, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("comments per account")
    ax.set_ylabel("accounts")
    _legend_or_note(ax, "no account with an id")
    return _save(fig, path)


def _legend_or_note(ax: Any, note: str) -> None:
    """Draw the legend, or ``note`` in the middle of an empty figure (degenerate dumps)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, note, ha="center", transform=ax.transAxes)


_LABELLED = 8  # accounts named on a campaign's graph


def _strongest(edges: pl.DataFrame, k: int) -> pl.Series:
    """Return the ``k`` accounts of highest weighted degree (ties by name)."""
    ends = pl.concat(
        [
            edges.select(pl.col("a").alias("n"), "weight"),
            edges.select(pl.col("b").alias("n"), "weight"),
        ]
    )
    return (
        ends.group_by("n")
        .agg(pl.col("weight").sum())
        .sort(["weight", "n"], descending=[True, False])
        .head(k)["n"]
    )


def _label(node: str, limit: int = 24) -> str:
    """Return an account's name for a figure: shortened, control characters as code points."""
    shown = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in node)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _name_central(ax: Any, g: nx.Graph, pos: dict[str, Any]) -> None:
    """Ring and name the most central accounts (highest weighted degree): who to look at first."""
    degree = dict(g.degree(weight="weight"))
    central = sorted(g, key=lambda n: (-degree[n], n))[:_LABELLED]
    if central:
        xy = np.array([pos[n] for n in central])
        ax.scatter(xy[:, 0], xy[:, 1], s=60, facecolors="none", edgecolors="#c0392b", zorder=3)
    for n in central:
        ax.annotate(
            _label(n),
            pos[n],
            fontsize=6.5,
            xytext=(4, 4),
            textcoords="offset points",
            color="#1c2833",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=4,
        )


def account_graph(
    edges: pl.DataFrame,
    nodes: pl.DataFrame,
    title: str,
    path: Path,
    seed: int = 0,
    max_nodes: int = 120,
    max_edges: int = 1500,
) -> Path:
    """Return a campaign's piece of the account graph.

    Its most connected accounts (by weighted degree, at most ``max_nodes``), by platform. The
    layout uses every edge among them; the strongest ``max_edges`` are drawn (a denser hairball
    shows nothing more, and costs the most to draw), and the figure says so when it leaves some
    out. The most central accounts are named.
    """
    top = _strongest(edges, max_nodes)
    shown = edges.filter(pl.col("a").is_in(top.implode()) & pl.col("b").is_in(top.implode()))
    g = nx.Graph()
    g.add_weighted_edges_from(shown.select("a", "b", "weight").iter_rows())
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    if g.number_of_nodes():
        pos = nx.spring_layout(g, seed=seed, weight="weight", iterations=60)
        platform = dict(nodes.select("node", "platform").iter_rows())
        colors = {
            "vk": "#4a76a8",
            "telegram": "#2aabee",
            "twitter": "#333333",
            "youtube": "#ff0000",
            "reddit": "#ff4500",
        }
        strong = shown.sort(["weight", "a", "b"], descending=[True, False, False]).head(max_edges)
        segments = [(pos[a], pos[b]) for a, b in strong.select("a", "b").iter_rows()]
        ax.add_collection(LineCollection(segments, colors="k", alpha=0.12, linewidths=0.5))
        for p in sorted({platform.get(n, "generic") for n in g}):
            nl = sorted(n for n in g if platform.get(n, "generic") == p)
            xy = np.array([pos[n] for n in nl])
            ax.scatter(xy[:, 0], xy[:, 1], s=18, c=colors.get(p, "#8e44ad"), label=p, zorder=2)
        _name_central(ax, g, pos)
        if shown.height > strong.height:
            ax.text(
                0.0,
                0.0,
                f"strongest {strong.height:,} of {shown.height:,} links drawn",
                transform=ax.transAxes,
                fontsize=7,
                color="#555555",
            )
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        ax.autoscale_view()
        ax.margins(x=0.3, y=0.08)  # room for the names on the right
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.92)  # no axis labels to fit
    return _save(fig, path, tight=False)


def account_raster(comments: pl.DataFrame, title: str, path: Path, max_accounts: int = 60) -> Path:
    """Draw when each account posted: one row per account, one tick per comment.

    Accounts that act in step show as ticks stacked in columns; an organic crowd as scatter.
    The busiest ``max_accounts`` accounts are drawn, ordered by their first comment.

    Parameters
    ----------
    comments : polars.DataFrame
        node and created_at of the campaign's comments.
    title : str
        The figure's title.
    path : Path
        The PNG to write.
    max_accounts : int
        Rows drawn at most.
    """
    busiest = (
        comments.group_by("node")
        .agg(pl.len().alias("n"), pl.col("created_at").min().alias("first"))
        .sort(["n", "node"], descending=[True, False])
        .head(max_accounts)
        .sort(["first", "node"])
    )
    order = {n: i for i, n in enumerate(busiest["node"].to_list())}
    shown = comments.filter(pl.col("node").is_in(busiest["node"].implode()))
    rows = np.array([order[n] for n in shown["node"].to_list()])
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.09 * len(order)))
    ax.scatter(shown["created_at"].to_list(), rows, marker="|", s=40, color=_FLAG, linewidths=1)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([_label(n, 18) for n in order], fontsize=5)
    ax.invert_yaxis()
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("time (UTC)")
    n_all = comments["node"].n_unique()
    more = f" (the {len(order)} busiest of {n_all:,})" if n_all > len(order) else ""
    ax.set_title(f"{title}{more}", fontsize=10)
    # fixed margins for the known labels (tight_layout measures every label: most of the cost)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.5 / fig.get_figheight() + 0.05, top=0.9)
    return _save(fig, path, tight=False)


def coaction_matrix(edges: pl.DataFrame, title: str, path: Path, max_accounts: int = 30) -> Path:
    """Draw the co-action strength of each pair of the campaign's strongest accounts.

    Parameters
    ----------
    edges : polars.DataFrame
        a, b, weight: the account graph's edges inside the campaign.
    title : str
        The figure's title.
    path : Path
        The PNG to write.
    max_accounts : int
        Accounts drawn at most (the highest weighted degree).
    """
    top = _strongest(edges, max_accounts).sort().to_list()
    at = {n: i for i, n in enumerate(top)}
    m = np.zeros((len(top), len(top)))
    for a, b, w in (
        edges.filter(pl.col("a").is_in(top) & pl.col("b").is_in(top))
        .select("a", "b", "weight")
        .iter_rows()
    ):
        m[at[a], at[b]] = m[at[b], at[a]] = w
    fig, ax = plt.subplots(figsize=(6, 5.4))
    if len(top):
        im = ax.imshow(m, cmap="Reds", interpolation="nearest")
        ax.set_xticks(range(len(top)))
        ax.set_yticks(range(len(top)))
        ax.set_xticklabels([_label(n, 14) for n in top], fontsize=5, rotation=90)
        ax.set_yticklabels([_label(n, 14) for n in top], fontsize=5)
        fig.colorbar(im, ax=ax, shrink=0.7, label="pair strength")
    else:
        _legend_or_note(ax, "no co-action beyond chance inside this campaign")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.16, right=0.95, bottom=0.17, top=0.93)
    return _save(fig, path, tight=False)
