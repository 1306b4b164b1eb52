"""What the review shows about many clauses: one row per clause (review status, stale computed, and its examples),
the status figures per policy with what to do next (`review status`), and a clause's interpretation as the
policy's notebook writes it (the review sheet, medrules/review/sheet.py, prints it).
"""
from __future__ import annotations

import re
import unicodedata

from ..core.messages import msg, text
from ..core.policy import load_policy, policy_ids
from ..core.textwidth import pad, width, wrap
from .clauses import REPO, module_name, natural_key
from .exercised import CASEBOOK_PREFIX
from .fingerprint import fingerprint, short
from .ledger import accepted_open, effective_status, load_ledger

WIDTH = 100

NOTEBOOKS_DIR = REPO / "notebooks"


def clause_rows(policy_id: str, exercised: dict | None = None) -> list[dict]:
    """One row per clause: its text status, review status (stale computed), reviewer, fingerprints, examples."""
    policy = load_policy(policy_id)
    ledger = load_ledger(policy_id)
    rows = []
    for cid in sorted(policy.clauses, key=natural_key):
        c = policy.clauses[cid]
        entry = ledger.get(cid)
        fp = fingerprint(policy, c)
        tests = None
        if c.status == "encoded" and exercised is not None:
            module = module_name(policy_id)
            per_rule = [exercised.get(f"{module}.{n}", []) for n in c.rules]
            tests = sorted({t for ts in per_rule for t in ts}) if per_rule and all(per_rule) else []
        rows.append({
            "clause": cid, "label": c.label, "title": c.title.get("zh", ""), "status": c.status,
            "review": effective_status(entry, fp), "reviewer": (entry or {}).get("reviewer"),
            "date": (entry or {}).get("date"), "approved_fp": (entry or {}).get("fingerprint"), "current_fp": fp,
            "open_questions": list((entry or {}).get("open_questions") or []), "tests": tests,
            "accepted_open": accepted_open(entry),
        })
    return rows


COLUMNS = ("clauses", "encoded", "narrative", "not-encodable", "with examples", "draft", "in-review", "approved",
           "stale", "disputed", "missing")


def summary(rows: list[dict], measured: bool) -> dict:
    s = {k: 0 for k in COLUMNS}
    s["clauses"] = len(rows)
    for r in rows:
        s[r["status"]] += 1
        s[r["review"]] += 1
        if r["tests"]:
            s["with examples"] += 1
    if not measured:
        s["with examples"] = "?"
    return s


def status_table(exercised: dict | None = None) -> list[tuple[str, dict]]:
    return [(pid, summary(clause_rows(pid, exercised), exercised is not None)) for pid in policy_ids()]


def _examples_text(tests: list[str] | None) -> str:
    """'案例 2、测试 5' for a clause's examples (casebook cases run now, tests of the last full run)."""
    if tests is None:
        return "—"
    cases = sum(t.startswith(CASEBOOK_PREFIX) for t in tests)
    return text("review.status.examples_count", "zh", cases=cases, tests=len(tests) - cases) if tests else \
        text("review.status.examples_none", "zh")


def format_status(table, tests_known: bool, clauses: list[tuple[str, list]] | None = None,
                  next_steps: list[str] | None = None) -> str:
    """The status figures as a table (Chinese heads, English under them), what "with examples" was measured on,
    the clause list if asked, and what to do next."""
    heads = [msg("review.column.policy")] + [msg(f"review.column.{k}") for k in COLUMNS]
    rows = [[pid] + [str(s[k]) for k in COLUMNS] for pid, s in table]
    totals = [msg("review.total")[0] + " " + msg("review.total")[1]]
    totals += [str(sum(s[k] for _, s in table)) for k in COLUMNS]
    widths = [max(width(h[0]), width(h[1]), *(width(r[i]) for r in rows + [totals])) for i, h in enumerate(heads)]

    def line(cells, right=True):
        return "  ".join(pad(c, widths[i], right=right and i > 0) for i, c in enumerate(cells)).rstrip()
    lines = [line([h[0] for h in heads], right=False), line([h[1] for h in heads], right=False)]
    lines += [line(r) for r in rows] + [line(totals)]
    lines += ["", *_both("review.status.examples_measured" if tests_known else "review.status.examples_casebook")]
    for pid, clause_list in clauses or []:
        lines += ["", pid]
        for r in clause_list:
            flag = {"stale": "review.status.flag_stale", "disputed": "review.status.flag_disputed",
                    "missing": "review.status.flag_missing"}.get(r["review"])
            lines.append("  " + "  ".join([
                pad(r["clause"], 40), pad(text(f"clause_status.{r['status']}", "zh"), 8),
                pad(text(f"review.column.{r['review']}", "zh"), 6), pad(printable(r["reviewer"] or "-"), 12),
                pad(str(r["date"] or "-"), 10), short(r["current_fp"]), pad(_examples_text(r["tests"]), 14)])
                + (f"  ← {text(flag, 'zh')}" if flag else ""))
    if next_steps:
        lines += ["", f"{text('review.next.head', 'zh')} · {text('review.next.head', 'en')}", *next_steps]
    return "\n".join(line.rstrip() for line in lines)


