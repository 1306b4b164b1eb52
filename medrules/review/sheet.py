"""The review sheet a reviewer reads before signing off a clause (`review show CLAUSE [--full]`), and what changed
since its approval (`review diff CLAUSE`).

The sheet is plain text, Chinese first, no markup: the clause's text, open questions, the notebook's interpretation
(its paragraphs without the markdown and HTML the book needs), every assumption counted however it is written
(`Assumption:`, `Assumption (reading …)`, `Assumption (one reading: …)`), the readings by their Chinese wording with
the default marked, the casebook's cases checked against the engine now, the rule functions, the dated values,
the examples that call the rules and the history, then the commands for the next step. `--full` adds the English
of everything, each rule's source and the engine modules it runs. Every heading and sentence comes from the
catalogue (medrules/messages.yaml, keys review.sheet.* and review.diff.*).
"""
from __future__ import annotations

import html as html_module
import inspect
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..core.messages import catalogue, msg, text
from ..core.textwidth import wrap
from .clauses import REPO, resolve_clause, rule_functions
from .exercised import CASEBOOK_PREFIX, measured_examples
from .fingerprint import SHORT, cases_for, fingerprint, fingerprint_parts, parameter_entries, readings_for, short
from .ledger import accepted_open, changes_since_approval, effective_status, last_approval, load_ledger
from .reports import COMMAND, clause_rows, interpretation, printable, step

WIDTH = 100
IN = "  "


def _head(key: str, **values) -> str:
    zh, en = msg(key, **values)
    return f"{zh} · {en}"


# --- the notebook's markdown as plain text --------------------------------------------------------------------------

