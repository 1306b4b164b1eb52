"""`python -m medrules reform`: a variant of a policy beside its baseline, figures worked by hand from the clause.

Wenzhou 温政办〔2021〕78号 三(三)9 (wenzhou-2021-78/3.3.9): 医疗救助 has no deductible, pays at least 80% of the
year's burden left after the two insurances, with an annual limit of 100,000 yuan (特困 none). 三(三)11: a year's
burden after the four layers above 50,000 is brought down to 50,000 for people in hardship who followed the
treatment guidance and were referred. The reform examples/reform-wenzhou-limit.yaml raises the limit to 120,000
from 2023-01-01 to 2025-12-31.
"""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from _errors import chinese_half

from _wenzhou import REPO
from medrules.cli.main import main
from medrules.core.policy import load_policy
from medrules.analysis.reform import nearest_rank

POLICY = "wenzhou-2021-78"
LIMIT_REFORM = REPO / "examples" / "reform-wenzhou-limit.yaml"
HEADER = ("person_id,statuses,insurance,date,setting,policy_range_cost,basic_insurance_paid,critical_illness_paid,"
          "supplementary_insurance_paid,referred,followed_treatment_guidance\n")
# Every claim carries its two insurance slips, so the burden is the text's arithmetic on these figures alone.
PEOPLE = {
    # 低保, not referred: burden 700,000 − 300,000 − 200,000 = 200,000; 80% = 160,000 held at 100,000; oop 100,000.
    "P1": "P1,dibao,resident,2023-06-01,inpatient,700000,300000,200000,0,false,true",
    # 低保, referred and guided: the same 100,000 assistance; left 100,000 > 50,000, so 三(三)11 resolves 50,000.
    "P2": "P2,dibao,resident,2023-07-01,inpatient,700000,300000,200000,0,true,true",
    # 特困: no limit, 80% × 200,000 = 160,000; left 40,000 ≤ 50,000, nothing to resolve; oop 40,000.
    "P3": "P3,tekun,resident,2023-08-01,inpatient,700000,300000,200000,0,true,true",
    # no status: no assistance; oop 10,000 − 6,000 − 0 = 4,000.
    "P5": "P5,,employee,2023-09-01,inpatient,10000,6000,0,0,false,false",
    # 低保: burden 300,000 − 100,000 − 100,000 = 100,000; 80% = 80,000 under either limit; oop 20,000.
    "P6": "P6,dibao,resident,2023-10-01,inpatient,300000,100000,100000,0,false,true",
    # 低保 in 2022, before the reform starts: 100,000 (the text's limit) both times; oop 100,000.
    "P4": "P4,dibao,resident,2022-06-01,inpatient,700000,300000,200000,0,false,true",
}


def claims_file(tmp_path, names=("P1", "P2", "P3", "P5", "P6")):
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + "\n".join(PEOPLE[n] for n in names) + "\n", encoding="utf-8")
    return path


def run(tmp_path, *extra, claims=None, change=LIMIT_REFORM, capsys=None):
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"critical_illness_base_deductible": 30000}', encoding="utf-8")
    args = ["reform", "--policy", POLICY, str(claims or claims_file(tmp_path)), "--change", str(change),
            "--out", str(tmp_path / "diff.parquet"), "--inputs", str(inputs), *map(str, extra)]
    rc = main(args)
    out = capsys.readouterr() if capsys else None
    return rc, out


def by_person(table, column):
    return {p: v for p, v in zip(table.column("person_id").to_pylist(), table.column(column).to_pylist())}


def test_raising_the_limit_to_120000_pays_the_capped_dibao_person_20000_more(tmp_path, capsys):
    rc, out = run(tmp_path, capsys=capsys)
    assert rc == 0, out.err
    claims = pq.read_table(tmp_path / "diff.parquet")
    # P1: min(80% × 200,000, 120,000) − 100,000 = 120,000 − 100,000 = 20,000 more assistance, 20,000 less oop.
    assert by_person(claims, "medical_assistance_baseline")["P1"] == Decimal("100000.00")
    assert by_person(claims, "medical_assistance_variant")["P1"] == Decimal("120000.00")
    assert by_person(claims, "medical_assistance_change")["P1"] == Decimal("20000.00")
    assert by_person(claims, "out_of_pocket_change")["P1"] == Decimal("-20000.00")
    # P2: also 20,000 more assistance, but then 80,000 is left and 三(三)11 resolves 30,000 instead of 50,000:
    # the relief fund saves 20,000 and the person still pays 50,000.
    assert by_person(claims, "medical_assistance_change")["P2"] == Decimal("20000.00")
    assert by_person(claims, "further_relief_baseline")["P2"] == Decimal("50000.00")
    assert by_person(claims, "further_relief_variant")["P2"] == Decimal("30000.00")
    assert by_person(claims, "out_of_pocket_change")["P2"] == Decimal("0.00")
    # 特困 had no limit to raise; P6's 80,000 was under both limits; P5 has no assistance.
    for p in ("P3", "P5", "P6"):
        assert by_person(claims, "medical_assistance_change")[p] == Decimal("0.00")
    assert claims.schema.field("medical_assistance_change").type == pa.decimal128(18, 2)
    people = pq.read_table(tmp_path / "diff.people.parquet")
    assert by_person(people, "year")["P1"] == 2023
    assert by_person(people, "statuses")["P1"] == "dibao"
    assert by_person(people, "out_of_pocket_variant")["P1"] == Decimal("80000.00")
    # Summary: 低保 (P1, P2, P6) 医疗救助 +20,000 + 20,000 = +40,000; 倾斜救助/化解 −20,000; one person-year gains.
    text = out.out
    dibao = text.split("低保对象 dibao")[1].split("\n\n")[0]
    assert "医疗救助 medical assistance 基金支出变化 cost change: +40,000.00" in dibao
    assert "further relief 基金支出变化 cost change: -20,000.00" in dibao
    assert "少付 gain 1 人年 person-years, 多付 lose 0" in dibao
    assert "基本医保" in dibao.split("不变 unchanged:")[1]


