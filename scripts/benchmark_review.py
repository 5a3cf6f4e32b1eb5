"""Time the review app's pages over a run, through the real server (median of several GETs).

Usage: python scripts/benchmark_review.py OUT_DIR [--runs 20]

Starts the app on a free loopback port in this process (Waitress, as `review serve` does),
then requests the queue, the largest flagged campaign's page, one of its clusters and one of
its accounts, each ``--runs`` times after one warm-up, and prints min, median and max in ms.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path


def _time(url: str, runs: int) -> list[float]:
    urllib.request.urlopen(url, timeout=60).read()  # noqa: S310 (loopback; a warm-up)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 (loopback)
            r.read()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    from waitress.server import create_server

    from bot_analysis.webapp import create_app

    t0 = time.perf_counter()
    store = Path(tempfile.mkdtemp()) / "reviews.sqlite"
    app = create_app(args.out, store, token=secrets.token_urlsafe(16))
    load_s = time.perf_counter() - t0
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    camp = json.loads((args.out / "campaigns.json").read_text("utf-8"))
    flagged = sorted((c for c in camp if c["flagged"]), key=lambda c: -c["n_comments"])
    c = flagged[0]
    data = app.config["DATA"]
    node = data.members.filter(data.members["campaign_id"] == c["campaign_id"])["node"][0]
    cluster = (c.get("top_clusters") or [None])[0]
    pages = {
        "queue": "/",
        f"campaign ({c['n_comments']:,} comments, {c['n_accounts']:,} accounts)": (
            f"/campaign/{c['campaign_id']}"
        ),
        "campaign, all comments": f"/campaign/{c['campaign_id']}?comments=all",
        "account": "/account/" + urllib.parse.quote(node, safe=":"),
    }
    if cluster:
        pages["cluster"] = f"/cluster/{cluster}"
    print(f"run {args.out}: {data.comments.height:,} comments; app loaded in {load_s:.1f} s")
    print(f"{'page':<52} {'min':>8} {'median':>8} {'max':>8}  (ms, {args.runs} runs)")
    for name, path in pages.items():
        t = _time(base + path, args.runs)
        print(f"{name:<52} {min(t):8.1f} {statistics.median(t):8.1f} {max(t):8.1f}")
    server.close()


if __name__ == "__main__":
    main()
