"""Measure the built book as a reader sees it, on an office PC (1366×768) and a phone (390×844), offline.

    .venv/bin/python scripts/measure_book.py [_build/html]

Prints, per page: the Chinese share of the visible prose in 双语 and in 中文 (the default); the English words a
Chinese-only reader still sees in 中文 outside code and machine names; how far the page is wider than the window
(0 = no sideways scroll); at each size, how many tables scroll inside themselves (and the most they hide) and the
tallest table row against the screen's height; and how small the charts' text is drawn. tests/test_book_browser.py
uses the same JavaScript and holds each figure.
"""
from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"office": (1366, 768), "phone": (390, 844)}

# Visible prose of <main>: text nodes outside code (pre, code blocks, cell sources) and outside hidden elements.
PROSE_COUNTS_JS = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const skip = 'pre, code, .cell_input, .highlight, script, style, .headerlink, mjx-container';
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  let zh = 0, latin = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    if (!el.getClientRects().length) continue;              // display:none or in a closed <details>
    const s = n.textContent;
    zh += (s.match(/[\u4e00-\u9fff]/g) || []).length;
    latin += (s.match(/[A-Za-z]/g) || []).length;
  }
  return {zh, latin};
}
"""

# English words a reader sees in the article: visible text outside code (a cell's source, a rule's source, inline
# code, a shell command) and machine names (a clause ID printed as a heading: .medrules-id). Outputs of code — a
# table, a printed line — count: a reader reads them. Returns the count and the most frequent words.
ENGLISH_WORDS_JS = r"""
() => {
  const root = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const skip = 'code, kbd, script, style, .headerlink, mjx-container, .MathJax, svg, .cell_input, .medrules-id, ' +
               'div[class*="highlight-python"], div[class*="highlight-ipython"], div[class*="highlight-sh"], ' +
               'div[class*="highlight-yaml"], div[class*="highlight-json"], div[class*="highlight-default"], ' +
               'div[class*="highlight-text"], div[class*="highlight-diff"]';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const words = {};
  let n = 0;
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!el || el.closest(skip) || !el.getClientRects().length) continue;
    for (const w of t.textContent.match(/[A-Za-z][A-Za-z'’-]*[A-Za-z]/g) || []) { n++; words[w] = (words[w] || 0) + 1; }
  }
  return {n, top: Object.entries(words).sort((a, b) => b[1] - a[1]).slice(0, 25)};
}
"""

# Every visible table of the article: how much of it its own box (or a box around it) hides sideways, its tallest
# row, and whether the page shows it as cards.
TABLES_JS = r"""
() => {
  const root = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const out = [];
  for (const t of root.querySelectorAll('table')) {
    if (!t.getClientRects().length || t.closest('.cell_input')) continue;
    let hidden = 0;
    for (let el = t; el && el !== root; el = el.parentElement) {
      const ox = getComputedStyle(el).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') hidden = Math.max(hidden, el.scrollWidth - el.clientWidth);
    }
    let tallest = 0;
    for (const r of t.rows) tallest = Math.max(tallest, r.getBoundingClientRect().height);
    const head = ((t.querySelector('th') || {}).innerText || '').trim().slice(0, 24);
    out.push({hidden, tallest: Math.round(tallest), cards: t.classList.contains('medrules-cards'), head});
  }
  return out;
}
"""

# Each chart (a PNG in the article): the px size its text is shown at, from the size it is drawn at
# (medrules.publish.charts: FONT_PT at PNG_DPI) and the size the page shows the image.
CHARTS_JS = r"""
(drawnPx) => [...(document.querySelector('article.bd-article') || document.body).querySelectorAll('img')]
  .filter(img => img.naturalWidth > 200 && img.getClientRects().length)
  .map(img => ({src: img.getAttribute('src'), textPx: drawnPx * img.getBoundingClientRect().width / img.naturalWidth}))
"""

OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def serve(html: Path):
    handler = functools.partial(_Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages(html: Path) -> list[str]:
    skip = ("_static", "_sources", "_images", "_sphinx_design_static", "pdf")
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if p.relative_to(html).parts[0] not in skip and p.name not in ("genindex.html", "index.html"))


def open_page(browser, base: str, path: str, size: tuple[int, int], mode: str | None = None):
    """A page at a window size, in a language mode (None: as a first-time reader gets it), requests kept on
    127.0.0.1; its tables laid out (medrules-tables.js runs after load). Returns (context, page)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    if mode:
        context.add_init_script(f"try {{ localStorage.setItem('medrules-lang', '{mode}'); }} catch (e) {{}}")
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:")) else r.abort())
    page.goto(f"{base}/{path}", wait_until="load")
    page.wait_for_load_state("networkidle")  # the static calculators draw their saved results after load
    page.wait_for_timeout(300)
    return context, page


def chart_text_px() -> float:
    """The px size of a chart's text as drawn (medrules.publish.charts)."""
    from medrules.publish.charts import FONT_PT, PNG_DPI
    return FONT_PT * PNG_DPI / 72


def measure(browser, base: str, path: str) -> dict:
    row = {}
    for name, size in SIZES.items():
        context, page = open_page(browser, base, path, size, "zh")
        row[name] = {"wider": page.evaluate(OVERFLOW_JS), "tables": page.evaluate(TABLES_JS),
                     "charts": page.evaluate(CHARTS_JS, chart_text_px())}
        if name == "office":
            row["english"] = page.evaluate(ENGLISH_WORDS_JS)
            row["zh_only"] = page.evaluate(PROSE_COUNTS_JS)
        context.close()
    context, page = open_page(browser, base, path, SIZES["office"], "both")
    row["both"] = page.evaluate(PROSE_COUNTS_JS)
    context.close()
    return row


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    html = Path(argv[0] if argv else "_build/html")
    server, base = serve(html)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            print(f"{'page':48} {'中文% 双语':>9} {'中文% 中文':>9} {'English':>7} {'wider':>9} "
                  f"{'scroll@1366':>11} {'scroll@390':>10} {'row/768':>8} {'row/844':>8} {'chart px':>8}")
            for path in pages(html):
                m = measure(browser, base, path)
                share = m["both"]["zh"] / max(1, m["both"]["zh"] + m["both"]["latin"]) * 100
                zh_share = m["zh_only"]["zh"] / max(1, m["zh_only"]["zh"] + m["zh_only"]["latin"]) * 100
                office, phone = m["office"], m["phone"]

                def scrolling(tables):
                    hidden = [t["hidden"] for t in tables if t["hidden"] > 1]
                    return f"{len(hidden)}/{len(tables)}" + (f" ({max(hidden)})" if hidden else "")

                tallest = [max([t["tallest"] for t in x["tables"]] or [0]) for x in (office, phone)]
                chart = min([c["textPx"] for c in phone["charts"]] or [0])
                print(f"{path:48} {share:8.1f}% {zh_share:8.1f}% {m['english']['n']:7} "
                      f"{office['wider']:4}/{phone['wider']:<4} {scrolling(office['tables']):>11} "
                      f"{scrolling(phone['tables']):>10} {tallest[0]:8} {tallest[1]:8} "
                      f"{(f'{chart:.1f}' if chart else '—'):>8}")
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
