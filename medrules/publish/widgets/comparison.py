"""`Comparison`: one person, the same claims, every claim policy side by side (medrules/analysis/compare.py, the
same columns as `python -m medrules compare`): each starts from the book's illustrative inputs, shown as 假设; a
partial result says in the cell what it needs; a policy not in force on the dates says so in its column."""
from __future__ import annotations

import html
import json

import ipywidgets as w

from ...analysis.compare import claim_policies, column
from ...core.messages import text
from ...core.money import shown
from ...core.policy import load_policy
from ...core.scenario import InputError
from .controls import comparison_insurance_note, facts_read
from .form import Form
from .claim_rows import PolicyInputs
from .exports import result_csv_rows, staff_files, write_exports
from .forms import FormProblem
from .presets import GENERIC_PRESETS, WORKSHOP_INPUTS
from .render import KEYS, amount_span, layer_label, refusal, run, sentence_html, share_bar, share_legend


class Comparison(Form):
    """One person, the same claims, every claim policy side by side (medrules.analysis.compare: the same columns as
    `python -m medrules compare`). Each policy starts from the book's illustrative inputs, shown as 假设."""

    def __init__(self, policies: list[str] | None = None):
        if policies is None:
            policies, self.not_compared = claim_policies()
        else:
            self.not_compared = {}
        self.policies = list(policies)
        super().__init__(GENERIC_PRESETS, GENERIC_PRESETS[0], facts=facts_read(*self.policies))
        self.policy_inputs = {p: PolicyInputs(p) for p in self.policies}
        for pi in self.policy_inputs.values():
            for box in pi.widgets.values():
                box.observe(self.changed, names="value")
        self.message = w.HTML()
        self.headline = w.HTML()
        self.export_button = w.Button(description="导出 Export Excel · CSV · JSON", icon="download",
                                      layout=w.Layout(width="16em"))
        self.export_button.on_click(lambda _b: self.export())
        self.export_box = w.HTML()
        self.columns = {}
        self.outcomes = {}
        self._hold = False
        self.recompute()

    def inputs_for(self, policy: str) -> tuple[dict, dict]:
        """(inputs typed or changed, assumptions still at the book's value) for one policy."""
        values = self.policy_inputs[policy].values()
        assumed = {k: v for k, v in WORKSHOP_INPUTS.get(policy, {}).items() if str(values.get(k, "")) == str(v)}
        return {k: v for k, v in values.items() if k not in assumed}, assumed

    def scenario(self, policy: str) -> dict:
        given, assumed = self.inputs_for(policy)
        return {"policy": policy, "person": self.person(), "claims": self.claim_dicts(),
                "inputs": {**assumed, **given}}

    def recompute(self):
        self.export_box.value = ""
        try:
            claims = self.claim_dicts()
        except FormProblem as e:
            self.message.value = (f"<div class='medrules-message' style='color:#b00'>"
                                  f"{sentence_html(e.zh, e.en)}</div>")
            self.export_button.disabled = True
            return
        self.message.value = ""
        self.export_button.disabled = False
        person = self.person()
        self.columns, self.outcomes = {}, {}
        for p in self.policies:
            given, assumed = self.inputs_for(p)
            try:
                col = column(p, person, claims, given, assumed=assumed)
            except InputError as e:  # a value this policy refuses: its column says which, as a sentence
                col = None
                self.outcomes[p] = (None, str(e))
                self.columns[p] = refusal(p, str(e), claims)
                continue
            except Exception as e:  # noqa: BLE001 - a broken rules module must not break the room
                self.outcomes[p] = (None, f"engine error (please report): {type(e).__name__}: {e}")
                self.columns[p] = refusal(p, self.outcomes[p][1])
                continue
            self.columns[p] = col
            self.outcomes[p] = (col.result, col.error)
        self.headline.value = (f"<div class='medrules-answer' data-category='{html.escape(person['category'])}' "
                               f"data-insurance='{html.escape(person['insurance'])}'>{self.html()}</div>")
        self.insurance_note.value = comparison_insurance_note(
            self.outcomes, lambda p: {**self.scenario(p), "claims": claims}, run)

    def summary(self) -> dict:
        """{policy: totals as text, or {"error": the sentence shown}}."""
        out = {}
        for p, col in self.columns.items():
            if isinstance(col, tuple):
                out[p] = {"error": col[0]}
            elif col.result is None:
                out[p] = {"error": col.notes[0][0] if col.notes else col.error, "state": col.state}
            else:
                out[p] = {k: shown(v) for k, v in col.result.totals.items()}
        return out

    def html(self) -> str:
        if not self.policies:
            return "<b>No policy has a rules module yet.</b>"
        head = []
        for p in self.policies:
            col = self.columns[p]
            assumed = not isinstance(col, tuple) and bool(col.assumed)
            badge = (" <span class='medrules-assumed-badge' title='含假设数值 uses assumed values' "
                     "style='background:#fff3cd;border:1px solid #d4a017;border-radius:3px;padding:0 3px;"
                     "font-size:11px'>含假设</span>") if assumed else ""
            head.append(f"<th style='font-size:13px;overflow-wrap:anywhere'>{html.escape(self._title(p))}{badge}"
                        f"<br><code style='font-size:11px'>{p}</code></th>")
        rows = []
        for i, k in enumerate(KEYS):
            cells = []
            for p in self.policies:
                col = self.columns[p]
                if not isinstance(col, tuple) and col.result is not None:
                    cells.append(f"<td style='text-align:right'>"
                                 f"{amount_span(k, col.result.totals[k], p, col.result)}</td>")
                elif i == 0:
                    zh, en = col if isinstance(col, tuple) else (col.notes[0] if col.notes else (col.error,) * 2)
                    state = "refused" if isinstance(col, tuple) else col.state
                    cells.append(f"<td rowspan='{len(KEYS)}' style='vertical-align:top;color:#8a4b00;font-size:13px;"
                                 f"overflow-wrap:anywhere'><div class='medrules-refused' data-policy='{p}' "
                                 f"data-state='{state}'>{sentence_html(zh, en)}</div></td>")
            weight = "font-weight:600;" if k in ("medical_assistance", "out_of_pocket") else ""
            rows.append(f"<tr style='{weight}'><td>{layer_label(k)}</td>{''.join(cells)}</tr>")
        notes = []
        for p in self.policies:
            col = self.columns[p]
            items = [] if isinstance(col, tuple) or col.result is None else col.notes
            notes.append("<td style='font-size:12px;vertical-align:top'>" + "<br>".join(
                f"<span class='medrules-note'>{html.escape(zh)}</span>" for zh, _en in items) + "</td>")
        rows.append(f"<tr><td style='font-size:12px'>说明 · 假设<br><span style='color:#555'>notes</span></td>"
                    f"{''.join(notes)}</tr>")
        bars = "".join(share_bar(c.result.totals, self._title(p)) for p, c in self.columns.items()
                       if not isinstance(c, tuple) and c.result is not None)
        # Policies about populations, not claims: a link to their own dashboard (next to this one), no code to call.
        skipped = "".join(f"<li><a href='{p}.ipynb' target='_blank'>{html.escape(self._long_title(p))}</a></li>"
                          for p in self.not_compared)
        if skipped:
            skipped = ("<div style='font-size:12px;margin-top:8px'>不参与对比：这些政策针对人群指标或地方方案，不按就医逐层结算，"
                       "请打开其专用看板。Not compared (about populations or local schemes, not claims): open their "
                       f"own dashboards.<ul style='margin:2px 0'>{skipped}</ul></div>")
        return ("<div class='medrules-compare' style='overflow-x:auto'>"
                "<table style='border-collapse:collapse;table-layout:fixed;width:100%' border='1' cellpadding='4'>"
                f"<tr><th style='width:9em'>层次 Layer (元)</th>{''.join(head)}</tr>{''.join(rows)}</table>"
                f"<div style='margin-top:10px'>{bars}{share_legend() if bars else ''}</div>{skipped}</div>")

    @staticmethod
    def _title(policy: str) -> str:
        """Place and status mark, as in the book (marked_name), and the validity."""
        from ...core.status import marked_name, policy_status
        try:
            st = policy_status(policy)
        except Exception:  # noqa: BLE001
            return policy
        period = f" {st['start'] or '?'}–{st['end'] or ''}" if st["start"] or st["end"] else ""
        return f"{marked_name(policy)}{period}"

    @staticmethod
    def _long_title(policy: str) -> str:
        """The document's title with its status mark: tells two policies of one province apart."""
        from ...core.status import status_mark
        try:
            return f"{load_policy(policy).meta['title']['zh']}{status_mark(policy)}"
        except Exception:  # noqa: BLE001
            return policy

    def export(self) -> dict:
        self.settle_now()
        try:
            claims = self.claim_dicts()
        except FormProblem as e:
            self.export_box.value = html.escape(e.zh)
            return {}
        doc, rows = {}, []
        for p, (result, error) in self.outcomes.items():
            scenario = {**self.scenario(p), "claims": claims}
            doc[p] = {"scenario": scenario, "result": result.to_dict() if result is not None else None, "error": error}
            rows += result_csv_rows(p, scenario, result, error)
        files = {".json": (json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "application/json"),
                 **staff_files(rows)}
        self.export_box.value, paths = write_exports(f"compare-{self.category.value}", files)
        return paths

    def view(self):
        accordion = w.Accordion(children=[self.policy_inputs[p].box for p in self.policies],
                                titles=tuple(f"{self._title(p)} · 假设与参数 assumptions" for p in self.policies))
        left = w.VBox(self.form_controls() + [w.HTML(f"<b>{text('workshop.assumptions_head', 'zh')}</b>"), accordion,
                                              self.message],
                      layout=w.Layout(width="34em", flex="0 0 34em"))
        self.headline.layout.width = "100%"
        right = w.VBox([self.headline, self.export_button, self.export_box],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        return w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))
