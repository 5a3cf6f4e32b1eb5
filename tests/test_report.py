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
    "gnp\u202eexe.png Россия не в изоляции, санкции теряют значение навсегда",
    "W" * 10_000 + " Россия не в изоляции, санкции теряют значение навсегда",
]
ARTIFACTS = ROOT / "reports" / "test-artifacts"


def _hostile_dump(path: Path) -> None:
    """Twelve accounts posting hostile variants of one talking point, synchronized."""
    t0 = datetime(2024, 10, 20, 10, tzinfo=UTC)
    rows = [["comment_id", "account_id", "created_at", "text", "thread_id", "parent_id"]]
    n = 0
    for wave in range(8):
        for acc in range(12):
            text = HOSTILE[wave % len(HOSTILE)]  # every account, the same text per wave
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


def _open_report(p, run: Path):  # type: ignore[no-untyped-def]
    """A page on the report, with every request outside the file refused and page errors kept."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((run / "index.html").as_uri())
    return browser, page, errors


def _column(page, table: int, col: int) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "([t, c]) => Array.from(document.querySelectorAll('table.sortable')[t].rows)"
        ".slice(1).map(r => r.cells[c] ? r.cells[c].textContent : '')",
        [table, col],
    )


def _key(text: str) -> tuple[int, float, str]:
    """The order the report's script sorts by: numbers (1,234 and 56%) as numbers, else text."""
    import re

    s = text.strip().replace(",", "").removesuffix("%")
    if re.fullmatch(r"-?[0-9]+([.][0-9]+)?", s):
        return (0, float(s), "")
    return (1, 0.0, text)


@pytest.mark.browser
def test_every_table_of_the_report_sorts(hostile_run: Path):
    """Each table sorts by a click on any of its headers (the handler once indexed headers
    across all tables, so only the first table sorted and the others threw errors)."""
    sync_api = _browser()
    with sync_api.sync_playwright() as p:
        browser, page, errors = _open_report(p, hostile_run)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        n = page.locator("table.sortable").count()
        assert n >= 10
        assert n == page.locator("table").count()  # every table
        checked = 0
        for t in range(n):
            table = page.locator("table.sortable").nth(t)
            heads = table.locator("tr").first.locator("th")
            for col in range(heads.count()):
                values = _column(page, t, col)
                if len(set(values)) < 3:
                    continue
                heads.nth(col).click()
                got = _column(page, t, col)
                assert sorted(got, key=_key) == got, (t, col)
                heads.nth(col).click()
                assert sorted(_column(page, t, col), key=_key, reverse=True) == _column(
                    page, t, col
                )
                checked += 1
                break
        assert checked >= 6
        assert not errors, errors
        browser.close()


@pytest.mark.browser
def test_long_texts_are_shortened_and_control_characters_shown(hostile_run: Path):
    sync_api = _browser()
    with sync_api.sync_playwright() as p:
        browser, page, errors = _open_report(p, hostile_run)
        page.evaluate("document.querySelectorAll('details:not(.more)').forEach(d => d.open = 1)")
        # a 10,000-character word made one card 4,800 px tall: now no cell is taller than a
        # few lines, and nothing is wider than the page
        tallest = page.evaluate(
            "Math.max(...Array.from(document.querySelectorAll('section.campaign td, "
            "section.campaign li')).map(e => e.getBoundingClientRect().height))"
        )
        assert tallest < 400
        assert page.evaluate("document.documentElement.scrollWidth") <= 1200 + 20
        more = page.locator("details.more").filter(has_text="10,0")
        assert more.count() >= 1
        shown = more.first.evaluate("d => d.previousElementSibling.textContent")
        assert shown.startswith("W" * 200)
        assert len(shown) <= 281
        more.first.locator("summary").click()
        assert more.first.evaluate("d => d.open")
        # the right-to-left override is shown as a marked code point, not obeyed
        marks = page.locator("span.cc", has_text="U+202E")
        assert marks.count() >= 1
        assert "gnpU+202Eexe.png" in page.inner_text("body").replace("\n", "")
        assert page.evaluate("window.__xss") is None
        assert not errors, errors
        page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=False)
        browser.close()


@pytest.mark.browser
def test_campaigns_clusters_and_accounts_link_within_the_page(hostile_run: Path):
    sync_api = _browser()
    with sync_api.sync_playwright() as p:
        browser, page, errors = _open_report(p, hostile_run)
        broken = page.evaluate(
            "Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
            ".map(a => a.getAttribute('href').slice(1))"
            ".filter(id => !document.getElementById(id))"
        )
        assert not broken, broken[:5]
        card = page.locator("section.campaign").first
        n_accounts = int(
            card.locator("h3 + p + p").inner_text().split(" account")[0].replace(",", "")
        )
        card.locator("details", has_text="Its accounts").locator("summary").click()
        rows = card.locator("details", has_text="Its accounts").locator("tr")
        assert rows.count() - 1 == n_accounts  # every account, not the first 50
        # campaign -> cluster -> back to the campaign; account -> the accounts table
        card.locator("details", has_text="near-duplicate texts").locator("summary").click()
        link = card.locator("details", has_text="near-duplicate texts").locator("a").first
        target = link.get_attribute("href")
        link.click()
        assert page.evaluate("location.hash") == target
        back = page.locator(f"tr{target} a").first
        back.click()
        assert page.evaluate("location.hash") == "#" + card.get_attribute("id")
        rows.nth(1).locator("a").click()
        assert page.locator(page.evaluate("location.hash")).locator("td").count() >= 5
        assert not errors, errors
        browser.close()
