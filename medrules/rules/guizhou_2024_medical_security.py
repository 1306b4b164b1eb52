"""贵州省医保待遇与医疗救助 (省政府新闻办2024年8月21日新闻发布会, 贵州日报报道) — the encoded clauses.

A press report, not a policy text: it gives no start dates, so every value is known to hold only from the day it
was said in public, the press conference of 2024-08-21 (Policy.known_from; the report is dated 2024-08-22); the
engine marks claims dated earlier as outside the validity and settles the others.
The values the report says were replaced ("由400元提至500元", "由之前的50%提高到70%", the old tilted-assistance
threshold) have no dates at all: they are reachable only through reported_earlier_value(), for before/after
comparisons, never for a dated claim.

Each layer rule works on columns (every claim being settled, money in int64 fen); its docstring's first line gives
the Chinese term and the clause, and the @rule decorator carries the clause ID into every trace step. Numbers
come from parameters.yaml, never from here; each trace sentence is a key of medrules/messages.yaml
(trace.guizhou.*), in Chinese and English. The pure helpers on Decimals (outpatient_year, prenatal care, the two
diseases, the retroactive window) answer questions the claim layers do not.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from ..core.policy import Policy
from ..core.rulebook import Context, Ratio, Slip, rule, times
from ..core.scenario import InputError
# The report's single questions on Decimals live beside the claim layers; the notebook, the casebook and the clause
# review name them in this module.
from .guizhou_2024_questions import (LOOKBACK, PRENATAL_CAP, RESIDENT_PRENATAL_LIMIT,  # noqa: F401
                                     TWO_DISEASES_FACILITIES, medical_assistance_cost_scope, outpatient_visit,
                                     outpatient_year, prenatal_care_reimbursement, reported_earlier_value,
                                     resident_outpatient_annual_limit, retroactive_medical_assistance,
                                     retroactive_window, tilted_assistance_eligible_part,
                                     two_diseases_outpatient_reimbursement)

POLICY_ID = "guizhou-2024-medical-security"
P1, P2, P3, P4, P5, P6, P8, P9, P10, P11 = (f"{POLICY_ID}/p{n}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11))

# 第3段: the resident general outpatient ratio by facility; the report names three levels only.
RESIDENT_OUTPATIENT_RATIO = {
    "village": "resident_general_outpatient.ratio_village_clinic",      # 村卫生室
    "township": "resident_general_outpatient.ratio_township_centre",    # 乡镇卫生院
    "secondary": "resident_general_outpatient.ratio_secondary_hospital",  # 二级医院
}
# 第8段: the groups the report adds to medical assistance; 第9段 names people in sudden serious hardship.
NEWLY_ADDED_RECIPIENTS = ("jiance", "tufa_kunnan")
# Not named by the report: the existing recipients that 新增 (newly added) implies, under reading usual-groups of
# p8:existing-recipients (under unnamed-undetermined their assistance is undetermined).
EXISTING_RECIPIENTS = ("tekun", "dibao", "dibian", "yinbing_zhipin", "fanpin_zhipin")
# Readings (policies/guizhou-2024-medical-security/readings.yaml): where the words allow two meanings that change
# an amount or an eligibility. The helpers on Decimals take a selection {reading id: option} like a scenario's.
LIMIT_SCOPE = f"{POLICY_ID}/p9:limit-scope"
OUTPATIENT_SCOPE = f"{POLICY_ID}/p8:outpatient-scope"
EXISTING = f"{POLICY_ID}/p8:existing-recipients"
VALIDITY = f"{POLICY_ID}/p1:validity"
TILTED_BASE = f"{POLICY_ID}/p10:tilted-base"


@rule(P1)
def in_force(policy: Policy, on: dt.date) -> bool:
    """新闻发布会日期 — guizhou-2024-medical-security/p1: known in force only from the press conference the report
    relays, 2024-08-21 (the report itself is dated 2024-08-22).

    The report gives no start date for any measure; it says they hold 目前 (now). Nothing earlier is known, and
    holding from that day is an assumption (假设：自报道日起)."""
    return on >= policy.known_from


@rule(P1)
def validity_unknown(policy: Policy, on: dt.date, readings: dict) -> bool:
    """施行日期未载明 — guizhou-2024-medical-security/p1: under reading undetermined-before of p1:validity, a claim
    dated before the press conference may fall under the measures too: undetermined."""
    return readings[VALIDITY] == "undetermined-before" and on < policy.known_from


# --------------------------------------------------------------------------------------------------------------
# 第3段 and 第6段: basic insurance
# --------------------------------------------------------------------------------------------------------------

@rule(P3)
def resident_outpatient_reimbursement(c: Context, who: np.ndarray):
    """居民医保普通门诊 — guizhou-2024-medical-security/p3: 90% at village clinics, 85% at township health
    centres, 60% at secondary hospitals, at most 500 yuan a year across visits; no deductible unless the local
    one is supplied (resident_outpatient_deductible). Returns (ratio, annual limit, annual deductible)."""
    ratio = Ratio.of(0, c.n)
    named = np.zeros(c.n, dtype=bool)
    for facility, name in RESIDENT_OUTPATIENT_RATIO.items():
        at = who & c.facility(facility)
        ratio = c.param(name, at).where(at, ratio)
        named |= at
    unknown_facility = who & (c.claims.facility < 0)
    c.mark_missing(unknown_facility, "facility", "trace.guizhou.facility_needed")
    other = who & ~named & ~unknown_facility
    local = c.input_ratio("resident_outpatient_ratio_other_level", other,
                          "trace.guizhou.resident_outpatient_ratio_other_level")
    ratio = local.where(other, ratio)
    limit = c.param("resident_general_outpatient.annual_limit", who)
    return ratio, limit, _optional_amount(c, "resident_outpatient_deductible", who)


@rule(P3)
def employee_outpatient_reimbursement(c: Context, who: np.ndarray):
    """职工医保普通门诊 — guizhou-2024-medical-security/p3: 2,000 yuan a year at a ratio between 50% and 70%,
    which the report does not fix: the local ratio is the input employee_outpatient_ratio (checked against the
    range in validate). Returns (ratio, annual limit, annual deductible)."""
    ratio = c.input_ratio("employee_outpatient_ratio", who, "trace.guizhou.employee_outpatient_ratio_needed")
    limit = c.param("employee_general_outpatient.annual_amount", who)
    return ratio, limit, _optional_amount(c, "employee_outpatient_deductible", who)


def _optional_amount(c: Context, name: str, who: np.ndarray) -> np.ndarray:
    """An input in yuan that defaults to 0 (the report names no outpatient deductible), as fen per claim."""
    value = c.input(name, need=who)
    return np.full(c.n, 0 if value is None else int(value * 100), dtype=np.int64)


@rule(P3)
def general_outpatient(c: Context, computed: np.ndarray, slip: Slip):
    """普通门诊年度限额 — guizhou-2024-medical-security/p3: in each visit the annual deductible still open is
    used first, the ratio applies to the rest, and the payment stops at what is left of the annual limit; a
    visit whose amount comes from the slip uses up the same limit (and the deductible by its deductible_paid).

    With cumulative amounts this telescopes: the deductible used by a visit is min(D, costs so far) − min(D,
    costs before it), and what the year has been paid so far is min(limit, reimbursable so far): "最高報銷限額" is a
    limit on what is reimbursed (readings.yaml not_readings). Returns (pay, the trace values)."""
    resident, employee = computed & c.insurance("resident"), computed & c.insurance("employee")
    r_ratio, r_limit, r_deductible = resident_outpatient_reimbursement(c, resident)
    e_ratio, e_limit, e_deductible = employee_outpatient_reimbursement(c, employee)
    limit = np.where(resident, r_limit, e_limit)
    deductible = np.where(resident, r_deductible, e_deductible)
    pay, values = _outpatient_pay(c, computed, slip, r_ratio.where(resident, e_ratio), limit, deductible)
    if c.input("employee_outpatient_ratio") is None and employee.any():
        # The report gives the employees' ratio as 50% to 70%: where both ends pay the same (the 2,000 reached
        # either way), every ratio between does too — settled, not undetermined.
        c.param("employee_general_outpatient.ratio", employee)   # the range, recorded for the trace
        low, high = (Ratio.of(c.policy.parameters["employee_general_outpatient.ratio"].values[0].value[end], c.n)
                     for end in ("min", "max"))
        pay_low, _ = _outpatient_pay(c, computed, slip, r_ratio.where(resident, low), limit, deductible)
        pay_high, _ = _outpatient_pay(c, computed, slip, r_ratio.where(resident, high), limit, deductible)
        same = employee & (pay_low == pay_high)
        c.either_way(same)
        pay = np.where(same, pay_low, pay)
        values["either_way"] = same
    return pay, values


def _outpatient_pay(c: Context, computed: np.ndarray, slip: Slip, ratio, limit, deductible):
    outpatient_slip = c.kind("outpatient") & slip.given
    # The deductible: computed visits count their cost, slip visits what the record says they paid towards it.
    towards = c.slip("deductible_paid")
    unknown_before = c.groups.any_before(outpatient_slip & ~towards.given)
    c.mark_missing(computed & (deductible > 0) & unknown_before, "deductible_paid", "trace.guizhou.deductible_paid_needed")
    cost = c.left
    costs = c.year_to_date(np.where(computed, cost, towards.amount), of=computed | outpatient_slip)
    used = np.where(computed, np.minimum(deductible, costs) - np.minimum(deductible, c.before_this_claim(costs)), 0)
    reimbursable = times(cost - used, ratio)
    so_far = c.year_to_date(np.where(computed, reimbursable, slip.amount), of=computed | outpatient_slip)
    due = np.minimum(limit, so_far)
    pay = c.pay_due(due, who=computed, paid=Slip(slip.amount, outpatient_slip))
    return pay, dict(ratio=ratio, used=used, limit=limit, due=due, pay=pay)


@rule(P6)
def out_of_province_inpatient_reimbursement(c: Context, who: np.ndarray):
    """省外住院 — guizhou-2024-medical-security/p6: the policy-range cost above the deductible at the local
    ratio, which the report gives only as between 60% and 80% (checked in validate); it says the deductible was
    lowered but gives no amount, and gives no annual limit."""
    ratio = c.input_ratio("out_of_province_inpatient_ratio", who, "trace.guizhou.out_of_province_ratio_needed")
    deductible = c.input_amount("out_of_province_inpatient_deductible", who,
                                "trace.guizhou.out_of_province_deductible_needed")
    pay = times(np.maximum(0, c.left - deductible), ratio)
    return pay, dict(cost=c.left, deductible=deductible, ratio=ratio, pay=pay)


@rule(P5)
def prenatal_care(c: Context, computed: np.ndarray, slip: Slip):
    """产前检查 — guizhou-2024-medical-security/p5: employees 90% up to 1,200 yuan a year; residents up to 1,100 yuan a
    year together with the general outpatient benefit, at a ratio the report does not give (input
    resident_prenatal_ratio). Reading p5:prenatal-cap: caps-reimbursement (default) or caps-costs. A visit whose
    amount comes from the slip uses up the same year's amount. Returns (pay, the trace values)."""
    employee, resident = computed & c.insurance("employee"), computed & c.insurance("resident")
    ratio = c.input_ratio("resident_prenatal_ratio", resident, "trace.guizhou.prenatal_ratio_needed").where(
        resident, c.param("employee_prenatal.ratio", employee))
    limit = np.where(resident, c.param("resident_prenatal.annual_amount_with_outpatient", resident),
                     c.param("employee_prenatal.annual_amount", employee))
    counted = computed | (c.kind("maternity_outpatient") & slip.given)
    if c.reading(PRENATAL_CAP) == "caps-costs":   # the year's amount caps the costs counted, slip visits' too
        costs = c.year_to_date(c.left, of=counted)
        within = np.minimum(limit, costs) - np.minimum(limit, c.before_this_claim(costs))
        pay = np.where(computed, times(within, ratio), 0)
        return pay, dict(ratio=ratio, limit=limit, due=within, pay=pay)
    so_far = c.year_to_date(np.where(computed, times(c.left, ratio), slip.amount), of=counted)
    due = np.minimum(limit, so_far)
    pay = c.pay_due(due, who=computed, paid=Slip(slip.amount, counted & ~computed))
    return pay, dict(ratio=ratio, limit=limit, due=due, pay=pay)