def test_out_of_pocket_percentiles_are_order_statistics_of_the_person_years(tmp_path, capsys):
    # Everyone's year out of pocket, sorted: baseline 4,000 (P5), 20,000 (P6), 40,000 (P3), 50,000 (P2),
    # 100,000 (P1); variant the same with P1 at 80,000. N = 5, nearest rank ⌈p·5/100⌉:
    # P50 → rank 3 = 40,000 both; P90 → rank 5 = 100,000 → 80,000; P99 → rank 5 likewise.
    rc, out = run(tmp_path, capsys=capsys)
    assert rc == 0, out.err
    everyone = out.out.split("全部 everyone")[1]
    assert "P50: 40,000.00 → 40,000.00 (+0.00)" in everyone
    assert "P90: 100,000.00 → 80,000.00 (-20,000.00)" in everyone
    assert "P99: 100,000.00 → 80,000.00 (-20,000.00)" in everyone


def test_nearest_rank_takes_the_value_at_rank_ceiling_of_p_times_n():
    a = np.arange(100, 1100, 100, dtype=np.int64)  # 100 … 1,000 fen, N = 10
    assert nearest_rank(a, 50) == 500    # rank ⌈5⌉ = 5
    assert nearest_rank(a, 90) == 900    # rank ⌈9⌉ = 9
    assert nearest_rank(a, 99) == 1000   # rank ⌈9.9⌉ = 10
    assert nearest_rank(a[:1], 50) == 100 and nearest_rank(a[:0], 50) is None


def test_a_year_before_the_reform_keeps_the_texts_limit(tmp_path, capsys):
    # P4 in 2022: the change holds from 2023-01-01, so 2022 keeps 100,000 under both runs.
    rc, out = run(tmp_path, claims=claims_file(tmp_path, ("P4",)), capsys=capsys)
    assert rc == 0, out.err
    claims = pq.read_table(tmp_path / "diff.parquet")
    assert by_person(claims, "medical_assistance_variant")["P4"] == Decimal("100000.00")
    assert by_person(claims, "medical_assistance_change")["P4"] == Decimal("0.00")


def test_the_baseline_policy_is_not_changed_by_a_reform(tmp_path, capsys):
    rc, _ = run(tmp_path, capsys=capsys)
    assert rc == 0
    values = load_policy(POLICY).parameters["medical_assistance.annual_limit"].values
    assert [v.value for v in values] == [100000]


def change_file(tmp_path, text):
    path = tmp_path / "change.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, field, allowed", [
    ("parameters:\n  medical_assistance.annual_cap:\n    - {from: 2023-01-01, to: null, value: 120000}\n",
     "change.parameters", "allowed: enrolment."),
    ("parameters:\n  medical_assistance.annual_limit:\n    - {from: 2023-01-01, to: null, value: 120000.555}\n",
     "change.parameters.medical_assistance.annual_limit.0.value", "at most two decimals"),
    ("parameters:\n  medical_assistance.ratio:\n    - {from: 2023-01-01, to: null, value: 85%}\n",
     "change.parameters.medical_assistance.ratio.0.value", "ratio between 0 and 1"),
    ("parameters:\n  critical_illness.cap_abolished:\n    - {from: 2023-01-01, to: null, value: 1}\n",
     "change.parameters.critical_illness.cap_abolished.0.value", "allowed true, false"),
    ("parameters:\n  medical_assistance.annual_limit:\n    - {from: 2023-13-01, to: null, value: 120000}\n",
     "change.parameters.medical_assistance.annual_limit.0.from", "YYYY-MM-DD"),
    ("parameters:\n  medical_assistance.annual_limit:\n    - {from: 2024-01-01, to: 2023-01-01, value: 120000}\n",
     "change.parameters.medical_assistance.annual_limit.0", "to on or after from"),
    ("parameters:\n  medical_assistance.annual_limit:\n    - {from: 2023-01-01, value: 120000}\n",
     "change.parameters.medical_assistance.annual_limit.0.to", "required"),
    ("paramaters: {}\n", "change.paramaters", "allowed: parameters, readings"),
    ("readings:\n  wenzhou-2021-78/3.3.11:period: monthly\n", "change.readings.wenzhou-2021-78/3.3.11:period",
     "allowed:"),
])
def test_a_bad_change_file_is_refused_on_one_line_naming_the_field(tmp_path, capsys, text, field, allowed):
    rc, out = run(tmp_path, change=change_file(tmp_path, text), capsys=capsys)
    assert rc == 2
    assert out.err.count("\n") == 1 and f"error: {field}" in out.err and allowed in out.err, out.err
    assert chinese_half(out.err).startswith(f"输入有误：{field}"), out.err
    assert not list(tmp_path.glob("diff*")) and not list(tmp_path.glob(".diff*"))


