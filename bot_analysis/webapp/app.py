"""The review app's routes: queue, campaign, cluster and account pages, and decisions."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
from flask import Flask, abort, jsonify, render_template, request, send_from_directory

from ..config import SUBSCORES
from ..errors import InputError
from ..report.display import anchor, short, visible
from ..review import DECISIONS, ReviewStore
from ..wording import count, duration
from .data import RunData, load_run

__all__ = ["MEANINGS", "create_app"]

PAGE = 100  # rows per page of accounts and comments

#: What each sub-score means, shown beside it on a campaign page.
MEANINGS = {
    "text_similarity": "share of its comments on talking points three or more of its "
    "accounts share (near-duplicate texts, re-shared posts, the same comment answered)",
    "synchrony": "how strongly its accounts act together beyond chance (co-action tests)",
    "burstiness": "share of its comments inside bursts of its own activity (Kleinberg)",
    "volume_concentration": "1 - 1/(comments per account): organic crowds post once",
    "thread_repetition": "1 - 1/(threads per talking point): the same text on many threads",
    "shared_rare_items": "a link or hashtag used by three or more of its accounts, mostly by them",
    "cross_platform": "two or more platforms with two or more of its accounts each",
}


def create_app(out: str | Path, store: str | Path, token: str) -> Flask:
    """Build the app over a run's output folder and a review store.

    Parameters
    ----------
    out : str or Path
        The run's output folder.
    store : str or Path
        The SQLite review store.
    token : str
        The CSRF token every state-changing request must carry.
    """
    data = load_run(out)
    app = Flask(__name__)
    app.config.update(
        DATA=data,
        STORE=ReviewStore(store),
        TOKEN=token,
        FIGURE_CACHE=tempfile.TemporaryDirectory(prefix="bot_analysis_figures_"),
    )
    app.jinja_env.filters.update(
        visible=visible,
        short=short,
        count=count,
        anchor=lambda key, kind: anchor(kind, key),
    )
    app.jinja_env.globals.update(csrf=token, DECISIONS=DECISIONS)
    app.after_request(_headers)
    app.add_url_rule("/", view_func=queue)
    app.add_url_rule("/campaign/<campaign_id>", view_func=campaign_page)
    app.add_url_rule("/cluster/<cluster_id>", view_func=cluster_page)
    app.add_url_rule("/account/<path:node>", view_func=account_page)
    app.add_url_rule("/figures/<name>", view_func=figure)
    app.add_url_rule("/decide", view_func=decide, methods=["POST"])
    app.add_url_rule("/sortable.js", view_func=sortable_js)
    return app


def _headers(resp: Any) -> Any:
    """Nothing from outside this server, no framing, no sniffing, no caching of pages."""
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _ctx() -> tuple[RunData, ReviewStore]:
    from flask import current_app

    return current_app.config["DATA"], current_app.config["STORE"]


def _with_decisions(frame: pl.DataFrame, kind: str, store: ReviewStore) -> pl.DataFrame:
    """Return ``frame`` (with ``fingerprint``) with each row's decision, note and reviewer."""
    columns = ("decision", "note", "reviewer")
    got = pl.DataFrame(
        [
            (fp, *(d[c] for c in columns))
            for (k, fp), d in store.all_decisions().items()
            if k == kind
        ],
        schema=["fingerprint", *columns],
        schema_overrides=dict.fromkeys(["fingerprint", *columns], pl.String),
        orient="row",
    )
    return frame.join(got, on="fingerprint", how="left", maintain_order="left").with_columns(
        pl.col(c).fill_null("") for c in columns
    )


def _filtered(data: RunData, store: ReviewStore, args: Any) -> pl.DataFrame:
    """Return the queue's campaigns under the request's filters."""
    camp = _with_decisions(data.campaigns, "campaign", store)
    status = args.get("status", "")
    if status == "undecided":
        camp = camp.filter(pl.col("decision") == "")
    elif status in DECISIONS:
        camp = camp.filter(pl.col("decision") == status)
    if args.get("new"):
        camp = camp.filter(pl.col("flagged") & (pl.col("decision") == ""))
    if args.get("platform"):
        camp = camp.filter(pl.col("platforms").list.contains(args["platform"]))
    for key, op in (("min_score", "ge"), ("max_score", "le")):
        try:
            value = float(args.get(key, ""))
        except ValueError:
            continue
        camp = camp.filter(getattr(pl.col("score"), op)(value))
    q = args.get("q", "").strip()
    if q:
        camp = camp.filter(pl.col("campaign_id").is_in(list(data.search(q))))
    return camp


