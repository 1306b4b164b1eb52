"""山东省健全重特大疾病医疗保险和救助制度实施意见 (as reported, machine-translated) — the encoded clauses.

The source is an English machine translation of a press report (2022-09-05); clauses.yaml holds the corrected
readings. Each function encodes one rule; its docstring's first line gives the Chinese term and the clause, and
the @rule decorator carries the clause ID into every trace step. Numbers come from parameters.yaml, never from
here; what the report does not give is a named input.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..money import ZERO, fmt_ratio, fmt_yuan, times
from ..policy import Policy, load_policy
from ..rulebook import ClaimContext, Outcome, rule
from ..scenario import InputError, Scenario

POLICY_ID = "shandong-2022-major-illness"

# 一: the groups the Opinions name, by the assistance rule of 五 that each follows.
KEY_GROUP_CATEGORIES = ("tekun", "dibao")        # with 返贫致贫人口 (input person.returned_to_poverty)
MARGINAL_CATEGORIES = ("dibian", "jiance")       # 低保边缘家庭成员, 防止返贫监测对象
ILLNESS_POVERTY_CATEGORIES = ("yinbing_zhipin",)  # 因病致贫重病患者
GROUP_LABELS = {
    "key_group": "three key groups (特困, 低保, 返贫致贫人口)",
    "marginal": "marginal low-income family members and monitored people (低保边缘, 监测对象)",
    "illness_poverty": "people impoverished by illness (因病致贫重病患者)",
}

# Inputs that set a local value where the report gives a floor (不低于) or a ceiling (最高可达), with the parameter.
LOCAL_FLOORS = {"local.key_group_ratio": "medical_assistance.key_group_ratio",
                "local.key_group_annual_limit": "medical_assistance.key_group_annual_limit",
                "local.marginal_ratio": "medical_assistance.marginal_ratio",
                "local.illness_poverty_ratio": "medical_assistance.illness_poverty_ratio",
                "local.tilted_ratio": "medical_assistance.tilted_ratio"}
LOCAL_CEILINGS = {"local.tilted_annual_limit": "medical_assistance.tilted_annual_limit"}


@rule("shandong-2022-major-illness/p1")
def in_force(policy: Policy, on: dt.date) -> bool:
    """施行日期 — shandong-2022-major-illness/p1: known in force from the press conference that reported it.

    The report gives neither a start nor an end date; the conference date (policy.yaml dates.report) is the
    earliest day the Opinions are known to be in force, and no end is known."""
    return on >= policy.meta["dates"]["report"]


@rule("shandong-2022-major-illness/1")
def medical_assistance_eligibility(category: str, returned_to_poverty: bool = False) -> str | None:
    """医疗救助对象范围 — shandong-2022-major-illness/1: which group's assistance rule (五) a person follows.

    key_group: 特困 (tekun), 低保 (dibao) and 返贫致贫人口; marginal: 低保边缘 (dibian) and 监测对象 (jiance);
    illness_poverty: 因病致贫重病患者 (yinbing_zhipin); None for anyone else."""
    if category in KEY_GROUP_CATEGORIES or returned_to_poverty:
        return "key_group"
    if category in MARGINAL_CATEGORIES:
        return "marginal"
    if category in ILLNESS_POVERTY_CATEGORIES:
        return "illness_poverty"
    return None


def _group(ctx: ClaimContext) -> str | None:
    return medical_assistance_eligibility(ctx.person.category, ctx.input("person.returned_to_poverty", False))


@rule("shandong-2022-major-illness/2")
def enrolment_subsidy(category: str, individual_contribution: Decimal, on: dt.date) -> Decimal:
    """资助参保 — shandong-2022-major-illness/2: the resident contribution paid by assistance funds, in full for 特困.

    The translation lost the rule for every other group, so for them there is nothing to compute."""
    if category != "tekun":
        raise InputError("category", f"{category!r}: the report gives the enrolment subsidy only for tekun (特困人员, "
                         "fully funded, clause 2); for other groups it was lost in translation; allowed: tekun")
    share = load_policy(POLICY_ID).param("enrolment_subsidy.extreme_hardship_share", on).value
    return times(individual_contribution, share)


@rule("shandong-2022-major-illness/3")
def basic_insurance(ctx: ClaimContext) -> Outcome:
    """基本医疗保险 — shandong-2022-major-illness/3: taken from the settlement slip (the report sets no amounts)."""
    paid = ctx.require_slip("basic_insurance_paid", f"{POLICY_ID} gives no basic-insurance deductible, ratio or "
                            "limit, so the amount basic insurance paid must come from the settlement slip")
    return Outcome(paid, f"basic insurance paid {fmt_yuan(paid)} (settlement slip)")


@rule("shandong-2022-major-illness/4")
def critical_illness_tilt(ctx: ClaimContext) -> tuple[Decimal, Decimal]:
    """大病保险倾斜 — shandong-2022-major-illness/4: for the three key groups, the deductible cut by 50%, the ratio
    raised by an increase the translation lost (a required input), the annual limit cancelled."""
    why = "a key-group claim without the slip amount critical_illness_paid needs it (clause 4 does not give it)"
    base = ctx.require_input("critical_illness.base_deductible", why)
    base_ratio = ctx.require_input("critical_illness.base_ratio", why)
    increase = ctx.require_input("critical_illness.key_group_ratio_increase",
                                 "the size of the ratio increase was lost in translation (clause 4); " + why)
    ratio = base_ratio + increase
    if ratio > 1:
        raise InputError("inputs.critical_illness.key_group_ratio_increase",
                         f"base ratio {base_ratio} + increase {increase} = {ratio} is above 1; allowed: 0 to "
                         f"{1 - base_ratio}")
    deductible = times(base, 1 - ctx.param("critical_illness.key_group_deductible_reduction").value)
    ctx.param("critical_illness.key_group_annual_limit_abolished")
    return deductible, ratio


@rule("shandong-2022-major-illness/4")
def critical_illness_insurance(ctx: ClaimContext) -> Outcome:
    """大病保险 — shandong-2022-major-illness/4: the slip amount, or for the three key groups the tilted rule on the
    year's burden after basic insurance."""
    slip = ctx.slip("critical_illness_paid")
    if slip is not None:
        return Outcome(slip, f"critical-illness insurance paid {fmt_yuan(slip)} (settlement slip)")
    if _group(ctx) != "key_group":
        ctx.require_slip("critical_illness_paid", f"{POLICY_ID} defines critical-illness insurance only for the "
                         "three key groups (its tilt); for anyone else the amount paid must come from the slip")
    deductible, ratio = critical_illness_tilt(ctx)
    burden = ctx.year_to_date("ci")
    due_this_year = times(max(ZERO, burden - deductible), ratio)
    pay = ctx.pay_due("ci", due_this_year)
    return Outcome(pay, f"burden after basic insurance this year {fmt_yuan(burden)}; halved deductible "
                   f"{fmt_yuan(deductible)}; {fmt_ratio(ratio)} of the excess, no annual limit = "
                   f"{fmt_yuan(due_this_year)} this year, of which {fmt_yuan(pay)} on this claim")


