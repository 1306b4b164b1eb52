"""Clause-by-clause review: a ledger in the repository that ties each approval to the exact text and code.

The ledger is `reviews/<policy-id>.yaml`: one entry per clause (sorted by clause ID, block style, so a review shows
as a small diff) with its interpretation status (draft, in-review, approved, disputed), reviewer, date, open
questions, the fingerprint at the last action and the history of actions.

The fingerprint is a sha256 over what a reviewer approves:
  (a) the clause text (and simplified text, where there is one) and its parallel text;
  (b) every parameter value citing the clause: name, value, kind, unit, dates and quote (parameters.yaml);
  (c) the source of every rule function encoding the clause — those listed in its `rules:` and any other function
      of the policy's module marked @rule for it — and of the module's own unmarked helpers and constants those
      functions use (a helper such as `_hardship` changes what the rule does without changing the rule's text).
      Rules of *other* clauses a rule calls are not included: they are reviewed under their own clause.
When any of these changes after an approval, the approval is `stale` (computed, never stored) until re-approved.

"With examples" is measured, not grepped: tests/conftest.py runs a `RuleCallRecorder` over the whole test session
(see there) and writes which test called which rule function to `_build/review/exercised.json`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import importlib
import inspect
import json
import os
import re
import sys
import textwrap
import threading
import types
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import yaml

from .oneline import one_line, shown
from .policy import POLICIES_DIR, Clause, Policy, load_policy, policy_ids

REPO = POLICIES_DIR.parent
REVIEWS_DIR = REPO / "reviews"
NOTEBOOKS_DIR = REPO / "notebooks"
EXERCISED_FILE = REPO / "_build" / "review" / "exercised.json"
GENERATED_PAGE = REPO / "book" / "_generated" / "review.md"   # included by book/review.md
STATUSES = ("draft", "in-review", "approved", "disputed")
CLAUSE_FORM = "<policy-id>/<path>, such as wenzhou-2021-78/3.3.9"
SHORT = 12


class ReviewError(Exception):
    """Bad input to a review command (unknown clause, bad date, missing reviewer): exit status 2."""


# --- clauses and their rule functions ---------------------------------------------------------------------------

def natural_key(clause_id: str) -> list:
    """Sort 3.3.9 before 3.3.10: digits compare as numbers (types alternate str/int, so keys always compare)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", clause_id)]


def all_clause_ids() -> list[str]:
    return [cid for pid in policy_ids() for cid in sorted(load_policy(pid).clauses, key=natural_key)]


def resolve_clause(ref: str) -> tuple[Policy, Clause]:
    """A clause by full ID; otherwise a ReviewError naming the form and the closest IDs."""
    pid, _, path = ref.partition("/")
    if pid in policy_ids() and path:
        policy = load_policy(pid)
        if ref in policy.clauses:
            return policy, policy.clauses[ref]
    ids = all_clause_ids()
    close = difflib.get_close_matches(ref, ids, n=5, cutoff=0.6)
    if not close and ref:  # a bare path such as 3.3.9: offer that path in every policy
        close = [cid for cid in ids if cid.endswith("/" + ref.split("/")[-1])][:5]
    hint = f"; close matches: {', '.join(close)}" if close else ""
    raise ReviewError(f"clause: {ref!r} is not a clause ID; the form is {CLAUSE_FORM}{hint}")


def module_name(policy_id: str) -> str:
    return "medrules.rules." + policy_id.replace("-", "_")


def rules_module(policy_id: str):
    """The policy's rule module, or None when there is none yet. An import error is raised: it is a real bug."""
    name = module_name(policy_id)
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def rule_functions(policy_id: str, clause: Clause) -> list[tuple[str, object]]:
    """(name, function or None) for every rule of the clause: its `rules:` and any other @rule marked for it."""
    try:
        module = rules_module(policy_id)
    except Exception:  # noqa: BLE001 - a module that does not import: its rules count as missing
        module = None
    names = list(clause.rules)
    if module is not None:
        seen = {id(getattr(module, n, None)) for n in names}  # an alias (further_relief = …) is the same rule
        for name, obj in vars(module).items():
            if (callable(obj) and getattr(obj, "clause", None) == clause.id and id(obj) not in seen
                    and getattr(obj, "__module__", None) == module.__name__):
                names.append(name)
                seen.add(id(obj))
    return [(name, getattr(module, name, None) if module is not None else None) for name in names]


