"""What the review shows: one row per clause (review status, stale computed, and its examples), the status
figures per policy, and everything about one clause (`review show`): its text, what changed since its approval,
its interpretation in the policy's notebook, notes, readings, cases, code, values, examples and history.
"""
from __future__ import annotations

import re
import textwrap

from ..core.oneline import one_line
from ..core.policy import load_policy, policy_ids
from .clauses import REPO, module_name, natural_key, resolve_clause
from .exercised import load_exercised
from .fingerprint import SHORT, cases_for, fingerprint, fingerprint_parts, policy_dir, readings_for, short
from .ledger import accepted_open, changes_since_approval, dump, effective_status, load_ledger

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


def format_status(table, exercised_known: bool, clauses: list[tuple[str, list]] | None = None) -> str:
    width = max([len("policy")] + [len(pid) for pid, _ in table])
    head = "policy".ljust(width) + "  " + "  ".join(COLUMNS)
    lines = [head]
    totals = {k: 0 for k in COLUMNS}
    for pid, s in table:
        lines.append(pid.ljust(width) + "  " + "  ".join(str(s[k]).rjust(len(k)) for k in COLUMNS))
        for k in COLUMNS:
            totals[k] = "?" if s[k] == "?" else totals[k] + s[k]
    lines.append("total".ljust(width) + "  " + "  ".join(str(totals[k]).rjust(len(k)) for k in COLUMNS))
    if not exercised_known:
        lines.append("with examples: not measured; run the whole test suite (make test, or pytest tests) to write "
                     "_build/review/exercised.json")
    for pid, rows in clauses or []:
        lines += ["", pid]
        for r in rows:
            flag = {"stale": "  <-- STALE", "disputed": "  <-- DISPUTED", "missing": "  <-- NO LEDGER ENTRY"}
            ex = "" if r["tests"] is None else f" examples={len(r['tests'])}"
            who = printable(r['reviewer'] or '-')
            lines.append(f"  {r['clause']:<40} {r['status']:<13} {r['review']:<9} {who:<12} "
                         f"{str(r['date'] or '-'):<10} fp={short(r['current_fp'])}{ex}{flag.get(r['review'], '')}")
    return "\n".join(lines)


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


def assumptions(text: str | None) -> list[str]:
    """The interpretation's `Assumption:` paragraphs, each joined onto one line."""
    found = []
    for para in re.split(r"\n\s*\n", text or ""):
        para = " ".join(para.split())
        if para.startswith("Assumption:"):
            found.append(para)
    return found


def _block(text: str, indent: str = "  ") -> list[str]:
    return [textwrap.indent(str(text).rstrip(), indent)]


def _zh_en_lines(note: dict) -> list[str]:
    """A {zh, en} note as a list item for `review show`: the Chinese, then the English under it."""
    return [f"  - {' '.join(note['zh'].split())}", f"    {' '.join(note['en'].split())}"]


