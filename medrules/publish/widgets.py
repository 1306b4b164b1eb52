"""Interactive calculators for notebooks and workshops: inputs in, each layer's share, a chart and the trace out.

- `Calculator(policy_id)`: one person, one or more claims, one policy. Presets named after real situations,
  input checks shown as a message (never a traceback), a share chart, each layer's amount beside its clause, and
  an export of the scenario and result (the CLI's JSON format, plus CSV).
- `Comparison()`: the same person and claims under every claim policy side by side (medrules/analysis/compare.py, the same
  columns as `python -m medrules compare`): each starts from the book's illustrative inputs, shown as 假设; a
  partial result says in the cell what it needs; a policy not in force on the dates says so in its column.
- `CaseDeck()`: the casebooks' hand-worked cases (or an uploaded YAML), stepped through, expected beside computed.
- `Targets()`, `SchemeCheck()`, `ReformDemo()`: the Zhejiang 2022 targets for a population, a local scheme against
  the Zhejiang 2019 floors, and a reform's cost on a seeded synthetic population.

Staff type amounts as they write them (20万, 2.5万元, 1,000, full-width digits: `parse_amount`) and dates as
YYYY-MM-DD text; results update as they type (debounced), and every message is a sentence from the catalogue.

Outputs are set on the widgets themselves (`.outputs = ()` + `append_display_data`, or an HTML widget's value),
never captured with `with out:`, so the result is the same with or without a front end listening: in JupyterLab,
Voilà, nbval and a plain script. The chart is plain HTML (no image to encode), so a change redraws at once.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import itertools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import ipywidgets as w
import traitlets
from IPython.display import HTML

from .book import CLAIM_INPUTS, inpatient_stay
from ..core.categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS
from ..analysis.compare import claim_policies, column, encoded_policies  # noqa: F401 (encoded_policies: benchmarks import it here)
from ..core.result import evaluate
from ..core.trace import step_label
from ..core.messages import html as message_html
from ..core.messages import both, msg, pair, problem_texts, text
from ..core.money import fmt_yuan, shown
from ..core.policy import PolicyError, load_policy, policy_ids
from ..core.rulebook import LAYER_COLOURS, LAYER_LABELS, LAYERS
from ..core.scenario import InputError, parse_scenario

KEYS = tuple(LAYERS) + ("out_of_pocket",)
MAX_CLAIMS = 6
# Exports go to <repo>/workshop-exports (git-ignored) unless MEDRULES_EXPORT_DIR says otherwise.
EXPORT_DIR = Path(os.environ.get("MEDRULES_EXPORT_DIR") or Path(__file__).resolve().parents[2] / "workshop-exports")

STYLE = {"description_width": "14em"}
WIDE = w.Layout(width="97%")


def _options(table: dict) -> list:
    return [(f"{zh} / {en}", code) for code, (zh, en) in table.items()]


def _amount(value) -> str:
    """Widget floats become exact decimals through their shortest text form (1234.56 stays 1234.56)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)) if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------------------------------------------
# Reading what staff type: amounts as they write them, dates as text. The CLI stays strict (scenario.py); only
# the dashboards read 20万 or １０００.

class FormProblem(ValueError):
    """Something typed that cannot be read: a sentence in each language, and the control it is about."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_FEN = Decimal("0.01")


def parse_amount(typed) -> Decimal:
    """An amount as staff write it, exact to the fen: 200000, 20万, 2.5万元, 1,000, ￥1000, full-width digits.

    Raises FormProblem with a sentence naming what was typed; never guesses (1,00 or 1.234 are refused)."""
    raw = "" if typed is None else str(typed)
    s = unicodedata.normalize("NFKC", raw).strip()  # full-width digits, comma and point become ASCII
    s = re.sub(r"\s+", "", s).lstrip("¥").removesuffix("元").removesuffix("圆")
    if s.startswith(("-", "−")):
        raise FormProblem(*msg("workshop.amount_negative", value=raw.strip()))
    wan = s.endswith("万")
    s = s.removesuffix("万")
    if not (_PLAIN.match(s) or _GROUPED.match(s)):
        raise FormProblem(*msg("workshop.amount_bad", value=raw.strip()))
    try:
        value = Decimal(s.replace(",", "")) * (10000 if wan else 1)
    except InvalidOperation:
        raise FormProblem(*msg("workshop.amount_bad", value=raw.strip())) from None
    if value != value.quantize(_FEN):
        raise FormProblem(*msg("workshop.amount_bad", value=raw.strip()))
    return value.quantize(_FEN)


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(typed) -> dt.date:
    """A date typed as 2024-10-15 (also 2024/10/15, 2024年10月15日, full-width digits)."""
    raw = "" if typed is None else str(typed)
    m = _DATE.match(unicodedata.normalize("NFKC", raw).strip())
    try:
        return dt.date(*(int(g) for g in m.groups())) if m else dt.date.fromisoformat("x")
    except ValueError:
        raise FormProblem(*msg("workshop.date_bad", value=raw.strip())) from None


class _LenientText(traitlets.Unicode):
    """Text that code may also set from a number or a date (notebooks and benchmarks do: calc.cost.value = 300000)."""

    def validate(self, obj, value):
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            value = _amount(value)
        return super().validate(obj, value)


class AmountText(w.Text):
    """An amount box: read as one types (continuous_update); the value read is echoed beside it."""
    value = _LenientText(help="the amount as typed").tag(sync=True)


class DateText(w.Text):
    """A date box showing the full date as text (YYYY-MM-DD), which a DatePicker's locale format may cut."""
    value = _LenientText(help="the date as typed").tag(sync=True)


def _echo(box: w.Text, echo: w.HTML, blank_ok: bool = False) -> None:
    """Show the amount read (= 200,000.00 元) or why it cannot be read, under the box."""
    if blank_ok and not box.value.strip():
        echo.value = ""
        return
    try:
        zh, en = msg("workshop.amount_read", amount=fmt_yuan(parse_amount(box.value)))
        echo.value = f"<span class='medrules-echo' title='{html.escape(en)}'>{html.escape(zh)}</span>"
    except FormProblem as e:
        echo.value = f"<span class='medrules-echo medrules-echo-bad' style='color:#b00'>{html.escape(e.zh)}</span>"


