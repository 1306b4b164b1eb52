"""浙江 2019 news report on the residents' chronic-disease outpatient guidance: one test per rule edge.

Expected values are written out by hand from the report's text (paragraph labels in the comments). The report is
dated 2019-06-07 and gives no start dates: dates before it are refused.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from _errors import chinese_half, english_half

import medrules
from medrules import InputError, load_policy
from medrules.rules import zhejiang_2019_chronic_outpatient as zj

REPO = Path(__file__).resolve().parent.parent
P = "zhejiang-2019-chronic-outpatient"
POLICY = load_policy(P)
DAY = dt.date(2019, 6, 7)
NAMED = ["高血压", "糖尿病", "肺结核", "冠心病"]


def meets(findings):
    return [f["meets"] for f in findings]


# ---------------------------------------------------------------------------------------------------------
# 导语 第1段 the report's date: known only from it
# ---------------------------------------------------------------------------------------------------------

def test_the_guidance_is_known_in_force_from_the_6_june_2019_press_conference_and_not_the_day_before():
    # "6月6日,记者从…新闻发布会上获悉": known from the conference day (the report itself is dated 7 June).
    assert zj.in_force(POLICY, dt.date(2019, 6, 6)) is True
    assert zj.in_force(POLICY, dt.date(2019, 6, 5)) is False


def test_a_check_dated_before_the_press_conference_is_refused():
    with pytest.raises(InputError, match="before 2019-06-06"):
        zj.check_local_scheme(POLICY, dt.date(2019, 6, 5), "0.6", "0.7", True, NAMED)


# ---------------------------------------------------------------------------------------------------------
# 补慢性病保障短板 第5段 checking a local scheme against the provincial floors (with 第3段)
# ---------------------------------------------------------------------------------------------------------

def test_a_scheme_exactly_at_the_60_and_70_percent_floors_with_pharmacy_purchase_meets_them():
    # 不低于 includes the floor itself. The other 8 conditions cannot be checked: None.
    assert meets(zj.check_local_scheme(POLICY, DAY, "0.6", "0.7", True, NAMED)) == \
        [True, True, True, True, True, True, True, None]


def test_a_primary_chronic_ratio_below_60_percent_fails_the_floor():
    assert meets(zj.check_local_scheme(POLICY, DAY, "0.59", "0.7", True, NAMED))[0] is False


def test_a_tuberculosis_ratio_of_65_percent_fails_its_70_percent_floor_though_it_passes_60():
    assert meets(zj.check_local_scheme(POLICY, DAY, "0.65", "0.65", True, NAMED))[:2] == [True, False]


def test_a_scheme_that_does_not_allow_pharmacy_purchase_fails():
    assert meets(zj.check_local_scheme(POLICY, DAY, "0.6", "0.7", False, NAMED))[2] is False


def test_a_scheme_missing_coronary_heart_disease_fails_that_condition_only():
    findings = zj.check_local_scheme(POLICY, DAY, "0.6", "0.7", True, ["高血压", "糖尿病", "肺结核"])
    assert meets(findings)[3:7] == [True, True, True, False]


def test_the_unnamed_8_conditions_are_reported_as_not_checkable():
    last = zj.check_local_scheme(POLICY, DAY, "0.6", "0.7", True, NAMED)[-1]
    assert last["meets"] is None and "8" in last["requirement"]


# ---------------------------------------------------------------------------------------------------------
# 补慢性病保障短板 第5段 the least a primary-level chronic outpatient cost is reimbursed
# ---------------------------------------------------------------------------------------------------------

def test_a_primary_level_hypertension_visit_is_reimbursed_at_least_60_percent():
    assert zj.chronic_outpatient_reimbursement(POLICY, DAY, "高血压", "1000") == Decimal("600.00")


def test_a_primary_level_tuberculosis_visit_is_reimbursed_at_least_70_percent():
    assert zj.chronic_outpatient_reimbursement(POLICY, DAY, "肺结核", "1000") == Decimal("700.00")


def test_a_local_ratio_above_the_floor_is_used():
    assert zj.chronic_outpatient_reimbursement(POLICY, DAY, "糖尿病", "1000", "0.65") == Decimal("650.00")


def test_a_local_tuberculosis_ratio_of_65_percent_is_refused_as_below_its_floor():
    with pytest.raises(InputError, match="below the floor 0.70"):
        zj.chronic_outpatient_reimbursement(POLICY, DAY, "肺结核", "1000", "0.65")


# ---------------------------------------------------------------------------------------------------------
# 补慢性病保障短板 第3段 the twelve conditions and pharmacy purchase
# ---------------------------------------------------------------------------------------------------------

def test_the_twelve_provincial_conditions_are_four_named_and_eight_unnamed():
    conditions = zj.provincial_chronic_conditions(POLICY, DAY)
    assert len(conditions) == 12
    assert [zh for zh, _ in conditions[:4]] == NAMED
    assert conditions[4:] == ((None, None),) * 8


@pytest.mark.parametrize("condition", NAMED + ["hypertension", "coronary heart disease"])
def test_the_four_named_conditions_are_provincial_chronic_conditions(condition):
    assert zj.chronic_condition_eligibility(condition) is True


def test_a_condition_the_report_does_not_name_is_unknown_not_excluded():
    assert zj.chronic_condition_eligibility("慢性阻塞性肺疾病") is None


def test_a_resident_with_an_external_or_internet_prescription_may_buy_at_a_pharmacy_designated_by_their_area():
    assert zj.chronic_drug_pharmacy_purchase("resident", "external", True) is True
    assert zj.chronic_drug_pharmacy_purchase("resident", "internet_hospital", True) is True


def test_pharmacy_purchase_needs_residents_insurance_a_prescription_and_a_pharmacy_of_ones_own_area():
    assert zj.chronic_drug_pharmacy_purchase("employee", "external", True) is False
    assert zj.chronic_drug_pharmacy_purchase("resident", None, True) is False
    assert zj.chronic_drug_pharmacy_purchase("resident", "external", False) is False


def test_an_unknown_prescription_kind_is_refused_naming_the_allowed_kinds():
    with pytest.raises(InputError, match="allowed: external, internet_hospital"):
        zj.chronic_drug_pharmacy_purchase("resident", "paper", True)


# ---------------------------------------------------------------------------------------------------------
# 补慢性病保障短板 第4段 the reported inpatient ratios
# ---------------------------------------------------------------------------------------------------------

def test_the_current_inpatient_ratios_are_statistics_not_parameters_a_claim_could_be_settled_with():
    # p7: 目前,我省政策范围内职工医保住院报销比例为85%,城乡居民医保住院报销比例为70% — reported current levels.
    facts = {f["id"]: f for f in POLICY.facts}
    assert (facts["employee_inpatient_ratio"]["kind"], facts["employee_inpatient_ratio"]["value"]) == \
        ("statistic", Decimal("0.85"))
    assert (facts["resident_inpatient_ratio"]["kind"], facts["resident_inpatient_ratio"]["value"]) == \
        ("statistic", Decimal("0.70"))
    assert not {"employee_inpatient.ratio", "resident_inpatient.ratio", "resident_outpatient.ratio"} & set(POLICY.parameters)
    assert not hasattr(zj, "inpatient_reimbursement")
    assert POLICY.clause("p7").status == "narrative"


# ---------------------------------------------------------------------------------------------------------
# No claim layers: the engine refuses the policy with a reason
# ---------------------------------------------------------------------------------------------------------

def test_the_engine_refuses_a_scenario_because_the_report_defines_no_claim_layers():
    with pytest.raises(InputError) as info:
        medrules.evaluate(medrules.parse_scenario({
            "policy": P, "person": {"category": "general", "insurance": "resident"},
            "claims": [{"date": "2019-07-01", "setting": "outpatient", "policy_range_cost": "100"}]}))
    assert info.value.field == "policy" and "not as claim layers" in str(info.value)


def test_the_command_line_refuses_it_with_status_2_and_one_line_on_stderr():
    scenario = ('{"policy": "%s", "person": {"category": "general", "insurance": "resident"}, "claims": '
                '[{"date": "2019-07-01", "setting": "outpatient", "policy_range_cost": 100}]}' % P)
    out = subprocess.run([sys.executable, "-m", "medrules", "evaluate", "-"], input=scenario, capture_output=True,
                         text=True, cwd=REPO)
    assert out.returncode == 2 and out.stdout == ""
    assert english_half(out.stderr).startswith("error: policy:") and out.stderr.count("\n") == 1
    assert chinese_half(out.stderr).startswith("输入有误：policy：")