def show(ref: str) -> str:
    policy, c = resolve_clause(ref)
    entry = load_ledger(policy.id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    out = [f"{c.id} · {c.label} {c.title.get('zh', '')} / {c.title.get('en', '')}",
           f"text status: {c.status}" + (f" ({c.reason['zh']} / {c.reason['en']})" if c.reason else ""),
           f"review: {state.upper()}"
           + (f" by {printable(entry['reviewer'])} on {entry['date']}" if entry and entry.get("reviewer") else "")
           + f" · fingerprint now {short(fp)}"
           + (f", approved {short(entry.get('fingerprint'))}" if state == "stale" else "")]
    accepted = accepted_open(entry)
    if accepted:
        out.append(f"approved with open items accepted: {printable(accepted['why'])}")
        out += [f"  - {printable(item)}" for item in accepted.get("open") or []]
    out += ["", "原文 text:", *_block(c.text.strip())]
    if c.text_simplified:
        out += ["简体 simplified:", *_block(c.text_simplified.strip())]
    out += ["parallel:", *_block(c.parallel.strip())]
    for q in c.open_questions:
        out += ["open question (text):", *_zh_en_lines(q)]
    for q in (entry or {}).get("open_questions") or []:
        out.append(f"open question (review): {printable(q)}")
    if state == "stale":
        out += ["", "changed since the approval (unified diff, approved → now):",
                *_block(changes_since_approval(policy, c, entry))]
    interp = interpretation(policy.id, c.path)
    out += ["", "interpretation (notebooks/%s.py):" % policy.id,
            *(_block(interp) if interp else ["  (no section after show_clause for this clause in the notebook)"])]
    found = assumptions(interp)
    out += ["", f"assumptions ({len(found)}):"] + ([f"  - {a}" for a in found] or ["  (none)"])
    out += ["", f"uncertain notes ({len(c.uncertain)}):"]
    out += [line for u in c.uncertain for line in _zh_en_lines(u)] or ["  (none)"]
    readings = readings_for(policy.id, c.id)
    out += ["", f"readings ({len(readings)}):"]
    for rid, r in readings.items():
        out += [f"  {rid}:", *_block(dump(r), "    ")]
    if not readings:
        out.append("  (none)" if (policy_dir(policy.id) / "readings.yaml").exists()
                   else f"  (none: policies/{policy.id}/readings.yaml does not exist)")
    cases = cases_for(policy.id, c.id)
    out += ["", f"casebook cases ({len(cases)}):"]
    for case in cases:
        out += [f"  - {case.get('name')}", *_block(dump({k: v for k, v in case.items() if k != 'name'}), "    ")]
    if not cases:
        out.append("  (none)" if (policy_dir(policy.id) / "cases.yaml").exists()
                   else f"  (none: policies/{policy.id}/cases.yaml does not exist)")
    parts = fingerprint_parts(policy, c)
    out += ["", "code:"]
    if not parts["code"]:
        out.append("  (no rule function)")
    for name, text in parts["code"].items():
        out += [f"  # {name}", *_block(text)]
    if parts["engine"]:
        out += ["", "engine code it runs (covered by the fingerprint; `git log` these for changes):"]
        out += [f"  {path} sha256 {sha[:SHORT]}" for path, sha in parts["engine"].items()]
    out += ["", "parameters:"]
    if not parts["parameters"]:
        out.append("  (none cite this clause)")
    for p in parts["parameters"]:
        if "input" in p:
            out.append(f"  input {p['input']} ({p.get('unit')}): the text gives no value — {p.get('why') or ''}")
            continue
        v = p["entry"]
        dates = ", ".join(f"{k} {v[k]}" for k in v if k not in ("value", "clause", "quote", "note", "kind"))
        out.append(f"  {p['name']} = {v.get('value')} ({v.get('kind', p.get('kind'))}, {p.get('unit')}, "
                   f"{v.get('from') or '?'} to {v.get('to') or 'open'}) 「{v.get('quote')}」")
        out.append(f"    dates: {dates}" + (f"; note: {v['note']}" if v.get("note") else ""))
    out += ["", "examples (tests that call its rules, from the last full test run):"]
    exercised = load_exercised()
    if c.status != "encoded":
        out.append("  (not encoded)")
    elif exercised is None:
        out.append("  not measured: run make test (or pytest tests)")
    else:
        rows = {r["clause"]: r for r in clause_rows(policy.id, exercised)}
        own = f"tests/test_{policy.id.replace('-', '_')}.py::"  # the policy's own tests first
        tests = sorted(rows[c.id]["tests"], key=lambda t: (not t.startswith(own), t))
        out += [f"  {t}" for t in tests[:12]] or ["  NONE: no test calls every rule of this clause"]
        if len(tests) > 12:
            out.append(f"  … and {len(tests) - 12} more")
    out += ["", "history:"]
    for h in (entry or {}).get("history") or []:
        out.append(f"  {h['date']} {h['status']:<9} {printable(h.get('reviewer') or '-')} "
                   f"fp={short(h.get('fingerprint'))}" + (f" — {printable(h['note'])}" if h.get("note") else "")
                   + (f" · accepted open: {printable(h['accepted_open']['why'])}" if h.get("accepted_open") else ""))
    if not entry:
        out.append("  NO LEDGER ENTRY: run python -m medrules review sync")
    return "\n".join(out)


def printable(text) -> str:
    """A ledger's text as shown: control, line-separator and bidirectional characters escaped (medrules.core.oneline:
    \x1b, \n, \u2028, \u202e), so a hand-edited ledger can neither break a table nor reorder a terminal's line."""
    return one_line(str(text))
