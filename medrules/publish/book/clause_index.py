"""The clause index (book/clause-index.md): every clause of every policy with its status, the rule that encodes it,
the tests that check it (found in tests/*.py by the names they use and the clause banner above them) and a link
to its section on the policy page."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from ...core.messages import html, msg, pair
from ...core.policy import load_policy, policy_ids
from .pages import REPO, clause_link, clause_sections, index_label, policy_page
from .status import rules_module_exists

CLAUSE_STATUS = {"encoded": "已编码 encoded", "narrative": "叙述性 narrative",
                 "not-encodable": "无法编码 not encodable"}   # plain text (kept for scripts); the page uses html()


@dataclass
class TestRef:
    name: str
    file: str
    refs: set          # names and strings the test uses
    banner: str | None  # the "# 三(三)9 …" comment banner it sits under


def collect_tests(root: Path = REPO) -> list[TestRef]:
    """Every test function in tests/*.py with the names it uses and the clause banner above it."""
    found = []
    for path in sorted((root / "tests").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines()
        banners = []  # (line number, banner text)
        for i, line in enumerate(lines):
            if re.match(r"#\s*-{10,}", line) and i + 1 < len(lines) and lines[i + 1].startswith("# ") \
                    and not re.match(r"#\s*-{10,}", lines[i + 1]):
                banners.append((i + 2, lines[i + 1][2:].strip()))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                refs = set()
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Name):
                        refs.add(sub.id)
                    elif isinstance(sub, ast.Attribute):
                        refs.add(sub.attr)
                    elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        refs.add(sub.value)
                banner = None
                for line_no, b in banners:
                    if line_no <= node.lineno:
                        banner = b
                found.append(TestRef(node.name, path.name, refs, banner))
    return found


def _banner_matches(banner: str | None, label: str, labels: list) -> bool:
    if not banner:
        return False
    first = label.split()[0]
    if banner.startswith(label + " ") or banner.rstrip(":：") == label:
        return True
    # A banner naming only the first word of the label (第3段) counts when that word is unique in the policy.
    word = banner.split()[0].rstrip(":：")
    return word == first and sum(1 for x in labels if x.split()[0] == first) == 1


def tests_for_clause(clause, policy_id: str, tests: list[TestRef], labels: list) -> list[TestRef]:
    module_file = f"test_{policy_id.replace('-', '_')}.py"
    hits = []
    for t in tests:
        if clause.id in t.refs or (t.file == module_file and (
                _banner_matches(t.banner, clause.label, labels) or any(r in t.refs for r in clause.rules))):
            hits.append(t)
    # The policy's own test module first: its tests are the ones written for the clause.
    return sorted(hits, key=lambda t: t.file != module_file)


def _sentence(test_name: str) -> str:
    return test_name.removeprefix("test_").replace("_", " ")


def clause_index(root: Path = REPO) -> str:
    """Markdown: per policy, one row per clause."""
    tests = collect_tests(root)
    out = []
    for pid in policy_ids():
        policy = load_policy(pid)
        page = policy_page(pid, root)
        sections = clause_sections(page, pid) if page else {}
        meta = policy.meta
        out += [f"({index_label(pid)})=", f"## {meta['place']['zh']} `{pid}`", ""]
        counts = {}
        for c in policy.clauses.values():
            counts[c.status] = counts.get(c.status, 0) + 1
        zh_counts = "，".join(f"{msg('clause_status.' + s)[0]} {n} 条" for s, n in counts.items())
        en_counts = ", ".join(f"{msg('clause_status.' + s)[1]}: {n}" for s, n in counts.items())
        link = f"[{meta['title']['zh']}](/notebooks/{page.name})" if page else meta["title"]["zh"]
        note = "" if page else pair("（尚无政策页）", "(no policy page yet)")
        if not rules_module_exists(pid):
            note += pair("规则尚未编码。", "The rules module is not written yet.")
        out += [f"{link} — " + pair(f"共 {len(policy.clauses)} 条（{zh_counts}）。", f"{len(policy.clauses)} clauses "
                                    f"({en_counts}).") + note, ""]
        labels = [c.label for c in policy.clauses.values()]
        out += ["| " + " | ".join(pair(zh, en) for zh, en in (("条款", "clause"), ("状态", "status"), ("规则", "rule"),
                                                             ("检验", "checked by"), ("章节", "section"))) + " |",
                "|---|---|---|---|---|"]
        for c in policy.clauses.values():
            if c.rules:
                rule = ", ".join(f"`{r}`" for r in c.rules)
            else:
                rule = pair(**c.reason).replace("|", "\\|") if c.reason else ""
            hits = tests_for_clause(c, pid, tests, labels)
            if hits:
                more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
                # The count in Chinese; the tests' own names (English sentences) behind the language switch.
                checked = (f'<span lang="zh">{len(hits)} 项测试</span> <span lang="en">{len(hits)} '
                           f"test{'s' if len(hits) > 1 else ''}, e.g. *{_sentence(hits[0].name)}*{more}</span>")
            else:
                checked = "—"
            if page and c.id in sections:
                heading = sections[c.id][0].rsplit(" · ", 1)[0]  # the heading's Chinese
                section = clause_link(c.id, heading.replace("|", "\\|"), sections, page)
            elif page:
                section = clause_link(c.id, "政策页", sections, page)
            else:
                section = "—"
            title = pair(c.title["zh"], c.title.get("en") or c.title["zh"]).replace("|", "\\|")
            out.append(f"| **{c.label}** {title} `{c.id}` | {html('clause_status.' + c.status)} | {rule} | {checked} | "
                       f"{section} |")
        out.append("")
    return "\n".join(out)
