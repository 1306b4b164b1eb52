"""贵州省医保待遇与医疗救助 (省政府新闻办2024年8月21日新闻发布会, 贵州日报报道) — the encoded clauses.

A press report, not a policy text: it gives no start dates, so every value is known to hold only from the
report's date (2024-08-22) and claims dated earlier are refused. The values the report says were replaced
("由400元提至500元", "由之前的50%提高到70%", the old tilted-assistance threshold) have no dates at all: they are
reachable only through reported_earlier_value(), for before/after comparisons, never for a dated claim.

Each function encodes one rule; its docstring's first line gives the Chinese term and the clause, and the
@rule decorator carries the clause ID into every trace step. Numbers come from parameters.yaml, never from here.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from ..money import ZERO, fmt_ratio, fmt_yuan, times
from ..policy import ParamValue, Policy, PolicyError
from ..rulebook import ClaimContext, Outcome, rule
from ..scenario import InputError, Scenario

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
NEWLY_ADDED_RECIPIENTS = ("jiance",)
# Not named by the report; taken to be the existing recipients that 新增 (newly added) implies (an Assumption).
EXISTING_RECIPIENTS = ("tekun", "dibao", "dibian", "yinbing_zhipin")


def reported_earlier_value(policy: Policy, name: str) -> ParamValue:
    """The value the report says was replaced (由…提至…): it carries no dates, so no claim date can select it."""
    earlier = [v for v in policy.parameters[name].values if v.start is None and v.reported_in_force_on is None]
    if not earlier:
        raise PolicyError(f"{POLICY_ID} reports no earlier value of {name}")
    return earlier[0]


@rule(P1)
def in_force(policy: Policy, on: dt.date) -> bool:
    """报道日期 — guizhou-2024-medical-security/p1: known in force only from the report's date, 2024-08-22.

    The report gives no start date for any measure; it says they hold 目前 (now). Nothing earlier is known."""
    return on >= policy.meta["dates"]["report"]


@rule(P3)
def outpatient_visit(cost: Decimal, ratio: Decimal, deductible_left: Decimal, limit_left: Decimal):
    """普通门诊报销 — guizhou-2024-medical-security/p3: one visit: the deductible still open is used first, the
    ratio applies to the rest, and the payment stops at what is left of the annual limit.

    Returns (reimbursed, deductible used)."""
    deductible_used = min(cost, deductible_left)
    return min(times(cost - deductible_used, ratio), limit_left), deductible_used


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


def _resident_ratio(ctx: ClaimContext) -> Decimal:
    facility = ctx.claim.facility
    if facility in RESIDENT_OUTPATIENT_RATIO:
        return ctx.param(RESIDENT_OUTPATIENT_RATIO[facility]).value
    if facility is None:
        raise InputError(f"claims[{ctx.index}].facility", "required for a resident outpatient claim: "
                         f"{P3} sets the ratio by facility; allowed: village, township, secondary, tertiary")
    return ctx.require_input("resident_outpatient_ratio_other_level",
                             f"{P3} gives resident outpatient ratios only at village clinics, township health "
                             f"centres and secondary hospitals, not at a {facility} facility")


@rule(P3)
def resident_outpatient_reimbursement(ctx: ClaimContext) -> Outcome:
    """居民医保普通门诊 — guizhou-2024-medical-security/p3: 90% at village clinics, 85% at township health
    centres, 60% at secondary hospitals, at most 500 yuan a year across visits."""
    ratio = _resident_ratio(ctx)
    limit = Decimal(ctx.param("resident_general_outpatient.annual_limit").value)
    return _outpatient(ctx, ratio, limit, ctx.input("resident_outpatient_deductible", ZERO), "resident")


@rule(P3)
def employee_outpatient_reimbursement(ctx: ClaimContext) -> Outcome:
    """职工医保普通门诊 — guizhou-2024-medical-security/p3: 2,000 yuan a year at a ratio between 50% and 70%,
    which the report does not fix: the local ratio is the input employee_outpatient_ratio."""
    ctx.param("employee_general_outpatient.ratio")
    ratio = ctx.require_input("employee_outpatient_ratio", f"{P3} gives the employee outpatient ratio only as "
                              "50% to 70%; supply the local ratio within that range, or the slip amount "
                              "basic_insurance_paid")
    limit = Decimal(ctx.param("employee_general_outpatient.annual_amount").value)
    return _outpatient(ctx, ratio, limit, ctx.input("employee_outpatient_deductible", ZERO), "employee")


def _outpatient(ctx: ClaimContext, ratio: Decimal, limit: Decimal, deductible: Decimal, who: str) -> Outcome:
    acc = ctx.year.acc
    pay, used = outpatient_visit(ctx.claim.policy_range_cost, ratio, deductible - acc["op_deductible_used"],
                                 limit - acc["op_paid"])
    acc["op_deductible_used"] += used
    acc["op_paid"] += pay
    deductible_note = f"; deductible used {fmt_yuan(used)}" if deductible else ""
    return Outcome(pay, f"{who} general outpatient at {fmt_ratio(ratio)}{deductible_note}; annual limit "
                   f"{fmt_yuan(limit)}, {fmt_yuan(acc['op_paid'])} used this year: {fmt_yuan(pay)} on this claim",
                   clause=P3)


@rule(P6)
def out_of_province_inpatient_reimbursement(cost: Decimal, deductible: Decimal, ratio: Decimal) -> Decimal:
    """省外住院 — guizhou-2024-medical-security/p6: the policy-range cost above the deductible at the local
    ratio, which the report gives only as between 60% and 80% (checked in validate)."""
    return times(max(ZERO, cost - deductible), ratio)


def _out_of_province(ctx: ClaimContext) -> Outcome:
    ctx.param("out_of_province_inpatient.ratio")
    ratio = ctx.require_input("out_of_province_inpatient_ratio", f"{P6} gives the out-of-province inpatient "
                              "ratio only as between 60% and 80%; supply the ratio that applies")
    deductible = ctx.require_input("out_of_province_inpatient_deductible", f"{P6} says the deductible was "
                                   "lowered but gives no amount; supply it (0 if there is none)")
    pay = out_of_province_inpatient_reimbursement(ctx.claim.policy_range_cost, deductible, ratio)
    return Outcome(pay, f"out-of-province inpatient: ({fmt_yuan(ctx.claim.policy_range_cost)} − deductible "
                   f"{fmt_yuan(deductible)}) × {fmt_ratio(ratio)} = {fmt_yuan(pay)}; the report gives no annual "
                   "limit", clause=P6)


@rule(P3)
def basic_insurance(ctx: ClaimContext) -> Outcome:
    """基本医疗保险 — guizhou-2024-medical-security/p3: outpatient claims by p3, inpatient claims outside the
    province by p6; the slip amount where given; otherwise an error naming what is missing."""
    slip = ctx.slip("basic_insurance_paid")
    if slip is not None:
        if ctx.claim.setting == "outpatient":
            ctx.year.acc["op_paid"] += slip  # a reimbursed outpatient visit uses up the same annual limit
        return Outcome(slip, f"basic insurance paid {fmt_yuan(slip)} (settlement slip)")
    if ctx.claim.setting == "outpatient":
        if ctx.person.insurance == "resident":
            return resident_outpatient_reimbursement(ctx)
        return employee_outpatient_reimbursement(ctx)
    if ctx.input("inpatient_outside_province", False):
        return _out_of_province(ctx)
    ctx.require_slip("basic_insurance_paid", f"{POLICY_ID} gives inpatient ratios only for care outside the "
                     "province (p6); for an inpatient stay in Guizhou the amount paid must come from the "
                     "settlement slip, or set inputs.inpatient_outside_province to true")


@rule(P4)
def two_diseases_outpatient_reimbursement(policy: Policy, on: dt.date, insurance: str, facility: str,
                                          cost) -> Decimal:
    """“两病”门诊 — guizhou-2024-medical-security/p4: residents' hypertension and diabetes outpatient care at
    village and township level is reimbursed at 90%; the report gives no limit and no other level."""
    if insurance != "resident":
        raise InputError("insurance", f"{P4} is a benefit of residents' insurance (居民医保参保人员); allowed: resident")
    if facility not in TWO_DISEASES_FACILITIES:
        raise InputError("facility", f"{P4} gives the two-diseases ratio only at village and township level "
                         f"(乡村两级); allowed: {', '.join(TWO_DISEASES_FACILITIES)}")
    return times(Decimal(cost), policy.param("resident_two_diseases.village_township_ratio", on).value)


@rule(P5)
def prenatal_care_reimbursement(policy: Policy, insurance: str, visits, resident_ratio=None) -> list:
    """产前检查 — guizhou-2024-medical-security/p5: employees 90% up to 1,200 yuan a year; residents up to
    1,100 yuan a year together with the general outpatient benefit, at a ratio the report does not give.

    `visits` is [(date, cost), …]; the reimbursement per visit, the annual amount restarting each 1 January."""
    paid_by_year, out = {}, []
    for on, cost in sorted(visits, key=lambda v: v[0]):
        if insurance == "employee":
            ratio = policy.param("employee_prenatal.ratio", on).value
            limit = policy.param("employee_prenatal.annual_amount", on).value
        elif insurance == "resident":
            limit = policy.param("resident_prenatal.annual_amount_with_outpatient", on).value
            if resident_ratio is None:
                raise InputError("inputs.resident_prenatal_ratio", f"required: {P5} gives residents' yearly "
                                 "prenatal amount (1,100 yuan with the general outpatient benefit) but no ratio")
            ratio = Decimal(resident_ratio)
        else:
            raise InputError("insurance", f"{insurance!r} is not an insurance type; allowed: employee, resident")
        paid = paid_by_year.get(on.year, ZERO)
        pay = min(times(Decimal(cost), ratio), Decimal(limit) - paid)
        paid_by_year[on.year] = paid + pay
        out.append(pay)
    return out


@rule(P8)
def medical_assistance_eligibility(category: str, employee_in_hardship: bool = False) -> bool:
    """医疗救助对象 — guizhou-2024-medical-security/p8: monitored households (防止返贫监测对象) and employees in
    hardship (困难职工) are added; people in sudden serious hardship are named by p9; the usual recipients stay."""
    return (category in NEWLY_ADDED_RECIPIENTS or category == "tufa_kunnan" or category in EXISTING_RECIPIENTS
            or employee_in_hardship)


@rule(P8)
def medical_assistance_cost_scope() -> tuple:
    """救助费用范围 — guizhou-2024-medical-security/p8: the costs newly brought into medical assistance."""
    return (
        ("慢特病门诊费用", "outpatient costs of chronic and special diseases"),
        ("个人负担费用中的起付线部分", "the deductible part of the personal burden"),
        ("乙类先行自付部分", "the part of category-B items paid first by the patient"),
    )


@rule(P9)
def medical_assistance(ctx: ClaimContext) -> Outcome:
    """医疗救助 — guizhou-2024-medical-security/p9: people in sudden serious hardship 70% of the burden left
    after the insurances; every recipient at most 50,000 yuan a year; other groups' ratios are inputs."""
    if not medical_assistance_eligibility(ctx.person.category, ctx.input("employee_in_hardship", False)):
        return Outcome(ZERO, "not a medical assistance recipient named by the report (p8, p9)", clause=P8)
    if ctx.person.category == "tufa_kunnan":
        ratio = ctx.param("medical_assistance.sudden_hardship_ratio").value
    else:
        ratio = ctx.require_input("medical_assistance_ratio", f"{P9} gives the assistance ratio only for people "
                                  f"in sudden serious hardship; supply the ratio for {ctx.person.category}")
    limit = Decimal(ctx.param("medical_assistance.annual_limit").value)
    burden = ctx.year_to_date("ma")
    due_this_year = min(times(burden, ratio), limit)
    pay = ctx.pay_due("ma", due_this_year)
    return Outcome(pay, f"burden after the insurances this year {fmt_yuan(burden)} × {fmt_ratio(ratio)}, "
                   f"annual limit {fmt_yuan(limit)} = {fmt_yuan(due_this_year)} this year, of which {fmt_yuan(pay)} "
                   "on this claim")


