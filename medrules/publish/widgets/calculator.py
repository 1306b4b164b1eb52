"""The calculators' form and the one-policy calculator: `Form` (person, claims as tabs, presets; a change typed in
the browser recomputes once the typist pauses) and `Calculator` (one person's claims under one policy: the headline
figures, each layer beside its clause, the trace, an export)."""
from __future__ import annotations

import html
import json
import re

import ipywidgets as w
from IPython.display import HTML

from ...core.categories import CATEGORIES, INSURANCE_TYPES
from ...core.messages import msg, text
from ...core.money import shown
from .claim_rows import ClaimRow, PolicyInputs
from .exports import csv_text, result_csv_rows, result_json, write_exports
from .forms import STYLE, WIDE, FormProblem, options
from .presets import WORKSHOP_INPUTS, Preset, presets_for
from .render import claims_html, header_html, hint, refusal, result_html, run, sentence_html, share_bar, trace_html

MAX_CLAIMS = 6
DEBOUNCE_S = 0.3  # typing: recompute once the typist pauses, not on every key


def _from_front_end(change) -> bool:
    """A change the browser sent (ipywidgets locks the property while applying it), not one made by code."""
    return bool(getattr(change.get("owner"), "_property_lock", None))


def _running_loop():
    import asyncio
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Form:
    """Person, claims (as tabs) and presets, shared by Calculator and Comparison."""

    def __init__(self, presets: list[Preset], first: Preset):
        self._hold = True
        self._pending = None
        self.presets = presets
        self.preset = w.Dropdown(options=[("— 选择情形 choose a situation —", -1)]
                                 + [(p.label, i) for i, p in enumerate(presets)],
                                 value=-1, description="情形 Preset", style=STYLE, layout=WIDE)
        self.category = w.Dropdown(options=options(CATEGORIES), value=first.person["category"],
                                   description="类别 Category", style=STYLE, layout=WIDE)
        self.insurance = w.Dropdown(options=options(INSURANCE_TYPES), value=first.person["insurance"],
                                    description="险种 Insurance", style=STYLE, layout=WIDE)
        self.claims = [ClaimRow(c) for c in first.claims]
        self.claim_tabs = w.Tab()
        self.add_claim = w.Button(description="＋ 再加一次就医 Add a claim", layout=w.Layout(width="16em"))
        self.remove_claim = w.Button(description="－ 删除最后一次 Remove last", layout=w.Layout(width="16em"))
        self.add_claim.on_click(lambda _b: self._add_claim())
        self.remove_claim.on_click(lambda _b: self._remove_claim())
        self.preset.observe(lambda ch: self.apply_preset(ch["new"]), names="value")
        for c in (self.category, self.insurance):
            c.observe(self.changed, names="value")
        for row in self.claims:
            self._watch(row)
        self._layout_claims()

    # claim rows
    def _watch(self, row: ClaimRow):
        for c in row.controls:
            c.observe(self.changed, names="value")

    def _watch_text(self, box):
        box.observe(self.changed, names="value")

    def _layout_claims(self):
        self.claim_tabs.children = [r.box for r in self.claims]
        self.claim_tabs.titles = [f"就医{i + 1} Claim {i + 1}" for i in range(len(self.claims))]
        self.remove_claim.disabled = len(self.claims) <= 1
        self.add_claim.disabled = len(self.claims) >= MAX_CLAIMS

    def _add_claim(self):
        try:
            last = self.claims[-1].to_dict()
        except FormProblem:
            last = self.presets[0].claims[0]
        row = ClaimRow(last)
        self._watch(row)
        self.claims.append(row)
        self._layout_claims()
        self.claim_tabs.selected_index = len(self.claims) - 1
        self.recompute()

    def _remove_claim(self):
        if len(self.claims) > 1:
            self.claims.pop()
            self._layout_claims()
            self.recompute()

    def changed(self, change=None):
        """Recompute; what is typed in the browser waits for a pause of DEBOUNCE_S (no Enter needed)."""
        if self._hold:
            return
        loop = _running_loop()
        owner = change.get("owner") if isinstance(change, dict) else None
        if loop is not None and isinstance(owner, w.Text) and _from_front_end(change):
            if self._pending is not None:
                self._pending.cancel()
            self._pending = loop.call_later(DEBOUNCE_S, self._settle)
            return
        self.recompute()

    def _settle(self):
        self._pending = None
        self.recompute()

    def apply_preset(self, index):
        """Set every control from a preset, then compute once."""
        if index is None or index < 0:
            return
        p = self.presets[index]
        self._hold = True
        try:
            self.category.value = p.person["category"]
            self.insurance.value = p.person["insurance"]
            while len(self.claims) > len(p.claims):
                self.claims.pop()
            for i, claim in enumerate(p.claims):
                if i < len(self.claims):
                    self.claims[i].set(claim)
                else:
                    row = ClaimRow(claim)
                    self._watch(row)
                    self.claims.append(row)
            self._layout_claims()
            self.claim_tabs.selected_index = 0
            self._apply_inputs(p)
        finally:
            self._hold = False
        self.recompute()

    def _apply_inputs(self, preset: Preset):
        pass

    def person(self) -> dict:
        return {"category": self.category.value, "insurance": self.insurance.value}

    def claim_dicts(self) -> list[dict]:
        """The claims as the CLI reads them; FormProblem if a box cannot be read."""
        return [r.to_dict(i + 1) for i, r in enumerate(self.claims)]

    def form_controls(self) -> list:
        return [self.preset, self.category, self.insurance, self.claim_tabs,
                w.HBox([self.add_claim, self.remove_claim])]

    def recompute(self):
        raise NotImplementedError


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
        super().__init__(presets, _default_preset(policy_id, presets))
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
        self.export_button = w.Button(description="导出 Export JSON + CSV", icon="download",
                                      layout=w.Layout(width="16em"))
        self.export_button.on_click(lambda _b: self.export())
        self.export_box = w.HTML()
        self.controls = [self.category, self.insurance, self.date, self.setting, self.facility, self.cost,
                         self.basic_paid, self.referred, self.guidance, self.in_city,
                         *self.policy_inputs.widgets.values()]
        self.result = None
        self.error = None
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

    def _refused(self, zh: str, en: str, engine_error: bool = False):
        title = msg("workshop.cannot_compute")
        self.message.value = (f"<div class='medrules-message' style='color:#b00'><b>{title[0]}</b> "
                              f"<span style='color:#555'>{title[1]}</span>: {sentence_html(zh, en)}</div>")
        self.headline.value = f"<div class='medrules-refused' data-policy='{self.policy_id}'></div>"
        self.export_button.disabled = True

    def recompute(self):
        # Outputs are set on the widgets themselves (not captured with `with out:`), so the result is the same
        # with or without a front end listening: in JupyterLab, Voilà, nbval and a plain script.
        for out in (self.table, self.chart, self.trace):
            out.outputs = ()
        self.export_box.value = ""
        self.hint.value = ""
        try:
            scenario = self.scenario()
        except FormProblem as e:
            self.result, self.error = None, e.zh
            return self._refused(e.zh, e.en)
        self.result, self.error = run(scenario)
        if self.result is None:
            if self.error.startswith("inputs.") and hasattr(self, "inputs_accordion"):
                self.inputs_accordion.selected_index = 0  # show the input the message names
            self.hint.value = html.escape(hint(self.error))
            return self._refused(*refusal(self.policy_id, self.error, scenario["claims"]))
        self.message.value = ""
        notes = [text("workshop.claim_outside", "zh", n=c["claim"] + 1, date=c["date"])
                 for c in self.result.claims if c.get("in_force") is False]
        if notes:
            self.message.value = "<div class='medrules-message'>" + "<br>".join(map(html.escape, notes)) + "</div>"
        self.export_button.disabled = False
        self.headline.value = result_html(self.result, self.policy_id)
        # Plain HTML rather than pandas tables: a change must redraw in milliseconds (benchmarks/bench_widgets.py).
        self.table.append_display_data(HTML(claims_html(self.result)))
        self.chart.append_display_data(HTML(share_bar(self.result.totals)))
        self.trace.append_display_data(HTML(trace_html(self.result)))

    def summary(self) -> dict:
        """The displayed totals as text, for checks and hand-outs."""
        if self.result is None:
            return {"error": self.message.value}
        return {k: shown(v) for k, v in self.result.totals.items()}

    def export(self) -> dict:
        """Write <policy>-<category>-<time>-<n>.scenario.json / .result.json / .csv; return the paths."""
        if self.result is None:
            zh, en = msg("workshop.nothing_to_export")
            self.export_box.value = f"<b>{zh}</b> {en}"
            return {}
        scenario = self.scenario()
        files = {".scenario.json": (json.dumps(scenario, ensure_ascii=False, indent=2) + "\n", "application/json"),
                 ".result.json": (result_json(self.result), "application/json"),
                 ".csv": (csv_text(result_csv_rows(self.policy_id, scenario, self.result)), "text/csv")}
        self.export_box.value, paths = write_exports(f"{self.policy_id}-{scenario['person']['category']}", files)
        return paths

    def view(self):
        inputs = self.inputs_accordion if self.policy_inputs.widgets else w.HTML()
        left = w.VBox(self.form_controls() + [inputs, self.message, self.hint],
                      layout=w.Layout(width="34em", flex="0 0 34em"))
        right = w.VBox([self.headline, w.HBox([self.export_button]), self.export_box,
                        w.HTML("<b>每次就医 Per claim</b>"), self.table],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        return w.VBox([self.header, w.HBox([left, right], layout=w.Layout(flex_flow="row wrap")),
                       w.Accordion(children=[self.trace], titles=("依据 Full trace (every step, every clause)",),
                                   selected_index=None)])