@rule(P5)
def residents_outpatient_and_prenatal_share(c: Context, outpatient: np.ndarray, prenatal: np.ndarray,
                                           pay: np.ndarray) -> np.ndarray:
    """叠加普通门诊待遇后，产前检查年度可报销1100元 — guizhou-2024-medical-security/p5, reading shares-outpatient of
    p5:resident-prenatal-limit: a resident's general outpatient and prenatal reimbursements share the 1,100 yuan, and
    the outpatient 500 counts the prenatal ones too. In date order, each claim is paid at most what the shared amounts
    leave (the few person-years with both kinds, claim by claim)."""
    resident = c.insurance("resident")
    both = c.groups.any_before(outpatient & resident) | c.groups.any_before(prenatal & resident)
    groups = np.unique(c.groups.gid[resident & (outpatient | prenatal) & both])
    if not len(groups):
        return pay
    out_limit = c.param("resident_general_outpatient.annual_limit", outpatient & resident)
    joint_limit = c.param("resident_prenatal.annual_amount_with_outpatient", prenatal & resident)
    pay = pay.copy()
    for g in groups:
        start = c.groups.starts[g]
        stop = c.groups.starts[g + 1] if g + 1 < len(c.groups.starts) else c.n
        joint, out_cap, all_cap = 0, None, None
        for i in range(start, stop):
            if not (outpatient[i] or prenatal[i]):
                continue
            out_cap = int(out_limit[i]) if outpatient[i] else out_cap
            all_cap = int(joint_limit[i]) if prenatal[i] else all_cap
            room = [cap - joint for cap in ((out_cap,) if outpatient[i] else ()) + ((all_cap,) if all_cap else ())]
            pay[i] = max(0, min([int(pay[i])] + room))
            joint += int(pay[i])
    return pay


