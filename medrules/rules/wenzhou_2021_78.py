"""温政办〔2021〕78号 温州市“医保纾困·携手共富”实施方案 — the encoded clauses.

Each function encodes one rule; its docstring's first line gives the Chinese term and the clause, and the
@rule decorator carries the clause ID into every trace step. Numbers come from parameters.yaml, never from here;
each trace sentence is a key of medrules/messages.yaml (trace.wenzhou.*), in Chinese and English.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from ..core.categories import INPATIENT_KINDS
from ..core.policy import Policy
from ..core.rulebook import Context, rule, times
from ..core.scenario import InputError

POLICY_ID = "wenzhou-2021-78"

# 二: the statuses the plan names, and 县级以上人民政府规定的其他特殊困难人员 (qita_teshu_kunnan).
HARDSHIP_STATUSES = ("tekun", "dibao", "dibian", "qita_teshu_kunnan")
# 三(三)9: critical-illness insurance counts 住院 and 门诊特殊病 under the reading inpatient-only.
INPATIENT_AND_SPECIAL = INPATIENT_KINDS + ("chronic_outpatient",)
# Readings (policies/wenzhou-2021-78/readings.yaml): where the words allow two meanings that change an amount.
YINBING_ZHIPIN = f"{POLICY_ID}/2:yinbing-zhipin"
OUTPATIENT_BURDEN = f"{POLICY_ID}/3.3.9:outpatient-burden"
RATIO_FLOORS = f"{POLICY_ID}/3.3.9:ratio-floors"
HIGH_COST_PERIOD = f"{POLICY_ID}/3.3.11:high-cost-period"
STATUS_START = f"{POLICY_ID}/3.3.8:status-start"
STATUS_END = f"{POLICY_ID}/3.3.8:status-end"
BURDEN_SCOPE = f"{POLICY_ID}/3.3.11:burden-scope"


@rule("wenzhou-2021-78/end")
def in_force(policy: Policy, on: dt.date) -> bool:
    """施行日期与有效期 — wenzhou-2021-78/end: in force from 2022-01-01 to 2025-12-31."""
    return policy.in_force_from <= on <= policy.in_force_to


@rule("wenzhou-2021-78/2")
def in_hardship(c: Context) -> np.ndarray:
    """困难群众 — wenzhou-2021-78/2: 特困, 低保, 低边 (因病致贫 people count as members of 低保/低边 families,
    纳入低保、低边的因病致贫对象, so the status alone does not), and 县级以上人民政府规定的其他特殊困难人员."""
    named = c.has(*HARDSHIP_STATUSES)
    if c.reading(YINBING_ZHIPIN) == "on-its-own":
        named |= c.has("yinbing_zhipin")
    return named


@rule("wenzhou-2021-78/3.2.6")
def pay_after_treatment(c: Context):
    """先诊疗后付费 — wenzhou-2021-78/3.2.6: no deposit for referred inpatients in hardship in city hospitals; where
    the claim does not say whether it was referred or the hospital is in the city, undetermined."""
    hardship, inpatient = in_hardship(c), c.inpatient()
    waived, not_met = c.facts_hold("referred", "in_city_designated_hospital", need=hardship & inpatient,
                                   why="trace.wenzhou.deposit_fact_needed")
    referred, city = (c.fact(name) for name in ("referred", "in_city_designated_hospital"))
    return c.decide(
        c.case(hardship & inpatient & waived, True, "trace.wenzhou.deposit_waived"),
        c.case(~hardship, False, "trace.wenzhou.deposit_not_waived.not_in_hardship"),
        c.case(~inpatient, False, "trace.wenzhou.deposit_not_waived.not_inpatient"),
        c.case(referred[1] & ~referred[0], False, "trace.wenzhou.deposit_not_waived.not_referred"),
        c.case(city[1] & ~city[0], False, "trace.wenzhou.deposit_not_waived.not_in_city_hospital"),
        c.otherwise(None, "trace.wenzhou.deposit_fact_needed"),
    )


@rule("wenzhou-2021-78/3.3.8")
def coverage_start(recognised_on: dt.date) -> dt.date:
    """次月生效 — wenzhou-2021-78/3.3.8: enrolled the month of recognition, covered from the 1st of the next month."""
    return dt.date(recognised_on.year + recognised_on.month // 12, recognised_on.month % 12 + 1, 1)


@rule("wenzhou-2021-78/3.3.8")
def status_span(recognised: np.ndarray, exited: np.ndarray, readings: dict,
                inputs: dict) -> tuple[np.ndarray, np.ndarray]:
    """新增救助对象，当月参保，次月生效；医疗救助退出对象，当年参保继续有效 — wenzhou-2021-78/3.3.8: the days a dated
    status counts (days since 1970-01-01). From the 1st of the month after recognition (reading next-month of
    3.3.8:status-start) or the day itself (recognition-day); to the day of exit (reading exit-day of 3.3.8:status-end)
    or the end of that calendar year (year-end)."""
    if readings[STATUS_START] == "next-month":
        month = recognised.astype("datetime64[D]").astype("datetime64[M]")
        recognised = (month + 1).astype("datetime64[D]").astype(np.int64)
    if readings[STATUS_END] == "year-end":
        year = exited.astype("datetime64[D]").astype("datetime64[Y]")
        exited = ((year + 1).astype("datetime64[D]") - np.timedelta64(1, "D")).astype(np.int64)
    return recognised, exited


@rule("wenzhou-2021-78/3.3.8")
def enrolment_subsidy(year: int, category: str, recognised_on: dt.date, exited_on: dt.date | None = None,
                      in_gradual_exit: bool = False) -> bool:
    """资助参保 — wenzhou-2021-78/3.3.8: is the person's individual contribution for `year` paid by government?

    Subsidised from the year of recognition; one who exits stays covered that year and is not subsidised the
    next; dibao and dibian recipients in the gradual-exit period (渐退期) stay subsidised. Only the 困难群众 of 二
    are subsidised: anyone else (a general insured person) is not."""
    if category not in HARDSHIP_STATUSES:
        return False
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
def basic_insurance(c: Context):
    """基本医疗保险 — wenzhou-2021-78/3.3.9: taken from the settlement slip (the plan sets no basic-insurance amounts)."""
    return c.layer(*c.from_record("basic_insurance_paid", "trace.slip.basic_insurance",
                                  "trace.wenzhou.basic_from_slip"))


@rule("wenzhou-2021-78/3.3.9")
def critical_illness_insurance(c: Context):
    """大病保险 — wenzhou-2021-78/3.3.9: the slip amount, or for people in hardship the tilted rule: deductible cut
    by 50%, ratio at least 80%, no cap, on the year's burden after basic insurance (every claim of the year counts,
    whether its amount came from the slip or is computed here)."""
    hardship = in_hardship(c)
    slip = c.slip("critical_illness_paid")
    tilt = hardship & ~slip.given
    base = c.input_amount("critical_illness_base_deductible", tilt, "trace.wenzhou.ci_base_deductible_needed")
    deductible = times(base, c.param("critical_illness.deductible_reduction", tilt).complement())
    c.param("critical_illness.cap_abolished", tilt)
    ratio = _ratio(c, "critical_illness.ratio", "critical_illness_ratio", tilt)
    all_kinds = c.reading(OUTPATIENT_BURDEN) == "all-burden"
    counted = hardship & (c.all() if all_kinds else c.kind(*INPATIENT_AND_SPECIAL))
    tilt &= counted
    burden = c.year_to_date(c.left, of=counted)
    due = times(np.maximum(0, burden - deductible), ratio)
    pay = c.pay_due(due, who=tilt, paid=slip, within=counted)
    return c.layer(
        c.paid_per_slip(slip, "critical_illness_paid", "trace.slip.critical_illness_insurance"),
        c.case(tilt, pay, "trace.wenzhou.ci_tilt", burden=burden, deductible=deductible, ratio=ratio, due=due,
               paid=c.before_this_claim(c.year_to_date(np.where(tilt, pay, slip.amount), of=counted)), pay=pay),
        c.case(hardship, 0, "trace.wenzhou.ci_outpatient_not_counted"),
        c.missing("critical_illness_paid", "trace.wenzhou.ci_only_for_hardship"),
    )


@rule("wenzhou-2021-78/3.3.9")
def medical_assistance(c: Context):
    """医疗救助 — wenzhou-2021-78/3.3.9: no deductible, at least 80% of the year's burden left after the two
    insurances, outpatient and inpatient sharing one annual limit of 100,000 yuan, no limit for 特困."""
    hardship = in_hardship(c)
    c.either_way(~hardship)   # not in hardship: 0 whatever the insurances before paid
    c.param("medical_assistance.deductible", hardship)
    ratio = _ratio(c, "medical_assistance.ratio", "medical_assistance_ratio", hardship)
    burden = c.year_to_date(c.left, of=hardship)
    unlimited = hardship & c.has("tekun") & c.param("medical_assistance.tekun_limit_abolished", hardship & c.has("tekun"))
    limited = hardship & ~unlimited
    limit = c.param("medical_assistance.annual_limit", limited)
    due = np.where(limited, np.minimum(times(burden, ratio), limit), times(burden, ratio))
    pay = c.pay_due(due, who=hardship)
    return c.layer(
        c.case(unlimited, pay, "trace.wenzhou.ma_tekun", burden=burden, ratio=ratio, due=due, pay=pay),
        c.case(limited, pay, "trace.wenzhou.ma_limited", burden=burden, ratio=ratio, limit=limit, due=due, pay=pay),
        c.otherwise(0, "trace.wenzhou.ma_not_in_hardship", clause="wenzhou-2021-78/2"),
    )


@rule("wenzhou-2021-78/3.3.10")
def supplementary_insurance(c: Context):
    """商业补充医疗保险 — wenzhou-2021-78/3.3.10: the fourth layer, from the slip (the plan sets no benefit rules)."""
    return c.layer(*c.from_record("supplementary_insurance_paid", "trace.slip.supplementary_insurance",
                                  "trace.wenzhou.supplementary_from_slip"))


@rule("wenzhou-2021-78/3.3.11")
def high_cost_resolution(c: Context):
    """高额医疗费用化解 — wenzhou-2021-78/3.3.11: a year's burden after the four layers above 50,000 is brought
    down to 50,000, for people in hardship who followed the treatment guidance and a standard referral. The burden
    is the policy-range cost left (reading policy-range of 3.3.11:burden-scope) or everything left of the total cost
    (total). A claim whose record does not say whether it followed the guidance or was referred is undetermined —
    unless, even counted in, the year's burden stays within 50,000: then it is 0 either way."""
    why_fact = "trace.wenzhou.high_cost_fact_needed"
    hardship = in_hardship(c)
    held, not_held = c.facts_hold("followed_treatment_guidance", "referred", need=c.none(), why=why_fact)
    eligible = hardship & held
    maybe = hardship & ~held & ~not_held   # a fact not given: counted in, this gives the most the year can hold
    threshold = c.param("high_cost.burden_threshold", eligible | maybe)
    counted = eligible | maybe
    left = c.left
    if c.reading(BURDEN_SCOPE) == "total":   # 自负金额 as all the person bears: the costs outside the range too
        c.need_slip("total_cost", counted, "trace.wenzhou.high_cost_total_needed")
        outside = np.where(c.claims.has_total_cost, c.claims.total_cost - c.claims.policy_range_cost, 0)
        c.bring_into_scope(outside - c.outside_paid, who=counted)
        left = left + c.outside_left
    yearly = c.reading(HIGH_COST_PERIOD) == "calendar-year"
    burden = c.year_to_date(left, of=counted) if yearly else np.where(counted, left, 0)
    due = np.maximum(0, burden - threshold)
    c.either_way(due == 0)   # the burden, counted at its most, stays within 50,000: 0 whatever is unknown
    c.facts_hold("followed_treatment_guidance", "referred", need=maybe & (due > 0), why=why_fact)
    pay = c.pay_due(due, who=counted) if yearly else due
    resolved = "trace.wenzhou.high_cost_year" if yearly else "trace.wenzhou.high_cost_admission"
    guided = c.fact("followed_treatment_guidance")
    return c.layer(
        c.case(eligible, pay, resolved, burden=burden, threshold=threshold, due=due, pay=pay),
        c.case(~hardship, 0, "trace.wenzhou.high_cost_not_in_hardship"),
        c.case(guided[1] & ~guided[0], 0, "trace.wenzhou.high_cost_not_guided"),
        c.case(not_held, 0, "trace.wenzhou.high_cost_not_referred"),
        c.case(due == 0, 0, "trace.wenzhou.high_cost_within_either_way", burden=burden, threshold=threshold),
        c.otherwise(0, why_fact),
    )


further_relief = high_cost_resolution


def _ratio(c: Context, param: str, input_name: str, need: np.ndarray):
    """不低于/以上 80%: the floor itself, or (reading local-required) only a local ratio, the layer undetermined
    without one."""
    if c.reading(RATIO_FLOORS) == "local-required":
        return c.input_ratio(input_name, need, "trace.wenzhou.local_ratio_required")
    return c.at_least(param, input_name, need)
DECISIONS = {"pay_after_treatment": pay_after_treatment}


def validate(inputs: dict, policy: Policy) -> None:
    """Inputs that set a local ratio must respect the floor the clause sets."""
    for input_name, param_name in (("critical_illness_ratio", "critical_illness.ratio"),
                                   ("medical_assistance_ratio", "medical_assistance.ratio")):
        local = inputs.get(input_name)
        if local is None:
            continue
        for v in policy.parameters[param_name].values:
            if local < v.value:
                raise InputError(f"inputs.{input_name}", "error.below_floor", got=local, floor=v.value,
                                 clause=v.clause, quote=v.quote, allowed=f"{v.value} to 1")
