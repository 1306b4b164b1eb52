"""`python -m medrules indicators` and `check-scheme`: figures worked by hand from examples/ and small tables.

Zhejiang 2022 p7 sets 综合保障率 ≥ 85% and 个人负担率 ≤ 15% for 2025 (≥ 80% / ≤ 20% at the end of 2022); the formula
is a reading (policies/zhejiang-2022-illness-poverty/readings.yaml). Zhejiang 2019 p8 sets ≥ 60% / ≥ 70%.
"""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _errors import chinese_half, english_half

from _wenzhou import REPO

PEOPLE = REPO / "examples" / "indicators-people.csv"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "medrules", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, encoding="utf-8", timeout=60)


def test_the_example_misses_the_2025_targets_on_total_cost_but_meets_them_on_policy_range_cost():
    # People A, B, C (D is `general`, left out). Three systems: A 50000+15000+15000 = 80000, B 10000+0+6000 = 16000,
    # C 25000+5000+8000 = 38000 → 134000. Total cost 100000+20000+50000 = 170000: 134000/170000 = 78.82% < 85%.
    # Every payer adds B's charity 1000 → 135000; burden (170000 − 135000)/170000 = 35000/170000 = 20.59% > 15%.
    out = cli("indicators", PEOPLE, "--target", "2025")
    assert out.returncode == 0, out.stderr
    assert "134,000.00 / 170,000.00" in out.stdout and "35,000.00 / 170,000.00" in out.stdout
    assert out.stdout.count("未达标 not met") == 2
    assert "p7:expense-base = total" in out.stdout and "(默认 default)" in out.stdout
    assert "left out: 1" in out.stdout
    # Policy-range cost 90000+18000+40000 = 148000: 134000/148000 = 90.54% ≥ 85%; (148000−135000)/148000 = 8.78% ≤ 15%.
    out = cli("indicators", PEOPLE, "--target", "2025", "--readings", REPO / "examples" / "indicators-readings.yaml")
    assert out.returncode == 0, out.stderr
    assert "134,000.00 / 148,000.00" in out.stdout and "13,000.00 / 148,000.00" in out.stdout
    assert out.stdout.count("达标 met") - out.stdout.count("未达标 not met") == 2
    assert "90.54%" in out.stdout and "8.78%" in out.stdout


def test_every_payer_reading_counts_charity_in_the_protection_rate(tmp_path):
    # all_recorded: 135000/170000 = 79.41% (three systems gave 78.82%).
    sel = tmp_path / "r.yaml"
    sel.write_text("zhejiang-2022-illness-poverty/p7:protection-payers: all_recorded\n", encoding="utf-8")
    out = cli("indicators", PEOPLE, "--target", "2025", "--readings", sel)
    assert out.returncode == 0, out.stderr
    assert "135,000.00 / 170,000.00" in out.stdout and "79.41%" in out.stdout


def result_table(tmp_path, rows, policy=b"wenzhou-2021-78", total=False):
    money = pa.decimal128(18, 2)
    names = ["policy_range_cost", "basic_insurance", "critical_illness_insurance", "medical_assistance",
             "supplementary_insurance", "further_relief", "out_of_pocket"] + (["total_cost"] if total else [])
    cols = {"row": pa.array(range(1, len(rows) + 1), pa.int64()),
            "person_id": pa.array([r[0] for r in rows]),
            "date": pa.array([r[1] for r in rows], pa.date32()),
            "setting": pa.array(["inpatient"] * len(rows))}
    for k, name in enumerate(names):
        cols[name] = pa.array([Decimal(r[2 + k]) for r in rows], money)
    path = tmp_path / "result.parquet"
    pq.write_table(pa.table(cols).replace_schema_metadata({b"medrules.policy": policy}), path)
    return path


