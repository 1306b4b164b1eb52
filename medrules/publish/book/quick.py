"""速查 (the top of book/benefits.md): the answer to the question staff are asked — "低保对象住院，自付20万，医疗救助能报
多少？" — for every claim policy, within one screen.

The book is static (no kernel), so every answer is computed here, at build time, through the engine
(medrules.core.result.evaluate, the same entry point as the CLI): each policy × status × insurance × kind of care ×
the two ways staff state an amount × a ladder of amounts. book/_static/medrules-quick.js only picks among them. The
amount is either what is left after basic insurance (自付, within the policy range) or the total within the policy
range; basic insurance is taken to pay BASIC_SHARE of the total either way (a stated assumption). Values a text does
not give come from the book's one illustrative set (medrules.analysis.compare: CLAIM_INPUTS, CLAIM_SLIP_EXAMPLES) and are
shown as 示例 beside the answer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from html import escape
from pathlib import Path

from ...analysis.compare import CLAIM_INPUTS, CLAIM_SLIP_EXAMPLES, field_label, slip_examples
from ...core.messages import catalogue, html, msg, text
from ...core.money import fmt_ratio, fmt_yuan
from ...core.policy import load_policy, policy_ids
from ...core.rulebook import LAYERS
from ...core.status import policy_status
from .benefits import BASIC_SHARE, STAY_DATE, wan
from .pages import REPO, policy_page

QUICK_AMOUNTS = [5000, 10000, 20000, 30000, 50000, 80000, 100000, 150000, 200000, 300000, 500000]
DEFAULTS = {"status": "dibao", "insurance": "resident", "setting": "inpatient", "basis": "after_basic",
            "amount": 200000}
BASES = ("after_basic", "total")
KINDS_SHOWN = ("inpatient", "chronic_outpatient", "outpatient")  # the kinds of care staff are asked about, in order


def claim_kinds() -> list[tuple[str, str, str]]:
    """(code, 中文, English) of the kinds of care the quick answer offers, from medrules.core.categories (the claim
    kinds there; 住院, 门诊慢特病 and 普通门诊 where the engine knows them)."""
    from ...core import categories
    table = getattr(categories, "CLAIM_KINDS", None) or categories.SETTINGS
    return [(code, *table[code]) for code in KINDS_SHOWN if code in table]


def people() -> list[tuple[str, str, str]]:
    """(code, 中文, English): every status a person can hold, then 普通参保人 (no status)."""
    from ...core.categories import CATEGORIES, STATUSES
    return [(code, zh, en) for code, (zh, en) in STATUSES.items()] + [("general", *CATEGORIES["general"])]


def stay(basis: str, amount: int, setting: str, slip_shares: dict) -> dict:
    """One claim as the settlement record gives it: basic insurance at BASIC_SHARE of the policy-range total; the
    total is the amount (basis "total") or what makes the amount the part left after basic insurance; a slip amount
    the policy's text does not compute at its example share of the total (CLAIM_SLIP_EXAMPLES[policy])."""
    amount = Decimal(amount)
    if basis == "total":
        total, basic = amount, (amount * BASIC_SHARE).quantize(Decimal("0.01"))
    else:
        basic = (amount * BASIC_SHARE / (1 - BASIC_SHARE)).quantize(Decimal("0.01"))
        total = amount + basic
    return {"date": STAY_DATE, "setting": setting, "facility": "tertiary", "policy_range_cost": str(total),
            "basic_insurance_paid": str(basic), "supplementary_insurance_paid": "0", "pre_self_paid": "0",
            "referred": True, "followed_treatment_guidance": True, "in_city_designated_hospital": True,
            **slip_examples(slip_shares, total)}


def answer(policy_id: str, status: str, insurance: str, setting: str, basis: str, amount: int, needs: list) -> list:
    """One answer: each layer (LAYERS, then out_of_pocket) as a formatted amount or the index of a 待定 reason in
    `needs`, then how far out of pocket is known: "" (exactly), "upper_bound" (a layer is undetermined, so it is at
    most that) or the layers the engine knows only as a maximum (so it is at least that); or a refusal's index."""
    from ...core.policy import PolicyError
    from ...core.result import evaluate
    from ...core.scenario import InputError, parse_scenario

    person = {"statuses": [] if status == "general" else [status], "insurance": insurance}
    try:
        result = evaluate(parse_scenario({"policy": policy_id, "person": person, "inputs": CLAIM_INPUTS[policy_id],
                                          "claims": [stay(basis, amount, setting,
                                                          CLAIM_SLIP_EXAMPLES.get(policy_id, {}))]})).to_dict()
    except (InputError, PolicyError) as e:
        return [_need(needs, (f"未计算：{e.zh or e}", f"not computed: {e}"))]
    claim = result["claims"][0]
    open_ = claim.get("undetermined") or {}
    cells = []
    for layer in (*LAYERS, "out_of_pocket"):
        if claim.get(layer) is not None:
            cells.append(fmt_yuan(Decimal(claim[layer])))
            continue
        fields = sorted({u.get("field") or "?" for u in ([open_[layer]] if layer in open_ else open_.values())})
        zh = text("benefit.undetermined", "zh", field="、".join(field_label(policy_id, f) for f in fields))
        en = text("benefit.undetermined", "en", field=", ".join(field_label(policy_id, f, "en") for f in fields))
        cells.append(_need(needs, (zh, en)))
    if claim.get("complete", not open_):
        return cells + [""]
    return cells + ["upper_bound" if open_ else list(claim.get("upper_bound") or [])]


