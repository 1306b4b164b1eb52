"""Interactive calculators for notebooks and workshops: inputs in, each layer's share, a chart and the trace out.

- `Calculator(policy_id)`: one person, one or more claims, one policy. Presets named after real situations,
  input checks shown as a message (never a traceback), a share chart, each layer's amount beside its clause, and
  an export of the scenario and result (the CLI's JSON format, plus CSV).
- `Comparison()`: the same person and claims under every policy whose rules module exists, side by side; a policy
  that refuses the scenario shows its message in its column.

Outputs are set on the widgets themselves (`.outputs = ()` + `append_display_data`, or an HTML widget's value),
never captured with `with out:`, so the result is the same with or without a front end listening: in JupyterLab,
Voilà, nbval and a plain script. The chart is plain HTML (no image to encode), so a change redraws at once.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import importlib
import importlib.util
import io
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import ipywidgets as w
from IPython.display import HTML

from .categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS
from .charts import LAYER_COLOURS
from .engine import evaluate
from .money import fmt_yuan
from .policy import PolicyError, load_policy, policy_ids
from .report import shown
from .rulebook import LAYER_LABELS, LAYERS
from .scenario import InputError, parse_scenario

KEYS = tuple(LAYERS) + ("out_of_pocket",)
MAX_CLAIMS = 6
# Exports go to <repo>/workshop-exports (git-ignored) unless MEDRULES_EXPORT_DIR says otherwise.
EXPORT_DIR = Path(os.environ.get("MEDRULES_EXPORT_DIR") or Path(__file__).resolve().parent.parent / "workshop-exports")

STYLE = {"description_width": "14em"}
WIDE = w.Layout(width="97%")


def _options(table: dict) -> list:
    return [(f"{zh} / {en}", code) for code, (zh, en) in table.items()]


def _amount(value) -> str:
    """Widget floats become exact decimals through their shortest text form (1234.56 stays 1234.56)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)) if isinstance(value, float) else str(value)


def encoded_policies() -> list[str]:
    """The policies whose rules module exists (medrules/rules/<id>.py)."""
    return [p for p in policy_ids()
            if importlib.util.find_spec("medrules.rules." + p.replace("-", "_")) is not None]


def claim_policies() -> tuple[list[str], dict[str, str]]:
    """(encoded policies that settle claims layer by layer, {policy: why not} for modules that encode no claims).

    A module that does not import (being written) counts as a claim policy: its calculator shows the error."""
    runnable, other = [], {}
    for pid in encoded_policies():
        try:
            module = importlib.import_module("medrules.rules." + pid.replace("-", "_"))
        except Exception:  # noqa: BLE001
            runnable.append(pid)
            continue
        if all(hasattr(module, layer) for layer in LAYERS):
            runnable.append(pid)
        else:
            other[pid] = getattr(module, "NO_CLAIM_LAYERS", None) or "its module encodes no claim layers"
    return runnable, other


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


