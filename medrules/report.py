"""What notebooks and the book show: clause text, rule source, parameter tables and result tables.

Everything here returns display objects with stable text (no addresses, no timestamps), so stored outputs
are reviewed results that nbval can compare."""
from __future__ import annotations

import inspect
import textwrap

import pandas as pd
from IPython.display import Markdown

from .categories import CATEGORIES
from .engine import Result, evaluate
from .messages import both, catalogue
from .money import fmt_ratio, fmt_yuan
from .policy import load_policy
from .rulebook import LAYER_LABELS, LAYERS
from .scenario import parse_scenario

# Tables show every cell whole: pandas cuts text over 50 characters with "...", which cut the trace's reasons and
# the parameters' quotes mid-sentence. (Changes the stored outputs of notebooks that did not set this themselves:
# re-execute them with make notebooks.)
pd.set_option("display.max_colwidth", None)

STATUS_LABELS = {"encoded": "已编码 encoded", "narrative": "叙述性 narrative", "not-encodable": "无法编码 not encodable"}


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.strip().splitlines())


def show_clause(policy_id: str, path: str) -> Markdown:
    """The clause as printed (original, then English), with its ID and status."""
    c = load_policy(policy_id).clause(path)
    parts = [f"**{c.id}** · {c.label} {c.title['zh']} · {STATUS_LABELS[c.status]}", "",
             f"{both('clause.original')}:", "", _quote(c.text)]
    if c.text_simplified:
        parts += ["", f"{both('clause.simplified')}:", "", _quote(c.text_simplified)]
    parts += ["", "English:", "", _quote(c.parallel)]
    if c.reason:
        parts += ["", f"*{both('clause.status_reason')}:* {c.reason}"]
    for q in c.open_questions:
        parts += ["", f"*{both('clause.open_question')}:* {q}"]
    return Markdown("\n".join(parts))


def show_rule(*functions) -> Markdown:
    """The source of the rule functions the engine runs: the same code, not a copy of it."""
    blocks = [textwrap.dedent(inspect.getsource(fn)) for fn in functions]
    return Markdown("```python\n" + "\n\n".join(b.rstrip() for b in blocks) + "\n```")


def _value(v, unit: str) -> str:
    if isinstance(v, dict):  # kind: range
        return f"{_value(v['min'], unit)} – {_value(v['max'], unit)}"
    if unit == "yuan":
        return fmt_yuan(v) + " 元"
    if unit == "ratio":
        return fmt_ratio(v)
    return str(v)


def _start(v) -> str:
    """When a value starts; for a report that gives no start, the day it reports the value in force."""
    if v.start:
        return str(v.start)
    return both("start.reported", date=v.reported_in_force_on) if v.reported_in_force_on else "—"


def _col(key: str) -> str:
    """A column head, Chinese first: 数值 value."""
    return both(f"column.{key}")


def _kind(kind: str) -> str:
    return both(f"kind.{kind}") if f"kind.{kind}" in catalogue() else kind


def parameter_table(policy_id: str) -> pd.DataFrame:
    """Every dated parameter: name, kind (exact/floor/ceiling/approximate), value, dates and the clause it cites."""
    rows = []
    for p in load_policy(policy_id).parameters.values():
        for v in p.values:
            rows.append({_col("parameter"): p.name, _col("name"): p.label["zh"],
                         _col("value"): _value(v.value, p.unit), _col("kind"): _kind(v.kind), _col("from"): _start(v),
                         _col("to"): str(v.end or "—"), _col("clause"): v.clause, _col("quote"): v.quote})
    return pd.DataFrame(rows).set_index(_col("parameter"))


def inputs_table(policy_id: str) -> pd.DataFrame:
    """What the text leaves open: the named inputs a user must (or may) supply."""
    rows = [{_col("input"): name, _col("name"): s["label"]["zh"], _col("unit"): s["unit"], _col("clause"): s["clause"],
             _col("required_when"): s["required_when"]} for name, s in load_policy(policy_id).inputs.items()]
    return pd.DataFrame(rows).set_index(_col("input"))


def clause_table(policy_id: str) -> pd.DataFrame:
    rows = [{_col("clause"): c.id, _col("label"): c.label, _col("title"): f"{c.title['zh']} / {c.title['en']}",
             _col("status"): STATUS_LABELS[c.status],
             _col("rules_or_reason"): ", ".join(c.rules) if c.rules else (c.reason or "")}
            for c in load_policy(policy_id).clauses.values()]
    return pd.DataFrame(rows).set_index(_col("clause"))


def result_table(result: Result, per: str = "claim") -> pd.DataFrame:
    """Per claim (or per year): each layer's payment, formatted in yuan."""
    cols = list(LAYERS) + ["out_of_pocket"]
    headers = {k: f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}" for k in cols}
    if per == "year":
        rows = [{"year": y, **{headers[k]: fmt_yuan(t[k]) for k in cols}} for y, t in result.years.items()]
        return pd.DataFrame(rows).set_index("year")
    rows = [{"claim": c["claim"], "date": c["date"], "setting": c["setting"],
             "cost 费用": fmt_yuan(c["policy_range_cost"]), **{headers[k]: fmt_yuan(c[k]) for k in cols}}
            for c in result.claims]
    return pd.DataFrame(rows).set_index("claim")


def trace_table(result: Result) -> pd.DataFrame:
    """The trace: every step's clause, amount and reason, so each yuan leads back to its clause."""
    layer = {k: both(f"layer.{k}") if f"layer.{k}" in catalogue() else k for k in {s.layer for s in result.trace}}
    rows = [{_col("claim"): s.claim, _col("layer"): layer[s.layer], _col("clause"): s.clause,
             _col("amount"): "" if s.amount is None else fmt_yuan(s.amount), _col("why"): s.explanation}
            for s in result.trace]
    return pd.DataFrame(rows)


def cases(policy_id: str, cases: dict, inputs: dict | None = None, show: tuple = ("medical_assistance",
          "further_relief", "out_of_pocket")) -> pd.DataFrame:
    """Worked examples: one row per named case; each case is (person, claims) evaluated by the engine."""
    rows = []
    for name, (person, claims) in cases.items():
        result = evaluate(parse_scenario({"policy": policy_id, "person": person, "claims": claims,
                                          "inputs": inputs or {}}))
        row = {"case": name, "category": CATEGORIES[person["category"]][0],
               "cost 费用": fmt_yuan(sum(c["policy_range_cost"] for c in result.claims))}
        for k in show:
            row[f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}"] = fmt_yuan(result.totals[k])
        rows.append(row)
    return pd.DataFrame(rows).set_index("case")