def _both(key: str, indent: str = "", **values) -> list[str]:
    """A catalogue sentence as two wrapped paragraphs: the Chinese, then the English under it."""
    zh, en = msg(key, **values)
    return wrap(zh, WIDTH, indent) + wrap(en, WIDTH, indent)


COMMAND = "python -m medrules review"


def step(key: str, *commands: str, indent: str = "  ", english: bool = True, **values) -> list[str]:
    """A next step: the sentence (Chinese, and English under it unless `english` is off), then each command on a
    line of its own, never wrapped, so that it can be copied whole."""
    lines = _both(key, indent, **values) if english else wrap(text(key, "zh", **values), WIDTH, indent)
    return lines + [f"{indent}    {c}" for c in commands]


def next_steps(per_policy: list[tuple[str, list[dict]]]) -> list[str]:
    """What a reviewer does next, most urgent first, each with the command to run: stale approvals (their diff),
    disputes, clauses without a ledger entry, then the clauses still to review (the first to open)."""
    rows = [r for _, rs in per_policy for r in rs]
    by = {k: [r for r in rows if r["review"] == k] for k in ("stale", "disputed", "missing", "in-review", "draft")}
    out = []
    if by["stale"]:
        out += step("review.next.stale", f"{COMMAND} diff {by['stale'][0]['clause']}", n=len(by["stale"]))
    if by["disputed"]:
        out += step("review.next.disputed", f"{COMMAND} show {by['disputed'][0]['clause']}", n=len(by["disputed"]))
    if by["missing"]:
        out += step("review.next.missing", f"{COMMAND} sync", n=len(by["missing"]))
    todo = by["in-review"] + by["draft"]
    if todo:
        # In review first, then encoded clauses (they have code to check), then the rest, in document order.
        first = min(todo, key=lambda r: (r["review"] != "in-review", r["status"] != "encoded"))
        out += step("review.next.review", f"{COMMAND} show {first['clause']}", n=len(todo),
                    encoded=sum(r["status"] == "encoded" for r in todo))
    no_examples = [r for r in rows if r["status"] == "encoded" and not r["tests"]]
    if no_examples:
        out += step("review.next.no_examples", n=len(no_examples),
                    clauses=", ".join(r["clause"] for r in no_examples[:3]) + (" …" if len(no_examples) > 3 else ""))
    if not out:
        out += step("review.next.done")
    out += step("review.next.commands", f"{COMMAND} approve <条款> --reviewer <姓名>",
                f"{COMMAND} dispute <条款> --reviewer <姓名> --note \"…\"")
    return out


_HEADING = re.compile(r"^(#{1,6})\s")


def interpretation(policy_id: str, path: str) -> str | None:
    """Every markdown paragraph of the clause's section in notebooks/<id>.py: what follows show_clause(P, "<path>")
    up to the next clause or the next heading as high as the section's own (its sub-headings are kept)."""
    twin = NOTEBOOKS_DIR / f"{policy_id}.py"
    if not twin.exists():
        return None
    import jupytext
    cells = jupytext.read(twin).cells
    pattern = re.compile(r"show_clause\(\s*\w+\s*,\s*[\"']" + re.escape(path) + r"[\"']\s*\)")
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not pattern.search(cell.source):
            continue
        level = 6  # the section's heading level: the last heading before show_clause
        for before in reversed(cells[:i]):
            heads = [len(m.group(1)) for m in map(_HEADING.match, before.source.splitlines())
                     if m] if before.cell_type == "markdown" else []
            if heads:
                level = heads[-1]
                break
        out: list[str] = []
        for nxt in cells[i + 1:]:
            if nxt.cell_type == "code" and "show_clause(" in nxt.source:
                break
            if nxt.cell_type != "markdown":
                continue
            for line in nxt.source.splitlines():
                m = _HEADING.match(line)
                if m and len(m.group(1)) <= level:
                    return "\n".join(out).strip() or None
                out.append(line)
            out.append("")
        return "\n".join(out).strip() or None
    return None


def printable(text) -> str:
    """Control characters shown escaped (\\x1b, \\n): a hand-edited ledger cannot break a table or a terminal."""
    return "".join(ch if unicodedata.category(ch) != "Cc" else ch.encode("unicode_escape").decode("ascii")
                   for ch in str(text))