def queue() -> str:
    """Show the queue: campaigns and automation findings, flagged first, with filters."""
    data, store = _ctx()
    camp = _filtered(data, store, request.args)
    platforms = sorted({p for ps in data.campaigns["platforms"].to_list() for p in ps or []})
    return render_template(
        "queue.html",
        rows=camp.to_dicts(),
        total=data.campaigns.height,
        args=request.args,
        platforms=platforms,
        run=data.run,
    )


def _neighbours(data: RunData, campaign_id: str) -> tuple[str | None, str | None]:
    """Return the previous and next campaign in queue order."""
    ids = data.campaigns["campaign_id"].to_list()
    i = ids.index(campaign_id)
    return (ids[i - 1] if i > 0 else None, ids[i + 1] if i + 1 < len(ids) else None)


def _page(n: int) -> tuple[int, int]:
    """Return the requested page (from 1) and its first row."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return page, min((page - 1) * PAGE, max(n - 1, 0))


def campaign_page(campaign_id: str) -> str:
    """Show one campaign: summary, sub-scores, talking points, clusters, accounts, comments."""
    data, store = _ctx()
    c = data.campaign(campaign_id)
    if c is None:
        abort(404)
    decision = store.all_decisions().get(("campaign", c["fingerprint"]), {})
    clusters = _with_decisions(data.campaign_clusters(c), "cluster", store)
    members = data.members.filter(pl.col("campaign_id") == campaign_id)
    sort = request.args.get("sort", "talking_point_share")
    if sort not in members.columns:
        sort = "talking_point_share"
    members = members.sort([sort, "node"], descending=[sort != "node", False])
    page, first = _page(members.height)
    comments = data.comments.filter(pl.col("campaign_id") == campaign_id)
    show_all = request.args.get("comments") == "all"
    cpage, cfirst = (1, 0)
    if show_all:
        cpage = max(1, int(request.args.get("cpage", 1) or 1))
        cfirst = (cpage - 1) * PAGE
    shown = comments.slice(cfirst, PAGE if show_all else 20)
    # the report drew the strongest campaigns' figures; any other campaign's are drawn on
    # request (see figure())
    figures = [
        f"campaign_{campaign_id}_{k}.png"
        for k in ("timeline", "raster", "graph", "matrix")
        if (data.out / "figures" / f"campaign_{campaign_id}_{k}.png").exists()
        or (k in _ON_REQUEST and comments.height)
    ]
    prev, nxt = _neighbours(data, campaign_id)
    return render_template(
        "campaign.html",
        c=c,
        decision=decision,
        subscores=[(k, c.get(k), MEANINGS[k]) for k in SUBSCORES],
        clusters=clusters.to_dicts(),
        members=members.slice(first, PAGE).to_dicts(),
        n_members=members.height,
        page=page,
        pages=max(1, math.ceil(members.height / PAGE)),
        sort=sort,
        comments=shown.to_dicts(),
        n_comments=comments.height,
        show_all=show_all,
        cpage=cpage,
        cpages=max(1, math.ceil(comments.height / PAGE)),
        figures=figures,
        span=duration((c["end"] - c["start"]).total_seconds()) if c.get("start") else "",
        prev=prev,
        next=nxt,
    )


def cluster_page(cluster_id: str) -> str:
    """Show one cluster: its texts, every comment and account, its campaign."""
    data, store = _ctx()
    k = data.cluster(cluster_id)
    if k is None:
        abort(404)
    decision = store.all_decisions().get(("cluster", k["fingerprint"]), {})
    comments = data.comments.filter(pl.col("cluster_id") == cluster_id).sort("created_at")
    page, first = _page(comments.height)
    accounts = comments.group_by("node").len().sort(["len", "node"], descending=[True, False])
    campaigns = data.campaigns.filter(
        pl.col("top_clusters").list.contains(cluster_id)
        | (pl.col("campaign_id") == (k.get("campaign_id") or ""))
    )
    return render_template(
        "cluster.html",
        k=k,
        decision=decision,
        comments=comments.slice(first, PAGE).to_dicts(),
        n_comments=comments.height,
        page=page,
        pages=max(1, math.ceil(comments.height / PAGE)),
        accounts=accounts.to_dicts(),
        campaigns=campaigns.to_dicts(),
    )


def account_page(node: str) -> str:
    """Show one account: every comment, its campaigns and every co-action beyond chance."""
    data, store = _ctx()
    acc = data.accounts.filter(pl.col("node") == node)
    comments = data.comments.filter(pl.col("node") == node).sort("created_at")
    if not acc.height and not comments.height:
        abort(404)
    page, first = _page(comments.height)
    edges = data.edges.filter((pl.col("a") == node) | (pl.col("b") == node)).with_columns(
        pl.when(pl.col("a") == node).then(pl.col("b")).otherwise(pl.col("a")).alias("other")
    )
    closest = data.closest(node, edges["other"].unique().to_list())
    edges = edges.join(closest, on=["other", "kind"], how="left")
    member = data.members.filter(pl.col("node") == node)
    campaigns = data.campaigns.filter(
        pl.col("campaign_id").is_in(member["campaign_id"].implode())
        | pl.col("campaign_id").is_in(comments["campaign_id"].drop_nulls().unique().implode())
    )
    campaigns = _with_decisions(campaigns, "campaign", store)
    return render_template(
        "account.html",
        node=node,
        acc=acc.row(0, named=True) if acc.height else {},
        comments=comments.slice(first, PAGE).to_dicts(),
        n_comments=comments.height,
        page=page,
        pages=max(1, math.ceil(comments.height / PAGE)),
        edges=edges.sort(["p_value", "other"]).to_dicts(),
        evidence=member.to_dicts(),
        campaigns=campaigns.to_dicts(),
    )


_ON_REQUEST = ("timeline", "raster", "graph", "matrix")  # drawn here where the report did not


def sortable_js() -> Any:
    """Send the table-sorting script the static report inlines."""
    from importlib import resources

    from flask import Response

    text = resources.files("bot_analysis.report").joinpath("sortable.js").read_text("utf-8")
    return Response(text, mimetype="text/javascript")


def figure(name: str) -> Any:
    """Send a figure of the run, drawing a campaign's figure if the report did not.

    Only PNG files of the run's figures folder, or of the app's own cache folder.
    """
    from flask import current_app

    data, _ = _ctx()
    if not name.endswith(".png") or "/" in name or name.startswith("."):
        abort(404)
    if (data.out / "figures" / name).exists():
        return send_from_directory(data.out / "figures", name, mimetype="image/png")
    cache = Path(current_app.config["FIGURE_CACHE"].name)
    if not (cache / name).exists():
        _draw(data, name, cache / name)
    return send_from_directory(cache, name, mimetype="image/png")


def _draw(data: RunData, name: str, path: Path) -> None:
    """Draw ``campaign_<id>_<timeline|raster|graph|matrix>.png`` (404 for anything else)."""
    from ..report import figures

    stem = name.removesuffix(".png")
    cid, _, kind = stem.removeprefix("campaign_").rpartition("_")
    if not stem.startswith("campaign_") or kind not in _ON_REQUEST or data.campaign(cid) is None:
        abort(404)
    cc = data.comments.filter(pl.col("campaign_id") == cid)
    if not cc.height:
        abort(404)
    if kind == "timeline":
        figures.campaign_timeline(
            cc.select("created_at", "cluster_id"),
            data.bursts.filter(pl.col("series") == cid),
            f"campaign {cid}: comments over time by talking point",
            path,
        )
    elif kind == "raster":
        figures.account_raster(
            cc.select("node", "created_at"), f"campaign {cid}: when each account posted", path
        )
    else:
        members = cc["node"].unique().implode()
        edges = data.graph.filter(pl.col("a").is_in(members) & pl.col("b").is_in(members))
        if kind == "graph":
            nodes = cc.select("node", "platform").unique()
            title = f"campaign {cid}: accounts acting together"
            figures.account_graph(edges.select("a", "b", "weight"), nodes, title, path)
        else:
            title = f"campaign {cid}: co-action strength of its strongest accounts"
            figures.coaction_matrix(edges.select("a", "b", "weight"), title, path)


def _same_origin() -> bool:
    """Tell whether the request comes from a page of this server (its Origin is this host)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site") in (None, "same-origin")
    return urlsplit(origin).netloc == request.host