# Values a policy leaves open (its `inputs`) that the workshop fills in so that the calculators run out of the box.
# Assumption: these are illustrations chosen for training, not numbers from the documents; each is shown on screen
# as an assumption and can be changed.
WORKSHOP_INPUTS = {
    "wenzhou-2021-78": {"critical_illness_base_deductible": "30000"},
}

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
# For a policy without presets of its own, and for the comparison (no policy-specific facts in them).
GENERIC_PRESETS = [
    Preset("低保, 20万元住院", "dibao, 200,000 yuan inpatient bill", DIBAO, (_inpatient("2023-03-10", 200000, 110000),)),
    Preset("特困, 30万元住院", "tekun, 300,000 yuan inpatient bill", {"category": "tekun", "insurance": "resident"},
           (_inpatient("2023-03-10", 300000, 100000),)),
    Preset("低保边缘, 2024年20万元住院", "dibian, 200,000 yuan inpatient bill in 2024",
           {"category": "dibian", "insurance": "resident"}, (_inpatient("2024-06-10", 200000, 110000),)),
    Preset("低保, 一年两次住院", "dibao, two admissions in one year", DIBAO,
           (_inpatient("2023-03-10", 500000, 200000), _inpatient("2023-09-15", 600000, 240000))),
    Preset("低保, 2025年20万元住院", "dibao, 200,000 yuan inpatient bill in 2025", DIBAO,
           (_inpatient("2025-03-10", 200000, 110000),)),
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
    """The controls for one claim. Slip amounts left blank are not on the slip (the policy computes them)."""

    def __init__(self, claim: dict):
        self.date = w.DatePicker(description=CLAIM_LABELS["date"], style=STYLE)
        self.setting = w.Dropdown(options=_options(SETTINGS), description=CLAIM_LABELS["setting"], style=STYLE,
                                  layout=WIDE)
        self.facility = w.Dropdown(options=_options(FACILITIES), description=CLAIM_LABELS["facility"], style=STYLE,
                                   layout=WIDE)
        self.cost = w.FloatText(description=CLAIM_LABELS["policy_range_cost"], style=STYLE, layout=WIDE)
        self.basic_paid = w.FloatText(description=CLAIM_LABELS["basic_insurance_paid"], style=STYLE, layout=WIDE)
        self.ci_paid = w.Text(description=CLAIM_LABELS["critical_illness_paid"], placeholder="不填 = 按政策计算 computed",
                              style=STYLE, layout=WIDE)
        self.supp_paid = w.Text(description=CLAIM_LABELS["supplementary_insurance_paid"],
                                placeholder="不填 = 待定 undetermined",
                                style=STYLE, layout=WIDE)
        tick = {"indent": False, "layout": w.Layout(width="97%")}
        self.referred = w.Checkbox(description=CLAIM_LABELS["referred"], **tick)
        self.guidance = w.Checkbox(description=CLAIM_LABELS["followed_treatment_guidance"], **tick)
        self.in_city = w.Checkbox(description=CLAIM_LABELS["in_city_designated_hospital"], **tick)
        self.controls = [self.date, self.setting, self.facility, self.cost, self.basic_paid, self.ci_paid,
                         self.supp_paid, self.referred, self.guidance, self.in_city]
        self.set(claim)
        self.box = w.VBox(self.controls)

    def set(self, claim: dict):
        self.date.value = dt.date.fromisoformat(str(claim["date"]))
        self.setting.value = claim.get("setting", "inpatient")
        self.facility.value = claim.get("facility") or "tertiary"
        self.cost.value = float(claim["policy_range_cost"])
        self.basic_paid.value = float(claim.get("basic_insurance_paid", 0))
        self.ci_paid.value = str(claim.get("critical_illness_paid", ""))
        # The record shows the supplementary payment; 0 unless a preset says otherwise (blank: undetermined).
        self.supp_paid.value = str(claim.get("supplementary_insurance_paid", "0"))
        self.referred.value = bool(claim.get("referred", False))
        self.guidance.value = bool(claim.get("followed_treatment_guidance", False))
        self.in_city.value = bool(claim.get("in_city_designated_hospital", False))

    def to_dict(self) -> dict:
        claim = {
            "date": self.date.value.isoformat() if self.date.value else None,
            "setting": self.setting.value, "facility": self.facility.value,
            "policy_range_cost": _amount(self.cost.value), "basic_insurance_paid": _amount(self.basic_paid.value),
        }
        for key, box in (("critical_illness_paid", self.ci_paid), ("supplementary_insurance_paid", self.supp_paid)):
            if box.value.strip():
                claim[key] = box.value.strip()
        claim.update({"referred": self.referred.value, "followed_treatment_guidance": self.guidance.value,
                      "in_city_designated_hospital": self.in_city.value})
        return claim


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
                             placeholder=f"不填 not supplied ({spec.get('unit', '')})")
            box.tooltip = f"{name} · {spec.get('clause', '')} · {spec.get('required_when', '')}"
            self.widgets[name] = box
            rows.append(box)
            if name in defaults:
                rows.append(w.HTML(f"<small>Assumption: {html.escape(name)} = {html.escape(str(defaults[name]))} "
                                   "is a workshop illustration; the document does not give it.</small>"))
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


# ---------------------------------------------------------------------------------------------------------------
# Display: share chart and the layer table with the clause beside each amount.

