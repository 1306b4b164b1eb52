"""What notebooks and the book show: clause text, rule source, parameter tables and result tables.

Everything here returns display objects with stable text (no addresses, no timestamps), so stored outputs
are reviewed results that nbval can compare."""
from __future__ import annotations

import inspect
import re
import textwrap
from html import escape

import pandas as pd
from IPython.display import Markdown

from ..core.categories import CATEGORIES
from ..core.result import Result, evaluate
from ..core.trace import step_label
from ..core.messages import both, catalogue, html, msg, pair, placeholders, text
from ..core.messages import html as html_message
from ..core.money import fmt_ratio, fmt_yuan, shown  # noqa: F401  (shown: re-exported)
from ..core.policy import load_policy
from ..core.rulebook import LAYER_LABELS, LAYERS
from ..core.scenario import parse_scenario
from .casebook import (CASE_PARTS, Pair, at, casebook, check_case, en_of, field_label, figures, is_entry, run_case,
                       shown_figure, zh_of)
from .display import PageFrame, label_html, pairs_table

# Tables show every cell whole: pandas cuts text over 50 characters with "...", which cut the trace's reasons and
# the parameters' quotes mid-sentence. (Changes the stored outputs of notebooks that did not set this themselves:
# re-execute them with make notebooks.)
pd.set_option("display.max_colwidth", None)

def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.strip().splitlines())


def show_clause(policy_id: str, path: str) -> Markdown:
    """The clause as printed (original, then English), with its ID and status, Chinese first.

    A clause of a source that is not Chinese (Shandong's English machine translation) opens with its Chinese
    reference rendering (reference_zh), labelled as not the original and naming what it was made from; the source
    and its corrected English reading follow (the book shows them beside the rendering in 双语 and hides them in 中文:
    medrules.publish.book.sphinx)."""
    policy = load_policy(policy_id)
    c = policy.clause(path)
    parts = [f"**{c.id}** · {c.label} {c.title['zh']} · {html('clause_status.' + c.status)}", ""]
    if c.reference_zh:
        made_from = policy.meta["dates"].get("report") or policy.meta["dates"].get("published") or "?"
        parts += [html("clause.reference_zh", date=made_from), "", _quote(c.reference_zh), "",
                  f"{html('clause.source_machine_translation')}:", "", _quote(c.text), "",
                  f"{html('clause.corrected_reading')}:", "", _quote(c.parallel)]
    else:
        parts += [f"{html('clause.original')}:", "", _quote(c.text)]
        if c.text_simplified:
            parts += ["", f"{html('clause.simplified')}:", "", _quote(c.text_simplified)]
        parts += ["", "English:", "", _quote(c.parallel)]
    if c.reason:
        parts += ["", f"*{html('clause.status_reason')}:* {pair(**c.reason)}"]
    for q in c.open_questions:
        parts += ["", f"*{html('clause.open_question')}:* {pair(**q)}"]
    return Markdown("\n".join(parts))


def show_rule(*functions) -> Markdown:
    """The source of the rule functions the engine runs: the same code, not a copy of it; under it, the sentences
    its message keys stand for (medrules/messages.yaml), so a reviewer reads the rule with its words."""
    blocks = [textwrap.dedent(inspect.getsource(fn)) for fn in functions]
    code = "```python\n" + "\n\n".join(b.rstrip() for b in blocks) + "\n```"
    keys = rule_messages("\n".join(blocks))
    if not keys:
        return Markdown(code)
    # Each {placeholder} shown as code: a name the rule fills in, not a word to read.
    lines = [f"- `{k}`：" + html_message(k, **{name: "\x00" + name + "\x01" for name in placeholders(catalogue()[k]["zh"])})
             .replace("\x00", "<code>{").replace("\x01", "}</code>") for k in keys]
    return Markdown(code + "\n\n" + html("trace.rule_messages") + "\n\n" + "\n".join(lines))


def rule_messages(source: str) -> list[str]:
    """The catalogue keys a rule's source names: written whole ("trace.wenzhou.ma_tekun") or as the start of keys it
    completes (f"trace.wenzhou.deposit_not_waived.{why}", "trace.guizhou.outpatient_resident" + suffix)."""
    keys = catalogue()
    named = []
    for start, after in re.findall(r"""["'](trace\.[A-Za-z0-9_.]+)(\{|["']\s*\+)?""", source):
        named += [k for k in keys if k.startswith(start)] if after else [start]
    return list(dict.fromkeys(named))


