"""温政办〔2021〕78号 温州市“医保纾困·携手共富”实施方案 — the encoded clauses.

Each function encodes one rule; its docstring's first line gives the Chinese term and the clause, and the
@rule decorator carries the clause ID into every trace step. Numbers come from parameters.yaml, never from here.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..money import ZERO, fmt_ratio, fmt_yuan, times
from ..policy import Policy
from ..rulebook import ClaimContext, Outcome, rule
from ..scenario import InputError, Scenario

POLICY_ID = "wenzhou-2021-78"

# 二: the categories the plan names; any other category counts only if a county-level government designates it.
NAMED_HARDSHIP_CATEGORIES = ("tekun", "dibao", "dibian", "yinbing_zhipin")


@rule("wenzhou-2021-78/end")
def in_force(policy: Policy, on: dt.date) -> bool:
    """施行日期与有效期 — wenzhou-2021-78/end: in force from 2022-01-01 to 2025-12-31."""
    return policy.in_force_from <= on <= policy.in_force_to


@rule("wenzhou-2021-78/2")
def is_hardship_group(category: str, county_designated: bool = False) -> bool:
    """困难群众 — wenzhou-2021-78/2: tekun, dibao, dibian, 因病致贫 in dibao/dibian, or county-designated."""
    return category in NAMED_HARDSHIP_CATEGORIES or county_designated


def _hardship(ctx: ClaimContext) -> bool:
    return is_hardship_group(ctx.person.category, ctx.input("county_designated_special_hardship", False))


@rule("wenzhou-2021-78/3.2.6")
def pay_after_treatment(ctx: ClaimContext):
    """先诊疗后付费 — wenzhou-2021-78/3.2.6: no deposit for referred inpatients in hardship in city hospitals."""
    c = ctx.claim
    waived = _hardship(ctx) and c.setting == "inpatient" and c.referred and c.in_city_designated_hospital
    if waived:
        why = "in hardship, referred from primary care, admitted to a designated hospital in the city: deposit waived"
    else:
        missing = [name for name, ok in (("in hardship", _hardship(ctx)), ("inpatient", c.setting == "inpatient"),
                                         ("referred", c.referred),
                                         ("city designated hospital", c.in_city_designated_hospital)) if not ok]
        why = "deposit not waived: not " + ", not ".join(missing)
    return "pay_after_treatment", waived, why


@rule("wenzhou-2021-78/3.3.8")
def coverage_start(recognised_on: dt.date) -> dt.date:
    """次月生效 — wenzhou-2021-78/3.3.8: enrolled the month of recognition, covered from the 1st of the next month."""
    return dt.date(recognised_on.year + recognised_on.month // 12, recognised_on.month % 12 + 1, 1)


@rule("wenzhou-2021-78/3.3.8")
def enrolment_subsidy(year: int, category: str, recognised_on: dt.date, exited_on: dt.date | None = None,
                      in_gradual_exit: bool = False) -> bool:
    """资助参保 — wenzhou-2021-78/3.3.8: is the person's individual contribution for `year` paid by government?

    Subsidised from the year of recognition; one who exits stays covered that year and is not subsidised the
    next; dibao and dibian recipients in the gradual-exit period (渐退期) stay subsidised."""
    if year < recognised_on.year:
        return False
    if in_gradual_exit and category in ("dibao", "dibian"):
        return True
    return exited_on is None or year <= exited_on.year


@rule("wenzhou-2021-78/3.3.9")
def special_disease_catalogue_additions() -> tuple:
    """特殊病种目录第一批扩围 — wenzhou-2021-78/3.3.9: the six conditions added (they share the annual limit
    with inpatient care)."""
    return (
        ("分裂情感障碍(重性精神病药物维持治疗)", "schizoaffective disorder (maintenance drug treatment)"),
        ("偏执性精神障碍(重性精神病药物维持治疗)", "paranoid disorder (maintenance drug treatment)"),
        ("癫痫所致精神障碍(重性精神病药物维持治疗)", "mental disorder due to epilepsy (maintenance drug treatment)"),
        ("严重精神发育迟滞所致的精神障碍(重性精神病药物维持治疗)",
         "mental disorder due to severe mental retardation (maintenance drug treatment)"),
        ("糖尿病胰岛素治疗", "insulin treatment of diabetes"),
        ("尿毒症透析治疗", "dialysis for uraemia"),
    )


@rule("wenzhou-2021-78/3.3.9")
def basic_insurance(ctx: ClaimContext) -> Outcome:
    """基本医疗保险 — wenzhou-2021-78/3.3.9: taken from the settlement slip (the plan sets no basic-insurance amounts)."""
    paid = ctx.require_slip("basic_insurance_paid", f"{POLICY_ID} does not define the basic insurance layer's "
                            "deductible, ratio or limit, so the amount it paid must come from the settlement slip")
    return Outcome(paid, f"basic insurance paid {fmt_yuan(paid)} (settlement slip)")


@rule("wenzhou-2021-78/3.3.9")
def critical_illness_tilt(ctx: ClaimContext) -> tuple[Decimal, Decimal]:
    """大病保险倾斜 — wenzhou-2021-78/3.3.9: deductible cut by 50%, ratio at least 80%, no cap."""
    base = ctx.require_input("critical_illness_base_deductible",
                             "the plan cuts the critical-illness deductible by 50% but does not give it "
                             "(wenzhou-2021-78/3.3.9); supply it, or the slip amount critical_illness_paid")
    deductible = times(base, 1 - ctx.param("critical_illness.deductible_reduction").value)
    ctx.param("critical_illness.cap_abolished")
    return deductible, ctx.at_least("critical_illness.ratio", "critical_illness_ratio")


@rule("wenzhou-2021-78/3.3.9")
def critical_illness_insurance(ctx: ClaimContext) -> Outcome:
    """大病保险 — wenzhou-2021-78/3.3.9: the slip amount, or for people in hardship the tilted rule on the year's
    burden after basic insurance."""
    slip = ctx.slip("critical_illness_paid")
    if slip is not None:
        return Outcome(slip, f"critical-illness insurance paid {fmt_yuan(slip)} (settlement slip)")
    if not _hardship(ctx):
        ctx.require_slip("critical_illness_paid", f"{POLICY_ID} defines critical-illness insurance only for people "
                         "in hardship (its tilt); for anyone else the amount paid must come from the settlement slip")
    deductible, ratio = critical_illness_tilt(ctx)
    burden = ctx.year_to_date("ci")
    due_this_year = times(max(ZERO, burden - deductible), ratio)
    pay = ctx.pay_due("ci", due_this_year)
    return Outcome(pay, f"burden after basic insurance this year {fmt_yuan(burden)}; halved deductible "
                   f"{fmt_yuan(deductible)}; {fmt_ratio(ratio)} of the excess, no cap = {fmt_yuan(due_this_year)} "
                   f"this year, of which {fmt_yuan(pay)} on this claim")


@rule("wenzhou-2021-78/3.3.9")
def medical_assistance(ctx: ClaimContext) -> Outcome:
    """医疗救助 — wenzhou-2021-78/3.3.9: no deductible, at least 80% of the burden left after the two insurances,
    outpatient and inpatient sharing one annual limit of 100,000 yuan, no limit for tekun."""
    if not _hardship(ctx):
        return Outcome(ZERO, "not a person in hardship (二): no medical assistance under this plan",
                       clause="wenzhou-2021-78/2")
    ctx.param("medical_assistance.deductible")
    ratio = ctx.at_least("medical_assistance.ratio", "medical_assistance_ratio")
    burden = ctx.year_to_date("ma")
    due_this_year = times(burden, ratio)
    if ctx.person.category == "tekun" and ctx.param("medical_assistance.tekun_limit_abolished").value:
        limit_note = "no limit for tekun"
    else:
        limit = ctx.param("medical_assistance.annual_limit").value
        limit_note = f"annual limit {fmt_yuan(limit)} shared by outpatient and inpatient"
        due_this_year = min(due_this_year, Decimal(limit))
    pay = ctx.pay_due("ma", due_this_year)
    return Outcome(pay, f"{ctx.claim.setting} burden after the insurances this year {fmt_yuan(burden)} "
                   f"× {fmt_ratio(ratio)}, no deductible, {limit_note} = {fmt_yuan(due_this_year)} this year, "
                   f"of which {fmt_yuan(pay)} on this claim")


@rule("wenzhou-2021-78/3.3.10")
def supplementary_insurance(ctx: ClaimContext) -> Outcome:
    """商业补充医疗保险 — wenzhou-2021-78/3.3.10: the fourth layer, from the slip (the plan sets no benefit rules)."""
    return ctx.paid_per_slip("supplementary_insurance_paid", "supplementary insurance",
                             "no supplementary-insurance slip amount given: taken as 0")


@rule("wenzhou-2021-78/3.3.11")
def high_cost_resolution(ctx: ClaimContext) -> Outcome:
    """高额医疗费用化解 — wenzhou-2021-78/3.3.11: a year's burden after the four layers above 50,000 is brought
    down to 50,000, for people in hardship who followed the treatment guidance and a standard referral."""
    c = ctx.claim
    conditions = (("in hardship", _hardship(ctx)), ("followed the treatment guidance", c.followed_treatment_guidance),
                  ("referred in the standard way", c.referred))
    missing = [name for name, ok in conditions if not ok]
    if missing:
        return Outcome(ZERO, "no high-cost resolution for this claim: not " + ", not ".join(missing))
    threshold = ctx.param("high_cost.burden_threshold").value
    burden = ctx.year_to_date("relief")
    due_this_year = max(ZERO, burden - threshold)
    pay = ctx.pay_due("relief", due_this_year)
    return Outcome(pay, f"eligible burden after four layers this year {fmt_yuan(burden)}; "
                   f"the part above {fmt_yuan(threshold)} is resolved: {fmt_yuan(due_this_year)} this year, "
                   f"of which {fmt_yuan(pay)} on this claim")


further_relief = high_cost_resolution
DECISIONS = (pay_after_treatment,)


def validate(scenario: Scenario, policy: Policy) -> None:
    """Inputs that set a local ratio must respect the floor the clause sets."""
    for input_name, param_name in (("critical_illness_ratio", "critical_illness.ratio"),
                                   ("medical_assistance_ratio", "medical_assistance.ratio")):
        local = scenario.inputs.get(input_name)
        if local is None:
            continue
        for v in policy.parameters[param_name].values:
            if local < v.value:
                raise InputError(f"inputs.{input_name}", f"{local} is below the floor {v.value} that {v.clause} "
                                 f"sets ({v.quote}); allowed: {v.value} to 1")