@rule(P3)
def basic_insurance(c: Context):
    """基本医疗保险 — guizhou-2024-medical-security/p3: general outpatient claims by p3, prenatal care (生育门诊) by p5,
    inpatient claims outside the province by p6; the slip amount where given; otherwise undetermined, naming what is
    missing."""
    slip = c.slip("basic_insurance_paid")
    outpatient = c.kind("outpatient")   # 普通门诊: p3 sets its basic insurance out
    maternity = c.kind("maternity_outpatient")   # 生育门诊（产前检查）: p5
    computed, prenatal = outpatient & ~slip.given, maternity & ~slip.given
    out_of_province, said = c.fact("out_of_province")
    abroad = c.inpatient() & ~slip.given & said & out_of_province
    pay, op = general_outpatient(c, computed, slip)
    either_way = op.pop("either_way", c.none())
    prenatal_pay, pn = prenatal_care(c, prenatal, slip)
    if c.reading(RESIDENT_PRENATAL_LIMIT) == "shares-outpatient":
        shared = residents_outpatient_and_prenatal_share(c, outpatient, maternity,
                                                         np.where(prenatal, prenatal_pay, np.where(computed, pay,
                                                                                                   slip.amount)))
        pay, prenatal_pay = np.where(computed, shared, pay), np.where(prenatal, shared, prenatal_pay)
    abroad_pay, ab = out_of_province_inpatient_reimbursement(c, abroad)
    return c.layer(
        c.case(slip.given & outpatient, slip.amount, "trace.guizhou.basic_slip_outpatient", paid=slip.amount),
        c.case(slip.given, slip.amount, "trace.slip.basic_insurance", paid=slip.amount),
        c.case(computed & c.insurance("resident"), pay, "trace.guizhou.outpatient_resident", **op),
        c.case(computed & either_way, pay, "trace.guizhou.outpatient_employee_either_way", limit=op["limit"],
               due=op["due"], pay=pay),
        c.case(computed, pay, "trace.guizhou.outpatient_employee", **op),
        c.case(prenatal, prenatal_pay, "trace.guizhou.prenatal", clause=P5, **{**pn, "pay": prenatal_pay}),
        c.case(abroad, abroad_pay, "trace.guizhou.out_of_province_inpatient", clause=P6, **ab),
        c.missing("basic_insurance_paid", "trace.guizhou.inpatient_from_slip"),
    )