def _source(fn) -> str:
    return textwrap.dedent(inspect.getsource(inspect.unwrap(fn)))


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _simple(value) -> bool:
    if isinstance(value, (str, int, float, bool, Decimal, type(None))):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_simple(v) for v in value)
    if isinstance(value, dict):
        return all(_simple(k) and _simple(v) for k, v in value.items())
    return False


def _canonical(value) -> str:
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_canonical(k)}: {_canonical(v)}" for k, v in sorted(value.items(), key=str)) + "}"
    return repr(value)


def code_dependencies(fn) -> dict[str, str]:
    """Source of the module's own unmarked helpers and constants a rule uses, transitively (name -> text)."""
    fn = inspect.unwrap(fn)
    module = sys.modules.get(fn.__module__)
    found, todo = {}, [fn]
    while todo:
        current = inspect.unwrap(todo.pop())
        for name in sorted(_code_names(current.__code__)):
            if name in found or module is None or name not in vars(module):
                continue
            obj = vars(module)[name]
            if isinstance(obj, types.FunctionType) and obj.__module__ == module.__name__:
                if hasattr(obj, "clause"):
                    continue  # another rule: reviewed under its own clause
                found[name] = _source(obj)
                todo.append(obj)
            elif not callable(obj) and not isinstance(obj, types.ModuleType) and _simple(obj):
                found[name] = f"{name} = {_canonical(obj)}"
    return found


def _json_default(value):
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    raise TypeError(type(value))


def fingerprint_parts(policy: Policy, clause: Clause) -> dict:
    params = []
    for p in sorted(policy.parameters.values(), key=lambda p: p.name):
        for v in p.values:
            if v.clause == clause.id:
                params.append({"name": p.name, "value": v.value, "kind": v.kind, "unit": p.unit,
                               "from": v.start, "to": v.end, "quote": v.quote})
    code = {}
    for name, fn in rule_functions(policy.id, clause):
        if fn is None:
            code[name] = f"missing: {module_name(policy.id)}.{name} does not exist"
            continue
        code[name] = _source(fn)
        for dep, text in code_dependencies(fn).items():
            code.setdefault(f"{name} uses {dep}", text)
    return {"text": clause.text, "text_simplified": clause.text_simplified, "parallel": clause.parallel,
            "parameters": params, "code": dict(sorted(code.items()))}


