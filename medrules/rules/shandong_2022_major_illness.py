"""山东省健全重特大疾病医疗保险和救助制度实施意见 (as reported, machine-translated) — the encoded clauses.

The source is an English machine translation of a press report (2022-09-05); clauses.yaml holds the corrected
readings. Each function encodes one rule; its docstring's first line gives the Chinese term and the clause, and
the @rule decorator carries the clause ID into every trace step. Numbers come from parameters.yaml, never from
here; what the report does not give is a named input, and a layer that needs a missing one is undetermined.
Each trace sentence is a key of medrules/messages.yaml (trace.shandong.*), in Chinese and English.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from ..core.messages import msg
from ..core.money import fmt_ratio, fmt_yuan
from ..core.money import times as times_yuan
from ..core.policy import Policy, load_policy
from ..core.rulebook import Context, Ratio, rule, times
from ..core.scenario import InputError

POLICY_ID = "shandong-2022-major-illness"

# 一: the groups the Opinions name, in the order the text names them; each follows its own assistance rule (五).
# A person holding statuses of several groups follows the first (因病致贫重病患者 are, by 一, those outside the
# groups named before them).
ASSISTANCE_GROUPS = (
    ("key_group", ("tekun", "dibao", "fanpin_zhipin")),  # 特困, 低保, 返贫致贫人口: the three key groups
    ("marginal", ("dibian", "jiance")),                  # 低保边缘家庭成员, 防止返贫监测对象
    ("illness_poverty", ("yinbing_zhipin",)),            # 因病致贫重病患者
)
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
# Readings (policies/shandong-2022-major-illness/readings.yaml): where the words allow two meanings that change an
# amount or an eligibility.
CI_ANNUAL_LIMIT = f"{POLICY_ID}/4:annual-limit"
RATIO_FLOORS = f"{POLICY_ID}/5:ratio-floors"
KEY_GROUP_RATIO = f"{POLICY_ID}/5:key-group-ratio"
ILLNESS_POVERTY_BASE = f"{POLICY_ID}/5:illness-poverty-base"
TILTED_GROUPS = f"{POLICY_ID}/5:tilted-groups"
TILTED_LIMIT_CEILING = f"{POLICY_ID}/5:tilted-limit-ceiling"
WARNING_BURDEN = f"{POLICY_ID}/6:warning-burden"
MARGINAL_THRESHOLD_PERIOD = f"{POLICY_ID}/5:marginal-threshold-period"
TILTED_BASE = f"{POLICY_ID}/5:tilted-base"
OTHER_GROUPS_LIMIT = f"{POLICY_ID}/5:other-groups-limit"
VALIDITY = f"{POLICY_ID}/p1:validity"


@rule("shandong-2022-major-illness/p1")
def in_force(policy: Policy, on: dt.date) -> bool:
    """施行日期 — shandong-2022-major-illness/p1: known in force from the press conference that reported it.

    The report gives neither a start nor an end date; the conference date (Policy.known_from) is the
    earliest day the Opinions are known to be in force, and no end is known. That they hold from that day is an
    assumption (假设：自报道日起), said wherever a claim falls before it."""
    return on >= policy.known_from


@rule("shandong-2022-major-illness/p1")
def validity_unknown(policy: Policy, on: dt.date, readings: dict) -> bool:
    """施行日期未载明 — shandong-2022-major-illness/p1: under reading undetermined-before of p1:validity, a claim dated
    before the conference may fall under the Opinions too: neither in nor out, but undetermined."""
    return readings[VALIDITY] == "undetermined-before" and on < policy.known_from


def _held(statuses) -> tuple:
    """A status code, an old one-category code, or a collection of statuses, as a tuple of statuses."""
    return (statuses,) if isinstance(statuses, str) else tuple(statuses)


@rule("shandong-2022-major-illness/1")
def medical_assistance_eligibility(statuses, returned_to_poverty: bool = False) -> str | None:
    """医疗救助对象范围 — shandong-2022-major-illness/1: which group's assistance rule (五) a person follows.

    key_group: 特困 (tekun), 低保 (dibao), 返贫致贫人口 (fanpin_zhipin, or the old input person.returned_to_poverty);
    marginal: 低保边缘 (dibian), 监测对象 (jiance); illness_poverty: 因病致贫重病患者 (yinbing_zhipin); None for anyone
    else. A person in several groups follows the one the text names first, which is also the most favourable: a
    低保 recipient impoverished by illness follows the key-group rule (因病致贫重病患者 are those outside the others)."""
    held = set(_held(statuses)) | ({"fanpin_zhipin"} if returned_to_poverty else set())
    return next((group for group, members in ASSISTANCE_GROUPS if held & set(members)), None)


@rule("shandong-2022-major-illness/1")
def assistance_groups(c: Context) -> dict:
    """医疗救助对象范围 — shandong-2022-major-illness/1: each claim's group, on the person's statuses, the first
    group named in 一 that the person is in (as medical_assistance_eligibility, on columns)."""
    taken = c.none()
    groups = {}
    for group, members in ASSISTANCE_GROUPS:
        held = c.has(*members)
        groups[group] = held & ~taken
        taken = taken | held
    return groups


@rule("shandong-2022-major-illness/2")
def enrolment_subsidy(statuses, individual_contribution: Decimal, on: dt.date) -> Decimal:
    """资助参保 — shandong-2022-major-illness/2: the resident contribution paid by assistance funds, in full for 特困.

    The translation lost the rule for every other group, so for them there is nothing to compute."""
    if "tekun" not in _held(statuses):
        raise InputError("category" if isinstance(statuses, str) else "person.statuses",
                         "error.shandong_subsidy_tekun_only", got=repr(statuses))
    share = load_policy(POLICY_ID).param("enrolment_subsidy.extreme_hardship_share", on).value
    return times_yuan(individual_contribution, share)


@rule("shandong-2022-major-illness/3")
def basic_insurance(c: Context):
    """基本医疗保险 — shandong-2022-major-illness/3: taken from the settlement slip (the report sets no amounts)."""
    return c.layer(*c.from_record("basic_insurance_paid", "trace.slip.basic_insurance",
                                  "trace.shandong.basic_from_slip"))


@rule("shandong-2022-major-illness/4")
def critical_illness_tilt(c: Context, tilt: np.ndarray) -> tuple[np.ndarray, Ratio]:
    """大病保险倾斜 — shandong-2022-major-illness/4: for the three key groups, the deductible cut by 50%, the ratio
    raised by an increase the translation lost (an input), the annual limit cancelled."""
    why = "trace.shandong.ci_key_group_input_needed"
    base = c.input_amount("critical_illness.base_deductible", tilt, why)
    base_ratio = c.input_ratio("critical_illness.base_ratio", tilt, why)
    increase = c.input_ratio("critical_illness.key_group_ratio_increase", tilt,
                             "trace.shandong.ci_ratio_increase_lost")
    deductible = times(base, c.param("critical_illness.key_group_deductible_reduction", tilt).complement())
    return deductible, base_ratio + increase


@rule("shandong-2022-major-illness/4")
def critical_illness_insurance(c: Context):
    """大病保险 — shandong-2022-major-illness/4: the slip amount, or for the three key groups the tilted rule on the
    year's burden after basic insurance (every claim of the year counts, from the slip or computed here)."""
    key = assistance_groups(c)["key_group"]
    slip = c.slip("critical_illness_paid")
    tilt = key & ~slip.given
    deductible, ratio = critical_illness_tilt(c, tilt)
    burden = c.year_to_date(c.left, of=key)
    due = times(np.maximum(0, burden - deductible), ratio)
    if c.input("critical_illness.base_deductible") is not None:   # within the halved deductible: 0 whatever the ratio
        c.either_way(tilt & (burden <= deductible))
    if c.reading(CI_ANNUAL_LIMIT) == "raised-unknown":
        # A raised limit whose number was lost: a claim with something due may meet it, so only the slip can say.
        c.need_slip("critical_illness_paid", tilt & (due > 0), "trace.shandong.ci_limit_raised_unknown")
        limit_words = msg("trace.shandong.words.ci_limit_raised_unknown")
    else:
        c.param("critical_illness.key_group_annual_limit_abolished", tilt)
        limit_words = msg("trace.shandong.words.ci_no_annual_limit")
    pay = c.pay_due(due, who=tilt, paid=slip, within=key)
    paid_before = c.before_this_claim(c.year_to_date(np.where(tilt, pay, slip.amount), of=key))
    return c.layer(
        c.paid_per_slip(slip, "critical_illness_paid", "trace.slip.critical_illness_insurance"),
        c.case(tilt, pay, "trace.shandong.ci_key_group", burden=burden, deductible=deductible, ratio=ratio, due=due,
               paid=paid_before, pay=pay, limit_words=limit_words),
        c.missing("critical_illness_paid", "trace.shandong.ci_only_key_groups"),
    )