def _value(v, unit: str) -> str:
    if isinstance(v, dict):  # kind: range
        return f"{_value(v['min'], unit)} – {_value(v['max'], unit)}"
    if unit == "yuan":
        return fmt_yuan(v) + " 元"
    if unit == "ratio":
        return fmt_ratio(v)
    return str(v)


def _start(v) -> str:
    """When a value starts (HTML); for a report that gives no start, the day it reports the value in force."""
    if v.start:
        return str(v.start)
    return html("start.reported", date=v.reported_in_force_on) if v.reported_in_force_on else "—"


def _quote_cell(policy, v) -> str:
    """The words a value comes from. A source not in Chinese is quoted as printed behind the language switch; in
    Chinese the cell points to the clause's reference rendering (参考译文), which gives the figure."""
    quote = escape(v.quote or "")
    if policy.meta.get("language", "zh").startswith("zh") or v.clause not in policy.clauses:
        return quote
    label = policy.clauses[v.clause].label
    return pair(text("parameter.quote_in_rendering", "zh", label=label), quote, escape=False) if quote else ""


def _col(key: str) -> str:
    """A column head, Chinese first: 数值 value."""
    return both(f"column.{key}")


def _kind(kind: str) -> str:
    return both(f"kind.{kind}") if f"kind.{kind}" in catalogue() else kind


