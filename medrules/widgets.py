"""The interactive calculator: category, costs and dates in, each layer's share, a chart and the trace out."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ipywidgets as w
import matplotlib.pyplot as plt

from .categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS
from .charts import who_pays_chart
from .engine import evaluate
from .policy import PolicyError
from .report import result_table, trace_table
from .scenario import InputError, parse_scenario


def _options(table: dict) -> list:
    return [(f"{zh} / {en}", code) for code, (zh, en) in table.items()]


def _amount(value: float) -> str:
    """Widget floats become exact decimals through their shortest text form (1234.56 stays 1234.56)."""
    return repr(float(value))


class Calculator:
    """One claim for one person under a policy; every change recomputes with the engine."""

    def __init__(self, policy_id: str = "wenzhou-2021-78", inputs: dict | None = None):
        self.policy_id = policy_id
        self.fixed_inputs = dict(inputs or {})
        style = {"description_width": "16em"}
        layout = w.Layout(width="36em")
        self.category = w.Dropdown(options=_options(CATEGORIES), value="dibao", description="类别 Category",
                                   style=style, layout=layout)
        self.insurance = w.Dropdown(options=_options(INSURANCE_TYPES), value="resident",
                                    description="险种 Insurance", style=style, layout=layout)
        self.setting = w.Dropdown(options=_options(SETTINGS), value="inpatient", description="就医 Setting",
                                  style=style, layout=layout)
        self.facility = w.Dropdown(options=_options(FACILITIES), value="tertiary", description="机构 Facility",
                                   style=style, layout=layout)
        self.date = w.DatePicker(value=dt.date(2023, 3, 10), description="日期 Date", style=style)
        self.cost = w.FloatText(value=200000, description="政策范围内费用 Cost (元)", style=style, layout=layout)
        self.basic_paid = w.FloatText(value=110000, description="基本医保已付 Basic paid (元)", style=style,
                                      layout=layout)
        self.ci_base = w.FloatText(value=30000, description="大病起付线(倾斜前) CI deductible", style=style,
                                   layout=layout)
        self.referred = w.Checkbox(value=True, description="经规范转诊 Referred")
        self.guidance = w.Checkbox(value=True, description="执行就医指导方案 Followed guidance")
        self.in_city = w.Checkbox(value=True, description="市域内定点医院 City designated hospital")
        self.message = w.HTML()
        self.table = w.Output()
        self.chart = w.Output()
        self.trace = w.Output()
        self.controls = [self.category, self.insurance, self.setting, self.facility, self.date, self.cost,
                         self.basic_paid, self.ci_base, self.referred, self.guidance, self.in_city]
        for c in self.controls:
            c.observe(lambda _change: self.recompute(), names="value")
        self.result = None
        self.recompute()

    def scenario(self) -> dict:
        """The scenario in the CLI's JSON format."""
        return {
            "policy": self.policy_id,
            "person": {"category": self.category.value, "insurance": self.insurance.value},
            "claims": [{
                "date": self.date.value.isoformat() if self.date.value else None,
                "setting": self.setting.value, "facility": self.facility.value,
                "policy_range_cost": _amount(self.cost.value), "basic_insurance_paid": _amount(self.basic_paid.value),
                "referred": self.referred.value, "followed_treatment_guidance": self.guidance.value,
                "in_city_designated_hospital": self.in_city.value,
            }],
            "inputs": {**self.fixed_inputs, "critical_illness_base_deductible": _amount(self.ci_base.value)},
        }

    def recompute(self):
        # Outputs are set on the widgets themselves (not captured with `with out:`), so the result is the same
        # with or without a front end listening: in JupyterLab, Voilà, nbval and a plain script.
        for out in (self.table, self.chart, self.trace):
            out.outputs = ()
        try:
            self.result = evaluate(parse_scenario(self.scenario()))
        except (InputError, PolicyError) as e:
            self.result = None
            self.message.value = f"<b style='color:#b00'>输入有误 Input problem:</b> {e}"
            return
        self.message.value = ""
        self.table.append_display_data(result_table(self.result).T)
        fig = who_pays_chart({"本次 this claim": self.result.totals})
        self.chart.append_display_data(fig)
        plt.close(fig)
        self.trace.append_display_data(trace_table(self.result))

    def summary(self) -> dict:
        """The displayed totals as text, for checks and hand-outs."""
        if self.result is None:
            return {"error": self.message.value}
        return {k: f"{v:,.2f}" for k, v in self.result.totals.items()}

    def view(self):
        left = w.VBox(self.controls + [self.message])
        return w.VBox([left, w.HBox([self.table, self.chart]), w.HTML("<b>依据 Trace</b>"), self.trace])
