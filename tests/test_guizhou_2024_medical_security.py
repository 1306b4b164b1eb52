"""贵州 2024 press report on medical insurance and assistance: one test per rule edge, named as the rule's sentence.

Every expected amount is worked out by hand from the report's text (paragraph labels in the comments) and the
named inputs, and written as a Decimal string; nothing is re-derived by calling the code under test.
The report is dated 2024-08-21 and gives no start dates: claims dated earlier are outside the validity.
A layer the report does not define (critical-illness and supplementary insurance) comes from the slip or stays
undetermined; an input or slip amount that only one layer needs leaves that layer (and those after it) open.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import medrules
from medrules import InputError, load_policy
from medrules.core.policy import PolicyError
from medrules.rules import guizhou_2024_medical_security as gz

REPO = Path(__file__).resolve().parent.parent
P = "guizhou-2024-medical-security"
POLICY = load_policy(P)
D = dt.date
REPORT_DAY = D(2024, 8, 21)
# The two layers the report does not define, as a settlement record showing none, and no 乙类先行自付.
NONE_ELSE = {"critical_illness_paid": "0", "supplementary_insurance_paid": "0", "pre_self_paid": "0"}


def run(*claims, category=None, statuses=None, insurance="resident", inputs=None, readings=None):
    person = {"insurance": insurance}
    person.update({"statuses": statuses} if statuses is not None else {"category": category or "general"})
    return medrules.evaluate(medrules.parse_scenario({
        "policy": P, "person": person, "claims": list(claims), "inputs": inputs or {}, "readings": readings or {}}))


def outpatient(date, cost, facility=None, **extra):
    claim = {"date": date, "setting": "outpatient", "policy_range_cost": cost, **extra}
    if facility:
        claim["facility"] = facility
    return claim


def inpatient(date, cost, **extra):
    return {"date": date, "setting": "inpatient", "policy_range_cost": cost, **extra}


def stay(date, cost, basic, **extra):
    """An inpatient stay in Guizhou with its basic-insurance slip amount and the record showing no other fund."""
    return inpatient(date, cost, basic_insurance_paid=basic, **{**NONE_ELSE, **extra})


def paid(result, layer="basic_insurance"):
    return [c[layer] for c in result.claims]


def needs(result, claim, layer):
    """The field a claim's undetermined layer waits for (its amount must be None)."""
    row = result.claims[claim]
    assert row[layer] is None and row["complete"] is False and result.complete is False
    return row["undetermined"][layer]["field"]


def step(result, claim, layer):
    [s] = [s for s in result.to_dict()["trace"] if s["claim"] == claim and s["layer"] == layer]
    return s