def decide() -> Any:
    """Record a decision (JSON: kind, id, decision, note, reviewer); needs the CSRF token."""
    from flask import current_app

    if request.headers.get("X-CSRF-Token") != current_app.config["TOKEN"] or not _same_origin():
        return jsonify({"error": "missing or wrong CSRF token"}), 403
    body = request.get_json(silent=True) or {}
    data, store = _ctx()
    kind, item = body.get("kind"), str(body.get("id", ""))
    if kind == "campaign":
        row = data.campaign(item)
        label = row["summary"] if row else ""
        clusters = data.cluster_fingerprints(row) if row else []
    elif kind == "cluster":
        row = data.cluster(item)
        label = row["representative_text"] if row else ""
        clusters = []
    else:
        return jsonify({"error": "kind must be campaign or cluster"}), 400
    if row is None:
        return jsonify({"error": f"no {kind} {item}"}), 404
    try:
        store.record(
            kind,
            row["fingerprint"],
            str(body.get("decision", "")),
            note=str(body.get("note", ""))[:10_000],
            reviewer=str(body.get("reviewer", ""))[:200],
            label=str(label)[:2000],
            cluster_fingerprints=clusters,
        )
    except InputError as e:
        return jsonify({"error": str(e)}), 400
    return jsonify({"ok": True, "kind": kind, "id": item, "decision": body.get("decision")})
