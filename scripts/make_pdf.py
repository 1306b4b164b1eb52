"""make pdf: A4 PDFs staff can file and print, from the built site (_build/html), offline.

For every policy page and for the whole book, two PDFs: 中文 (`<name>.zh.pdf`, the English behind the language
switch left out) and 中英双语 (`<name>.pdf`). Each opens with the page's title and its status banner; its bookmarks
are the page's headings in the PDF's language, one per heading; no table runs past the right edge (the page is laid
out at the printed width first, so the book's tables wrap or become cards as on a narrow screen, and a table that
still does not fit stops the run). The PDFs go to `--out` and into the site (`_build/html/pdf/`), where every page's
下载 PDF links point, so they work offline.

Printed by the Chromium the browser tests drive (Playwright's page.pdf): the book's print CSS (book/_static/
medrules.css, @media print) hides code cells, "展开代码" bars, controls and navigation; the PDF is tagged; Chromium
embeds the CJK fonts it used (Noto Sans CJK from fonts-noto-cjk).

    .venv/bin/python scripts/make_pdf.py [--html _build/html] [--out _build/pdf]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_book import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402  (one place for the browser flags)

REPO = Path(__file__).resolve().parent.parent
MARGIN_MM = {"top": 15, "bottom": 15, "left": 14, "right": 14}
A4_MM = (210, 297)
PX_PER_MM = 96 / 25.4
# The printed width in CSS px: the page is laid out at it before printing, so the tables fit the paper.
PRINT_WIDTH_PX = round((A4_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]) * PX_PER_MM)
PDF_OPTIONS = {"format": "A4", "print_background": True, "outline": True, "tagged": True,
               "margin": {k: f"{v}mm" for k, v in MARGIN_MM.items()},
               "display_header_footer": True, "header_template": "<span></span>",
               "footer_template": '<div style="font-size:8px;width:100%;text-align:center">'
                                  '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'}
MODES = {"zh": ".zh.pdf", "both": ".pdf"}   # 中文, 中英双语
BOOK = "medrules-book"

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

# The headings Chromium turns into bookmarks, in order, as the reader sees them in this language (innerText leaves
# out what the switch hides), and every table wider than the article at the printed width.
HEADINGS_JS = r"""() => [...document.querySelectorAll(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']
  .map(h => 'article.bd-article ' + h).join(', '))]
  .filter(h => h.getClientRects().length)
  .map(h => h.innerText.replace(/#\s*$/, '').replace(/\s+/g, ' ').trim())"""
CUT_TABLES_JS = r"""() => {
  const article = document.querySelector('article.bd-article');
  const right = article.getBoundingClientRect().right;
  return [...article.querySelectorAll('table')].filter(t => t.getClientRects().length)
    .map(t => ({over: Math.round(Math.max(t.scrollWidth - t.clientWidth, t.getBoundingClientRect().right - right)),
                head: ((t.querySelector('th') || {}).innerText || '').trim().slice(0, 30)}))
    .filter(t => t.over > 1);
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
    jobs = [(pid, f"notebooks/{pid}.html", None) for pid in policy_ids() if f"notebooks/{pid}.html" in pages]
    jobs.append((BOOK, pages[0], pages[1:]))
    server, base = serve(args.html)
    written, problems = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for mode, suffix in MODES.items():
                context = browser.new_context(viewport={"width": PRINT_WIDTH_PX, "height": 1000}, locale="zh-CN")
                context.add_init_script(f"try {{ localStorage.setItem('medrules-lang', '{mode}'); }} catch (e) {{}}")
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                              else r.abort())
                for name, path, more in jobs:
                    target = args.out / f"{name}{suffix}"
                    cut = _print(context, f"{base}/{path}", more, target)
                    problems += [f"{target.name}: a table runs {t['over']} px past the edge ({t['head']!r})" for t in cut]
                    written.append(target)
                context.close()
            browser.close()
    finally:
        server.shutdown()
    site = args.html / "pdf"
    site.mkdir(exist_ok=True)
    for path in written:
        shutil.copyfile(path, site / path.name)   # where each page's 下载 PDF link points
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  {path.stat().st_size // 1024} KiB")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    return 0


def _print(context, url: str, more: list | None, target: Path) -> list:
    """Lay the page out at the printed width in print media, print it, and give it clean bookmarks; returns the
    tables that still run past the edge."""
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    if more:
        page.evaluate(JOIN_JS, more)
        page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('resize'))")   # the tables re-fit to the print layout
    page.wait_for_timeout(300)
    cut = page.evaluate(CUT_TABLES_JS)
    headings = page.evaluate(HEADINGS_JS)
    tmp = target.with_suffix(".pdf.part")
    page.pdf(path=str(tmp), **PDF_OPTIONS)
    page.close()
    name_bookmarks(tmp, headings)
    tmp.replace(target)   # renamed when complete: never half a PDF
    return cut


def name_bookmarks(path: Path, headings: list[str]) -> None:
    """Chromium makes a bookmark per heading but titles some from the page's layout: doubled ("一 工作目标 ·
    Objectives一 工作目标 · Objectives") or with words glued across a line break ("inputs andclauses"). Each
    bookmark is given its heading's text as the reader sees it in this PDF's language; where the counts differ,
    each title is cleaned on its own."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=str(path))
    items = list(_outline_items(writer))
    names = headings if len(headings) == len(items) else [clean_title(str(i.get("/Title", ""))) for i in items]
    for item, name in zip(items, names):
        item[NameObject("/Title")] = TextStringObject(name)
    with open(path, "wb") as f:
        writer.write(f)


def _outline_items(writer):
    """The outline's items in reading order (each heading, then the headings under it)."""
    root = writer._root_object.get("/Outlines")
    if root is None:
        return

    def walk(node):
        while node is not None:
            item = node.get_object()
            yield item
            if "/First" in item:
                yield from walk(item["/First"])
            node = item.get("/Next")

    yield from walk(root.get_object().get("/First"))


def clean_title(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip()
    half = len(title) // 2
    if len(title) % 2 == 0 and title[:half] == title[half:]:
        return title[:half]
    return title


if __name__ == "__main__":
    sys.exit(main())