def _amount_box(label: str, placeholder: str = "", blank_ok: bool = False) -> tuple[AmountText, w.HTML, w.Box]:
    box = AmountText(description=label, placeholder=placeholder or "如 200000、20万、2.5万元", style=STYLE,
                     layout=w.Layout(width="70%"), continuous_update=True)
    echo = w.HTML(layout=w.Layout(width="28%", margin="0 0 0 4px"))
    box.observe(lambda _c: _echo(box, echo, blank_ok), names="value")
    return box, echo, w.HBox([box, echo], layout=WIDE)


# ---------------------------------------------------------------------------------------------------------------
# Presets: real situations a trainer can pick, written as scenarios in the CLI's format.

@dataclass(frozen=True)
class Preset:
    zh: str
    en: str
    person: dict
    claims: tuple
    inputs: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"


def _inpatient(date, cost, basic, **more) -> dict:
    return {"date": date, "setting": "inpatient", "facility": "tertiary", "policy_range_cost": cost,
            "basic_insurance_paid": basic, "referred": True, "followed_treatment_guidance": True,
            "in_city_designated_hospital": True, **more}


# Values a policy leaves open (its `inputs`) that the workshop fills in so that every calculator answers from the
# first screen: the book's illustrative inputs (medrules.publish.book.CLAIM_INPUTS), so the workshop and the book's
# comparison run the same assumptions. Not numbers from the documents: each is shown as 假设 and can be changed.
WORKSHOP_INPUTS = CLAIM_INPUTS

DIBAO = {"category": "dibao", "insurance": "resident"}
PRESETS = {
    "wenzhou-2021-78": [
        Preset("低保, 20万元住院", "dibao, 200,000 yuan inpatient bill", DIBAO,
               (_inpatient("2023-03-10", 200000, 110000),)),
        Preset("低保, 一年两次住院, 超过医疗救助年度限额",
               "dibao, two admissions in one year crossing the assistance limit", DIBAO,
               (_inpatient("2023-03-10", 500000, 200000), _inpatient("2023-09-15", 600000, 240000))),
        Preset("低保, 两次住院跨年度(限额1月1日重新计算)",
               "dibao, two admissions either side of 1 January (the limit starts again)", DIBAO,
               (_inpatient("2023-11-10", 500000, 200000), _inpatient("2024-02-15", 600000, 240000))),
        Preset("特困, 30万元住院(救助不设限额)", "tekun, 300,000 yuan inpatient bill (no assistance limit)",
               {"category": "tekun", "insurance": "resident"}, (_inpatient("2023-03-10", 300000, 100000),)),
        Preset("低保, 乡镇卫生院门诊", "dibao, outpatient visit at a township health centre", DIBAO,
               ({"date": "2023-05-10", "setting": "outpatient", "facility": "township", "policy_range_cost": 5000,
                 "basic_insurance_paid": 3000},),),
        Preset("普通参保人, 20万元住院(大病保险按结算单)",
               "other insured person, 200,000 yuan inpatient (critical-illness amount from the slip)",
               {"category": "general", "insurance": "resident"},
               (_inpatient("2023-03-10", 200000, 110000, critical_illness_paid=60000),)),
    ],
}
# For a policy without presets of its own, and for the comparison (no policy-specific facts in them). Dates fall
# where every claim policy is in force (Guizhou from 2024-08-21, Wenzhou to 2025-12-31), except the last preset,
# which shows a column that says 已失效 instead of a figure.
def _stay(cost, date=None, **more) -> dict:
    return {**inpatient_stay(cost, *([date] if date else []))[0], **more}


GENERIC_PRESETS = [
    Preset("低保, 20万元住院", "dibao, 200,000 yuan inpatient bill", DIBAO, tuple(inpatient_stay(200000))),
    Preset("特困, 30万元住院", "tekun, 300,000 yuan inpatient bill", {"category": "tekun", "insurance": "resident"},
           tuple(inpatient_stay(300000))),
    Preset("低保边缘, 2025年20万元住院", "dibian, 200,000 yuan inpatient bill in 2025",
           {"category": "dibian", "insurance": "resident"}, tuple(inpatient_stay(200000, "2025-06-10"))),
    Preset("低保, 一年两次住院", "dibao, two admissions in one year", DIBAO,
           (_stay(500000, "2025-03-10"), _stay(600000, "2025-09-15"))),
    Preset("低保, 20万元住院, 结算单有大病保险支付额", "dibao, 200,000 yuan, critical-illness amount on the slip",
           DIBAO, (_stay(200000, critical_illness_paid="60000"),)),
    Preset("低保, 2026年20万元住院(温州方案已到期)", "dibao, 200,000 yuan in 2026 (Wenzhou's plan has ended)", DIBAO,
           tuple(inpatient_stay(200000, "2026-03-10"))),
]


def presets_for(policy_id: str) -> list[Preset]:
    return PRESETS.get(policy_id) or GENERIC_PRESETS


def _default_preset(policy_id: str, presets: list[Preset]) -> Preset:
    """A sensible start for any policy: the first preset the engine accepts; else the first whose claim dates it
    accepts (the message then names the input to fill in); else the first."""
    errors = []
    for p in presets:
        scenario = {"policy": policy_id, "person": p.person, "claims": list(p.claims),
                    "inputs": {**WORKSHOP_INPUTS.get(policy_id, {}), **p.inputs}}
        result, error = _run(scenario)
        if result is not None:
            return p
        errors.append((p, error))
    for p, error in errors:
        if not re.match(r"claims\[\d+\]\.date", error or ""):
            return p
    return presets[0]