def test_a_batch_result_is_summed_per_person_per_calendar_year(tmp_path):
    import datetime as dt
    d = dt.date
    # person, date, policy range, basic, critical illness, assistance, supplementary, further relief, out of pocket
    rows = [("p1", d(2022, 3, 1), "50000", "30000", "5000", "9000", "0", "0", "6000"),
            ("p1", d(2022, 9, 1), "30000", "18000", "0", "8000", "0", "0", "4000"),
            ("p2", d(2022, 5, 1), "20000", "12000", "0", "6400", "0", "0", "1600"),
            ("p1", d(2023, 2, 1), "10000", "6000", "0", "3000", "0", "0", "1000")]
    path = result_table(tmp_path, rows)
    # 2022: policy range 50000+30000+20000 = 100000; three systems 44000+26000+18400 = 88400 → 88.40% ≥ 80%;
    # burden 11600/100000 = 11.60% ≤ 20%. 2023: 9000/10000 = 90.00%, 1000/10000 = 10.00%.
    sel = tmp_path / "r.yaml"
    sel.write_text("readings:\n  zhejiang-2022-illness-poverty/p7:expense-base: policy_range\n", encoding="utf-8")
    out = cli("indicators", path, "--target", "end-2022", "--readings", sel)
    assert out.returncode == 0, out.stderr
    assert "batch result of wenzhou-2021-78" in out.stdout
    assert "2022年 year 2022: 2 人 people" in out.stdout and "2023年 year 2023: 1 人 people" in out.stdout
    assert "88,400.00 / 100,000.00" in out.stdout and "11,600.00 / 100,000.00" in out.stdout
    assert "9,000.00 / 10,000.00" in out.stdout and "1,000.00 / 10,000.00" in out.stdout
    assert "not computable: enrolled_with_subsidy" in out.stdout
    assert "no category column: everyone is counted" in out.stdout


def test_a_batch_result_without_total_cost_needs_the_policy_range_reading(tmp_path):
    import datetime as dt
    path = result_table(tmp_path, [("p1", dt.date(2022, 3, 1), "100", "60", "0", "20", "0", "0", "20")])
    out = cli("indicators", path, "--target", "end-2022")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and english_half(out.stderr).startswith("error: total_cost: missing from the input")
    assert "choose policy_range with --readings" in out.stderr


