"""Claims and people as the settlement records have them: claim kinds, facts not given, facts about one person, statuses
over time, the complete national layout, and a record that contradicts itself.

Every expected figure is worked by hand from the clause (the arithmetic beside it), never taken from the code.
Shorthand: R = policy_range_cost − basic; D = Wenzhou's critical-illness deductible after the 50% cut of 三(三)9
(30,000 × 50% = 15,000 with the input used here); MA = medical assistance.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from _wenzhou import REPO, make_claim, run

import medrules
from medrules import InputError
from medrules.cli.main import main

D = Decimal


def evaluate(policy, person, claims, inputs=None, readings=None):
    return medrules.evaluate(medrules.parse_scenario({"policy": policy, "person": person, "claims": claims,
                                                      "inputs": inputs or {}, "readings": readings or {}}))


# ---------------------------------------------------------------------------------------------------------------
# Claim kinds
# ---------------------------------------------------------------------------------------------------------------

def test_a_dibao_dialysis_outpatient_claim_counts_for_critical_illness_as_a_special_disease_under_inpatient_only():
    # 三(三)9 puts 尿毒症透析治疗 in the 特殊病种目录, and the reading inpatient-only counts "住院及门诊特殊病".
    # R = 60,000 − 36,000 = 24,000; CI = (24,000 − 15,000) × 80% = 7,200; MA = (24,000 − 7,200) × 80% = 13,440;
    # out of pocket 3,360.
    r = run(make_claim(setting="chronic_outpatient", cost="60000", basic="36000"), statuses=["dibao"],
            readings={"wenzhou-2021-78/3.3.9:outpatient-burden": "inpatient-only"})
    c = r.claims[0]
    assert (c["critical_illness_insurance"], c["medical_assistance"], c["out_of_pocket"]) == \
        (D("7200.00"), D("13440.00"), D("3360.00"))


def test_a_general_outpatient_claim_gets_no_critical_illness_under_inpatient_only_but_assistance_all_the_same():
    # inpatient-only: 普通门诊 not counted for CI → CI 0; 三(三)9 门诊目录范围内医疗费用与住院同比例救助 → MA = 24,000 × 80%.
    r = run(make_claim(setting="outpatient", cost="60000", basic="36000"), statuses=["dibao"],
            readings={"wenzhou-2021-78/3.3.9:outpatient-burden": "inpatient-only"})
    c = r.claims[0]
    assert (c["critical_illness_insurance"], c["medical_assistance"]) == (D("0.00"), D("19200.00"))
    assert "普通门诊" in [s for s in r.trace if s.layer == "critical_illness_insurance"][0].explanation_zh


def test_day_surgery_is_a_stay_in_hospital_for_the_deposit_waiver():
    # 三(二)6 waives the 住院押金 of referred people in hardship in a city hospital; 日间手术 is admitted as a stay.
    r = run(make_claim(setting="day_surgery", cost="20000", basic="12000"), statuses=["dibao"])
    assert r.claims[0]["pay_after_treatment"] is True


GUIZHOU = "guizhou-2024-medical-security"
GUIZHOU_INPUTS = {"medical_assistance_ratio": "0.7", "tilted_assistance_threshold": "13000",
                  "out_of_province_inpatient_ratio": "0.7", "out_of_province_inpatient_deductible": "1000"}


def guizhou_claim(date, setting, cost, **more):
    return {"date": date, "setting": setting, "policy_range_cost": cost, "pre_self_paid": "0",
            "critical_illness_paid": "0", "supplementary_insurance_paid": "0", **more}


def test_guizhou_assists_a_chronic_outpatient_claim_and_not_a_general_village_clinic_visit():
    # p3: 村卫生室 90% → basic 200 × 90% = 180. p8 brings 慢特病门诊费用 into assistance and names no other
    # outpatient kind (reading named-only): the village visit gets MA 0; the chronic claim 70% × (1,000 − 600) = 280.
    r = evaluate(GUIZHOU, {"statuses": ["dibao"], "insurance": "resident"},
                 [guizhou_claim("2024-09-10", "outpatient", "200", facility="village"),
                  guizhou_claim("2024-09-12", "chronic_outpatient", "1000", basic_insurance_paid="600")],
                 GUIZHOU_INPUTS)
    first, second = r.claims
    assert (first["basic_insurance"], first["medical_assistance"]) == (D("180.00"), D("0.00"))
    assert second["medical_assistance"] == D("280.00")
    # Under reading all-outpatient the village visit is assisted: (200 − 180) × 70% = 14.
    r = evaluate(GUIZHOU, {"statuses": ["dibao"], "insurance": "resident"},
                 [guizhou_claim("2024-09-10", "outpatient", "200", facility="village")], GUIZHOU_INPUTS,
                 {f"{GUIZHOU}/p8:outpatient-scope": "all-outpatient"})
    assert r.claims[0]["medical_assistance"] == D("14.00")


def test_guizhou_computes_basic_insurance_for_an_inpatient_claim_marked_out_of_province_and_needs_the_slip_else():
    # p6: 省外住院 (10,000 − local deductible 1,000) × 70% = 6,300. In province the report sets no amount: the slip.
    person = {"statuses": [], "insurance": "resident"}
    r = evaluate(GUIZHOU, person, [guizhou_claim("2024-10-01", "inpatient", "10000", out_of_province=True)],
                 GUIZHOU_INPUTS)
    assert r.claims[0]["basic_insurance"] == D("6300.00")
    r = evaluate(GUIZHOU, person, [guizhou_claim("2024-10-01", "inpatient", "10000")], GUIZHOU_INPUTS)
    assert r.claims[0]["basic_insurance"] is None
    assert r.claims[0]["undetermined"]["basic_insurance"]["field"] == "basic_insurance_paid"


# ---------------------------------------------------------------------------------------------------------------
# Facts not given are unknown, never "no"
# ---------------------------------------------------------------------------------------------------------------

BIG = dict(cost="1500000", basic="500000")
# R = 1,000,000; CI = (1,000,000 − 15,000) × 80% = 788,000; 212,000 left; MA = min(212,000 × 80%, 100,000) =
# 100,000; supplementary 0; 112,000 left; 三(三)11 brings it down to 50,000: relief 62,000.


def test_further_relief_waits_for_the_guidance_and_referral_facts_when_the_record_does_not_give_them():
    r = run(make_claim(referred=None, guided=None, **BIG), statuses=["dibao"])
    c = r.claims[0]
    assert (c["critical_illness_insurance"], c["medical_assistance"]) == (D("788000.00"), D("100000.00"))
    assert c["further_relief"] is None and c["complete"] is False
    assert c["undetermined"]["further_relief"]["field"] == "followed_treatment_guidance"
    assert c["out_of_pocket"] == D("112000.00") and c["out_of_pocket_is_upper_bound"]


def test_an_explicit_no_settles_further_relief_at_zero_and_both_yes_resolve_62000():
    assert run(make_claim(referred=None, guided=False, **BIG), statuses=["dibao"]).claims[0]["further_relief"] == \
        D("0.00")
    c = run(make_claim(referred=True, guided=True, **BIG), statuses=["dibao"]).claims[0]
    assert (c["further_relief"], c["out_of_pocket"]) == (D("62000.00"), D("50000.00"))


def test_the_deposit_waiver_is_undetermined_without_the_referral_fact_and_no_when_it_is_no():
    assert run(make_claim(referred=None), statuses=["dibao"]).claims[0]["pay_after_treatment"] is None
    assert run(make_claim(referred=False), statuses=["dibao"]).claims[0]["pay_after_treatment"] is False


# ---------------------------------------------------------------------------------------------------------------
# Facts about one person belong to the person
# ---------------------------------------------------------------------------------------------------------------

def test_an_employee_in_hardship_is_a_status_of_that_person_and_the_old_input_still_serves_one_person():
    # p8: 困难职工 newly added to assistance; an insured employee, general outpatient is out of scope, so a stay:
    # a 10,000 stay with basic 6,000 from the slip: MA = (10,000 − 6,000) × 70% = 2,800.
    claim = guizhou_claim("2024-10-01", "inpatient", "10000", basic_insurance_paid="6000")
    by_status = evaluate(GUIZHOU, {"statuses": ["kunnan_zhigong"], "insurance": "employee"}, [claim],
                         GUIZHOU_INPUTS)
    by_input = evaluate(GUIZHOU, {"statuses": [], "insurance": "employee"}, [claim],
                        {**GUIZHOU_INPUTS, "employee_in_hardship": True})
    assert by_status.claims[0]["medical_assistance"] == by_input.claims[0]["medical_assistance"] == D("2800.00")


def test_a_person_fact_given_as_an_input_for_a_table_of_several_people_is_refused_naming_the_column(tmp_path,
                                                                                                      capsys):
    # The case: two unrelated general employees each got 5,000 of assistance from one batch-wide input.
    rows = ["person_id,statuses,insurance,date,setting,policy_range_cost,basic_insurance_paid,critical_illness_paid,"
            "supplementary_insurance_paid,pre_self_paid",
            "E1,,employee,2024-10-01,inpatient,10000,6000,0,0,0", "E2,,employee,2024-10-02,inpatient,10000,6000,0,0,0"]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "i.json").write_text('{"employee_in_hardship": true, "medical_assistance_ratio": "0.7", '
                                     '"tilted_assistance_threshold": "13000"}')
    code = main(["batch", "--policy", GUIZHOU, str(tmp_path / "c.csv"), "--inputs", str(tmp_path / "i.json"),
                 "--out", str(tmp_path / "r.parquet")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.endswith("error: inputs.employee_in_hardship: a fact about one person cannot be an input for a whole "
                        "table; give it as the status kunnan_zhigong of that person (the claims table's statuses "
                        "column or the --people identity table)")
    assert not (tmp_path / "r.parquet").exists()


# ---------------------------------------------------------------------------------------------------------------
# Statuses over time
# ---------------------------------------------------------------------------------------------------------------

JUNE_DIBAO = {"statuses": [{"status": "dibao", "from": "2023-06-15"}], "insurance": "resident"}
YEAR = [make_claim("2023-03-10", "50000", "30000", critical_illness_paid="2000"),
        make_claim("2023-06-20", "10000", "6000", setting="chronic_outpatient", critical_illness_paid="0"),
        make_claim("2023-07-10", "100000", "60000"),
        make_claim("2023-08-01", "300000", "150000")]


def test_a_person_recognised_as_dibao_on_15_june_is_covered_from_1_july_and_only_those_claims_accumulate():
    """三(三)8 新增救助对象，当月参保，次月生效 (reading next-month): the March stay and the June outpatient claim are
    before 1 July: not in hardship, CI from the slip (2,000; 0), no MA, no relief. From July, only the claims in
    hardship count toward the halved deductible and the assistance:
    - 7-10: R = 40,000; CI = (40,000 − 15,000) × 80% = 20,000; MA = (40,000 − 20,000) × 80% = 16,000; 4,000 left.
    - 8-01: year's R in hardship = 40,000 + 150,000 = 190,000; CI due (190,000 − 15,000) × 80% = 140,000, less
      20,000 paid = 120,000; burden after CI 20,000 + 30,000 = 50,000; MA due 40,000 less 16,000 = 24,000; 6,000
      left; 三(三)11: the year's 10,000 is below 50,000: relief 0."""
    r = evaluate("wenzhou-2021-78", JUNE_DIBAO, YEAR, {"critical_illness_base_deductible": "30000"})
    got = [(c["critical_illness_insurance"], c["medical_assistance"], c["further_relief"], c["out_of_pocket"])
           for c in r.claims]
    assert got == [(D("2000.00"), D("0.00"), D("0.00"), D("18000.00")),
                   (D("0.00"), D("0.00"), D("0.00"), D("4000.00")),
                   (D("20000.00"), D("16000.00"), D("0.00"), D("4000.00")),
                   (D("120000.00"), D("24000.00"), D("0.00"), D("6000.00"))]