# --------------------------------------------------------------------------------------------------------------
# Layers the report does not define
# --------------------------------------------------------------------------------------------------------------

@rule(P2)
def critical_illness_insurance(c: Context):
    """大病保险 — guizhou-2024-medical-security/p2: not among the benefits the report describes: the settlement
    slip's amount, else undetermined (never taken as 0)."""
    return c.layer(*c.from_record("critical_illness_paid", "trace.slip.critical_illness_insurance",
                                  "trace.guizhou.ci_from_slip"))


@rule(P2)
def supplementary_insurance(c: Context):
    """商业补充保险 — guizhou-2024-medical-security/p2: not among the benefits the report describes: the
    settlement slip's amount, else undetermined (never taken as 0)."""
    return c.layer(*c.from_record("supplementary_insurance_paid", "trace.slip.supplementary_insurance",
                                  "trace.guizhou.supplementary_from_slip"))


# --------------------------------------------------------------------------------------------------------------
# 第8段, 第9段: medical assistance
# --------------------------------------------------------------------------------------------------------------

@rule(P8)
def medical_assistance_eligibility(c: Context) -> np.ndarray:
    """医疗救助对象 — guizhou-2024-medical-security/p8: monitored households (防止返贫监测对象) and employees in
    hardship (困难职工, the status kunnan_zhigong, for people insured as employees) are added; people in sudden
    serious hardship are named by p9; the usual recipients (特困, 低保, 低边, 因病致贫) stay."""
    named = c.has(*NEWLY_ADDED_RECIPIENTS) | (c.insurance("employee") & c.has("kunnan_zhigong"))
    existing = c.has(*EXISTING_RECIPIENTS) & ~named
    if c.reading(EXISTING) == "unnamed-undetermined":   # whether the report's unnamed groups are assisted: unknown
        c.mark_missing(existing, "statuses", "trace.guizhou.existing_recipients_unnamed")
    return named | existing