def _layer_label(k: str) -> str:
    zh, en = LAYER_LABELS[k]
    return f"{zh} <span style='color:#555'>{en}</span>"


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
    """An amount; where the layer is undetermined, 待定 and the field that would settle it."""
    if value is None:
        needs = sorted({u["field"] for u in (result.undetermined if result is not None else []) if u["layer"] == k})
        note = f"（需 needs {html.escape(', '.join(needs))}）" if needs else ""
        return (f"<span class='medrules-amount medrules-undetermined' data-policy='{policy}' data-layer='{k}'>"
                f"待定 undetermined{note}</span>")
    return (f"<span class='medrules-amount' data-policy='{policy}' data-layer='{k}'>{fmt_yuan(value)}</span>")


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
            + html.escape(s.explanation) for s in steps)
        if k == "out_of_pocket":
            why = "what no layer pays: cost − all layers"
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
        f"<tr><td>{'' if s.claim is None else s.claim + 1}</td><td>{html.escape(s.layer)}</td>"
        f"<td><code>{html.escape(s.clause)}</code></td>"
        f"<td style='text-align:right'>{shown(s.amount)}</td>"
        f"<td style='text-align:left'>{html.escape(s.explanation)}</td></tr>" for s in result.trace)
    return ("<table class='medrules-trace'><thead><tr><th>claim</th><th>layer</th><th>clause</th><th>amount</th>"
            f"<th style='text-align:left'>why</th></tr></thead><tbody>{rows}</tbody></table>")


# ---------------------------------------------------------------------------------------------------------------
# Export: files a reviewer can check with the CLI.

