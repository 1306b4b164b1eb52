"""温政办〔2021〕78号, vectorised: the rules of medrules/rules/wenzhou_2021_78.py over a whole claims table.

Each layer is the scenario rule written on int64 fen arrays. Where the scenario keeps a running total for the
person's year (critical-illness burden, assistance burden, burden eligible for high-cost resolution), this keeps a
grouped cumulative sum over the claims sorted by (person, date, input row); what the scenario pays on a claim,
`due this year − paid so far`, is `due at this claim − due at the group's previous claim that took part`.
Parameters are looked up by name and date from the policy data, never written here; the rule module's own
functions decide who is in hardship. tests/test_batch.py checks this against the scenario engine to the fen.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .batch import (CODES, ClaimsTable, Groups, _err, code, fen_text, param_values, ratio_den, ratio_num, times,
                    yuan_to_fen_exact)
from .engine import RuleError
from .rules import wenzhou_2021_78 as rules

POLICY_ID = rules.POLICY_ID
RESULT_COLUMNS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
                  "further_relief", "out_of_pocket", "pay_after_treatment")
RESULT_DTYPES = {k: (np.bool_ if k == "pay_after_treatment" else np.int64) for k in RESULT_COLUMNS}


def _ratio(policy, param_name: str, input_name: str, inputs: dict, t: ClaimsTable, need: np.ndarray):
    """ClaimContext.at_least per claim: the local input where given, else the floor in force on the date."""
    assert policy.parameters[param_name].kind == "floor", f"{param_name} is not a floor"
    num, den = param_values(policy, param_name, t.date, need, t, ratio_num, ratio_den)
    local = inputs.get(input_name)
    if local is not None:
        f = Fraction(local)
        num, den = np.full(len(t), f.numerator), np.full(len(t), f.denominator)
    return num, np.where(den == 0, 1, den)


def _check(layer: str, pay: np.ndarray, left: np.ndarray, t: ClaimsTable) -> None:
    bad = np.flatnonzero((pay < 0) | (pay > left))
    if len(bad):
        i = bad[0]
        raise RuleError(f"{layer} paid {fen_text(pay[i])} on {t.where(i)} with {fen_text(left[i])} left")


def evaluate(t: ClaimsTable, policy, inputs: dict) -> dict:
    """Claims sorted by (person, date, row) → int64 fen per layer and out_of_pocket, and pay_after_treatment."""
    n = len(t)
    year = t.date.astype("datetime64[Y]").astype(np.int64) + 1970
    groups = Groups.of(t.person, year)
    designated = inputs.get("county_designated_special_hardship", False)
    in_hardship = np.array([rules.is_hardship_group(c, designated) for c in CODES["category"]])
    hardship = in_hardship[t.category]

    outside = np.flatnonzero((t.date < np.datetime64(policy.in_force_from, "D"))
                             | (t.date > np.datetime64(policy.in_force_to, "D")))
    if len(outside):
        i = outside[0]
        raise _err(f"{t.where(i)}, date", f"{t.date[i]} is outside {policy.id}'s validity ({policy.in_force_from} "
                   f"to {policy.in_force_to}, clause {rules.in_force.clause})")

    # 基本医疗保险 — from the slip.
    no_basic = np.flatnonzero(~t.has_basic_insurance_paid)
    if len(no_basic):
        raise _err(f"{t.where(no_basic[0])}, basic_insurance_paid", f"required: {POLICY_ID} does not define the "
                   "basic insurance layer's deductible, ratio or limit, so the amount it paid must come from the "
                   "settlement slip")
    basic = t.basic_insurance_paid
    left = t.policy_range_cost - basic

    # 大病保险 — the slip, or for people in hardship the tilted rule on the year's burden after basic insurance.
    no_slip = ~t.has_critical_illness_paid
    need_slip = np.flatnonzero(no_slip & ~hardship)
    if len(need_slip):
        raise _err(f"{t.where(need_slip[0])}, critical_illness_paid", f"required: {POLICY_ID} defines "
                   "critical-illness insurance only for people in hardship (its tilt); for anyone else the amount "
                   "paid must come from the settlement slip")
    tilt = no_slip & hardship
    ci = np.where(tilt, 0, t.critical_illness_paid)
    if tilt.any():
        base = inputs.get("critical_illness_base_deductible")
        if base is None:
            raise _err("inputs.critical_illness_base_deductible", "required: the plan cuts the critical-illness "
                       "deductible by 50% but does not give it (wenzhou-2021-78/3.3.9); supply it, or the slip "
                       f"amount critical_illness_paid (missing on {t.where(int(np.argmax(tilt)))})")
        cut_num, cut_den = param_values(policy, "critical_illness.deductible_reduction", t.date, tilt, t,
                                        ratio_num, ratio_den)
        cut_den = np.where(cut_den == 0, 1, cut_den)
        deductible = times(np.full(n, yuan_to_fen_exact(base)), cut_den - cut_num, cut_den)  # base × (1 − cut)
        param_values(policy, "critical_illness.cap_abolished", t.date, tilt, t, bool)
        num, den = _ratio(policy, "critical_illness.ratio", "critical_illness_ratio", inputs, t, tilt)
        burden = groups.cumsum(np.where(tilt, left, 0))
        due = times(np.maximum(0, burden - deductible), num, den)
        ci = np.where(tilt, due - groups.previous(due, tilt), ci)
    _check("critical_illness_insurance", ci, left, t)
    left = left - ci

    # 医疗救助 — people in hardship: ratio of the year's burden, one annual limit (none for tekun).
    ma = np.zeros(n, dtype=np.int64)
    if hardship.any():
        param_values(policy, "medical_assistance.deductible", t.date, hardship, t, yuan_to_fen_exact)
        num, den = _ratio(policy, "medical_assistance.ratio", "medical_assistance_ratio", inputs, t, hardship)
        burden = groups.cumsum(np.where(hardship, left, 0))
        due = times(burden, num, den)
        tekun = hardship & (t.category == code("category", "tekun"))
        abolished = param_values(policy, "medical_assistance.tekun_limit_abolished", t.date, tekun, t, bool)
        limited = hardship & ~(tekun & abolished)
        limit = param_values(policy, "medical_assistance.annual_limit", t.date, limited, t, yuan_to_fen_exact)
        due = np.where(limited, np.minimum(due, limit), due)
        ma = np.where(hardship, due - groups.previous(due, hardship), 0)
    _check("medical_assistance", ma, left, t)
    left = left - ma

    # 商业补充医疗保险 — from the slip, 0 without one; never more than what the first three layers left.
    supp = np.where(t.has_supplementary_insurance_paid, t.supplementary_insurance_paid, 0)
    over = np.flatnonzero(supp > left)
    if len(over):
        i = over[0]
        raise _err(f"{t.where(i)}, supplementary_insurance_paid", f"{fen_text(supp[i])} is more than the "
                   f"{fen_text(left[i])} left after the layers before it")
    left = left - supp

    # 高额医疗费用化解 — eligible claims: the year's burden above the threshold is resolved.
    eligible = hardship & t.followed_treatment_guidance & t.referred
    relief = np.zeros(n, dtype=np.int64)
    if eligible.any():
        threshold = param_values(policy, "high_cost.burden_threshold", t.date, eligible, t, yuan_to_fen_exact)
        burden = groups.cumsum(np.where(eligible, left, 0))
        due = np.maximum(0, burden - threshold)
        relief = np.where(eligible, due - groups.previous(due, eligible), 0)
    _check("high_cost_resolution", relief, left, t)
    left = left - relief

    return {
        "basic_insurance": basic, "critical_illness_insurance": ci, "medical_assistance": ma,
        "supplementary_insurance": supp, "further_relief": relief, "out_of_pocket": left,
        # 先诊疗后付费 (3.3.6)
        "pay_after_treatment": hardship & (t.setting == code("setting", "inpatient")) & t.referred & t.in_city_designated_hospital,
    }
