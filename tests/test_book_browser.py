"""The published book, read in a real browser (Debian's headless Chromium driven by Playwright).

The site is served from _build/html on 127.0.0.1 (a random free port) and every page is opened; the browser is
allowed no request outside the site. `make test` builds the book just before and sets MEDRULES_BOOK_BUILT=1;
run alone (`pytest tests/test_book_browser.py`), the test builds the book itself (incrementally, like make book).
Screenshots of the landing page, a clause section and the comparison are saved to _build/screenshots/ for a
person to look at.
"""
from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

REPO = Path(__file__).resolve().parent.parent
# MEDRULES_BOOK_HTML: test a site already built elsewhere (e.g. with --path-output) instead of building it.
HTML = Path(os.environ.get("MEDRULES_BOOK_HTML") or REPO / "_build" / "html")
SHOTS = HTML.parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WENZHOU = "notebooks/wenzhou-2021-78.html"

playwright_sync = pytest.importorskip("playwright.sync_api")


def _build_book() -> None:
    """Build as `make book` does (incremental: quick when nothing changed)."""
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""), "MPLBACKEND": "Agg",
           "PYTHONHASHSEED": "0"}
    done = subprocess.run(["jupyter-book", "build", "-W", "-n", "--keep-going", "."], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, "the book does not build:\n" + done.stdout[-4000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def site():
    built = os.environ.get("MEDRULES_BOOK_BUILT") == "1" or os.environ.get("MEDRULES_BOOK_HTML")
    if not (built and (HTML / "index.html").exists()):
        _build_book()
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-browser.sh (make does)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Visit:
    """A browser page that records console errors, page errors, failed loads and any request leaving the site."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))
        self.page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str, wait: str = "load"):
        response = self.page.goto(f"{self.base}/{path}", wait_until=wait)
        assert response is not None and response.ok, (path, response and response.status)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site):
    v = Visit(browser, site)
    yield v
    v.close()


def _pages() -> list[str]:
    skip = ("_static", "_sources", "_images", "_sphinx_design_static")
    return sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html") if not p.relative_to(HTML).parts[0] in skip)


def test_every_page_loads_without_console_errors_or_requests_outside_the_site(browser, site):
    pages = _pages()
    for required in ("book/intro.html", "book/comparison.html", "book/clause-index.html", "book/glossary.html",
                     "book/methods.html", WENZHOU, "search.html"):
        assert required in pages, f"{required} was not built"
    problems = {}
    for path in pages:
        v = Visit(browser, site)
        try:
            v.open(path)
            v.page.wait_for_load_state("networkidle", timeout=15000)
            if v.errors or v.outside:
                problems[path] = v.errors + [f"outside the site: {u}" for u in v.outside]
        finally:
            v.close()
    assert not problems, problems


def test_the_landing_page_lists_every_policy_with_its_status_and_is_screenshotted(visit):
    page = visit.open("index.html")  # redirects to the root page
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("book/intro.html")
    text = page.inner_text("main")
    # Generated from policies/*/policy.yaml: Wenzhou's plan ran 2022-01-01 to 2025-12-31.
    assert "温政办〔2021〕78号" in text and "已失效 expired" in text and "2025-12-31" in text
    from medrules.policy import load_policy, policy_ids

    for pid in policy_ids():  # every policy in policies/, including ones added after this test was written
        assert load_policy(pid).meta["title"]["zh"] in text, pid
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "landing.png"), full_page=True)


def test_a_clause_section_shows_text_first_with_the_code_folded_and_is_screenshotted(visit):
    page = visit.open(WENZHOU)
    page.wait_for_load_state("networkidle")
    heading = page.locator("h2", has_text="三(三)9")
    heading.scroll_into_view_if_needed()
    assert "促进三重制度互补衔接" in page.inner_text("main")
    # Encoding cells are folded: their source sits in a closed <details>.
    folded = page.locator("details.hide-above-input, details.above-input")
    assert folded.count() > 0 and not folded.first.evaluate("d => d.open")
    page.evaluate("el => el.scrollIntoView()", heading.element_handle())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "clause-wenzhou-3.3.9.png"))


def test_the_calculator_widget_renders_from_the_locally_shipped_javascript(visit):
    page = visit.open(WENZHOU)
    # The widget manager replaces the saved widget state with live controls: drop-downs with the categories.
    page.locator(".widget-subarea .widget-dropdown select").first.wait_for(state="attached", timeout=20000)
    options = page.eval_on_selector_all(".widget-subarea select",
                                        "els => els.map(e => e.innerText.replace(/\\u00a0/g, ' '))")
    assert any("低保对象 / minimum-living-allowance recipient (dibao)" in o for o in options), options
    assert not visit.outside, visit.outside
    # The static page says how to run it live.
    assert "JupyterLab" in page.inner_text("main")


@pytest.mark.parametrize("term, must_find", [
    ("医疗救助", WENZHOU),      # the Wenzhou medical-assistance clause
    ("低保边缘", "book/glossary.html"),
    ("assistance", WENZHOU),
])
def test_site_search_finds_chinese_and_english_terms(visit, term, must_find):
    page = visit.open(f"search.html?q={quote(term)}")
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    assert any(must_find in h for h in hrefs), (term, hrefs)


def test_search_for_medical_assistance_returns_the_wenzhou_assistance_clause(visit):
    page = visit.open(f"search.html?q={quote('医疗救助')}")
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    results = page.eval_on_selector_all(
        "#search-results ul.search li", "els => els.map(e => [e.querySelector('a').href, e.innerText])")
    wenzhou = [text for href, text in results if WENZHOU in href]
    assert wenzhou, results
    assert any(WENZHOU in href for href, _ in results[:3]), results  # among the first results, not buried
    assert any("医疗救助" in text for text in wenzhou), wenzhou


def test_the_comparison_page_shows_its_table_and_charts_and_is_screenshotted(visit):
    page = visit.open("book/comparison.html")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    assert "个人自付 out of pocket" in text and "6,000.00" in text  # Wenzhou 低保: 6,000 left (worked by hand)
    images = page.locator("main img")
    assert images.count() >= 2
    for i in range(images.count()):
        loaded = images.nth(i).evaluate("img => img.complete && img.naturalWidth > 300")
        assert loaded, images.nth(i).get_attribute("src")
    alts = [images.nth(i).get_attribute("alt") or "" for i in range(images.count())]
    assert any("谁来支付" in a or "stacked" in a for a in alts), alts
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "comparison.png"), full_page=True)


def test_formulas_render_from_the_locally_shipped_mathjax(visit):
    page = visit.open("book/methods.html")
    page.wait_for_selector("mjx-container", timeout=20000)  # MathJax has typeset the floor formula
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert any("/_static/mathjax/" in s for s in scripts), scripts
    assert not visit.outside and not visit.errors, (visit.outside, visit.errors)


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_the_review_tables_are_readable_on_a_laptop_and_a_phone(browser, site, width, height):
    """The review page's wide tables scroll inside their own box: the page never scrolls sideways, and no column
    is squeezed to one Chinese character per line (the clause title, the IDs, the names)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    try:
        page = context.new_page()
        response = page.goto(f"{site}/book/review.html", wait_until="load")
        assert response is not None and response.ok
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, "the page scrolls sideways"
        wrappers = page.locator(".medrules-table")
        assert wrappers.count() >= 2  # the figures and one table per policy
        for i in range(wrappers.count()):
            box = wrappers.nth(i)
            assert box.evaluate("w => getComputedStyle(w).overflowX") == "auto"
            assert box.evaluate("w => w.getBoundingClientRect().right") <= width + 1
        squeezed = page.evaluate("""() => {
            const bad = [];
            for (const cell of document.querySelectorAll('.medrules-table td, .medrules-table th')) {
                const text = cell.innerText.trim();
                const em = parseFloat(getComputedStyle(cell).fontSize);
                const lineHeight = parseFloat(getComputedStyle(cell).lineHeight) || em * 1.5;
                const lines = Math.round((cell.clientHeight - parseFloat(getComputedStyle(cell).paddingTop)
                                          - parseFloat(getComputedStyle(cell).paddingBottom)) / lineHeight);
                // a cell of several characters shown about one character wide, or wrapped onto many lines
                if (text.length >= 2 && (cell.getBoundingClientRect().width < 2.5 * em || lines > 4)) {
                    const px = Math.round(cell.getBoundingClientRect().width);
                    bad.push(`${text.slice(0, 20)} (${px}px, ${lines} lines)`);
                }
            }
            return bad;
        }""")
        assert not squeezed, squeezed[:10]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"review-{width}.png"), full_page=False)
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------------------------
# The generated parts, checked without a browser (medrules/book.py)
# ---------------------------------------------------------------------------------------------------------------

def test_wenzhou_is_in_force_on_its_last_day_and_expired_from_1_january_2026():
    import datetime as dt

    from medrules.book import policy_status

    # 施行: "本方案自2022年1月1日起施行,有效期至2025年12月31日。"
    assert policy_status("wenzhou-2021-78", dt.date(2025, 12, 31))[0] == "in-force"
    assert policy_status("wenzhou-2021-78", dt.date(2026, 1, 1))[0] == "expired"
    assert policy_status("wenzhou-2021-78", dt.date(2021, 12, 31))[0] == "not-yet"
    # A policy known only from a press report is never called in force or expired.
    assert policy_status("shandong-2022-major-illness", dt.date(2026, 1, 1))[0] == "reported"


def test_the_clause_index_lists_every_clause_of_every_policy():
    from medrules.book import clause_index
    from medrules.policy import load_policy, policy_ids

    text = clause_index()
    for pid in policy_ids():
        for cid in load_policy(pid).clauses:
            assert f"`{cid}`" in text, cid