def _other_groups_limit(ctx: ClaimContext, due: Decimal) -> tuple[Decimal, str]:
    limit = ctx.input("medical_assistance.other_groups_annual_limit")
    if limit is None:
        return due, "the report gives no annual limit for this group, none applied"
    return min(due, limit), f"local annual limit {fmt_yuan(limit)}"


@rule("shandong-2022-major-illness/5")
def key_group_assistance(ctx: ClaimContext, burden: Decimal) -> Outcome:
    """特困、低保、返贫致贫人口医疗救助 — shandong-2022-major-illness/5: no deductible, at least 70% of the year's
    policy-range burden after the insurances, annual limit at least 30,000 yuan."""
    deductible = ctx.param("medical_assistance.key_group_deductible").value
    ratio = ctx.at_least("medical_assistance.key_group_ratio", "local.key_group_ratio")
    limit = ctx.at_least("medical_assistance.key_group_annual_limit", "local.key_group_annual_limit")
    due = min(times(max(ZERO, burden - deductible), ratio), limit)
    pay = ctx.pay_due("ma", due)
    return Outcome(pay, f"key group: burden after the insurances this year {fmt_yuan(burden)} × {fmt_ratio(ratio)}, "
                   f"no deductible, annual limit {fmt_yuan(limit)} = {fmt_yuan(due)} this year, "
                   f"of which {fmt_yuan(pay)} on this claim")


