"""`ReformDemo`: change one parameter of a claim policy and see the cost to each fund change, on a small seeded
synthetic population (labelled synthetic), through medrules/analysis/reform.py's own functions."""
from __future__ import annotations

import html
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import ipywidgets as w

from ...analysis.compare import claim_policies
from ...core.messages import text
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


class ReformDemo:
    """Change one parameter of a claim policy and see the cost to each fund change, on a small seeded synthetic
    population (labelled synthetic), through medrules.analysis.reform's own functions."""

    def __init__(self, policy_id: str = "wenzhou-2021-78"):
        self.policy = w.Dropdown(options=claim_policies()[0], value=policy_id, description="政策 Policy",
                                 style=STYLE, layout=WIDE)
        self.parameter = w.Dropdown(description="参数 Parameter", style=STYLE, layout=WIDE)
        self.value = w.Text(description="新值 New value", style=STYLE, layout=WIDE, continuous_update=False)
        self.current = w.HTML()
        self.run_button = w.Button(description="测算 Run", button_style="primary", layout=w.Layout(width="10em"))
        self.output = w.HTML()
        self._claims = {}
        self.policy.observe(lambda _c: self._parameters(), names="value")
        self.parameter.observe(lambda _c: self._show_current(), names="value")
        self.run_button.on_click(lambda _b: self.run())
        self.value.observe(lambda _c: self.run(), names="value")
        self._parameters()
        if self.policy.value == "wenzhou-2021-78":
            self.parameter.value = "medical_assistance.annual_limit"
            self.value.value = "12万"   # issue 17's example: 医疗救助 annual limit 10万 → 12万
        self.run()

    def _parameters(self):
        params = load_policy(self.policy.value).parameters
        self.parameter.options = [(f"{n} ({p.unit})", n) for n, p in params.items() if p.unit in ("yuan", "ratio")]
        self._show_current()

    def _show_current(self):
        name = self.parameter.value
        if not name:
            self.current.value = ""
            return
        p = load_policy(self.policy.value).parameters[name]
        v = p.values[0]
        shown = fmt_yuan(Decimal(str(v.value))) + " 元" if p.unit == "yuan" else str(v.value)
        self.current.value = (f"<small>原文 text: {html.escape(shown)} · <code>{html.escape(v.clause)}</code> · "
                              f"{html.escape(v.kind)}</small>")

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
        from ...analysis.reform import run_on_table, summary_frame
        from ...analysis.reform_changes import load_changes
        pid = self.policy.value
        try:
            changes = self.changes_yaml()
            with tempfile.TemporaryDirectory(prefix="medrules-workshop-") as folder:
                path = Path(folder) / "change.yaml"
                path.write_text(changes, encoding="utf-8")
                reform = load_changes(path, pid)
            if pid not in self._claims:
                self._claims[pid] = _synthetic_claims(pid)
            result = run_on_table(self._claims[pid], pid, reform, dict(CLAIM_INPUTS.get(pid, {})), {})
        except FormProblem as e:
            self.output.value = f"<div class='medrules-message' style='color:#b00'>{sentence_html(e.zh, e.en)}</div>"
            return
        except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
            self.output.value = problem_html(e)
            return
        everyone = result.rows[-1]
        cost = "".join(
            f"<li>{text(f'layer.{k}', 'zh')} {text(f'layer.{k}', 'en')}: "
            f"<b class='medrules-reform-change' data-layer='{k}'>{Decimal(everyone[f'{k}_change']) / 100:+,.2f}</b> 元</li>"
            for k in LAYERS if everyone[f"{k}_change"])
        frame = summary_frame(result.rows)
        notes = "".join(f"<li>{html.escape(n.text())}</li>" for n in result.reform.notes)
        self.output.value = (
            f"<div class='medrules-reform'><p><b>合成数据</b> synthetic data: {SYNTHETIC['claims']:,} 笔结算 claims, "
            f"{SYNTHETIC['people']:,} 人 people, 种子 seed {SYNTHETIC['seed']} (benchmarks/bench_batch.py)。"
            f"文件未给出的数值按本书假设 {html.escape(json.dumps(CLAIM_INPUTS.get(pid, {}), ensure_ascii=False))}。</p>"
            f"<p>各基金支出变化 change in each fund's cost:</p><ul>{cost or '<li>无变化 no change</li>'}</ul>"
            + (f"<ul style='color:#8a4b00'>{notes}</ul>" if notes else "")
            + frame.to_html(classes="medrules-reform-summary", border=1) + "</div>")

    def view(self):
        note = w.HTML("<small>改一个参数（金额可写 12万；比例写 0.85 或 85%），看人群总费用的变化。<br>Change one "
                      "parameter (an amount as 12万; a ratio as 0.85 or 85%) and see the population's cost change."
                      "</small>")
        return w.VBox([note, self.policy, self.parameter, self.current, self.value, self.run_button, self.output])