def error(*claims, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        run(*claims, **kw)
    return info.value


# ---------------------------------------------------------------------------------------------------------
# 第1段(導語) the report's date: known in force only from it
# ---------------------------------------------------------------------------------------------------------

def test_the_rules_are_known_in_force_from_the_report_date_and_not_the_day_before():
    assert gz.in_force(POLICY, D(2024, 8, 21)) is True
    assert gz.in_force(POLICY, D(2024, 8, 20)) is False


def test_a_scenario_whose_only_claim_is_dated_before_the_report_is_refused_naming_the_validity():
    e = error(outpatient("2024-08-20", "100", "village"))
    assert e.field == "claims[0].date"
    assert "2024-08-21" in str(e) and "guizhou-2024-medical-security/p1" in str(e)


def test_a_claim_before_the_report_is_marked_outside_the_validity_and_the_next_one_is_still_settled():
    r = run(outpatient("2024-08-20", "100", "village"), outpatient("2024-08-21", "100", "village"))
    assert r.claims[0]["in_force"] is False and r.claims[0]["basic_insurance"] is None
    assert paid(r)[1] == Decimal("90.00")   # 100 × 90%


# ---------------------------------------------------------------------------------------------------------
# 第3段 residents' general outpatient, by facility, 500 yuan a year
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("facility, expected", [("village", "180.00"),     # 200 × 90%
                                                ("township", "170.00"),    # 200 × 85%
                                                ("secondary", "120.00")])  # 200 × 60%
def test_residents_outpatient_is_reimbursed_90_85_and_60_percent_by_facility(facility, expected):
    assert paid(run(outpatient("2024-09-01", "200", facility))) == [Decimal(expected)]


def test_a_residents_outpatient_year_stops_at_500_yuan_in_one_visit():
    # 600 × 90% = 540 > 500.
    assert paid(run(outpatient("2024-09-01", "600", "village"))) == [Decimal("500.00")]


def test_two_visits_reach_the_500_yuan_limit_exactly_and_a_third_visit_gets_nothing():
    # 500 × 90% = 450; 83.33 × 60% = 49.998 → 50.00 (total exactly 500); the third gets 0.
    r = run(outpatient("2024-09-01", "500", "village"), outpatient("2024-10-01", "83.33", "secondary"),
            outpatient("2024-11-01", "10", "village"))
    assert paid(r) == [Decimal("450.00"), Decimal("50.00"), Decimal("0.00")]
    assert r.claims[2]["out_of_pocket"] == Decimal("10.00")


def test_the_second_visit_of_the_year_is_paid_only_up_to_what_is_left_of_500_yuan():
    # 400 × 90% = 360; 300 × 60% = 180, but only 140 is left.
    r = run(outpatient("2024-09-01", "400", "village"), outpatient("2024-10-01", "300", "secondary"))
    assert paid(r) == [Decimal("360.00"), Decimal("140.00")]


def test_the_500_yuan_limit_starts_again_on_1_january():
    # 2024: 600 × 90% = 540 → 500; 2025: 100 × 90% = 90.
    r = run(outpatient("2024-12-31", "600", "village"), outpatient("2025-01-01", "100", "village"))
    assert paid(r) == [Decimal("500.00"), Decimal("90.00")]
    assert r.years[2025]["basic_insurance"] == Decimal("90.00")


def test_a_slip_amount_for_an_outpatient_visit_uses_up_the_same_annual_limit():
    # Slip 450; then 100 × 90% = 90, but only 50 is left of 500.
    r = run(outpatient("2024-09-01", "500", "village", basic_insurance_paid="450"),
            outpatient("2024-09-02", "100", "village"))
    assert paid(r) == [Decimal("450.00"), Decimal("50.00")]


def test_an_inpatient_slip_amount_does_not_use_up_the_outpatient_limit():
    # The stay's 8,000 is inpatient money; the visit: 200 × 90% = 180 of a full 500.
    r = run(stay("2024-09-01", "10000", "8000"), outpatient("2024-09-02", "200", "village"))
    assert paid(r) == [Decimal("8000.00"), Decimal("180.00")]


def test_a_mixed_year_of_computed_and_slip_visits_shares_one_limit_whatever_the_order():
    # 第3段, 500 a year: computed 200 × 90% = 180 (180 used); slip 100 (280 used); computed 400 × 85% = 340,
    # but 220 is left; a last computed visit gets 0.
    r = run(outpatient("2024-09-01", "200", "village"), outpatient("2024-09-10", "300", "village",
                                                                   basic_insurance_paid="100"),
            outpatient("2024-09-20", "400", "township"), outpatient("2024-09-30", "50", "village"))
    assert paid(r) == [Decimal("180.00"), Decimal("100.00"), Decimal("220.00"), Decimal("0.00")]


def test_the_earlier_resident_limit_was_400_and_the_current_one_is_500():
    assert gz.resident_outpatient_annual_limit(POLICY, earlier=True) == Decimal("400")
    assert gz.resident_outpatient_annual_limit(POLICY, REPORT_DAY) == Decimal("500")
    with pytest.raises(PolicyError, match="no value on 2024-08-20"):
        gz.resident_outpatient_annual_limit(POLICY, D(2024, 8, 20))


def test_the_same_visits_would_have_been_paid_400_under_the_earlier_limit_and_500_now():
    visits = [(Decimal("300"), Decimal("0.9")), (Decimal("400"), Decimal("0.85"))]   # 270, then 340
    assert gz.outpatient_year(visits, Decimal("400")) == [Decimal("270.00"), Decimal("130.00")]
    assert gz.outpatient_year(visits, Decimal("500")) == [Decimal("270.00"), Decimal("230.00")]


def test_a_resident_tertiary_visit_is_undetermined_until_the_local_ratio_is_given():
    r = run(outpatient("2024-09-01", "200", "tertiary"))
    assert needs(r, 0, "basic_insurance") == "inputs.resident_outpatient_ratio_other_level"
    # With a local 50%: 200 × 50% = 100.
    r = run(outpatient("2024-09-01", "200", "tertiary"), inputs={"resident_outpatient_ratio_other_level": "0.5"})
    assert paid(r) == [Decimal("100.00")]


def test_a_visit_whose_ratio_is_missing_leaves_the_rest_of_that_years_limit_open_but_not_the_next_year():
    # The tertiary visit's payment is unknown, so what is left of 500 for the October visit is too; 2025 starts
    # afresh: 100 × 90% = 90.
    r = run(outpatient("2024-09-01", "200", "tertiary"), outpatient("2024-10-01", "100", "village"),
            outpatient("2025-01-02", "100", "village"))
    assert needs(r, 1, "basic_insurance") == "inputs.resident_outpatient_ratio_other_level"
    assert paid(r)[2] == Decimal("90.00") and r.claims[2]["complete"] is False  # only critical illness open
    assert r.claims[2]["undetermined"].keys() >= {"critical_illness_insurance"}
    assert "basic_insurance" not in r.claims[2]["undetermined"]


def test_a_resident_outpatient_claim_without_a_facility_is_undetermined_naming_the_facility():
    r = run(outpatient("2024-09-01", "200"))
    assert needs(r, 0, "basic_insurance") == "facility"
    assert "village, township, secondary" in r.claims[0]["undetermined"]["basic_insurance"]["why"]


def test_a_supplied_annual_resident_deductible_is_used_once_a_year():
    # (300 − 100) × 90% = 180; the next visit has no deductible left: 300 × 90% = 270.
    r = run(outpatient("2024-09-01", "300", "village"), outpatient("2024-09-02", "300", "village"),
            inputs={"resident_outpatient_deductible": "100"})
    assert paid(r) == [Decimal("180.00"), Decimal("270.00")]


def test_a_deductible_spread_over_two_small_visits():
    # Deductible 100: the first visit's 60 all goes to it (0 paid); the second uses the 40 left:
    # (100 − 40) × 90% = 54.
    r = run(outpatient("2024-09-01", "60", "village"), outpatient("2024-09-02", "100", "village"),
            inputs={"resident_outpatient_deductible": "100"})
    assert paid(r) == [Decimal("0.00"), Decimal("54.00")]


def test_a_slip_visit_uses_the_deductible_by_what_its_record_says_and_the_shared_limit_by_its_amount():
    # Deductible 100, limit 500. Slip visit: 180 paid, 100 towards the deductible. Next computed visit: no
    # deductible left, 400 × 90% = 360, but 500 − 180 = 320 is left.
    r = run(outpatient("2024-09-01", "300", "village", basic_insurance_paid="180", deductible_paid="100"),
            outpatient("2024-09-02", "400", "village"), inputs={"resident_outpatient_deductible": "100"})
    assert paid(r) == [Decimal("180.00"), Decimal("320.00")]


def test_after_a_slip_visit_without_its_deductible_paid_what_is_left_of_the_deductible_is_open():
    r = run(outpatient("2024-09-01", "300", "village", basic_insurance_paid="180"),
            outpatient("2024-09-02", "400", "village"), inputs={"resident_outpatient_deductible": "100"})
    assert paid(r)[0] == Decimal("180.00")
    assert needs(r, 1, "basic_insurance") == "deductible_paid"


# ---------------------------------------------------------------------------------------------------------
# 第3段 employees' outpatient, 2,000 yuan a year at 50%–70%
# ---------------------------------------------------------------------------------------------------------

def test_an_employees_outpatient_visit_is_paid_at_the_local_ratio_chosen_within_50_to_70_percent():
    # 1,000 × 60% = 600.
    r = run(outpatient("2024-09-01", "1000"), insurance="employee", inputs={"employee_outpatient_ratio": "0.6"})
    assert paid(r) == [Decimal("600.00")]


@pytest.mark.parametrize("ratio, expected", [("0.5", "50.00"), ("0.7", "70.00")])   # 100 × 50%, 100 × 70%
def test_the_employee_ratio_may_be_exactly_50_or_exactly_70_percent(ratio, expected):
    r = run(outpatient("2024-09-01", "100"), insurance="employee", inputs={"employee_outpatient_ratio": ratio})
    assert paid(r) == [Decimal(expected)]


@pytest.mark.parametrize("ratio", ["0.49", "0.71"])
def test_an_employee_ratio_outside_50_to_70_percent_is_refused_naming_the_clause(ratio):
    e = error(outpatient("2024-09-01", "100"), insurance="employee", inputs={"employee_outpatient_ratio": ratio})
    assert e.field == "inputs.employee_outpatient_ratio"
    assert "guizhou-2024-medical-security/p3" in str(e) and "0.50 to 0.70" in str(e)


def test_an_employee_outpatient_claim_without_the_ratio_or_a_slip_is_undetermined_not_refused():
    r = run(outpatient("2024-09-01", "100"), insurance="employee")
    assert needs(r, 0, "basic_insurance") == "inputs.employee_outpatient_ratio"
    # A slip amount settles it without the ratio: 40 per slip.
    r = run(outpatient("2024-09-01", "100", basic_insurance_paid="40"), insurance="employee")
    assert paid(r) == [Decimal("40.00")]


def test_employees_outpatient_reimbursement_stops_at_2000_yuan_a_year_across_two_visits():
    # 3,000 × 60% = 1,800; 1,000 × 60% = 600 but only 200 left; next year 1,000 × 60% = 600.
    r = run(outpatient("2024-09-01", "3000"), outpatient("2024-10-01", "1000"), outpatient("2025-01-02", "1000"),
            insurance="employee", inputs={"employee_outpatient_ratio": "0.6"})
    assert paid(r) == [Decimal("1800.00"), Decimal("200.00"), Decimal("600.00")]


def test_a_supplied_employee_deductible_comes_off_before_the_ratio():
    # (1,000 − 500) × 50% = 250.
    r = run(outpatient("2024-09-01", "1000"), insurance="employee",
            inputs={"employee_outpatient_ratio": "0.5", "employee_outpatient_deductible": "500"})
    assert paid(r) == [Decimal("250.00")]


# ---------------------------------------------------------------------------------------------------------
# 第4段 the two diseases, 90% at village and township level
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("facility", ["village", "township"])
def test_residents_hypertension_and_diabetes_outpatient_care_is_reimbursed_90_percent_at_village_and_township(
        facility):
    assert gz.two_diseases_outpatient_reimbursement(POLICY, REPORT_DAY, "resident", facility, "100") == \
        Decimal("90.00")


def test_the_two_diseases_ratio_is_not_given_above_township_level():
    with pytest.raises(InputError, match="village, township"):
        gz.two_diseases_outpatient_reimbursement(POLICY, REPORT_DAY, "resident", "secondary", "100")


def test_the_two_diseases_benefit_is_for_residents_insurance_only():
    with pytest.raises(InputError, match="allowed: resident"):
        gz.two_diseases_outpatient_reimbursement(POLICY, REPORT_DAY, "employee", "village", "100")


def test_the_two_diseases_ratio_is_not_known_before_the_report_date():
    with pytest.raises(PolicyError, match="no value on 2024-08-20"):
        gz.two_diseases_outpatient_reimbursement(POLICY, D(2024, 8, 20), "resident", "village", "100")


# ---------------------------------------------------------------------------------------------------------
# 第5段 prenatal checks
# ---------------------------------------------------------------------------------------------------------

def test_employees_prenatal_checks_are_paid_90_percent_up_to_1200_yuan_a_year():
    # 800 × 90% = 720; 800 × 90% = 720 but 480 left of 1,200; 2025: 720 again.
    visits = [(D(2024, 9, 1), "800"), (D(2024, 10, 1), "800"), (D(2025, 1, 5), "800")]
    assert gz.prenatal_care_reimbursement(POLICY, "employee", visits) == \
        [Decimal("720.00"), Decimal("480.00"), Decimal("720.00")]


def test_residents_prenatal_checks_stop_at_1100_yuan_a_year_with_the_general_outpatient_benefit():
    # With a local ratio of 50%: 2,000 × 50% = 1,000; 400 × 50% = 200 but 100 left of 1,100.
    visits = [(D(2024, 9, 1), "2000"), (D(2024, 9, 20), "400")]
    assert gz.prenatal_care_reimbursement(POLICY, "resident", visits, resident_ratio="0.5") == \
        [Decimal("1000.00"), Decimal("100.00")]


def test_residents_prenatal_ratio_is_not_in_the_report_and_must_be_supplied():
    with pytest.raises(InputError, match="inputs.resident_prenatal_ratio"):
        gz.prenatal_care_reimbursement(POLICY, "resident", [(D(2024, 9, 1), "100")])


def test_prenatal_amounts_are_not_known_before_the_report_date():
    with pytest.raises(PolicyError):
        gz.prenatal_care_reimbursement(POLICY, "employee", [(D(2024, 8, 1), "100")])


# ---------------------------------------------------------------------------------------------------------
# 第6段 out-of-province inpatient care, 60%–80%
# ---------------------------------------------------------------------------------------------------------

OUT = {"inpatient_outside_province": True, "out_of_province_inpatient_ratio": "0.8",
       "out_of_province_inpatient_deductible": "800"}


def test_out_of_province_inpatient_care_pays_the_chosen_ratio_of_the_cost_above_the_deductible():
    # (10,800 − 800) × 80% = 8,000.
    assert paid(run(inpatient("2024-09-01", "10800"), inputs=OUT)) == [Decimal("8000.00")]


def test_an_out_of_province_stay_costing_less_than_the_deductible_is_paid_nothing():
    assert paid(run(inpatient("2024-09-01", "500"), inputs=OUT)) == [Decimal("0.00")]


def test_the_out_of_province_deductible_is_charged_on_each_stay():
    # Per admission: (10,800 − 800) × 80% = 8,000 twice.
    r = run(inpatient("2024-09-01", "10800"), inpatient("2024-10-01", "10800"), inputs=OUT)
    assert paid(r) == [Decimal("8000.00"), Decimal("8000.00")]


@pytest.mark.parametrize("ratio", ["0.59", "0.81"])
def test_an_out_of_province_ratio_outside_60_to_80_percent_is_refused_naming_the_clause(ratio):
    e = error(inpatient("2024-09-01", "10800"), inputs={**OUT, "out_of_province_inpatient_ratio": ratio})
    assert e.field == "inputs.out_of_province_inpatient_ratio" and "guizhou-2024-medical-security/p6" in str(e)


def test_the_lowered_out_of_province_deductible_is_not_reported_and_leaves_basic_insurance_open():
    inputs = {k: v for k, v in OUT.items() if k != "out_of_province_inpatient_deductible"}
    r = run(inpatient("2024-09-01", "10800"), inputs=inputs)
    assert needs(r, 0, "basic_insurance") == "inputs.out_of_province_inpatient_deductible"


def test_an_inpatient_stay_in_guizhou_without_the_slip_amount_is_undetermined_but_an_outpatient_visit_is_not():
    # The visit: 100 × 90% = 90, computed; the stay waits for its slip amount.
    r = run(outpatient("2024-09-01", "100", "village"), inpatient("2024-09-02", "10800"))
    assert paid(r)[0] == Decimal("90.00")
    assert needs(r, 1, "basic_insurance") == "basic_insurance_paid"
    assert "outside the province" in r.claims[1]["undetermined"]["basic_insurance"]["why"]


# ---------------------------------------------------------------------------------------------------------
# 第2段 the layers the report does not define: from the slip, else undetermined (issue 11, point 4)
# ---------------------------------------------------------------------------------------------------------

def test_without_a_critical_illness_slip_amount_that_layer_and_assistance_are_undetermined_not_zero():
    r = run(inpatient("2024-09-01", "100000", basic_insurance_paid="60000", pre_self_paid="0",
                      supplementary_insurance_paid="0"), category="tufa_kunnan")
    assert paid(r) == [Decimal("60000.00")]
    assert needs(r, 0, "critical_illness_insurance") == "critical_illness_paid"
    assert needs(r, 0, "medical_assistance") == "critical_illness_paid"
    assert r.claims[0]["out_of_pocket_is_upper_bound"] is True


def test_without_a_supplementary_slip_amount_only_the_layers_from_it_on_are_undetermined():
    # 100,000 − 60,000 − 10,000 = 30,000 × 70% = 21,000; 9,000 left, within the threshold 13,000: tilted
    # assistance 0 — both before the supplementary layer (p10 puts tilted assistance after the three systems).
    r = run(inpatient("2024-09-01", "100000", basic_insurance_paid="60000", critical_illness_paid="10000",
                      pre_self_paid="0"), category="tufa_kunnan", inputs={"tilted_assistance_threshold": "13000"})
    assert (paid(r, "medical_assistance"), paid(r, "further_relief")) == ([Decimal("21000.00")], [Decimal("0.00")])
    assert needs(r, 0, "supplementary_insurance") == "supplementary_insurance_paid"


def test_the_critical_illness_slip_amount_is_taken_before_assistance():
    # 100,000 − 60,000 − 10,000 = 30,000 × 70% = 21,000; out of pocket 9,000.
    r = run(stay("2024-09-01", "100000", "60000", critical_illness_paid="10000"), category="tufa_kunnan")
    assert paid(r, "critical_illness_insurance") == [Decimal("10000.00")]
    assert paid(r, "medical_assistance") == [Decimal("21000.00")]
    assert r.claims[0]["out_of_pocket"] == Decimal("9000.00")
    assert r.claims[0]["undetermined"].keys() == {"further_relief"}   # only the tilted part (第10段) is open


# ---------------------------------------------------------------------------------------------------------
# 第9段 medical assistance (with 第8段, who and which costs)
# ---------------------------------------------------------------------------------------------------------

def test_the_costs_added_to_assistance_are_chronic_outpatient_costs_the_deductible_and_category_b_self_pay():
    assert [zh for zh, _ in gz.medical_assistance_cost_scope()] == ["慢特病门诊费用", "个人负担费用中的起付线部分",
                                                                    "乙类先行自付部分"]


def test_people_in_sudden_serious_hardship_get_70_percent_of_the_burden_after_insurance():
    # 100,000 − 60,000 = 40,000 × 70% = 28,000.
    r = run(stay("2024-09-01", "100000", "60000"), category="tufa_kunnan")
    assert paid(r, "medical_assistance") == [Decimal("28000.00")]
    assert r.claims[0]["out_of_pocket"] == Decimal("12000.00")


def test_category_b_self_pay_is_brought_into_the_assistance_base():
    # 第8段 乙类先行自付: base = (100,000 − 60,000) + 2,000 = 42,000 × 70% = 29,400. Of the 102,000 total the
    # person pays 102,000 − 60,000 − 29,400 = 12,600 (policy range 40,000 − 29,400 = 10,600, plus the 2,000).
    r = run(stay("2024-09-01", "100000", "60000", pre_self_paid="2000", total_cost="102000"), category="tufa_kunnan")
    assert paid(r, "medical_assistance") == [Decimal("29400.00")]
    assert r.claims[0]["out_of_pocket"] == Decimal("10600.00")
    assert r.claims[0]["total_out_of_pocket"] == Decimal("12600.00")


def test_the_deductible_part_of_the_burden_is_assisted_because_it_is_already_in_the_policy_range_burden():
    # A 1,000 stay below a deductible: basic insurance paid 0, so the whole 1,000 is burden: × 70% = 700.
    r = run(stay("2024-09-01", "1000", "0"), category="tufa_kunnan")
    assert paid(r, "medical_assistance") == [Decimal("700.00")]


def test_without_pre_self_paid_assistance_is_undetermined_naming_it_and_the_insurances_are_still_computed():
    claim = inpatient("2024-09-01", "100000", basic_insurance_paid="60000", critical_illness_paid="10000",
                      supplementary_insurance_paid="0")
    r = run(claim, category="tufa_kunnan")
    assert paid(r) == [Decimal("60000.00")] and paid(r, "critical_illness_insurance") == [Decimal("10000.00")]
    assert needs(r, 0, "medical_assistance") == "pre_self_paid"
    assert "0 if the record shows none" in r.claims[0]["undetermined"]["medical_assistance"]["why"]


def test_a_person_who_is_not_a_recipient_needs_no_pre_self_paid():
    r = run(inpatient("2024-09-01", "20000", basic_insurance_paid="10000", critical_illness_paid="0",
                      supplementary_insurance_paid="0"))
    assert paid(r, "medical_assistance") == [Decimal("0.00")] and r.complete is True


def test_assistance_stops_at_50000_yuan_in_one_claim():
    # 200,000 − 100,000 = 100,000 × 70% = 70,000 → 50,000.
    r = run(stay("2024-09-01", "200000", "100000"), category="tufa_kunnan")
    assert paid(r, "medical_assistance") == [Decimal("50000.00")]


def test_assistance_stops_at_50000_yuan_across_two_claims_and_starts_again_next_year():
    # 50,000 × 70% = 35,000; 30,000 × 70% = 21,000 but 15,000 left; 2025: 30,000 × 70% = 21,000.
    r = run(stay("2024-09-01", "100000", "50000"), stay("2024-11-01", "60000", "30000"),
            stay("2025-02-01", "60000", "30000"), category="tufa_kunnan")
    assert paid(r, "medical_assistance") == [Decimal("35000.00"), Decimal("15000.00"), Decimal("21000.00")]


def test_a_mixed_year_a_claim_without_pre_self_paid_leaves_that_years_later_assistance_open_only():
    # 2024-09: 20,000 × 70% = 14,000. 2024-10: pre_self_paid missing → open, and so is 2024-11, whose share of
    # the 50,000 depends on it. 2025: 10,000 × 70% = 7,000, computed.
    second = inpatient("2024-10-01", "30000", basic_insurance_paid="10000", critical_illness_paid="0",
                       supplementary_insurance_paid="0")
    r = run(stay("2024-09-01", "40000", "20000"), second, stay("2024-11-01", "20000", "10000"),
            stay("2025-01-05", "20000", "10000"), category="tufa_kunnan")
    assert paid(r, "medical_assistance")[0] == Decimal("14000.00")
    assert needs(r, 1, "medical_assistance") == "pre_self_paid"
    assert needs(r, 2, "medical_assistance") == "pre_self_paid"
    assert paid(r, "medical_assistance")[3] == Decimal("7000.00")
    assert paid(r, "basic_insurance") == [Decimal("20000.00"), Decimal("10000.00"), Decimal("10000.00"),
                                          Decimal("10000.00")]


def test_the_earlier_sudden_hardship_ratio_was_50_percent():
    assert gz.reported_earlier_value(POLICY, "medical_assistance.sudden_hardship_ratio").value == Decimal("0.50")


def test_other_recipients_need_their_assistance_ratio_which_the_report_does_not_give():
    r = run(stay("2024-09-01", "20000", "10000"), category="dibao")
    assert paid(r, "critical_illness_insurance") == [Decimal("0.00")]
    assert needs(r, 0, "medical_assistance") == "inputs.medical_assistance_ratio"
    # With 60%: 10,000 × 60% = 6,000.
    r = run(stay("2024-09-01", "20000", "10000"), category="jiance", inputs={"medical_assistance_ratio": "0.6"})
    assert paid(r, "medical_assistance") == [Decimal("6000.00")]


@pytest.mark.parametrize("statuses, expected", [
    (["dibao", "tufa_kunnan"], "7000.00"),      # 突发严重困难 among them: 10,000 × 70%
    (["jiance", "yinbing_zhipin"], "6000.00"),  # the local ratio: 10,000 × 60%
    (["tekun"], "6000.00"),                      # an existing recipient (assumed): 10,000 × 60%
    (["fanpin_zhipin"], "6000.00"),              # an existing recipient (p8:existing-recipients): 10,000 × 60%
    ([], "0.00"),
])
def test_recipients_are_decided_on_statuses(statuses, expected):
    r = run(stay("2024-09-01", "20000", "10000"), statuses=statuses, inputs={"medical_assistance_ratio": "0.6"})
    assert paid(r, "medical_assistance") == [Decimal(expected)]


def test_an_employee_in_hardship_is_assisted_and_a_general_resident_is_not():
    # 10,000 × 50% = 5,000.
    r = run(stay("2024-09-01", "20000", "10000"), insurance="employee",
            inputs={"employee_in_hardship": True, "medical_assistance_ratio": "0.5"})
    assert paid(r, "medical_assistance") == [Decimal("5000.00")]
    r = run(stay("2024-09-01", "20000", "10000"))
    assert paid(r, "medical_assistance") == [Decimal("0.00")]


def test_employee_in_hardship_for_a_resident_does_not_make_them_a_recipient_and_the_trace_says_why():
    r = run(stay("2024-09-01", "20000", "10000"), inputs={"employee_in_hardship": True})
    assert paid(r, "medical_assistance") == [Decimal("0.00")]
    assert "insured as a resident" in step(r, 0, "medical_assistance")["explanation"]
    # A resident who is also 低保 is a recipient on that status: 10,000 × 60% = 6,000.
    r = run(stay("2024-09-01", "20000", "10000"), statuses=["dibao"],
            inputs={"employee_in_hardship": True, "medical_assistance_ratio": "0.6"})
    assert paid(r, "medical_assistance") == [Decimal("6000.00")]


# ---------------------------------------------------------------------------------------------------------
# 第10段 the tilted-assistance threshold
# ---------------------------------------------------------------------------------------------------------

def test_only_the_part_of_the_burden_above_the_threshold_counts_for_tilted_assistance():
    assert gz.tilted_assistance_eligible_part("20000", "13000") == Decimal("7000")
    assert gz.tilted_assistance_eligible_part("13000", "13000") == Decimal("0.00")
    assert gz.tilted_assistance_eligible_part("13000.01", "13000") == Decimal("0.01")


def test_the_old_threshold_was_costs_above_the_50000_yuan_assistance_limit():
    old = gz.reported_earlier_value(POLICY, "tilted_assistance.threshold")
    assert old.value == 50000
    assert gz.tilted_assistance_eligible_part("60000", old.value) == Decimal("10000")


def test_the_new_threshold_is_reported_only_as_about_13000():
    value = POLICY.param("tilted_assistance.threshold", REPORT_DAY)
    assert (value.value, value.kind) == (13000, "approximate")


def test_a_recipients_year_passing_the_local_threshold_needs_the_local_tilted_ratio_and_limit():
    # 低保 at a local 60%. Stay 1: 40,000 − 10,000 = 30,000 × 60% = 18,000; out of pocket 12,000, not past
    # 13,000: tilted assistance 0. Stay 2: year's burden 35,000 × 60% = 21,000, 3,000 on it; out of pocket
    # 2,000, 14,000 this year: 1,000 above; the report gives no tilted ratio or limit: named inputs, open without.
    stays = (stay("2024-09-01", "40000", "10000"), stay("2024-10-01", "10000", "5000"))
    base = {"medical_assistance_ratio": "0.6", "tilted_assistance_threshold": "13000"}
    r = run(*stays, category="dibao", inputs=base)
    assert paid(r, "medical_assistance") == [Decimal("18000.00"), Decimal("3000.00")]
    assert [c["tilted_assistance_above_threshold"] for c in r.claims] == [Decimal("0.00"), Decimal("1000.00")]
    assert paid(r, "further_relief")[0] == Decimal("0.00")
    assert needs(r, 1, "further_relief") == "inputs.tilted_assistance_ratio"
    assert r.claims[1]["out_of_pocket"] == Decimal("2000.00") and r.claims[1]["out_of_pocket_is_upper_bound"]
    r = run(*stays, category="dibao", inputs={**base, "tilted_assistance_ratio": "0.5"})
    assert needs(r, 1, "further_relief") == "inputs.tilted_assistance_annual_limit"


def test_tilted_assistance_pays_the_local_ratio_above_the_threshold_up_to_the_local_limit_over_the_year():
    # As above, local tilted ratio 50%, limit 10,000. Stay 2: 1,000 above × 50% = 500; out of pocket 1,500.
    # Stay 3 (10,000, basic 5,000): MA year 40,000 × 60% = 24,000, 21,000 paid → 3,000; out of pocket 2,000;
    # the year's out of pocket before tilted assistance 12,000 + 2,000 + 2,000 = 16,000: 3,000 above × 50% = 1,500
    # this year, 500 paid → 1,000 on it. With a limit of 1,200: stay 2 500, stay 3 min(1,500, 1,200) − 500 = 700.
    stays = (stay("2024-09-01", "40000", "10000"), stay("2024-10-01", "10000", "5000"),
             stay("2024-11-01", "10000", "5000"))
    inputs = {"medical_assistance_ratio": "0.6", "tilted_assistance_threshold": "13000",
              "tilted_assistance_ratio": "0.5", "tilted_assistance_annual_limit": "10000"}
    r = run(*stays, category="dibao", inputs=inputs)
    assert paid(r, "further_relief") == [Decimal("0.00"), Decimal("500.00"), Decimal("1000.00")]
    assert [c["out_of_pocket"] for c in r.claims] == [Decimal("12000.00"), Decimal("1500.00"), Decimal("1000.00")]
    assert [c["tilted_assistance_above_threshold"] for c in r.claims] == [
        Decimal("0.00"), Decimal("1000.00"), Decimal("3000.00")]
    assert r.complete is True
    r = run(*stays, category="dibao", inputs={**inputs, "tilted_assistance_annual_limit": "1200"})
    assert paid(r, "further_relief") == [Decimal("0.00"), Decimal("500.00"), Decimal("700.00")]


def test_the_tilted_decision_is_not_made_for_a_person_who_is_not_a_recipient():
    # General resident: out of pocket 10,000 then 5,000 (15,000 > 13,000), but tilted assistance is for
    # recipients: no figure, the decision says so, and further relief is 0.
    r = run(stay("2024-09-01", "20000", "10000"), stay("2024-10-01", "10000", "5000"),
            inputs={"tilted_assistance_threshold": "13000"})
    assert [c["tilted_assistance_above_threshold"] for c in r.claims] == [None, None]
    assert "not a medical assistance recipient" in step(r, 1, "tilted_assistance_above_threshold")["explanation"]
    assert paid(r, "further_relief") == [Decimal("0.00"), Decimal("0.00")] and r.complete is True


def test_without_the_local_threshold_a_recipients_tilted_assistance_is_not_decided():
    r = run(stay("2024-09-01", "20000", "10000"), category="tufa_kunnan")
    assert r.claims[0]["tilted_assistance_above_threshold"] is None
    assert needs(r, 0, "further_relief") == "inputs.tilted_assistance_threshold"
    assert paid(r, "medical_assistance") == [Decimal("7000.00")]   # 10,000 × 70%, still computed


# ---------------------------------------------------------------------------------------------------------
# 第11段 retroactive assistance
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cost_date, months, expected", [
    (D(2024, 3, 15), 6, True),    # exactly 6 months before recognition on 2024-09-15
    (D(2024, 3, 14), 6, False),   # one day earlier
    (D(2024, 9, 14), 6, True),    # the day before recognition
    (D(2024, 9, 15), 6, False),   # the day of recognition: ordinary, not retroactive, assistance
    (D(2023, 9, 15), 12, True),   # exactly 12 months before
    (D(2023, 9, 14), 12, False),
])
def test_costs_in_the_6_to_12_months_before_recognition_are_assisted_retroactively(cost_date, months, expected):
    assert gz.retroactive_medical_assistance(POLICY, cost_date, D(2024, 9, 15), months) is expected


