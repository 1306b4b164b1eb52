"""The one-policy calculator, `Calculator`: one person's claims under one policy, the headline figures, each layer
beside its clause, the trace, an export. It keeps an answer on screen: when what was typed cannot be used, the
sentence goes next to the box it is about and at the top of the results, and the last answer stays, greyed, until
the input is fixed. The 险种 control says what switching it changes under this policy."""
from __future__ import annotations

import html
import json
import re

import ipywidgets as w
from IPython.display import HTML

from ...analysis.compare import CLAIM_SLIP_EXAMPLES
from ...core.messages import msg, text
from ...core.money import shown
from .claim_rows import PolicyInputs
from .exports import result_csv_rows, result_json, staff_files, write_exports
from .form import Form
from .forms import FormProblem
from .controls import facts_read, insurance_note
from .presets import WORKSHOP_INPUTS, Preset, presets_for
from .render import claims_html, header_html, hint, refusal, result_html, run, sentence_html, share_bar, trace_html

_FIELD = re.compile(r"^claims\[(\d+)\]\.(\w+)")


def _default_preset(policy_id: str, presets: list[Preset]) -> Preset:
    """A sensible start for any policy: the first preset the engine accepts; else the first whose claim dates it
    accepts (the message then names the input to fill in); else the first."""
    errors = []
    for p in presets:
        scenario = {"policy": policy_id, "person": p.person, "claims": list(p.claims),
                    "inputs": {**WORKSHOP_INPUTS.get(policy_id, {}), **p.inputs}}
        result, error = run(scenario)
        if result is not None:
            return p
        errors.append((p, error))
    for p, error in errors:
        if not re.match(r"claims\[\d+\]\.date", error or ""):
            return p
    return presets[0]


