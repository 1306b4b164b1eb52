"""Building blocks of the calculators' forms: one claim's controls (`ClaimRow`, labelled by `CLAIM_LABELS`) and a
policy's open inputs (`PolicyInputs`, the workshop's assumptions filled in and shown as 假设)."""
from __future__ import annotations

import html

import ipywidgets as w

from ...core.categories import FACILITIES, SETTINGS
from ...core.messages import both, text
from ...core.policy import load_policy
from .forms import STYLE, WIDE, DateText, FormProblem, amount_box, options, parse_amount, parse_date
from .presets import WORKSHOP_INPUTS

CLAIM_LABELS = {
    "date": "日期 Date", "setting": "就医 Setting", "facility": "机构 Facility",
    "policy_range_cost": "政策范围内费用 Cost (元)", "basic_insurance_paid": "基本医保已付 Basic paid (元)",
    "critical_illness_paid": "大病已付(结算单) CI paid, slip", "supplementary_insurance_paid":
    "补充已付(结算单) Suppl. paid, slip", "referred": "经规范转诊 Referred",
    "followed_treatment_guidance": "执行就医指导方案 Followed guidance",
    "in_city_designated_hospital": "市域内定点医院 City designated hospital",
}


class ClaimRow:
    """The controls for one claim. Slip amounts left blank are not on the slip (the policy computes them). Fields
    of the claim without a control (e.g. pre_self_paid from a preset) are kept as they are."""

    SHOWN = ("date", "setting", "facility", "policy_range_cost", "basic_insurance_paid", "critical_illness_paid",
             "supplementary_insurance_paid", "referred", "followed_treatment_guidance", "in_city_designated_hospital")

    def __init__(self, claim: dict):
        self.date = DateText(description=CLAIM_LABELS["date"], placeholder=text("workshop.date_hint", "zh"),
                             style=STYLE, layout=WIDE, continuous_update=True)
        self.setting = w.Dropdown(options=options(SETTINGS), description=CLAIM_LABELS["setting"], style=STYLE,
                                  layout=WIDE)
        self.facility = w.Dropdown(options=options(FACILITIES), description=CLAIM_LABELS["facility"], style=STYLE,
                                   layout=WIDE)
        self.cost, self.cost_echo, cost_row = amount_box(CLAIM_LABELS["policy_range_cost"])
        self.basic_paid, self.basic_echo, basic_row = amount_box(CLAIM_LABELS["basic_insurance_paid"])
        self.ci_paid, _e, ci_row = amount_box(CLAIM_LABELS["critical_illness_paid"], "不填 = 按政策计算 computed",
                                              blank_ok=True)
        self.supp_paid, _e, supp_row = amount_box(CLAIM_LABELS["supplementary_insurance_paid"],
                                                  both("partial.blank_is_undetermined"), blank_ok=True)
        tick = {"indent": False, "layout": w.Layout(width="97%")}
        self.referred = w.Checkbox(description=CLAIM_LABELS["referred"], **tick)
        self.guidance = w.Checkbox(description=CLAIM_LABELS["followed_treatment_guidance"], **tick)
        self.in_city = w.Checkbox(description=CLAIM_LABELS["in_city_designated_hospital"], **tick)
        self.controls = [self.date, self.setting, self.facility, self.cost, self.basic_paid, self.ci_paid,
                         self.supp_paid, self.referred, self.guidance, self.in_city]
        self.extra = {}
        self.set(claim)
        self.box = w.VBox([self.date, self.setting, self.facility, cost_row, basic_row, ci_row, supp_row,
                           self.referred, self.guidance, self.in_city])

    def set(self, claim: dict):
        self.extra = {k: v for k, v in claim.items() if k not in self.SHOWN}
        self.date.value = str(claim["date"])
        self.setting.value = claim.get("setting", "inpatient")
        self.facility.value = claim.get("facility") or "tertiary"
        self.cost.value = str(claim["policy_range_cost"])
        self.basic_paid.value = str(claim.get("basic_insurance_paid", 0))
        self.ci_paid.value = str(claim.get("critical_illness_paid", ""))
        # The record shows the supplementary payment; 0 unless a preset says otherwise (blank: undetermined).
        self.supp_paid.value = str(claim.get("supplementary_insurance_paid", "0"))
        self.referred.value = bool(claim.get("referred", False))
        self.guidance.value = bool(claim.get("followed_treatment_guidance", False))
        self.in_city.value = bool(claim.get("in_city_designated_hospital", False))

    def to_dict(self, number: int = 1) -> dict:
        """The claim in the CLI's format; FormProblem (a sentence naming the claim and the box) if a box cannot be
        read."""
        def read(parse, box, field):
            try:
                return parse(box.value)
            except FormProblem as e:
                zh_label, en_label = label_pair(CLAIM_LABELS[field])
                raise FormProblem(text("workshop.claim_problem", "zh", n=number, label=zh_label, problem=e.zh),
                                  text("workshop.claim_problem", "en", n=number, label=en_label, problem=e.en)) from None
        claim = {**self.extra,
                 "date": read(parse_date, self.date, "date").isoformat(),
                 "setting": self.setting.value, "facility": self.facility.value,
                 "policy_range_cost": str(read(parse_amount, self.cost, "policy_range_cost")),
                 "basic_insurance_paid": str(read(parse_amount, self.basic_paid, "basic_insurance_paid"))}
        for key, box in (("critical_illness_paid", self.ci_paid), ("supplementary_insurance_paid", self.supp_paid)):
            if box.value.strip():
                claim[key] = str(read(parse_amount, box, key))
        claim.update({"referred": self.referred.value, "followed_treatment_guidance": self.guidance.value,
                      "in_city_designated_hospital": self.in_city.value})
        return claim


