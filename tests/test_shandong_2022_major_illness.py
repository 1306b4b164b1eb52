"""山东 重特大疾病医疗保险和救助 (machine-translated press report, 2022-09-05): one test per rule edge.

Every expected amount is worked out by hand from the corrected reading of the clause (clauses.yaml `parallel`)
and the named inputs, and written as a Decimal string with the arithmetic beside it. Nothing is re-derived by
calling the code under test.

Shorthand: R = policy_range_cost − basic_insurance_paid − critical_illness_paid (the burden after the two
insurances); D = the critical-illness deductible after the 50% cut; MA = medical assistance; T = the 'still heavy'
threshold of further assistance (an input).
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
from medrules import InputError
from medrules.rules import shandong_2022_major_illness as sd

REPO = Path(__file__).resolve().parent.parent
P = "shandong-2022-major-illness"
# The critical-illness values the report does not give, chosen for the tests: D = 20,000 × 50% = 10,000;
# ratio = 60% + 5 points = 65%.
CI_INPUTS = {"critical_illness.base_deductible": "20000", "critical_illness.base_ratio": "0.60",
             "critical_illness.key_group_ratio_increase": "0.05"}


def claim(date="2023-03-10", cost="100000", basic="60000", **extra) -> dict:
    c = {"date": date, "setting": "inpatient", "policy_range_cost": cost, "basic_insurance_paid": basic}
    c.update(extra)
    return c


def burden(amount, date="2023-03-10", **extra) -> dict:
    """A claim whose burden after the two insurances is `amount`: 10,000 from basic insurance, 0 from the slip's
    critical-illness insurance."""
    return claim(date, str(Decimal(amount) + 10000), "10000", critical_illness_paid="0", **extra)


def run(*claims, category="dibao", insurance="resident", inputs=None, threshold="1000000"):
    """Evaluate; the 'still heavy' threshold defaults to 1,000,000 so that further assistance stays out of the way
    unless a test sets it."""
    all_inputs = {**CI_INPUTS, "medical_assistance.still_heavy_threshold": threshold, **(inputs or {})}
    return medrules.evaluate(medrules.parse_scenario({
        "policy": P, "person": {"category": category, "insurance": insurance},
        "claims": list(claims), "inputs": all_inputs}))


def totals(result, *keys):
    return tuple(result.totals[k] for k in keys)


def error(*claims, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        run(*claims, **kw)
    return info.value


# --- p1: in force from the report date, no earlier -------------------------------------------------------------

def test_a_claim_dated_before_the_report_of_5_september_2022_cannot_be_evaluated():
    e = error(claim("2022-09-04"))
    assert e.field == "claims[0].date"
    assert "2022-09-05" in str(e) and "no start date" in str(e)


def test_a_claim_dated_on_the_report_day_is_evaluated():
    assert run(claim("2022-09-05")).claims[0]["critical_illness_insurance"] == Decimal("19500.00")
    assert sd.in_force(medrules.load_policy(P), dt.date(2022, 9, 5)) is True
    assert sd.in_force(medrules.load_policy(P), dt.date(2022, 9, 4)) is False


# --- 1: who is a medical assistance recipient, and under which rule ---------------------------------------------

@pytest.mark.parametrize("category, returned, group", [
    ("tekun", False, "key_group"), ("dibao", False, "key_group"), ("jiance", True, "key_group"),
    ("general", True, "key_group"), ("dibian", False, "marginal"), ("jiance", False, "marginal"),
    ("yinbing_zhipin", False, "illness_poverty"), ("tufa_kunnan", False, None), ("general", False, None)])
def test_tekun_dibao_and_returned_to_poverty_are_the_key_groups_and_dibian_jiance_and_illness_poverty_follow_their_own_rules(
        category, returned, group):
    assert sd.medical_assistance_eligibility(category, returned) == group


def test_a_person_in_no_named_group_gets_no_medical_assistance():
    r = run(burden("20000"), category="tufa_kunnan")
    assert totals(r, "medical_assistance", "further_relief", "out_of_pocket") == (
        Decimal("0.00"), Decimal("0.00"), Decimal("20000.00"))
    assert r.trace[2].clause == "shandong-2022-major-illness/1"


# --- 2: enrolment subsidy ---------------------------------------------------------------------------------------

def test_the_resident_contribution_of_a_tekun_person_is_paid_in_full():
    assert sd.enrolment_subsidy("tekun", Decimal("380.00"), dt.date(2023, 1, 1)) == Decimal("380.00")


def test_the_enrolment_subsidy_of_other_groups_was_lost_and_is_refused():
    with pytest.raises(InputError, match="lost in translation; allowed: tekun"):
        sd.enrolment_subsidy("dibao", Decimal("380.00"), dt.date(2023, 1, 1))


# --- 3: basic insurance from the slip ---------------------------------------------------------------------------

def test_basic_insurance_must_come_from_the_settlement_slip():
    e = error(claim(basic=None))
    assert e.field == "claims[0].basic_insurance_paid"


# --- 4: critical-illness tilt for the three key groups ----------------------------------------------------------

def test_key_group_critical_illness_pays_the_raised_ratio_above_the_halved_deductible():
    # R = 100,000 − 60,000 = 40,000; (40,000 − 10,000) × 65% = 19,500.
    assert run(claim()).claims[0]["critical_illness_insurance"] == Decimal("19500.00")


def test_key_group_critical_illness_pays_nothing_at_the_halved_deductible_and_a_fen_just_above_it():
    # R = 10,000 = D → 0; R = 10,000.02 → 0.02 × 65% = 0.013 → 0.01.
    assert run(claim(cost="20000", basic="10000")).totals["critical_illness_insurance"] == Decimal("0.00")
    assert run(claim(cost="20000.02", basic="10000")).totals["critical_illness_insurance"] == Decimal("0.01")


def test_the_halved_deductible_is_used_once_across_two_claims_of_a_year_and_again_the_next_year():
    # 2023: R 8,000 then 8,000: first 0; second (16,000 − 10,000) × 65% = 3,900. 2024: R 8,000 < D → 0.
    r = run(claim("2023-03-01", "18000", "10000"), claim("2023-09-01", "18000", "10000"),
            claim("2024-02-01", "18000", "10000"))
    assert [c["critical_illness_insurance"] for c in r.claims] == [Decimal("0.00"), Decimal("3900.00"), Decimal("0.00")]


def test_key_group_critical_illness_has_no_annual_limit():
    # R = 2,010,000: (2,010,000 − 10,000) × 65% = 1,300,000.
    r = run(claim(cost="2510000", basic="500000"), category="tekun")
    assert r.totals["critical_illness_insurance"] == Decimal("1300000.00")


def test_the_critical_illness_tilt_applies_in_employees_insurance_too():
    assert run(claim(), insurance="employee").totals["critical_illness_insurance"] == Decimal("19500.00")


def test_the_ratio_increase_lost_in_translation_is_a_required_input():
    inputs = dict(CI_INPUTS)
    del inputs["critical_illness.key_group_ratio_increase"]
    with pytest.raises(InputError) as info:
        medrules.evaluate(medrules.parse_scenario({"policy": P, "person": {"category": "dibao", "insurance": "resident"},
                                                   "claims": [claim()], "inputs": inputs}))
    assert info.value.field == "inputs.critical_illness.key_group_ratio_increase"
    assert "lost in translation" in str(info.value)


def test_a_raised_ratio_above_100_percent_is_refused():
    e = error(claim(), inputs={"critical_illness.key_group_ratio_increase": "0.45"})
    assert e.field == "inputs.critical_illness.key_group_ratio_increase" and "allowed: 0 to 0.40" in str(e)


def test_outside_the_key_groups_critical_illness_must_come_from_the_slip():
    e = error(claim(), category="dibian")
    assert e.field == "claims[0].critical_illness_paid"


def test_a_key_group_slip_amount_replaces_the_computation():
    assert run(claim(critical_illness_paid="12345.67")).totals["critical_illness_insurance"] == Decimal("12345.67")


# --- 5: medical assistance for the three key groups -------------------------------------------------------------

def test_key_group_assistance_has_no_deductible_and_pays_70_percent():
    # R = 20,000 × 70% = 14,000.
    assert run(burden("20000")).totals["medical_assistance"] == Decimal("14000.00")
    assert run(burden("0.01")).totals["medical_assistance"] == Decimal("0.01")  # 0.007 → 0.01


def test_key_group_assistance_stops_at_the_30000_yuan_floor_of_the_annual_limit():
    # R = 50,000 × 70% = 35,000 → 30,000.
    r = run(burden("50000"), category="tekun")
    assert totals(r, "medical_assistance", "out_of_pocket") == (Decimal("30000.00"), Decimal("20000.00"))


def test_key_group_assistance_at_a_local_75_percent_reaches_the_limit_exactly_and_a_fen_more_stays_at_it():
    # 40,000 × 75% = 30,000; 40,000.02 × 75% = 30,000.015 → 30,000 (limit).
    local = {"local.key_group_ratio": "0.75"}
    assert run(burden("40000"), inputs=local).totals["medical_assistance"] == Decimal("30000.00")
    r = run(burden("40000.02"), inputs=local)
    assert totals(r, "medical_assistance", "out_of_pocket") == (Decimal("30000.00"), Decimal("10000.02"))


def test_key_group_assistance_across_two_claims_stops_at_the_limit_and_starts_again_next_year():
    # 2023: 30,000 → 21,000; then 20,000: min(50,000 × 70%, 30,000) − 21,000 = 9,000. 2024: 10,000 → 7,000.
    r = run(burden("30000", "2023-03-01"), burden("20000", "2023-08-01"), burden("10000", "2024-01-05"))
    assert [c["medical_assistance"] for c in r.claims] == [Decimal("21000.00"), Decimal("9000.00"), Decimal("7000.00")]


def test_a_local_limit_above_the_floor_is_used_and_one_below_is_refused_naming_the_clause():
    # 60,000 × 70% = 42,000 < local 50,000.
    assert run(burden("60000"), inputs={"local.key_group_annual_limit": "50000"}).totals["medical_assistance"] == \
        Decimal("42000.00")
    e = error(burden("60000"), inputs={"local.key_group_annual_limit": "29999.99"})
    assert e.field == "inputs.local.key_group_annual_limit"
    assert "below the floor 30000" in str(e) and "shandong-2022-major-illness/5" in str(e)


def test_a_local_key_group_ratio_below_70_percent_is_refused():
    e = error(burden("100"), inputs={"local.key_group_ratio": "0.69"})
    assert e.field == "inputs.local.key_group_ratio" and "allowed: 0.70 to 1" in str(e)


def test_a_monitored_person_who_returned_to_poverty_is_assisted_as_a_key_group():
    r = run(burden("20000"), category="jiance", inputs={"person.returned_to_poverty": True})
    assert r.totals["medical_assistance"] == Decimal("14000.00")


# --- 5: marginal families and monitored people ------------------------------------------------------------------

@pytest.mark.parametrize("category", ["dibian", "jiance"])
def test_marginal_and_monitored_people_get_50_percent_of_the_burden_above_3000(category):
    # 3,000 → 0; 3,000.02 → 0.01; 13,000 → 10,000 × 50% = 5,000.
    got = [run(burden(b), category=category).totals["medical_assistance"] for b in ("3000", "3000.02", "13000")]
    assert got == [Decimal("0.00"), Decimal("0.01"), Decimal("5000.00")]


def test_the_3000_yuan_threshold_is_counted_once_a_year_across_claims():
    # 2023: 2,000 → 0; then 5,000: (7,000 − 3,000) × 50% = 2,000. 2024: 2,000 < 3,000 → 0.
    r = run(burden("2000", "2023-02-01"), burden("5000", "2023-06-01"), burden("2000", "2024-02-01"), category="dibian")
    assert [c["medical_assistance"] for c in r.claims] == [Decimal("0.00"), Decimal("2000.00"), Decimal("0.00")]


def test_marginal_assistance_has_no_limit_unless_a_local_one_is_given():
    # 1,003,000: 1,000,000 × 50% = 500,000; with a local limit of 3,000 → 3,000.
    assert run(burden("1003000"), category="dibian").totals["medical_assistance"] == Decimal("500000.00")
    r = run(burden("13000"), category="dibian", inputs={"medical_assistance.other_groups_annual_limit": "3000"})
    assert r.totals["medical_assistance"] == Decimal("3000.00")


def test_a_local_marginal_ratio_at_or_above_50_percent_is_used():
    # 10,000 × 60% = 6,000.
    r = run(burden("13000"), category="jiance", inputs={"local.marginal_ratio": "0.60"})
    assert r.totals["medical_assistance"] == Decimal("6000.00")
    assert error(burden("13000"), category="jiance", inputs={"local.marginal_ratio": "0.49"}).field == \
        "inputs.local.marginal_ratio"


# --- 5: people impoverished by illness --------------------------------------------------------------------------

def test_people_impoverished_by_illness_get_60_percent_of_the_burden_above_a_quarter_of_income():
    # income 40,000 → 25% = 10,000. 10,000 → 0; 20,000 → 10,000 × 60% = 6,000.
    inputs = {"income.per_capita_disposable_local": "40000"}
    got = [run(burden(b), category="yinbing_zhipin", inputs=inputs).totals["medical_assistance"]
           for b in ("10000", "10000.02", "20000")]
    assert got == [Decimal("0.00"), Decimal("0.01"), Decimal("6000.00")]


def test_the_income_for_the_illness_poverty_threshold_is_a_required_input():
    e = error(burden("20000"), category="yinbing_zhipin")
    assert e.field == "inputs.income.per_capita_disposable_local"


def test_people_impoverished_by_illness_get_no_further_assistance():
    r = run(burden("20000"), category="yinbing_zhipin", threshold="0",
            inputs={"income.per_capita_disposable_local": "40000"})
    assert r.totals["further_relief"] == Decimal("0.00")


# --- 5: further assistance after the three systems --------------------------------------------------------------

def test_further_assistance_pays_70_percent_of_the_burden_above_the_still_heavy_threshold():
    # R = 20,000; MA 14,000; left 6,000; (6,000 − 5,000) × 70% = 700; out of pocket 5,300.
    r = run(burden("20000"), threshold="5000")
    assert totals(r, "further_relief", "out_of_pocket") == (Decimal("700.00"), Decimal("5300.00"))


def test_further_assistance_pays_nothing_at_the_threshold():
    # dibian R = 13,000: MA 5,000; left 8,000 = T → 0.
    assert run(burden("13000"), category="dibian", threshold="8000").totals["further_relief"] == Decimal("0.00")


def test_further_assistance_reaches_its_20000_limit_exactly_and_a_fen_more_stays_at_it():
    # R = 55,000: MA min(38,500, 30,000) = 30,000; left 25,000; T = 0; at a local 80%: 20,000 = the limit.
    local = {"local.tilted_ratio": "0.80"}
    assert run(burden("55000"), threshold="0", inputs=local).totals["further_relief"] == Decimal("20000.00")
    r = run(burden("55000.02"), threshold="0", inputs=local)
    assert totals(r, "further_relief", "out_of_pocket") == (Decimal("20000.00"), Decimal("5000.02"))


def test_further_assistance_across_two_claims_stops_at_20000_a_year_and_starts_again_next_year():
    # T = 0. Claim 1 R 50,000: MA 30,000 (limit), left 20,000 → 14,000. Claim 2 R 20,000: MA 0 (limit used),
    # left 20,000; year 40,000 × 70% = 28,000 → 20,000; 20,000 − 14,000 = 6,000. 2024: R 10,000: MA 7,000,
    # left 3,000 → 2,100.
    r = run(burden("50000", "2023-03-01"), burden("20000", "2023-09-01"), burden("10000", "2024-03-01"),
            threshold="0")
    assert [c["further_relief"] for c in r.claims] == [Decimal("14000.00"), Decimal("6000.00"), Decimal("2100.00")]
    assert [c["out_of_pocket"] for c in r.claims] == [Decimal("6000.00"), Decimal("14000.00"), Decimal("900.00")]


def test_the_still_heavy_threshold_is_a_required_input_for_the_groups_that_can_get_further_assistance():
    with pytest.raises(InputError) as info:
        medrules.evaluate(medrules.parse_scenario({"policy": P, "person": {"category": "dibao", "insurance": "resident"},
                                                   "claims": [burden("100")], "inputs": {}}))
    assert info.value.field == "inputs.medical_assistance.still_heavy_threshold"


def test_a_local_further_assistance_limit_above_20000_is_refused_and_one_below_is_used():
    assert error(burden("100"), inputs={"local.tilted_annual_limit": "20000.01"}).field == \
        "inputs.local.tilted_annual_limit"
    # R 50,000: MA 30,000; left 20,000; T = 0 → 14,000 → local limit 10,000.
    r = run(burden("50000"), threshold="0", inputs={"local.tilted_annual_limit": "10000"})
    assert r.totals["further_relief"] == Decimal("10000.00")


def test_a_commercial_insurance_slip_is_settled_before_further_assistance():
    # R 20,000: MA 14,000; left 6,000; commercial 1,000; left 5,000; T = 0 → 3,500.
    r = run(burden("20000", supplementary_insurance_paid="1000"), threshold="0")
    assert totals(r, "supplementary_insurance", "further_relief", "out_of_pocket") == (
        Decimal("1000.00"), Decimal("3500.00"), Decimal("1500.00"))


# --- 6: early warning -------------------------------------------------------------------------------------------

def test_any_insured_person_is_warned_when_the_years_burden_is_above_the_provincial_income():
    on = dt.date(2023, 6, 1)
    assert sd.illness_poverty_early_warning("general", Decimal("37000.00"), Decimal("37000"), on)[0] is False
    assert sd.illness_poverty_early_warning("general", Decimal("37000.01"), Decimal("37000"), on)[0] is True


def test_the_lower_warning_line_of_marginal_and_monitored_people_cannot_be_checked_without_its_lost_share():
    on = dt.date(2023, 6, 1)
    warn, why = sd.illness_poverty_early_warning("dibian", Decimal("20000"), Decimal("37000"), on)
    assert warn is None and "lost in translation" in why
    # With a share of 50%: line 18,500.
    assert sd.illness_poverty_early_warning("jiance", Decimal("18500"), Decimal("37000"), on, Decimal("0.5"))[0] is False
    assert sd.illness_poverty_early_warning("jiance", Decimal("18500.01"), Decimal("37000"), on, Decimal("0.5"))[0] is True


def test_the_warning_is_decided_after_each_claim_on_the_years_burden_after_the_two_insurances():
    # general, slips: R 20,000 then 20,000 → year 40,000 > 37,000 after the second.
    r = run(burden("20000", "2023-03-01"), burden("20000", "2023-06-01"), category="general",
            inputs={"income.per_capita_disposable_province": "37000"})
    assert [c["early_warning"] for c in r.claims] == [False, True]
    r = run(burden("20000"), category="general")
    assert r.claims[0]["early_warning"] is None


# --- the command line -------------------------------------------------------------------------------------------

def test_the_dibao_example_evaluates_through_the_command_line():
    # R = 40,000; CI (40,000 − 10,000) × 65% = 19,500; MA 20,500 × 70% = 14,350; left 6,150;
    # further (6,150 − 5,000) × 70% = 805; out of pocket 5,345; burden 20,500 ≤ 37,000: no warning.
    p = subprocess.run([sys.executable, "-m", "medrules", "evaluate", str(REPO / "examples" /
                        "shandong-dibao-100k-inpatient.json")], capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {k: out["totals"][k] for k in ("critical_illness_insurance", "medical_assistance", "further_relief",
                                          "out_of_pocket")} == {
        "critical_illness_insurance": "19500.00", "medical_assistance": "14350.00", "further_relief": "805.00",
        "out_of_pocket": "5345.00"}
    assert out["claims"][0]["early_warning"] is False
