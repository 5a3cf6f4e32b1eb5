"""The review app in a real browser (headless Chromium), over a real run and a real SQLite
store, served by the real command in a subprocess that is killed and restarted."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot_analysis.cli import cli

from .conftest import SAMPLE
from .test_report import ARTIFACTS, CHROMIUM, _hostile_dump

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("webapp")
    dumps = base / "dumps"
    shutil.copytree(SAMPLE / "dumps", dumps)
    _hostile_dump(dumps / "hostile.csv")
    out = base / "out"
    res = CliRunner().invoke(cli, ["analyze", str(dumps), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


class Server:
    """``bot-analysis review serve`` in a subprocess, on a free port."""

    def __init__(self, out: Path, store: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot_analysis",
                "review",
                "serve",
                str(out),
                "--store",
                str(store),
                "--port",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        line = self.proc.stdout.readline()  # "review app: http://127.0.0.1:PORT/ ..."
        assert "review app: http://127.0.0.1:" in line, line
        self.url = line.split()[2]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)  # no clean shutdown: what was saved stays
        self.proc.wait(10)

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C
        return self.proc.wait(10)


def _browser(p):  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    return p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])


def _page(browser, server: Server, requests: list[str], errors: list[str]):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(r):  # type: ignore[no-untyped-def]
        requests.append(r.request.url)
        if r.request.url.startswith(server.url):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog " + d.message), d.dismiss()))
    return page


def _decisions_in(export: Path) -> dict[tuple[str, str], str]:
    with open(export, encoding="utf-8", newline="") as fh:
        return {(r["kind"], r["fingerprint"]): r["decision"] for r in csv.DictReader(fh)}


def test_review_a_run_with_the_keyboard_and_keep_the_decisions(run: Path, tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    store = tmp_path / "reviews.sqlite"
    server = Server(run, store)
    requests: list[str] = []
    errors: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = _browser(p)
            page = _page(browser, server, requests, errors)
            page.goto(server.url)
            rows = page.locator("#queue tr")
            total = rows.count() - 1
            assert total >= 10
            # filters: flagged twitter findings; a phrase of the BRICS push
            page.select_option("select[name=platform]", "twitter")
            page.click("button[type=submit]")
            assert 0 < rows.count() - 1 < total
            assert all(
                "twitter" in t for t in page.locator("#queue tr td:nth-child(8)").all_inner_texts()
            )
            page.goto(server.url)
            page.fill("#search", "Десятки стран")
            page.press("#search", "Enter")
            assert rows.count() - 1 >= 1
            found = page.locator("#queue tr").nth(1).get_attribute("data-id")
            # open it, go to an account, and back
            page.goto(server.url)
            page.click(f"a[href='/campaign/{found}']")
            assert f"Campaign {found}" in page.inner_text("h1")
            page.locator("#members a").first.click()
            assert page.inner_text("h1").startswith("Account ")
            assert page.locator("table").count() >= 3
            page.go_back()
            assert f"Campaign {found}" in page.inner_text("h1")
            # decide three items with the keyboard: two in the queue, one on its page
            page.goto(server.url)
            page.fill("#reviewer", "ana")
            page.locator("#reviewer").dispatch_event("change")
            page.locator("h1").click()
            page.keyboard.press("c")  # first row: confirmed
            page.keyboard.press("j")
            page.keyboard.press("f")  # second row: false positive
            page.wait_for_timeout(300)
            third = page.locator("#queue tr").nth(3).get_attribute("data-id")
            page.keyboard.press("j")
            page.keyboard.press("Enter")  # open the third
            page.wait_for_url(f"**/campaign/{third}")
            page.keyboard.press("n")
            page.keyboard.type("looks like fans")
            page.keyboard.press("Escape")
            page.keyboard.press("u")
            page.wait_for_selector("#decision-msg:has-text('saved')")
            page.reload()
            assert "unsure by ana" in page.inner_text("#decision-state")
            assert page.input_value("#note") == "looks like fans"
            page.goto(server.url)
            shown = page.locator("#queue tr td.decision").all_inner_texts()[:3]
            assert shown == ["confirmed", "false positive", "unsure"]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "review-queue.png"))
            browser.close()
        server.kill()  # killed, not stopped: every decision was already committed
        server = Server(run, store)
        with sync_api.sync_playwright() as p:
            browser = _browser(p)
            page = _page(browser, server, requests, errors)
            page.goto(server.url)
            shown = page.locator("#queue tr td.decision").all_inner_texts()[:3]
            assert shown == ["confirmed", "false positive", "unsure"]
            browser.close()
        assert server.interrupt() == 0  # Ctrl-C stops it cleanly
    finally:
        if server.proc.poll() is None:
            server.kill()
    assert not errors, errors
    assert all(u.startswith(server.url.rsplit(":", 1)[0]) for u in requests), requests[:5]
    # the export holds exactly what was decided ...
    export = tmp_path / "decisions.csv"
    res = CliRunner().invoke(cli, ["review", "export", "--store", str(store), "--out", str(export)])
    assert res.exit_code == 0, res.output
    decided = _decisions_in(export)
    assert sorted(decided.values()) == ["confirmed", "false_positive", "unsure"]
    # ... and a second run given the store shows them
    out2 = tmp_path / "run2"
    dumps = run.parent / "dumps"
    res = CliRunner().invoke(
        cli, ["analyze", str(dumps), "--out", str(out2), "--review-store", str(store), "-q"]
    )
    assert res.exit_code == 0, res.output
    reviews = [c.get("review") for c in json.loads((out2 / "campaigns.json").read_text("utf-8"))]
    assert sorted(r for r in reviews if r) == ["confirmed", "false_positive", "unsure"]


def test_hostile_texts_are_inert_and_state_changes_need_the_token(run: Path, tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    server = Server(run, tmp_path / "reviews.sqlite")
    requests: list[str] = []
    errors: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = _browser(p)
            page = _page(browser, server, requests, errors)
            page.goto(server.url + "?q=" + "onerror")
            hostile = page.locator("#queue tr").nth(1).get_attribute("data-id")
            page.goto(f"{server.url}campaign/{hostile}?comments=all")
            assert page.evaluate("window.__xss") is None
            page.wait_for_load_state("load")
            widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
            assert len(widths) >= 4  # timeline, raster, graph, matrix (drawn on request if need be)
            assert all(w > 0 for w in widths)
            body = page.inner_text("body")
            assert "<script>window.__xss = 1</script>" in body  # shown as text
            assert page.locator("span.cc", has_text="U+202E").count() >= 1
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280 + 20  # a 10,000-character word does not widen the page
            csp = page.evaluate(
                "fetch(location.href).then(r => r.headers.get('content-security-policy'))"
            )
            assert "default-src 'none'" in csp
            page.screenshot(path=str(ARTIFACTS / "review-hostile-campaign.png"))
            browser.close()
        # a state-changing request without the token, or from another origin, is refused
        body = json.dumps({"kind": "campaign", "id": hostile, "decision": "confirmed"}).encode()
        for headers in (
            {"Content-Type": "application/json"},
            {"Content-Type": "application/json", "X-CSRF-Token": "guess"},
        ):
            req = urllib.request.Request(server.url + "decide", data=body, headers=headers)
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            assert e.value.code == 403
    finally:
        server.kill()
    assert not errors, errors
    assert all(u.startswith(server.url) for u in requests), requests[:5]


def test_figures_the_report_did_not_draw_are_drawn_on_request(run: Path, tmp_path: Path):
    """A campaign beyond the report's strongest (here: every figure deleted) still gets its
    timeline, raster, graph and matrix; nothing but a campaign's figure is ever drawn."""
    from bot_analysis.webapp import create_app

    out = tmp_path / "run"
    shutil.copytree(run, out, ignore=shutil.ignore_patterns("figures"))
    (out / "figures").mkdir()
    app = create_app(out, tmp_path / "s.sqlite", token="not-a-secret")  # noqa: S106
    client = app.test_client()
    camp = json.loads((out / "campaigns.json").read_text("utf-8"))
    cid = next(c["campaign_id"] for c in camp if c["flagged"])
    page = client.get(f"/campaign/{cid}").get_data(as_text=True)
    for kind in ("timeline", "raster", "graph", "matrix"):
        assert f"/figures/campaign_{cid}_{kind}.png" in page
        got = client.get(f"/figures/campaign_{cid}_{kind}.png")
        assert got.status_code == 200
        assert got.data.startswith(b"\x89PNG")
    for bad in ("campaign_nope_graph.png", f"campaign_{cid}_other.png", "..%2Frun.json", "x.png"):
        assert client.get(f"/figures/{bad}").status_code == 404