@rule(P2)
def critical_illness_insurance(ctx: ClaimContext) -> Outcome:
    """大病保险 — guizhou-2024-medical-security/p2: not among the benefits the report describes: the settlement
    slip's amount, or 0 when no slip amount is given."""
    return ctx.paid_per_slip("critical_illness_paid", "critical-illness insurance",
                             f"{POLICY_ID} does not define critical-illness insurance; no slip amount given: taken as 0")


@rule(P2)
def supplementary_insurance(ctx: ClaimContext) -> Outcome:
    """商业补充保险 — guizhou-2024-medical-security/p2: not among the benefits the report describes: the
    settlement slip's amount, or 0 when none is given."""
    return ctx.paid_per_slip("supplementary_insurance_paid", "supplementary insurance",
                             f"{POLICY_ID} does not define supplementary insurance; no slip amount given: taken as 0")


@rule(P10)
def tilted_assistance_eligible_part(burden, threshold) -> Decimal:
    """倾斜救助门槛 — guizhou-2024-medical-security/p10: the part of the year's burden above the threshold
    (old: above the 50,000-yuan assistance limit; now about 13,000 yuan, the exact value an input)."""
    return max(ZERO, Decimal(burden) - Decimal(threshold))


@rule(P10)
def tilted_medical_assistance(ctx: ClaimContext) -> Outcome:
    """倾斜救助 — guizhou-2024-medical-security/p10: not computed: the report gives the threshold only, not the
    ratio or the limit; the out-of-pocket amount is before any tilted assistance."""
    return Outcome(ZERO, f"{POLICY_ID} gives the tilted-assistance threshold but not its ratio or limit: nothing "
                   "computed; out_of_pocket is before any tilted assistance (see tilted_assistance_threshold_reached)")