def _need(needs: list, pair_: tuple) -> int:
    if list(pair_) not in needs:
        needs.append(list(pair_))
    return needs.index(list(pair_))


def examples(policy_id: str) -> list[list[str]]:
    """The 示例 values a policy's answers use: [中文, English] per illustrative input or slip amount."""
    spec = load_policy(policy_id).inputs
    out = []
    for name, value in CLAIM_INPUTS.get(policy_id, {}).items():
        label = (spec.get(name) or {}).get("label") or {"zh": name, "en": name}
        unit = (spec.get(name) or {}).get("unit")
        shown = fmt_ratio(Decimal(value)) if unit == "ratio" else f"{fmt_yuan(Decimal(value))}"
        out.append([text("quick.example", "zh", name=label["zh"], value=shown),
                    text("quick.example", "en", name=label["en"], value=shown)])
    for field, share in CLAIM_SLIP_EXAMPLES.get(policy_id, {}).items():
        zh, en = (text("quick.example_share", lang, share=fmt_ratio(share)) for lang in ("zh", "en"))
        out.append([text("quick.example", "zh", name=field_label(policy_id, field), value=zh),
                    text("quick.example", "en", name=field_label(policy_id, field, "en"), value=en)])
    return out


def quick_data(today: dt.date | None = None, root: Path = REPO) -> dict:
    """Everything the quick answer shows, computed now: labels, each policy's status and 示例 values, and every
    answer keyed "policy|status|insurance|setting|basis|amount"."""
    from ...core.categories import INSURANCE_TYPES
    today = today or dt.date.today()
    pids = [p for p in CLAIM_INPUTS if p in policy_ids()]
    needs: list = []
    policies = []
    for pid in pids:
        meta = load_policy(pid).meta
        st = policy_status(pid, today)
        page = policy_page(pid, root)
        policies.append({"id": pid, "zh": meta["place"]["zh"], "en": meta["place"]["en"],
                         "marks": [list(m) for m in st["marks"]], "key": st["key"], "examples": examples(pid),
                         "page": f"../notebooks/{page.stem}.html" if page else None})
    kinds, persons = claim_kinds(), people()
    answers = {}
    for pid in pids:
        for status, *_ in persons:
            for insurance in INSURANCE_TYPES:
                for setting, *_ in kinds:
                    for basis in BASES:
                        for amount in QUICK_AMOUNTS:
                            answers[f"{pid}|{status}|{insurance}|{setting}|{basis}|{amount}"] = answer(
                                pid, status, insurance, setting, basis, amount, needs)
    layers = [[k, *msg(f"layer.{k}")] for k in (*LAYERS, "out_of_pocket")]
    return {
        "policies": policies, "statuses": [list(p) for p in persons],
        "insurances": [[k, *v] for k, v in INSURANCE_TYPES.items()], "settings": [list(k) for k in kinds],
        "bases": [[b, *msg(f"quick.basis.{b}")] for b in BASES],
        "amounts": [[a, wan(a), f"{fmt_yuan(Decimal(a))} yuan"] for a in QUICK_AMOUNTS],
        "layers": layers, "needs": needs, "answers": answers, "defaults": DEFAULTS,
        # Templates the script fills ({person}, {amount} …): the catalogue's own words, not a copy.
        "text": {k: [catalogue()[f"quick.{k}"]["zh"], catalogue()[f"quick.{k}"]["en"]]
                 for k in ("question", "basic_assumed", "oop", "upper_bound", "lower_bound", "at_most", "examples_head",
                           "open_page")},
        "share": fmt_ratio(BASIC_SHARE),
    }


def quick_answer(today: dt.date | None = None, root: Path = REPO) -> str:
    """The HTML block (raw, for book/_generated/quick-answer.md): the controls, an empty answer the script fills,
    the stated assumptions, and the precomputed answers as JSON."""
    data = quick_data(today, root)
    share = fmt_ratio(BASIC_SHARE)
    labels = "".join(
        f'<label class="medrules-quick-field"><span class="medrules-quick-label">{html(f"quick.{name}")}</span>'
        f'<select data-quick="{name}" aria-label="{escape(msg(f"quick.{name}")[0])}"></select></label>'
        for name in ("policy", "status", "insurance", "setting", "basis", "amount"))
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return (f'<div class="medrules-quick" role="region" aria-label="{escape(msg("quick.title")[0])}">'
            f'<form class="medrules-quick-form" onsubmit="return false">{labels}</form>'
            f'<div class="medrules-quick-answer" aria-live="polite"></div>'
            f'<p class="medrules-quick-assumed">{html("quick.assumptions", share=share, date=STAY_DATE)}</p>'
            f'<noscript><p>{html("quick.no_script")}</p></noscript>'
            f'<script type="application/json" id="medrules-quick-data">{payload}</script></div>')


def quick_sources(root: Path = REPO) -> str:
    """A digest of everything an answer depends on (the engine and its rules, the policies, the catalogue): the
    block is recomputed only when it changes (a few thousand runs of the engine take seconds)."""
    digest = hashlib.sha256()
    files = sorted((root / "medrules").rglob("*.py")) + sorted((root / "policies").rglob("*.yaml"))
    files += [root / "medrules" / "messages.yaml"]
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
