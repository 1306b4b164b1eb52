"""python -m medrules compare SCENARIO.json: every claim policy side by side, Chinese first, the figures the
workshop's comparison shows. Expected figures are worked by hand from the clause text (arithmetic in comments)."""
from __future__ import annotations

import json

import pytest
from _errors import chinese_half, english_half

from medrules.cli.main import main

# One inpatient stay in 2024 (inside Wenzhou's 2022-01-01 – 2025-12-31 and after Guizhou's 2024-08-21 start):
# 200,000 within the policy range, the slip's basic insurance 110,000, no supplementary insurance.
STAY = {"date": "2024-10-15", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": "200000",
        "basic_insurance_paid": "110000", "supplementary_insurance_paid": "0", "pre_self_paid": "0",
        "referred": True, "followed_treatment_guidance": True, "in_city_designated_hospital": True}
DIBAO = {"category": "dibao", "insurance": "resident"}


def run(tmp_path, capsys, scenario, *flags):
    path = tmp_path / "scenario.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario, ensure_ascii=False),
                    encoding="utf-8")
    code = main(["compare", str(path), *flags])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_claim_policy_answers_with_the_books_assumptions(tmp_path, capsys):
    code, out, err = run(tmp_path, capsys, {"person": DIBAO, "claims": [STAY]}, "--json")
    assert code == 0 and err == ""
    got = json.loads(out)
    assert set(got) == {"wenzhou-2021-78", "shandong-2022-major-illness", "guizhou-2024-medical-security"}
    # Wenzhou 三(三)9, by hand: burden after basic insurance 200,000 − 110,000 = 90,000; critical illness
    # 80% × (90,000 − 30,000 × 50%) = 60,000; assistance 80% × (90,000 − 60,000) = 24,000; 6,000 left (below the
    # 50,000 of 三(三)11, no further relief).
    wz = got["wenzhou-2021-78"]["totals"]
    assert (wz["critical_illness_insurance"], wz["medical_assistance"], wz["further_relief"], wz["out_of_pocket"]) \
        == ("60000.00", "24000.00", "0.00", "6000.00")
    # Shandong with the book's illustrative inputs (deductible 30,000 halved, ratio 60% + 5 points): critical
    # illness 65% × (90,000 − 15,000) = 48,750; assistance 70% × (90,000 − 48,750) = 28,875; 12,375 left.
    sd = got["shandong-2022-major-illness"]["totals"]
    assert (sd["critical_illness_insurance"], sd["medical_assistance"], sd["out_of_pocket"]) \
        == ("48750.00", "28875.00", "12375.00")
    # Guizhou defines no critical-illness insurance and the slip gives none: that layer and those after it are
    # 待定, naming the slip field; out of pocket is at most 200,000 − 110,000 = 90,000.
    gz = got["guizhou-2024-medical-security"]
    assert gz["state"] == "partial" and gz["totals"]["medical_assistance"] is None
    assert gz["cells"]["medical_assistance"] == "待定（需：结算单上的大病保险支付额）"
    assert gz["totals"]["out_of_pocket"] == "90000.00" and gz["cells"]["out_of_pocket"] == "≤ 90,000.00"
    # The assumptions are listed as such, and every column carries the status mark.
    assert got["wenzhou-2021-78"]["assumed_inputs"] == {"critical_illness_base_deductible": "30000"}
    assert any(n["zh"].startswith("假设：") for n in got["wenzhou-2021-78"]["notes"])
    assert all("〔" in col["name"] for col in got.values())


def test_the_table_is_chinese_first_and_shows_the_same_figures(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, {"person": DIBAO, "claims": [STAY]})
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("层次") and "温州市" in lines[0]
    assistance = next(line for line in lines if line.startswith("医疗救助"))
    assert "24,000.00" in assistance and "28,875.00" in assistance and "待定（需：" in assistance
    assert "假设：" in out and "部分待定" in out


def test_the_scenarios_own_inputs_replace_the_assumptions(tmp_path, capsys):
    scenario = {"policy": "wenzhou-2021-78", "person": DIBAO, "claims": [STAY],
                "inputs": {"critical_illness_base_deductible": "20000"}}
    code, out, _ = run(tmp_path, capsys, scenario, "--json")
    assert code == 0
    got = json.loads(out)
    assert list(got)[0] == "wenzhou-2021-78"  # the scenario's policy first
    # Deductible 20,000 halved to 10,000: critical illness 80% × (90,000 − 10,000) = 64,000; assistance
    # 80% × (90,000 − 64,000) = 20,800; 5,200 left.
    wz = got["wenzhou-2021-78"]
    assert (wz["totals"]["critical_illness_insurance"], wz["totals"]["medical_assistance"],
            wz["totals"]["out_of_pocket"]) == ("64000.00", "20800.00", "5200.00")
    assert wz["assumed_inputs"] == {}


def test_a_column_outside_its_validity_says_so_instead_of_refusing(tmp_path, capsys):
    late = {**STAY, "date": "2026-03-10"}   # Wenzhou's plan ran to 2025-12-31 (施行)
    code, out, _ = run(tmp_path, capsys, {"person": DIBAO, "claims": [late]}, "--json")
    assert code == 0
    wz = json.loads(out)["wenzhou-2021-78"]
    assert wz["state"] == "expired" and wz["notes"][0]["zh"].startswith("已失效：该政策自2026-01-01起失效")
    early = {**STAY, "date": "2023-03-10"}  # before Guizhou's first day, 2024-08-21
    code, out, _ = run(tmp_path, capsys, {"person": DIBAO, "claims": [early]}, "--json")
    gz = json.loads(out)["guizhou-2024-medical-security"]
    assert code == 0 and gz["state"] == "not-yet" and "2024-08-21" in gz["notes"][0]["zh"]


@pytest.mark.parametrize("scenario, field", [
    ('{"person": {"category": "dibao", "insurance": "resident"}, "claims": [', "scenario"),
    ({"person": DIBAO, "claims": [{**STAY, "policy_range_cost": "20万"}]}, "claims[0].policy_range_cost"),
    ({"policy": "no-such-policy", "person": DIBAO, "claims": [STAY]}, "policy"),
    ({"person": DIBAO}, "claims"),
    ({"person": DIBAO, "claims": [STAY], "inputs": {"critical_illness_base_deductible": "1"}}, "inputs."),
])
def test_bad_input_is_one_line_and_exit_2_with_nothing_on_stdout(tmp_path, capsys, scenario, field):
    code, out, err = run(tmp_path, capsys, scenario)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and english_half(err).startswith("error: ") and field in english_half(err)
    assert chinese_half(err).startswith("输入有误：") and field in chinese_half(err)