# ---------------------------------------------------------------------------------------------------------------
# Building blocks: one claim's controls, a policy's open inputs.

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
        self.setting = w.Dropdown(options=_options(SETTINGS), description=CLAIM_LABELS["setting"], style=STYLE,
                                  layout=WIDE)
        self.facility = w.Dropdown(options=_options(FACILITIES), description=CLAIM_LABELS["facility"], style=STYLE,
                                   layout=WIDE)
        self.cost, self.cost_echo, cost_row = _amount_box(CLAIM_LABELS["policy_range_cost"])
        self.basic_paid, self.basic_echo, basic_row = _amount_box(CLAIM_LABELS["basic_insurance_paid"])
        self.ci_paid, _e, ci_row = _amount_box(CLAIM_LABELS["critical_illness_paid"], "不填 = 按政策计算 computed",
                                               blank_ok=True)
        self.supp_paid, _e, supp_row = _amount_box(CLAIM_LABELS["supplementary_insurance_paid"],
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
                zh_label, en_label = _label_pair(CLAIM_LABELS[field])
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


def _label_pair(label: str) -> tuple[str, str]:
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


def _run(scenario: dict):
    """(result, None) or (None, message); a refusal is a message, and so is a bug, never a traceback on screen."""
    try:
        return evaluate(parse_scenario(scenario)), None
    except (InputError, PolicyError) as e:
        return None, str(e)
    except Exception as e:  # noqa: BLE001 - a broken or half-written rules module must not break the room
        return None, f"engine error (please report): {type(e).__name__}: {e}"


_FIELD = re.compile(r"^claims\[(\d+)\]\.(\w+)")


def _hint(message: str) -> str:
    """Which control to change, in both languages, for a message that names a field."""
    m = _FIELD.match(message)
    if m and m.group(2) in CLAIM_LABELS:
        return f"→ 第{int(m.group(1)) + 1}次就医 Claim {int(m.group(1)) + 1}: {CLAIM_LABELS[m.group(2)]}"
    if message.startswith("inputs."):
        return "→ 政策参数 Policy inputs: " + message.split(":", 1)[0].removeprefix("inputs.")
    if message.startswith("person.category"):
        return "→ 类别 Category"
    return ""


def refusal(policy: str, message: str, claims: list | None = None) -> tuple[str, str]:
    """An engine refusal as a sentence a trainer can act on, (zh, en): which claim and box, or why the policy does
    not apply to these dates; never a bare field path."""
    from ..analysis.compare import OUTSIDE, validity_state, field_label
    if message.startswith("engine error"):
        return msg("workshop.engine_error", problem=message.split(":", 1)[-1].strip())
    if OUTSIDE in message and claims:
        return validity_state(policy, claims, message)[1]
    where, _, problem = message.partition(": ")
    m = _FIELD.match(where)
    if m and m.group(2) in CLAIM_LABELS:
        zh_label, en_label = _label_pair(CLAIM_LABELS[m.group(2)])
        n = int(m.group(1)) + 1
        return (text("workshop.claim_problem", "zh", n=n, label=zh_label, problem=problem),
                text("workshop.claim_problem", "en", n=n, label=en_label, problem=problem))
    if where.startswith("inputs."):
        return tuple(text("workshop.input_problem", lang, label=field_label(policy, where, lang), problem=problem)
                     for lang in ("zh", "en"))
    if where.startswith("person"):
        return msg("workshop.person_problem", problem=problem)
    return message, message


def _sentence_html(zh: str, en: str) -> str:
    tail = "" if en == zh else f"<br><span style='color:#555;font-size:12px'>{html.escape(en)}</span>"
    return f"{html.escape(zh)}{tail}"


# ---------------------------------------------------------------------------------------------------------------
# Display: share chart and the layer table with the clause beside each amount.

def _layer_label(k: str) -> str:
    zh, en = LAYER_LABELS[k]
    return f"{zh} <span lang='en' style='color:#555'>{en}</span>"


def share_bar(totals: dict, title: str = "") -> str:
    """A stacked bar of each layer's share of the cost, as HTML (instant to draw, sharp on a projector)."""
    totals = {k: (v if v is not None else Decimal(0)) for k, v in totals.items()}  # undetermined: not drawn
    total = sum((totals[k] for k in KEYS), Decimal(0))
    parts = []
    for k in KEYS:
        share = (totals[k] / total * 100) if total else Decimal(0)
        if share <= 0:
            continue
        text = f"{share:.0f}%" if share >= 6 else ""
        parts.append(f"<div title='{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}: {fmt_yuan(totals[k])} 元 ({share:.1f}%)'"
                     f" style='width:{share:.3f}%;background:{LAYER_COLOURS[k]};color:white;text-align:center;"
                     f"font-size:12px;line-height:26px;overflow:hidden'>{text}</div>")
    head = f"<div style='font-size:13px;margin:2px 0'>{html.escape(title)}</div>" if title else ""
    return (f"{head}<div class='medrules-share' style='display:flex;width:100%;height:26px;border:1px solid #ccc'>"
            + "".join(parts) + "</div>")


def share_legend() -> str:
    items = "".join(f"<span style='margin-right:12px;white-space:nowrap'><span style='display:inline-block;width:11px;"
                    f"height:11px;background:{LAYER_COLOURS[k]};margin-right:3px'></span>{LAYER_LABELS[k][0]} "
                    f"{LAYER_LABELS[k][1]}</span>" for k in KEYS)
    return f"<div style='font-size:12px;margin-top:4px'>{items}</div>"


def _amount_span(k: str, value, policy: str, result=None) -> str:
    """An amount; where the layer is undetermined, benefit.undetermined naming the field that would settle it."""
    if value is None:
        from ..analysis.compare import field_label
        needs = sorted({u["field"] for u in (result.undetermined if result is not None else []) if u["layer"] == k})
        zh = text("benefit.undetermined", "zh", field="、".join(field_label(policy, f) for f in needs) or "?")
        en = text("benefit.undetermined", "en", field=", ".join(field_label(policy, f, "en") for f in needs) or "?")
        return (f"<span class='medrules-amount medrules-undetermined' data-policy='{policy}' data-layer='{k}' "
                f"title='{html.escape(en)}'>{html.escape(zh)}</span>")
    # Where layers before it are undetermined, out of pocket is only an upper bound (≤), as in the book.
    bound = "≤ " if k == "out_of_pocket" and result is not None and not result.complete else ""
    return (f"<span class='medrules-amount' data-policy='{policy}' data-layer='{k}'>{bound}{fmt_yuan(value)}</span>")


def result_html(result, policy: str) -> str:
    """Headline figures, the share chart, and one row per layer with the clauses and reasons beside the amount."""
    t = result.totals
    big = "".join(
        f"<div style='display:inline-block;margin:0 28px 6px 0'><div style='font-size:13px'>{_layer_label(k)}</div>"
        f"<div style='font-size:26px;font-weight:600'>{_amount_span(k, t[k], policy, result)} <small>元</small></div></div>"
        for k in ("medical_assistance", "out_of_pocket"))
    total = sum((t[k] for k in KEYS if t[k] is not None), Decimal(0))
    rows = []
    for k in KEYS:
        steps = [s for s in result.trace if s.layer == k]
        why = "<br>".join(
            (f"#{s.claim + 1} " if len(result.claims) > 1 else "") + f"<code>{html.escape(s.clause)}</code> "
            + pair(s.explanation_zh, s.explanation_en) for s in steps)
        if k == "out_of_pocket":
            why = message_html("trace.step.out_of_pocket_why")
        share = f"{t[k] / total * 100:.1f}%" if total and t[k] is not None else "—"
        rows.append(f"<tr style='vertical-align:top;border-top:1px solid #ddd'><td style='white-space:nowrap'><span style='display:inline-block;width:10px;height:10px;"
                    f"background:{LAYER_COLOURS[k]}'></span> {_layer_label(k)}</td>"
                    f"<td style='text-align:right;white-space:nowrap'>{shown(t[k])}</td>"
                    f"<td style='text-align:right'>{share}</td><td style='font-size:12px'>{why}</td></tr>")
    table = ("<table class='medrules-layers' style='border-collapse:collapse;margin-top:8px' cellpadding='3'>"
             "<tr><th style='text-align:left'>层次 Layer</th><th>元 yuan</th><th>占比 share</th>"
             "<th style='text-align:left'>依据 Clause · why</th></tr>" + "".join(rows) + "</table>")
    return (f"<div class='medrules-result' data-policy='{policy}'>{big}"
            f"{share_bar(t, f'合计 total {fmt_yuan(total)} 元')}{share_legend()}{table}</div>")


def claims_html(result) -> str:
    """Per claim: each layer's payment (the columns of report.result_table, built directly: no pandas per change)."""
    head = "".join(f"<th>{c['claim'] + 1} · {c['date']}<br>{SETTINGS[c['setting']][0]} {c['setting']}</th>"
                   for c in result.claims)
    costs = "".join(f"<td style='text-align:right'>{fmt_yuan(c['policy_range_cost'])}</td>" for c in result.claims)
    rows = [f"<tr><td>费用 cost</td>{costs}</tr>"]
    for k in KEYS:
        rows.append(f"<tr><td>{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}</td>"
                    + "".join(f"<td style='text-align:right'>{shown(c[k])}</td>" for c in result.claims) + "</tr>")
    return (f"<table class='medrules-claims'><thead><tr><th>就医 claim</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def trace_html(result) -> str:
    """Every step of the trace (report.trace_table's columns): claim, layer, clause, amount, why."""
    rows = "".join(
        f"<tr><td>{'' if s.claim is None else s.claim + 1}</td><td>{pair(*step_label(s.layer))}</td>"
        f"<td><code>{html.escape(s.clause)}</code></td>"
        f"<td style='text-align:right'>{shown(s.amount)}</td>"
        f"<td style='text-align:left'>{pair(s.explanation_zh, s.explanation_en)}</td></tr>" for s in result.trace)
    head = "".join(f"<th>{message_html(f'column.{k}')}</th>" for k in ("claim", "layer", "clause", "amount"))
    return (f"<table class='medrules-trace'><thead><tr>{head}<th style='text-align:left'>{message_html('column.why')}"
            f"</th></tr></thead><tbody>{rows}</tbody></table>")


# ---------------------------------------------------------------------------------------------------------------
# Export: files a reviewer can check with the CLI.

def result_json(result) -> str:
    """Exactly what `python -m medrules evaluate scenario.json` prints for the same scenario."""
    from ..core.result import result_json as cli_json
    return cli_json(result.to_dict())


def _status_mark(policy: str) -> str:
    """The policy's status mark (〔已失效（自2026-01-01起）〕, 〔仅据新闻报道〕…), as on the book's pages: every
    comparison column and export carries it. Empty for a policy that cannot be loaded."""
    from .book import status_mark
    try:
        return status_mark(policy)
    except Exception:  # noqa: BLE001  (an unknown policy already shows its own error)
        return ""


# CSV column heads for staff (first row) above the codes (second row), which scripts and reviewers match on.
CSV_HEADS = {
    "policy": "政策", "policy_name": "政策名称", "category": "人员类别", "insurance": "险种", "claim": "就医",
    "date": "日期", "setting": "就医类型", "policy_range_cost": "政策范围内费用",
    **{k: text(f"layer.{k}", "zh") for k in KEYS},
    "note": "说明", "policy_status": "政策状态",
}


def _person_zh(person: dict) -> str:
    codes = person.get("statuses") or ([person["category"]] if person.get("category") else [])
    return "、".join(CATEGORIES.get(c, (c,))[0] for c in codes) or CATEGORIES["general"][0]


def result_csv_rows(policy: str, scenario: dict, result=None, error: str | None = None) -> list[dict]:
    """Per claim and total, one dict per row keyed by the codes; labels in Chinese (the heads: CSV_HEADS)."""
    from .book import marked_name
    person = scenario["person"]
    try:
        name = marked_name(policy)
    except Exception:  # noqa: BLE001
        name = policy
    base = {"policy": policy, "policy_name": name, "category": _person_zh(person),
            "insurance": INSURANCE_TYPES.get(person["insurance"], (person["insurance"],))[0]}
    status = {"policy_status": _status_mark(policy).strip("〔〕")}
    if result is None:
        zh, _en = refusal(policy, error or "", scenario.get("claims"))
        return [{**base, "claim": "", "date": "", "setting": "", "policy_range_cost": "",
                 **{k: "" for k in KEYS}, "note": zh, **status}]
    rows = [{**base, "claim": c["claim"] + 1, "date": c["date"], "setting": SETTINGS[c["setting"]][0],
             "policy_range_cost": f"{c['policy_range_cost']:.2f}", **{k: _csv_amount(c[k]) for k in KEYS},
             "note": "" if c.get("in_force", True) else text("workshop.claim_outside", "zh", n=c["claim"] + 1,
                                                              date=c["date"]), **status} for c in result.claims]
    cost = sum((c["policy_range_cost"] for c in result.claims), Decimal(0))
    rows.append({**base, "claim": "合计", "date": "", "setting": "", "policy_range_cost": f"{cost:.2f}",
                 **{k: _csv_amount(result.totals[k]) for k in KEYS},
                 "note": "" if result.complete else text("workshop.partial", "zh"), **status})
    return rows


def _csv_amount(value) -> str:
    return text("partial.undetermined", "zh") if value is None else f"{value:.2f}"


def _csv(rows: list[dict]) -> str:
    """Chinese heads in the first row, the codes in the second, then the rows."""
    buf = io.StringIO()
    names = list(rows[0])
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([CSV_HEADS.get(n, n) for n in names])
    writer.writerow(names)
    writer.writerows([[r.get(n, "") for n in names] for r in rows])
    return buf.getvalue()


_EXPORT_COUNTER = itertools.count(1)


def _write_exports(stem: str, files: dict) -> tuple[str, dict]:
    """Write {suffix: (text, mime)} as <stem>-<time to the µs>-<n><suffix> in EXPORT_DIR, never over an existing
    file (opened with "x"; a clash takes the next number). Returns (HTML with the file names as download links,
    {suffix: path}); the page never shows a server path."""
    EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    while True:
        unique = f"{stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}-{next(_EXPORT_COUNTER)}"
        paths = {suffix: EXPORT_DIR / f"{unique}{suffix}" for suffix in files}
        written = []
        try:
            for suffix, (body, _mime) in files.items():
                # CSV with a byte-order mark, so that Excel opens the Chinese text correctly.
                data = ("\ufeff" + body if suffix.endswith(".csv") else body).encode("utf-8")
                with open(paths[suffix], "xb") as f:
                    f.write(data)
                written.append(paths[suffix])
            break
        except FileExistsError:
            for path in written:  # only files this call created
                path.unlink()
    items = []
    for suffix, (body, mime) in files.items():
        data = ("\ufeff" + body if suffix.endswith(".csv") else body).encode("utf-8")
        uri = f"data:{mime};charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
        name = html.escape(paths[suffix].name)
        items.append(f"<li><a class='medrules-export-file' download='{name}' href='{uri}'>{name}</a></li>")
    zh, en = msg("workshop.exported")
    return (f"<div class='medrules-export'>{zh} <span style='color:#555'>{en}</span>"
            f"<ul style='margin:2px 0'>{''.join(items)}</ul></div>", paths)


# ---------------------------------------------------------------------------------------------------------------
# The calculators.

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


class _Form:
    """Person, claims (as tabs) and presets, shared by Calculator and Comparison."""

    def __init__(self, presets: list[Preset], first: Preset):
        self._hold = True
        self._pending = None
        self.presets = presets
        self.preset = w.Dropdown(options=[("— 选择情形 choose a situation —", -1)]
                                 + [(p.label, i) for i, p in enumerate(presets)],
                                 value=-1, description="情形 Preset", style=STYLE, layout=WIDE)
        self.category = w.Dropdown(options=_options(CATEGORIES), value=first.person["category"],
                                   description="类别 Category", style=STYLE, layout=WIDE)
        self.insurance = w.Dropdown(options=_options(INSURANCE_TYPES), value=first.person["insurance"],
                                    description="险种 Insurance", style=STYLE, layout=WIDE)
        self.claims = [ClaimRow(c) for c in first.claims]
        self.claim_tabs = w.Tab()
        self.add_claim = w.Button(description="＋ 再加一次就医 Add a claim", layout=w.Layout(width="16em"))
        self.remove_claim = w.Button(description="－ 删除最后一次 Remove last", layout=w.Layout(width="16em"))
        self.add_claim.on_click(lambda _b: self._add_claim())
        self.remove_claim.on_click(lambda _b: self._remove_claim())
        self.preset.observe(lambda ch: self.apply_preset(ch["new"]), names="value")
        for c in (self.category, self.insurance):
            c.observe(self._changed, names="value")
        for row in self.claims:
            self._watch(row)
        self._layout_claims()

    # claim rows
    def _watch(self, row: ClaimRow):
        for c in row.controls:
            c.observe(self._changed, names="value")

    def _watch_text(self, box):
        box.observe(self._changed, names="value")

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

    def _changed(self, change=None):
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


def _header_html(policy_id: str) -> str:
    """The policy's status banner as on its book page: status marks, document number, validity, caveats."""
    from .book import status_banner_html
    try:
        return status_banner_html(policy_id)
    except Exception:  # noqa: BLE001 - a policy being written: its calculator shows its own message
        return ""


class Calculator(_Form):
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
            box.observe(self._changed, names="value")
        self.ci_base = self.policy_inputs.widgets.get("critical_illness_base_deductible")
        self.inputs_accordion = w.Accordion(children=[self.policy_inputs.box], titles=("政策参数 Policy inputs",),
                                            selected_index=0 if WORKSHOP_INPUTS.get(policy_id) else None)
        self.header = w.HTML(_header_html(policy_id))
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
                              f"<span style='color:#555'>{title[1]}</span>: {_sentence_html(zh, en)}</div>")
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
        self.result, self.error = _run(scenario)
        if self.result is None:
            if self.error.startswith("inputs.") and hasattr(self, "inputs_accordion"):
                self.inputs_accordion.selected_index = 0  # show the input the message names
            self.hint.value = html.escape(_hint(self.error))
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
                 ".csv": (_csv(result_csv_rows(self.policy_id, scenario, self.result)), "text/csv")}
        self.export_box.value, paths = _write_exports(f"{self.policy_id}-{scenario['person']['category']}", files)
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


