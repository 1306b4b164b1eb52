"""待遇速查 (book/benefits.md and the front page's glance): what each layer pays for a ladder of inpatient costs, per
claim policy and group, computed by the engine at build time with the comparison's illustrative inputs
(CLAIM_INPUTS, medrules/analysis/compare.py: one place, so the pages run the same people with the same
assumptions)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from ...analysis.compare import CLAIM_INPUTS
from ...core.messages import html, msg, pair, text
from ...core.money import fmt_yuan
from ...core.policy import load_policy, policy_ids
from ...core.status import marked_name, policy_status, status_mark
from .pages import REPO, policy_page

STAY_DATE = "2024-10-15"    # within Wenzhou's 2022-01-01 – 2025-12-31; the reports give no end date
BASIC_SHARE = Decimal("0.55")  # the settlement slip's basic-insurance share (examples/dibao-200k-inpatient.json)
BENEFIT_LADDER = [10000, 20000, 50000, 100000, 200000, 500000]  # 1万 … 50万 yuan
BENEFIT_GROUPS = ["tekun", "dibao", "dibian", "yinbing_zhipin", "jiance", "tufa_kunnan", "general"]
BENEFIT_LAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
                  "further_relief")


def inpatient_stay(cost, date: str = STAY_DATE) -> list[dict]:
    """One tertiary inpatient stay, referred and within the treatment guidance, with the slip's basic insurance
    at BASIC_SHARE of the costs within the policy range."""
    cost = Decimal(cost)
    # The record shows no supplementary-insurance payment and no 乙类先行自付 (0 each); no critical-illness slip.
    return [{"date": date, "setting": "inpatient", "facility": "tertiary", "policy_range_cost": str(cost),
             "basic_insurance_paid": str((cost * BASIC_SHARE).quantize(Decimal("0.01"))),
             "supplementary_insurance_paid": "0", "pre_self_paid": "0",
             "referred": True, "followed_treatment_guidance": True, "in_city_designated_hospital": True}]


def wan(amount: int) -> str:
    """20万元 as the documents write it (whole 万 only; the ladder has no others)."""
    return f"{amount // 10000}万元" if amount % 10000 == 0 else f"{fmt_yuan(Decimal(amount))}元"


def benefit_row(policy_id: str, category: str, cost: int) -> dict:
    """One stay through the public entry point: {layer: Decimal | ("undetermined", field) }, or {"error": text}.

    The engine may report per claim `complete` and `undetermined` {layer: {"field", "clause"}}; a layer listed
    there, or given as null, is shown as undetermined with the field it needs."""
    from ...core.result import evaluate
    from ...core.scenario import parse_scenario
    from ...core.policy import PolicyError
    from ...core.scenario import InputError

    try:
        result = evaluate(parse_scenario({"policy": policy_id, "person": {"category": category, "insurance": "resident"},
                                          "claims": inpatient_stay(cost), "inputs": CLAIM_INPUTS.get(policy_id, {})}))
    except InputError as e:
        return {"error": str(e), "error_zh": e.zh or str(e), "field": e.field.split(".")[-1]}
    except PolicyError as e:
        return {"error": str(e), "error_zh": e.zh or str(e), "field": "?"}
    claim = result.to_dict()["claims"][0]
    undetermined = claim.get("undetermined") or {}
    row = {}
    for layer in (*BENEFIT_LAYERS, "out_of_pocket"):
        if layer in undetermined:
            row[layer] = ("undetermined", undetermined[layer].get("field") or "?")
        elif claim.get(layer) is None:
            fields = sorted({u.get("field") or "?" for u in undetermined.values()}) or ["?"]
            row[layer] = ("undetermined", "、".join(fields))
        else:
            row[layer] = Decimal(claim[layer])
    return row


def _field_pair(field: str) -> tuple[str, str]:
    """A field as readers call it (field.<name> in the catalogue), else its code."""
    from ...core.messages import catalogue
    return msg(f"field.{field}") if f"field.{field}" in catalogue() else (field, field)


def _needs(key: str, field: str) -> str:
    zh, en = _field_pair(field)
    return pair(text(key, "zh", field=zh), text(key, "en", field=en))


def _cell(value) -> str:
    if isinstance(value, tuple):
        return _needs("benefit.undetermined", value[1])
    return f'<span class="medrules-amount">{fmt_yuan(value)}</span>'


def _layer_head(layer: str) -> str:
    return html(f"layer.{layer}")


def benefit_tables(today: dt.date | None = None, root: Path = REPO) -> str:
    """Markdown for book/benefits.md: per claim policy and group, what each layer pays for each cost of the
    ladder and what is left, computed now by the engine."""
    out = []
    for pid in CLAIM_INPUTS:
        if pid not in policy_ids():
            continue
        meta = load_policy(pid).meta
        page = policy_page(pid, root)
        out += [f"## {meta['place']['zh']}{status_mark(pid, today)} · {meta['place']['en']}", ""]
        st = policy_status(pid, today)
        marks = " · ".join(pair(zh, en) for zh, en in st["marks"])
        link = f"[{meta['title']['zh']}](/notebooks/{page.name})" if page else meta["title"]["zh"]
        out += [f'{link}　<strong class="medrules-mark medrules-mark-{st["key"]}">{marks}</strong>', ""]
        inputs = CLAIM_INPUTS[pid]
        spec = load_policy(pid).inputs
        if inputs:
            listed = "；".join(f"{spec[k]['label']['zh'] if k in spec else k} = {v}" for k, v in inputs.items())
            out += [html("benefit.illustrative_inputs", inputs=listed), ""]
        else:
            out += [html("benefit.no_inputs"), ""]
        out += [html("benefit.date", date=STAY_DATE), ""]
        rows = {(cat, cost): benefit_row(pid, cat, cost) for cat in BENEFIT_GROUPS for cost in BENEFIT_LADDER}
        # A layer the policy never uses (zero for everyone, never undetermined) is left out to keep tables narrow.
        layers = [k for k in BENEFIT_LAYERS
                  if any("error" not in r and r[k] != 0 for r in rows.values())]
        reasons = {}
        for cat in BENEFIT_GROUPS:
            out += [f"### {text('category.' + cat, 'zh')} · {meta['place']['zh']}", ""]
            head = [html("benefit.cost"), *(_layer_head(k) for k in layers), _layer_head("out_of_pocket")]
            out += ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
            for cost in BENEFIT_LADDER:
                r = rows[(cat, cost)]
                first = f'{wan(cost)} <span lang="en">{fmt_yuan(Decimal(cost))}</span>'
                if "error" in r:
                    reasons.setdefault((r["error_zh"], r["error"]), []).append(text("category." + cat, "zh"))
                    out.append(f"| {first} | {_needs('benefit.not_computed', r['field'])} |" + " |" * len(layers))
                else:
                    out.append("| " + " | ".join([first, *(_cell(r[k]) for k in layers), f"**{_cell(r['out_of_pocket'])}**"])
                               + " |")
            out.append("")
        if reasons:
            out += [html("benefit.reasons"), ""]
            # The engine's refusal in Chinese, its English behind the language switch (the same words as the CLI).
            out += [f"- {'、'.join(dict.fromkeys(who))}：{pair(zh, en)}" for (zh, en), who in reasons.items()]
            out.append("")
    return "\n".join(out)


def benefit_glance(cost: int = 200000, today: dt.date | None = None) -> str:
    """Markdown for the front page: what is left to each group after one stay of `cost`, under each claim policy
    (the column carries the policy's status mark)."""
    pids = [p for p in CLAIM_INPUTS if p in policy_ids()]
    head = [pair(text("benefit.stay", "zh", cost=wan(cost)), text("benefit.stay", "en", cost=f"{fmt_yuan(Decimal(cost))} yuan")),
            *(marked_name(p, today) for p in pids)]
    out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * len(pids)]
    for cat in BENEFIT_GROUPS:
        cells = []
        for pid in pids:
            r = benefit_row(pid, cat, cost)
            cells.append(_needs("benefit.not_computed", r["field"]) if "error" in r else _cell(r["out_of_pocket"]))
        out.append(f"| {html('category.' + cat)} | " + " | ".join(cells) + " |")
    return "\n".join(out)
