"""The HTML report in a real browser (headless Chromium, network blocked), hostile texts, CSVs."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot_analysis.cli import cli

from .conftest import ROOT, SAMPLE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = [
    "<script>window.__xss = 1</script> Россия не в изоляции, санкции теряют значение навсегда",
    '<img src=x onerror="window.__xss = 2"> Россия не в изоляции, санкции теряют значение',
    "javascript:alert(1) Россия не в изоляции и санкции теряют значение для всех нас",
    "\u202eRTL override\u202c Россия не в изоляции, санкции теряют значение навсегда",
    "=cmd|' /C calc'!A0 Россия не в изоляции, санкции теряют значение навсегда",
]
ARTIFACTS = ROOT / "reports" / "test-artifacts"


def _hostile_dump(path: Path) -> None:
    """Twelve accounts posting hostile variants of one talking point, synchronized."""
    t0 = datetime(2024, 10, 20, 10, tzinfo=UTC)
    rows = [["comment_id", "account_id", "created_at", "text", "thread_id", "parent_id"]]
    n = 0
    for wave in range(8):
        for acc in range(12):
            text = HOSTILE[(wave + acc) % len(HOSTILE)]
            ts = t0 + timedelta(hours=wave * 5, seconds=acc * 20)
            rows.append([f"h{n}", f"hostile{acc}", ts.isoformat(), text, f"ht{wave}", ""])
            n += 1
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    dumps = base / "dumps"
    shutil.copytree(SAMPLE / "dumps", dumps)
    _hostile_dump(dumps / "hostile.csv")
    out = base / "out"
    res = CliRunner().invoke(cli, ["analyze", str(dumps), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


def test_report_is_self_contained_and_escapes_hostile_text(hostile_run: Path):
    html = (hostile_run / "index.html").read_text("utf-8")
    assert "<script>window.__xss" not in html
    assert "&lt;script&gt;window.__xss" in html
    assert "<img src=x onerror" not in html
    assert "http://" not in html.split("<body>")[0]  # nothing fetched from the head
    assert html.count("<script>") == 1  # only our own, hash-pinned by the CSP
    assert "Content-Security-Policy" in html


def test_csv_exports_neutralize_formulas(hostile_run: Path):
    with open(hostile_run / "flagged_comments.csv", encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    formula = [t for t in texts if "cmd|" in t]
    assert formula
    assert all(t.startswith("'=") for t in formula)
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts)


def _browser():  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    return sync_api


@pytest.mark.browser
def test_report_in_headless_chromium(hostile_run: Path):
    sync_api = _browser()
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})

        def route(r):  # type: ignore[no-untyped-def]
            requests.append(r.request.url)
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                r.abort()

        page.route("**/*", route)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((hostile_run / "index.html").as_uri())
        assert page.locator("#campaigns").count() == 1
        assert page.locator("section.campaign").count() >= 5  # the sample's four + hostile
        widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        assert len(widths) >= 10
        assert all(w > 0 for w in widths)
        assert page.evaluate("window.__xss") is None  # no injected script ran
        assert not dialogs
        body = page.inner_text("body")
        assert "<script>window.__xss = 1</script>" in body  # shown as text
        assert "onerror" in body
        page.locator("table.sortable th").first.click()  # the inline script works
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        browser.close()
    assert requests
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