def test_under_reading_recognition_day_the_june_claim_is_in_hardship_too():
    """From 15 June: 6-20 (门诊慢特病, CI from its slip 0): MA = 4,000 × 80% = 3,200; 800 left. 7-10: CI counts the
    year's hardship burden 4,000 + 40,000 = 44,000 − 15,000 = 29,000 × 80% = 23,200, less the 0 the slip paid =
    23,200; MA: burden after CI (4,000 − 0) + (40,000 − 23,200) = 20,800 × 80% = 16,640 less 3,200 = 13,440."""
    r = evaluate("wenzhou-2021-78", JUNE_DIBAO, YEAR[:3], {"critical_illness_base_deductible": "30000"},
                 {"wenzhou-2021-78/3.3.8:status-start": "recognition-day"})
    assert r.claims[1]["medical_assistance"] == D("3200.00")
    assert (r.claims[2]["critical_illness_insurance"], r.claims[2]["medical_assistance"]) == \
        (D("23200.00"), D("13440.00"))


def test_a_status_that_ends_counts_to_its_last_day_and_then_no_more():
    # 三(三)8: a 特困 person leaves on 2023-04-30 (reading exit-day); a 2023-05-02 claim is not in hardship, so the CI
    # layer needs the slip, and no assistance is due whatever it is (二: for people in hardship only).
    person = {"statuses": [{"status": "tekun", "to": "2023-04-30"}], "insurance": "resident"}
    r = evaluate("wenzhou-2021-78", person, [make_claim("2023-04-30", "10000", "6000"),
                                            make_claim("2023-05-02", "10000", "6000")],
                 {"critical_illness_base_deductible": "30000"})
    assert r.claims[0]["medical_assistance"] == D("3200.00")   # 4,000 × 80%
    assert r.claims[1]["critical_illness_insurance"] is None and r.claims[1]["medical_assistance"] == D("0.00")


