"""Building blocks of the calculators' forms: one claim's controls (`ClaimRow`, labelled by `CLAIM_LABELS`) and a
policy's open inputs (`PolicyInputs`, the workshop's assumptions filled in and shown as 假设)."""
from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

import ipywidgets as w

from ...core.categories import FACILITIES, SETTINGS
from ...core.messages import both, msg, text
from ...core.money import fmt_yuan
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


# The slip amounts that may follow the cost as example values (示例) until staff type their own.
FOLLOWING = ("basic_insurance_paid", "critical_illness_paid")
_FEN = Decimal("0.01")


class ClaimRow:
    """The controls for one claim. Slip amounts left blank are not on the slip (the policy computes them). Fields
    of the claim without a control (e.g. pre_self_paid from a preset) are kept as they are.

    A slip amount that came with the preset or the book's example (not typed) follows the cost at its share (a bill
    of 2,000 instead of 200,000 takes basic insurance 1,100 instead of 110,000, and the row says so); once staff
    type it, it is theirs and no longer moves. Slip amounts that add up to more than the cost are refused here,
    with a sentence next to the boxes in staff's words."""

    SHOWN = ("date", "setting", "facility", "policy_range_cost", "basic_insurance_paid", "critical_illness_paid",
             "supplementary_insurance_paid", "referred", "followed_treatment_guidance", "in_city_designated_hospital")

    def __init__(self, claim: dict, examples: dict | None = None, facts=None):
        self.date = DateText(description=CLAIM_LABELS["date"], placeholder=text("workshop.date_hint", "zh"),
                             style=STYLE, layout=WIDE, continuous_update=True)
        self.setting = w.Dropdown(options=options(SETTINGS), description=CLAIM_LABELS["setting"], style=STYLE,
                                  layout=WIDE)
        self.facility = w.Dropdown(options=options(FACILITIES), description=CLAIM_LABELS["facility"], style=STYLE,
                                   layout=WIDE)
        self.cost, self.cost_echo, cost_row = amount_box(CLAIM_LABELS["policy_range_cost"])
        self.basic_paid, self.basic_echo, basic_row = amount_box(CLAIM_LABELS["basic_insurance_paid"],
                                                                 "不填 = 按政策计算 computed", blank_ok=True)
        self.ci_paid, self.ci_echo, ci_row = amount_box(CLAIM_LABELS["critical_illness_paid"],
                                                        "不填 = 按政策计算 computed", blank_ok=True)
        self.supp_paid, _e, supp_row = amount_box(CLAIM_LABELS["supplementary_insurance_paid"],
                                                  both("partial.blank_is_undetermined"), blank_ok=True)
        tick = {"indent": False, "layout": w.Layout(width="97%")}
        self.referred = w.Checkbox(description=CLAIM_LABELS["referred"], **tick)
        self.guidance = w.Checkbox(description=CLAIM_LABELS["followed_treatment_guidance"], **tick)
        self.in_city = w.Checkbox(description=CLAIM_LABELS["in_city_designated_hospital"], **tick)
        self.controls = [self.date, self.setting, self.facility, self.cost, self.basic_paid, self.ci_paid,
                         self.supp_paid, self.referred, self.guidance, self.in_city]
        self.boxes = {"basic_insurance_paid": self.basic_paid, "critical_illness_paid": self.ci_paid}
        # What the row says next to its amounts: a slip amount moved with the cost (grey), or why the amounts
        # cannot be used (red).
        self.note = w.HTML(layout=WIDE)
        self.problem = w.HTML(layout=WIDE)
        self.shares: dict[str, Decimal] = {}   # slip field -> its share of the cost while it follows the cost
        self.examples: set[str] = set()        # slip fields holding the book's example value (示例), not the preset's
        self.adjusting = False
        self.extra = {}
        self.set(claim, examples)
        self.cost.observe(lambda _c: self._follow_cost(), names="value")
        for field, box in self.boxes.items():
            box.observe(lambda _c, field=field: self._typed(field), names="value")
        # A control no rule of the policy reads is not shown (`facts`: those its rules read; None: all).
        optional = {"facility": self.facility, "referred": self.referred, "followed_treatment_guidance": self.guidance,
                    "in_city_designated_hospital": self.in_city}
        shown = {k for k in optional if facts is None or k in facts}
        self.box = w.VBox([self.date, self.setting, *([self.facility] if "facility" in shown else []), cost_row,
                           basic_row, ci_row, supp_row, self.note, self.problem,
                           *(box for k, box in optional.items() if k != "facility" and k in shown)])

    def set(self, claim: dict, examples: dict | None = None):
        """Fill the controls from a claim; its slip amounts (and, where the claim has none, the book's example
        shares of the cost in `examples`) follow the cost until typed over."""
        self.adjusting = True
        try:
            self.extra = {k: v for k, v in claim.items() if k not in self.SHOWN}
            self.date.value = str(claim["date"])
            self.setting.value = claim.get("setting", "inpatient")
            self.facility.value = claim.get("facility") or "tertiary"
            self.cost.value = str(claim["policy_range_cost"])
            self.basic_paid.value = str(claim.get("basic_insurance_paid", ""))
            self.ci_paid.value = str(claim.get("critical_illness_paid", ""))
            # The record shows the supplementary payment; 0 unless a preset says otherwise (blank: undetermined).
            self.supp_paid.value = str(claim.get("supplementary_insurance_paid", "0"))
            self.referred.value = bool(claim.get("referred", False))
            self.guidance.value = bool(claim.get("followed_treatment_guidance", False))
            self.in_city.value = bool(claim.get("in_city_designated_hospital", False))
            self.shares, self.examples = {}, set()
            cost = _read(claim["policy_range_cost"])
            for field in FOLLOWING:
                given = _read(claim.get(field))
                if given is not None and cost:
                    self.shares[field] = given / cost
                elif field in (examples or {}) and cost is not None:
                    self.shares[field] = Decimal(str(examples[field]))
                    self.examples.add(field)
                    self.boxes[field].value = str((cost * self.shares[field]).quantize(_FEN, ROUND_HALF_UP))
            self.note.value = self._example_note()
            self.problem.value = ""
        finally:
            self.adjusting = False

    def _typed(self, field: str):
        """Staff typed a slip amount: it is theirs now, and no longer follows the cost."""
        if not self.adjusting and field in self.shares:
            del self.shares[field]
            self.examples.discard(field)
            self.note.value = self._example_note()

    def _follow_cost(self):
        """The cost changed: slip amounts still at the preset's or the example's share move with it."""
        if self.adjusting or not self.shares:
            return
        try:
            cost = parse_amount(self.cost.value)
        except FormProblem:
            return  # the cost box says why it cannot be read
        moved = []
        self.adjusting = True
        try:
            for field, share in self.shares.items():
                value = (cost * share).quantize(_FEN, ROUND_HALF_UP)
                box = self.boxes[field]
                if _read(box.value) != value:
                    box.value = str(value)
                    moved.append((field, value, share))
        finally:
            self.adjusting = False
        if moved:
            said = {lang: "；".join(text("workshop.slip_followed", lang, label=label_pair(CLAIM_LABELS[f])[lang == "en"],
                                         amount=fmt_yuan(v), share=_percent(share)) for f, v, share in moved)
                    for lang in ("zh", "en")}
            self.note.value = (f"<div class='medrules-followed' style='color:#555;font-size:12px'>"
                               f"{html.escape(said['zh'])}<br><span lang='en'>{html.escape(said['en'])}</span></div>"
                               + self._example_note())

    def _example_note(self) -> str:
        if not self.examples:
            return ""
        labels = "、".join(label_pair(CLAIM_LABELS[f])[0] for f in FOLLOWING if f in self.examples)
        zh, en = msg("workshop.slip_example", labels=labels)
        return (f"<div class='medrules-example-note' style='font-size:12px'>{_EXAMPLE_BADGE} {html.escape(zh)}"
                f"<br><span lang='en' style='color:#555'>{html.escape(en)}</span></div>")

    def to_dict(self, number: int = 1) -> dict:
        """The claim in the CLI's format; FormProblem (a sentence naming the claim and the box, and which claim and
        field it is about) if a box cannot be read, or if the slip amounts add up to more than the cost."""
        def read(parse, box, field):
            try:
                return parse(box.value)
            except FormProblem as e:
                zh_label, en_label = label_pair(CLAIM_LABELS[field])
                raise FormProblem(text("workshop.claim_problem", "zh", n=number, label=zh_label, problem=e.zh),
                                  text("workshop.claim_problem", "en", n=number, label=en_label, problem=e.en),
                                  claim=number - 1, field=field) from None
        cost = read(parse_amount, self.cost, "policy_range_cost")
        claim = {**self.extra,
                 "date": read(parse_date, self.date, "date").isoformat(),
                 "setting": self.setting.value, "facility": self.facility.value,
                 "policy_range_cost": str(cost)}
        # A slip amount left blank is not on the slip: the policy computes it, or says it needs it.
        for key, box in (("basic_insurance_paid", self.basic_paid), ("critical_illness_paid", self.ci_paid),
                         ("supplementary_insurance_paid", self.supp_paid)):
            if box.value.strip():
                claim[key] = str(read(parse_amount, box, key))
        paid = [(k, Decimal(claim[k])) for k in ("basic_insurance_paid", "critical_illness_paid",
                                                  "supplementary_insurance_paid") if k in claim]
        if sum(v for _k, v in paid) > cost:
            given = [(k, v) for k, v in paid if v]
            amounts = {lang: "、".join(f"“{label_pair(CLAIM_LABELS[k])[lang == 'en']}” {fmt_yuan(v)} "
                                      + ("元" if lang == "zh" else "yuan") for k, v in given) for lang in ("zh", "en")}
            raise FormProblem(*(text("workshop.slips_over_cost", lang, n=number, paid=amounts[lang],
                                     cost=fmt_yuan(cost)) for lang in ("zh", "en")),
                              claim=number - 1, field=given[0][0] if given else "basic_insurance_paid")
        claim.update({"referred": self.referred.value, "followed_treatment_guidance": self.guidance.value,
                      "in_city_designated_hospital": self.in_city.value})
        return claim


_EXAMPLE_BADGE = ("<span class='medrules-example-badge' style='background:#fff3cd;border:1px solid #d4a017;"
                  "border-radius:3px;padding:0 3px;font-size:11px'>示例</span>")


def _read(value) -> Decimal | None:
    """A slip amount as given in a claim (text or number), None when blank or unreadable."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return parse_amount(value)
    except FormProblem:
        return None


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'), ROUND_HALF_UP).normalize():f}%"


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
                zh, en = (text("workshop.input_example", lang, name=label.get(lang, name), value=defaults[name])
                          for lang in ("zh", "en"))
                rows.append(w.HTML(f"<small class='medrules-assumed'>{_EXAMPLE_BADGE} {html.escape(zh)}<br>"
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