def test_six_months_before_31_august_is_the_last_day_of_february():
    assert gz.retroactive_window(POLICY, D(2025, 8, 31), 6) == (D(2025, 2, 28), D(2025, 8, 30))


@pytest.mark.parametrize("months", [5, 13])
def test_a_look_back_outside_6_to_12_months_is_refused(months):
    with pytest.raises(InputError, match="allowed: 6 to 12"):
        gz.retroactive_medical_assistance(POLICY, D(2024, 6, 1), D(2024, 9, 15), months)


def test_retroactive_assistance_is_not_known_for_a_recognition_before_the_report_date():
    with pytest.raises(PolicyError, match="no value on 2024-08-20"):
        gz.retroactive_medical_assistance(POLICY, D(2024, 6, 1), D(2024, 8, 20), 6)


# ---------------------------------------------------------------------------------------------------------
# The command line and the examples
# ---------------------------------------------------------------------------------------------------------

def test_every_guizhou_example_evaluates_from_the_command_line():
    examples = sorted((REPO / "examples").glob("guizhou-*.json"))
    assert examples
    for path in examples:
        out = subprocess.run([sys.executable, "-m", "medrules", "evaluate", str(path)], capture_output=True,
                             text=True, cwd=REPO)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["policy"] == P


def test_the_resident_outpatient_example_pays_500_in_2024_and_90_in_2025():
    out = subprocess.run([sys.executable, "-m", "medrules", "evaluate", "examples/guizhou-resident-outpatient.json"],
                         capture_output=True, text=True, cwd=REPO)
    years = json.loads(out.stdout)["years"]
    assert years["2024"]["basic_insurance"] == "500.00" and years["2025"]["basic_insurance"] == "90.00"