@rule("shandong-2022-major-illness/5")
def marginal_assistance(ctx: ClaimContext, burden: Decimal) -> Outcome:
    """低保边缘家庭成员和监测对象医疗救助 — shandong-2022-major-illness/5: at least 50% of the part of the year's
    policy-range burden above 3,000 yuan."""
    threshold = ctx.param("medical_assistance.marginal_threshold").value
    ratio = ctx.at_least("medical_assistance.marginal_ratio", "local.marginal_ratio")
    due, limit_note = _other_groups_limit(ctx, times(max(ZERO, burden - threshold), ratio))
    pay = ctx.pay_due("ma", due)
    return Outcome(pay, f"marginal/monitored: burden after the insurances this year {fmt_yuan(burden)}; the part "
                   f"above {fmt_yuan(threshold)} × {fmt_ratio(ratio)}; {limit_note} = {fmt_yuan(due)} this year, "
                   f"of which {fmt_yuan(pay)} on this claim")


@rule("shandong-2022-major-illness/5")
def illness_poverty_assistance(ctx: ClaimContext, burden: Decimal) -> Outcome:
    """因病致贫重病患者医疗救助 — shandong-2022-major-illness/5: at least 60% of the part of the year's policy-range
    burden above 25% of residents' per capita disposable income (a required input: its area and year were lost)."""
    income = ctx.require_input("income.per_capita_disposable_local",
                               "clause 5 sets the threshold at 25% of residents' per capita disposable income but "
                               "the translation lost which area and year; supply that income in yuan")
    threshold = times(income, ctx.param("medical_assistance.illness_poverty_income_share").value)
    ratio = ctx.at_least("medical_assistance.illness_poverty_ratio", "local.illness_poverty_ratio")
    due, limit_note = _other_groups_limit(ctx, times(max(ZERO, burden - threshold), ratio))
    pay = ctx.pay_due("ma", due)
    return Outcome(pay, f"impoverished by illness: burden after the insurances this year {fmt_yuan(burden)}; the part "
                   f"above 25% of {fmt_yuan(income)} = {fmt_yuan(threshold)} × {fmt_ratio(ratio)}; {limit_note} = "
                   f"{fmt_yuan(due)} this year, of which {fmt_yuan(pay)} on this claim")


@rule("shandong-2022-major-illness/5")
def medical_assistance(ctx: ClaimContext) -> Outcome:
    """医疗救助 — shandong-2022-major-illness/5: the rule of the person's group (一) on the year's policy-range
    burden left after basic and critical-illness insurance."""
    acc = ctx.year.acc
    acc["burden_after_insurance"] += ctx.remaining  # also what the early warning (六) looks at
    group = _group(ctx)
    if group is None:
        return Outcome(ZERO, f"{ctx.person.category}: not a medical assistance recipient named in clause 1",
                       clause="shandong-2022-major-illness/1")
    rule_of = {"key_group": key_group_assistance, "marginal": marginal_assistance,
               "illness_poverty": illness_poverty_assistance}[group]
    return rule_of(ctx, acc["burden_after_insurance"])


@rule("shandong-2022-major-illness/8")
def supplementary_insurance(ctx: ClaimContext) -> Outcome:
    """商业健康保险 — shandong-2022-major-illness/8: from the slip (the report sets no benefit rules)."""
    return ctx.paid_per_slip("supplementary_insurance_paid", "commercial health insurance",
                             "no commercial-insurance slip amount given: taken as 0")


@rule("shandong-2022-major-illness/5")
def tilted_medical_assistance(ctx: ClaimContext) -> Outcome:
    """倾斜(再)救助 — shandong-2022-major-illness/5: for the key groups and marginal/monitored people, at least 70%
    of the part of the year's burden after the three systems above the 'still heavy' threshold (a required input),
    at most 20,000 yuan a year."""
    group = _group(ctx)
    if group not in ("key_group", "marginal"):
        return Outcome(ZERO, "further assistance is for the recipients named before it in clause 5 (key groups, "
                       "marginal and monitored people); not this person")
    threshold = ctx.require_input("medical_assistance.still_heavy_threshold",
                                  "clause 5 gives further assistance when the burden after the three systems is "
                                  "'still heavy' but gives no threshold; supply it in yuan per year")
    ratio = ctx.at_least("medical_assistance.tilted_ratio", "local.tilted_ratio")
    ceiling = ctx.param("medical_assistance.tilted_annual_limit")
    local = ctx.input("local.tilted_annual_limit")
    limit = Decimal(ceiling.value) if local is None else local
    burden = ctx.year_to_date("relief")
    due = min(times(max(ZERO, burden - threshold), ratio), limit)
    pay = ctx.pay_due("relief", due)
    return Outcome(pay, f"burden after the three systems this year {fmt_yuan(burden)}; the part above "
                   f"the 'still heavy' threshold {fmt_yuan(threshold)} × {fmt_ratio(ratio)}, annual limit "
                   f"{fmt_yuan(limit)} = {fmt_yuan(due)} this year, of which {fmt_yuan(pay)} on this claim")