def test_a_ratio_below_the_texts_floor_is_refused_naming_the_clause_and_the_floor(tmp_path, capsys):
    # 三(三)9: 救助比例不低于80% — 75% is below the floor.
    change = change_file(tmp_path, "parameters:\n  medical_assistance.ratio:\n"
                                   "    - {from: 2023-01-01, to: 2025-12-31, value: 0.75}\n")
    rc, out = run(tmp_path, change=change, capsys=capsys)
    assert rc == 2
    assert "change.parameters.medical_assistance.ratio" in out.err and "75% is below the floor 80%" in out.err
    assert "wenzhou-2021-78/3.3.9" in out.err and "--allow-below-floor" in out.err
    assert not list(tmp_path.glob("diff*"))


def test_allow_below_floor_runs_and_says_so(tmp_path, capsys):
    # At 75%: P1's 75% × 200,000 = 150,000 is still held at 100,000 (no change); P6: 75% × 100,000 = 75,000
    # against 80,000, so 5,000 less assistance and 5,000 more out of pocket.
    change = change_file(tmp_path, "parameters:\n  medical_assistance.ratio:\n"
                                   "    - {from: 2023-01-01, to: 2025-12-31, value: 0.75}\n")
    rc, out = run(tmp_path, "--allow-below-floor", change=change, capsys=capsys)
    assert rc == 0, out.err
    assert "below the text's floor 80% (wenzhou-2021-78/3.3.9); allowed by --allow-below-floor" in out.out
    claims = pq.read_table(tmp_path / "diff.parquet")
    assert by_person(claims, "medical_assistance_change")["P6"] == Decimal("-5000.00")
    assert by_person(claims, "medical_assistance_change")["P1"] == Decimal("0.00")
    assert by_person(claims, "out_of_pocket_change")["P6"] == Decimal("5000.00")


def test_a_ceiling_cannot_be_raised_without_leave(tmp_path, capsys):
    # 三(三)11: 5万元以内 is a ceiling on the burden left; 60,000 is above it.
    change = change_file(tmp_path, "parameters:\n  high_cost.burden_threshold:\n"
                                   "    - {from: 2023-01-01, to: null, value: 60000}\n")
    rc, out = run(tmp_path, change=change, capsys=capsys)
    assert rc == 2 and "above the ceiling 50000" in out.err and "wenzhou-2021-78/3.3.11" in out.err


def test_the_output_never_overwrites_an_input(tmp_path, capsys):
    claims = tmp_path / "claims.parquet"
    pq.write_table(pacsv.read_csv(claims_file(tmp_path)), claims)
    before = claims.read_bytes()
    rc = main(["reform", "--policy", POLICY, str(claims), "--change", str(LIMIT_REFORM), "--out", str(claims)])
    err = capsys.readouterr().err
    assert rc == 2 and "error: out:" in err and "is one of the inputs" in err
    assert claims.read_bytes() == before
    # The per-person file beside the output may not be an input either.
    people = tmp_path / "d.people.parquet"
    people.write_bytes(before)
    rc = main(["reform", "--policy", POLICY, str(people), "--change", str(LIMIT_REFORM), "--out",
               str(tmp_path / "d.parquet")])
    assert rc == 2 and people.read_bytes() == before
    assert not (tmp_path / "d.parquet").exists()


def test_the_command_line_exits_2_on_one_line_and_writes_the_chart(tmp_path):
    claims = claims_file(tmp_path)
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"critical_illness_base_deductible": 30000}', encoding="utf-8")
    base = [sys.executable, "-m", "medrules", "reform", "--policy", POLICY, str(claims), "--out",
            str(tmp_path / "d.parquet"), "--inputs", str(inputs)]
    bad = subprocess.run(base + ["--change", str(change_file(tmp_path, "parameters: {nope: []}\n"))], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "allowed:" in bad.stderr
    good = subprocess.run(base + ["--change", str(LIMIT_REFORM), "--chart", str(tmp_path / "c.png"), "--timings"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG" and "计时 timings" in good.stdout