def test_the_sudden_hardship_example_is_assisted_70_percent_of_what_the_out_of_province_stay_leaves():
    # 第6段: (100,000 − 1,000) × 70% = 69,300; the record shows no other fund; 第9段: 30,700 × 70% = 21,490;
    # out of pocket 9,210, below the local 13,000: no tilted assistance.
    out = subprocess.run([sys.executable, "-m", "medrules", "evaluate",
                          "examples/guizhou-sudden-hardship-out-of-province.json"], capture_output=True, text=True,
                         cwd=REPO)
    claim = json.loads(out.stdout)["claims"][0]
    assert (claim["basic_insurance"], claim["medical_assistance"], claim["out_of_pocket"]) == \
        ("69300.00", "21490.00", "9210.00")


# ---------------------------------------------------------------------------------------------------------
# 第3段 invariants over random years of resident outpatient visits
# ---------------------------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def resident_visits(draw):
    dates = draw(st.lists(st.dates(D(2024, 8, 21), D(2025, 12, 31)), min_size=1, max_size=8, unique=True))
    return [outpatient(day.isoformat(), f"{Decimal(draw(st.integers(0, 200_000))) / 100:.2f}",
                       draw(st.sampled_from(["village", "township", "secondary"]))) for day in dates]


@settings(max_examples=100, deadline=None, database=None)
@given(resident_visits())
def test_a_residents_outpatient_reimbursement_never_passes_500_yuan_in_a_year_nor_90_percent_of_a_visit(visits):
    r = run(*visits)
    for year in r.years.values():
        assert year["basic_insurance"] <= Decimal("500.00")      # 第3段: 年度最高报销限额500元
    for c in r.claims:
        # At most 90% (the highest ratio), give or take the half fen of rounding to the fen.
        assert Decimal("0") <= c["basic_insurance"] <= c["policy_range_cost"] * Decimal("0.90") + Decimal("0.005")
        assert c["basic_insurance"] + c["out_of_pocket"] == c["policy_range_cost"]



