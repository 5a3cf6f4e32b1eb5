"""The review workspace: a local web app over a run's outputs and the SQLite review store.

``bot-analysis review serve OUT_DIR --store reviews.sqlite`` serves a queue of campaigns and
automation findings, a page per campaign, cluster and account, and records decisions in the
store at once. Flask (routing, templates) on Waitress (a pure-Python, multi-threaded WSGI
server that runs the same on every OS and stops cleanly on Ctrl-C).

Safety: every text is escaped and its control characters shown (see
:mod:`bot_analysis.report.display`); the Content-Security-Policy allows nothing outside this
server; every state-changing request needs the server's CSRF token and a same-origin
``Origin``; the store is written in transactions (WAL).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from .app import create_app

__all__ = ["create_app", "serve"]


def serve(
    out: str | Path,
    store: str | Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    echo: Any = print,
) -> None:
    """Serve the review app until interrupted (Ctrl-C).

    Parameters
    ----------
    out : str or Path
        A run's output folder.
    store : str or Path
        The SQLite review store (created if missing).
    host : str
        The address to bind: loopback unless told otherwise.
    port : int
        The port (0: any free one).
    echo : callable
        Where the URL and warnings are printed.
    """
    from waitress.server import create_server

    app = create_app(out, store, token=secrets.token_urlsafe(24))
    server = create_server(app, host=host, port=port, threads=4, ident="bot-analysis")
    actual = getattr(server, "effective_port", port)
    shown = f"[{host}]" if ":" in host else host
    if host not in ("127.0.0.1", "localhost", "::1"):
        echo(
            f"Warning: serving on {host}, not loopback: anyone who can reach this machine can "
            "read the run and record decisions."
        )
    echo(f"review app: http://{shown}:{actual}/  (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.config["STORE"].close()
        app.config["FIGURE_CACHE"].cleanup()
