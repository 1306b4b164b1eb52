"""浙江省构建因病致贫返贫防范长效机制实施方案(2022—2025年) (as reported by China News Service, 2022-07-13).

The report names three measurable indicators with targets — 资助参保率, 综合保障率, 个人负担率 — but defines none of
them. The formulas below are therefore Assumptions (stated in each docstring and in the notebook), computed over
a population of per-person totals and compared with the targets in parameters.yaml. The plan defines no claim
layers, so the engine's scenario path does not apply (NO_CLAIM_LAYERS says why).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..core.money import ZERO
from ..core.policy import PolicyError, load_policy
from ..core.rulebook import rule
from ..core.scenario import InputError, parse_money

POLICY_ID = "zhejiang-2022-illness-poverty"
# Why the engine's claim path does not apply (medrules.core.engine.rules_module shows it in its error).
NO_CLAIM_LAYERS = ("it defines indicators and targets for a population, not claim layers; use "
                   "medrules.rules.zhejiang_2022_illness_poverty.illness_poverty_targets on per-person totals")

# The two target dates the report names: 到今年年底 (report of 2022-07-13, so 2022-12-31; p6 says 到2022年底) and
# 到2025年 (a year only: any day of 2025 gives the same parameter value; the last day is used).
TARGETS = {"end-2022": dt.date(2022, 12, 31), "2025": dt.date(2025, 12, 31)}
BASES = {"total": "total_cost", "policy_range": "policy_range_cost"}
# How a population's rate is formed (reading zhejiang-2022-illness-poverty/p7:aggregation).
AVERAGES = ("pooled", "per_person")
PAYERS = {"three_systems": ("basic_insurance_paid", "critical_illness_paid", "medical_assistance_paid"),
          "all_recorded": ("basic_insurance_paid", "critical_illness_paid", "medical_assistance_paid",
                           "supplementary_insurance_paid", "further_relief_paid", "charity_paid",
                           "commercial_insurance_paid")}
REQUIRED = ("basic_insurance_paid", "critical_illness_paid", "medical_assistance_paid")
# enrolled_with_subsidy is needed only for 资助参保率 and total_cost only for the total-cost base: a batch result
# of claims has neither, yet its protection and burden rates on the policy-range base can be computed.
OPTIONAL = ("enrolled_with_subsidy", "total_cost", "policy_range_cost", "supplementary_insurance_paid",
            "further_relief_paid", "charity_paid", "commercial_insurance_paid")


@dataclass(frozen=True)
class Person:
    """One person in hardship: enrolment and the year's medical-expense totals (yuan, exact)."""
    basic_insurance_paid: Decimal
    critical_illness_paid: Decimal
    medical_assistance_paid: Decimal
    enrolled_with_subsidy: bool | None = None  # None: not known (e.g. a batch result of claims)
    total_cost: Decimal | None = None
    policy_range_cost: Decimal | None = None
    supplementary_insurance_paid: Decimal = ZERO
    further_relief_paid: Decimal = ZERO
    charity_paid: Decimal = ZERO
    commercial_insurance_paid: Decimal = ZERO


def parse_people(rows) -> list[Person]:
    """Validate a list of dicts (or a DataFrame) of per-person totals; errors name the row and field."""
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InputError("people", "error.people_not_list")
    allowed = ", ".join(REQUIRED + OPTIONAL)
    people = []
    for i, row in enumerate(rows):
        if isinstance(row, Person):  # already validated
            people.append(row)
            continue
        if not isinstance(row, dict):
            raise InputError(f"people[{i}]", "error.people_row_not_mapping", allowed=allowed)
        unknown = sorted(set(row) - set(REQUIRED + OPTIONAL))
        if unknown:
            raise InputError(f"people[{i}].{unknown[0]}", "error.unknown_field", allowed=allowed)
        fields = {}
        for name in REQUIRED + OPTIONAL:
            value = row.get(name)
            if value is None:
                if name in REQUIRED:
                    raise InputError(f"people[{i}].{name}", "error.required_missing")
                continue
            if name == "enrolled_with_subsidy":
                if not isinstance(value, bool):
                    raise InputError(f"people[{i}].{name}", "error.flag", got=repr(value))
                fields[name] = value
            else:
                try:
                    fields[name] = parse_money(value)
                except ValueError as e:
                    raise InputError(f"people[{i}].{name}", e) from None
        person = Person(**fields)
        paid = sum((getattr(person, f) for f in PAYERS["all_recorded"]), ZERO)
        if person.total_cost is not None and paid > person.total_cost:
            raise InputError(f"people[{i}]", "error.payments_over_total", paid=paid, total=person.total_cost)
        if None not in (person.policy_range_cost, person.total_cost) and person.policy_range_cost > person.total_cost:
            raise InputError(f"people[{i}].policy_range_cost", "error.cost_over_total", cost=person.policy_range_cost,
                             total=person.total_cost)
        people.append(person)
    return people