class Comparison(_Form):
    """One person, the same claims, every claim policy side by side (medrules.analysis.compare: the same columns as
    `python -m medrules compare`). Each policy starts from the book's illustrative inputs, shown as 假设."""

    def __init__(self, policies: list[str] | None = None):
        if policies is None:
            policies, self.not_compared = claim_policies()
        else:
            self.not_compared = {}
        self.policies = list(policies)
        super().__init__(GENERIC_PRESETS, GENERIC_PRESETS[0])
        self.policy_inputs = {p: PolicyInputs(p) for p in self.policies}
        for pi in self.policy_inputs.values():
            for box in pi.widgets.values():
                box.observe(self._changed, names="value")
        self.message = w.HTML()
        self.headline = w.HTML()
        self.export_button = w.Button(description="导出 Export JSON + CSV", icon="download",
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
                                  f"{_sentence_html(e.zh, e.en)}</div>")
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
        self.headline.value = self.html()

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
                                 f"{_amount_span(k, col.result.totals[k], p, col.result)}</td>")
                elif i == 0:
                    zh, en = col if isinstance(col, tuple) else (col.notes[0] if col.notes else (col.error,) * 2)
                    state = "refused" if isinstance(col, tuple) else col.state
                    cells.append(f"<td rowspan='{len(KEYS)}' style='vertical-align:top;color:#8a4b00;font-size:13px;"
                                 f"overflow-wrap:anywhere'><div class='medrules-refused' data-policy='{p}' "
                                 f"data-state='{state}'>{_sentence_html(zh, en)}</div></td>")
            weight = "font-weight:600;" if k in ("medical_assistance", "out_of_pocket") else ""
            rows.append(f"<tr style='{weight}'><td>{_layer_label(k)}</td>{''.join(cells)}</tr>")
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
        from .book import marked_name, policy_status
        try:
            st = policy_status(policy)
        except Exception:  # noqa: BLE001
            return policy
        period = f" {st['start'] or '?'}–{st['end'] or ''}" if st["start"] or st["end"] else ""
        return f"{marked_name(policy)}{period}"

    @staticmethod
    def _long_title(policy: str) -> str:
        """The document's title with its status mark: tells two policies of one province apart."""
        from .book import status_mark
        try:
            return f"{load_policy(policy).meta['title']['zh']}{status_mark(policy)}"
        except Exception:  # noqa: BLE001
            return policy

    def export(self) -> dict:
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
                 ".csv": (_csv(rows), "text/csv")}
        self.export_box.value, paths = _write_exports(f"compare-{self.category.value}", files)
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