def _other_groups_limit(c: Context, who: np.ndarray, due: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The report sets no annual limit for the groups other than the key groups: the local one (input), or, without
    it, under reading local-required of 5:other-groups-limit, undetermined wherever something is due (the limit
    could be anything); under no-limit, none."""
    limit = c.input("medical_assistance.other_groups_annual_limit", need=who)
    if limit is not None:
        return np.minimum(due, int(limit * 100)), msg("trace.shandong.words.local_group_limit",
                                                      limit=fmt_yuan(limit))
    if c.reading(OTHER_GROUPS_LIMIT) == "local-required":
        c.mark_missing(who & (due > 0), "inputs.medical_assistance.other_groups_annual_limit",
                       "trace.shandong.other_groups_limit_needed")
    return due, msg("trace.shandong.words.no_group_limit")


def _floor(c: Context, param: str, input_name: str, who: np.ndarray):
    """不低于 (a floor): the floor itself, the least the text guarantees, or the local value where given; under
    reading local-required of 5:ratio-floors only the local value, the claims undetermined without it."""
    if c.reading(RATIO_FLOORS) == "local-required":
        why = "trace.shandong.local_value_required"
        if c.policy.parameters[param].unit == "ratio":
            return c.input_ratio(input_name, who, why)
        return c.input_amount(input_name, who, why)
    return c.at_least(param, input_name, who)


@rule("shandong-2022-major-illness/5")
def key_group_assistance(c: Context, who: np.ndarray, burden: np.ndarray) -> tuple[np.ndarray, str, dict]:
    """特困、低保、返贫致贫人口医疗救助 — shandong-2022-major-illness/5: no deductible, at least 70% of the year's
    policy-range burden after the insurances, annual limit at least 30,000 yuan. Under reading share-left of
    5:key-group-ratio the 70% is what is left to the person, so assistance is at most the other 30%."""
    deductible = c.param("medical_assistance.key_group_deductible", who)
    if c.reading(KEY_GROUP_RATIO) == "share-left":
        if c.input("local.key_group_ratio") is not None and who.any():
            raise InputError("inputs.local.key_group_ratio", "error.shandong_share_left", reading=KEY_GROUP_RATIO)
        ratio = c.param("medical_assistance.key_group_ratio", who).complement()
        why = "trace.shandong.ma_key_group_share_left"
    else:
        ratio = _floor(c, "medical_assistance.key_group_ratio", "local.key_group_ratio", who)
        why = "trace.shandong.ma_key_group"
    limit = _floor(c, "medical_assistance.key_group_annual_limit", "local.key_group_annual_limit", who)
    due = np.minimum(times(np.maximum(0, burden - deductible), ratio), limit)
    return due, why, dict(ratio=ratio, limit=limit)


@rule("shandong-2022-major-illness/5")
def marginal_assistance(c: Context, who: np.ndarray, burden: np.ndarray) -> tuple[np.ndarray, str, dict]:
    """低保边缘家庭成员和监测对象医疗救助 — shandong-2022-major-illness/5: at least 50% of the part of the year's
    policy-range burden above 3,000 yuan."""
    threshold = c.param("medical_assistance.marginal_threshold", who)
    ratio = _floor(c, "medical_assistance.marginal_ratio", "local.marginal_ratio", who)
    if c.reading(MARGINAL_THRESHOLD_PERIOD) == "per-claim":   # each claim's part above 3,000, added up over the year
        above = c.year_to_date(np.maximum(0, c.left - threshold), of=who)
        why = "trace.shandong.ma_marginal_per_claim"
    else:
        above = np.maximum(0, burden - threshold)
        why = "trace.shandong.ma_marginal"
    due, limit_note = _other_groups_limit(c, who, times(above, ratio))
    return due, why, dict(threshold=threshold, ratio=ratio, limit_note=limit_note)


@rule("shandong-2022-major-illness/5")
def illness_poverty_assistance(c: Context, who: np.ndarray, burden: np.ndarray) -> tuple[np.ndarray, str, dict]:
    """因病致贫重病患者医疗救助 — shandong-2022-major-illness/5: at least 60% of the part of the year's policy-range
    burden above 25% of residents' per capita disposable income (an input: its area and year were lost); under
    reading whole-burden of 5:illness-poverty-base, the whole burden once it passes that line."""
    income = c.input_amount("income.per_capita_disposable_local", who, "trace.shandong.income_needed")
    threshold = times(income, c.param("medical_assistance.illness_poverty_income_share", who))
    ratio = _floor(c, "medical_assistance.illness_poverty_ratio", "local.illness_poverty_ratio", who)
    if c.reading(ILLNESS_POVERTY_BASE) == "whole-burden":
        base = np.where(burden > threshold, burden, 0)
        why = "trace.shandong.ma_illness_poverty_whole"
    else:
        base = np.maximum(0, burden - threshold)
        why = "trace.shandong.ma_illness_poverty"
    due, limit_note = _other_groups_limit(c, who, times(base, ratio))
    return due, why, dict(income=income, threshold=threshold, ratio=ratio, limit_note=limit_note)


@rule("shandong-2022-major-illness/5")
def medical_assistance(c: Context):
    """医疗救助 — shandong-2022-major-illness/5: the rule of the person's group (一) on the year's policy-range
    burden left after basic and critical-illness insurance."""
    # The year's burden after the two insurances, of every insured person: what the early warning (六) looks at.
    c.keep("burden_after_insurance", c.year_so_far(c.left))
    groups = assistance_groups(c)
    assisted = groups["key_group"] | groups["marginal"] | groups["illness_poverty"]
    # 一: 县级以上人民政府规定的其他特殊困难人员 are assisted "according to the category of rescue objects": which
    # category's rule is theirs the report does not say; their other statuses, if any, decide it.
    category_unknown = c.has("qita_teshu_kunnan") & ~assisted
    c.either_way(~assisted & ~category_unknown)   # in no group: 0 whatever the insurances before paid
    c.mark_missing(category_unknown, "statuses", "trace.shandong.designated_category_needed")
    burden = c.year_to_date(c.left, of=assisted)
    rule_of = {"key_group": key_group_assistance, "marginal": marginal_assistance,
               "illness_poverty": illness_poverty_assistance}
    due = np.zeros(c.n, dtype=np.int64)
    said = {}
    for group, who in groups.items():
        group_due, why, values = rule_of[group](c, who, burden)
        due = np.where(who, group_due, due)
        said[group] = (why, values)
    pay = c.pay_due(due, who=assisted)
    return c.layer(
        *[c.case(groups[g], pay, why, burden=burden, due=due, pay=pay, **values) for g, (why, values) in said.items()],
        c.otherwise(0, "trace.shandong.ma_not_recipient", clause="shandong-2022-major-illness/1"),
    )


@rule("shandong-2022-major-illness/8")
def supplementary_insurance(c: Context):
    """商业健康保险 — shandong-2022-major-illness/8: from the slip (the report sets no benefit rules)."""
    paid = c.slip("supplementary_insurance_paid")
    # A later claim's computed critical-illness insurance makes up what the year's earlier slip amounts paid below
    # the tilt, and can leave this claim less than its record says commercial insurance paid: not settled as recorded.
    over = paid.given & (paid.amount > c.left + c.outside_left)
    return c.layer(
        c.missing("critical_illness_paid", "trace.shandong.commercial_slip_exceeds_left", where=over),
        c.paid_per_slip(paid, "supplementary_insurance_paid", "trace.slip.commercial_health_insurance"),
        c.missing("supplementary_insurance_paid", "trace.shandong.commercial_from_slip"),
    )


@rule("shandong-2022-major-illness/5")
def tilted_medical_assistance(c: Context):
    """倾斜(再)救助 — shandong-2022-major-illness/5: for the key groups and marginal/monitored people (reading
    named-before of 5:tilted-groups; all-recipients adds people impoverished by illness), at least 70% of the part
    of the year's burden after the three systems above the 'still heavy' threshold (an input), with an annual limit
    that "can reach up to" 20,000 yuan: a ceiling. Without the local limit (input local.tilted_annual_limit),
    reading upper-bound pays up to 20,000 and says the result is an upper bound; reading local-required leaves the
    amount undetermined."""
    groups = assistance_groups(c)
    eligible = {"named-before": groups["key_group"] | groups["marginal"],
                "all-recipients": groups["key_group"] | groups["marginal"] | groups["illness_poverty"],
                "marginal-only": groups["marginal"]}[c.reading(TILTED_GROUPS)]
    # Not eligible (and not a designated person whose category is unknown): 0 whatever the layers before paid.
    c.either_way(~eligible & ~(c.has("qita_teshu_kunnan") & ~(groups["key_group"] | groups["marginal"]
                                                               | groups["illness_poverty"])))
    threshold = c.input_amount("medical_assistance.still_heavy_threshold", eligible,
                               "trace.shandong.still_heavy_threshold_needed")
    ratio = _floor(c, "medical_assistance.tilted_ratio", "local.tilted_ratio", eligible)
    ceiling = c.param("medical_assistance.tilted_annual_limit", eligible)
    if c.reading(TILTED_LIMIT_CEILING) == "local-required":
        limit = c.input_amount("local.tilted_annual_limit", eligible, "trace.shandong.tilted_local_limit_required")
        local = c.inputs.get("local.tilted_annual_limit")
    else:
        local = c.input("local.tilted_annual_limit", need=eligible)
        limit = ceiling if local is None else np.full(c.n, int(local * 100), dtype=np.int64)
    burden = c.year_to_date(c.left, of=eligible)
    if c.reading(TILTED_BASE) == "whole-burden":   # once the burden passes the line, all of it
        base, why = np.where(burden > threshold, burden, 0), "_whole"
    else:
        base, why = np.maximum(0, burden - threshold), ""
    due = np.minimum(times(base, ratio), limit)
    if c.input("medical_assistance.still_heavy_threshold") is not None:   # the burden at its most within the line
        c.either_way(eligible & (base == 0))   # 0 whatever the ratio and limit not given
    pay = c.pay_due(due, who=eligible)
    values = dict(burden=burden, threshold=threshold, ratio=ratio, limit=limit, due=due, pay=pay)
    return c.layer(
        c.case(eligible & (local is not None), pay, "trace.shandong.tilted_local_limit" + why, **values),
        # 20,000 is the most a local limit "can reach": an amount it caps is the most the layer pays, no more
        c.case(eligible & (due > 0), pay, "trace.shandong.tilted_upper_bound" + why, upper_bound=True, **values),
        c.case(eligible, pay, "trace.shandong.tilted_upper_bound" + why, **values),
        c.otherwise(0, "trace.shandong.tilted_not_eligible"),
    )


further_relief = tilted_medical_assistance


@rule("shandong-2022-major-illness/6")
def illness_poverty_early_warning(statuses, annual_burden: Decimal, provincial_income: Decimal, on: dt.date,
                                  marginal_share: Decimal | None = None) -> tuple[bool | None, str]:
    """因病致贫返贫预警 — shandong-2022-major-illness/6: is a person brought into early-warning monitoring?

    Any insured person whose year's policy-range burden after basic and critical-illness insurance is above the
    provincial per capita disposable income; marginal and monitored people (dibian, jiance) above a share of it
    that the translation lost (marginal_share: None means that line cannot be checked)."""
    policy = load_policy(POLICY_ID)
    general_line = times_yuan(provincial_income, policy.param("monitoring.general_threshold_share", on).value)
    if annual_burden > general_line:
        return True, f"burden {fmt_yuan(annual_burden)} is above the provincial income line {fmt_yuan(general_line)}"
    if not set(_held(statuses)) & {"dibian", "jiance"}:
        return False, f"burden {fmt_yuan(annual_burden)} is not above the provincial income line {fmt_yuan(general_line)}"
    if marginal_share is None:
        return None, (f"burden {fmt_yuan(annual_burden)} is not above the provincial income line "
                      f"{fmt_yuan(general_line)}; the lower line for 低保边缘 and monitored people was lost in "
                      "translation (supply monitoring.marginal_threshold_share to check it)")
    marginal_line = times_yuan(provincial_income, marginal_share)
    warn = annual_burden > marginal_line
    return warn, (f"burden {fmt_yuan(annual_burden)} is {'above' if warn else 'not above'} the 低保边缘/monitored "
                  f"line {fmt_ratio(marginal_share)} of {fmt_yuan(provincial_income)} = {fmt_yuan(marginal_line)}")


@rule("shandong-2022-major-illness/6")
def early_warning(c: Context):
    """预警 — shandong-2022-major-illness/6: the early-warning decision after each claim, on the year so far (as
    illness_poverty_early_warning, on columns)."""
    income = c.input("income.per_capita_disposable_province")
    if income is None:
        return c.decide(c.otherwise(None, "trace.shandong.warning_not_checked"))
    burden, unknown = c.kept("burden_after_insurance")
    c.inherit(unknown)
    if c.reading(WARNING_BURDEN) == "all-personal-costs":
        # Costs outside the policy scope, which no layer of this policy pays: the record's total_cost tells them.
        given = c.flag("has_total_cost")
        burden = burden + c.groups.cumsum(np.where(given, c.claims.total_cost - c.claims.policy_range_cost, 0))
        lacking = ~given | c.groups.any_before(~given)
        if lacking.any():
            c.mark_missing(lacking, "total_cost", "trace.shandong.warning_total_cost_needed")
    income = np.full(c.n, int(income * 100), dtype=np.int64)
    line = times(income, c.param("monitoring.general_threshold_share"))
    monitored = c.has("dibian", "jiance")
    share = c.input("monitoring.marginal_threshold_share", need=monitored)
    cases = [
        c.case(burden > line, True, "trace.shandong.warning_above_line", burden=burden, line=line),
        c.case(~monitored, False, "trace.shandong.warning_not_above_line", burden=burden, line=line),
    ]
    if share is None:
        cases.append(c.missing("inputs.monitoring.marginal_threshold_share",
                               "trace.shandong.warning_marginal_share_needed"))
    else:
        share = Ratio.of(share, c.n)
        marginal_line = times(income, share)
        warn = burden > marginal_line
        figures = dict(burden=burden, share=share, income=income, marginal_line=marginal_line)
        cases += [c.case(warn, warn, "trace.shandong.warning_above_marginal_line", **figures),
                  c.otherwise(warn, "trace.shandong.warning_not_above_marginal_line", **figures)]
    return c.decide(*cases)


DECISIONS = {"early_warning": early_warning}


def validate(inputs: dict, policy: Policy) -> None:
    """Local values must respect every floor and ceiling the report sets; the raised critical-illness ratio must
    not pass 100%."""
    for limits, below in ((LOCAL_FLOORS, True), (LOCAL_CEILINGS, False)):
        for input_name, param_name in limits.items():
            local = inputs.get(input_name)
            if local is None:
                continue
            for v in policy.parameters[param_name].values:
                if (local < v.value) if below else (local > v.value):
                    if below:
                        bound = f"{v.value} to 1" if v.unit == "ratio" else f"{v.value} or more"
                        raise InputError(f"inputs.{input_name}", "error.below_floor", got=local, floor=v.value,
                                         clause=v.clause, quote=v.quote, allowed=bound)
                    raise InputError(f"inputs.{input_name}", "error.above_ceiling", got=local, ceiling=v.value,
                                     clause=v.clause, quote=v.quote, allowed=f"0 to {v.value}")
    base, increase = inputs.get("critical_illness.base_ratio"), inputs.get("critical_illness.key_group_ratio_increase")
    if base is not None and increase is not None and base + increase > 1:
        raise InputError("inputs.critical_illness.key_group_ratio_increase", "error.ratio_sum_above_one",
                         base=base, increase=increase, total=base + increase, most=1 - base)