@rule(P8)
def in_assistance_scope(c: Context) -> np.ndarray:
    """救助费用范围 — guizhou-2024-medical-security/p8: stays in hospital (住院, 日间手术) and, brought in by p8,
    慢特病门诊费用; general outpatient and maternity outpatient costs only under reading all-outpatient of
    p8:outpatient-scope (the report names 慢特病门诊 alone)."""
    scope = c.inpatient() | c.kind("chronic_outpatient")
    if c.reading(OUTPATIENT_SCOPE) == "all-outpatient":
        scope |= c.kind("outpatient", "maternity_outpatient")
    return scope


@rule(P9)
def medical_assistance(c: Context):
    """医疗救助 — guizhou-2024-medical-security/p9: people in sudden serious hardship 70% of the year's burden
    left after the insurances, with p8's 起付线部分 (already in that burden) and 乙类先行自付 (pre_self_paid,
    outside the policy range) brought in; every recipient at most 50,000 yuan a year; other groups' ratio is
    an input. A person who also holds 突发严重困难 gets its 70%."""
    eligible = medical_assistance_eligibility(c)
    in_scope = in_assistance_scope(c)
    recipients = eligible & in_scope
    c.either_way(~recipients)   # not a recipient, or a cost outside p8's scope: 0 whatever the layers before paid
    pre = c.slip("pre_self_paid")
    c.need_slip("pre_self_paid", recipients, "trace.guizhou.pre_self_paid_needed")
    c.bring_into_scope(pre.amount, who=recipients)
    sudden = recipients & c.has("tufa_kunnan")
    others = recipients & ~sudden
    local = c.input_ratio("medical_assistance_ratio", others, "trace.guizhou.ma_ratio_needed")
    ratio = c.param("medical_assistance.sudden_hardship_ratio", sudden).where(sudden, local)
    if c.reading(LIMIT_SCOPE) == "sudden-hardship-only":
        local_limit = c.input_amount("medical_assistance_annual_limit_other_groups", others,
                                     "trace.guizhou.ma_limit_needed")
        limit = np.where(sudden, c.param("medical_assistance.annual_limit", sudden), local_limit)
        others_why = "trace.guizhou.ma_others_local_limit"
    else:
        limit = c.param("medical_assistance.annual_limit", recipients)
        others_why = "trace.guizhou.ma_others"
    burden = c.year_to_date(c.left + c.outside_left, of=recipients)
    due = np.minimum(times(burden, ratio), limit)
    pay = c.pay_due(due, who=recipients)
    values = dict(burden=burden, pre=pre.amount, ratio=ratio, limit=limit, due=due, pay=pay)
    resident_claiming = ~eligible & c.insurance("resident") & c.has("kunnan_zhigong")
    return c.layer(
        c.case(sudden, pay, "trace.guizhou.ma_sudden_hardship", **values),
        c.case(others, pay, others_why, **values),
        c.case(resident_claiming, 0, "trace.guizhou.ma_resident_not_employee", clause=P8),
        c.case(eligible, 0, "trace.guizhou.ma_outside_scope", clause=P8),
        c.otherwise(0, "trace.guizhou.ma_not_recipient", clause=P8),
    )