# ---------------------------------------------------------------------------------------------------------------
# A case deck: hand-worked cases from a policy's casebook (policies/<id>/cases.yaml) or an uploaded YAML of the
# same format, stepped through one at a time, the expected figures beside the computed ones.

def _casebook_policies() -> list[str]:
    from .casebook import casebook
    return [p for p in policy_ids() if casebook(p)]


def read_cases(data: bytes | str) -> list[dict]:
    """Cases from an uploaded YAML (a casebook: `cases: [...]`, or the list itself); FormProblem if unreadable."""
    import yaml
    try:
        doc = yaml.safe_load(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise FormProblem(*msg("workshop.deck_bad_file", problem=one_line_text(str(e)))) from None
    cases = doc.get("cases") if isinstance(doc, dict) else doc
    if not isinstance(cases, list) or not cases:
        raise FormProblem(*msg("workshop.deck_bad_file", problem="cases: [...] is missing or empty"))
    for i, case in enumerate(cases, 1):
        missing = [k for k in ("name", "expected") if not isinstance(case, dict) or k not in case]
        if missing:
            raise FormProblem(*msg("workshop.deck_bad_file", problem=f"case {i}: needs {', '.join(missing)}"))
    return cases


def one_line_text(s: str) -> str:
    from ..core.oneline import one_line
    return one_line(s)


def case_rows(policy_id: str, case: dict) -> tuple[list[tuple[str, str, str, bool]], str | None]:
    """([(figure, expected, computed, agrees)], refusal or None) for one case, run through the public entry
    points (medrules.publish.casebook.run_case, as the book's casebook tables)."""
    from . import casebook
    kind = case.get("kind")
    try:
        got = casebook.run_case(policy_id, case)
    except (InputError, PolicyError, ValueError, KeyError, TypeError) as e:
        return [], str(e)
    agrees, misses = casebook.check_case(policy_id, case, got)
    rows = []
    for label, path in casebook.figures(case):
        want = casebook.at(case["expected"], path)
        if casebook.is_entry(path):
            have = casebook.at(got, path)
            rows.append((label, "✓", "✓" if have is True else "—", have is True))
            continue
        have = casebook.at(got, path) if kind != "function" else got
        if kind in (None, ""):
            ok = have is not casebook.ABSENT and casebook.part_of(have, want)
        elif kind == "function":
            ok = agrees
        else:
            ok = path[0] not in misses
        rows.append((label, casebook.shown_figure(want, kind), casebook.shown_figure(have, kind), ok))
    return rows, None


class CaseDeck:
    """The trainer picks named cases from a policy's casebook, or uploads a YAML of their own, and steps through
    them: each shows the expected figures worked by hand beside the engine's, and the working."""

    def __init__(self, policy_id: str | None = None):
        choices = _casebook_policies()
        self.policy = w.Dropdown(options=choices, value=policy_id if policy_id in choices else
                                 ("wenzhou-2021-78" if "wenzhou-2021-78" in choices else choices[0]),
                                 description="政策 Policy", style=STYLE, layout=WIDE)
        self.upload = w.FileUpload(accept=".yaml,.yml", multiple=False, description="上传案例 Upload YAML",
                                   layout=w.Layout(width="16em"))
        self.picker = w.SelectMultiple(description="案例 Cases", style=STYLE, layout=w.Layout(width="97%", height="12em"))
        self.prev = w.Button(description="◀ 上一个 Previous", layout=w.Layout(width="12em"))
        self.next = w.Button(description="下一个 Next ▶", layout=w.Layout(width="12em"))
        self.position = w.HTML()
        self.message = w.HTML()
        self.card = w.HTML()
        self.cases: list[dict] = []
        self.index = 0
        self.policy.observe(lambda _c: self.load_casebook(), names="value")
        self.upload.observe(lambda _c: self._uploaded(), names="value")
        self.picker.observe(lambda _c: self._picked(), names="value")
        self.prev.on_click(lambda _b: self.step(-1))
        self.next.on_click(lambda _b: self.step(1))
        self.load_casebook()

    # the deck
    def load_casebook(self):
        from .casebook import casebook
        self.message.value = ""
        self._set_cases(casebook(self.policy.value))

    def load_yaml(self, data: bytes | str):
        """Cases of the selected policy from a YAML of the casebook's format."""
        try:
            cases = read_cases(data)
        except FormProblem as e:
            self.message.value = f"<div class='medrules-message' style='color:#b00'>{_sentence_html(e.zh, e.en)}</div>"
            return
        self.message.value = ""
        self._set_cases(cases)

    def _uploaded(self):
        files = self.upload.value
        if files:
            item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
            self.load_yaml(bytes(item["content"]))

    def _set_cases(self, cases: list[dict]):
        self.cases = list(cases)
        options = [(f"{i + 1}. {c.get('name', '?')}", i) for i, c in enumerate(self.cases)]
        self.picker.options = options
        self.picker.value = tuple(i for _, i in options)  # all picked; the trainer narrows the deck
        self.index = 0
        self.show()

    def _picked(self):
        self.index = 0
        self.show()

    def deck(self) -> list[int]:
        return sorted(self.picker.value) or list(range(len(self.cases)))

    def step(self, by: int):
        deck = self.deck()
        if deck:
            self.index = max(0, min(len(deck) - 1, self.index + by))
        self.show()

    def current(self) -> dict | None:
        deck = self.deck()
        return self.cases[deck[self.index]] if deck and self.cases else None

    def show(self):
        deck = self.deck()
        case = self.current()
        self.prev.disabled = self.index <= 0
        self.next.disabled = self.index >= len(deck) - 1
        if case is None:
            zh, en = msg("workshop.deck_empty")
            self.position.value, self.card.value = "", f"<p>{zh} {en}</p>"
            return
        self.position.value = "{} · {}".format(*msg("workshop.deck_position", i=self.index + 1, n=len(deck)))
        self.card.value = self.card_html(case)

    def card_html(self, case: dict) -> str:
        pid = self.policy.value
        rows, refused = case_rows(pid, case)
        ezh, een = msg("workshop.deck_expected")
        czh, cen = msg("workshop.deck_computed")
        body = "".join(
            f"<tr class='medrules-case-figure' data-agrees='{str(ok).lower()}'><td>{html.escape(label)}</td>"
            f"<td style='text-align:right' class='medrules-case-expected'>{html.escape(want)}</td>"
            f"<td style='text-align:right' class='medrules-case-computed'>{html.escape(have)}</td>"
            f"<td style='color:{'#080' if ok else '#b00'}'>{'✓ ' + text('workshop.deck_agrees', 'zh') if ok else '✗ ' + text('workshop.deck_differs', 'zh')}</td></tr>"
            for label, want, have, ok in rows)
        if refused:
            body += (f"<tr><td colspan='4' style='color:#b00'>"
                     f"{_sentence_html(*refusal(pid, refused, case.get('claims')))}</td></tr>")
        working = case.get("working") or {}
        return (f"<div class='medrules-case' data-name='{html.escape(str(case.get('name', '')))}'>"
                f"<h3 style='margin:4px 0'>{html.escape(str(case.get('name', '')))}</h3>"
                f"<div style='font-size:12px'>条款 clause: <code>{html.escape(str(case.get('clause', '')))}</code></div>"
                "<table class='medrules-case-table' style='border-collapse:collapse;margin:6px 0' border='1' "
                f"cellpadding='4'><tr><th>数字 figure</th><th>{ezh}<br><small>{een}</small></th>"
                f"<th>{czh}<br><small>{cen}</small></th><th></th></tr>{body}</table>"
                f"<div class='medrules-case-working'><b>演算</b> {html.escape(working.get('zh', ''))}"
                f"<span lang='en' style='color:#555'><br>Working: {html.escape(working.get('en', ''))}</span></div></div>")

    def view(self):
        left = w.VBox([self.policy, self.upload, self.picker, self.message],
                      layout=w.Layout(width="34em", flex="0 0 34em"))
        right = w.VBox([w.HBox([self.prev, self.next, self.position]), self.card],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        return w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))


