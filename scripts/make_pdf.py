"""make pdf: one A4 PDF per policy page and one for the whole book, from the built site (_build/html), offline.

Printed by the Chromium the browser tests drive (Playwright's page.pdf): the book's print CSS (book/_static/
medrules.css, @media print) hides code cells, "Show code" bars, controls and navigation; the status banner stays at
the top of each policy page; headings become PDF bookmarks (outline) and the PDF is tagged; Chromium embeds the
CJK fonts it used (Noto Sans CJK from fonts-noto-cjk).

    .venv/bin/python scripts/make_pdf.py [--html _build/html] [--out _build/pdf]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_book import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402  (one place for the browser flags)

REPO = Path(__file__).resolve().parent.parent
PDF_OPTIONS = {"format": "A4", "print_background": True, "outline": True, "tagged": True,
               "margin": {"top": "15mm", "bottom": "15mm", "left": "14mm", "right": "14mm"},
               "display_header_footer": True, "header_template": "<span></span>",
               "footer_template": '<div style="font-size:8px;width:100%;text-align:center">'
                                  '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'}

# The whole book as one document: every page's article, in the order of the table of contents, appended to the
# first page (all pages sit one folder deep, so their relative image links stay valid).
JOIN_JS = """async (paths) => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  for (const path of paths) {
    const html = await (await fetch('../' + path)).text();
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const other = doc.querySelector('article.bd-article');
    if (!other) continue;
    const part = document.createElement('section');
    part.style.breakBefore = 'page';
    part.innerHTML = other.innerHTML;
    article.appendChild(part);
  }
}"""


def toc_pages(root: Path = REPO) -> list[str]:
    """The built pages in table-of-contents order (root first)."""
    import yaml

    with open(root / "_toc.yml", encoding="utf-8") as f:
        toc = yaml.safe_load(f)
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [c["file"] for c in part.get("chapters", [])]
    return [p.removesuffix(".md").removesuffix(".ipynb") + ".html" for p in pages]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--out", type=Path, default=REPO / "_build" / "pdf")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").exists():
        print(f"error: --html: {args.html} has no built book; run make book first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from medrules.core.policy import policy_ids

    args.out.mkdir(parents=True, exist_ok=True)
    pages = toc_pages()
    server, base = serve(args.html)
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context()
            context.add_init_script("try { localStorage.setItem('medrules-lang', 'both'); } catch (e) {}")
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                          else r.abort())
            for pid in policy_ids():
                path = f"notebooks/{pid}.html"
                if path not in pages:
                    continue
                page = context.new_page()
                page.goto(f"{base}/{path}", wait_until="networkidle")
                target = args.out / f"{pid}.pdf"
                _write(page, target)
                written.append(target)
                page.close()
            page = context.new_page()
            page.goto(f"{base}/{pages[0]}", wait_until="networkidle")
            page.evaluate(JOIN_JS, pages[1:])
            page.wait_for_load_state("networkidle")
            target = args.out / "medrules-book.pdf"
            _write(page, target)
            written.append(target)
            browser.close()
    finally:
        server.shutdown()
    for path in written:
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  {path.stat().st_size // 1024} KiB")
    return 0


def _write(page, target: Path) -> None:
    """Print to a temporary file beside the target and rename it when complete: never half a PDF."""
    tmp = target.with_suffix(".pdf.part")
    page.pdf(path=str(tmp), **PDF_OPTIONS)
    tmp.replace(target)


if __name__ == "__main__":
    sys.exit(main())