further_relief = tilted_medical_assistance


@rule("shandong-2022-major-illness/6")
def illness_poverty_early_warning(category: str, annual_burden: Decimal, provincial_income: Decimal, on: dt.date,
                                  marginal_share: Decimal | None = None) -> tuple[bool | None, str]:
    """因病致贫返贫预警 — shandong-2022-major-illness/6: is a person brought into early-warning monitoring?

    Any insured person whose year's policy-range burden after basic and critical-illness insurance is above the
    provincial per capita disposable income; marginal and monitored people above a share of it that the
    translation lost (marginal_share: None means that line cannot be checked)."""
    policy = load_policy(POLICY_ID)
    general_line = times(provincial_income, policy.param("monitoring.general_threshold_share", on).value)
    if annual_burden > general_line:
        return True, f"burden {fmt_yuan(annual_burden)} is above the provincial income line {fmt_yuan(general_line)}"
    if category not in MARGINAL_CATEGORIES:
        return False, f"burden {fmt_yuan(annual_burden)} is not above the provincial income line {fmt_yuan(general_line)}"
    if marginal_share is None:
        return None, (f"burden {fmt_yuan(annual_burden)} is not above the provincial income line "
                      f"{fmt_yuan(general_line)}; the lower line for {category} was lost in translation "
                      "(supply monitoring.marginal_threshold_share to check it)")
    marginal_line = times(provincial_income, marginal_share)
    warn = annual_burden > marginal_line
    return warn, (f"burden {fmt_yuan(annual_burden)} is {'above' if warn else 'not above'} the {category} line "
                  f"{fmt_ratio(marginal_share)} of {fmt_yuan(provincial_income)} = {fmt_yuan(marginal_line)}")


@rule("shandong-2022-major-illness/6")
def early_warning(ctx: ClaimContext):
    """预警 — shandong-2022-major-illness/6: the early-warning decision after each claim, on the year so far."""
    income = ctx.input("income.per_capita_disposable_province")
    if income is None:
        return "early_warning", None, "not checked: supply income.per_capita_disposable_province"
    ctx.param("monitoring.general_threshold_share")
    warn, why = illness_poverty_early_warning(ctx.person.category, ctx.year.acc["burden_after_insurance"], income,
                                              ctx.claim.date, ctx.input("monitoring.marginal_threshold_share"))
    return "early_warning", warn, why


DECISIONS = (early_warning,)


def validate(scenario: Scenario, policy: Policy) -> None:
    """Claims dated before the report cannot be evaluated; local values must respect the floors and ceilings."""
    reported = policy.meta["dates"]["report"]
    for i, claim in enumerate(scenario.claims):
        if claim.date < reported:
            raise InputError(f"claims[{i}].date", f"{claim.date} is before {reported}, the date of the report "
                             f"({in_force.clause}); the report gives no start date, so earlier claims cannot be "
                             "evaluated; allowed: that date or later")
    for inputs, below in ((LOCAL_FLOORS, True), (LOCAL_CEILINGS, False)):
        for input_name, param_name in inputs.items():
            local = scenario.inputs.get(input_name)
            if local is None:
                continue
            for claim in scenario.claims:
                v = policy.param(param_name, claim.date)
                if (local < v.value) if below else (local > v.value):
                    bound = f"{v.value} to 1" if v.unit == "ratio" and below else (
                        f"{v.value} or more" if below else f"0 to {v.value}")
                    raise InputError(f"inputs.{input_name}", f"{local} is {'below the floor' if below else 'above the ceiling'} "
                                     f"{v.value} that {v.clause} sets ({v.quote}); allowed: {bound}")