def label_pair(label: str) -> tuple[str, str]:
    """'政策范围内费用 Cost (元)' -> ('政策范围内费用', 'Cost (元)')."""
    zh, _, en = label.partition(" ")
    return zh, en or zh


# A yes/no input may also be left open (the engine then says when it is needed). Option values are text: a
# Dropdown whose value is None shows as blank.
_TRI = [("— 不填 not given", ""), ("是 yes", "yes"), ("否 no", "no")]
_TRI_VALUE = {"": None, "yes": True, "no": False}


class PolicyInputs:
    """A policy's open inputs (parameters.yaml `inputs`): blank means not supplied."""

    def __init__(self, policy_id: str):
        self.policy_id = policy_id
        try:
            specs = load_policy(policy_id).inputs
        except Exception:  # a policy being written may not load yet; its evaluation will say why
            specs = {}
        defaults = WORKSHOP_INPUTS.get(policy_id, {})
        self.widgets = {}
        rows = []
        for name, spec in specs.items():
            label = spec.get("label", {})
            desc = f"{label.get('zh', name)} {label.get('en', '')}".strip()
            if spec.get("unit") == "boolean":
                default = defaults.get(name)
                box = w.Dropdown(options=_TRI, value="" if default is None else ("yes" if default else "no"),
                                 description=desc, style=STYLE, layout=WIDE)
            else:
                box = w.Text(value=str(defaults.get(name, "")), description=desc, style=STYLE, layout=WIDE,
                             placeholder=f"不填 not supplied ({spec.get('unit', '')})", continuous_update=True)
            when = spec.get("required_when") or {}  # {zh, en} (policy.py checks it)
            box.tooltip = f"{name} · {spec.get('clause', '')} · {when.get('zh', '')} {when.get('en', '')}".rstrip()
            self.widgets[name] = box
            rows.append(box)
            if name in defaults:
                zh, en = (text("workshop.assumed", lang, name=label.get(lang, name), value=defaults[name])
                          for lang in ("zh", "en"))
                rows.append(w.HTML(f"<small class='medrules-assumed'>{html.escape(zh)}<br>"
                                   f"<span style='color:#555'>{html.escape(en)}</span></small>"))
        self.box = w.VBox(rows)

    def values(self) -> dict:
        out = {}
        for name, box in self.widgets.items():
            v = _TRI_VALUE[box.value] if isinstance(box, w.Dropdown) else box.value.strip()
            if v is not None and v != "":
                out[name] = v
        return out

    def set(self, name: str, value) -> None:
        box = self.widgets[name]
        if isinstance(box, w.Dropdown):
            box.value = "" if value is None else ("yes" if value else "no")
        else:
            box.value = "" if value is None else str(value)