# ---------------------------------------------------------------------------------------------------------
# Readings (policies/guizhou-2024-medical-security/readings.yaml): each option computed, worked by hand
# ---------------------------------------------------------------------------------------------------------

def test_the_outpatient_limit_caps_the_reimbursement_only():
    # p3 最高報銷限額: what is reimbursed. Resident, village clinic 90%: visits of 400 then 300:
    # 400 × 90% = 360; 300 × 90% = 270, year 630 → 500: 140 on it. (Reading it as a cap on costs has no support in
    # the words: readings.yaml not_readings.)
    visits = (outpatient("2024-09-01", "400", "village"), outpatient("2024-10-01", "300", "village"))
    assert paid(run(*visits)) == [Decimal("360.00"), Decimal("140.00")]
    with pytest.raises(InputError, match="readings.guizhou-2024-medical-security/p3:outpatient-limit"):
        run(*visits, readings={f"{P}/p3:outpatient-limit": "caps-costs"})


def test_reading_prenatal_cap_caps_costs_pays_at_most_90_percent_of_1200():
    # Employee, 90%: visits 1,000 then 500. caps-reimbursement: 900; 450 but 300 left → 300 (1,200).
    # caps-costs: 1,000 counted → 900; 200 more fits → 180 (1,080 = 90% × 1,200).
    visits = [(D(2024, 9, 1), "1000"), (D(2024, 10, 1), "500")]
    assert gz.prenatal_care_reimbursement(POLICY, "employee", visits) == [Decimal("900.00"), Decimal("300.00")]
    assert gz.prenatal_care_reimbursement(POLICY, "employee", visits,
                                          readings={f"{P}/p5:prenatal-cap": "caps-costs"}) == \
        [Decimal("900.00"), Decimal("180.00")]