def test_dated_statuses_out_of_order_are_refused_naming_the_field():
    with pytest.raises(InputError, match=r"^person.statuses\[0\]: to 2023-01-01 is before from 2023-06-15"):
        evaluate("wenzhou-2021-78", {"statuses": [{"status": "dibao", "from": "2023-06-15", "to": "2023-01-01"}],
                                     "insurance": "resident"}, [make_claim()])


# ---------------------------------------------------------------------------------------------------------------
# A record that contradicts itself does not sink the others
# ---------------------------------------------------------------------------------------------------------------

def test_a_claim_whose_slips_exceed_its_cost_is_left_unsettled_and_the_years_later_claims_wait_on_it():
    r = run(make_claim("2023-03-10", "15000", "110000"), make_claim("2023-04-10"), statuses=["dibao"])
    first, second = r.claims
    assert all(first[k] is None for k in ("basic_insurance", "medical_assistance", "out_of_pocket"))
    assert first["undetermined"]["basic_insurance"]["needed_by"] == "record"
    assert second["basic_insurance"] == D("110000.00") and second["medical_assistance"] is None
    assert r.totals["out_of_pocket"] is None and not r.complete


NHSA_COMMANDS = [line for line in re.findall(r"```sh\n(.*?)```", (REPO / "README.md").read_text(), re.S)
                 for line in re.sub(r"\\\n\s*", " ", line).splitlines() if "batch --layout nhsa" in line]


