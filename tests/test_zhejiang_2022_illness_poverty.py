"""浙江 因病致贫返贫防范长效机制 (news report, 2022-07-13): the indicators and their targets.

The report gives the targets (p1, p7) but no formulas; the formulas tested here are the module's stated
Assumptions: 资助参保率 = people enrolled with a subsidy ÷ people; 综合保障率 = Σ three systems ÷ Σ expenses;
个人负担率 = Σ (expenses − all recorded payments) ÷ Σ expenses; aggregated over the population. Expected rates and
verdicts are worked out by hand and written out.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import medrules
from medrules import InputError
from medrules.core.policy import PolicyError
from medrules.rules import zhejiang_2022_illness_poverty as zj

P = "zhejiang-2022-illness-poverty"


def person(total="100000", basic="50000", ci="15000", ma="15000", enrolled=True, **more) -> dict:
    return {"enrolled_with_subsidy": enrolled, "total_cost": total, "basic_insurance_paid": basic,
            "critical_illness_paid": ci, "medical_assistance_paid": ma, **more}


def verdicts(rows) -> dict:
    return {r["indicator"].split()[0]: r["met"] for r in rows}


# --- the targets, as dated in parameters.yaml ------------------------------------------------------------------

def test_the_end_2022_targets_are_80_percent_protection_20_percent_burden_and_100_percent_subsidised_enrolment():
    zjp = medrules.load_policy(P)
    on = dt.date(2022, 12, 31)
    assert zjp.param("illness_poverty.comprehensive_protection_rate", on).value == Decimal("0.80")
    assert zjp.param("illness_poverty.personal_burden_rate", on).value == Decimal("0.20")
    assert zjp.param("illness_poverty.subsidised_enrolment_rate", on).value == Decimal("1.0")


def test_the_2025_targets_are_85_percent_protection_and_15_percent_burden():
    zjp = medrules.load_policy(P)
    on = dt.date(2025, 6, 30)
    assert zjp.param("illness_poverty.comprehensive_protection_rate", on).value == Decimal("0.85")
    assert zjp.param("illness_poverty.personal_burden_rate", on).value == Decimal("0.15")


def test_no_target_is_known_before_the_report_date():
    with pytest.raises(PolicyError, match="no value on 2022-07-12"):
        medrules.load_policy(P).param("illness_poverty.comprehensive_protection_rate", dt.date(2022, 7, 12))


# --- 资助参保率 (p1) ------------------------------------------------------------------------------------------------

def test_subsidised_enrolment_rate_is_people_enrolled_with_a_subsidy_over_people_in_hardship():
    ind = zj.subsidised_enrolment_rate([person()] * 9 + [person(enrolled=False)])
    assert (ind.numerator, ind.denominator, ind.rate) == (Decimal(9), Decimal(10), Decimal("0.9"))


def test_the_end_2022_enrolment_target_is_met_only_at_100_percent():
    assert verdicts(zj.illness_poverty_targets([person()] * 10, "end-2022"))["资助参保率"] is True
    assert verdicts(zj.illness_poverty_targets([person()] * 9 + [person(enrolled=False)], "end-2022"))["资助参保率"] is False


def test_the_report_states_no_2025_enrolment_target():
    row = zj.illness_poverty_targets([person()], "2025")[0]
    assert row["target"] is None and row["met"] is None and "no 2025 target" in row["note"]


# --- 综合保障率 and 个人负担率 (p7) ------------------------------------------------------------------------------------

def test_a_population_exactly_at_80_percent_protection_and_20_percent_burden_meets_the_end_2022_targets():
    # 50,000 + 15,000 + 15,000 = 80,000 of 100,000 = 80%; burden 20,000 = 20%: both at the line, both met.
    rows = zj.illness_poverty_targets([person()], "end-2022")
    assert [r["rate"] for r in rows[1:]] == [Decimal("0.8"), Decimal("0.2")]
    assert verdicts(rows) == {"资助参保率": True, "综合保障率": True, "个人负担率": True}


def test_a_fen_less_protection_misses_both_end_2022_targets():
    # 79,999.99 of 100,000 = 79.99999% < 80%; burden 20,000.01 = 20.00001% > 20%.
    rows = zj.illness_poverty_targets([person(ma="14999.99")], "end-2022")
    assert verdicts(rows) == {"资助参保率": True, "综合保障率": False, "个人负担率": False}


def test_the_80_20_population_misses_the_2025_targets_and_an_85_15_population_meets_them():
    assert verdicts(zj.illness_poverty_targets([person()], "2025")) == {
        "资助参保率": None, "综合保障率": False, "个人负担率": False}
    # 85,000 of 100,000 = 85% ≥ 85%; burden 15,000 = 15% ≤ 15%.
    assert verdicts(zj.illness_poverty_targets([person(ma="20000")], "2025")) == {
        "资助参保率": None, "综合保障率": True, "个人负担率": True}


def test_charity_lowers_the_burden_but_counts_as_protection_only_when_asked():
    # three systems 80,000; charity 5,000: protection 80% (three systems) or 85% (all recorded); burden 15%.
    people = [person(charity_paid="5000")]
    three = zj.illness_poverty_targets(people, "2025")
    assert [r["rate"] for r in three[1:]] == [Decimal("0.8"), Decimal("0.15")]
    assert verdicts(three)["综合保障率"] is False and verdicts(three)["个人负担率"] is True
    assert zj.comprehensive_protection_rate(people, payers="all_recorded").rate == Decimal("0.85")


def test_the_rates_are_summed_over_the_population_not_averaged_per_person():
    # 90,000 of 100,000 and 5,000 of 10,000: Σ 95,000 ÷ Σ 110,000 = 86.36% (a per-person mean would be 70%).
    ind = zj.comprehensive_protection_rate([person(ma="25000"), person("10000", "3000", "1000", "1000")])
    assert (ind.numerator, ind.denominator) == (Decimal("95000.00"), Decimal("110000.00"))
    assert ind.rate.quantize(Decimal("0.0001")) == Decimal("0.8636")
    assert verdicts(zj.illness_poverty_targets([person(ma="25000"), person("10000", "3000", "1000", "1000")],
                                               "2025"))["综合保障率"] is True


def test_on_the_policy_range_base_the_rates_use_policy_range_cost():
    # 80,000 of a policy range of 90,000 = 88.89%; burden 10,000 = 11.11%.
    rows = zj.illness_poverty_targets([person(policy_range_cost="90000")], "2025", base="policy_range")
    assert [r["denominator"] for r in rows[1:]] == [Decimal("90000.00"), Decimal("90000.00")]
    assert verdicts(rows) == {"资助参保率": None, "综合保障率": True, "个人负担率": True}


def test_a_population_without_expenses_has_undefined_rates_and_no_verdict():
    rows = zj.illness_poverty_targets([person("0", "0", "0", "0")], "end-2022")
    assert [(r["rate"], r["met"]) for r in rows[1:]] == [(None, None), (None, None)]


# --- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("people, field", [
    ([], "people"),
    ([{"total_cost": "1"}], "people[0].basic_insurance_paid"),
    ([person(total=100000.5)], "people[0].total_cost"),
    ([person(enrolled="yes")], "people[0].enrolled_with_subsidy"),
    ([person(cost="1")], "people[0].cost"),
    ([person(total="1000")], "people[0]"),
])
def test_bad_population_input_is_refused_naming_the_field(people, field):
    with pytest.raises(InputError) as info:
        zj.illness_poverty_targets(people, "end-2022")
    assert info.value.field == field


def test_only_the_end_2022_and_2025_targets_exist():
    with pytest.raises(InputError, match="allowed: end-2022, 2025"):
        zj.illness_poverty_targets([person()], "2023")


def test_the_policy_range_base_needs_policy_range_cost():
    with pytest.raises(InputError) as info:
        zj.illness_poverty_targets([person()], "end-2022", base="policy_range")
    assert info.value.field == "people[0].policy_range_cost"


def test_the_engine_refuses_a_claim_scenario_for_this_plan():
    with pytest.raises(InputError) as info:
        medrules.evaluate(medrules.parse_scenario({
            "policy": P, "person": {"category": "dibao", "insurance": "resident"},
            "claims": [{"date": "2023-01-01", "setting": "inpatient", "policy_range_cost": 1}]}))
    assert info.value.field == "policy"
    assert "zhejiang-2022-illness-poverty" in str(info.value) and "not claim layers" in str(info.value)


def test_enrolment_rate_needs_every_persons_enrolment_but_the_other_rates_do_not():
    # A batch result of claims has no enrolment facts: 资助参保率 is reported not computable, the other two are
    # still computed. 100000 total; 50000 + 15000 + 15000 = 80000 paid → 综合保障率 80000/100000 = 0.8.
    no_enrolment = {k: v for k, v in person().items() if k != "enrolled_with_subsidy"}
    with pytest.raises(InputError) as info:
        zj.subsidised_enrolment_rate([no_enrolment])
    assert info.value.field == "people[0].enrolled_with_subsidy"
    rows = zj.illness_poverty_targets([no_enrolment], "end-2022")
    assert [(r["indicator"].split()[0], r["rate"], r["met"]) for r in rows] == [
        ("资助参保率", None, None), ("综合保障率", Decimal("0.8"), True), ("个人负担率", Decimal("0.2"), True)]


def test_the_2025_targets_hold_for_2025_only_not_for_2023_or_2024():
    # p7: 到2025年 … 85%以上 / 15%以内 — dated as calendar year 2025; nothing is stated for 2023 or 2024.
    zjp = medrules.load_policy(P)
    for on in (dt.date(2023, 1, 1), dt.date(2024, 12, 31), dt.date(2026, 1, 1)):
        with pytest.raises(PolicyError, match="no value on"):
            zjp.param("illness_poverty.personal_burden_rate", on)
    assert zjp.param("illness_poverty.personal_burden_rate", dt.date(2025, 1, 1)).value == Decimal("0.15")
    assert zjp.param("illness_poverty.comprehensive_protection_rate", dt.date(2025, 12, 31)).value == Decimal("0.85")
