"""温政办〔2021〕78号: one test per rule edge, each named as the sentence of the rule it checks.

Every expected amount is worked out by hand from the policy text (clause labels in the comments) and written
as a Decimal string. The arithmetic is shown next to it. Nothing is re-derived by calling the code under test.

Shorthand in the comments: R = policy_range_cost − basic_insurance_paid (the burden after basic insurance);
D = the critical-illness deductible after the 50% cut of 三(三)9; MA = medical assistance.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from _wenzhou import REPO, make_claim, run

import medrules
from medrules import InputError
from medrules.rules import wenzhou_2021_78 as wz

LAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
          "further_relief")
CLAUSES_YAML = REPO / "policies" / "wenzhou-2021-78" / "clauses.yaml"


def _clause_ids() -> set:
    with open(CLAUSES_YAML, encoding="utf-8") as f:
        return {c["id"] for c in yaml.safe_load(f)}


def _clause_text(cid: str) -> str:
    with open(CLAUSES_YAML, encoding="utf-8") as f:
        return next(c["text"] for c in yaml.safe_load(f) if c["id"] == cid)


def _error(*claims, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        run(*claims, **kw)
    return info.value


# ---------------------------------------------------------------------------------------------------------
# 二 适用对象: who counts as 困难群众
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("statuses", [["tekun"], ["dibao"], ["dibian"], ["dibao", "yinbing_zhipin"],
                                      ["dibian", "yinbing_zhipin"]])
def test_tekun_dibao_dibian_and_illness_impoverished_people_in_dibao_or_dibian_families_are_in_hardship(statuses):
    # 二: 特困、低保、低边和纳入低保、低边的因病致贫对象.
    # R = 10,000 − 6,000 = 4,000 ≤ D = 15,000 → no critical illness; MA = 4,000 × 80% = 3,200.
    c = run(make_claim(cost="10000", basic="6000"), statuses=statuses).claims[0]
    assert c["critical_illness_insurance"] == Decimal("0.00")
    assert c["medical_assistance"] == Decimal("3200.00")
    assert c["out_of_pocket"] == Decimal("800.00")


@pytest.mark.parametrize("statuses", [["jiance"], ["tufa_kunnan"], [], ["yinbing_zhipin"], ["fanpin_zhipin"]])
def test_monitored_sudden_hardship_general_and_illness_impoverished_outside_dibao_are_not_in_hardship(statuses):
    # 二 names 因病致贫 only as 纳入低保、低边的因病致贫对象: the status alone, outside those families, is not enough.
    c = run(make_claim(cost="10000", basic="6000", critical_illness_paid="0"), statuses=statuses).claims[0]
    assert c["medical_assistance"] == Decimal("0.00")
    assert c["further_relief"] == Decimal("0.00")
    assert c["out_of_pocket"] == Decimal("4000.00")


@pytest.mark.parametrize("category", ["jiance", "tufa_kunnan", "general"])
def test_a_person_designated_by_a_county_government_as_in_special_hardship_is_in_hardship(category):
    # Same claim as above, now assisted: 4,000 × 80% = 3,200.
    c = run(make_claim(cost="10000", basic="6000"), category=category,
            inputs={"county_designated_special_hardship": True}).claims[0]
    assert c["medical_assistance"] == Decimal("3200.00")
    assert c["out_of_pocket"] == Decimal("800.00")


def test_county_designation_set_to_false_leaves_a_monitored_household_outside_the_plan():
    c = run(make_claim(cost="10000", basic="6000", critical_illness_paid="0"), category="jiance",
            inputs={"county_designated_special_hardship": False}).claims[0]
    assert c["medical_assistance"] == Decimal("0.00")


def test_a_person_not_in_hardship_gets_no_assistance_and_no_further_relief_even_for_a_huge_bill():
    # R after both insurances = 300,000 − 100,000 − 50,000 = 150,000, all borne by the person.
    r = run(make_claim(cost="300000", basic="100000", critical_illness_paid="50000"), category="general")
    c = r.claims[0]
    assert c["medical_assistance"] == Decimal("0.00")
    assert c["further_relief"] == Decimal("0.00")
    assert c["out_of_pocket"] == Decimal("150000.00")
    ma_step = next(s for s in r.trace if s.layer == "medical_assistance")
    assert ma_step.clause == "wenzhou-2021-78/2"


# ---------------------------------------------------------------------------------------------------------
# 三(二)6 先诊疗后付费
# ---------------------------------------------------------------------------------------------------------

def test_deposit_is_waived_for_a_referred_inpatient_in_hardship_at_a_city_designated_hospital():
    assert run(make_claim()).claims[0]["pay_after_treatment"] is True


@pytest.mark.parametrize("change", [
    pytest.param({"category": "general"}, id="not-in-hardship"),
    pytest.param({"setting": "outpatient"}, id="outpatient"),
    pytest.param({"referred": False}, id="not-referred"),
    pytest.param({"city": False}, id="not-in-city-designated-hospital"),
])
def test_deposit_is_not_waived_when_any_one_condition_is_missing(change):
    change = dict(change)
    category = change.pop("category", "dibao")
    claim = make_claim(critical_illness_paid="0", **change)
    assert run(claim, category=category).claims[0]["pay_after_treatment"] is False


# ---------------------------------------------------------------------------------------------------------
# 三(三)8 资助参保: 当月参保,次月生效; 当年继续有效,次年不再资助; 渐退期低保低边继续资助
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("recognised, covered", [
    ("2023-03-15", "2023-04-01"),
    ("2023-01-01", "2023-02-01"),
    ("2023-11-30", "2023-12-01"),
    ("2023-12-31", "2024-01-01"),
])
def test_a_newly_recognised_person_is_covered_from_the_first_of_the_next_month(recognised, covered):
    assert wz.coverage_start(dt.date.fromisoformat(recognised)) == dt.date.fromisoformat(covered)


def test_enrolment_is_subsidised_in_the_year_of_recognition():
    assert wz.enrolment_subsidy(2023, "dibao", dt.date(2023, 6, 1)) is True


def test_enrolment_is_not_subsidised_in_the_year_before_recognition():
    assert wz.enrolment_subsidy(2022, "dibao", dt.date(2023, 6, 1)) is False


def test_enrolment_stays_subsidised_in_the_year_of_exit():
    assert wz.enrolment_subsidy(2024, "dibao", dt.date(2023, 6, 1), exited_on=dt.date(2024, 5, 1)) is True


def test_enrolment_is_not_subsidised_in_the_year_after_exit():
    assert wz.enrolment_subsidy(2025, "dibao", dt.date(2023, 6, 1), exited_on=dt.date(2024, 5, 1)) is False


@pytest.mark.parametrize("category", ["dibao", "dibian"])
def test_dibao_and_dibian_in_the_gradual_exit_period_stay_subsidised_after_exit(category):
    assert wz.enrolment_subsidy(2025, category, dt.date(2023, 6, 1), exited_on=dt.date(2024, 5, 1),
                                in_gradual_exit=True) is True


def test_tekun_in_gradual_exit_is_not_covered_by_the_gradual_exit_sentence():
    # The sentence names 渐退期的低保和低保边缘对象 only.
    assert wz.enrolment_subsidy(2025, "tekun", dt.date(2023, 6, 1), exited_on=dt.date(2024, 5, 1),
                                in_gradual_exit=True) is False


def test_the_individual_contribution_is_paid_in_full_by_government():
    p = medrules.load_policy("wenzhou-2021-78").param("enrolment.individual_contribution_subsidy_share",
                                                        dt.date(2023, 1, 1))
    assert p.value == 1


# ---------------------------------------------------------------------------------------------------------
# 三(三)9 special diseases, first batch
# ---------------------------------------------------------------------------------------------------------

def test_the_first_batch_of_special_diseases_has_exactly_six_conditions():
    additions = wz.special_disease_catalogue_additions()
    assert len(additions) == 6
    assert len({zh for zh, _ in additions}) == 6


@pytest.mark.parametrize("name", ["尿毒症透析治疗", "糖尿病胰岛素治疗"])
def test_the_first_batch_includes_dialysis_for_uraemia_and_insulin_for_diabetes(name):
    assert name in {zh for zh, _ in wz.special_disease_catalogue_additions()}


@pytest.mark.parametrize("disorder", ["分裂情感障碍", "偏执性精神障碍", "癫痫所致精神障碍",
                                      "严重精神发育迟滞所致的精神障碍"])
def test_the_first_batch_includes_the_four_severe_mental_disorders_named_in_the_text(disorder):
    names = [zh for zh, _ in wz.special_disease_catalogue_additions()]
    assert any(n.startswith(disorder) for n in names)
    assert disorder in _clause_text("wenzhou-2021-78/3.3.9")


# ---------------------------------------------------------------------------------------------------------
# 三(三)9 大病保险倾斜: 起付标准线降低50%,支付比例达到80%以上,取消封顶线
# ---------------------------------------------------------------------------------------------------------

def test_critical_illness_pays_80_percent_of_the_burden_above_the_halved_deductible():
    # examples/dibao-200k-inpatient.json: R = 200,000 − 110,000 = 90,000; D = 30,000 × 50% = 15,000;
    # CI = (90,000 − 15,000) × 80% = 60,000; MA = (90,000 − 60,000) × 80% = 24,000; left 6,000.
    c = run(make_claim()).claims[0]
    assert c["critical_illness_insurance"] == Decimal("60000.00")
    assert c["medical_assistance"] == Decimal("24000.00")
    assert c["further_relief"] == Decimal("0.00")
    assert c["out_of_pocket"] == Decimal("6000.00")


def test_critical_illness_pays_nothing_on_a_burden_exactly_at_the_halved_deductible():
    # R = 25,000 − 10,000 = 15,000 = D.
    c = run(make_claim(cost="25000", basic="10000")).claims[0]
    assert c["critical_illness_insurance"] == Decimal("0.00")


def test_critical_illness_starts_paying_above_half_the_base_deductible_not_above_the_base():
    # R = 15,100 > D = 15,000 (though below the uncut 30,000): (15,100 − 15,000) × 80% = 80.
    c = run(make_claim(cost="25100", basic="10000")).claims[0]
    assert c["critical_illness_insurance"] == Decimal("80.00")


def test_critical_illness_has_no_cap_so_a_huge_bill_pays_80_percent_of_everything_above_the_deductible():
    # R = 10,000,000 − 1,000,000 = 9,000,000; CI = (9,000,000 − 15,000) × 80% = 7,188,000.
    # MA = min(1,812,000 × 80%, 100,000) = 100,000; left 1,712,000; resolved to 50,000 → relief 1,662,000.
    c = run(make_claim(cost="10000000", basic="1000000")).claims[0]
    assert c["critical_illness_insurance"] == Decimal("7188000.00")
    assert c["medical_assistance"] == Decimal("100000.00")
    assert c["further_relief"] == Decimal("1662000.00")
    assert c["out_of_pocket"] == Decimal("50000.00")


def test_a_local_critical_illness_ratio_above_80_percent_is_used():
    # (90,000 − 15,000) × 90% = 67,500; MA = 22,500 × 80% = 18,000; left 4,500.
    c = run(make_claim(), inputs={"critical_illness_ratio": "0.90"}).claims[0]
    assert c["critical_illness_insurance"] == Decimal("67500.00")
    assert c["medical_assistance"] == Decimal("18000.00")
    assert c["out_of_pocket"] == Decimal("4500.00")


def test_a_local_critical_illness_ratio_of_exactly_80_percent_is_accepted():
    c = run(make_claim(), inputs={"critical_illness_ratio": "0.80"}).claims[0]
    assert c["critical_illness_insurance"] == Decimal("60000.00")


def test_a_local_critical_illness_ratio_below_80_percent_is_refused_naming_the_input():
    e = _error(make_claim(), inputs={"critical_illness_ratio": "0.79"})
    assert e.field == "inputs.critical_illness_ratio"
    assert "0.8" in str(e)


def test_a_local_critical_illness_ratio_above_100_percent_is_refused_naming_the_input():
    e = _error(make_claim(), inputs={"critical_illness_ratio": "1.01"})
    assert e.field == "inputs.critical_illness_ratio"


def test_a_local_critical_illness_ratio_with_three_decimals_such_as_82_5_percent_is_used():
    # 82.5% is above the 80% floor the text sets; nothing in the text limits a ratio to whole percents.
    # (90,000 − 15,000) × 82.5% = 61,875.
    c = run(make_claim(), inputs={"critical_illness_ratio": "0.825"}).claims[0]
    assert c["critical_illness_insurance"] == Decimal("61875.00")


def test_the_critical_illness_deductible_accumulates_over_two_claims_in_one_year_and_resets_the_next_year():
    r = run(make_claim("2023-02-01", "20000", "10000"),   # R 10,000: year burden 10,000 ≤ 15,000 → 0
            make_claim("2023-05-01", "20000", "10000"),   # year burden 20,000: (20,000 − 15,000) × 80% = 4,000
            make_claim("2024-02-01", "20000", "10000"))   # new year: burden 10,000 ≤ 15,000 → 0
    assert [c["critical_illness_insurance"] for c in r.claims] == [
        Decimal("0.00"), Decimal("4000.00"), Decimal("0.00")]


def test_missing_base_deductible_leaves_critical_illness_and_what_follows_undetermined_but_basic_is_paid():
    r = run(make_claim(), base_deductible=None)
    c = r.claims[0]
    assert c["basic_insurance"] == Decimal("110000.00")
    for layer in ("critical_illness_insurance", "medical_assistance", "further_relief"):
        assert c[layer] is None
        assert c["undetermined"][layer]["field"] == "inputs.critical_illness_base_deductible"
    # The record states the supplementary payment (0): a fact, kept even though what is left before it is not known.
    assert c["supplementary_insurance"] == Decimal("0.00")
    assert c["undetermined"]["critical_illness_insurance"]["clause"] == "wenzhou-2021-78/3.3.9"
    # Upper bound: 200,000 − 110,000 = 90,000 is all that is known to be left.
    assert c["out_of_pocket"] == Decimal("90000.00") and c["out_of_pocket_is_upper_bound"] is True
    assert r.complete is False


def test_a_critical_illness_slip_amount_is_used_as_is_and_needs_no_base_deductible():
    # CI = 12,345.67 (slip); left 200,000 − 110,000 − 12,345.67 = 77,654.33;
    # MA = 77,654.33 × 80% = 62,123.464 → 62,123.46; left 15,530.87.
    c = run(make_claim(critical_illness_paid="12345.67"), base_deductible=None).claims[0]
    assert c["critical_illness_insurance"] == Decimal("12345.67")
    assert c["medical_assistance"] == Decimal("62123.46")
    assert c["out_of_pocket"] == Decimal("15530.87")


def test_a_general_persons_critical_illness_needs_the_slip_amount_and_is_undetermined_without_it():
    c = run(make_claim(), category="general").claims[0]
    assert c["basic_insurance"] == Decimal("110000.00")
    assert c["critical_illness_insurance"] is None
    assert c["undetermined"]["critical_illness_insurance"]["field"] == "critical_illness_paid"


def test_a_missing_slip_leaves_only_that_claim_undetermined_named_by_its_input_position():
    # claims[1] is earlier and has a slip: it is settled; claims[0] is later and has none.
    r = run(make_claim("2023-09-01"), make_claim("2023-03-01", critical_illness_paid="0"), category="general")
    assert r.claims[1]["complete"] is True and r.claims[1]["out_of_pocket"] == Decimal("90000.00")
    assert r.claims[0]["critical_illness_insurance"] is None
    assert [u["claim"] for u in r.undetermined if u["layer"] == "critical_illness_insurance"] == [0]


def test_the_fourth_layer_without_a_slip_amount_is_undetermined_and_high_cost_resolution_with_it():
    # 三(三)10 sets no benefit rules for 商业补充医疗保险: its amount must come from the record, never a silent 0.
    # 1,500,000 − 800,000 = 700,000; CI (700,000 − 15,000) × 80% = 548,000; 152,000 × 80% = 121,600 → 100,000;
    # 52,000 left (an upper bound): above 50,000 if supplementary insurance paid under 2,000, so resolution waits.
    c = run(make_claim(cost="1500000", basic="800000", supplementary=None)).claims[0]
    assert (c["critical_illness_insurance"], c["medical_assistance"]) == (Decimal("548000.00"), Decimal("100000.00"))
    assert c["supplementary_insurance"] is None and c["further_relief"] is None
    assert c["undetermined"]["further_relief"]["field"] == "supplementary_insurance_paid"
    assert c["out_of_pocket"] == Decimal("52000.00") and c["out_of_pocket_is_upper_bound"] is True
    # The example's 200,000 claim leaves 6,000 at most: within 50,000 whatever supplementary paid, resolution 0.
    c = run(make_claim(supplementary=None)).claims[0]
    assert c["supplementary_insurance"] is None and c["further_relief"] == Decimal("0.00")


def test_a_slip_settled_stay_and_a_computed_stay_in_one_year_use_the_halved_deductible_once():
    # 三(三)9: 起付标准线降低50%, 支付比例80%以上 — one deductible a year, whatever the mix of claims.
    # Both stays: R = 50,000 − 30,000 = 20,000; the year's burden after basic insurance = 40,000.
    # Halved deductible D = 30,000 × 50% = 15,000. Due for the year = (40,000 − 15,000) × 80% = 20,000.
    # The first stay was settled with the slip amount 2,000, so the second pays 20,000 − 2,000 = 18,000
    # (not (20,000 − 15,000) × 80% = 4,000, which would charge the deductible a second time).
    r = run(make_claim("2023-03-01", "50000", "30000", critical_illness_paid="2000"),
            make_claim("2023-05-01", "50000", "30000"))
    assert [c["critical_illness_insurance"] for c in r.claims] == [Decimal("2000.00"), Decimal("18000.00")]
    # Assistance on the year's burden after the insurances: 18,000 + 2,000 = 20,000 × 80% = 16,000 for the
    # year; the first stay got 18,000 × 80% = 14,400, the second 16,000 − 14,400 = 1,600.
    assert [c["medical_assistance"] for c in r.claims] == [Decimal("14400.00"), Decimal("1600.00")]
    steps = [s for s in r.trace if s.claim == 1 and s.layer == "critical_illness_insurance"]
    assert "40,000.00" in steps[0].explanation and "2,000.00 paid on the year's earlier claims" in steps[0].explanation


def test_a_computed_stay_then_a_slip_stay_share_the_years_due_and_the_slip_is_taken_as_given():
    # Stay 1 computed: R = 40,000; (40,000 − 15,000) × 80% = 20,000. Stay 2 settled by slip: 3,000 as given.
    r = run(make_claim("2023-03-01", "70000", "30000"),
            make_claim("2023-05-01", "50000", "30000", critical_illness_paid="3000"))
    assert [c["critical_illness_insurance"] for c in r.claims] == [Decimal("20000.00"), Decimal("3000.00")]


def test_a_general_persons_critical_illness_slip_is_used_as_is():
    c = run(make_claim(critical_illness_paid="40000"), category="general").claims[0]
    assert c["critical_illness_insurance"] == Decimal("40000.00")
    assert c["out_of_pocket"] == Decimal("50000.00")  # 200,000 − 110,000 − 40,000


# ---------------------------------------------------------------------------------------------------------
# 三(三)9 医疗救助: 不设起付线,不低于80%,门诊与住院同比例、共用年度限额10万元,特困取消限额
# ---------------------------------------------------------------------------------------------------------

def test_medical_assistance_has_no_deductible_so_the_first_yuan_is_assisted():
    # R = 100 ≤ D → no CI; MA = 100 × 80% = 80.
    c = run(make_claim(cost="1000", basic="900")).claims[0]
    assert c["medical_assistance"] == Decimal("80.00")
    assert c["out_of_pocket"] == Decimal("20.00")


def test_a_local_medical_assistance_ratio_above_80_percent_is_used():
    c = run(make_claim(cost="1000", basic="900"), inputs={"medical_assistance_ratio": "0.90"}).claims[0]
    assert c["medical_assistance"] == Decimal("90.00")


def test_a_local_medical_assistance_ratio_below_80_percent_is_refused_naming_the_input():
    e = _error(make_claim(), inputs={"medical_assistance_ratio": "0.79"})
    assert e.field == "inputs.medical_assistance_ratio"


def test_outpatient_costs_are_assisted_at_the_same_ratio_as_inpatient():
    c = run(make_claim(cost="1000", basic="900", setting="outpatient")).claims[0]
    assert c["medical_assistance"] == Decimal("80.00")


def test_an_outpatient_then_an_inpatient_claim_share_one_annual_limit_so_the_second_gets_what_is_left():
    r = run(
        # outpatient: R = 50,000 → MA 40,000
        make_claim("2023-02-01", "60000", "10000", setting="outpatient", critical_illness_paid="0"),
        # inpatient: R = 100,000 → 80,000 due, but only 100,000 − 40,000 = 60,000 of the limit is left
        make_claim("2023-06-01", "150000", "50000", critical_illness_paid="0"))
    assert r.claims[0]["medical_assistance"] == Decimal("40000.00")
    assert r.claims[1]["medical_assistance"] == Decimal("60000.00")
    assert r.claims[1]["out_of_pocket"] == Decimal("40000.00")
    assert r.years[2023]["medical_assistance"] == Decimal("100000.00")


def test_medical_assistance_reaches_exactly_the_annual_limit():
    # R = 200,000 − 75,000 = 125,000; 125,000 × 80% = 100,000 = the limit.
    c = run(make_claim(cost="200000", basic="75000", critical_illness_paid="0")).claims[0]
    assert c["medical_assistance"] == Decimal("100000.00")
    assert c["out_of_pocket"] == Decimal("25000.00")


def test_medical_assistance_just_over_the_annual_limit_is_cut_to_the_limit():
    # R = 125,000.02; × 80% = 100,000.016 → capped at 100,000; left 25,000.02.
    c = run(make_claim(cost="200000.02", basic="75000", critical_illness_paid="0")).claims[0]
    assert c["medical_assistance"] == Decimal("100000.00")
    assert c["out_of_pocket"] == Decimal("25000.02")


def test_medical_assistance_just_under_the_annual_limit_is_paid_in_full():
    # R = 124,999.99; × 80% = 99,999.992 → 99,999.99.
    c = run(make_claim(cost="199999.99", basic="75000", critical_illness_paid="0")).claims[0]
    assert c["medical_assistance"] == Decimal("99999.99")


def test_two_admissions_in_one_year_crossing_the_limit_get_only_what_is_left_on_the_second():
    r = run(make_claim("2023-03-01", "150000", "50000", critical_illness_paid="0"),  # R 100,000 → 80,000
            make_claim("2023-09-01", "80000", "30000", critical_illness_paid="0"))   # R 50,000 → 40,000 due; 20,000 left
    assert r.claims[0]["medical_assistance"] == Decimal("80000.00")
    assert r.claims[1]["medical_assistance"] == Decimal("20000.00")
    assert r.years[2023]["medical_assistance"] == Decimal("100000.00")
    assert r.years[2023]["out_of_pocket"] == Decimal("50000.00")  # 20,000 + 30,000


def test_the_annual_limit_is_used_up_in_date_order_not_in_the_order_claims_are_listed():
    r = run(make_claim("2023-09-01", "80000", "30000", critical_illness_paid="0"),
            make_claim("2023-03-01", "150000", "50000", critical_illness_paid="0"))
    assert r.claims[1]["medical_assistance"] == Decimal("80000.00")
    assert r.claims[0]["medical_assistance"] == Decimal("20000.00")


def test_the_annual_assistance_limit_resets_in_the_next_calendar_year():
    r = run(make_claim("2023-03-01", "200000", "75000", critical_illness_paid="0"),  # 100,000 (limit)
            make_claim("2023-12-31", "20000", "10000", critical_illness_paid="0"),   # limit used up: 0
            make_claim("2024-01-01", "20000", "10000", critical_illness_paid="0"))   # new year: 10,000 × 80%
    assert [c["medical_assistance"] for c in r.claims] == [
        Decimal("100000.00"), Decimal("0.00"), Decimal("8000.00")]


def test_tekun_has_no_annual_assistance_limit():
    # R = 500,000 → 400,000, four times the limit others have. (No resolution: guidance not followed.)
    c = run(make_claim(cost="600000", basic="100000", critical_illness_paid="0", guided=False),
            category="tekun").claims[0]
    assert c["medical_assistance"] == Decimal("400000.00")
    assert c["out_of_pocket"] == Decimal("100000.00")


def test_tekun_assistance_is_not_limited_across_two_claims_either():
    r = run(make_claim("2023-03-01", "300000", "100000", critical_illness_paid="0", guided=False),
            make_claim("2023-09-01", "300000", "100000", critical_illness_paid="0", guided=False),
            category="tekun")
    assert [c["medical_assistance"] for c in r.claims] == [Decimal("160000.00"), Decimal("160000.00")]
    assert r.years[2023]["medical_assistance"] == Decimal("320000.00")


# ---------------------------------------------------------------------------------------------------------
# 三(三)11 高额医疗费用化解: 执行就医指导方案且经规范转诊, 自负仍超5万元以上, 化解至5万元以下
# ---------------------------------------------------------------------------------------------------------

def test_a_burden_above_50000_after_four_layers_is_brought_to_exactly_50000():
    # R = 300,000 → MA 100,000 (limit) → left 200,000 → relief 150,000 → 50,000.
    c = run(make_claim(cost="400000", basic="100000", critical_illness_paid="0")).claims[0]
    assert c["medical_assistance"] == Decimal("100000.00")
    assert c["further_relief"] == Decimal("150000.00")
    assert c["out_of_pocket"] == Decimal("50000.00")


def test_a_burden_of_exactly_50000_gets_no_resolution():
    # R = 150,000 → MA 100,000 → left exactly 50,000: not 超5万元.
    c = run(make_claim(cost="250000", basic="100000", critical_illness_paid="0")).claims[0]
    assert c["further_relief"] == Decimal("0.00")
    assert c["out_of_pocket"] == Decimal("50000.00")


def test_a_burden_of_50000_and_one_fen_gets_one_fen_resolved():
    c = run(make_claim(cost="250000.01", basic="100000", critical_illness_paid="0")).claims[0]
    assert c["further_relief"] == Decimal("0.01")
    assert c["out_of_pocket"] == Decimal("50000.00")


@pytest.mark.parametrize("missing", [
    pytest.param({"guided": False}, id="treatment-guidance-not-followed"),
    pytest.param({"referred": False}, id="not-referred"),
])
def test_no_resolution_without_following_the_guidance_or_without_standard_referral(missing):
    c = run(make_claim(cost="400000", basic="100000", critical_illness_paid="0", **missing)).claims[0]
    assert c["further_relief"] == Decimal("0.00")
    assert c["out_of_pocket"] == Decimal("200000.00")


def test_resolution_counts_the_burden_of_the_whole_year_across_claims():
    r = run(make_claim("2023-02-01", "230000", "100000", critical_illness_paid="0"),  # R 130,000 → MA 100,000 → 30,000
            make_claim("2023-08-01", "40000", "10000", critical_illness_paid="0"))    # MA 0 → 30,000; year 60,000
    assert r.claims[0]["further_relief"] == Decimal("0.00")
    assert r.claims[1]["further_relief"] == Decimal("10000.00")
    assert r.claims[1]["out_of_pocket"] == Decimal("20000.00")
    assert r.years[2023]["out_of_pocket"] == Decimal("50000.00")


def test_the_resolution_threshold_resets_in_the_next_calendar_year():
    r = run(make_claim("2023-06-01", "300000", "100000", critical_illness_paid="0"),  # left 100,000 → relief 50,000
            make_claim("2024-01-01", "250000", "100000", critical_illness_paid="0"))  # left 50,000 → relief 0
    assert r.claims[0]["further_relief"] == Decimal("50000.00")
    assert r.claims[1]["further_relief"] == Decimal("0.00")
    assert r.years[2023]["out_of_pocket"] == Decimal("50000.00")
    assert r.years[2024]["out_of_pocket"] == Decimal("50000.00")


def test_a_supplementary_insurance_slip_reduces_the_burden_before_resolution():
    # R = 200,000 → MA 100,000 → left 100,000 → supplementary 30,000 → left 70,000 → relief 20,000.
    c = run(make_claim(cost="300000", basic="100000", critical_illness_paid="0",
                       supplementary_insurance_paid="30000")).claims[0]
    assert c["supplementary_insurance"] == Decimal("30000.00")
    assert c["further_relief"] == Decimal("20000.00")
    assert c["out_of_pocket"] == Decimal("50000.00")


def test_tekun_get_resolution_above_50000_after_their_unlimited_assistance():
    # R = 500,000 → MA 400,000 → left 100,000 → relief 50,000.
    c = run(make_claim(cost="600000", basic="100000", critical_illness_paid="0"), category="tekun").claims[0]
    assert c["further_relief"] == Decimal("50000.00")
    assert c["out_of_pocket"] == Decimal("50000.00")


def test_raising_an_eligible_claims_cost_can_lower_the_years_out_of_pocket_when_a_later_claim_is_not_eligible():
    """Documents a consequence of two readings the engine makes, not a rule of the text.

    The engine judges 三(三)11 eligibility per claim and uses up the year's critical-illness deductible in date
    order. Raising the first (eligible, capped at 50,000) claim moves deductible onto it, so the later
    ineligible claim gets more critical-illness insurance: the person's year costs less. See test_properties.
    D = 400,000 × 50% = 200,000.
    """
    def year_oop(first_cost):
        return run(make_claim("2023-03-01", first_cost, "0"),
                   make_claim("2023-06-01", "100000", "0", guided=False),
                   base_deductible="400000")

    before = year_oop("190000")
    # claim 0: CI 0 (190,000 ≤ D); MA min(152,000, 100,000) = 100,000; left 90,000; relief 40,000; oop 50,000
    # claim 1: CI (290,000 − 200,000) × 80% = 72,000; MA 0 (limit used); oop 28,000
    assert before.claims[1]["critical_illness_insurance"] == Decimal("72000.00")
    assert before.years[2023]["out_of_pocket"] == Decimal("78000.00")
    after = year_oop("200000")
    # claim 0: CI 0; MA 100,000; left 100,000; relief 50,000; oop 50,000
    # claim 1: CI (300,000 − 200,000) × 80% = 80,000; MA 0; oop 20,000
    assert after.claims[1]["critical_illness_insurance"] == Decimal("80000.00")
    assert after.years[2023]["out_of_pocket"] == Decimal("70000.00")


# ---------------------------------------------------------------------------------------------------------
# 施行: 2022-01-01 to 2025-12-31
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["2021-12-31", "2026-01-01"])
def test_a_claim_outside_the_validity_period_is_marked_and_the_others_are_computed(date):
    r = run(make_claim("2023-06-01"), make_claim(date))
    assert r.claims[0]["critical_illness_insurance"] == Decimal("60000.00") and r.claims[0]["complete"]
    outside = r.claims[1]
    assert outside["in_force"] is False and outside["medical_assistance"] is None
    assert "2022-01-01" in outside["outside_validity"] and "2025-12-31" in outside["outside_validity"]
    assert r.complete is False


@pytest.mark.parametrize("date", ["2021-12-31", "2026-01-01"])
def test_a_scenario_with_no_claim_in_force_is_refused_naming_the_validity(date):
    e = _error(make_claim(date))
    assert "2022-01-01" in str(e) and "2025-12-31" in str(e) and "wenzhou-2021-78/end" in str(e)


@pytest.mark.parametrize("date", ["2022-01-01", "2025-12-31"])
def test_claims_on_the_first_and_last_day_of_validity_are_evaluated(date):
    assert run(make_claim(date)).claims[0]["critical_illness_insurance"] == Decimal("60000.00")


# ---------------------------------------------------------------------------------------------------------
# Bookkeeping: conservation, totals, trace
# ---------------------------------------------------------------------------------------------------------

def _mixed_result():
    return run(make_claim("2023-09-01", "80000", "30000"),
               make_claim("2023-03-01", "400000", "100000", setting="outpatient"),
               make_claim("2024-05-05", "12345.67", "2345.67", supplementary_insurance_paid="100"),
               make_claim("2025-12-31", "600000", "100000", critical_illness_paid="200000", guided=False),
               inputs={"critical_illness_ratio": "0.85", "medical_assistance_ratio": "0.90"})


def test_each_claims_layers_plus_out_of_pocket_add_up_exactly_to_its_policy_range_cost():
    r = _mixed_result()
    for c in r.claims:
        assert sum((c[k] for k in LAYERS), Decimal(0)) + c["out_of_pocket"] == c["policy_range_cost"]
        assert all(c[k] >= 0 for k in LAYERS + ("out_of_pocket",))


def test_the_years_add_up_the_claims_and_the_totals_add_up_the_years():
    r = _mixed_result()
    assert sorted(r.years) == [2023, 2024, 2025]
    for key in LAYERS + ("out_of_pocket",):
        for year, t in r.years.items():
            assert t[key] == sum((c[key] for c in r.claims if c["date"].startswith(str(year))), Decimal(0))
        assert r.totals[key] == sum((t[key] for t in r.years.values()), Decimal(0))


def test_the_example_totals_are_the_hand_computed_ones():
    r = medrules.evaluate(medrules.parse_scenario(
        __import__("json").loads((REPO / "examples" / "dibao-200k-inpatient.json").read_text("utf-8"))))
    assert r.totals == {"basic_insurance": Decimal("110000.00"), "critical_illness_insurance": Decimal("60000.00"),
                        "medical_assistance": Decimal("24000.00"), "supplementary_insurance": Decimal("0.00"),
                        "further_relief": Decimal("0.00"), "out_of_pocket": Decimal("6000.00")}


def test_the_trace_has_one_step_per_layer_per_claim_in_layer_order_with_the_claims_amount():
    r = _mixed_result()
    for i, c in enumerate(r.claims):
        steps = [s for s in r.trace if s.claim == i and s.layer in LAYERS]
        assert [s.layer for s in steps] == list(LAYERS)
        assert [s.amount for s in steps] == [c[k] for k in LAYERS]


def test_every_trace_step_cites_a_clause_that_exists_in_clauses_yaml():
    ids = _clause_ids()
    r = _mixed_result()
    assert r.trace
    for s in r.trace:
        assert s.clause in ids, (s.layer, s.clause)


def test_the_layers_cite_the_clauses_that_set_them():
    r = run(make_claim())
    by_layer = {s.layer: s.clause for s in r.trace}
    assert by_layer == {
        "basic_insurance": "wenzhou-2021-78/3.3.9",
        "critical_illness_insurance": "wenzhou-2021-78/3.3.9",
        "medical_assistance": "wenzhou-2021-78/3.3.9",
        "supplementary_insurance": "wenzhou-2021-78/3.3.10",
        "further_relief": "wenzhou-2021-78/3.3.11",
        "pay_after_treatment": "wenzhou-2021-78/3.2.6",
    }


# ---------------------------------------------------------------------------------------------------------
# Readings (policies/wenzhou-2021-78/readings.yaml): each option, worked by hand
# ---------------------------------------------------------------------------------------------------------

def test_reading_yinbing_zhipin_on_its_own_counts_the_status_alone_and_the_default_does_not():
    # R = 10,000 − 6,000 = 4,000 ≤ D → no CI; MA 4,000 × 80% = 3,200 when in hardship, else 0.
    claim = make_claim(cost="10000", basic="6000", critical_illness_paid="0")
    default = run(claim, statuses=["yinbing_zhipin"])
    assert default.claims[0]["medical_assistance"] == Decimal("0.00")
    assert default.to_dict()["readings"]["wenzhou-2021-78/2:yinbing-zhipin"] == "within-dibao-dibian"
    other = run(claim, statuses=["yinbing_zhipin"], readings={"wenzhou-2021-78/2:yinbing-zhipin": "on-its-own"})
    assert other.claims[0]["medical_assistance"] == Decimal("3200.00")
    step = [s for s in other.trace if s.layer == "medical_assistance"][0]
    assert step.readings == {"wenzhou-2021-78/2:yinbing-zhipin": "on-its-own", "wenzhou-2021-78/3.3.9:ratio-floors": "floor"}


def test_reading_outpatient_burden_inpatient_only_leaves_general_outpatient_out_of_critical_illness():
    # Outpatient then inpatient, each R = 30,000 − 10,000 = 20,000; D = 15,000.
    # all-burden (default): outpatient (20,000 − 15,000) × 80% = 4,000; inpatient year (40,000 − 15,000) × 80%
    #   = 20,000, less 4,000 = 16,000.
    # inpatient-only: outpatient 0; inpatient (20,000 − 15,000) × 80% = 4,000.
    claims = (make_claim("2023-03-01", "30000", "10000", setting="outpatient"),
              make_claim("2023-06-01", "30000", "10000"))
    default = run(*claims)
    assert [c["critical_illness_insurance"] for c in default.claims] == [Decimal("4000.00"), Decimal("16000.00")]
    other = run(*claims, readings={"wenzhou-2021-78/3.3.9:outpatient-burden": "inpatient-only"})
    assert [c["critical_illness_insurance"] for c in other.claims] == [Decimal("0.00"), Decimal("4000.00")]


def test_reading_ratio_floors_local_required_leaves_the_layers_undetermined_without_a_local_ratio():
    r = run(make_claim(), readings={"wenzhou-2021-78/3.3.9:ratio-floors": "local-required"})
    c = r.claims[0]
    assert c["critical_illness_insurance"] is None
    assert c["undetermined"]["critical_illness_insurance"]["field"] == "inputs.critical_illness_ratio"
    # With both local ratios at 85%: CI (90,000 − 15,000) × 85% = 63,750; MA (90,000 − 63,750) × 85% = 22,312.50.
    r = run(make_claim(), readings={"wenzhou-2021-78/3.3.9:ratio-floors": "local-required"},
            inputs={"critical_illness_ratio": "0.85", "medical_assistance_ratio": "0.85"})
    assert (r.claims[0]["critical_illness_insurance"], r.claims[0]["medical_assistance"]) == (
        Decimal("63750.00"), Decimal("22312.50"))


def test_reading_high_cost_period_per_admission_does_not_add_two_stays_of_one_year():
    # dibian, both referred and guided, slips: basic 50,000 and CI 0 on each.
    # A: cost 180,000 → 130,000 left; MA 80% = 104,000, held to the 100,000 limit; 30,000 left; no resolution.
    # B: cost 100,000 → 50,000 left; MA limit used up: 0.
    #   calendar-year (default): eligible burden 30,000 + 50,000 = 80,000 → 30,000 resolved on B; 20,000 left.
    #   per-admission: B alone 50,000 is not above 50,000 → nothing resolved; 50,000 left.
    claims = (make_claim("2024-03-01", "180000", "50000", critical_illness_paid="0"),
              make_claim("2024-10-01", "100000", "50000", critical_illness_paid="0"))
    default = run(*claims, category="dibian")
    assert [c["further_relief"] for c in default.claims] == [Decimal("0.00"), Decimal("30000.00")]
    other = run(*claims, category="dibian", readings={"wenzhou-2021-78/3.3.11:high-cost-period": "per-admission"})
    assert [c["further_relief"] for c in other.claims] == [Decimal("0.00"), Decimal("0.00")]
    assert other.claims[1]["out_of_pocket"] == Decimal("50000.00")


def test_an_unknown_reading_or_option_is_refused_naming_the_allowed_ones():
    e = _error(make_claim(), readings={"wenzhou-2021-78/3.3.11:high-cost-period": "per-week"})
    assert e.field.startswith("readings") and "per-admission" in str(e)


@pytest.mark.parametrize("category", ["general", "jiance", "tufa_kunnan"])
def test_enrolment_is_not_subsidised_for_a_person_who_is_not_one_of_the_hardship_groups(category):
    # 三(三)8 subsidises the enrolment of 困难群众 (二); a general insured person recognised in no group is not one.
    assert wz.enrolment_subsidy(2023, category, dt.date(2023, 6, 1)) is False