class Calculator(Form):
    """One person's claims under a policy; every change recomputes with the engine."""

    def __init__(self, policy_id: str = "wenzhou-2021-78", inputs: dict | None = None):
        self.policy_id = policy_id
        self.fixed_inputs = dict(inputs or {})
        presets = presets_for(policy_id)
        super().__init__(presets, _default_preset(policy_id, presets), CLAIM_SLIP_EXAMPLES.get(policy_id),
                         facts_read(policy_id))
        first = self.claims[0]
        # The first claim's controls, by the names notebooks and tests use.
        self.date, self.setting, self.facility = first.date, first.setting, first.facility
        self.cost, self.basic_paid = first.cost, first.basic_paid
        self.referred, self.guidance, self.in_city = first.referred, first.guidance, first.in_city
        self.policy_inputs = PolicyInputs(policy_id)
        for box in self.policy_inputs.widgets.values():
            box.observe(self.changed, names="value")
        self.ci_base = self.policy_inputs.widgets.get("critical_illness_base_deductible")
        self.inputs_accordion = w.Accordion(children=[self.policy_inputs.box], titles=("政策参数 Policy inputs",),
                                            selected_index=0 if WORKSHOP_INPUTS.get(policy_id) else None)
        self.header = w.HTML(header_html(policy_id))
        self.message = w.HTML()
        self.hint = w.HTML()
        self.headline = w.HTML()
        self.table = w.Output()
        self.chart = w.Output()
        self.trace = w.Output()
        self.export_button = w.Button(description="导出 Export Excel · CSV · JSON", icon="download",
                                      layout=w.Layout(width="18em"))
        self.export_button.on_click(lambda _b: self.export())
        self.export_box = w.HTML()
        self.controls = [self.category, self.insurance, self.date, self.setting, self.facility, self.cost,
                         self.basic_paid, self.referred, self.guidance, self.in_city,
                         *self.policy_inputs.widgets.values()]
        self.result = None
        self.error = None
        self._answer = ""   # the last answer shown, kept (greyed) while the input cannot be used
        self._hold = False
        self.recompute()

    def _apply_inputs(self, preset: Preset):
        for name, value in preset.inputs.items():
            if name in self.policy_inputs.widgets:
                self.policy_inputs.set(name, value)

    def scenario(self) -> dict:
        """The scenario in the CLI's JSON format; FormProblem if a box cannot be read."""
        return {"policy": self.policy_id, "person": self.person(), "claims": self.claim_dicts(),
                "inputs": {**self.fixed_inputs, **self.policy_inputs.values()}}

    def _refused(self, zh: str, en: str, claim: int | None = None, field: str | None = None):
        """Say why at the top of the results and next to the box it is about; keep the last answer, greyed."""
        title = msg("workshop.cannot_compute")
        self.message.value = (f"<div class='medrules-message' style='color:#b00'><b>{title[0]}</b> "
                              f"<span style='color:#555'>{title[1]}</span>: {sentence_html(zh, en)}</div>")
        if claim is not None and 0 <= claim < len(self.claims):
            self.claims[claim].problem.value = (
                f"<div class='medrules-field-problem' data-field='{html.escape(field or '')}' "
                f"style='color:#b00;font-size:13px'>⚠ {sentence_html(zh, en)}</div>")
            self.claim_tabs.selected_index = claim
        if self._answer:
            kept_zh, kept_en = msg("workshop.last_answer")
            self.headline.value = (f"<div class='medrules-refused' data-policy='{self.policy_id}'>"
                                   f"<div class='medrules-kept-note' style='font-size:12px;color:#555'>{kept_zh} "
                                   f"<span lang='en'>{kept_en}</span></div>"
                                   f"<div class='medrules-stale-answer' style='opacity:.4;filter:grayscale(1)'>"
                                   f"{self._answer}</div></div>")
        else:
            self.headline.value = f"<div class='medrules-refused' data-policy='{self.policy_id}'></div>"
        self.table.add_class("medrules-stale-answer")   # the per-claim table of that answer, greyed too
        self.export_button.disabled = True

    def recompute(self):
        # Outputs are set on the widgets themselves (not captured with `with out:`), so the result is the same
        # with or without a front end listening: in JupyterLab, Voilà, nbval and a plain script.
        self.export_box.value = ""
        self.hint.value = ""
        for row in self.claims:
            row.problem.value = ""
        try:
            scenario = self.scenario()
        except FormProblem as e:
            self.result, self.error = None, e.zh
            return self._refused(e.zh, e.en, e.claim, e.field)
        self.result, self.error = run(scenario)
        if self.result is None:
            if self.error.startswith("inputs.") and hasattr(self, "inputs_accordion"):
                self.inputs_accordion.selected_index = 0  # show the input the message names
            self.hint.value = html.escape(hint(self.error))
            where = _FIELD.match(self.error)
            return self._refused(*refusal(self.policy_id, self.error, scenario["claims"]),
                                 *((int(where.group(1)), where.group(2)) if where else (None, None)))
        self.message.value = ""
        notes = [text("workshop.claim_outside", "zh", n=c["claim"] + 1, date=c["date"])
                 for c in self.result.claims if c.get("in_force") is False]
        if notes:
            self.message.value = "<div class='medrules-message'>" + "<br>".join(map(html.escape, notes)) + "</div>"
        self.export_button.disabled = False
        self.table.remove_class("medrules-stale-answer")
        # The answer says whom it was computed for, so that a change is seen to land even when no figure moves.
        self._answer = (f"<div class='medrules-answer' data-category='{html.escape(scenario['person']['category'])}' "
                        f"data-insurance='{html.escape(scenario['person']['insurance'])}'>"
                        f"{result_html(self.result, self.policy_id)}</div>")
        self.headline.value = self._answer
        self.insurance_note.value = insurance_note(self.policy_id, scenario, self.result, run)
        # Plain HTML rather than pandas tables: a change must redraw in milliseconds (benchmarks/bench_widgets.py).
        for out, body in ((self.table, claims_html(self.result)), (self.chart, share_bar(self.result.totals)),
                          (self.trace, trace_html(self.result))):
            out.outputs = ()
            out.append_display_data(HTML(body))

    def summary(self) -> dict:
        """The displayed totals as text, for checks and hand-outs."""
        if self.result is None:
            return {"error": self.message.value}
        return {k: shown(v) for k, v in self.result.totals.items()}

    def export(self) -> dict:
        """Write <policy>-<category>-<time>-<n>.scenario.json / .result.json / .xlsx / .csv; return the paths."""
        self.settle_now()
        if self.result is None:
            zh, en = msg("workshop.nothing_to_export")
            self.export_box.value = f"<b>{zh}</b> {en}"
            return {}
        scenario = self.scenario()
        files = {".scenario.json": (json.dumps(scenario, ensure_ascii=False, indent=2) + "\n", "application/json"),
                 ".result.json": (result_json(self.result), "application/json"),
                 **staff_files(result_csv_rows(self.policy_id, scenario, self.result))}
        self.export_box.value, paths = write_exports(f"{self.policy_id}-{scenario['person']['category']}", files)
        return paths

    def view(self):
        inputs = self.inputs_accordion if self.policy_inputs.widgets else w.HTML()
        left = w.VBox(self.form_controls() + [inputs], layout=w.Layout(width="34em", flex="0 0 34em"))
        # The results come first on the right, level with the form's first boxes: an answer, or why there is
        # none, is on the first screen (tests/test_workshop_browser.py checks it at 1366×768).
        right = w.VBox([self.message, self.hint, self.headline, w.HBox([self.export_button]), self.export_box,
                        w.HTML("<b>每次就医 Per claim</b>"), self.table],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        right.add_class("medrules-results")
        return w.VBox([self.header, w.HBox([left, right], layout=w.Layout(flex_flow="row wrap")),
                       w.Accordion(children=[self.trace], titles=("依据 Full trace (every step, every clause)",),
                                   selected_index=None)])