# --------------------------------------------------------------------------------------------------------------
# 第10段: tilted assistance
# --------------------------------------------------------------------------------------------------------------

@rule(P10)
def tilted_medical_assistance(c: Context):
    """倾斜救助 — guizhou-2024-medical-security/p10: for recipients whose year's out of pocket (policy range, after
    the layers before it) passes the threshold (about 13,000 yuan; the exact value the input
    tilted_assistance_threshold), min((out of pocket this year − threshold) × ratio, annual limit), less what the
    year's earlier claims were paid. The report gives neither the ratio nor the limit: they are the inputs
    tilted_assistance_ratio and tilted_assistance_annual_limit, needed once the threshold is passed."""
    eligible = medical_assistance_eligibility(c)
    recipients = eligible & in_assistance_scope(c)
    c.either_way(~recipients)   # not a recipient, or a cost outside p8's scope: 0 whatever the layers before paid
    # p8 brings 乙类先行自付 into assistance: what regular assistance left of it is in the tilted base too.
    burden = c.year_to_date(c.left + c.outside_left, of=recipients)
    # The decision reports the figure this layer starts from (after it, `left` is net of tilted assistance).
    c.keep("before_tilt", (burden, c.undetermined.copy()))
    threshold = c.input_amount("tilted_assistance_threshold", recipients, "trace.guizhou.tilted_threshold_needed")
    above = np.maximum(0, burden - threshold)
    passed = recipients & (above > 0)
    whole = c.reading(TILTED_BASE) == "whole-burden"   # once past the threshold, all of the year's burden
    base = np.where(above > 0, burden, 0) if whole else above
    ratio = c.input_ratio("tilted_assistance_ratio", passed, "trace.guizhou.tilted_ratio_needed")
    limit = c.input_amount("tilted_assistance_annual_limit", passed, "trace.guizhou.tilted_limit_needed")
    due = np.minimum(times(base, ratio), limit)
    if c.input("tilted_assistance_threshold") is not None:   # the burden at its most within the threshold: 0 either way
        c.either_way(recipients & (above == 0))
    pay = c.pay_due(due, who=recipients)
    return c.layer(
        c.case(~eligible, 0, "trace.guizhou.tilted_not_recipient", clause=P8),
        c.case(~recipients, 0, "trace.guizhou.ma_outside_scope", clause=P8),
        c.case(~passed, 0, "trace.guizhou.tilted_below_threshold", burden=burden, threshold=threshold),
        c.otherwise(pay, "trace.guizhou.tilted_paid_whole" if whole else "trace.guizhou.tilted_paid", burden=burden,
                    above=above, threshold=threshold, ratio=ratio, limit=limit, due=due, pay=pay),
    )