further_relief = tilted_medical_assistance


@rule(P10)
def tilted_assistance_threshold_reached(ctx: ClaimContext):
    """倾斜救助门槛 — guizhou-2024-medical-security/p10: the year's out-of-pocket so far above the local
    threshold (input tilted_assistance_threshold; reported as about 13,000 yuan): the part above it, else None."""
    threshold = ctx.input("tilted_assistance_threshold")
    burden = ctx.year.paid["out_of_pocket"]
    if threshold is None:
        return ("tilted_assistance_above_threshold", None,
                f"out of pocket this year {fmt_yuan(burden)}; no local threshold given (the report says about "
                f"{fmt_yuan(ctx.param('tilted_assistance.threshold').value)}, 左右): not decided")
    part = tilted_assistance_eligible_part(burden, threshold)
    return ("tilted_assistance_above_threshold", part,
            f"out of pocket this year {fmt_yuan(burden)}, local threshold {fmt_yuan(threshold)}: "
            f"{fmt_yuan(part)} above it" + ("" if part else " (threshold not passed)"))


DECISIONS = (tilted_assistance_threshold_reached,)


def _months_before(on: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier, or the last day of that month when it is shorter."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


@rule(P11)
def retroactive_window(policy: Policy, recognised_on: dt.date, lookback_months: int) -> tuple:
    """追溯救助期间 — guizhou-2024-medical-security/p11: the costs of the `lookback_months` (6 to 12) before the
    recipient was recognised: (first day, last day)."""
    span = policy.param("retroactive_assistance.lookback_months", recognised_on).value
    if not span["min"] <= lookback_months <= span["max"]:
        raise InputError("inputs.retroactive_lookback_months", f"{lookback_months} is outside the {span['min']} to "
                         f"{span['max']} months that {P11} gives (6至12个月); allowed: {span['min']} to {span['max']}")
    return _months_before(recognised_on, lookback_months), recognised_on - dt.timedelta(days=1)


@rule(P11)
def retroactive_medical_assistance(policy: Policy, cost_date: dt.date, recognised_on: dt.date,
                                   lookback_months: int) -> bool:
    """追溯救助 — guizhou-2024-medical-security/p11: is a cost incurred on `cost_date` assisted retroactively?
    Yes when it falls within the `lookback_months` (6 to 12) before the recognition date."""
    first, last = retroactive_window(policy, recognised_on, lookback_months)
    return first <= cost_date <= last


def _check_range(scenario: Scenario, policy: Policy, input_name: str, param_name: str) -> None:
    local = scenario.inputs.get(input_name)
    if local is None:
        return
    for v in policy.parameters[param_name].values:
        lo, hi = v.value["min"], v.value["max"]
        if not lo <= local <= hi:
            raise InputError(f"inputs.{input_name}", f"{local} is outside the range that {v.clause} gives "
                             f"({v.quote}); allowed: {lo} to {hi}")


def validate(scenario: Scenario, policy: Policy) -> None:
    """Claims dated from the report on; a choice within a reported range stays within it."""
    report = policy.meta["dates"]["report"]
    for i, claim in enumerate(scenario.claims):
        if not in_force(policy, claim.date):
            raise InputError(f"claims[{i}].date", f"{claim.date} is before {report}, the date of the report "
                             f"({P1}); the report gives no start dates, so its rules are known only from {report}")
    _check_range(scenario, policy, "employee_outpatient_ratio", "employee_general_outpatient.ratio")
    _check_range(scenario, policy, "out_of_province_inpatient_ratio", "out_of_province_inpatient.ratio")
    if scenario.inputs.get("employee_in_hardship") and scenario.person.insurance != "employee":
        raise InputError("inputs.employee_in_hardship", f"困难职工 ({P8}) are insured employees; this person is "
                         f"insured as {scenario.person.insurance}; allowed: true only with insurance employee")