_EN_SPAN = re.compile(r"<span lang=[\"']en[\"']>(.*?)</span>", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_ASSUMPTION = re.compile(r"^(?:\*\*)?(?:假设\s*)?(?:\*\*)?\s*Assumption\b\s*(?P<how>\([^)]*\)|\((?:[^()]|\([^)]*\))*\))?\s*:\s*",
                         re.S)
_MARK = re.compile(r"^\((?:reading (?P<reading>[^)\s]+)|one reading: (?P<why>.*))\)$", re.S)


_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")


def _plain(markdown: str) -> str:
    """Markdown and HTML as plain text: no **, `, #, links or tags; entities decoded; a line break between two
    Chinese characters joined without a space."""
    s = _CJK_BREAK.sub("", markdown)
    s = _LINK.sub(r"\1", s)
    s = _TAG.sub("", s)
    s = re.sub(r"\*\*|__|`", "", s)
    s = re.sub(r"(?m)^#{1,6}\s*", "", s)
    return html_module.unescape(" ".join(s.split()))


def _split_languages(markdown: str) -> tuple[str, str]:
    """(the Chinese, the English) of a paragraph written `中文 <span lang="en">English</span>`; a paragraph with
    no English span is returned whole as the first."""
    english = " ".join(_plain(m) for m in _EN_SPAN.findall(markdown))
    return _plain(_EN_SPAN.sub(" ", markdown)).strip(" /"), english.strip(" /")


def _paragraphs(markdown: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", markdown or "") if p.strip()]


def assumption_items(markdown: str | None) -> list[tuple[str, str, str]]:
    """Every `Assumption` paragraph of an interpretation, however it is marked: (how, Chinese, English), `how`
    being 解读 <id>, 唯一解读：<why> or empty."""
    found = []
    for para in _paragraphs(markdown):
        flat = " ".join(para.split())
        m = _ASSUMPTION.match(flat)
        if not m:
            continue
        how = ""
        mark = _MARK.match(m.group("how") or "")
        if mark and mark.group("reading"):
            how = text("review.sheet.by_reading", "zh", reading=mark.group("reading"))
        elif mark and mark.group("why"):
            how = text("review.sheet.one_reading", "zh", why=_split_languages(mark.group("why"))[0])
        zh, en = _split_languages(flat[m.end():])
        found.append((how, zh, en))
    return found


_WORKED = ("算例", "Worked example")


def _interpretation_lines(markdown: str | None, full: bool) -> list[str]:
    """The interpretation's paragraphs but the assumptions (listed on their own): headings as 【…】, Chinese, and
    with `full` the English under each and the paragraphs that set up the worked examples (算例…)."""
    lines = []
    for para in _paragraphs(markdown):
        if _ASSUMPTION.match(" ".join(para.split())):
            continue
        heading = re.match(r"^#{1,6}\s+(.*)$", para)
        if heading and "\n" not in para:
            zh, _, en = _plain(heading.group(1)).partition(" · ")
            lines.append(f"{IN}【{zh}】" + (f" {en}" if full and en else ""))
            continue
        zh, en = _split_languages(para)
        if not full and zh.startswith(_WORKED):
            continue  # how the worked examples are set up: with --full
        if zh:
            lines += wrap(zh, WIDTH, IN)
        if full and en:
            lines += wrap(en, WIDTH, IN + "  ")
    return lines


# --- values as a reviewer reads them -------------------------------------------------------------------------------

def _value(value, unit: str | None) -> str:
    """100000 yuan -> 100,000 元; 0.8 ratio -> 80%; booleans 是/否; a range min–max."""
    if isinstance(value, bool):
        return text(f"value.{str(value).lower()}", "zh")
    if isinstance(value, dict) and {"min", "max"} <= set(value):
        return f"{_value(value['min'], unit)}–{_value(value['max'], unit)}"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if unit == "ratio":
        return f"{(number * 100).normalize():f}%"
    if unit == "yuan":
        whole = number == number.to_integral_value()
        return f"{number:,.0f} 元" if whole else f"{number:,.2f} 元"
    return f"{number.normalize():f}" if number == number.to_integral_value() else str(value)


def _unit(unit) -> str:
    """A unit in Chinese where the catalogue has it, else as the data writes it."""
    return text(f"unit.{unit}", "zh") if f"unit.{unit}" in catalogue() else str(unit or "")


def _label(item: dict, lang: str = "zh") -> str:
    label = item.get("label")
    return label.get(lang, "") if isinstance(label, dict) else ""


def _period(v: dict) -> str:
    """When a value applies: 2022-01-01 至 2025-12-31, 2022-01-01 起, 据报道 2022-09-05 已施行, or not stated."""
    start, end = v.get("from"), v.get("to")
    if start and end:
        return text("review.sheet.period", "zh", start=start, end=end)
    if start:
        return text("review.sheet.period_from", "zh", start=start)
    if v.get("reported_in_force_on"):
        return text("review.sheet.reported", "zh", date=v["reported_in_force_on"]) + (
            text("review.sheet.period_to", "zh", end=end) if end else "")
    return text("review.sheet.period_to", "zh", end=end) if end else text("review.sheet.period_unknown", "zh")


def _parameter_lines(policy_id: str, clause_id: str, full: bool) -> tuple[list[str], int, int]:
    lines, values, inputs = [], 0, 0
    for p in parameter_entries(policy_id, clause_id):
        if "input" in p:
            inputs += 1
            unit = _unit(p.get("unit"))
            lines += wrap(text("review.sheet.input_line", "zh", label=_label(p) or p["input"], name=p["input"],
                               unit=unit, why=" ".join(str(p.get("why") or "").split())), WIDTH, IN, IN + "  ")
            continue
        values += 1
        v = p["entry"]
        kind = v.get("kind") or p.get("kind") or "exact"
        lines += wrap(text("review.sheet.value_line", "zh", label=_label(p) or p["name"], name=p["name"],
                           value=_value(v.get("value"), p.get("unit")),
                           kind=text(f"kind.{kind}", "zh") if f"kind.{kind}" in catalogue() else kind,
                           period=_period(v), quote=v.get("quote") or ""), WIDTH, IN, IN + "  ")
        if full:
            extra = {k: v[k] for k in v if k not in ("value", "clause", "quote", "kind", "from", "to")}
            if extra:
                lines += wrap(", ".join(f"{k}: {printable(x)}" for k, x in extra.items()), WIDTH, IN + "  ")
    return lines, values, inputs


def _option_text(option) -> tuple[str, str, str]:
    """(Chinese, English, why in Chinese) of a reading's option, written as a mapping or as plain text."""
    if not isinstance(option, dict):
        return str(option), str(option), ""
    why = option.get("why")
    why_zh = why.get("zh", "") if isinstance(why, dict) else str(why or "")
    return str(option.get("zh", "")), str(option.get("en", "")), why_zh


def _reading_lines(readings: dict, full: bool) -> list[str]:
    lines = []
    for rid, r in readings.items():
        if not isinstance(r, dict):
            lines.append(f"{IN}{rid}")
            continue
        question = r.get("question") or {}
        lines += wrap(f"{rid.split('/', 1)[-1]}  {question.get('zh', '') if isinstance(question, dict) else question}",
                      WIDTH, IN, IN + "  ")
        if full and isinstance(question, dict) and question.get("en"):
            lines += wrap(question["en"], WIDTH, IN + "  ")
        for name, option in (r.get("options") or {}).items():
            zh, en, why = _option_text(option)
            default = name == r.get("default")
            mark = "●" if default else "○"
            tail = text("review.sheet.default_mark", "zh") if default else ""
            lines += wrap(f"{mark} {zh}{tail}（{name}）" + (f"：{why}" if why else ""), WIDTH, IN + "  ", IN + "    ")
            if full and en:
                lines += wrap(en, WIDTH, IN + "    ")
        default_why = r.get("default_why")
        if isinstance(default_why, dict) and default_why.get("zh"):
            lines += wrap(text("review.sheet.default_why", "zh", why=default_why["zh"]), WIDTH, IN + "  ", IN + "    ")
    return lines


def _case_lines(policy_id: str, cases: list[dict], full: bool) -> list[str]:
    from ..publish import casebook
    lines = []
    for case in cases:
        try:
            agrees, _misses = casebook.check_case(policy_id, case)
            verdict = text("review.sheet.case_agrees" if agrees else "review.sheet.case_differs", "zh")
        except Exception as e:  # noqa: BLE001 - a case the engine refuses is shown as such, not a traceback
            verdict = text("review.sheet.case_refused", "zh", problem=printable(" ".join(str(e).split())))
        lines += wrap(f"- {case.get('name', '')}　{verdict}", WIDTH, IN, IN + "  ")
        if case.get("expected") is not None:
            try:
                figures = "；".join(f"{label.split(' ')[0] if label else ''}{'：' if label else ''}"
                                   f"{casebook.shown_figure(casebook.at(case['expected'], path), case.get('kind'))}"
                                   for label, path in casebook.figures(case) if not casebook.is_entry(path))
            except Exception:  # noqa: BLE001 - an oddly shaped expectation: the YAML itself is shown with --full
                figures = ""
            if figures:
                lines += wrap(text("review.sheet.case_expected", "zh", figures=figures), WIDTH, IN + "  ")
        working = case.get("working") or {}
        if full and isinstance(working, dict):
            lines += wrap(text("review.sheet.case_working", "zh", working=str(working.get("zh", ""))), WIDTH,
                          IN + "  ")
            if working.get("en"):
                lines += wrap(str(working["en"]), WIDTH, IN + "  ")
    return lines


def _code_lines(policy, clause, full: bool) -> list[str]:
    lines = []
    for name, fn in rule_functions(policy.id, clause):
        if fn is None:
            lines.append(f"{IN}{name}  " + text("review.sheet.rule_missing", "zh"))
            continue
        raw = inspect.unwrap(fn)
        doc = " ".join((inspect.getdoc(raw) or "").split("\n\n")[0].split())
        try:
            where = Path(inspect.getsourcefile(raw)).resolve().relative_to(REPO.resolve()).as_posix()
        except (TypeError, ValueError):
            where = raw.__module__  # a module outside the repository (tests load one from a temporary file)
        # The docstring's Chinese term (before " — ") names the rule; the whole docstring with --full.
        term = doc.split(" — ")[0] if " — " in doc else ""
        lines += wrap(f"{name}  {term}（{where}:{inspect.getsourcelines(raw)[1]}）", WIDTH, IN, IN + "  ")
        if full and doc:
            lines += wrap(doc, WIDTH, IN + "  ")
    if full:
        parts = fingerprint_parts(policy, clause)
        for name, source in parts["code"].items():
            lines += ["", f"{IN}# {name}", *(IN + s for s in source.rstrip().splitlines())]
        if parts["engine"]:
            lines += ["", IN + text("review.sheet.engine", "zh")]
            lines += [f"{IN}  {path} sha256 {sha[:SHORT]}" for path, sha in parts["engine"].items()]
    return lines


def _note_lines(notes: list[dict], full: bool) -> list[str]:
    lines = []
    for i, note in enumerate(notes, 1):
        lines += wrap(f"{i}. {note['zh']}", WIDTH, IN, IN + "   ")
        if full:
            lines += wrap(note["en"], WIDTH, IN + "   ")
    return lines


def _history_lines(entry: dict | None) -> list[str]:
    if not entry:
        return step("review.sheet.no_entry", f"{COMMAND} sync", english=False)
    lines = []
    for h in entry.get("history") or []:
        who = f" {printable(h['reviewer'])}" if h.get("reviewer") else ""
        note = f" — {printable(h['note'])}" if h.get("note") else ""
        accepted = (" · " + text("review.sheet.accepted_open", "zh", why=printable(h["accepted_open"]["why"]))
                    if h.get("accepted_open") else "")
        fp = f" {short(h['fingerprint'])}" if h.get("fingerprint") else ""
        lines += wrap(f"{h['date']} {text('review.column.' + h['status'], 'zh')}{who}{fp}{note}{accepted}",
                      WIDTH, IN, IN + "  ")
    return lines


def show(ref: str, full: bool = False) -> str:
    """The review sheet of one clause: under 120 lines for a typical clause; `full` adds the English, the rules'
    source and the engine modules."""
    policy, c = resolve_clause(ref)
    entry = load_ledger(policy.id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    who = (text("review.sheet.by", "zh", reviewer=printable(entry["reviewer"]), date=entry["date"])
           if entry and entry.get("reviewer") else "")
    out = [_head("review.sheet.title", clause=c.id),
           f"{c.label} {c.title.get('zh', '')}" + (f" / {c.title.get('en', '')}" if c.title.get("en") else ""),
           text("review.sheet.status_line", "zh", text_status=text(f"clause_status.{c.status}", "zh"),
                review=text(f"review.column.{state}", "zh") + who, fingerprint=short(fp))
           + (text("review.sheet.stale_since", "zh", approved=short(entry.get("fingerprint"))) if state == "stale"
              else "")]
    if c.reason:
        out += wrap(text("review.sheet.reason", "zh", reason=c.reason["zh"]), WIDTH)
        if full:
            out += wrap(c.reason["en"], WIDTH)
    accepted = accepted_open(entry)
    if accepted:
        out += wrap(text("review.sheet.accepted_open", "zh", why=printable(accepted["why"])), WIDTH)
    section = iter(("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"))

    def head(key: str, **values):
        out.extend(["", f"{next(section, '')}、{_head(key, **values)}"])

    head("review.sheet.text")
    out += wrap((c.text_simplified or c.text).strip(), WIDTH, IN)
    if full:
        if c.text_simplified:
            out += [IN + text("clause.original", "zh") + "：", *wrap(c.text.strip(), WIDTH, IN)]
        out += [IN + "English:", *wrap(c.parallel.strip(), WIDTH, IN)]
    questions = list(c.open_questions)
    review_questions = list((entry or {}).get("open_questions") or [])
    if questions or review_questions:
        head("review.sheet.open_questions", n=len(questions) + len(review_questions))
        out += _note_lines(questions, full)
        out += [f"{IN}{text('review.sheet.review_question', 'zh')}{printable(q)}" for q in review_questions]
    if state == "stale":
        head("review.sheet.changed")
        changes = changes_since_approval(policy, c, entry, always=True) or ""
        titles = _titles(changes)
        out += (wrap(text("review.sheet.changed_parts", "zh", parts="、".join(titles)), WIDTH, IN) if titles
                else wrap(changes, WIDTH, IN))
        out += step("review.sheet.see_diff", f"{COMMAND} diff {c.id}", english=False)
    interp = interpretation(policy.id, c.path)
    head("review.sheet.interpretation", notebook=f"notebooks/{policy.id}.py")
    out += _interpretation_lines(interp, full) if interp else [IN + text("review.sheet.no_interpretation", "zh")]
    found = assumption_items(interp)
    head("review.sheet.assumptions", n=len(found))
    for i, (how, zh, en) in enumerate(found, 1):
        out += wrap(f"{i}. " + (f"〔{how}〕" if how else "") + zh, WIDTH, IN, IN + "   ")
        if full and en:
            out += wrap(en, WIDTH, IN + "   ")
    if c.uncertain:
        head("review.sheet.uncertain", n=len(c.uncertain))
        out += _note_lines(list(c.uncertain), full)
    readings = readings_for(policy.id, c.id)
    if readings:
        head("review.sheet.readings", n=len(readings))
        out += _reading_lines(readings, full)
    cases = cases_for(policy.id, c.id)
    head("review.sheet.cases", n=len(cases))
    out += _case_lines(policy.id, cases, full) or [IN + text("review.sheet.none", "zh")]
    if c.status == "encoded" or c.rules:
        head("review.sheet.code", n=len(c.rules))
        out += _code_lines(policy, c, full) or [IN + text("review.sheet.none", "zh")]
    params, n_values, n_inputs = _parameter_lines(policy.id, c.id, full)
    head("review.sheet.parameters", values=n_values, inputs=n_inputs)
    out += params or [IN + text("review.sheet.none", "zh")]
    if c.status == "encoded":
        head("review.sheet.examples")
        out += _examples_lines(policy.id, c.id, full)
    head("review.sheet.history")
    out += _history_lines(entry)
    out += ["", _head("review.next.head"), *_next_for_clause(policy, c, entry, state)]
    return "\n".join(line.rstrip() for line in out)


def _examples_lines(policy_id: str, clause_id: str, full: bool) -> list[str]:
    found, tests_known = measured_examples([policy_id])
    row = next(r for r in clause_rows(policy_id, found) if r["clause"] == clause_id)
    tests = row["tests"] or []
    cases = [t.removeprefix(CASEBOOK_PREFIX) for t in tests if t.startswith(CASEBOOK_PREFIX)]
    own = f"tests/test_{policy_id.replace('-', '_')}.py::"  # the policy's own tests first
    unit = sorted((t for t in tests if not t.startswith(CASEBOOK_PREFIX)), key=lambda t: (not t.startswith(own), t))
    lines = wrap(text("review.sheet.examples_counts", "zh", cases=len(cases), tests=len(unit))
                 + ("" if tests_known else text("review.sheet.tests_not_measured", "zh")), WIDTH, IN)
    if not tests:
        lines.append(IN + text("review.sheet.no_examples", "zh"))
    shown = unit if full else unit[:3]
    lines += [f"{IN}  {t}" for t in shown]
    if len(unit) > len(shown):
        lines.append(IN + "  " + text("review.sheet.more", "zh", n=len(unit) - len(shown)))
    return lines


def _next_for_clause(policy, c, entry, state: str) -> list[str]:
    from .actions import open_items
    items = open_items(policy, c, list((entry or {}).get("open_questions") or []))
    lines = []
    if state == "stale":
        lines += step("review.next.clause_diff", f"{COMMAND} diff {c.id}", english=False)
    if state != "approved":
        approve = f"{COMMAND} approve {c.id} --reviewer <姓名>"
        if items:
            lines += step("review.next.clause_approve_open", approve + ' --accept-open "理由"', n=len(items),
                          english=False)
        else:
            lines += step("review.next.clause_approve", approve, english=False)
        lines += step("review.next.clause_dispute", f"{COMMAND} dispute {c.id} --reviewer <姓名> --note \"…\"",
                      english=False)
    else:
        lines += step("review.next.clause_approved", english=False)
    lines += step("review.next.clause_full", f"{COMMAND} show {c.id} --full", english=False)
    return lines


# --- what changed since the approval -------------------------------------------------------------------------------

def _titles(changes: str) -> list[str]:
    """The Chinese title of each changed part of a diff from changes_since_approval."""
    return [line[4:].split(" · ")[0] for line in changes.splitlines() if line.startswith("=== ")]


def diff(ref: str) -> str:
    """What changed since the clause's last approval, part by part (text, values and their dates, readings, rule and
    engine code, casebook), as unified diffs; or why there is nothing to compare."""
    policy, c = resolve_clause(ref)
    entry = load_ledger(policy.id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    approval = last_approval(entry)
    out = [_head("review.diff.title", clause=c.id), f"{c.label} {c.title.get('zh', '')}"]
    if approval is None:
        out += step("review.diff.never_approved", f"{COMMAND} show {c.id}", indent="", english=False,
                    state=text(f"review.column.{state}", "zh"))
        return "\n".join(out)
    out.append(text("review.diff.approved", "zh", reviewer=printable(approval.get("reviewer") or "-"),
                    date=approval.get("date"), approved=short(approval.get("fingerprint")), now=short(fp)))
    changes = changes_since_approval(policy, c, entry, always=True)
    if not changes:
        out.append(text("review.diff.nothing", "zh"))
        return "\n".join(out)
    titles = _titles(changes)
    if titles:
        out += wrap(text("review.diff.parts", "zh", n=len(titles), parts="、".join(titles)), WIDTH)
    out += ["", *("  " + line if line else line for line in changes.splitlines())]
    if state == "stale":
        out += ["", _head("review.next.head"),
                *step("review.next.clause_reapprove", f"{COMMAND} approve {c.id} --reviewer <姓名>", english=False)]
    return "\n".join(out)