# ---------------------------------------------------------------------------------------------------------------
# Population dashboards: the Zhejiang 2022 targets for a population typed or uploaded (medrules.analysis.indicators), a local
# scheme against the Zhejiang 2019 floors (medrules.analysis.scheme), and a reform's cost on a small seeded synthetic
# population (medrules.analysis.reform). Each runs the command's own functions on a temporary file, so the dashboard and
# `python -m medrules indicators / check-scheme / reform` cannot disagree.

REPO = Path(__file__).resolve().parents[2]
_PRE = "white-space:pre-wrap;font-size:13px;line-height:1.45;background:#f7f7f7;padding:8px;border:1px solid #ddd"


def _uploaded_bytes(upload: w.FileUpload) -> tuple[str, bytes] | None:
    files = upload.value
    if not files:
        return None
    item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
    return item.get("name", "upload"), bytes(item["content"])


def _problem_html(e: Exception) -> str:
    from ..core.oneline import one_line
    zh, en = msg("workshop.engine_error", problem=one_line(str(e)))
    if isinstance(e, InputError):
        problem_zh, problem = problem_texts(e.problem)
        zh = text("error.field", "zh", field=e.field, problem=one_line(problem_zh or problem))
        en = text("error.field", "en", field=e.field, problem=one_line(problem))
    return f"<div class='medrules-message' style='color:#b00'>{_sentence_html(zh, en)}</div>"