def _page_table(heads: list[tuple[str, str]], rows: list[list[str]], kind: str):
    """A page table whose cells hold switchable zh/en HTML (already escaped): Chinese first in every row, machine
    names last and small (class medrules-code). `heads` are (column key, cell class)."""
    from IPython.display import HTML
    head = "".join(f'<th class="{cls}">{html(f"column.{key}")}</th>' for key, cls in heads)
    body = "".join("<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for (_, cls), cell in zip(heads, row)) + "</tr>"
                   for row in rows)
    return HTML(f'<table class="dataframe medrules-table medrules-{kind}"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")


def _label(label: dict) -> str:
    return pair(label["zh"], label.get("en") or label["zh"])


def _code(name: str) -> str:
    return f"<code>{escape(name)}</code>"


def _unit(unit: str) -> str:
    return html(f"unit.{unit}") if f"unit.{unit}" in catalogue() else _code(unit)


def parameter_table(policy_id: str):
    """Every dated parameter: its Chinese (and English) name first, then value, kind (exact/floor/ceiling/
    approximate), dates, the clause it cites and its words; the machine name last."""
    policy = load_policy(policy_id)
    rows = [[_label(p.label), _shown_value(v.value, p.unit), _html_both(f"kind.{v.kind}", v.kind),
             _start(v), escape(str(v.end or "—")), _code(v.clause), _quote_cell(policy, v), _code(p.name)]
            for p in policy.parameters.values() for v in p.values]
    return _page_table([("name", "medrules-name"), ("value", "medrules-amount"), ("kind", ""), ("from", ""),
                        ("to", ""), ("clause", "medrules-code"), ("quote", "medrules-prose"),
                        ("parameter", "medrules-code")], rows, "parameters")


def _shown_value(value, unit: str) -> str:
    """A parameter's value for a page table: yes/no in words (not True/False), amounts and ratios as formatted."""
    if unit == "boolean" and isinstance(value, bool):
        return html(f"value.{str(value).lower()}")
    return escape(_value(value, unit))


def inputs_table(policy_id: str):
    """What the text leaves open: the named inputs a user must (or may) supply, Chinese name first, the name to
    type (in a scenario's `inputs`) last."""
    rows = [[_label(s["label"]), _unit(s["unit"]), _code(s["clause"]), pair(**s["required_when"]), _code(name)]
            for name, s in load_policy(policy_id).inputs.items()]
    return _page_table([("name", "medrules-name"), ("unit", ""), ("clause", "medrules-code"),
                        ("required_when", "medrules-prose"), ("input", "medrules-code")], rows, "inputs")


def clause_table(policy_id: str):
    """Every clause: its printed label and title first, status, what encodes it or why nothing does; its ID last."""
    rows = [[escape(c.label), pair(c.title["zh"], c.title.get("en") or c.title["zh"]),
             _html_both(f"clause_status.{c.status}", c.status),
             ", ".join(_code(r) for r in c.rules) if c.rules else pair(**c.reason) if c.reason else "", _code(c.id)]
            for c in load_policy(policy_id).clauses.values()]
    return _page_table([("label", ""), ("title", "medrules-name"), ("status", ""),
                        ("rules_or_reason", "medrules-prose"), ("clause", "medrules-code")], rows, "clauses")


def _html_both(key: str, fallback: str) -> str:
    return html(key) if key in catalogue() else escape(fallback)


def person_label(person: dict) -> str:
    """A scenario person's statuses (or one category) in Chinese."""
    from ..core.categories import STATUSES
    if person.get("statuses") is not None:
        return "、".join(STATUSES[s][0] for s in person["statuses"]) or "无特殊身份"
    return CATEGORIES[person["category"]][0]


def setting_label(code: str) -> str:
    """A claim kind as "中文 · English" (medrules.core.categories), for a page table that splits it."""
    from ..core.categories import SETTINGS
    zh, en = SETTINGS.get(code, (code, code))
    return f"{zh} · {en}" if zh != en else zh


def result_table(result: Result, per: str = "claim") -> PageFrame:
    """Per claim (or per year): each layer's payment, formatted in yuan; the book shows it Chinese first."""
    cols = list(LAYERS) + ["out_of_pocket"]
    headers = {k: f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}" for k in cols}
    if per == "year":
        rows = [{_col("year"): y, **{headers[k]: shown(t[k]) for k in cols}} for y, t in result.years.items()]
        return PageFrame(pd.DataFrame(rows).set_index(_col("year")))
    rows = [{_col("claim"): c["claim"], _col("date"): c["date"], _col("setting"): setting_label(c["setting"]),
             _col("cost"): fmt_yuan(c["policy_range_cost"]), **{headers[k]: shown(c[k]) for k in cols}}
            for c in result.claims]
    return PageFrame(pd.DataFrame(rows).set_index(_col("claim")))


def undetermined_table(result: Result, claim: int = 0) -> PageFrame:
    """What a partial result leaves open for one claim: each undetermined layer (Chinese first), the field that would
    settle it and its clause (machine names); one row saying 完整 when nothing is."""
    open_ = (result.claims[claim].get("undetermined") or {}).items()
    rows = [{_col("layer"): " · ".join(LAYER_LABELS[layer]), text("column.needs", "zh") + " " + text("column.needs", "en"):
             f"`{u['field']}`", _col("clause"): f"`{u['clause']}`"} for layer, u in open_]
    if not rows:
        rows = [{_col("layer"): both("casebook.part.complete", sep=" · ")}]
    return PageFrame(pd.DataFrame(rows))


class TraceTable:
    """The trace as a table. On a page (HTML) the layer and the reason are Chinese, with the English in a span the
    book's language switch hides or shows, every cell whole; in plain text both languages. `frame` is the table as a
    DataFrame (plain text cells)."""

    def __init__(self, result: Result):
        steps = result.trace
        self.frame = pd.DataFrame([{_col("claim"): s.claim, _col("layer"): " ".join(dict.fromkeys(step_label(s.layer))),
                                    _col("clause"): s.clause, _col("amount"): shown(s.amount),
                                    _col("why"): s.explanation} for s in steps])
        self._pairs = {_col("layer"): [step_label(s.layer) for s in steps],
                       _col("why"): [(s.explanation_zh, s.explanation_en) for s in steps]}

    def _repr_html_(self) -> str:
        cells = self.frame.map(_html)
        for column, pairs in self._pairs.items():
            cells[column] = [pair(zh, en) for zh, en in pairs]
        cells[_col("clause")] = [_code(c) for c in self.frame[_col("clause")]]  # a machine name, not English
        cells.columns = [label_html(c) for c in cells.columns]
        return cells.to_html(escape=False, index=False, classes="medrules-table medrules-trace")

    def __repr__(self) -> str:
        """One block per step, every sentence whole (a DataFrame's text form would cut or fold the reasons)."""
        lines = []
        for row, (zh, en) in zip(self.frame.to_dict("records"), self._pairs[_col("why")]):
            lines.append(" · ".join(str(row[_col(k)]) for k in ("claim", "layer", "clause", "amount")))
            lines += [f"    {zh}", f"    {en}"]
        return "\n".join(lines)


def trace_table(result: Result) -> TraceTable:
    """The trace: every step's clause, amount and reason, so each yuan leads back to its clause."""
    return TraceTable(result)


def cases(policy_id: str, cases: dict, inputs: dict | None = None, show: tuple = ("medical_assistance",
          "further_relief", "out_of_pocket")) -> PageFrame:
    """Worked examples: one row per named case; each case is (person, claims) evaluated by the engine. Name the
    cases "中文 · English" (the book shows the Chinese, the English behind its language switch)."""
    rows = []
    for name, (person, claims) in cases.items():
        result = evaluate(parse_scenario({"policy": policy_id, "person": person, "claims": claims,
                                          "inputs": inputs or {}}))
        row = {_col("case"): name, _col("person"): person_label(person),
               _col("cost"): fmt_yuan(sum(c["policy_range_cost"] for c in result.claims))}
        for k in show:
            row[f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}"] = shown(result.totals[k])
        rows.append(row)
    return PageFrame(pd.DataFrame(rows).set_index(_col("case")))


# --- Casebooks, readings and open questions on the policy pages (issue 12) --------------------------------------
# The casebook is policies/<id>/cases.yaml, worked by hand; these tables run it through the public entry points
# (casebook.py) when the page is built and mark each case ✓ (the engine gives the hand-worked figures) or ✗.

def _html(text: str) -> str:
    import html
    return html.escape(str(text)).replace("\n", "<br>")


def _frame_html(frame: pd.DataFrame) -> str:
    """A table whose cells may hold line breaks: escaped here, then written without a second escape."""
    return frame.map(_html).to_html(escape=False, index=False) if not frame.empty else ""


def _casebook_rows(policy_id: str) -> list[dict]:
    """Each hand-worked case with its expected figures and the 核对 mark, as zh/en pairs (Pair)."""
    rows = []
    for case in casebook(policy_id):
        kind = case.get("kind")
        got = run_case(policy_id, case)
        agrees, misses = check_case(policy_id, case, got)
        lines = [label.then(shown_figure(at(case["expected"], path), kind), ": ") if not is_entry(path) else label
                 for label, path in figures(case)]
        expected = Pair("\n".join(map(zh_of, lines)), "\n".join(map(en_of, lines)))
        if agrees:
            mark = Pair("✓", "✓")
        else:
            found = ([Pair(str(m), str(m)).then(shown_figure(got.get(m), kind) if kind else Pair("不同", "differs"),
                                                ": ") for m in misses] if kind != "function"
                     else [shown_figure(got, kind)])
            mark = Pair("✗ 引擎：" + "；".join(map(zh_of, found)), "✗ engine: " + "; ".join(map(en_of, found)))
        rows.append({"name": case["name"], "clause": case["clause"], "expected": expected,
                     "working": Pair(case["working"]["zh"], case["working"]["en"]), "mark": mark})
    return rows


def casebook_frame(policy_id: str) -> pd.DataFrame:
    """案例 Worked cases: each hand-worked case with its expected figures, working and the 核对 mark."""
    rows = [{"案例 case": r["name"], "条款 clause": r["clause"], "预期 expected": str(r["expected"]),
             "演算 working": r["working"].zh, "Working (English)": r["working"].en,
             "核对 check": r["mark"] if r["mark"] == "✓" else str(r["mark"])} for r in _casebook_rows(policy_id)]
    return pd.DataFrame(rows, columns=["案例 case", "条款 clause", "预期 expected", "演算 working",
                                       "Working (English)", "核对 check"])


def casebook_table(policy_id: str):
    """案例 Worked cases as a page table, Chinese first (the English behind the language switch); a policy without
    a casebook says so."""
    from IPython.display import HTML
    rows = _casebook_rows(policy_id)
    if not rows:
        return HTML("<p>" + pair("本政策尚无案例集", "This policy has no casebook yet") +
                    f" (<code>policies/{_html(policy_id)}/cases.yaml</code>).</p>")
    ok = sum(1 for r in rows if r["mark"] == "✓")
    head = f"<p>{pair(f'{len(rows)} 个案例，引擎与手算一致 {ok} 个。', f'{len(rows)} cases, the engine agrees on {ok}.')}</p>"
    heads = [Pair(*msg(f"column.{k}")) for k in ("case", "clause", "expected", "working", "check")]
    body = [[r["name"], Pair(r["clause"], r["clause"]), r["expected"], r["working"], r["mark"]] for r in rows]
    return HTML(head + pairs_table(heads, body, "casebook",
                                   ["medrules-name", "medrules-code", "medrules-prose", "medrules-prose", ""]))


def _examples(policy_id: str) -> list[tuple[str, dict]]:
    """Example scenarios of the policy (examples/*.json): the illustrative runs where no case names a reading."""
    import json
    from decimal import Decimal
    from ..core.policy import POLICIES_DIR
    out = []
    for path in sorted((POLICIES_DIR.parent / "examples").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)  # exact, as the CLI reads it
        if isinstance(data, dict) and data.get("policy") == policy_id and "claims" in data:
            out.append((Pair(f"示例：{path.name}", f"example: {path.name}"),
                        {"person": data["person"], "claims": data["claims"], "inputs": data.get("inputs") or {},
                         "readings": data.get("readings") or {}}))
    return out[:2]


def _run_or_refusal(policy_id: str, case: dict, readings: dict) -> dict:
    """A run under one option, or {"refused": field} where the entry point refuses the scenario under it."""
    from ..core.scenario import InputError
    try:
        return run_case(policy_id, case, readings)
    except InputError as e:
        return {"refused": e.field}


def _example_figures(runs: list) -> list[tuple[str, tuple]]:
    """Totals of the layers that pay something under some option, and out of pocket."""
    keys = [k for k in list(LAYERS) + ["out_of_pocket"]
            if k == "out_of_pocket" or any(r["totals"].get(k) not in (None, "0.00") for r in runs)]
    return [(CASE_PARTS["totals"].then(field_label(k)), ("totals", k)) for k in keys]


def _option_head(reading, name: str) -> Pair:
    """An option by its words, Chinese first (the ID is in the list above the table): 仅限低保、低保边缘家庭（默认）."""
    o = reading.options[name]
    default = name == reading.default
    return Pair(o.zh + ("（默认）" if default else ""), o.en + (" (default)" if default else ""))


def _reading_rows(policy_id: str, reading_id: str) -> tuple[list, list[list]]:
    """(heads, rows) of the cases that name the reading (or two example runs), each figure under every option side by
    side; every label and figure a zh/en Pair where it has words."""
    from ..core.readings import readings
    reading = readings(policy_id)[reading_id]
    named = [c for c in casebook(policy_id) if reading_id in (c.get("readings") or {})]
    sources = [(Pair(c["name"], c["name"]), c, figures(c)) for c in named]
    if not sources:
        for name, scenario in _examples(policy_id):
            runs = {o: _run_or_refusal(policy_id, scenario, {reading_id: o}) for o in reading.options}
            sources.append((name, scenario, _example_figures([r for r in runs.values() if "totals" in r])))
    heads = [Pair(*msg("column.case")), Pair(*msg("column.figure")),
             *(_option_head(reading, o) for o in reading.options), Pair(*msg("column.by_hand"))]
    rows = []
    for name, case, wanted in sources:
        if case.get("kind") == "scheme":
            continue  # the scheme check takes no reading
        runs = {o: _run_or_refusal(policy_id, case, {reading_id: o}) for o in reading.options}
        hand = (case.get("readings") or {}).get(reading_id)
        for label, path in wanted:
            if is_entry(path):
                continue  # an undetermined entry: shown by its figures and 完整
            row = [name, label]
            for o in reading.options:
                row.append(Pair(f"拒绝：{runs[o]['refused']}", f"refused: {runs[o]['refused']}") if "refused" in runs[o]
                           else shown_figure(at(runs[o], path), case.get("kind")))
            row.append(_option_head(reading, hand).then(shown_figure(at(case["expected"], path), case.get("kind")),
                                                        "：") if hand else Pair("示例，未手算", "example, not hand-worked"))
            rows.append(row)
    return heads, rows


def reading_runs(policy_id: str, reading_id: str) -> pd.DataFrame:
    """The cases that name the reading (or two example runs), each figure under every option side by side."""
    heads, rows = _reading_rows(policy_id, reading_id)
    return pd.DataFrame([[str(v) for v in row] for row in rows], columns=[str(h) for h in heads])


def readings_table(policy_id: str):
    """解读选项 Readings: each reading's question, its options (words, why, the default marked) and the cases
    that name it run under every option side by side — options named by their words, the IDs as machine names."""
    from IPython.display import HTML
    from ..core.readings import load_readings
    file = load_readings(policy_id)
    if not file.readings:
        return HTML(f"<p>{pair('本政策没有登记的解读。', 'This policy has no recorded readings.')}</p>")
    parts = []
    for rid, r in file.readings.items():
        # The question is the heading; the ID a scenario names stays beside it, as code.
        parts.append(f"<h4>{pair(r.question.zh, r.question.en)}</h4><p><small>{pair('解读编号', 'reading')} "
                     f"<code>{_html(rid)}</code></small></p><ul>")
        for name, o in r.options.items():
            mark = f" <b>（{pair('默认', 'default')}）</b>" if name == r.default else ""
            parts.append(f"<li>{pair(o.zh, o.en)}{mark} <small><code>{_html(name)}</code></small><br>"
                         f"<small>{pair('理由：' + o.why.zh, 'why: ' + o.why.en)}</small></li>")
        parts.append(f"</ul><p><small>{pair('默认理由：' + r.default_why.zh, 'why the default: ' + r.default_why.en)}"
                     "</small></p>")
        heads, rows = _reading_rows(policy_id, rid)
        if not rows:
            parts.append(f"<p><small>{pair('尚无案例或示例按此解读运行。', 'No case or example runs this reading yet.')}"
                         "</small></p>")
        else:
            parts.append(pairs_table(heads, rows, "reading-runs", ["medrules-name", "medrules-name",
                                                                   *[""] * (len(heads) - 3), "medrules-prose"]))
    if file.not_readings:
        parts.append(f"<h4>{pair('不是解读', 'Not readings')}</h4><ul>")
        parts += [f"<li><code>{_html(n.clause)}</code>：{pair(n.what.zh, n.what.en)}<br>"
                  f"<small>{pair(n.why.zh, n.why.en)}</small></li>" for n in file.not_readings]
        parts.append("</ul>")
    return HTML("".join(parts))


NOTE_KINDS = {"uncertain": "存疑 uncertain", "open_question": "待明确 open question"}


def uncertain_frame(policy_id: str) -> pd.DataFrame:
    """Every clause's 存疑 uncertain notes and 待明确问题 open questions, one row each, and the policy's own: the
    Chinese note, then its English."""
    policy = load_policy(policy_id)
    rows = []
    for c in policy.clauses.values():
        for kind, notes in (("uncertain", c.uncertain), ("open_question", c.open_questions)):
            rows += [{"条款 clause": c.id, "标题 title": f"{c.label} {c.title['zh']} / {c.title['en']}",
                      "类别 kind": NOTE_KINDS[kind], "内容 note": note["zh"], "Note (English)": note["en"]}
                     for note in notes]
    rows += [{"条款 clause": policy_id, "标题 title": "整个文件 whole document", "类别 kind": NOTE_KINDS["open_question"],
              "内容 note": q["zh"], "Note (English)": q["en"]} for q in policy.meta.get("open_questions") or []]
    return pd.DataFrame(rows, columns=["条款 clause", "标题 title", "类别 kind", "内容 note", "Note (English)"])


def uncertain_notes(policy_id: str):
    """待明确问题与存疑 Open questions and uncertain notes, by clause: each note Chinese first, its English behind the
    book's language switch; the clause ID last."""
    from IPython.display import HTML
    policy = load_policy(policy_id)
    rows = []
    for c in policy.clauses.values():
        title = f"{escape(c.label)} {pair(c.title['zh'], c.title.get('en') or c.title['zh'])}"
        for kind, notes in (("uncertain", c.uncertain), ("open_question", c.open_questions)):
            rows += [[title, html(f"note_kind.{kind}"), pair(**note), _code(c.id)] for note in notes]
    rows += [[html("note.whole_document"), html("note_kind.open_question"), pair(**q), _code(policy_id)]
             for q in policy.meta.get("open_questions") or []]
    if not rows:
        return HTML(f"<p>{html('note.none')}</p>")
    return _page_table([("note_clause", "medrules-name"), ("note_kind", "medrules-short"), ("note", "medrules-prose"),
                        ("clause", "medrules-code")], rows, "notes")