def test_reading_resident_prenatal_limit_shares_outpatient_takes_the_years_outpatient_out_of_1100():
    # Resident at a 50% ratio: visits 2,000 then 1,000. own-1100: 1,000; 500 but 100 left → 100.
    # shares-outpatient, 500 of general outpatient paid in 2024: 1,100 − 500 = 600 → 600, then 0.
    visits = [(D(2024, 9, 1), "2000"), (D(2024, 10, 1), "1000")]
    assert gz.prenatal_care_reimbursement(POLICY, "resident", visits, resident_ratio="0.5") == \
        [Decimal("1000.00"), Decimal("100.00")]
    shares = {f"{P}/p5:resident-prenatal-limit": "shares-outpatient"}
    assert gz.prenatal_care_reimbursement(POLICY, "resident", visits, resident_ratio="0.5", readings=shares,
                                          outpatient_paid={2024: Decimal("500")}) == \
        [Decimal("600.00"), Decimal("0.00")]
    with pytest.raises(InputError) as info:
        gz.prenatal_care_reimbursement(POLICY, "resident", visits, resident_ratio="0.5", readings=shares)
    assert info.value.field == "outpatient_paid"


def test_reading_limit_scope_sudden_hardship_only_needs_the_other_groups_local_limit():
    # 低保 at a local 80%: 100,000 − 30,000 = 70,000 × 80% = 56,000. every-group: held to 50,000.
    only = {f"{P}/p9:limit-scope": "sudden-hardship-only"}
    inputs = {"medical_assistance_ratio": "0.8"}
    assert paid(run(stay("2024-09-01", "100000", "30000"), category="dibao", inputs=inputs),
                "medical_assistance") == [Decimal("50000.00")]
    r = run(stay("2024-09-01", "100000", "30000"), category="dibao", inputs=inputs, readings=only)
    assert needs(r, 0, "medical_assistance") == "inputs.medical_assistance_annual_limit_other_groups"
    # With a local limit of 60,000: 56,000.
    r = run(stay("2024-09-01", "100000", "30000"), category="dibao", readings=only,
            inputs={**inputs, "medical_assistance_annual_limit_other_groups": "60000"})
    assert paid(r, "medical_assistance") == [Decimal("56000.00")]
    # 突发严重困难 keeps the 50,000 under both readings: 80,000 × 70% = 56,000 → 50,000.
    for readings in ({}, only):
        r = run(stay("2024-09-01", "100000", "20000"), category="tufa_kunnan", readings=readings)
        assert paid(r, "medical_assistance") == [Decimal("50000.00")]


@pytest.mark.parametrize("cost_date, length_12, band", [
    (D(2024, 9, 14), True, False),    # a day before recognition on 2024-09-15: recent, outside the band
    (D(2024, 3, 16), True, False),    # 6 months less a day old
    (D(2024, 3, 15), True, True),     # exactly 6 months old
    (D(2023, 9, 15), True, True),     # exactly 12 months old
    (D(2023, 9, 14), False, False),   # older than 12 months
])
def test_reading_lookback_band_assists_only_costs_6_to_12_months_old(cost_date, length_12, band):
    recognised = D(2024, 9, 15)
    assert gz.retroactive_medical_assistance(POLICY, cost_date, recognised, 12) is length_12
    assert gz.retroactive_medical_assistance(POLICY, cost_date, recognised, None,
                                             readings={f"{P}/p11:lookback": "band"}) is band


def test_reading_lookback_band_window_runs_from_12_to_6_months_before_recognition():
    assert gz.retroactive_window(POLICY, D(2024, 9, 15), None, readings={f"{P}/p11:lookback": "band"}) == \
        (D(2023, 9, 15), D(2024, 3, 15))