further_relief = tilted_medical_assistance


@rule(P10)
def tilted_assistance_threshold_reached(c: Context):
    """倾斜救助门槛 — guizhou-2024-medical-security/p10: for a medical assistance recipient, the year's out of
    pocket so far before tilted assistance above the local threshold (input tilted_assistance_threshold; reported
    as about 13,000 yuan)."""
    eligible = medical_assistance_eligibility(c)
    recipients = eligible & in_assistance_scope(c)
    burden, unknown = c.kept("before_tilt")
    c.inherit(np.where(recipients, unknown, -1))
    c.param("tilted_assistance.threshold", recipients)
    threshold = c.input_amount("tilted_assistance_threshold", recipients, "trace.guizhou.threshold_needed")
    above = np.maximum(0, burden - threshold)
    return c.decide(
        c.case(~eligible, None, "trace.guizhou.threshold_not_recipient", clause=P8),
        c.case(~recipients, None, "trace.guizhou.ma_outside_scope", clause=P8),
        c.otherwise(above, "trace.guizhou.threshold_reached", burden=burden, threshold=threshold, above=above),
    )


DECISIONS = {"tilted_assistance_above_threshold": tilted_assistance_threshold_reached}


@rule(P11)
def status_span(recognised: np.ndarray, exited: np.ndarray, readings: dict,
                inputs: dict) -> tuple[np.ndarray, np.ndarray]:
    """追溯救助 — guizhou-2024-medical-security/p11: a recipient's status counts from `retroactive_lookback_months`
    (6 to 12, input) before recognition — without the input, 6, the least the range guarantees — so the costs of
    those months are assisted. Under reading band of p11:lookback (only costs 6 to 12 months old) the window is not
    next to the recognition and is not applied here: the status counts from recognition (retroactive_window answers
    for one cost). Days since 1970-01-01."""
    if readings[LOOKBACK] == "band":
        return recognised, exited
    months = int(inputs.get("retroactive_lookback_months") or 6)
    day = recognised.astype("datetime64[D]")
    month_start = day.astype("datetime64[M]")
    earlier = month_start - months
    # the same day `months` earlier, or the last day of that month when it is shorter (as _months_before)
    last = (earlier + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    same_day = earlier.astype("datetime64[D]") + (day - month_start.astype("datetime64[D]"))
    return np.minimum(same_day, last).astype(np.int64), exited


def _check_range(inputs: dict, policy: Policy, input_name: str, param_name: str) -> None:
    local = inputs.get(input_name)
    if local is None:
        return
    for v in policy.parameters[param_name].values:
        lo, hi = v.value["min"], v.value["max"]
        if not lo <= local <= hi:
            raise InputError(f"inputs.{input_name}", "error.outside_range", got=local, clause=v.clause, quote=v.quote,
                             allowed=f"{lo} to {hi}")


def validate(inputs: dict, policy: Policy) -> None:
    """A choice within a reported range stays within it, against every value the report gives."""
    _check_range(inputs, policy, "employee_outpatient_ratio", "employee_general_outpatient.ratio")
    _check_range(inputs, policy, "out_of_province_inpatient_ratio", "out_of_province_inpatient.ratio")
    _check_range(inputs, policy, "retroactive_lookback_months", "retroactive_assistance.lookback_months")