class _TextOrUpload:
    """A text area holding an example the trainer edits, or an uploaded file in its place; a Run button."""

    def __init__(self, example: str, suffix: str, accept: str, rows: int = 10):
        self.suffix = suffix
        self.text = w.Textarea(value=example, layout=w.Layout(width="97%", height=f"{rows * 1.5}em"),
                               continuous_update=False)
        self.upload = w.FileUpload(accept=accept, multiple=False, description="上传 Upload",
                                   layout=w.Layout(width="12em"))
        self.run_button = w.Button(description="计算 Check", button_style="primary", layout=w.Layout(width="10em"))
        self.output = w.HTML()
        self.run_button.on_click(lambda _b: self.run())
        self.text.observe(lambda _c: self.run(), names="value")
        self.upload.observe(lambda _c: self.run(), names="value")

    def source(self, folder: Path) -> Path:
        """The uploaded file if any (its own suffix), else the text, written into `folder`."""
        uploaded = _uploaded_bytes(self.upload)
        if uploaded:
            name, data = uploaded
            path = folder / ("upload" + (Path(name).suffix.lower() or self.suffix))
            path.write_bytes(data)
            return path
        path = folder / f"typed{self.suffix}"
        path.write_text(self.text.value, encoding="utf-8")
        return path

    def run(self):
        import tempfile
        with tempfile.TemporaryDirectory(prefix="medrules-workshop-") as folder:
            try:
                shown = self.compute(self.source(Path(folder)))
            except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
                self.output.value = _problem_html(e)
                return
        self.output.value = shown

    def compute(self, path: Path) -> str:
        raise NotImplementedError