def _base(people: list[Person], base: str) -> list[Decimal]:
    """Each person's expenses on the chosen base, checked against what was paid."""
    if base not in BASES:
        raise InputError("base", "error.choice", got=repr(base), allowed=", ".join(BASES))
    field = BASES[base]
    values = []
    for i, p in enumerate(people):
        value = getattr(p, field)
        if value is None:
            raise InputError(f"people[{i}].{field}", "error.required_for_base", base=repr(base))
        paid = sum((getattr(p, f) for f in PAYERS["all_recorded"]), ZERO)
        if paid > value:
            raise InputError(f"people[{i}].{field}", "error.payments_over_base", paid=paid, field=field, value=value,
                             base=repr(base))
        values.append(value)
    return values


@dataclass(frozen=True)
class Indicator:
    """An indicator over a population: the formula in words, numerator, denominator and the exact rate."""
    name: str
    label: str
    formula: str
    numerator: Decimal
    denominator: Decimal
    rate: Decimal | None  # None when the denominator is 0 (the rate is undefined)


def _rate(num: Decimal, den: Decimal) -> Decimal | None:
    return None if den == 0 else num / den


def _population_rate(pairs: list, average: str) -> tuple[Decimal, Decimal, str]:
    """(numerator, denominator, words) of a population's rate from per-person (numerator, denominator) pairs.

    pooled: Σ numerators ÷ Σ denominators. per_person: the mean of the personal rates of the people with expenses,
    as one exact fraction p/q (numerator p, denominator q, whole numbers, not yuan)."""
    if average not in AVERAGES:
        raise InputError("average", "error.choice", got=repr(average), allowed=", ".join(AVERAGES))
    if average == "pooled":
        return sum((n for n, _ in pairs), ZERO), sum((d for _, d in pairs), ZERO), "Σ {num} ÷ Σ {den}"
    rates = [Fraction(n) / Fraction(d) for n, d in pairs if d != 0]
    if not rates:
        return ZERO, ZERO, "mean over people of ({num} ÷ {den})"
    mean = sum(rates, Fraction(0)) / len(rates)
    return (Decimal(mean.numerator), Decimal(mean.denominator),
            f"mean over the {len(rates)} people with expenses of ({{num}} ÷ {{den}})")


@rule("zhejiang-2022-illness-poverty/p1")
def subsidised_enrolment_rate(people) -> Indicator:
    """资助参保率 — zhejiang-2022-illness-poverty/p1: people in hardship enrolled in basic medical insurance with a
    premium subsidy ÷ people in hardship.

    Assumption (the report defines no formula): numerator = people with enrolled_with_subsidy true; denominator =
    every person in the list, each taken to be a person in hardship entitled to the subsidy."""
    people = parse_people(people)
    for i, p in enumerate(people):
        if p.enrolled_with_subsidy is None:
            raise InputError(f"people[{i}].enrolled_with_subsidy", "error.required_for_subsidy_rate")
    num = Decimal(sum(p.enrolled_with_subsidy for p in people))
    return Indicator("subsidised_enrolment_rate", "资助参保率 subsidised enrolment rate",
                     "people enrolled with a subsidy ÷ people in hardship", num, Decimal(len(people)),
                     _rate(num, Decimal(len(people))))


@rule("zhejiang-2022-illness-poverty/p7")
def comprehensive_protection_rate(people, base: str = "total", payers: str = "three_systems",
                                  average: str = "pooled") -> Indicator:
    """综合保障率 — zhejiang-2022-illness-poverty/p7: what the three systems paid ÷ medical expenses, over the population.

    Assumption (the report defines no formula; reading zhejiang-2022-illness-poverty/p7:protection-payers and
    p7:expense-base): numerator = Σ basic insurance + critical-illness insurance + medical assistance (三重制度, as
    p6 names them; payers="all_recorded" adds supplementary insurance, further relief, charity and commercial
    insurance);
    denominator = Σ medical expenses (base="total": total expenses, as "医疗费用" reads; "policy_range": within
    the policy range); summed over all people (average="pooled"), or the mean of personal rates
    (average="per_person"; reading p7:aggregation)."""
    people = parse_people(people)
    if payers not in PAYERS:
        raise InputError("payers", "error.choice", got=repr(payers), allowed=", ".join(PAYERS))
    bases = _base(people, base)
    paid = [sum((getattr(p, f) for f in PAYERS[payers]), ZERO) for p in people]
    num, den, words = _population_rate(list(zip(paid, bases)), average)
    who = "the three systems" if payers == "three_systems" else "every recorded payer"
    return Indicator("comprehensive_protection_rate", "综合保障率 comprehensive protection rate",
                     words.format(num=f"paid by {who}", den=BASES[base]), num, den, _rate(num, den))