def result_json(result) -> str:
    """Exactly what `python -m medrules evaluate scenario.json` prints for the same scenario."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _status_mark(policy: str) -> str:
    """The policy's status mark (〔已失效（自2026-01-01起）〕, 〔仅据新闻报道〕…), as on the book's pages: every
    comparison column and export carries it. Empty for a policy that cannot be loaded."""
    from .book import status_mark
    try:
        return status_mark(policy)
    except Exception:  # noqa: BLE001  (an unknown policy already shows its own error)
        return ""


def result_csv_rows(policy: str, scenario: dict, result=None, error: str | None = None) -> list[dict]:
    person = scenario["person"]
    base = {"policy": policy, "category": person.get("category") or ";".join(person.get("statuses") or ()),
            "insurance": person["insurance"]}
    status = {"policy_status": _status_mark(policy).strip("〔〕")}
    if result is None:
        return [{**base, "claim": "", "date": "", "setting": "", "policy_range_cost": "",
                 **{k: "" for k in KEYS}, "error": error, **status}]
    rows = [{**base, "claim": c["claim"] + 1, "date": c["date"], "setting": c["setting"],
             "policy_range_cost": f"{c['policy_range_cost']:.2f}", **{k: _csv_amount(c[k]) for k in KEYS},
             "error": "", **status} for c in result.claims]
    cost = sum((c["policy_range_cost"] for c in result.claims), Decimal(0))
    rows.append({**base, "claim": "total", "date": "", "setting": "", "policy_range_cost": f"{cost:.2f}",
                 **{k: _csv_amount(result.totals[k]) for k in KEYS}, "error": "", **status})
    return rows


def _csv_amount(value) -> str:
    return "待定 undetermined" if value is None else f"{value:.2f}"


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _write_exports(stem: str, files: dict) -> str:
    """Write {suffix: text} as <stem><suffix> in EXPORT_DIR; return HTML naming the paths, with download links."""
    EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    items = []
    for suffix, (text, mime) in files.items():
        path = EXPORT_DIR / f"{stem}{suffix}"
        # CSV with a byte-order mark, so that Excel opens the Chinese text correctly.
        data = ("\ufeff" + text if suffix.endswith(".csv") else text).encode("utf-8")
        path.write_bytes(data)
        uri = f"data:{mime};charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
        items.append(f"<li><code class='medrules-export-path'>{html.escape(str(path))}</code> "
                     f"<a download='{html.escape(path.name)}' href='{uri}'>下载 download</a></li>")
    return "<div class='medrules-export'>已导出 Exported:<ul style='margin:2px 0'>" + "".join(items) + "</ul></div>"


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


# ---------------------------------------------------------------------------------------------------------------
# The calculators.

class _Form:
    """Person, claims (as tabs) and presets, shared by Calculator and Comparison."""

    def __init__(self, presets: list[Preset], first: Preset):
        self._hold = True
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

    def _layout_claims(self):
        self.claim_tabs.children = [r.box for r in self.claims]
        self.claim_tabs.titles = [f"就医{i + 1} Claim {i + 1}" for i in range(len(self.claims))]
        self.remove_claim.disabled = len(self.claims) <= 1
        self.add_claim.disabled = len(self.claims) >= MAX_CLAIMS

    def _add_claim(self):
        last = self.claims[-1].to_dict()
        row = ClaimRow({**last, "date": last["date"] or "2023-01-01"})
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

    def _changed(self, _change=None):
        if not self._hold:
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

    def form_controls(self) -> list:
        return [self.preset, self.category, self.insurance, self.claim_tabs,
                w.HBox([self.add_claim, self.remove_claim])]

    def recompute(self):
        raise NotImplementedError


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
                                            selected_index=None)
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
        """The scenario in the CLI's JSON format."""
        return {"policy": self.policy_id, "person": self.person(), "claims": [r.to_dict() for r in self.claims],
                "inputs": {**self.fixed_inputs, **self.policy_inputs.values()}}

    def recompute(self):
        # Outputs are set on the widgets themselves (not captured with `with out:`), so the result is the same
        # with or without a front end listening: in JupyterLab, Voilà, nbval and a plain script.
        for out in (self.table, self.chart, self.trace):
            out.outputs = ()
        self.export_box.value = ""
        self.result, self.error = _run(self.scenario())
        if self.result is None:
            title = "计算出错 Engine error" if self.error.startswith("engine error") else "输入有误 Input problem"
            self.message.value = f"<b style='color:#b00'>{title}:</b> {html.escape(self.error, quote=False)}"
            self.hint.value = html.escape(_hint(self.error))
            if self.error.startswith("inputs.") and hasattr(self, "inputs_accordion"):
                self.inputs_accordion.selected_index = 0  # show the input the message names
            self.headline.value = f"<div class='medrules-refused' data-policy='{self.policy_id}'></div>"
            self.export_button.disabled = True
            return
        self.message.value = ""
        self.hint.value = ""
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
        """Write <policy>-<category>-<time>.scenario.json / .result.json / .csv; return the paths."""
        if self.result is None:
            self.export_box.value = "<b>Nothing to export: fix the input first.</b>"
            return {}
        scenario = self.scenario()
        stem = f"{self.policy_id}-{scenario['person']['category']}-{_stamp()}"
        files = {".scenario.json": (json.dumps(scenario, ensure_ascii=False, indent=2) + "\n", "application/json"),
                 ".result.json": (result_json(self.result), "application/json"),
                 ".csv": (_csv(result_csv_rows(self.policy_id, scenario, self.result)), "text/csv")}
        self.export_box.value = _write_exports(stem, files)
        return {s: EXPORT_DIR / f"{stem}{s}" for s in files}

    def view(self):
        inputs = self.inputs_accordion if self.policy_inputs.widgets else w.HTML()
        left = w.VBox(self.form_controls() + [inputs, self.message, self.hint],
                      layout=w.Layout(width="34em", flex="0 0 34em"))
        right = w.VBox([self.headline, w.HBox([self.export_button]), self.export_box,
                        w.HTML("<b>每次就医 Per claim</b>"), self.table],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        return w.VBox([w.HBox([left, right], layout=w.Layout(flex_flow="row wrap")),
                       w.Accordion(children=[self.trace], titles=("依据 Full trace (every step, every clause)",),
                                   selected_index=None)])


class Comparison(_Form):
    """One person, the same claims, every encoded policy side by side."""

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
        self.headline = w.HTML()
        self.export_button = w.Button(description="导出 Export JSON + CSV", icon="download",
                                      layout=w.Layout(width="16em"))
        self.export_button.on_click(lambda _b: self.export())
        self.export_box = w.HTML()
        self.outcomes = {}
        self._hold = False
        self.recompute()

    def scenario(self, policy: str) -> dict:
        return {"policy": policy, "person": self.person(), "claims": [r.to_dict() for r in self.claims],
                "inputs": self.policy_inputs[policy].values()}

    def recompute(self):
        self.export_box.value = ""
        self.outcomes = {p: _run(self.scenario(p)) for p in self.policies}
        self.headline.value = self.html()

    def summary(self) -> dict:
        """{policy: totals as text, or {"error": message}}."""
        return {p: ({"error": e} if r is None else {k: shown(v) for k, v in r.totals.items()})
                for p, (r, e) in self.outcomes.items()}

    def html(self) -> str:
        if not self.policies:
            return "<b>No policy has a rules module yet.</b>"
        head = "".join(f"<th style='font-size:13px;overflow-wrap:anywhere'>{html.escape(self._title(p))}"
                       f"<br><code style='font-size:11px'>{p}</code></th>" for p in self.policies)
        refused = {p: e for p, (r, e) in self.outcomes.items() if r is None}
        rows = []
        for i, k in enumerate(KEYS):
            cells = []
            for p in self.policies:
                result = self.outcomes[p][0]
                if result is not None:
                    cells.append(f"<td style='text-align:right'>{_amount_span(k, result.totals[k], p, result)}</td>")
                elif i == 0:
                    cells.append(f"<td rowspan='{len(KEYS)}' style='vertical-align:top;color:#b00;font-size:12px;overflow-wrap:anywhere'>"
                                 f"<div class='medrules-refused' data-policy='{p}'><b>不适用/输入有误 Refused:</b> "
                                 f"{html.escape(refused[p])}</div></td>")
            weight = "font-weight:600;" if k in ("medical_assistance", "out_of_pocket") else ""
            rows.append(f"<tr style='{weight}'><td>{_layer_label(k)}</td>{''.join(cells)}</tr>")
        bars = "".join(share_bar(r.totals, self._title(p)) for p, (r, e) in self.outcomes.items() if r is not None)
        skipped = "".join(f"<li><code>{p}</code>: {html.escape(why)}</li>" for p, why in self.not_compared.items())
        if skipped:
            skipped = ("<div style='font-size:12px;margin-top:8px'>不参与对比 Not compared (encoded, but not as claim "
                       f"layers):<ul style='margin:2px 0'>{skipped}</ul></div>")
        return ("<div class='medrules-compare' style='overflow-x:auto'>"
                "<table style='border-collapse:collapse;table-layout:fixed;width:100%' border='1' cellpadding='4'>"
                f"<tr><th style='width:9em'>层次 Layer (元)</th>{head}</tr>{''.join(rows)}</table>"
                f"<div style='margin-top:10px'>{bars}{share_legend() if bars else ''}</div>{skipped}</div>")

    @staticmethod
    def _title(policy: str) -> str:
        """Place and document number (or the start of the title): short enough for a column head."""
        try:
            meta = load_policy(policy).meta
        except Exception:  # noqa: BLE001
            return policy
        place = (meta.get("place") or {}).get("zh", "")
        title = (meta.get("title") or {}).get("zh", "")
        tail = meta.get("document_number") or (title if len(title) <= 14 else title[:13] + "…")
        return f"{place} {tail} {_status_mark(policy)}".strip() or policy

    def export(self) -> dict:
        stem = f"compare-{self.category.value}-{_stamp()}"
        doc, rows = {}, []
        for p, (result, error) in self.outcomes.items():
            scenario = self.scenario(p)
            doc[p] = {"scenario": scenario, "result": result.to_dict() if result is not None else None, "error": error}
            rows += result_csv_rows(p, scenario, result, error)
        files = {".json": (json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "application/json"),
                 ".csv": (_csv(rows), "text/csv")}
        self.export_box.value = _write_exports(stem, files)
        return {s: EXPORT_DIR / f"{stem}{s}" for s in files}

    def view(self):
        accordion = w.Accordion(children=[self.policy_inputs[p].box for p in self.policies],
                                titles=tuple(f"{p} 参数 inputs" for p in self.policies))
        left = w.VBox(self.form_controls() + [accordion], layout=w.Layout(width="34em", flex="0 0 34em"))
        self.headline.layout.width = "100%"
        right = w.VBox([self.headline, self.export_button, self.export_box],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        return w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))