@pytest.mark.parametrize("args, text, field", [
    (("--target", "2024"), None, "target"),
    (("--target", "2025"), "person_id,year,basic_insurance,critical_illness_insurance,medical_assistance\n"
                           "A,2025,100,0,oops\n", "medical_assistance (row 1 (line 2))"),
    (("--target", "2025"), "person_id,year,basic_insurance,critical_illness_insurance\nA,2025,1,0\n",
     "medical_assistance"),
    (("--target", "2025"), "person_id,year,basic_insurance,critical_illness_insurance,medical_assistance,colour\n"
                           "A,2025,1,0,0,red\n", "colour"),
    (("--target", "2025"), "person_id,year,category,basic_insurance,critical_illness_insurance,medical_assistance\n"
                           "A,2025,poor,1,0,0\n", "category (row 1 (line 2))"),
    (("--target", "2025"), "person_id,year,basic_insurance,critical_illness_insurance,medical_assistance\n"
                           "A,2025,1,0,0\nA,2025,1,0,0\n", "person_id (row 2 (line 3))"),
])
def test_bad_indicator_input_exits_2_with_one_line_naming_the_field(tmp_path, args, text, field):
    path = tmp_path / "people.csv"
    path.write_text(text or PEOPLE.read_text(encoding="utf-8"), encoding="utf-8")
    out = cli("indicators", path, *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and english_half(out.stderr).startswith(f"error: {field}:"), out.stderr
    assert chinese_half(out.stderr).startswith(f"输入有误：{field}：")


def test_an_unknown_reading_option_is_refused_naming_the_reading_and_the_options(tmp_path):
    sel = tmp_path / "r.yaml"
    sel.write_text("zhejiang-2022-illness-poverty/p7:expense-base: gross\n", encoding="utf-8")
    out = cli("indicators", PEOPLE, "--target", "2025", "--readings", sel)
    assert out.returncode == 2
    assert english_half(out.stderr) == ("error: readings.zhejiang-2022-illness-poverty/p7:expense-base: unknown option 'gross'; "
                          "allowed: total, policy_range\n")


# --- check-scheme (Zhejiang 2019 p6, p8) ---------------------------------------------------------------------------

def test_the_example_scheme_fails_the_tuberculosis_floor_and_coronary_heart_disease():
    # primary 65% ≥ 60% meets; TB 65% < 70% fails; pharmacy allowed meets; 高血压 糖尿病 肺结核 covered, 冠心病 not;
    # the other 8 conditions cannot be checked → 5 meet, 2 do not, 1 cannot be checked.
    out = cli("check-scheme", REPO / "examples" / "scheme-county.yaml")
    assert out.returncode == 0, out.stderr
    assert "肺结核门诊报销比例 tuberculosis outpatient ratio: 不符合 does not meet" in out.stdout
    assert "病种 冠心病 coronary heart disease: 不符合 does not meet" in out.stdout
    assert "5 符合 meet, 2 不符合 do not meet, 1 无法检查 cannot be checked" in out.stdout
    assert "慢性阻塞性肺疾病" in out.stdout


@pytest.mark.parametrize("text, field", [
    ("primary_ratio: 60\ntuberculosis_ratio: 0.7\npharmacy_purchase_allowed: true\nconditions_covered: []\n",
     "primary_ratio"),
    ("primary_ratio: 0.6\npharmacy_purchase_allowed: true\nconditions_covered: []\n", "tuberculosis_ratio"),
    ("primary_ratio: 0.6\ntuberculosis_ratio: 0.7\npharmacy_purchase_allowed: true\nconditions_covered: []\n"
     "deductible: 100\n", "deductible"),
    ("date: 2019-06-01\nprimary_ratio: 0.6\ntuberculosis_ratio: 0.7\npharmacy_purchase_allowed: true\n"
     "conditions_covered: []\n", "on"),
    ("- 0.6\n", "scheme"),
])
def test_a_bad_scheme_exits_2_with_one_line_naming_the_field(tmp_path, text, field):
    path = tmp_path / "scheme.yaml"
    path.write_text(text, encoding="utf-8")
    out = cli("check-scheme", path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and english_half(out.stderr).startswith(f"error: {field}:"), out.stderr
    assert chinese_half(out.stderr).startswith(f"输入有误：{field}：")


def test_readings_lists_chinese_first_with_the_default_marked():
    out = cli("readings", "zhejiang-2022-illness-poverty")
    assert out.returncode == 0, out.stderr
    assert "  * total: 医疗总费用 · total medical expenses" in out.stdout
    assert "    policy_range: 政策范围内费用" in out.stdout
    bad = cli("readings", "zhejiang-2099")
    assert bad.returncode == 2 and "allowed:" in bad.stderr


def test_the_per_person_reading_averages_personal_rates(tmp_path):
    # Example people A, B, C on total cost: A 80000/100000 = 80%, B 16000/20000 = 80%, C 38000/50000 = 76%;
    # mean (80 + 80 + 76) / 3 = 78.67% < 85%. Burden: A 20%, B (20000 − 17000)/20000 = 15%, C 24%; mean 59/3 = 19.67%.
    sel = tmp_path / "r.yaml"
    sel.write_text("zhejiang-2022-illness-poverty/p7:aggregation: per_person\n", encoding="utf-8")
    out = cli("indicators", PEOPLE, "--target", "2025", "--readings", sel)
    assert out.returncode == 0, out.stderr
    assert "78.67%" in out.stdout and "19.67%" in out.stdout
    assert "mean over the 3 people with expenses" in out.stdout


def test_a_per_person_parquet_table_is_read_exactly_and_a_float_column_is_refused(tmp_path):
    money = pa.decimal128(18, 2)
    cols = {"person_id": pa.array(["A", "B"]), "year": pa.array([2022, 2022], pa.int32()),
            "enrolled_with_subsidy": pa.array([True, False]),
            "total_cost": pa.array([Decimal("1000.00"), Decimal("3000.00")], money),
            "basic_insurance": pa.array([Decimal("600.00"), Decimal("1500.00")], money),
            "critical_illness_insurance": pa.array([Decimal("0.00"), Decimal("500.00")], money),
            "medical_assistance": pa.array([Decimal("200.00"), Decimal("400.00")], money)}
    path = tmp_path / "people.parquet"
    pq.write_table(pa.table(cols), path)
    # 800 + 2400 = 3200 over 4000 = 80.00% ≥ 80%, met; burden 800/4000 = 20.00% ≤ 20%, met; enrolment 1/2 = 50%.
    out = cli("indicators", path, "--target", "end-2022")
    assert out.returncode == 0, out.stderr
    assert "3,200.00 / 4,000.00" in out.stdout and "800.00 / 4,000.00" in out.stdout and "= 1 / 2" in out.stdout
    cols["medical_assistance"] = pa.array([200.0, 400.0], pa.float64())
    pq.write_table(pa.table(cols), path)
    out = cli("indicators", path, "--target", "end-2022")
    assert out.returncode == 2 and english_half(out.stderr).startswith("error: medical_assistance: is a float column")