@rule("zhejiang-2022-illness-poverty/p7")
def personal_burden_rate(people, base: str = "total", average: str = "pooled") -> Indicator:
    """个人负担率 — zhejiang-2022-illness-poverty/p7: what people in hardship still pay themselves ÷ medical expenses.

    Assumption (the report defines no formula; reading zhejiang-2022-illness-poverty/p7:expense-base): numerator =
    Σ (expenses − every recorded payment: the three systems, supplementary insurance, further relief, charity,
    commercial insurance); denominator = Σ expenses on the same base as 综合保障率. With no
    charity or commercial payment it is 1 − 综合保障率 (the report's 80/20 and 85/15 fit that)."""
    people = parse_people(people)
    bases = _base(people, base)
    left = [b - sum((getattr(p, f) for f in PAYERS["all_recorded"]), ZERO) for p, b in zip(people, bases)]
    num, den, words = _population_rate(list(zip(left, bases)), average)
    return Indicator("personal_burden_rate", "个人负担率 personal burden rate",
                     words.format(num=f"({BASES[base]} − all recorded payments)", den=BASES[base]), num, den,
                     _rate(num, den))


@rule("zhejiang-2022-illness-poverty/p7")
def illness_poverty_targets(people, target: str, base: str = "total", payers: str = "three_systems",
                            average: str = "pooled") -> list[dict]:
    """困难群众医疗保障目标 — zhejiang-2022-illness-poverty/p7: which targets (end-2022 or 2025) a population meets.

    One row per indicator: its rate, the target and its kind (a floor 以上/达到 is met at or above it, a ceiling
    以内 at or below it), met yes/no — or None where the rate is undefined or the report states no target."""
    if target not in TARGETS:
        raise InputError("target", "error.target_choice", got=repr(target), allowed=", ".join(TARGETS))
    on = TARGETS[target]
    policy = load_policy(POLICY_ID)
    parsed = parse_people(people)
    rows = []
    if any(p.enrolled_with_subsidy is None for p in parsed):
        rows.append({"indicator": "资助参保率 subsidised enrolment rate", "formula": "people enrolled with a subsidy "
                     "÷ people in hardship", "numerator": None, "denominator": None, "rate": None, "target": None,
                     "kind": None, "met": None, "clause": "zhejiang-2022-illness-poverty/p1",
                     "note": "not computable: enrolled_with_subsidy is not given for every person"})
        indicators = ()
    else:
        indicators = (("illness_poverty.subsidised_enrolment_rate", subsidised_enrolment_rate(parsed)),)
    indicators += (("illness_poverty.comprehensive_protection_rate",
                    comprehensive_protection_rate(parsed, base, payers, average)),
                   ("illness_poverty.personal_burden_rate", personal_burden_rate(parsed, base, average)))
    for param_name, ind in indicators:
        row = {"indicator": ind.label, "formula": ind.formula, "numerator": ind.numerator,
               "denominator": ind.denominator, "rate": ind.rate,
               "average": "pooled" if ind.name == "subsidised_enrolment_rate" else average}
        try:
            v = policy.param(param_name, on)
        except PolicyError:
            rows.append({**row, "target": None, "kind": None, "met": None, "clause": None,
                         "note": f"the report states no {target} target for this indicator"})
            continue
        if ind.rate is None:
            met, note = None, "rate undefined: the denominator is 0"
        # Compared as exact fractions (a rounded quotient could land on the line).
        elif v.kind == "ceiling":
            met, note = Fraction(ind.numerator) / Fraction(ind.denominator) <= Fraction(v.value), v.quote
        else:  # floor, or exact for a 100% target (a rate cannot exceed 1): met at or above it
            met, note = Fraction(ind.numerator) / Fraction(ind.denominator) >= Fraction(v.value), v.quote
        rows.append({**row, "target": Decimal(v.value), "kind": v.kind, "met": met, "clause": v.clause, "note": note})
    return rows

