"""The book's Sphinx extension (_config.yml, sphinx.extra_extensions): `setup(app)` and its hooks.

At the start of every build it writes book/_generated/*.md and the search words (generated.py); it opens each
policy page with its status banner, marks the English renderings of the clauses, joins wrapped Chinese lines, notes
the static calculators, rewrites a policy page whose banner changed, and keeps every page self-contained: no Thebe
loader, and the widget bundle told that it lives in _static/."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ...core.messages import both, html, text
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
    # The theme warns on the console when no colour mode is set.
    if not context.get("default_mode"):
        context["default_mode"] = "light"


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


def _outdated_banners(app, env, added, changed, removed) -> list[str]:
    """Rewrite a policy page when its banner changes (a plan expires, the build date moves), even if its
    notebook did not."""
    now = {pid: status_banner_html(pid) for pid in policy_ids()}
    before = getattr(env, "medrules_banners", {})
    env.medrules_banners = now
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
    app.connect("doctree-resolved", _note_static_widgets)
    app.connect("doctree-resolved", _mark_english_renderings)
    app.connect("doctree-resolved", _join_chinese_lines)
    app.connect("env-get-outdated", _outdated_banners)
    # The language switch and the book's CSS (book/_static, listed in html_static_path in _config.yml).
    app.add_css_file("medrules.css")
    app.add_js_file(None, body=_lang_labels_js(), priority=400)
    app.add_js_file("medrules-lang.js", priority=401)
    app.add_js_file("medrules-search.js", priority=402)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
