"""贵州省医保待遇与医疗救助 (省政府新闻办2024年8月21日新闻发布会) — the report's single questions, answered on Decimals:
one outpatient visit or year, the limit the report says was replaced, the two diseases, prenatal care for one
person's visits, the scope of assistance, the tilted-assistance part, the retroactive window. The claim layers
(medrules/rules/guizhou_2024_medical_security.py) settle claims; these answer what a reader asks of one clause, and
the notebook and the casebook call them. Numbers come from parameters.yaml; what the report does not give is an
argument.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from ..core.money import ZERO, times as times_decimal
from ..core.policy import ParamValue, Policy, PolicyError
from ..core.rulebook import rule
from ..core.scenario import InputError

POLICY_ID = "guizhou-2024-medical-security"
P3, P4, P5, P8, P10, P11 = (f"{POLICY_ID}/p{n}" for n in (3, 4, 5, 8, 10, 11))
# 第4段: 乡村两级 = village clinics and township health centres.
TWO_DISEASES_FACILITIES = ("village", "township")
PRENATAL_CAP = f"{POLICY_ID}/p5:prenatal-cap"
RESIDENT_PRENATAL_LIMIT = f"{POLICY_ID}/p5:resident-prenatal-limit"
LOOKBACK = f"{POLICY_ID}/p11:lookback"


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