def test_the_readme_shows_both_national_layout_commands():
    assert len(NHSA_COMMANDS) == 2, NHSA_COMMANDS


@pytest.mark.parametrize("command", NHSA_COMMANDS)
def test_the_readmes_national_layout_commands_run_as_written(tmp_path, command):
    """Run in a folder holding the repository's examples, with this interpreter as .venv/bin/python."""
    (tmp_path / "examples").symlink_to(REPO / "examples")
    args = shlex.split(command)
    assert args[0] == ".venv/bin/python"
    done = subprocess.run([sys.executable, *args[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    out = tmp_path / args[args.index("--out") + 1]
    if out.suffix == ".csv":
        import csv
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [r["row"] for r in rows] == ["1", "2", "3", "4", "5", "6"] and rows[2]["medical_assistance"] == "49215.84"
    else:
        rows = pq.read_table(out).to_pylist()
        assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6] and rows[2]["medical_assistance"] == D("49215.84")
    assert "1 笔结算的记录自相矛盾" in done.stdout


def test_the_national_example_settles_every_record_by_hand(tmp_path):
    """examples/nhsa-settlements.csv with its identity table (Wenzhou, deductible input 30,000):
    1 低保 住院: CI from hifmi_pay 60,000; R after CI = 200,000 − 110,000 − 60,000 = 30,000; MA 80% = 24,000;
      oth_pay 0 (this region's 惠民保); 6,000 left; 三(三)11 would need the guidance and referral facts the record
      lacks, but 6,000 is within 50,000: no relief either way (so rows 2, 3 and 5 too: 120.05, 12,303.96, 1,400).
    2 特困 门诊慢特病 (med_type 14): R = 600.25, CI slip 0; MA 80% = 480.20 (特困: no limit); 120.05 left.
    3 特困 住院: R after CI = 400,000 − 150,000 − 188,480.20 = 61,519.80; the year's MA due (600.25 + 61,519.80)
      × 80% = 49,696.04, less 480.20 = 49,215.84 (the recorded maf_pay); 12,303.96 left.
    4 general employee: basic 50,000, 大额 hifob 10,000, 公务员医疗补助 cvlserv 5,000 (other funds, before
      assistance); no assistance, no relief: 80,000 − 65,000 = 15,000 out of pocket, complete.
    5 低保边缘 recognised 2023-06-15, 日间手术 (2114) on 2023-07-05, in hardship from 1 July: R = 12,000, CI slip 0,
      MA 80% = 9,600; 惠民保 oth 1,000; 1,400 left (the hospital bore 200 of the person's share in the record).
    6 general: psn_part_amt 250 ≠ 500 − 200 funds = 300: the record does not balance: unsettled, counted."""
    out = tmp_path / "r.parquet"
    assert main(["batch", "--layout", "nhsa", "--codes", str(REPO / "examples/nhsa-codes.yaml"), "--people",
                 str(REPO / "examples/nhsa-people.csv"), "--policy", "wenzhou-2021-78",
                 str(REPO / "examples/nhsa-settlements.csv"), "--inputs", str(REPO / "examples/claims-inputs.json"),
                 "--out", str(out)]) == 0
    rows = pq.read_table(out).to_pylist()
    layers = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
              "further_relief", "out_of_pocket")
    got = [tuple(r[k] for k in layers) for r in rows]
    assert got == [
        (D("110000.00"), D("60000.00"), D("24000.00"), D("0.00"), D("0.00"), D("6000.00")),
        (D("600.25"), D("0.00"), D("480.20"), D("0.00"), D("0.00"), D("120.05")),
        (D("150000.00"), D("188480.20"), D("49215.84"), D("0.00"), D("0.00"), D("12303.96")),
        (D("50000.00"), D("10000.00"), D("0.00"), D("0.00"), D("0.00"), D("15000.00")),
        (D("18000.00"), D("0.00"), D("9600.00"), D("1000.00"), D("0.00"), D("1400.00")),
        (None, None, None, None, None, None)]
    assert [r["setting"] for r in rows] == ["inpatient", "chronic_outpatient", "inpatient", "inpatient",
                                            "day_surgery", "outpatient"]
    assert "个人负担总金额" in rows[5]["undetermined"] and rows[3]["complete"]


def test_strict_refuses_the_table_at_the_first_record_that_contradicts_itself(tmp_path, capsys):
    code = main(["batch", "--layout", "nhsa", "--codes", str(REPO / "examples/nhsa-codes.yaml"), "--people",
                 str(REPO / "examples/nhsa-people.csv"), "--policy", "wenzhou-2021-78",
                 str(REPO / "examples/nhsa-settlements.csv"), "--inputs", str(REPO / "examples/claims-inputs.json"),
                 "--out", str(tmp_path / "r.parquet"), "--strict"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "error: row 6 (line 7): settlement record contradicts itself" in err and "(--strict" in err
    assert not (tmp_path / "r.parquet").exists()
