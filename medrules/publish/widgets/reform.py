"""`ReformDemo`: change one parameter of a claim policy and see the cost to each fund change, on a small seeded
synthetic population (labelled synthetic), through medrules/analysis/reform.py's own functions."""
from __future__ import annotations

import datetime as dt
import html
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import ipywidgets as w

from ...analysis.compare import claim_policies
from ...core.messages import both, catalogue, msg, text
from ...core.money import fmt_yuan
from ...core.policy import load_policy
from ...core.rulebook import LAYERS
from ...analysis.compare import CLAIM_INPUTS
from .forms import STYLE, WIDE, FormProblem, parse_amount
from .population import REPO, problem_html
from .render import sentence_html

SYNTHETIC = {"claims": 20_000, "people": 2_000, "seed": 17}  # the book's population page (book/population.md)


def _synthetic_claims(policy_id: str):
    """A seeded synthetic claims table (benchmarks/bench_batch.py `synthetic`, as the book's population page), with
    every critical-illness slip amount kept, as a Claims table."""
    import sys
    import pyarrow as pa
    from ...tables.claims_file import claims_from_arrow
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_batch import synthetic
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    table = synthetic(SYNTHETIC["claims"], SYNTHETIC["people"], SYNTHETIC["seed"])
    i = table.column_names.index("critical_illness_paid")
    column = table.column(i).combine_chunks()
    every = pa.Array.from_buffers(column.type, len(column), [None, column.buffers()[1]])
    return claims_from_arrow(table.set_column(i, "critical_illness_paid", every))


def _value_shown(value, unit: str) -> str:
    """100000 yuan -> 100,000.00 元; 0.8 ratio -> 80%."""
    if unit == "yuan":
        return f"{fmt_yuan(Decimal(str(value)))} 元"
    if unit == "ratio":
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    return str(value)


def _in_force(parameter, on: dt.date):
    """The value of a parameter in force on a date, else its latest."""
    for v in parameter.values:
        if (v.start is None or v.start <= on) and (v.end is None or on <= v.end):
            return v
    return parameter.values[-1]


