"""One person, the same claims, every claim policy side by side: the comparison the workshop dashboard shows, and
`python -m medrules compare SCENARIO.json` (medrules/cli/compare.py) for scripts and reviewers.

Each policy starts from the book's illustrative inputs (CLAIM_INPUTS below): values its text leaves open,
shown as 假设 (assumptions) wherever the comparison is shown; a scenario's own inputs replace them. A layer that
needs a value nobody gave says so in its cell (benefit.undetermined, naming the field); a policy whose validity no
claim falls in says 已失效 / 尚未施行 / 尚无生效日期 instead of refusing. Every column carries the policy's status
mark.
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..core.messages import catalogue, msg, text
from ..core.money import fmt_yuan, times
from ..core.policy import PolicyError, load_policy, policy_ids
from ..core.rulebook import LAYERS
from ..core.scenario import InputError, parse_scenario
from ..core.status import marked_name

KEYS = tuple(LAYERS) + ("out_of_pocket",)
OUTSIDE = "no claim falls within"  # the engine's refusal when every claim is outside the validity

# The illustrative inputs of the comparison (book/comparison.md) and the benefit tables: one place, so the two
# pages always run the same people with the same assumptions. Only Wenzhou's deductible is a plausible value from
# practice; the Shandong and Guizhou values are illustrative, not from any text (the pages say so): Guizhou's
# threshold is the report's "1.3万元左右" taken as exactly 13,000, its employee outpatient ratio the middle of the
# reported 50%–70%; the report gives its tilted assistance no ratio or limit, so the illustration borrows the shape
# of Shandong's re-assistance (不低于70%, 最高2万元) — examples, shown as 示例 wherever they are used.
CLAIM_INPUTS = {
    "wenzhou-2021-78": {"critical_illness_base_deductible": "30000"},
    "shandong-2022-major-illness": {"critical_illness.base_deductible": "30000", "critical_illness.base_ratio": "0.60",
                                    "critical_illness.key_group_ratio_increase": "0.05",
                                    "medical_assistance.still_heavy_threshold": "20000"},
    "guizhou-2024-medical-security": {"medical_assistance_ratio": "0.70", "tilted_assistance_threshold": "13000",
                                      "tilted_assistance_ratio": "0.70", "tilted_assistance_annual_limit": "20000",
                                      "employee_outpatient_ratio": "0.60"},
}
# Slip amounts a policy's text does not compute and the illustrative stay therefore needs, as a share of the costs
# within the policy range (as the slip's basic insurance is, book/benefits.py BASIC_SHARE): Guizhou's report defines
# no critical-illness insurance. Illustrative (示例), not from any text; a scenario's own slip amount replaces it.
CLAIM_SLIP_EXAMPLES = {
    "guizhou-2024-medical-security": {"critical_illness_paid": Decimal("0.30")},
}


def slip_examples(shares: dict, policy_range_cost) -> dict[str, str]:
    """A claim's example slip amounts for its policy-range cost, to the fen, from one policy's shares
    (CLAIM_SLIP_EXAMPLES[policy]), as the dashboards fill them (publish/widgets/claim_rows.py)."""
    return {field: str(times(Decimal(str(policy_range_cost)), share)) for field, share in shares.items()}


def encoded_policies() -> list[str]:
    """The policies whose rules module exists (medrules/rules/<id>.py)."""
    return [p for p in policy_ids()
            if importlib.util.find_spec("medrules.rules." + p.replace("-", "_")) is not None]


def claim_policies() -> tuple[list[str], dict[str, str]]:
    """(encoded policies that settle claims layer by layer, {policy: why not} for modules that encode no claims).

    A module that does not import (being written) counts as a claim policy: its column shows the error."""
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


def claim_policy_ids() -> list[str]:
    """The policies that settle claims layer by layer (the comparison's columns), in a stable order."""
    return claim_policies()[0]


def assumptions(policy_id: str) -> dict:
    """The book's illustrative inputs for a policy: values its text does not give (假设)."""
    return dict(CLAIM_INPUTS.get(policy_id, {}))


def field_label(policy_id: str, field_name: str, lang: str = "zh") -> str:
    """A field as staff call it: a policy input's label, a slip field from the catalogue, else its code."""
    if field_name.startswith("inputs."):
        name = field_name.removeprefix("inputs.")
        try:
            label = (load_policy(policy_id).inputs.get(name) or {}).get("label") or {}
        except PolicyError:
            label = {}
        return label.get(lang) or name
    key = f"field.{field_name.split('.')[-1]}"
    return text(key, lang) if key in catalogue() else field_name


@dataclass
class Column:
    policy: str
    name: str                      # place and status mark, as in the book (marked_name)
    state: str                     # complete | partial | expired | not-yet | no-start | refused
    cells: dict                    # {layer: text}: an amount, benefit.undetermined, or "" when the column has no result
    amounts: dict                  # {layer: Decimal | None}
    notes: list = field(default_factory=list)       # (zh, en) sentences under the column
    assumed: dict = field(default_factory=dict)     # {input: value} taken from the book's assumptions
    result: object = None
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.result is not None


_VALIDITY = re.compile(r"validity \((\d{4}-\d{2}-\d{2})")   # a start date, assumed or stated


def validity_state(policy_id: str, claims: list, message: str = "") -> tuple[str, tuple[str, str]]:
    """Why no claim is in force, as a plain sentence: after the end, before the start, or no start date known.
    The start is the policy's, else the one the engine's refusal names (a reported policy's first day)."""
    policy = load_policy(policy_id)
    start, end = policy.in_force_from, policy.in_force_to
    if start is None and _VALIDITY.search(message or ""):
        start = dt.date.fromisoformat(_VALIDITY.search(message).group(1))
    dates = sorted(str(c.get("date")) for c in claims)
    if end and dates and dates[0] > end.isoformat():
        since = (end + dt.timedelta(days=1)).isoformat()
        return "expired", msg("workshop.column_expired", since=since, dates="、".join(dates))
    if start:
        return "not-yet", msg("workshop.column_not_yet", start=start.isoformat(), dates="、".join(dates))
    return "no-start", msg("workshop.column_no_start", dates="、".join(dates))


def column(policy_id: str, person: dict, claims: list, inputs: dict | None = None,
           readings: dict | None = None, assumed: dict | None = None) -> Column:
    """One policy's column. Inputs are those given, and for names not given the book's assumptions, listed as
    such (`assumed` overrides which: the dashboard passes the ones still at the book's value). Bad input (a field
    the policy refuses) raises InputError; a validity the claims miss is the column's state, not an error."""
    if assumed is None:
        assumed = {k: v for k, v in assumptions(policy_id).items() if k not in (inputs or {})}
    given = {**assumed, **(inputs or {})}
    try:
        name = marked_name(policy_id)
    except Exception:  # noqa: BLE001 - an unknown policy: its refusal below says why
        name = policy_id
    empty = {k: "" for k in KEYS}
    scenario = {"policy": policy_id, "person": person, "claims": claims, "inputs": given}
    if readings:
        scenario["readings"] = readings
    try:
        from ..core.result import evaluate
        result = evaluate(parse_scenario(scenario))
    except InputError as e:
        if OUTSIDE in str(e):
            state, sentence = validity_state(policy_id, claims, str(e))
            return Column(policy_id, name, state, empty, {k: None for k in KEYS}, [sentence], assumed, None, str(e))
        raise
    except PolicyError as e:
        return Column(policy_id, name, "refused", empty, {k: None for k in KEYS}, [(e.zh or str(e), str(e))], assumed,
                      None, str(e))
    cells, notes = {}, []
    needs = {}
    for c in result.claims:
        for layer, why in (c.get("undetermined") or {}).items():
            needs.setdefault(layer, set()).add(why.get("field") or "?")
    for k in KEYS:
        value = result.totals[k]
        if value is None:
            fields = "、".join(field_label(policy_id, f) for f in sorted(needs.get(k, ())) or ["?"])
            cells[k] = text("benefit.undetermined", "zh", field=fields)
        else:  # out of pocket after an undetermined layer is only an upper bound
            bound = "≤ " if k == "out_of_pocket" and not result.complete else ""
            cells[k] = bound + fmt_yuan(value)
    for c in result.claims:
        if c.get("in_force") is False:
            notes.append(msg("workshop.claim_outside", n=c["claim"] + 1, date=c["date"]))
    if not result.complete:
        notes.append(msg("workshop.partial"))
    for name_, value in assumed.items():
        notes.append(tuple(text("workshop.assumed", lang, name=field_label(policy_id, "inputs." + name_, lang),
                                 value=value) for lang in ("zh", "en")))
    return Column(policy_id, name, "complete" if result.complete else "partial", cells, dict(result.totals), notes,
                  assumed, result, None)


def compare(person: dict, claims: list, inputs: dict | None = None, policies: list[str] | None = None,
            readings: dict | None = None) -> list[Column]:
    """Every claim policy's column; `inputs` maps a policy to its inputs (two policies may use one name for
    different things); a policy not in it gets the book's assumptions."""
    inputs = inputs or {}
    return [column(p, person, claims, inputs.get(p), (readings or {}).get(p))
            for p in (policies if policies is not None else claim_policy_ids())]


def layer_name(k: str, lang: str = "zh") -> str:
    return text(f"layer.{k}", lang)


def render_text(columns: list[Column]) -> str:
    """The comparison as a plain-text table, Chinese first, then the notes per policy."""
    head = ["层次 layer (元)"] + [c.name for c in columns]
    rows = [head]
    for k in KEYS:
        rows.append([f"{layer_name(k)} {layer_name(k, 'en')}"]
                    + [c.cells[k] if c.answered else "—" for c in columns])
    widths = [max(_width(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(_pad(cell, widths[i], right=i > 0 and r is not head) for i, cell in enumerate(r)).rstrip()
             for r in rows]
    for c in columns:
        lines.append("")
        lines.append(f"{c.name} ({c.policy})")
        for zh, en in c.notes:
            lines.append(f"  {zh}" + (f" / {en}" if en != zh else ""))
    return "\n".join(lines) + "\n"


def _width(s: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(s))
    return gap + s if right else s + gap