def fingerprint(policy: Policy, clause: Clause) -> str:
    canonical = json.dumps(fingerprint_parts(policy, clause), ensure_ascii=False, sort_keys=True,
                           default=_json_default, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def short(fp: str | None) -> str:
    return fp[:SHORT] if fp else "—"


# --- the ledger --------------------------------------------------------------------------------------------------

def ledger_path(policy_id: str) -> Path:
    return REVIEWS_DIR / f"{policy_id}.yaml"


def load_ledger(policy_id: str) -> dict[str, dict]:
    path = ledger_path(policy_id)
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    entries = {}
    for entry in data.get("clauses") or []:
        if entry.get("status") not in STATUSES:
            raise ReviewError(f"{path.name}: {entry.get('clause')}: status must be one of {', '.join(STATUSES)}")
        entries[entry["clause"]] = entry
    return entries


HEADER = """\
# Review ledger for {pid}.
# One entry per clause, sorted by clause ID; written by
# `python -m medrules review` (README.md, "Review workflow").
# fingerprint: sha256 of the clause text, its parameters and its
# encoding code at the last action. An approval whose fingerprint no
# longer matches is stale until it is approved again.
"""


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors (&id001) for values that happen to be the same object."""

    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):  # lists indented under their key, as yamllint wants
        return super().increase_indent(flow, False)


def save_ledger(policy_id: str, entries: dict[str, dict]) -> Path:
    REVIEWS_DIR.mkdir(exist_ok=True)
    ordered = [entries[cid] for cid in sorted(entries, key=natural_key)]
    body = yaml.dump({"policy": policy_id, "clauses": ordered}, Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=1000)
    path = ledger_path(policy_id)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(HEADER.format(pid=policy_id) + body, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _entry(clause_id: str) -> dict:
    return {"clause": clause_id, "status": "draft", "reviewer": None, "date": None, "fingerprint": None,
            "open_questions": [], "history": []}


def sync(on: dt.date, prune: bool = False) -> tuple[list[str], list[str]]:
    """Add a draft entry for every clause missing from its ledger; report (or with prune, drop) orphan entries."""
    added, orphans = [], []
    for pid in policy_ids():
        policy = load_policy(pid)
        entries = load_ledger(pid)
        new = [cid for cid in policy.clauses if cid not in entries]
        gone = [cid for cid in entries if cid not in policy.clauses]
        for cid in new:
            entry = entries[cid] = _entry(cid)
            entry["date"] = on
            entry["history"].append({"status": "draft", "reviewer": None, "date": on, "fingerprint": None,
                                     "note": "entry created by review sync"})
        if prune:
            for cid in gone:
                del entries[cid]
        if new or (prune and gone) or not ledger_path(pid).exists():
            save_ledger(pid, entries)
        added += new
        orphans += gone
    return added, orphans


def record(ref: str, status: str, reviewer: str, on: dt.date, note: str | None = None,
           questions: tuple = (), resolve: bool = False) -> dict:
    """Record a review action on a clause with the fingerprint of what was reviewed."""
    if status not in STATUSES:
        raise ReviewError(f"status: must be one of {', '.join(STATUSES)}, got {status!r}")
    if not reviewer or not reviewer.strip():
        raise ReviewError("--reviewer: a reviewer name is required")
    if one_line(reviewer) != reviewer:  # a newline or escape code in a name would break every status table
        raise ReviewError(f"--reviewer: a name without control characters is required, got {shown(reviewer)}")
    policy, clause = resolve_clause(ref)
    entries = load_ledger(policy.id)
    entry = entries.setdefault(clause.id, _entry(clause.id))
    open_q = list(entry.get("open_questions") or []) + [q for q in questions if q]
    if status == "approved" and open_q and not resolve:
        raise ReviewError(f"{clause.id} has open questions; answer them and approve with --resolve "
                          f"(recorded in the history): " + "; ".join(open_q))
    if status == "approved" and resolve and open_q:
        note = ((note + " ") if note else "") + "Resolved: " + "; ".join(open_q)
        open_q = []
    if status == "disputed" and not (note or questions):
        raise ReviewError("--note: say what is disputed (or add --question)")
    if status == "approved" and clause.status == "encoded":
        missing = [name for name, fn in rule_functions(policy.id, clause) if fn is None]
        if missing or not clause.rules:
            raise ReviewError(f"{clause.id} is encoded but its rule functions are not there to review "
                              f"({', '.join(missing) or 'no rules listed'} in {module_name(policy.id)})")
    fp = fingerprint(policy, clause)
    entry.update(status=status, reviewer=reviewer.strip(), date=on, fingerprint=fp, open_questions=open_q)
    entry.setdefault("history", []).append({"status": status, "reviewer": reviewer.strip(), "date": on,
                                            "fingerprint": fp, "note": note})
    save_ledger(policy.id, entries)
    return entry


def effective_status(entry: dict | None, current_fp: str) -> str:
    """The status to show: an approval whose fingerprint no longer matches is `stale`."""
    if entry is None:
        return "missing"
    if entry["status"] == "approved" and entry.get("fingerprint") != current_fp:
        return "stale"
    return entry["status"]


# --- measured examples -------------------------------------------------------------------------------------------

def rule_key(fn) -> str:
    fn = inspect.unwrap(fn)
    return f"{fn.__module__}.{fn.__qualname__}"


def all_rule_functions() -> dict:
    """Every function of every importable rule module that encodes a clause: code object -> rule key."""
    import pkgutil

    import medrules.rules as pkg
    codes = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        try:
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        except Exception:  # noqa: BLE001 - a module that does not import is reported by the coverage check
            continue
        listed = set()
        pid = info.name.replace("_", "-")
        if pid in policy_ids():
            try:
                listed = {n for c in load_policy(pid).clauses.values() for n in c.rules}
            except Exception:  # noqa: BLE001
                listed = set()
        for name, obj in vars(module).items():
            if isinstance(obj, types.FunctionType) and (hasattr(obj, "clause") or name in listed):
                raw = inspect.unwrap(obj)
                if raw.__module__ == module.__name__:
                    codes[raw.__code__] = rule_key(raw)
    return codes


class RuleCallRecorder:
    """Records which rule functions run, and under which test, with a profile hook (sys and threading).

    A profile hook sees every Python call however the function was reached: through the module, through a name
    imported before recording started, or through a tuple such as DECISIONS built at import time. Wrapping the
    functions would miss those, and changes what the notebooks display. Only 'call' events are looked at, and
    only one dict lookup is done per call, so the test session slows by a few per cent."""

    def __init__(self, codes: dict | None = None):
        self.codes = codes if codes is not None else all_rule_functions()
        self.calls: dict[str, set] = defaultdict(set)
        self.current = "(outside any test)"
        self._previous = self._previous_thread = None

    def _hook(self, frame, event, arg):
        if event == "call":
            key = self.codes.get(frame.f_code)
            if key is not None:
                self.calls[key].add(self.current)

    def start(self):
        self._previous = sys.getprofile()
        self._previous_thread = threading.getprofile()
        sys.setprofile(self._hook)
        threading.setprofile(self._hook)

    def stop(self):
        sys.setprofile(self._previous)
        threading.setprofile(self._previous_thread)

    def to_json(self) -> dict:
        return {key: sorted(tests) for key, tests in sorted(self.calls.items())}


def unexercised(called: dict | set) -> dict[str, str]:
    """Encoded clauses with a rule no recorded test called: clause ID -> why."""
    problems = {}
    for pid in policy_ids():
        policy = load_policy(pid)
        try:
            module = rules_module(pid)
        except Exception as e:  # noqa: BLE001
            module, error = None, f"{module_name(pid)} does not import: {type(e).__name__}: {e}"
        else:
            error = f"{module_name(pid)} does not exist"
        for c in policy.clauses.values():
            if c.status != "encoded":
                continue
            if not c.rules:
                problems[c.id] = "encoded, but lists no rules"
            elif module is None:
                problems[c.id] = error
            else:
                missing = [n for n in c.rules if getattr(module, n, None) is None]
                never = [n for n in c.rules if n not in missing
                         and rule_key(getattr(module, n)) not in called]
                if missing:
                    problems[c.id] = f"rules not defined in {module.__name__}: {', '.join(missing)}"
                elif never:
                    problems[c.id] = f"no test calls {', '.join(never)}"
    return problems


def load_exercised() -> dict | None:
    if not EXERCISED_FILE.exists():
        return None
    return json.loads(EXERCISED_FILE.read_text(encoding="utf-8"))


def save_exercised(data: dict) -> None:
    EXERCISED_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = EXERCISED_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, EXERCISED_FILE)


# --- reports -----------------------------------------------------------------------------------------------------

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
            # A name from a hand-edited ledger may still hold control characters: shown escaped, one row each.
            lines.append(f"  {r['clause']:<40} {r['status']:<13} {r['review']:<9} {one_line(r['reviewer'] or '-'):<12} "
                         f"{str(r['date'] or '-'):<10} fp={short(r['current_fp'])}{ex}{flag.get(r['review'], '')}")
    return "\n".join(lines)


def interpretation(policy_id: str, path: str) -> str | None:
    """The markdown that follows show_clause(P, "<path>") in notebooks/<id>.py, up to the next section."""
    twin = NOTEBOOKS_DIR / f"{policy_id}.py"
    if not twin.exists():
        return None
    import jupytext
    cells = jupytext.read(twin).cells
    pattern = re.compile(r"show_clause\(\s*\w+\s*,\s*[\"']" + re.escape(path) + r"[\"']\s*\)")
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and pattern.search(cell.source):
            out = []
            for nxt in cells[i + 1:]:
                if nxt.cell_type == "code" and "show_clause(" in nxt.source:
                    break
                if nxt.cell_type != "markdown":
                    continue
                for line in nxt.source.splitlines():
                    if line.startswith("#"):
                        return "\n".join(out).strip() or None
                    out.append(line)
                out.append("")
            return "\n".join(out).strip() or None
    return None


def show(ref: str) -> str:
    policy, c = resolve_clause(ref)
    entry = load_ledger(policy.id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    out = [f"{c.id} · {c.label} {c.title.get('zh', '')} / {c.title.get('en', '')}",
           f"text status: {c.status}" + (f" ({c.reason})" if c.reason else ""),
           f"review: {state.upper()}"
           + (f" by {entry['reviewer']} on {entry['date']}" if entry and entry.get("reviewer") else "")
           + f" · fingerprint now {short(fp)}"
           + (f", approved {short(entry.get('fingerprint'))}" if state == "stale" else ""), "",
           "原文 text:", textwrap.indent(c.text.strip(), "  ")]
    if c.text_simplified:
        out += ["简体 simplified:", textwrap.indent(c.text_simplified.strip(), "  ")]
    out += ["parallel:", textwrap.indent(c.parallel.strip(), "  ")]
    for q in c.open_questions:
        out.append(f"open question (text): {q}")
    for q in (entry or {}).get("open_questions") or []:
        out.append(f"open question (review): {q}")
    interp = interpretation(policy.id, c.path)
    out += ["", "interpretation (notebooks/%s.py):" % policy.id,
            textwrap.indent(interp, "  ") if interp else "  (none found after show_clause for this clause)"]
    parts = fingerprint_parts(policy, c)
    out += ["", "code:"]
    if not parts["code"]:
        out.append("  (no rule function)")
    for name, text in parts["code"].items():
        out += [f"  # {name}", textwrap.indent(text.rstrip(), "  ")]
    out += ["", "parameters:"]
    if not parts["parameters"]:
        out.append("  (none cite this clause)")
    for p in parts["parameters"]:
        out.append(f"  {p['name']} = {p['value']} ({p['kind']}, {p['unit']}, {p['from'] or '?'} to "
                   f"{p['to'] or 'open'}) 「{p['quote']}」")
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
        out.append(f"  {h['date']} {h['status']:<9} {h.get('reviewer') or '-'} fp={short(h.get('fingerprint'))}"
                   + (f" — {h['note']}" if h.get("note") else ""))
    if not entry:
        out.append("  NO LEDGER ENTRY: run python -m medrules review sync")
    return "\n".join(out)


def review_badge(policy_id: str, path: str):
    """One line for a clause section: its review status now (stale computed), for notebooks to display.

    Its text changes when the review changes, not when a result does: tag the cell `nbval-ignore-output`."""
    from IPython.display import Markdown
    policy, c = resolve_clause(f"{policy_id}/{path}")
    entry = load_ledger(policy_id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    text = {"missing": "**no review entry**", "stale": f"**⚠ stale** — approved by {(entry or {}).get('reviewer')} "
            f"on {(entry or {}).get('date')} for {short((entry or {}).get('fingerprint'))}, now {short(fp)}",
            "disputed": f"**✗ disputed** by {(entry or {}).get('reviewer')} on {(entry or {}).get('date')}",
            "approved": f"✓ approved by {(entry or {}).get('reviewer')} on {(entry or {}).get('date')} "
            f"({short(fp)})", "in-review": f"in review with {(entry or {}).get('reviewer')} since "
            f"{(entry or {}).get('date')}", "draft": f"draft, not yet reviewed ({short(fp)})"}[state]
    return Markdown(f"*Review:* {text}")


def page() -> str:
    """The generated part of the book's review page (MyST): figures, then every clause, stale and disputed marked."""
    exercised = load_exercised()
    badges = {"stale": "{bdg-warning}`stale`", "disputed": "{bdg-danger}`disputed`", "approved":
              "{bdg-success}`approved`", "missing": "{bdg-danger}`no entry`", "in-review": "{bdg-info}`in review`",
              "draft": "{bdg-secondary}`draft`"}
    per_policy = [(pid, clause_rows(pid, exercised)) for pid in policy_ids()]
    out = ["<!-- generated by medrules/review.py at build time (python -m medrules review page); do not edit -->",
           ""]
    attention = [r for _, rows in per_policy for r in rows if r["review"] in ("stale", "disputed", "missing")]
    if attention:
        out += [":::{admonition} Needs a reviewer", ":class: warning", ""]
        out += [f"- {badges[r['review']]} `{r['clause']}` {r['label']} {r['title']}" for r in attention]
        out += [":::", ""]
    out += ["## Figures", "", "| policy | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    all_rows = [r for _, rows in per_policy for r in rows]
    for pid, rows in per_policy + [("**total**", all_rows)]:
        s = summary(rows, exercised is not None)
        out.append(f"| {pid} | " + " | ".join(str(s[k]) for k in COLUMNS) + " |")
    if exercised is None:
        out += ["", "*With examples* is `?`: the test suite has not been run here (`make test` measures it)."]
    for pid, rows in per_policy:
        out += ["", f"## {pid}", "", "| clause | label | text status | review | reviewer | date | fingerprint | "
                "examples | open questions |", "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            fp = f"`{short(r['current_fp'])}`"
            if r["review"] == "stale":
                fp = f"**`{short(r['approved_fp'])}` → {fp}**"
            ex = "—" if r["tests"] is None else (str(len(r["tests"])) if r["tests"] else "**none**")
            if r["status"] == "encoded" and exercised is None:
                ex = "?"
            title = r["title"].replace("|", "\\|")
            reviewer = one_line(r["reviewer"] or "").replace("|", "\\|")
            out.append(f"| `{r['clause']}` | {r['label']} {title} | {r['status']} | {badges[r['review']]} | "
                       f"{reviewer} | {r['date'] or ''} | {fp} | {ex} | {len(r['open_questions']) or ''} |")
    return "\n".join(out) + "\n"


def write_page(path: Path = GENERATED_PAGE) -> bool:
    """Write the page when its content changed (a rebuild then stays small); True when written."""
    text = page()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


BADGE_CLASSES = {"approved": "success", "stale": "warning", "disputed": "danger", "missing": "danger",
                 "in-review": "info", "draft": "secondary"}


def _statuses() -> dict[str, tuple[str, str]]:
    """Clause ID -> (review status, what a reader needs to know about it), for every clause of every policy."""
    out = {}
    for pid in policy_ids():
        for r in clause_rows(pid):
            detail = {
                "stale": f"approved by {r['reviewer']} on {r['date']} for fingerprint {short(r['approved_fp'])}; "
                         f"the text, parameters or code have changed since (now {short(r['current_fp'])})",
                "disputed": f"disputed by {r['reviewer']} on {r['date']}: see reviews/{pid}.yaml",
                "missing": "no entry in the review ledger",
            }.get(r["review"], "")
            out[r["clause"]] = (r["review"], detail)
    return out


def _note_dependencies(app, doctree) -> None:
    """A policy page is rebuilt when its ledger, its policy data or its rules change (its badges may change)."""
    docname = app.env.docname
    if not docname.startswith("notebooks/"):
        return
    pid = docname.split("/", 1)[1]
    if pid not in policy_ids():
        return
    module = Path(REPO / "medrules" / "rules" / (pid.replace("-", "_") + ".py"))
    for path in [ledger_path(pid), module, *sorted((POLICIES_DIR / pid).glob("*.yaml"))]:
        if path.exists():
            app.env.note_dependency(str(path))


def _badge_clause_sections(app, doctree, docname) -> None:
    """In a policy page, put the live review status beside each clause heading that show_clause() printed
    ("**<clause id>** · label title · status"). Stored notebook outputs stay as they are: the badge is added
    when the page is written, so the book shows a stale or disputed clause as such until it is re-approved."""
    if not docname.startswith("notebooks/"):
        return
    from docutils import nodes
    statuses = getattr(app, "_medrules_review_statuses", None)
    if statuses is None:
        statuses = app._medrules_review_statuses = _statuses()
    for strong in list(doctree.findall(nodes.strong)):
        para = strong.parent
        if not isinstance(para, nodes.paragraph) or any(n.astext().strip() for n in para[:para.index(strong)]):
            continue
        found = statuses.get(strong.astext())
        if found is None:
            continue
        state, detail = found
        colour = BADGE_CLASSES[state]
        badge = nodes.inline(text=f"审核 review: {state}", classes=["sd-sphinx-override", "sd-badge",
                             f"sd-bg-{colour}", f"sd-bg-text-{colour}", "medrules-review"])
        para += [nodes.Text(" "), badge]
        if detail:
            para += nodes.emphasis(text=f" ({detail})")


def setup(app):
    """Sphinx extension (_config.yml sphinx.extra_extensions): the review page is regenerated on every build,
    and each clause section of a policy page shows its live review status."""
    app.connect("builder-inited", lambda app: write_page(Path(app.srcdir) / "book" / "_generated" / "review.md"))
    app.connect("doctree-read", _note_dependencies)
    app.connect("doctree-resolved", _badge_clause_sections)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


# --- command line ------------------------------------------------------------------------------------------------

def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReviewError(f"--date: must be a date YYYY-MM-DD, got {text!r}") from None


def add_parser(sub) -> None:
    """Register `review` and its commands on the CLI's subparsers."""
    rv = sub.add_parser("review", help="clause-by-clause review ledger: status, show, approve, dispute, sync, page")
    cmds = rv.add_subparsers(dest="review_command", required=True)
    st = cmds.add_parser("status", help="per policy: clauses, encoded, narrative, with examples, approved, stale, "
                         "disputed")
    st.add_argument("--clauses", action="store_true", help="also list every clause")
    st.add_argument("--policy", help="only this policy (with --clauses)")
    sh = cmds.add_parser("show", help="one clause: text, interpretation, code, parameters, examples, history")
    sh.add_argument("clause", help=CLAUSE_FORM)
    for name, status, what in (("approve", "approved", "approve the clause's encoding as it is now"),
                               ("dispute", "disputed", "record that the encoding does not say what the clause says"),
                               ("request", "in-review", "put the clause in review"),
                               ("reopen", "draft", "set the clause back to draft")):
        p = cmds.add_parser(name, help=what)
        p.add_argument("clause", help=CLAUSE_FORM)
        p.add_argument("--reviewer", required=True)
        p.add_argument("--date", help="YYYY-MM-DD (default: today)")
        p.add_argument("--note", help="why; recorded in the history")
        p.add_argument("--question", action="append", default=[], help="an open question to record (repeatable)")
        if name == "approve":
            p.add_argument("--resolve", action="store_true", help="the open questions are answered: clear them")
        p.set_defaults(review_status=status)
    sy = cmds.add_parser("sync", help="add a draft ledger entry for every clause that has none")
    sy.add_argument("--date", help="YYYY-MM-DD (default: today)")
    sy.add_argument("--prune", action="store_true", help="drop entries of clauses that no longer exist")
    pg = cmds.add_parser("page", help="write the book's review page")
    pg.add_argument("--out", default=str(GENERATED_PAGE))
    rv.set_defaults(run=run)


def run(args) -> int:
    try:
        return _run(args)
    except ReviewError as e:
        print(f"error: {one_line(str(e))}", file=sys.stderr)
        return 2


def _run(args) -> int:
    cmd = args.review_command
    if cmd == "status":
        exercised = load_exercised()
        if args.policy and args.policy not in policy_ids():
            raise ReviewError(f"--policy: unknown policy {args.policy!r}; allowed: {', '.join(policy_ids())}")
        pids = [args.policy] if args.policy else policy_ids()
        table = [(pid, s) for pid, s in status_table(exercised) if pid in pids]
        clauses = [(pid, clause_rows(pid, exercised)) for pid in pids] if args.clauses else None
        print(format_status(table, exercised is not None, clauses))
        return 0
    if cmd == "show":
        print(show(args.clause))
        return 0
    if cmd == "sync":
        added, orphans = sync(_date(args.date), prune=args.prune)
        print(f"added {len(added)} draft entries" + "".join(f"\n  {cid}" for cid in added))
        if orphans:
            print(("pruned" if args.prune else "entries for clauses that no longer exist (use --prune to drop)")
                  + "".join(f"\n  {cid}" for cid in orphans))
        return 0
    if cmd == "page":
        write_page(Path(args.out))
        return 0
    entry = record(args.clause, args.review_status, args.reviewer, _date(args.date), args.note,
                   tuple(args.question), getattr(args, "resolve", False))
    print(f"{entry['clause']}: {entry['status']} by {entry['reviewer']} on {entry['date']} "
          f"fingerprint {short(entry['fingerprint'])}")
    return 0