class Targets(_TextOrUpload):
    """Zhejiang 2022's indicators for a population: a per-person table typed (CSV) or uploaded (.csv, .parquet,
    or a batch result), checked against the 2025 or end-2022 targets."""

    def __init__(self):
        from ..rules import zhejiang_2022_illness_poverty as zj
        example = (REPO / "examples" / "indicators-people.csv").read_text(encoding="utf-8")
        super().__init__(example, ".csv", ".csv,.parquet", rows=8)
        self.target = w.Dropdown(options=[(f"{t} 目标 targets", t) for t in zj.TARGETS],
                                 value="2025" if "2025" in zj.TARGETS else next(iter(zj.TARGETS)),
                                 description="目标 Target", style=STYLE)
        self.target.observe(lambda _c: self.run(), names="value")
        self.run()

    def compute(self, path: Path) -> str:
        from ..analysis import indicators
        return f"<pre class='medrules-report' style='{_PRE}'>{html.escape(indicators.report(indicators.compute(path, self.target.value)))}</pre>"

    def view(self):
        head = w.HTML(_header_html("zhejiang-2022-illness-poverty"))
        note = w.HTML("<small>每行一人一年（金额单位：元）。可直接修改下表，或上传 CSV / Parquet（逐人表或批处理结果）。"
                      "<br>One row per person and year (yuan). Edit the table, or upload a CSV / Parquet file (a "
                      "per-person table or a batch result).</small>")
        return w.VBox([head, self.target, note, self.text, w.HBox([self.upload, self.run_button]), self.output])


class SchemeCheck(_TextOrUpload):
    """A local chronic-outpatient scheme (YAML, typed or uploaded) against the Zhejiang 2019 floors."""

    def __init__(self):
        example = (REPO / "examples" / "scheme-county.yaml").read_text(encoding="utf-8")
        super().__init__(example, ".yaml", ".yaml,.yml", rows=9)
        self.run()

    def compute(self, path: Path) -> str:
        from ..analysis import scheme
        s = scheme.load_scheme(path)
        on, findings = scheme.check(s)
        return f"<pre class='medrules-report' style='{_PRE}'>{html.escape(scheme.report(s, on, findings))}</pre>"

    def view(self):
        head = w.HTML(_header_html("zhejiang-2019-chronic-outpatient"))
        note = w.HTML("<small>修改下面的方案（比例写 0.65 这样的小数），或上传 YAML 文件。<br>Edit the scheme below (ratios "
                      "as decimals such as 0.65), or upload a YAML file.</small>")
        return w.VBox([head, note, self.text, w.HBox([self.upload, self.run_button]), self.output])


SYNTHETIC = {"claims": 20_000, "people": 2_000, "seed": 17}  # the book's population page (book/population.md)


def _synthetic_claims(policy_id: str):
    """A seeded synthetic claims table (benchmarks/bench_batch.py `synthetic`, as the book's population page), with
    every critical-illness slip amount kept, as a Claims table."""
    import sys
    import pyarrow as pa
    from ..tables.claims_file import claims_from_arrow
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
        from ..analysis.reform import load_changes, run_on_table, summary_frame
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
            self.output.value = f"<div class='medrules-message' style='color:#b00'>{_sentence_html(e.zh, e.en)}</div>"
            return
        except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
            self.output.value = _problem_html(e)
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
