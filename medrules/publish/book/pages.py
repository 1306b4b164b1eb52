"""Where things are in the book: the table of contents, the policy pages and the sections under which each shows
its clauses, and the links to them (a clause's section on its policy page, else its rows in the clause index)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from ...core.policy import POLICIES_DIR

REPO = POLICIES_DIR.parent


def toc_files(root: Path = REPO) -> set:
    """Every document listed in _toc.yml (without extension)."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("file", "root") and isinstance(v, str):
                    found.add(re.sub(r"\.(md|ipynb)$", "", v))
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    with open(root / "_toc.yml", encoding="utf-8") as f:
        walk(yaml.safe_load(f))
    return found


def policy_page(policy_id: str, root: Path = REPO) -> Path | None:
    """The policy's notebook when it exists and is in the table of contents (else it is not built)."""
    if f"notebooks/{policy_id}" not in toc_files(root):
        return None
    for ext in (".ipynb", ".md"):
        path = root / "notebooks" / f"{policy_id}{ext}"
        if path.exists():
            return path
    return None


def _slugify(title: str) -> str:
    """MyST's heading slug (myst_parser default_slugify), so that our links match its anchors."""
    from myst_parser.mdit_to_docutils.base import default_slugify
    return default_slugify(title)


_SHOW_CLAUSE = re.compile(r"show_clause\(\s*[^,()]+,\s*[\"']([^\"']+)[\"']")


def clause_sections(notebook: Path, policy_id: str, max_level: int = 3) -> dict:
    """{clause id: (heading text, slug)}: the heading under which the notebook shows each clause.

    A clause belongs to the nearest heading above the cell that calls show_clause(P, "<path>") (or whose output
    prints the clause ID in bold). Slugs are computed as MyST does (unique within the page, in order)."""
    from markdown_it import MarkdownIt

    if notebook.suffix != ".ipynb":
        return {}
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    md = MarkdownIt("commonmark")
    slugs, current, found = [], None, {}
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            tokens = md.parse(source)
            for i, tok in enumerate(tokens):
                if tok.type == "heading_open" and int(tok.tag[1:]) <= max_level:
                    inline = tokens[i + 1]
                    title = "".join(c.content for c in (inline.children or []) if c.type in ("text", "code_inline"))
                    slug = base = _slugify(title)
                    n = 1
                    while slug in slugs:
                        slug = f"{base}-{n}"
                        n += 1
                    slugs.append(slug)
                    current = (inline.content, slug)
        elif cell.get("cell_type") == "code" and current is not None:
            paths = _SHOW_CLAUSE.findall(source)
            for out in cell.get("outputs", []):
                text = "".join((out.get("data") or {}).get("text/markdown", ""))
                paths += re.findall(r"\*\*" + re.escape(policy_id) + r"/([^*\s]+)\*\*", text)
            for path in paths:
                found.setdefault(f"{policy_id}/{path}", current)
    return found


def clause_link(clause_id: str, text: str, sections: dict, page: Path | None) -> str:
    """A link to the clause's section on its policy page, else to its row group in the clause index."""
    policy_id = clause_id.split("/", 1)[0]
    if page is not None and clause_id in sections:
        return f"[{text}](/notebooks/{page.name}#{sections[clause_id][1]})"
    if page is not None:
        return f"[{text}](/notebooks/{page.name})"
    return f"{{ref}}`{text} <{index_label(policy_id)}>`"


def index_label(policy_id: str) -> str:
    return f"clause-index-{policy_id}"
