"""Measure the built book as a reader sees it: the Chinese share of each page's prose and the page width on a phone.

    .venv/bin/python scripts/measure_book.py [_build/html]

Prints, per page: Chinese characters and Latin letters in the visible prose (code cells, rule source and hidden
elements left out; the language switch on 双语, so both languages count, then on 中文, as a Chinese-only reader
sees the page) and, at 390 and 1366 px wide, how far
the page is wider than the window (0 = no sideways scroll). tests/test_book_browser.py uses the same JavaScript.
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
    skip = ("_static", "_sources", "_images", "_sphinx_design_static")
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if p.relative_to(html).parts[0] not in skip and p.name not in ("genindex.html", "index.html"))


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    html = Path(argv[0] if argv else "_build/html")
    server, base = serve(html)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            print(f"{'page':52} {'中文':>7} {'Latin':>7} {'中文%':>6} {'中文% in 中文':>12} {'wider@390':>9} "
                  f"{'wider@1366':>10}")
            for path in pages(html):
                row = {}
                for width in (390, 1366):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url
                               or r.request.url.startswith(("data:", "blob:")) else r.abort())
                    page.goto(f"{base}/{path}", wait_until="load")
                    page.wait_for_timeout(300)
                    row[width] = page.evaluate(OVERFLOW_JS)
                    if width == 1366:
                        counts = page.evaluate(PROSE_COUNTS_JS)
                        # The reader's 中文 setting: the switch hides every [lang=en] (book/_static/medrules.css).
                        page.evaluate("() => document.documentElement.setAttribute('data-ui-lang', 'zh')")
                        zh_only = page.evaluate(PROSE_COUNTS_JS)
                    page.close()
                share = counts["zh"] / max(1, counts["zh"] + counts["latin"]) * 100
                zh_share = zh_only["zh"] / max(1, zh_only["zh"] + zh_only["latin"]) * 100
                print(f"{path:52} {counts['zh']:7} {counts['latin']:7} {share:5.1f}% {zh_share:11.1f}% "
                      f"{row[390]:9} {row[1366]:10}")
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
