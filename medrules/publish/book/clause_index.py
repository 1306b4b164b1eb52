"""The clause index (book/clause-index.md): every clause of every policy with its status, the rule that encodes it,
the tests that check it (found in tests/*.py by the names they use and the clause banner above them) and a link
to its section on the policy page."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from ...core.messages import pair
from ...core.policy import load_policy, policy_ids
from .pages import REPO, clause_link, clause_sections, index_label, policy_page
from .status import rules_module_exists

CLAUSE_STATUS = {"encoded": "已编码 encoded", "narrative": "叙述性 narrative",
                 "not-encodable": "无法编码 not encodable"}


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
        out += [f"({index_label(pid)})=", f"## {meta['place']['zh']} {meta['place']['en']} · {pid}", ""]
        counts = {}
        for c in policy.clauses.values():
            counts[c.status] = counts.get(c.status, 0) + 1
        summary = ", ".join(f"{CLAUSE_STATUS[s]}: {n}" for s, n in counts.items())
        where = (f"policy page: [{meta['title']['zh']}](/notebooks/{page.name})" if page
                 else "no policy page yet 尚无政策页")
        rules_note = "" if rules_module_exists(pid) else " The rules module is not written yet 规则尚未编码."
        out += [f"{meta['title']['zh']} — {len(policy.clauses)} clauses ({summary}); {where}.{rules_note}", ""]
        labels = [c.label for c in policy.clauses.values()]
        out += ["| 条款 clause | 状态 status | 规则 rule | 检验 checked by | 章节 section |",
                "|---|---|---|---|---|"]
        for c in policy.clauses.values():
            if c.rules:
                rule = ", ".join(f"`{r}`" for r in c.rules)
            else:
                rule = pair(**c.reason).replace("|", "\\|") if c.reason else ""
            hits = tests_for_clause(c, pid, tests, labels)
            if hits:
                more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
                checked = f"{len(hits)} test{'s' if len(hits) > 1 else ''}, e.g. *{_sentence(hits[0].name)}*{more}"
            else:
                checked = "—"
            if page and c.id in sections:
                section = clause_link(c.id, sections[c.id][0].replace("|", "\\|"), sections, page)
            elif page:
                section = clause_link(c.id, "policy page", sections, page)
            else:
                section = "—"
            title = f"{c.title['zh']} / {c.title['en']}".replace("|", "\\|")
            out.append(f"| **{c.label}** {title} `{c.id}` | {CLAUSE_STATUS[c.status]} | {rule} | {checked} | "
                       f"{section} |")
        out.append("")
    return "\n".join(out)