class ReformDemo:
    """Change one parameter of a claim policy and see the cost to each fund change, on a small seeded synthetic
    population (labelled synthetic), through medrules.analysis.reform's own functions. Policies by their Chinese
    names, parameters by their Chinese labels with unit and current value, the result in a table with Chinese heads."""

    def __init__(self, policy_id: str = "wenzhou-2021-78"):
        from ...core.status import marked_name
        self.policy = w.Dropdown(options=[(marked_name(p), p) for p in claim_policies()[0]], value=policy_id,
                                 description="政策 Policy", style=STYLE, layout=WIDE)
        self.parameter = w.Dropdown(description="参数 Parameter", style=STYLE, layout=WIDE)
        self.value = w.Text(description="新值 New value", style=STYLE, layout=WIDE, continuous_update=False)
        self.current = w.HTML()
        self.beyond = w.Checkbox(description=both("workshop.reform_beyond"), indent=False,
                                 layout=w.Layout(width="97%"))
        self.run_button = w.Button(description="测算 Run", button_style="primary", layout=w.Layout(width="10em"))
        self.message = w.HTML()
        self.output = w.HTML()
        self._claims = {}
        self.policy.observe(lambda _c: self._parameters(), names="value")
        self.parameter.observe(lambda _c: self._show_current(), names="value")
        self.run_button.on_click(lambda _b: self.run())
        self.value.observe(lambda _c: self.run(), names="value")
        self.beyond.observe(lambda _c: self.run(), names="value")
        self._parameters()
        if self.policy.value == "wenzhou-2021-78":
            self.parameter.value = "medical_assistance.annual_limit"
            self.value.value = "12万"   # issue 17's example: 医疗救助 annual limit 10万 → 12万
        self.run()

    def _parameters(self):
        params = load_policy(self.policy.value).parameters
        today = dt.date.today()
        options = []
        for name, p in params.items():
            if p.unit not in ("yuan", "ratio"):
                continue
            label = (p.label or {}).get("zh") or name
            unit = text(f"unit.{p.unit}", "zh")
            now = _value_shown(_in_force(p, today).value, p.unit)
            options.append((text("workshop.reform_parameter", "zh", label=label, unit=unit, value=now), name))
        self.parameter.options = sorted(options)
        self._show_current()

    def _show_current(self):
        name = self.parameter.value
        if not name:
            self.current.value = ""
            return
        p = load_policy(self.policy.value).parameters[name]
        self.value.placeholder = text("workshop.reform_value_hint_" + p.unit, "zh")
        lines = []
        for v in p.values:
            period = f"{v.start or '?'} 至 {v.end or text('review.sheet.period_unknown', 'zh')}"
            kind = text(f"kind.{v.kind}", "zh") if f"kind.{v.kind}" in catalogue() else v.kind
            lines.append(text("workshop.reform_current", "zh", value=_value_shown(v.value, p.unit), kind=kind,
                              period=period, clause=v.clause, quote=v.quote or ""))
        self.current.value = ("<div class='medrules-reform-current' style='font-size:12px;margin:0 0 4px 14em'>"
                              + "<br>".join(html.escape(line) for line in lines) + "</div>")

    def changes_yaml(self) -> str:
        """The CHANGES file `python -m medrules reform --change` reads, for the value typed."""
        policy = load_policy(self.policy.value)
        unit = policy.parameters[self.parameter.value].unit
        typed = self.value.value.strip()
        if unit == "yuan":
            value = str(parse_amount(typed))
        else:
            s = unicodedata.normalize("NFKC", typed)
            value = str(Decimal(s.rstrip("%")) / 100) if s.endswith("%") else s
        end = policy.in_force_to.isoformat() if policy.in_force_to else "null"
        return (f"parameters:\n  {self.parameter.value}:\n"
                f"    - {{from: 2024-01-01, to: {end}, value: {json.dumps(value)}}}\n")

    def run(self):
        import tempfile
        from ...analysis.reform import run_on_table
        from ...analysis.reform_changes import load_changes
        pid = self.policy.value
        try:
            changes = self.changes_yaml()
            with tempfile.TemporaryDirectory(prefix="medrules-workshop-") as folder:
                path = Path(folder) / "change.yaml"
                path.write_text(changes, encoding="utf-8")
                reform = load_changes(path, pid, allow_beyond_bounds=self.beyond.value)
            if pid not in self._claims:
                self._claims[pid] = _synthetic_claims(pid)
            result = run_on_table(self._claims[pid], pid, reform, dict(CLAIM_INPUTS.get(pid, {})), {})
        except FormProblem as e:
            self.message.value = f"<div class='medrules-message' style='color:#b00'>{sentence_html(e.zh, e.en)}</div>"
            return self._keep_last()
        except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
            self.message.value = self._in_staff_words(problem_html(e))
            return self._keep_last()
        self.message.value = ""
        self.output.value = self._result_html(pid, result)

    def _keep_last(self):
        """The last result stays, greyed, until the value can be used."""
        if self.output.value and "medrules-stale-answer" not in self.output.value:
            zh, en = msg("workshop.last_answer")
            self.output.value = (f"<div class='medrules-kept-note' style='font-size:12px;color:#555'>{zh} "
                                 f"<span lang='en'>{en}</span></div><div class='medrules-stale-answer' "
                                 f"style='opacity:.4;filter:grayscale(1)'>{self.output.value}</div>")

    def _in_staff_words(self, message: str) -> str:
        """The CHANGES file's field path as the parameter's label, the command's flag as the box to tick."""
        name = self.parameter.value or ""
        label = (load_policy(self.policy.value).parameters[name].label or {}).get("zh", name) if name else name
        box = f"“{text('workshop.reform_beyond', 'zh')}”"
        return (message.replace(f"change.parameters.{name}", f"“{label}”").replace(f"{name} =", f"{label} =")
                .replace("或加 --allow-below-floor", f"或勾选{box}").replace("or --allow-below-floor", f"or tick {box}")
                .replace("--allow-below-floor", box))

    def _result_html(self, pid: str, result) -> str:
        """Each fund's change in a sentence, then per group a table with Chinese heads (English under them)."""
        policy = load_policy(pid)
        everyone = result.rows[-1]
        moved = [k for k in LAYERS if any(r[f"{k}_change"] for r in result.rows)]
        cost = "".join(
            f"<li>{text(f'layer.{k}', 'zh')} <span lang='en' style='color:#555'>{text(f'layer.{k}', 'en')}</span>："
            f"<b class='medrules-reform-change' data-layer='{k}'>{Decimal(everyone[f'{k}_change']) / 100:+,.2f}</b> 元"
            f"</li>" for k in moved)
        assumed = "；".join(f"{(policy.inputs.get(n) or {}).get('label', {}).get('zh', n)} = {v}"
                           for n, v in CLAIM_INPUTS.get(pid, {}).items())
        heads = [("人群", "group"), ("人年", "person-years")]
        heads += [(f"{text(f'layer.{k}', 'zh')}支出变化（元）", f"{text(f'layer.{k}', 'en')}, change (yuan)")
                  for k in moved]
        heads += [("少付人年", "person-years paying less"), ("多付人年", "person-years paying more")]
        heads += [(f"个人自付第{p}百分位（元）", f"out of pocket, P{p} (yuan)") for p in (50, 90)]
        head = "".join(f"<th>{zh}<br><small lang='en' style='font-weight:normal;color:#555'>{en}</small></th>"
                       for zh, en in heads)
        body = []
        for r in result.rows:
            cells = [html.escape(str(r["group"])), f"{r['person_years']:,}"]
            cells += [f"{Decimal(r[f'{k}_change']) / 100:+,.2f}" for k in moved]
            cells += [f"{r['gain']:,}", f"{r['lose']:,}"]
            for p in (50, 90):
                before, after = r[f"p{p}_baseline"], r[f"p{p}_variant"]
                cells.append("—" if before is None or after is None else
                             f"{Decimal(before) / 100:,.2f} → {Decimal(after) / 100:,.2f}")
            body.append("<tr>" + "".join(f"<td style='text-align:{'left' if i == 0 else 'right'}'>{c}</td>"
                                         for i, c in enumerate(cells)) + "</tr>")
        notes = "".join(f"<li>{self._in_staff_words(html.escape(n.text()))}</li>" for n in result.reform.notes)
        zh, en = msg("workshop.reform_synthetic", claims=f"{SYNTHETIC['claims']:,}", people=f"{SYNTHETIC['people']:,}",
                     seed=SYNTHETIC["seed"], assumed=assumed or "—")
        return (f"<div class='medrules-reform'><p>{html.escape(zh)}<br><span lang='en' style='color:#555'>"
                f"{html.escape(en)}</span></p><p>各基金支出变化 <span lang='en'>change in each fund's cost</span>：</p>"
                f"<ul>{cost or '<li>无变化 no change</li>'}</ul>"
                + (f"<ul style='color:#8a4b00'>{notes}</ul>" if notes else "")
                + "<table class='medrules-reform-summary' border='1' style='border-collapse:collapse' cellpadding='4'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")

    def view(self):
        zh, en = msg("workshop.reform_note")
        note = w.HTML(f"<small>{html.escape(zh)}<br><span lang='en'>{html.escape(en)}</span></small>")
        return w.VBox([note, self.policy, self.parameter, self.current, self.value, self.beyond, self.run_button,
                       self.message, self.output])
