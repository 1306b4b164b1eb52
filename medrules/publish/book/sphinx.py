"""The book's Sphinx extension (_config.yml, sphinx.extra_extensions): `setup(app)` and its hooks.

At the start of every build it writes book/_generated/*.md and the search words (generated.py); it opens each
policy page with its status banner, marks the English renderings of the clauses, joins wrapped Chinese lines, notes
the static calculators, rewrites a policy page whose banner changed, and keeps every page self-contained: no Thebe
loader, and the widget bundle told that it lives in _static/."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ...core.messages import both, html, pair, text
from ...core.policy import policy_ids
from .generated import search_words, write_generated
from .status import status_banner_html


def _on_builder_inited(app) -> None:
    root = Path(app.srcdir)
    write_generated(root)
    # The search index segments Chinese with jieba (language zh_CN); teach it our terms so that each is also indexed
    # whole. jieba's cut_for_search still indexes the parts (医疗, 救助) as well.
    words = root / "book" / "_generated" / "search-words.txt"
    text = "".join(f"{w} 100000\n" for w in search_words())
    if not words.exists() or words.read_text(encoding="utf-8") != text:
        words.write_text(text, encoding="utf-8")
    app.config.html_search_options = {**(app.config.html_search_options or {}), "dict": str(words)}


# The widget bundle (embed-amd.js, shipped in _static/ by scripts/setup-js.sh) is an AMD module: require.js places
# it, and so its icon fonts, under the page's folder unless told it lives in the site's _static/ folder.
WIDGET_PATHS_JS = (
    '(function () { var s = new URL((document.documentElement.dataset.content_root || "./") + "_static", '
    'document.baseURI).href; require.config({paths: {"@jupyter-widgets/html-manager/dist": s, '
    '"@jupyter-widgets": s}}); })();')


def _is_thebe(script) -> bool:
    name = str(getattr(script, "filename", script) or "")
    body = str((getattr(script, "attributes", None) or {}).get("body", ""))
    return "thebe" in name or "THEBE_JS_URL" in body


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    # No Thebe: the book runs without a kernel. Jupyter Book adds sphinx-thebe's loader and its config to every
    # page (the config twice, which throws "THEBE_JS_URL has already been declared"); drop both.
    if context.get("script_files"):
        scripts = [s for s in context["script_files"] if not _is_thebe(s)]
        for i, script in enumerate(scripts):
            if str(getattr(script, "filename", script) or "").endswith("require.js"):
                from sphinx.builders.html._assets import _JavaScript
                # Same priority, right after it: Sphinx sorts scripts by priority, keeping this order among equals.
                scripts.insert(i + 1, _JavaScript(None, body=WIDGET_PATHS_JS, priority=script.priority))
                break
        context["script_files"] = scripts
    # The search page ranks a page whose clauses say the term first (medrules-search.js): their Chinese texts.
    if pagename == "search" and "script_files" in context:
        from sphinx.builders.html._assets import _JavaScript
        context["script_files"] = [*context["script_files"],
                                   _JavaScript(None, body=_clause_text_js(Path(app.srcdir)), priority=399)]
    # The theme warns on the console when no colour mode is set.
    if not context.get("default_mode"):
        context["default_mode"] = "light"


def _clause_text_js(root: Path) -> str:
    """window.MEDRULES_CLAUSE_TEXT: per policy page, the Chinese of its clauses (the text, its simplified form or
    its reference rendering, and the clause's title)."""
    from ...core.policy import load_policy
    from .pages import policy_page
    texts = {}
    for pid in policy_ids():
        if policy_page(pid, root) is None:
            continue
        texts[f"notebooks/{pid}"] = "\n".join(
            t for c in load_policy(pid).clauses.values()
            for t in (c.title.get("zh"), c.reference_zh or c.text_simplified or c.text) if t)
    return "window.MEDRULES_CLAUSE_TEXT = " + json.dumps(texts, ensure_ascii=False) + ";"


def _policy_of(docname: str) -> str | None:
    if docname.startswith("notebooks/") and docname.split("/", 1)[1] in policy_ids():
        return docname.split("/", 1)[1]
    return None


def _insert_status_banner(app, doctree, docname) -> None:
    """Open each policy page with its status banner, right under the title. Added when the page is written, so
    the stored notebook outputs do not change when a policy expires."""
    pid = _policy_of(docname)
    if pid is None:
        return
    from docutils import nodes
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next((i for i, n in enumerate(section.children) if isinstance(n, nodes.title)), -1)
    section.insert(title + 1, nodes.raw("", status_banner_html(pid), format="html"))


PDF_FOLDER = "pdf"          # scripts/make_pdf.py writes the PDFs there in the built site (_build/html/pdf/)
BOOK_PDF = "medrules-book"


def pdf_names(docname: str) -> tuple[str, str]:
    """The PDF a page links: a policy page its own, any other page the whole book; and which it is (message key)."""
    pid = _policy_of(docname)
    return (pid, "pdf.this_policy") if pid else (BOOK_PDF, "pdf.whole_book")


def _link_pdfs(app, doctree, docname) -> None:
    """Under each page's title (and a policy page's status banner): 下载 PDF, 中文 or 中英双语 — the PDFs make pdf
    builds into the site, so the links work offline. The print CSS hides the line in the PDFs themselves."""
    from docutils import nodes
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    name, which = pdf_names(docname)
    up = "../" * docname.count("/") + PDF_FOLDER + "/"
    head = pair(f'{text("pdf.download", "zh")}（{text(which, "zh")}）：', f'{text("pdf.download", "en")} '
                f'({text(which, "en")}): ')
    links = (f'<p class="medrules-pdf-links" role="note">{head}'
             f'<a href="{up}{name}.zh.pdf" download>{html("pdf.zh")}</a> · '
             f'<a href="{up}{name}.pdf" download>{html("pdf.both")}</a></p>')
    at = next((i for i, n in enumerate(section.children) if isinstance(n, nodes.title)), -1) + 1
    while at < len(section.children) and isinstance(section[at], nodes.raw) and "medrules-status" in section[at].astext():
        at += 1
    section.insert(at, nodes.raw("", links, format="html"))


def _note_static_widgets(app, doctree, docname) -> None:
    """Before each calculator in the static book, say that its figures are precomputed and where to run it live.
    The saved controls themselves are hidden by medrules.css (.medrules-static-widgets): without a kernel they
    would change and compute nothing; the saved result tables stay visible."""
    from docutils import nodes
    for raw in list(doctree.findall(nodes.raw)):
        if "application/vnd.jupyter.widget-view+json" not in raw.astext():
            continue
        note = f'<div class="medrules-static-note" role="note">{html("workshop.static_note")}</div>'
        raw.parent.insert(raw.parent.index(raw), nodes.raw("", note, format="html"))
        container = raw.parent
        container["classes"] = [*container.get("classes", []), "medrules-static-widgets"]


def _mark_english_renderings(app, doctree, docname) -> None:
    """In a policy page, mark the English rendering under each clause (show_clause prints "English:" and a quote)
    as English, so that the 中文 setting of the language switch hides it. Done when the page is written: stored
    outputs stay as they are."""
    if _policy_of(docname) is None:
        return
    from docutils import nodes
    for para in list(doctree.findall(nodes.paragraph)):
        if para.astext().strip() != "English:":
            continue
        parent = para.parent
        i = parent.index(para)
        para["classes"].append("lang-en")
        if i + 1 < len(parent.children) and isinstance(parent[i + 1], nodes.block_quote):
            parent[i + 1]["classes"].append("lang-en")


def _pair_reference_renderings(app, doctree, docname) -> None:
    """Where a clause opens with its Chinese reference rendering (show_clause of a source not in Chinese: the
    label, the rendering, the source's label and text, the corrected reading's label and text), put the rendering
    and the source side by side: the rendering alone in 中文, the source and its corrected reading alone in English,
    both in 双语 (medrules.css .medrules-clause-pair)."""
    if _policy_of(docname) is None:
        return
    from docutils import nodes
    marker = text("clause.reference_zh", "zh", date="")[:8]  # 参考译文（不是原文）
    for para in list(doctree.findall(nodes.paragraph)):
        if marker not in para.astext() or para.parent is None:
            continue
        parent = para.parent
        i = parent.index(para)
        block = parent.children[i:i + 6]
        if len(block) < 6 or not all(isinstance(n, nodes.block_quote) for n in block[1::2]):
            continue
        rendering = nodes.container("", *block[:2], classes=["medrules-clause-zh", "lang-zh"])
        source = nodes.container("", *block[2:], classes=["medrules-clause-source", "lang-en"])
        for node in block:
            parent.remove(node)
        parent.insert(i, nodes.container("", rendering, source, classes=["medrules-clause-pair"]))


# "Assumption (one reading: …): …" and "Assumption (reading <id>): …" open the notebooks' assumption lines (the word
# reviewers search for); on the page they read 假设（唯一理解：…）/ 假设（解读 <id>）, the English behind the switch.
_ASSUMPTION = re.compile(r"^Assumption(?: \((one reading: |reading ([^)\s]+)\)))?")


def _label_assumptions(app, doctree, docname) -> None:
    """Show each assumption line as 假设 with its English behind the language switch, and the reading it names as
    a machine name; "假设 Assumption" in running text keeps the English word behind the switch too."""
    from docutils import nodes

    def switch(zh, en):
        return [nodes.inline(text=zh, classes=["lang-zh"]), nodes.inline(text=en, classes=["lang-en"])]

    for para in list(doctree.findall(nodes.paragraph)):
        first = para.children[0] if para.children else None
        if isinstance(first, nodes.Text) and (m := _ASSUMPTION.match(str(first))):
            rest = str(first)[m.end():]
            new = switch("假设", "Assumption")
            if m.group(1):
                new += switch("（唯一理解：", " (one reading: ")
            elif m.group(2):
                new += switch("（解读 ", " (reading ") + [nodes.literal(text=m.group(2)), nodes.Text(")")]
            para.replace(first, new[0])
            for j, node in enumerate(new[1:] + ([nodes.Text(rest)] if rest else []), 1):
                para.insert(j, node)
    for node in list(doctree.findall(nodes.Text)):
        parent = node.parent
        if parent is None or "假设 Assumption" not in node or isinstance(parent, (nodes.literal, nodes.literal_block)):
            continue
        pieces = str(node).split("假设 Assumption")
        new = [nodes.Text(pieces[0])]
        for piece in pieces[1:]:
            new += [nodes.Text("假设"), nodes.inline(text=" Assumption", classes=["lang-en"]), nodes.Text(piece)]
        i = parent.index(node)
        parent.remove(node)
        for j, n in enumerate(n for n in new if not isinstance(n, nodes.Text) or str(n)):
            parent.insert(i + j, n)


_HAN = re.compile(r"[\u3400-\u9fff]")
_HEADING_EN = re.compile(r"^(?P<zh>.*[\u3000-\u303f\u3400-\u9fff\uff00-\uffef)](?:[^A-Za-z\u3400-\u9fff]*?))(?P<sep> · | )"
                         r"(?P<en>[A-Za-z][^\u3400-\u9fff]*)$")


def _split_headings(app, doctree, docname) -> None:
    """A heading written "中文 · English" (or "中文 English") keeps its English behind the language switch: in 中文
    the reader sees the Chinese heading alone (and so does the 中文 PDF's bookmark). Anchors are made from the
    source, so links do not change."""
    from docutils import nodes
    for title in list(doctree.findall(nodes.title)):
        if len(title.children) != 1 or not isinstance(title[0], nodes.Text):
            continue
        m = _HEADING_EN.match(str(title[0]))
        if not m or not _HAN.search(m.group("zh")):
            continue
        title.children = []
        title += [nodes.Text(m.group("zh")),
                  nodes.inline("", m.group("sep") + m.group("en"), classes=["lang-en"])]


def _visit_folded_cell(self, node) -> None:
    """myst-nb's bar over a folded cell, in the catalogue's words: 展开代码 / 收起代码 with the English behind the
    language switch (myst-nb writes the one escaped string nb_code_prompt_show gives, "{type}" filled in)."""
    from myst_nb.sphinx_ import escape
    kind = {"source": "source", "output": "output", "outputs": "output"}.get(node["prompt_show"], "content")
    self.body.append(f'<details class="admonition hide {escape(" ".join(node["classes"]))}">\n'
                     f'<summary aria-label="{escape(both("ui.show." + kind, sep=" / "))}">\n'
                     f'<p class="collapsed admonition-title">{html("ui.show." + kind)}</p>\n'
                     f'<p class="expanded admonition-title">{html("ui.hide." + kind)}</p>\n</summary>\n')


def _depart_folded_cell(self, node) -> None:
    self.body.append("</details>\n")


# A line break between two Chinese characters in the source is not a space in Chinese text; browsers show it as one.
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\n(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def _join_chinese_lines(app, doctree, docname) -> None:
    """Drop the soft line breaks between Chinese characters (from wrapped Markdown) so that no stray space appears
    in the middle of a Chinese sentence; code and literal text are left alone."""
    from docutils import nodes
    for node in list(doctree.findall(nodes.Text)):
        parent = node.parent
        if "\n" not in node or parent is None or isinstance(parent, (nodes.literal_block, nodes.literal, nodes.raw)):
            continue
        if str(node) == "\n":  # MyST gives each soft break its own text node: look at the neighbours' edges
            i = parent.index(node)
            before = parent[i - 1].astext()[-1:] if i > 0 else ""
            after = parent[i + 1].astext()[:1] if i + 1 < len(parent) else ""
            if _CJK_BREAK.search(before + "\n" + after):
                parent.remove(node)
            continue
        joined = _CJK_BREAK.sub("", str(node))
        if joined != str(node):
            parent.replace(node, nodes.Text(joined))


# Raised when what this extension adds to every page changes (issue 23: the PDF links, the headings' and the
# assumptions' English behind the switch): every page is rewritten once, whether or not its source changed.
PAGE_VERSION = 2


def _outdated_banners(app, env, added, changed, removed) -> list[str]:
    """Rewrite a policy page when its banner changes (a plan expires, the build date moves), even if its
    notebook did not; and every page when PAGE_VERSION changes."""
    now = {pid: status_banner_html(pid) for pid in policy_ids()}
    before = getattr(env, "medrules_banners", {})
    env.medrules_banners = now
    if getattr(env, "medrules_page_version", None) != PAGE_VERSION:
        env.medrules_page_version = PAGE_VERSION
        return sorted(env.all_docs)
    return [f"notebooks/{pid}" for pid, banner in now.items()
            if before.get(pid) != banner and f"notebooks/{pid}" in env.all_docs]


def _lang_labels_js() -> str:
    labels = {"zh": "中文", "en": "English", "both": text("ui.lang_both", "zh"),
              "title": both("ui.lang_switch", sep=" / ")}
    return "window.MEDRULES_LANG_LABELS = " + json.dumps(labels, ensure_ascii=False) + ";"


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("doctree-resolved", _insert_status_banner)
    app.connect("doctree-resolved", _link_pdfs)
    app.connect("doctree-resolved", _note_static_widgets)
    app.connect("doctree-resolved", _mark_english_renderings)
    app.connect("doctree-resolved", _pair_reference_renderings)
    app.connect("doctree-resolved", _label_assumptions)
    app.connect("doctree-resolved", _split_headings)
    app.connect("doctree-resolved", _join_chinese_lines)
    app.connect("env-get-outdated", _outdated_banners)
    from myst_nb.sphinx_ import HideCodeCellNode
    app.add_node(HideCodeCellNode, override=True, html=(_visit_folded_cell, _depart_folded_cell))
    # The language switch and the book's CSS (book/_static, listed in html_static_path in _config.yml).
    app.add_css_file("medrules.css")
    app.add_js_file(None, body=_lang_labels_js(), priority=400)
    app.add_js_file("medrules-lang.js", priority=401)
    app.add_js_file("medrules-search.js", priority=402)
    app.add_js_file("medrules-quick.js", priority=403)
    app.add_js_file("medrules-tables.js", priority=404)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
