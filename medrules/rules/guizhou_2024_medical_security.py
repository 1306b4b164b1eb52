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

import calendar
import datetime as dt
from decimal import Decimal

import numpy as np

from ..core.money import ZERO, times as times_decimal
from ..core.policy import ParamValue, Policy, PolicyError
from ..core.rulebook import Context, Ratio, Slip, rule, times
from ..core.scenario import InputError

POLICY_ID = "guizhou-2024-medical-security"
P1, P2, P3, P4, P5, P6, P8, P9, P10, P11 = (f"{POLICY_ID}/p{n}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11))

# 第3段: the resident general outpatient ratio by facility; the report names three levels only.
RESIDENT_OUTPATIENT_RATIO = {
    "village": "resident_general_outpatient.ratio_village_clinic",      # 村卫生室
    "township": "resident_general_outpatient.ratio_township_centre",    # 乡镇卫生院
    "secondary": "resident_general_outpatient.ratio_secondary_hospital",  # 二级医院
}
# 第4段: 乡村两级 = village clinics and township health centres.
TWO_DISEASES_FACILITIES = ("village", "township")
# 第8段: the groups the report adds to medical assistance; 第9段 names people in sudden serious hardship.
NEWLY_ADDED_RECIPIENTS = ("jiance", "tufa_kunnan")
# Not named by the report; taken to be the existing recipients that 新增 (newly added) implies (an Assumption).
EXISTING_RECIPIENTS = ("tekun", "dibao", "dibian", "yinbing_zhipin")
# Readings (policies/guizhou-2024-medical-security/readings.yaml): where the words allow two meanings that change
# an amount or an eligibility. The helpers on Decimals take a selection {reading id: option} like a scenario's.
OUTPATIENT_LIMIT = f"{POLICY_ID}/p3:outpatient-limit"
PRENATAL_CAP = f"{POLICY_ID}/p5:prenatal-cap"
RESIDENT_PRENATAL_LIMIT = f"{POLICY_ID}/p5:resident-prenatal-limit"
LIMIT_SCOPE = f"{POLICY_ID}/p9:limit-scope"
LOOKBACK = f"{POLICY_ID}/p11:lookback"
OUTPATIENT_SCOPE = f"{POLICY_ID}/p8:outpatient-scope"


def _chosen(readings: dict | None) -> dict:
    """One option per reading: the selection where given, the default elsewhere (an unknown one is refused)."""
    from ..core.readings import resolve
    return resolve(POLICY_ID, readings)


def reported_earlier_value(policy: Policy, name: str) -> ParamValue:
    """The value the report says was replaced (由…提至…): it carries no dates, so no claim date can select it."""
    earlier = [v for v in policy.parameters[name].values if v.start is None and v.reported_in_force_on is None]
    if not earlier:
        raise PolicyError("error.no_earlier_value", policy=POLICY_ID, name=name)
    return earlier[0]


@rule(P1)
def in_force(policy: Policy, on: dt.date) -> bool:
    """新闻发布会日期 — guizhou-2024-medical-security/p1: known in force only from the press conference the report
    relays, 2024-08-21 (the report itself is dated 2024-08-22).

    The report gives no start date for any measure; it says they hold 目前 (now). Nothing earlier is known."""
    return on >= policy.known_from


@rule(P3)
def outpatient_visit(cost: Decimal, ratio: Decimal, deductible_left: Decimal, limit_left: Decimal):
    """普通门诊报销 — guizhou-2024-medical-security/p3: one visit: the deductible still open is used first, the
    ratio applies to the rest, and the payment stops at what is left of the annual limit.

    Returns (reimbursed, deductible used)."""
    deductible_used = min(cost, deductible_left)
    return min(times_decimal(cost - deductible_used, ratio), limit_left), deductible_used


@rule(P3)
def outpatient_year(visits, limit: Decimal, deductible: Decimal = ZERO) -> list:
    """普通门诊年度报销 — guizhou-2024-medical-security/p3: a calendar year's visits [(cost, ratio), …] in date
    order against one annual limit (and, where supplied, one annual deductible); the reimbursement per visit."""
    paid, deductible_left, out = ZERO, deductible, []
    for cost, ratio in visits:
        pay, used = outpatient_visit(Decimal(cost), Decimal(ratio), deductible_left, limit - paid)
        paid, deductible_left = paid + pay, deductible_left - used
        out.append(pay)
    return out


@rule(P3)
def resident_outpatient_annual_limit(policy: Policy, on: dt.date | None = None, earlier: bool = False) -> Decimal:
    """居民普通门诊年度最高报销限额 — guizhou-2024-medical-security/p3: 500 yuan on `on`; with earlier=True the
    400 yuan it replaced (由400元提至500元), whose dates the report does not give."""
    if earlier:
        return Decimal(reported_earlier_value(policy, "resident_general_outpatient.annual_limit").value)
    return Decimal(policy.param("resident_general_outpatient.annual_limit", on).value)


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
    costs before it), and what the year has been paid so far is min(limit, reimbursable so far). Under reading
    caps-costs of p3:outpatient-limit the limit caps the eligible costs instead: each visit is paid its ratio on the
    part of its cost (after the deductible) that still fits under the limit; a slip visit fills it with its cost
    less its deductible_paid. Returns (pay, the trace values, "_caps_costs" or "": which trace message applies)."""
    resident, employee = computed & c.insurance("resident"), computed & c.insurance("employee")
    r_ratio, r_limit, r_deductible = resident_outpatient_reimbursement(c, resident)
    e_ratio, e_limit, e_deductible = employee_outpatient_reimbursement(c, employee)
    ratio = r_ratio.where(resident, e_ratio)
    limit = np.where(resident, r_limit, e_limit)
    deductible = np.where(resident, r_deductible, e_deductible)
    outpatient_slip = c.kind("outpatient") & slip.given
    # The deductible: computed visits count their cost, slip visits what the record says they paid towards it.
    towards = c.slip("deductible_paid")
    unknown_before = c.groups.any_before(outpatient_slip & ~towards.given)
    c.mark_missing(computed & (deductible > 0) & unknown_before, "deductible_paid",
                        "trace.guizhou.deductible_paid_needed")
    cost = c.left
    costs = c.year_to_date(np.where(computed, cost, towards.amount), of=computed | outpatient_slip)
    used = np.where(computed, np.minimum(deductible, costs) - np.minimum(deductible, c.before_this_claim(costs)), 0)
    if c.reading(OUTPATIENT_LIMIT) == "caps-costs":
        eligible = c.year_to_date(np.where(computed, cost - used, cost - towards.amount), of=computed | outpatient_slip)
        within = np.where(computed, np.minimum(limit, eligible) - np.minimum(limit, c.before_this_claim(eligible)), 0)
        pay = times(within, ratio)
        return pay, dict(ratio=ratio, used=used, limit=limit, due=within, pay=pay), "_caps_costs"
    reimbursable = times(cost - used, ratio)
    so_far = c.year_to_date(np.where(computed, reimbursable, slip.amount), of=computed | outpatient_slip)
    due = np.minimum(limit, so_far)
    pay = c.pay_due(due, who=computed, paid=Slip(slip.amount, outpatient_slip))
    return pay, dict(ratio=ratio, used=used, limit=limit, due=due, pay=pay), ""


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


@rule(P3)
def basic_insurance(c: Context):
    """基本医疗保险 — guizhou-2024-medical-security/p3: outpatient claims by p3, inpatient claims outside the
    province by p6; the slip amount where given; otherwise undetermined, naming what is missing."""
    slip = c.slip("basic_insurance_paid")
    outpatient = c.kind("outpatient")   # 普通门诊: the one kind whose basic insurance p3 sets out
    computed = outpatient & ~slip.given
    out_of_province, said = c.fact("out_of_province")
    abroad = c.inpatient() & ~slip.given & said & out_of_province
    pay, op, limit_reading = general_outpatient(c, computed, slip)
    abroad_pay, ab = out_of_province_inpatient_reimbursement(c, abroad)
    return c.layer(
        c.case(slip.given & outpatient, slip.amount, "trace.guizhou.basic_slip_outpatient", paid=slip.amount),
        c.case(slip.given, slip.amount, "trace.slip.basic_insurance", paid=slip.amount),
        c.case(computed & c.insurance("resident"), pay, "trace.guizhou.outpatient_resident" + limit_reading, **op),
        c.case(computed, pay, "trace.guizhou.outpatient_employee" + limit_reading, **op),
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
    return (c.has(*NEWLY_ADDED_RECIPIENTS, *EXISTING_RECIPIENTS)
            | (c.insurance("employee") & c.has("kunnan_zhigong")))


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
    burden = c.year_to_date(c.left, of=recipients)
    # The decision reports the figure this layer starts from (after it, `left` is net of tilted assistance).
    c.keep("before_tilt", (burden, c.undetermined.copy()))
    threshold = c.input_amount("tilted_assistance_threshold", recipients, "trace.guizhou.tilted_threshold_needed")
    above = np.maximum(0, burden - threshold)
    passed = recipients & (above > 0)
    ratio = c.input_ratio("tilted_assistance_ratio", passed, "trace.guizhou.tilted_ratio_needed")
    limit = c.input_amount("tilted_assistance_annual_limit", passed, "trace.guizhou.tilted_limit_needed")
    due = np.minimum(times(above, ratio), limit)
    pay = c.pay_due(due, who=recipients)
    return c.layer(
        c.case(~eligible, 0, "trace.guizhou.tilted_not_recipient", clause=P8),
        c.case(~recipients, 0, "trace.guizhou.ma_outside_scope", clause=P8),
        c.case(~passed, 0, "trace.guizhou.tilted_below_threshold", burden=burden, threshold=threshold),
        c.otherwise(pay, "trace.guizhou.tilted_paid", burden=burden, above=above, threshold=threshold, ratio=ratio,
                    limit=limit, due=due, pay=pay),
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


@rule(P4)
def two_diseases_outpatient_reimbursement(policy: Policy, on: dt.date, insurance: str, facility: str,
                                          cost) -> Decimal:
    """“两病”门诊 — guizhou-2024-medical-security/p4: residents' hypertension and diabetes outpatient care at
    village and township level is reimbursed at 90%; the report gives no limit and no other level."""
    if insurance != "resident":
        raise InputError("insurance", "error.guizhou_residents_only", clause=P4)
    if facility not in TWO_DISEASES_FACILITIES:
        raise InputError("facility", "error.guizhou_two_diseases_level", clause=P4,
                         allowed=", ".join(TWO_DISEASES_FACILITIES))
    return times_decimal(Decimal(cost), policy.param("resident_two_diseases.village_township_ratio", on).value)


@rule(P5)
def prenatal_care_reimbursement(policy: Policy, insurance: str, visits, resident_ratio=None, readings=None,
                                outpatient_paid=None) -> list:
    """产前检查 — guizhou-2024-medical-security/p5: employees 90% up to 1,200 yuan a year; residents up to
    1,100 yuan a year together with the general outpatient benefit, at a ratio the report does not give.

    `visits` is [(date, cost), …]; the reimbursement per visit, the annual amount restarting each 1 January.
    Readings: p5:prenatal-cap caps-costs makes the yearly amount a cap on the costs counted (each visit is paid
    the ratio on the part of its cost still under it); p5:resident-prenatal-limit shares-outpatient takes the
    year's general-outpatient reimbursement (`outpatient_paid`: {year: yuan}) out of the resident's 1,100."""
    chosen = _chosen(readings)
    caps_costs = chosen[PRENATAL_CAP] == "caps-costs"
    shares = insurance == "resident" and chosen[RESIDENT_PRENATAL_LIMIT] == "shares-outpatient"
    if shares and outpatient_paid is None:
        raise InputError("outpatient_paid", "error.guizhou_outpatient_paid_required", reading=RESIDENT_PRENATAL_LIMIT)
    paid_by_year, counted_by_year, out = {}, {}, []
    for on, cost in sorted(visits, key=lambda v: v[0]):
        if insurance == "employee":
            ratio = policy.param("employee_prenatal.ratio", on).value
            limit = policy.param("employee_prenatal.annual_amount", on).value
        elif insurance == "resident":
            limit = policy.param("resident_prenatal.annual_amount_with_outpatient", on).value
            if resident_ratio is None:
                raise InputError("inputs.resident_prenatal_ratio", "error.guizhou_prenatal_ratio_required", clause=P5)
            ratio = Decimal(resident_ratio)
        else:
            raise InputError("insurance", "error.not_an_insurance", got=repr(insurance), allowed="employee, resident")
        limit = Decimal(limit)
        if shares:
            limit = max(ZERO, limit - Decimal(outpatient_paid.get(on.year, ZERO)))
        paid = paid_by_year.get(on.year, ZERO)
        if caps_costs:
            counted = counted_by_year.get(on.year, ZERO)
            within = min(Decimal(cost), max(ZERO, limit - counted))
            counted_by_year[on.year] = counted + within
            pay = times_decimal(within, ratio)
        else:
            pay = min(times_decimal(Decimal(cost), ratio), limit - paid)
        paid_by_year[on.year] = paid + pay
        out.append(pay)
    return out


@rule(P8)
def medical_assistance_cost_scope() -> tuple:
    """救助费用范围 — guizhou-2024-medical-security/p8: the costs newly brought into medical assistance."""
    return (
        ("慢特病门诊费用", "outpatient costs of chronic and special diseases"),
        ("个人负担费用中的起付线部分", "the deductible part of the personal burden"),
        ("乙类先行自付部分", "the part of category-B items paid first by the patient"),
    )


@rule(P10)
def tilted_assistance_eligible_part(burden, threshold) -> Decimal:
    """倾斜救助门槛 — guizhou-2024-medical-security/p10: the part of the year's burden above the threshold
    (old: above the 50,000-yuan assistance limit; now about 13,000 yuan, the exact value an input)."""
    return max(ZERO, Decimal(burden) - Decimal(threshold))



def _months_before(on: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier, or the last day of that month when it is shorter."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


@rule(P11)
def retroactive_window(policy: Policy, recognised_on: dt.date, lookback_months: int | None, readings=None) -> tuple:
    """追溯救助期间 — guizhou-2024-medical-security/p11: the costs of the `lookback_months` (6 to 12) before the
    recipient was recognised: (first day, last day). Under reading band of p11:lookback, only costs 6 to 12 months
    old: from 12 months before recognition to 6 months before it (lookback_months is then not needed)."""
    span = policy.param("retroactive_assistance.lookback_months", recognised_on).value
    if _chosen(readings)[LOOKBACK] == "band":
        return _months_before(recognised_on, span["max"]), _months_before(recognised_on, span["min"])
    if lookback_months is None or not span["min"] <= lookback_months <= span["max"]:
        allowed = f"{span['min']} to {span['max']}"
        if lookback_months is None:
            raise InputError("inputs.retroactive_lookback_months", "error.not_given", allowed=allowed)
        raise InputError("inputs.retroactive_lookback_months", "error.months_outside", got=lookback_months,
                         lo=span["min"], hi=span["max"], clause=P11, allowed=allowed)
    return _months_before(recognised_on, lookback_months), recognised_on - dt.timedelta(days=1)


@rule(P11)
def retroactive_medical_assistance(policy: Policy, cost_date: dt.date, recognised_on: dt.date,
                                   lookback_months: int | None, readings=None) -> bool:
    """追溯救助 — guizhou-2024-medical-security/p11: is a cost incurred on `cost_date` assisted retroactively?
    Yes when it falls within the `lookback_months` (6 to 12) before the recognition date (or, reading band, is 6
    to 12 months old)."""
    first, last = retroactive_window(policy, recognised_on, lookback_months, readings)
    return first <= cost_date <= last


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
