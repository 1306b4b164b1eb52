"""`python -m medrules batch` and `explain`: a claims table through 温政办〔2021〕78号 on int64 fen columns.

- Hand-computed results for examples/claims-small.csv (each number worked out below from the clause); its row 1
  (P001) leaves supplementary_insurance_paid blank on purpose, to show a partial result.
- Partial results: an undetermined layer is a null cell, `complete` is false and `undetermined` names the field and
  the clause; claims outside the validity are marked and the others computed.
- `explain RESULT --row N` prints the same steps as the scenario trace of that person; it refuses a row out of
  range, a result whose input changed, and a Parquet file that is not a medrules result.
- Statuses ("dibao;yinbing_zhipin"), and the checks on them.
- Consistency with the scenario entry point (hypothesis), invariants, and what "more cost never means less
  out-of-pocket" really allows.
- Dask on a local in-process cluster gives identical results.
- Hard inputs: each is exit status 2, one line naming row and field, and no output file left behind.

Shorthand in comments: R = policy_range_cost − basic_insurance_paid; D = the critical-illness deductible after the
50% cut of 三(三)9 (base 30,000 → 15,000); MA = medical assistance (三(三)9: 80%, no deductible).
Bounds: 30-60 hypothesis examples per property, no deadline.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from _errors import chinese_half, english_half
from _wenzhou import REPO

import medrules
from medrules import InputError
from medrules.tables.batch import explain_row, format_steps, refuse_contradicted
from medrules.tables.batch_dask import evaluate_table_dask, person_partitions
from medrules.tables.claims_file import BOOL_COLUMNS, claims_from_arrow
from medrules.tables.columns import BatchInputError
from medrules.tables.settle import evaluate_table
from medrules.cli.main import main

POLICY = "wenzhou-2021-78"
LAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
          "further_relief")
OUT = LAYERS + ("out_of_pocket",)
# The columns of a claims table as this file writes them (the person column, category or statuses, goes first).
CLAIM_COLUMNS = ("person_id", "insurance", "date", "setting", "facility", "policy_range_cost", "basic_insurance_paid",
                 "critical_illness_paid", "supplementary_insurance_paid", "referred", "followed_treatment_guidance",
                 "in_city_designated_hospital")
CATEGORIES = ["tekun", "dibao", "dibian", "yinbing_zhipin", "jiance", "tufa_kunnan", "general"]
STATUS_SETS = [(), ("tekun",), ("dibao",), ("dibian",), ("yinbing_zhipin",), ("dibao", "yinbing_zhipin"),
               ("dibian", "yinbing_zhipin"), ("jiance",), ("tufa_kunnan",), ("fanpin_zhipin",), ("dibao", "jiance"),
               ("qita_teshu_kunnan",), ("jiance", "qita_teshu_kunnan")]
# 二: 特困、低保、低边 (and 因病致贫 people only as members of 低保/低边 families) and 县级以上人民政府规定的其他特殊困难人员
# are the people in hardship.
HARDSHIP_STATUSES = {"tekun", "dibao", "dibian", "qita_teshu_kunnan"}
ANNUAL_LIMIT_FEN = 100_000_00    # 三(三)9 救助限额为每人每年10万元
SMALL = REPO / "examples" / "claims-small.csv"
INPUTS_30000 = '{"critical_illness_base_deductible": 30000}'
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen(amount) -> int:
    return int(Decimal(amount) * 100)


def person_column(rows: list[dict]) -> str:
    return "statuses" if "statuses" in rows[0] else "category"


def statuses_text(statuses) -> str:
    return ";".join(statuses)


def write_csv(directory: Path, rows: list[dict], name="claims.csv") -> Path:
    path = Path(directory) / name
    who = person_column(rows)
    # yes/no facts written as a scenario writes them (true/false), not as pandas would (True/False)
    frame = pd.DataFrame([{**{k: ("true" if v is True else "false" if v is False else v) for k, v in r.items()},
                           **({"statuses": statuses_text(r["statuses"])} if who == "statuses" else {})}
                          for r in rows], columns=[who, *CLAIM_COLUMNS])
    frame.to_csv(path, index=False)
    return path


def arrow(rows: list[dict]) -> pa.Table:
    """Claim rows (dicts of text and booleans; statuses as a tuple) as the Arrow table a claims file is read into."""
    who = person_column(rows)
    cols = {who: pa.array([statuses_text(r["statuses"]) if who == "statuses" else r["category"] for r in rows])}
    for c in CLAIM_COLUMNS:
        cols[c] = pa.array([r.get(c) for r in rows], type=pa.bool_() if c in BOOL_COLUMNS else pa.string())
    return pa.table(cols)


def english(undetermined: str) -> str:
    """The English half of a result's `undetermined` sentence, after checking the Chinese half comes first."""
    zh, en = undetermined.split(" · ")
    assert re.search(r"[\u4e00-\u9fff]", zh) and "待定：需" in zh, undetermined
    return en


def batch(rows: list[dict], inputs: dict):
    """The batch evaluation (a Settled: int64 fen per layer, known masks, …) of claim rows given as dicts."""
    return evaluate_table(claims_from_arrow(arrow(rows)), POLICY, inputs)


def settled(s, i: int) -> list:
    """Row i's layers and out_of_pocket as int fen, None where undetermined (or, for out_of_pocket, not in force)."""
    return [int(s.amounts[k][i]) if s.known[k][i] else None for k in LAYERS] + \
        [int(s.amounts["out_of_pocket"][i]) if s.priced[i] else None]


def as_text(values) -> tuple:
    return tuple(None if v is None else f"{v:.2f}" for v in values)


def run_batch_cli(tmp_path, src, inputs=INPUTS_30000, out_name="result.parquet", extra=()) -> tuple[int, Path]:
    out = tmp_path / "out" / out_name
    out.parent.mkdir(exist_ok=True)
    args = ["batch", "--policy", POLICY, str(src), "--out", str(out), *extra]
    if inputs is not None:
        (tmp_path / "inputs.json").write_text(inputs, encoding="utf-8")
        args += ["--inputs", str(tmp_path / "inputs.json")]
    return main(args), out


def one_error_line(capsys) -> str:
    """Exit-2 contract: nothing on stdout, one line on stderr, Chinese first then the English (returned) starting
    with 'error: '."""
    captured = capsys.readouterr()
    assert captured.out == ""
    line = captured.err.strip()
    chinese_half(line)
    assert "\n" not in line and english_half(line).startswith("error: "), captured.err
    return english_half(line)


# ---------------------------------------------------------------------------------------------------------------
# Hand-computed example
# ---------------------------------------------------------------------------------------------------------------

def test_small_example_matches_hand_computed_amounts(tmp_path, capsys):
    """examples/claims-small.csv with a critical-illness base deductible of 30,000 (halved: D = 15,000).

    P001 dibao, 200,000 cost, 110,000 basic: R = 90,000; CI 80% × (90,000 − 15,000) = 60,000; MA 80% × 30,000 =
    24,000; 6,000 left. No supplementary amount on the slip: supplementary insurance is undetermined (三(三)10 sets
    no benefit rules); high-cost resolution after it is 0 whatever it paid (at most 6,000 is left, within 50,000);
    out of pocket 6,000 is an upper bound.
    P002 tekun, in date order: 20 Jan outpatient 1,200.50 cost, 600.25 basic → 600.25 left, below D: CI 0;
    MA 80% = 480.20; 120.05 left. 2 May inpatient 400,000 cost, 150,000 basic → 250,000 left; year burden
    250,600.25 − 15,000 = 235,600.25 × 80% = 188,480.20 CI; MA year burden 600.25 + 61,519.80 = 62,120.05 × 80%
    = 49,696.04 (no limit for 特困), less 480.20 paid = 49,215.84; 12,303.96 left (below 50,000: no resolution).
    P003 general: slips only, no assistance: 80,000 − 50,000 − 10,000 − 0 = 20,000 out of pocket.
    P004 dibian 2024: 29 Feb 300,000/120,000 → 180,000 left; CI 80% × 165,000 = 132,000; MA 80% × 48,000 =
    38,400; supplementary 5,000 (slip); 4,600 left. 15 Nov 150,000/70,000 → 80,000 left; CI year 80% × (260,000 −
    15,000) = 196,000 less 132,000 = 64,000; MA year 80% × (48,000 + 16,000) = 51,200 less 38,400 = 12,800;
    3,200 left (not guided: no resolution).
    """
    inputs = tmp_path / "inputs.json"
    inputs.write_text(INPUTS_30000)
    out = tmp_path / "r.parquet"
    assert main(["batch", "--policy", POLICY, str(SMALL), "--out", str(out), "--inputs", str(inputs)]) == 0
    r = pq.read_table(out)
    for k in OUT:
        assert r.schema.field(k).type == pa.decimal128(18, 2)
    expected = {
        1: ("110000.00", "60000.00", "24000.00", None, "0.00", "6000.00"),
        2: ("150000.00", "188480.20", "49215.84", "0.00", "0.00", "12303.96"),
        3: ("600.25", "0.00", "480.20", "0.00", "0.00", "120.05"),
        4: ("50000.00", "10000.00", "0.00", "0.00", "0.00", "20000.00"),
        5: ("120000.00", "132000.00", "38400.00", "5000.00", "0.00", "4600.00"),
        6: ("70000.00", "64000.00", "12800.00", "0.00", "0.00", "3200.00"),
    }
    got = r.to_pylist()
    assert [rec["row"] for rec in got] == [1, 2, 3, 4, 5, 6]
    for rec in got:
        assert as_text(rec[k] for k in OUT) == expected[rec["row"]], rec["row"]
    assert [rec["complete"] for rec in got] == [False, True, True, True, True, True]
    assert got[0]["undetermined"] == ("商业补充保险待定：需结算单上的商业补充保险支付额"
                                      "（supplementary_insurance_paid），见条款 wenzhou-2021-78/3.3.10 · "
                                      "supplementary_insurance: needs supplementary_insurance_paid "
                                      "(wenzhou-2021-78/3.3.10)")
    assert [rec["undetermined"] for rec in got[1:]] == [None] * 5
    printed = capsys.readouterr().out
    assert printed.startswith("6 笔结算，各层合计（元）：\n6 claims; totals in yuan:")
    assert re.search(r"medical_assistance +124,896\.04\n", printed)  # 24,000 + 49,215.84 + 480.20 + 38,400 + 12,800
    # 5,000 from P004's slip; P001's is undetermined and not counted.
    assert re.search(r"supplementary_insurance +5,000\.00 +\(\+ 1 笔待定 · 1 claim\(s\) undetermined\)", printed)
    # P001 bears at most 6,000 after three layers, within 50,000: no relief whatever supplementary insurance paid.
    assert re.search(r"further_relief +0\.00\n", printed)
    # 6,000 + 12,303.96 + 120.05 + 20,000 + 4,600 + 3,200 = 46,224.01 (P001's 6,000 an upper bound)
    assert re.search(r"out_of_pocket +46,224\.01\n", printed)
    assert "1 claim(s) not complete (0 outside the validity); out_of_pocket is an upper bound" in printed


# ---------------------------------------------------------------------------------------------------------------
# Partial results: null cells, `complete`, `undetermined`, and the totals
# ---------------------------------------------------------------------------------------------------------------

def claim(person, date, cost, basic, ci=None, supplementary="0", *, who=("category", "dibao"), setting="inpatient",
          flags=True, insurance="resident", facility=None) -> dict:
    """One claim row; who = ("category", code) or ("statuses", (status, …)); flags sets referred, guided and city."""
    return {"person_id": person, who[0]: who[1], "insurance": insurance, "date": date, "setting": setting,
            "facility": facility, "policy_range_cost": cost, "basic_insurance_paid": basic,
            "critical_illness_paid": ci, "supplementary_insurance_paid": supplementary, "referred": flags,
            "followed_treatment_guidance": flags, "in_city_designated_hospital": flags}


def result_rows(tmp_path, rows, inputs=INPUTS_30000, engine="pandas") -> list[dict]:
    src = write_csv(tmp_path, rows)
    code, out = run_batch_cli(tmp_path, src, inputs=inputs, extra=("--engine", engine))
    assert code == 0
    return pq.read_table(out).to_pylist()


def test_a_missing_input_leaves_the_layer_and_those_after_it_null_naming_the_input_and_clause(tmp_path, capsys):
    """No critical_illness_base_deductible: the tilted critical-illness rule of 三(三)9 cannot be computed.

    P1 dibao, 10 Mar: 200,000/110,000, no CI slip → CI undetermined (needs the input), and with it MA,
      supplementary and resolution (each settles what the one before leaves); out of pocket 90,000 is an upper
      bound (200,000 − 110,000).
    P1, 1 Jun: 50,000/20,000, CI slip 10,000 → CI known from the slip; MA counts the year's burden, which takes in
      10 Mar's undetermined remainder, so MA is undetermined for the same reason; out of pocket ≤ 50,000 − 20,000 −
      10,000 = 20,000.
    P2 general: 80,000/50,000, CI slip 10,000, supplementary 0: complete; not in hardship, so MA 0 and no
      resolution; 20,000 out of pocket.
    """
    rows = [claim("P1", "2023-03-10", "200000", "110000"),
            claim("P1", "2023-06-01", "50000", "20000", ci="10000"),
            claim("P2", "2023-03-10", "80000", "50000", ci="10000", who=("category", "general"))]
    got = result_rows(tmp_path, rows, inputs="{}")
    # The supplementary slip (0) is a fact the record states: known even where what is left before it is not.
    assert as_text(got[0][k] for k in OUT) == ("110000.00", None, None, "0.00", None, "90000.00")
    assert as_text(got[1][k] for k in OUT) == ("20000.00", "10000.00", None, "0.00", None, "20000.00")
    assert as_text(got[2][k] for k in OUT) == ("50000.00", "10000.00", "0.00", "0.00", "0.00", "20000.00")
    assert [r["complete"] for r in got] == [False, False, True]
    assert english(got[0]["undetermined"]) == ("critical_illness_insurance, medical_assistance, further_relief: needs "
                                      "inputs.critical_illness_base_deductible (wenzhou-2021-78/3.3.9)")
    assert english(got[1]["undetermined"]) == ("medical_assistance, further_relief: needs "
                                      "inputs.critical_illness_base_deductible (wenzhou-2021-78/3.3.9)")
    assert got[2]["undetermined"] is None
    printed = capsys.readouterr().out
    # CI: 10,000 (P1's slip) + 10,000 (P2's slip); P1's 10 Mar claim undetermined.
    assert re.search(r"critical_illness_insurance +20,000\.00 +\(\+ 1 笔待定 · 1 claim\(s\) undetermined\)", printed)
    assert re.search(r"medical_assistance +0\.00 +\(\+ 2 笔待定 · 2 claim\(s\) undetermined\)", printed)
    assert re.search(r"out_of_pocket +130,000\.00\n", printed)   # 90,000 + 20,000 + 20,000, upper bounds included
    assert "2 claim(s) not complete (0 outside the validity)" in printed


def test_a_missing_basic_insurance_amount_leaves_basic_insurance_null_and_a_general_persons_assistance_zero(tmp_path,
                                                                                                          capsys):
    """三(三)9 sets no basic-insurance amounts, so without the slip's basic_insurance_paid that layer cannot be
    settled; out of pocket ≤ the whole policy-range cost 500.50. A general person gets no assistance and no relief
    (二 names who is in hardship) whatever basic insurance paid: 0. The other claim is unaffected (general, 1,000 −
    400 basic − 100 CI − 0 supplementary = 500 out of pocket)."""
    rows = [claim("P1", "2023-04-10", "500.50", None, ci="0", who=("category", "general"), flags=False),
            claim("P2", "2023-04-10", "1000", "400", ci="100", who=("category", "general"), flags=False)]
    got = result_rows(tmp_path, rows)
    # The record's CI (0) and supplementary (0) payments are stated facts; the computed layers wait.
    assert as_text(got[0][k] for k in OUT) == (None, "0.00", "0.00", "0.00", "0.00", "500.50")
    assert got[0]["complete"] is False
    assert english(got[0]["undetermined"]) == "basic_insurance: needs basic_insurance_paid (wenzhou-2021-78/3.3.9)"
    assert as_text(got[1][k] for k in OUT) == ("400.00", "100.00", "0.00", "0.00", "0.00", "500.00")
    assert got[1]["complete"] is True


def test_a_non_hardship_claim_without_a_critical_illness_slip_is_undetermined_not_zero(tmp_path, capsys):
    """The plan defines critical-illness insurance only as its tilt for people in hardship (三(三)9); for a general
    person without the slip amount the layer is undetermined, never a silent 0: 200,000 − 110,000 = 90,000 ≤.
    Assistance and relief are for people in hardship (二): 0 whatever critical-illness insurance paid."""
    got = result_rows(tmp_path, [claim("P1", "2023-03-10", "200000", "110000", who=("category", "general"))])
    assert as_text(got[0][k] for k in OUT) == ("110000.00", None, "0.00", "0.00", "0.00", "90000.00")
    assert got[0]["undetermined"].endswith("needs critical_illness_paid (wenzhou-2021-78/3.3.9)")


# ---------------------------------------------------------------------------------------------------------------
# The validity: claims outside it are marked, the others computed; a table with none in force is refused
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_claims_outside_the_validity_are_marked_and_the_others_computed(tmp_path, capsys, engine):
    """In force 2022-01-01 to 2025-12-31 (wenzhou-2021-78/end). P1's 31 Dec 2021 and P2's 2 Jan 2026 claims are
    outside: every cell null, not complete, and `undetermined` says so. P1's 10 Mar 2023 claim is the README's
    dibao case: R 90,000; CI 80% × (90,000 − 15,000) = 60,000; MA 80% × 30,000 = 24,000; supplementary 0 (slip);
    6,000 left, below 50,000: no resolution."""
    rows = [claim("P1", "2021-12-31", "200000", "110000"),
            claim("P1", "2023-03-10", "200000", "110000"),
            claim("P2", "2026-01-02", "80000", "50000", ci="10000", who=("category", "general"))]
    got = result_rows(tmp_path, rows, engine=engine)
    outside = "不在该政策适用期间（2022-01-01 至 2025-12-31）内 · outside the policy's validity (2022-01-01 to 2025-12-31)"
    for r in (got[0], got[2]):
        assert as_text(r[k] for k in OUT) == (None,) * 6
        assert r["complete"] is False and r["undetermined"] == outside
    assert as_text(got[1][k] for k in OUT) == ("110000.00", "60000.00", "24000.00", "0.00", "0.00", "6000.00")
    assert got[1]["complete"] is True and got[1]["undetermined"] is None
    printed = capsys.readouterr().out
    assert printed.startswith("3 笔结算，各层合计（元）：\n3 claims") and re.search(r"out_of_pocket +6,000\.00\n", printed)
    assert "2 claim(s) not complete (2 outside the validity)" in printed


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_a_table_with_no_claim_in_force_is_refused_naming_the_validity(tmp_path, capsys, engine):
    rows = [claim("P1", "2021-12-31", "200000", "110000"),
            claim("P2", "2026-01-02", "80000", "50000", ci="10000", who=("category", "general"))]
    code, out = run_batch_cli(tmp_path, write_csv(tmp_path, rows), extra=("--engine", engine))
    assert code == 2
    assert one_error_line(capsys) == ("error: claims: no claim falls within wenzhou-2021-78's validity (2022-01-01 "
                                      "to 2025-12-31, clause wenzhou-2021-78/end)")
    assert list(out.parent.iterdir()) == []


# ---------------------------------------------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------------------------------------------

def test_statuses_column_decides_who_is_in_hardship(tmp_path, capsys):
    """The `statuses` column: 'dibao;yinbing_zhipin', empty for none. 二: 因病致贫 counts only inside 低保/低边.

    P1 dibao;yinbing_zhipin (second row spelt 'yinbing_zhipin; dibao': the same set, no conflict):
      10 Mar 200,000/110,000 → CI 60,000, MA 24,000, 6,000 left (as the README's dibao case).
      1 Jun outpatient 1,000/500, not referred → CI year 80% × (90,000 + 500 − 15,000) = 60,400 less 60,000 = 400;
      MA year 80% × (30,000 + 100) = 24,080 less 24,000 = 80; 20 left; not eligible for resolution.
    P2 yinbing_zhipin alone: not in hardship → CI from the slip 30,000; MA 0; no resolution;
      200,000 − 110,000 − 30,000 = 60,000 out of pocket; no deposit waiver.
    P3 empty statuses: no status; no CI slip → CI undetermined (critical_illness_paid, 三(三)9); not in hardship,
      so no assistance or relief whatever it is; out of pocket ≤ 200,000 − 110,000 = 90,000.
    """
    rows = [claim("P1", "2023-03-10", "200000", "110000", who=("statuses", ("dibao", "yinbing_zhipin"))),
            claim("P1", "2023-06-01", "1000", "500", who=("statuses", ("yinbing_zhipin", " dibao")),
                  setting="outpatient", flags=False),
            claim("P2", "2023-03-10", "200000", "110000", ci="30000", who=("statuses", ("yinbing_zhipin",))),
            claim("P3", "2023-03-10", "200000", "110000", who=("statuses", ()))]
    got = result_rows(tmp_path, rows)
    assert as_text(got[0][k] for k in OUT) == ("110000.00", "60000.00", "24000.00", "0.00", "0.00", "6000.00")
    assert as_text(got[1][k] for k in OUT) == ("500.00", "400.00", "80.00", "0.00", "0.00", "20.00")
    assert as_text(got[2][k] for k in OUT) == ("110000.00", "30000.00", "0.00", "0.00", "0.00", "60000.00")
    assert as_text(got[3][k] for k in OUT) == ("110000.00", None, "0.00", "0.00", "0.00", "90000.00")
    assert [r["pay_after_treatment"] for r in got[:3]] == [True, False, False]
    assert got[3]["undetermined"].endswith("needs critical_illness_paid (wenzhou-2021-78/3.3.9)")


STATUS_HEADER = "person_id,statuses,insurance,date,setting,policy_range_cost,basic_insurance_paid,critical_illness_paid"
ALLOWED_STATUSES = ("tekun, dibao, dibian, yinbing_zhipin, fanpin_zhipin, jiance, tufa_kunnan, kunnan_zhigong, "
                    "qita_teshu_kunnan")


@pytest.mark.parametrize("second_row,pattern", [
    ("P2,wubao,resident,2023-04-10,outpatient,500,100,0",
     rf"^error: row 2 \(line 3\), statuses: 'wubao' is not a status; allowed: {ALLOWED_STATUSES}, separated by ';' "
     r"\(empty for none\)$"),
    ("P2,dibao;dibao,resident,2023-04-10,outpatient,500,100,0", r"row 2 \(line 3\), statuses: a status is named "
                                                                r"twice; allowed: tekun"),
    ("P1,dibao,resident,2023-04-10,outpatient,500,100,0",
     r"^error: row 2 \(line 3\), statuses: 'dibao' differs from 'dibao;yinbing_zhipin' given for the same person_id "
     r"on row 1 \(line 2\)"),
    ("P1,,resident,2023-04-10,outpatient,500,100,0", r"row 2 \(line 3\), statuses: '\(none\)' differs from "
                                                     r"'dibao;yinbing_zhipin'"),
])
def test_bad_statuses_exit_2_naming_row_and_allowed_values(tmp_path, capsys, second_row, pattern):
    src = tmp_path / "claims.csv"
    src.write_text(f"{STATUS_HEADER}\nP1,dibao;yinbing_zhipin,resident,2023-03-10,inpatient,200000,110000,\n"
                   f"{second_row}\n")
    code, out = run_batch_cli(tmp_path, src)
    assert code == 2
    assert re.search(pattern, one_error_line(capsys))
    assert list(out.parent.iterdir()) == []


def test_a_table_with_both_statuses_and_category_is_refused(tmp_path, capsys):
    src = tmp_path / "claims.csv"
    src.write_text("person_id,statuses,category,insurance,date,setting,policy_range_cost\n"
                   "P1,dibao,dibao,resident,2023-03-10,inpatient,200000\n")
    code, out = run_batch_cli(tmp_path, src)
    assert code == 2
    assert "claims: give exactly one of the columns statuses" in one_error_line(capsys)
    assert list(out.parent.iterdir()) == []


# ---------------------------------------------------------------------------------------------------------------
# explain RESULT --row N: the scenario's trace of that claim
# ---------------------------------------------------------------------------------------------------------------

def scenario_claim(row: dict) -> dict:
    """A claims-table row (CSV text or Python values) as a scenario claim."""
    out = {"date": row["date"], "setting": row["setting"], "policy_range_cost": row["policy_range_cost"]}
    for k in ("facility", "basic_insurance_paid", "critical_illness_paid", "supplementary_insurance_paid"):
        if row.get(k) not in (None, ""):
            out[k] = row[k]
    for k in BOOL_COLUMNS:
        out[k] = row.get(k) in (True, "true")
    return out


def scenario_person(row: dict) -> dict:
    who = {"statuses": list(row["statuses"])} if "statuses" in row else {"category": row["category"]}
    return {**who, "insurance": row["insurance"]}


def scenario_of(rows: list[dict], person: str, inputs: dict) -> tuple[dict, list[int]]:
    """The scenario of one person of a claims table (claims in table order) and the table rows (1-based) it holds."""
    mine = [i for i, r in enumerate(rows) if r["person_id"] == person]
    return ({"policy": POLICY, "person": scenario_person(rows[mine[0]]),
             "claims": [scenario_claim(rows[i]) for i in mine], "inputs": dict(inputs)}, [i + 1 for i in mine])


def scenario_steps(rows, row: int, inputs) -> list:
    """The scenario trace steps of table row `row` (1-based), from medrules.evaluate on its person's scenario."""
    data, table_rows = scenario_of(rows, rows[row - 1]["person_id"], inputs)
    result = medrules.evaluate(medrules.parse_scenario(data))
    k = table_rows.index(row)
    return [s for s in result.trace if s.claim == k]


def comparable(steps) -> list[tuple]:
    return [(s.layer, s.rule, s.clause, s.amount, s.explanation, s.params, s.readings) for s in steps]


@pytest.fixture(scope="module")
def small_result(tmp_path_factory):
    d = tmp_path_factory.mktemp("explain")
    src = d / "claims-small.csv"
    src.write_bytes(SMALL.read_bytes())
    (d / "inputs.json").write_text(INPUTS_30000)
    assert main(["batch", "--policy", POLICY, str(src), "--out", str(d / "r.parquet"), "--inputs",
                 str(d / "inputs.json")]) == 0
    with open(src, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return src, d / "r.parquet", rows


@pytest.mark.parametrize("row", [1, 2, 3, 4, 5, 6])
def test_explain_prints_the_scenario_trace_of_that_claim(small_result, capsys, row):
    """Every row of examples/claims-small.csv: the same steps (layer, rule, clause, amount, explanation, values)
    as medrules.evaluate gives for that person's scenario, in text and in JSON."""
    src, result, rows = small_result
    capsys.readouterr()
    expected = scenario_steps(rows, row, {"critical_illness_base_deductible": "30000"})
    assert [s.layer for s in expected] == list(LAYERS) + ["pay_after_treatment"]
    got = explain_row(result, row)
    assert comparable(got) == comparable(expected)
    assert main(["explain", str(result), "--row", str(row)]) == 0
    assert capsys.readouterr().out == format_steps(expected) + "\n"
    assert main(["explain", str(result), "--row", str(row), "--json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    drop_claim = [{k: v for k, v in s.to_dict().items() if k != "claim"} for s in expected]
    assert [{k: v for k, v in s.items() if k != "claim"} for s in as_json] == drop_claim
    assert {s["claim"] for s in as_json} == {row}


def test_explain_shows_the_hand_worked_figures_and_the_undetermined_layers(small_result):
    """Row 2 (P002's May claim, see the hand-computed example): CI 188,480.20 on a year burden of 250,600.25.
    Row 1 (P001, no supplementary amount): the supplementary step names the missing field and its clause; the
    resolution step settles 0, the burden counted at its most (6,000, as if supplementary paid nothing) being within
    50,000."""
    _, result, _ = small_result
    ci = explain_row(result, 2)[1]
    assert (ci.layer, ci.clause, ci.amount) == ("critical_illness_insurance", "wenzhou-2021-78/3.3.9",
                                                Decimal("188480.20"))
    assert "burden after basic insurance this year 250,600.25; halved deductible 15,000.00" in ci.explanation
    steps = {s.layer: s for s in explain_row(result, 1)}
    assert steps["medical_assistance"].amount == Decimal("24000.00")
    sup, fr = steps["supplementary_insurance"], steps["further_relief"]
    assert (sup.amount, sup.clause) == (None, "wenzhou-2021-78/3.3.10")
    assert sup.explanation_en.startswith("undetermined: needs supplementary_insurance_paid")
    assert sup.explanation.startswith("待定：需提供结算单上的商业补充保险支付额（supplementary_insurance_paid）。本方案将")
    assert fr.amount == Decimal("0.00")
    assert "burden after four layers this year 6,000.00; the part above 50,000.00 is resolved: 0.00" in \
        fr.explanation_en
    assert fr.explanation == fr.explanation_zh + " · " + fr.explanation_en


def test_explain_of_a_claim_outside_the_validity_is_the_scenarios(tmp_path, capsys):
    rows = [claim("P1", "2021-12-31", "200000", "110000"), claim("P1", "2023-03-10", "200000", "110000")]
    src = write_csv(tmp_path, rows)
    code, out = run_batch_cli(tmp_path, src)
    assert code == 0
    steps = explain_row(out, 1)
    inputs = {"critical_illness_base_deductible": "30000"}
    assert comparable(steps) == comparable(scenario_steps(rows, 1, inputs))
    assert [(s.layer, s.clause, s.amount) for s in steps] == [("in_force", "wenzhou-2021-78/end", None)]
    assert "outside the policy's validity (2022-01-01 to 2025-12-31)" in steps[0].explanation
    assert comparable(explain_row(out, 2)) == comparable(scenario_steps(rows, 2, inputs))


@pytest.mark.parametrize("row", [0, 7, -1])
def test_explain_refuses_a_row_out_of_range(small_result, capsys, row):
    _, result, _ = small_result
    capsys.readouterr()
    assert main(["explain", str(result), "--row", str(row)]) == 2
    assert one_error_line(capsys) == f"error: row: {row} is not a row of {result}; allowed: 1 to 6"


def test_explain_refuses_a_result_whose_input_changed_or_is_gone(tmp_path, capsys):
    src = tmp_path / "claims.csv"
    src.write_bytes(SMALL.read_bytes())
    code, out = run_batch_cli(tmp_path, src)
    assert code == 0
    capsys.readouterr()
    # The same size, one figure changed: only the sha256 can tell.
    src.write_text(SMALL.read_text().replace("200000,110000", "200000,110001"))
    assert src.stat().st_size == SMALL.stat().st_size
    assert main(["explain", str(out), "--row", "1"]) == 2
    assert re.search(rf"^error: result: the input {re.escape(str(src))} has changed since .* re-run batch$",
                     one_error_line(capsys))
    src.unlink()
    assert main(["explain", str(out), "--row", "1"]) == 2
    assert re.search(r"^error: result: the input .*claims\.csv that .* was computed from is gone$",
                     one_error_line(capsys))


@pytest.mark.parametrize("kind", ["plain-parquet", "claims-parquet", "not-parquet", "missing"])
def test_explain_refuses_a_file_that_is_not_a_medrules_result(tmp_path, capsys, kind):
    path = tmp_path / "x.parquet"
    if kind == "plain-parquet":
        pq.write_table(pa.table({"row": [1], "out_of_pocket": [Decimal("1.00")]}), path)
    elif kind == "claims-parquet":   # a claims file is Parquet too, but not a result
        pq.write_table(arrow([claim("P1", "2023-03-10", "200000", "110000")]), path)
    elif kind == "not-parquet":
        path.write_bytes(b"PAR1 not really")
    assert main(["explain", str(path), "--row", "1"]) == 2
    line = one_error_line(capsys)
    if kind in ("plain-parquet", "claims-parquet"):
        assert line == f"error: result: {path} is not a medrules batch result (no provenance in its metadata)"
    else:
        assert line.startswith(f"error: result: {path} is not a readable Parquet result")


# ---------------------------------------------------------------------------------------------------------------
# Consistency with the scenario entry point
# ---------------------------------------------------------------------------------------------------------------

DATES = [dt.date(2022, 1, 1), dt.date(2022, 12, 31), dt.date(2023, 3, 10), dt.date(2023, 3, 10),
         dt.date(2023, 7, 1), dt.date(2024, 2, 29), dt.date(2025, 12, 31)]


@st.composite
def claim_rows(draw, hardship: bool):
    # Small outpatient bills, large inpatient ones, and a few very large ones that reach the assistance limit and
    # the high-cost resolution threshold.
    cost = draw(st.one_of(st.integers(0, 2_000_00), st.integers(0, 600_000_00),
                          st.integers(1_000_000_00, 3_000_000_00)))
    basic = draw(st.integers(0, cost))
    # Few distinct dates, so that ties (kept in input order) and year boundaries come up often.
    date = draw(st.one_of(st.sampled_from(DATES), st.dates(dt.date(2022, 1, 1), dt.date(2025, 12, 31))))
    row = {"date": date.isoformat(), "setting": draw(st.sampled_from(["inpatient", "outpatient"])),
           "facility": draw(st.sampled_from([None, "village", "township", "secondary", "tertiary"])),
           "policy_range_cost": yuan(cost), "basic_insurance_paid": yuan(basic),
           "critical_illness_paid": None, "supplementary_insurance_paid": None,
           "referred": draw(st.booleans()), "followed_treatment_guidance": draw(st.booleans()),
           "in_city_designated_hospital": draw(st.booleans())}
    left = cost - basic
    # Missing slip amounts now and then: the layer (and those after it) is then undetermined in both.
    if draw(st.integers(0, 9)) == 0:
        row["basic_insurance_paid"] = None
    if (not hardship and draw(st.integers(0, 4)) > 0) or draw(st.integers(0, 3)) == 0:
        ci = draw(st.integers(0, left))
        row["critical_illness_paid"] = yuan(ci)
        left -= ci
    supplementary = draw(st.integers(0, 4))
    if supplementary == 0:
        row["supplementary_insurance_paid"] = yuan(draw(st.integers(0, left // 20)))
    elif supplementary < 4:
        row["supplementary_insurance_paid"] = "0"
    return row


@st.composite
def populations(draw, max_people=6, max_claims=6):
    inputs = {}
    if draw(st.integers(0, 5)):   # now and then no base deductible: the tilted CI is undetermined
        inputs["critical_illness_base_deductible"] = yuan(draw(st.integers(0, 100_000_00)))
    for name in ("critical_illness_ratio", "medical_assistance_ratio"):
        if draw(st.booleans()):
            inputs[name] = str(Decimal(draw(st.integers(800, 1000))) / 1000)   # 0.8 to 1, e.g. 0.825
    by_statuses = draw(st.booleans())   # one table has either the statuses or the category column
    people = []
    for p in range(draw(st.integers(1, max_people))):
        if by_statuses:
            statuses = draw(st.sampled_from(STATUS_SETS))
            who = {"statuses": statuses}
        else:
            category = draw(st.sampled_from(CATEGORIES))
            statuses = () if category == "general" else (category,)
            who = {"category": category}
        hardship = bool(HARDSHIP_STATUSES & set(statuses))
        insurance = draw(st.sampled_from(["resident", "employee"]))
        claims = draw(st.lists(claim_rows(hardship), min_size=1, max_size=max_claims))
        people.append((f"P{p:03d}", who, insurance, claims, hardship))
    # Interleave the people's claims in a drawn order: the table need not be sorted.
    rows = [{"person_id": pid, **who, "insurance": ins, "hardship": hs, **c} for pid, who, ins, cs, hs in people
            for c in cs]
    rows = draw(st.permutations(rows))
    keys = [(r["person_id"], r["date"], r["setting"], r["policy_range_cost"], r["basic_insurance_paid"],
             r["critical_illness_paid"], r["supplementary_insurance_paid"]) for r in rows]
    assume(len(set(keys)) == len(keys))   # exact duplicates are refused by batch (tested below)
    return rows, inputs


def scenario_results(rows, inputs):
    """Per row: the scenario engine's claim result (amounts as Decimal, None where undetermined), one scenario per
    person; or the InputError it raises."""
    out = [None] * len(rows)
    for pid in dict.fromkeys(r["person_id"] for r in rows):
        data, table_rows = scenario_of(rows, pid, inputs)
        result = medrules.evaluate(medrules.parse_scenario(data))
        for row, c in zip(table_rows, result.claims):
            out[row - 1] = c
    return out


@PROPERTY
@given(populations())
def test_batch_agrees_with_the_scenario_engine_to_the_fen(drawn):
    """A consistency check, no longer a parity between two encodings: batch and scenario now run the same rules
    (medrules.core.engine.run on one columnar encoding), so this guards the table path — reading and validating the
    table, chunking, the person and year grouping of interleaved rows, and the result columns — not the rules.
    Figures come from the hand-worked tests above and in test_wenzhou_2021_78.py."""
    rows, inputs = drawn
    expected = scenario_results(rows, inputs)   # a supplementary slip above what three layers left: unsettled in both
    got = batch(rows, inputs)
    for i, e in enumerate(expected):
        assert settled(got, i) == [None if e[k] is None else fen(e[k]) for k in OUT], (i, rows[i])
        assert bool(got.complete[i]) == e["complete"]
        assert {k for k in LAYERS if not got.known[k][i]} == set(e.get("undetermined", {}))
        values, given = got.decisions["pay_after_treatment"]
        assert (bool(values[i]) if given[i] else None) == e["pay_after_treatment"]


@settings(PROPERTY, max_examples=40)
@given(populations(max_people=4, max_claims=8))
def test_invariants_hold_over_every_persons_claims(drawn):
    rows, inputs = drawn
    got = batch(rows, inputs)
    assume(not got.contradicted.any())   # a supplementary slip above what three layers left: tested on its own
    year_ma = {}
    for i, r in enumerate(rows):
        left = fen(r["policy_range_cost"])
        values = settled(got, i)
        for k, v in zip(LAYERS, values):   # no layer pays more than what remains, none pays less than 0
            if v is None:
                continue
            assert 0 <= v <= left, (k, i)
            left -= v
        # Once a layer is undetermined, a layer after it is known only where the record states its amount (a slip
        # amount) or where it owes 0 whatever the undetermined amount is (not in its group; the burden at its most
        # within its threshold).
        stated = {"basic_insurance": "basic_insurance_paid", "critical_illness_insurance": "critical_illness_paid",
                  "supplementary_insurance": "supplementary_insurance_paid"}
        known = [v is not None for v in values[:len(LAYERS)]]
        first_open = known.index(False) if False in known else len(LAYERS)
        for layer, is_known in list(zip(LAYERS, known))[first_open:]:
            assert not is_known or r.get(stated.get(layer, "")) is not None or values[LAYERS.index(layer)] == 0, \
                (i, layer, known)
        assert values[-1] == left >= 0     # out of pocket: what the known layers leave (an upper bound if not all)
        if "tekun" not in r.get("statuses", (r.get("category"),)):
            key = (r["person_id"], r["date"][:4])
            year_ma[key] = year_ma.get(key, 0) + (values[2] or 0)
    assert all(v <= ANNUAL_LIMIT_FEN for v in year_ma.values()), year_ma


def _year_totals(rows, got, person, year):
    idx = [i for i, r in enumerate(rows) if r["person_id"] == person and r["date"][:4] == year]
    return (sum(int(got.amounts["out_of_pocket"][i]) for i in idx),
            sum(int(got.amounts["out_of_pocket"][i]) + int(got.amounts["further_relief"][i]) * got.known[
                "further_relief"][i] for i in idx),
            all(got.complete[i] for i in idx))


@settings(PROPERTY, max_examples=40)
@given(populations(max_people=3, max_claims=5), st.data())
def test_more_cost_never_means_less_burden_and_less_out_of_pocket_only_across_mixed_eligibility(drawn, more):
    """Raise one claim's policy_range_cost (slips unchanged). What holds, and was checked against the rules:

    - the person's year burden before high-cost resolution (out_of_pocket + further_relief where known) never
      falls: the year's critical-illness, assistance and resolution amounts are functions of the year's running
      totals, and with ratios at most 1 and half-up rounding each layer takes at most the rise it is given;
    - the year's out_of_pocket never falls when all that year's claims are alike for 三(三)11 (all eligible, or
      none) and complete: resolution then caps the whole year's burden, which is monotone (with an undetermined
      claim its out_of_pocket is only an upper bound, not capped by resolution, so the sum need not be monotone);
    - it CAN fall when the year mixes eligible and ineligible claims (pinned by the next test), so "more cost
      never means less out-of-pocket" is not a property of these rules;
    - other people and other years do not change at all.
    """
    rows, inputs = drawn
    k = more.draw(st.integers(0, len(rows) - 1), label="raised row")
    rise = more.draw(st.integers(1, 100_000_00), label="rise in fen")
    raised = [dict(r) for r in rows]
    raised[k]["policy_range_cost"] = yuan(fen(rows[k]["policy_range_cost"]) + rise)
    try:
        before, after = batch(rows, inputs), batch(raised, inputs)
    except InputError as e:
        assume(not e.field.endswith(("supplementary_insurance_paid", "person_id")))   # a slip above the cost; a row twice
        raise
    # A supplementary slip above what three layers left is a record problem (its claim is not settled): tested on
    # its own.
    assume(not before.contradicted.any() and not after.contradicted.any())
    person, year = rows[k]["person_id"], rows[k]["date"][:4]
    (oop0, burden0, complete0) = _year_totals(rows, before, person, year)
    (oop1, burden1, complete1) = _year_totals(raised, after, person, year)
    assert burden1 >= burden0
    same_year = [r for r in rows if r["person_id"] == person and r["date"][:4] == year]
    if len({r["hardship"] and r["followed_treatment_guidance"] and r["referred"] for r in same_year}) == 1 \
            and complete0 and complete1:
        assert oop1 >= oop0
    for i, r in enumerate(rows):
        if (r["person_id"], r["date"][:4]) != (person, year):
            assert settled(after, i) == settled(before, i)


def test_raising_an_eligible_claims_cost_can_lower_the_years_out_of_pocket_when_a_later_claim_is_not():
    """A counterexample to "more cost never means less out-of-pocket", worked by hand.

    dibao, critical-illness base deductible 500,000 (halved: 250,000), 2023, basic insurance 0 and supplementary 0
    on both claims.
    A, 1 Mar, eligible for 三(三)11: cost 200,000. CI: year burden 200,000 < 250,000 → 0. MA: 80% × 200,000 =
      160,000, limited to 100,000. 100,000 left; year eligible burden 100,000 − 50,000 resolved = 50,000;
      A's out of pocket 50,000.
    B, 1 Jun, not referred (so not eligible): cost 100,000. CI: 80% × (300,000 − 250,000) = 40,000; 60,000 left;
      MA: limit used up, 0; no resolution. B's out of pocket 60,000. Year: 110,000.
    A raised to 210,000: CI 0 (210,000 < 250,000); MA 100,000 (limit); 110,000 left, 60,000 resolved; A's out of
      pocket still 50,000. B: CI 80% × (310,000 − 250,000) = 48,000 (the deductible was used up by A); 52,000 left.
      Year: 102,000 — less than before, although the cost rose by 10,000.
    """
    inputs = {"critical_illness_base_deductible": "500000"}

    def rows(a_cost):
        common = {"person_id": "X", "category": "dibao", "insurance": "resident", "setting": "inpatient",
                  "facility": None, "basic_insurance_paid": "0", "critical_illness_paid": None,
                  "supplementary_insurance_paid": "0", "in_city_designated_hospital": True,
                  "followed_treatment_guidance": True}
        return [{**common, "date": "2023-03-01", "policy_range_cost": a_cost, "referred": True},
                {**common, "date": "2023-06-01", "policy_range_cost": "100000", "referred": False}]
    before, after = batch(rows("200000"), inputs), batch(rows("210000"), inputs)
    assert settled(before, 0) == [0, 0, 100_000_00, 0, 50_000_00, 50_000_00]
    assert settled(before, 1) == [0, 40_000_00, 0, 0, 0, 60_000_00]
    assert settled(after, 0) == [0, 0, 100_000_00, 0, 60_000_00, 50_000_00]
    assert settled(after, 1) == [0, 48_000_00, 0, 0, 0, 52_000_00]


@settings(PROPERTY, max_examples=30)
@given(populations(max_people=4, max_claims=6))
def test_parameters_are_taken_by_date_from_the_policy_data(drawn):
    """A hypothetical dated change in the policy data (not in the text: a test fixture) reaches both entry points
    alike: the assistance ratio floor rises to 85% from 2024-01-01 and the annual limit is 80,000 from 2025-01-01.
    The rules must follow the dates in parameters.yaml, not a number written in code. (Changes fall on 1 January:
    a ratio raised mid-year would be applied to the whole year's running burden, and a claim with nothing left
    could then be owed a catch-up — the engine stops with RuleError.)"""
    import dataclasses
    from medrules.core.rulebook import _days_table
    policy = medrules.load_policy(POLICY)
    saved = dict(policy.parameters)
    changes = {"medical_assistance.ratio": (Decimal("0.85"), dt.date(2024, 1, 1)),
               "medical_assistance.annual_limit": (80000, dt.date(2025, 1, 1))}
    try:
        for name, (value, start) in changes.items():
            old = saved[name]
            first = dataclasses.replace(old.values[0], end=start - dt.timedelta(days=1))
            later = dataclasses.replace(old.values[0], start=start, value=value)
            policy.parameters[name] = dataclasses.replace(old, values=(first, later))
        _days_table.cache_clear()
        rows, inputs = drawn
        if Decimal(inputs.get("medical_assistance_ratio", 1)) < Decimal("0.85"):   # below the new floor
            inputs = {k: v for k, v in inputs.items() if k != "medical_assistance_ratio"}
        test_batch_agrees_with_the_scenario_engine_to_the_fen.hypothesis.inner_test((rows, inputs))
    finally:
        policy.parameters.clear()
        policy.parameters.update(saved)
        _days_table.cache_clear()


def assert_same_settlement(a, b):
    for k in OUT:
        assert np.array_equal(a.amounts[k], b.amounts[k]), k
    for k in LAYERS:
        assert np.array_equal(a.known[k], b.known[k]), k
    assert np.array_equal(a.in_force, b.in_force)
    assert list(a.undetermined) == list(b.undetermined)
    assert a.decisions.keys() == b.decisions.keys()
    for k, (values, given) in a.decisions.items():
        assert np.array_equal(given, b.decisions[k][1]), k
        assert np.array_equal(values[given], b.decisions[k][0][given]), k


def test_chunks_cut_at_person_boundaries_give_the_same_results_as_one_chunk():
    inputs = {"critical_illness_base_deductible": "30000"}
    t = claims_from_arrow(arrow(synthetic_rows(people=40, claims=400, seed=5)))
    whole = evaluate_table(t, POLICY, inputs, chunk_rows=10**6, threads=1)
    # Chunks smaller than many people's claim counts, one at a time and several at once on threads.
    for threads in (1, 3):
        assert_same_settlement(whole, evaluate_table(t, POLICY, inputs, chunk_rows=7, threads=threads))
    assert not whole.complete.all() and whole.complete.any()


def test_on_threads_a_record_that_contradicts_itself_is_marked_alike_and_strict_names_the_first():
    """Two rows, persons far apart in rule order, each with a supplementary amount more than is left (tekun, 1,000
    cost, no basic or CI: MA 80% = 800, 200 left, the record says 1,000): on 1 or 4 threads both are left unsettled
    with the same reason, and --strict's refusal names the first in table order (row 21)."""
    inputs = {"critical_illness_base_deductible": "30000"}
    rows = synthetic_rows(people=40, claims=400, seed=5)
    for i, person in ((350, "zz-late"), (20, "aa-early")):
        rows[i].update(policy_range_cost="1000", basic_insurance_paid="0", critical_illness_paid="0",
                       supplementary_insurance_paid="1000", category="tekun", person_id=person)
    t = claims_from_arrow(arrow(rows))
    errors, settled_runs = [], []
    for threads in (1, 4):
        s = evaluate_table(t, POLICY, inputs, chunk_rows=5, threads=threads)
        settled_runs.append(s)
        with pytest.raises(InputError) as e:
            refuse_contradicted(t, s)
        errors.append(str(e.value))
    assert_same_settlement(*settled_runs)
    assert list(np.flatnonzero(settled_runs[0].contradicted)) == [20, 350]
    assert errors[0] == errors[1]
    assert errors[0].startswith("row 21: settlement record contradicts itself, every layer undetermined: the record "
                                "says this fund paid more than was left after the layers before it "
                                "(supplementary_insurance_paid) (--strict")


# ---------------------------------------------------------------------------------------------------------------
# Dask: partitioned by person, identical results
# ---------------------------------------------------------------------------------------------------------------

def synthetic_rows(people=300, claims=2000, seed=11) -> list[dict]:
    """Seeded random claims, rows in random order, people spread over the whole table; about one claim in ten
    without a supplementary amount (partial results)."""
    rng = np.random.default_rng(seed)
    cats = rng.choice(CATEGORIES, size=people)
    rows = []
    for i in range(claims):
        p = int(rng.integers(0, people))
        hardship = cats[p] in HARDSHIP_STATUSES
        cost = int(rng.integers(0, 400_000_00)) if rng.random() < 0.3 else int(rng.integers(0, 5_000_00))
        basic = int(cost * rng.uniform(0.3, 0.8))
        ci = None if hardship and rng.random() < 0.8 else yuan(int((cost - basic) * rng.uniform(0, 0.5)))
        rows.append({"person_id": f"person-{p}", "category": str(cats[p]), "insurance": "resident",
                     "date": str(np.datetime64("2022-01-01") + int(rng.integers(0, 1461))),
                     "setting": "inpatient" if rng.random() < 0.4 else "outpatient", "facility": None,
                     "policy_range_cost": yuan(cost), "basic_insurance_paid": yuan(basic),
                     "critical_illness_paid": ci, "supplementary_insurance_paid": None if rng.random() < 0.1 else "0",
                     "referred": bool(rng.random() < 0.6), "followed_treatment_guidance": bool(rng.random() < 0.7),
                     "in_city_designated_hospital": bool(rng.random() < 0.8)})
    return rows


def test_dask_on_a_local_cluster_gives_identical_results_to_the_pandas_engine():
    from distributed import Client, LocalCluster
    inputs = {"critical_illness_base_deductible": "30000"}
    t = claims_from_arrow(arrow(synthetic_rows()))
    expected = evaluate_table(t, POLICY, inputs)
    # In-process cluster (no sockets: inproc transport), 2 small workers, bounded.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                      memory_limit="1GiB") as cluster, Client(cluster):
        got = evaluate_table_dask(t, POLICY, inputs, npartitions=4)
        # A record that contradicts the layers is left unsettled on a worker as on one thread: tekun, 1,000 cost,
        # no basic or CI → MA 80% × 1,000 = 800 first, 200 left; the record's supplementary 1,000 is more.
        rows = synthetic_rows(people=5, claims=20)
        rows[0].update(policy_range_cost="1000", basic_insurance_paid="0", critical_illness_paid="0",
                       supplementary_insurance_paid="1000", category="tekun", person_id="new")
        bad = claims_from_arrow(arrow(rows))
        on_workers = evaluate_table_dask(bad, POLICY, inputs, npartitions=2)
        assert_same_settlement(on_workers, evaluate_table(bad, POLICY, inputs))
        assert on_workers.contradicted[0] and settled(on_workers, 0) == [None] * 6
        assert "supplementary_insurance_paid" in on_workers.undetermined[0]
    assert_same_settlement(got, expected)
    assert expected.amounts["further_relief"].sum() > 0 and expected.amounts["critical_illness_insurance"].sum() > 0
    assert not expected.complete.all()
    # Each person lies whole in exactly one of several partitions.
    parts = person_partitions(t, 4).map_partitions(lambda f: f[["person"]].drop_duplicates()).compute(
        scheduler="sync")
    assert person_partitions(t, 4).npartitions > 1
    assert parts["person"].is_unique and len(parts) == len(set(t.person))


def test_an_input_error_on_a_dask_worker_process_is_exit_2_naming_row_and_field(tmp_path, capsys):
    """With worker processes (as on a real cluster) an error raised by a rule travels pickled: Shandong's reading
    share-left (70% is the share left to the person) contradicts a local key-group ratio, which the rule refuses when
    it meets a key-group claim (P1, 低保)."""
    rows = [claim("P1", "2023-03-10", "1000", "0", ci="0", who=("category", "dibao")),
            claim("P2", "2023-03-10", "200000", "110000", who=("category", "general"))]
    (tmp_path / "readings.json").write_text('{"shandong-2022-major-illness/5:key-group-ratio": "share-left"}')
    (tmp_path / "inputs.json").write_text('{"local.key_group_ratio": "0.8"}')
    out = tmp_path / "out" / "result.parquet"
    out.parent.mkdir()
    code = main(["batch", "--policy", "shandong-2022-major-illness", str(write_csv(tmp_path, rows)), "--out", str(out),
                 "--inputs", str(tmp_path / "inputs.json"), "--readings", str(tmp_path / "readings.json"),
                 "--engine", "dask", "--scheduler", "processes"])
    assert code == 2
    assert one_error_line(capsys) == (
        "error: inputs.local.key_group_ratio: reading share-left of shandong-2022-major-illness/5:key-group-ratio "
        "reads 70% as the share left to the person, so a local assistance ratio of at least 70% contradicts it; "
        "allowed: leave it out, or choose reading assistance-ratio")
    assert list(out.parent.iterdir()) == []


def test_cli_dask_engine_writes_the_same_parquet_as_the_pandas_engine(tmp_path):
    src = write_csv(tmp_path, synthetic_rows(people=50, claims=300, seed=3))
    inputs = tmp_path / "inputs.json"
    inputs.write_text(INPUTS_30000)
    for engine in ("pandas", "dask"):
        assert main(["batch", "--policy", POLICY, str(src), "--out", str(tmp_path / f"{engine}.parquet"),
                     "--inputs", str(inputs), "--engine", engine]) == 0
    pandas_result = pq.read_table(tmp_path / "pandas.parquet")
    assert pandas_result.equals(pq.read_table(tmp_path / "dask.parquet"))
    assert pandas_result.column("supplementary_insurance").null_count > 0


def test_cli_timings_name_each_step_of_the_run_once_in_order(tmp_path, capsys):
    src = write_csv(tmp_path, synthetic_rows(people=20, claims=60, seed=3))
    inputs = tmp_path / "inputs.json"
    inputs.write_text(INPUTS_30000)
    assert main(["batch", "--policy", POLICY, str(src), "--out", str(tmp_path / "r.parquet"), "--inputs",
                 str(inputs), "--timings"]) == 0
    err = capsys.readouterr().err.strip().splitlines()[-1]
    steps = re.findall(r"(?:, |: )([a-z -]+) [0-9]+\.[0-9]{2}", err)
    assert err.startswith("计时 timings (s): start-up ")
    assert steps == ["start-up", "checks", "read", "validate", "evaluate", "result table", "write"]
    assert pq.read_table(tmp_path / "r.parquet").num_rows == 60


# ---------------------------------------------------------------------------------------------------------------
# Hard inputs: exit 2, the row and field named, nothing left behind
# ---------------------------------------------------------------------------------------------------------------

HEADER = ("person_id,category,insurance,date,setting,facility,policy_range_cost,basic_insurance_paid,"
          "critical_illness_paid,supplementary_insurance_paid,referred,followed_treatment_guidance,"
          "in_city_designated_hospital")
GOOD_ROW = "P1,dibao,resident,2023-03-10,inpatient,tertiary,200000,110000,,0,true,true,true"
OTHER_ROW = "P1,dibao,resident,2023-04-10,outpatient,,500.50,100,,0,false,false,false"


def csv_text(*rows, header=HEADER) -> str:
    return "\n".join((header,) + rows) + "\n"


def run_cli(tmp_path, claims_text=None, *, name="claims.csv", data=None, inputs=INPUTS_30000, policy=POLICY):
    src = tmp_path / name
    if data is not None:
        src.write_bytes(data)
    elif claims_text is not None:
        src.write_text(claims_text, encoding="utf-8")
    args = ["batch", "--policy", policy, str(src), "--out", str(tmp_path / "out" / "result.parquet")]
    if inputs is not None:
        (tmp_path / "inputs.json").write_text(inputs, encoding="utf-8")
        args += ["--inputs", str(tmp_path / "inputs.json")]
    (tmp_path / "out").mkdir(exist_ok=True)
    return main(args)


BAD_CASES = [
    # (id, claims text, expected message pattern)
    ("wrong-field-count", csv_text(GOOD_ROW, "P2,dibao,resident"), r"line 3: expected 13 fields"),
    ("missing-column", csv_text("P1,dibao,resident,2023-03-10,tertiary,200000,110000,,0,true,true,true",
                                header=HEADER.replace(",setting", "")),
     r"missing column\(s\): setting; required: person_id, insurance, date, setting, policy_range_cost"),
    ("unknown-column", csv_text(GOOD_ROW + ",x", header=HEADER + ",critical_ilness_paid"),
     r"unknown column\(s\): critical_ilness_paid; allowed: person_id"),
    ("nan", csv_text(GOOD_ROW, GOOD_ROW.replace("200000", "NaN")), r"row 2 \(line 3\), policy_range_cost: .*finite"),
    ("infinity", csv_text(GOOD_ROW.replace("110000", "inf")), r"row 1 \(line 2\), basic_insurance_paid: .*finite"),
    ("negative", csv_text(GOOD_ROW.replace("110000", "-5")), r"row 1 \(line 2\), basic_insurance_paid: must not be "
                                                             r"negative"),
    ("absurd", csv_text(GOOD_ROW.replace("200000", "100000000.01")), r"policy_range_cost: .*sanity bound of "
                                                                      r"100000000 yuan"),
    ("three-decimals", csv_text(GOOD_ROW.replace("110000", "1.005")), r"basic_insurance_paid: must be exact to "
                                                                      r"the fen"),
    ("not-a-number", csv_text(GOOD_ROW.replace("110000", "12,5".join('""'))), r"basic_insurance_paid: must be an "
                                                                              r"amount in yuan"),
    ("feb-30", csv_text(GOOD_ROW, OTHER_ROW.replace("2023-04-10", "2023-02-30")),
     r"row 2 \(line 3\), date: '2023-02-30' is not a calendar date"),
    ("not-a-date", csv_text(GOOD_ROW.replace("2023-03-10", "10/03/2023")), r"row 1 \(line 2\), date: '10/03/2023' "
                                                                            r"is not a date; write YYYY-MM-DD"),
    ("unknown-category", csv_text(GOOD_ROW, OTHER_ROW.replace("dibao", "wubao")),
     r"row 2 \(line 3\), category: 'wubao' is not allowed; allowed: tekun, dibao"),
    ("unknown-setting", csv_text(GOOD_ROW.replace("inpatient", "icu")), r"setting: 'icu' is not allowed; allowed: "
                                                                        r"inpatient, outpatient"),
    ("yes-no", csv_text(GOOD_ROW.replace("true,true,true", "true,maybe,true")),
     r"row 1 \(line 2\), followed_treatment_guidance: must be true or false, got 'maybe'"),
    ("yes-no-as-1", csv_text(GOOD_ROW.replace("true,true,true", "true,1,true")),
     r"row 1 \(line 2\), followed_treatment_guidance: must be true or false, got '1'"),
    ("duplicate", csv_text(GOOD_ROW, OTHER_ROW, GOOD_ROW.replace("tertiary", "secondary")),
     r"row 3 \(line 4\), person_id: duplicate claim: same person, date, setting and amounts as row 1 \(line 2\)"),
    # The table's column is `category`: the error names that column (and its values), not the internal statuses.
    ("two-categories", csv_text(GOOD_ROW, OTHER_ROW.replace("dibao", "tekun")),
     r"row 2 \(line 3\), category: .*differs from .*dibao"),
    ("empty-cost", csv_text(GOOD_ROW.replace("200000", "")), r"row 1 \(line 2\), policy_range_cost: required value "
                                                              r"is missing"),
    ("header-only", csv_text(), r"at least one claim is needed"),
    ("empty-file", "", r"is empty: line 1 must be the header"),
]


@pytest.mark.parametrize("text,pattern", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_claims_exit_2_naming_row_and_field_and_leave_no_file(tmp_path, capsys, text, pattern):
    assert run_cli(tmp_path, text) == 2
    line = one_error_line(capsys)
    assert re.search(pattern, line), line
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("kind,data,pattern", [
    ("not-utf8", HEADER.encode() + b"\nP1,dibao,resident,2023-03-10,inpatient,\xff\xfe,1,1,,,true,true,true\n",
     r"line 2 is not UTF-8"),
    ("garbage-parquet", b"PAR1 this is not parquet", r"not a readable Parquet file"),
    ("wrong-type", b"{}", r"unknown file type '.json'; allowed: .csv, .parquet"),
])
def test_unreadable_files_exit_2(tmp_path, capsys, kind, data, pattern):
    name = {"garbage-parquet": "c.parquet", "wrong-type": "c.json"}.get(kind, "c.csv")
    assert run_cli(tmp_path, name=name, data=data) == 2
    assert re.search(pattern, one_error_line(capsys))
    assert list((tmp_path / "out").iterdir()) == []


def test_parquet_float_money_is_refused_and_decimal_money_accepted(tmp_path, capsys):
    rows = [dict(zip(HEADER.split(","), GOOD_ROW.split(",")))]
    for r in rows:
        r.update({k: (v == "true") for k, v in r.items() if k in BOOL_COLUMNS})
        r.update({k: (v or None) for k, v in r.items() if isinstance(v, str)})
    table = arrow(rows)
    cost = table.column_names.index("policy_range_cost")
    pq.write_table(table.set_column(cost, "policy_range_cost", pa.array([200000.0])), tmp_path / "f.parquet")
    assert run_cli(tmp_path, name="f.parquet", data=(tmp_path / "f.parquet").read_bytes()) == 2
    assert "policy_range_cost: column has floating-point type double" in one_error_line(capsys)
    dec = table.set_column(cost, "policy_range_cost", pa.array([Decimal("200000.00")], type=pa.decimal128(12, 2)))
    pq.write_table(dec, tmp_path / "d.parquet")
    assert run_cli(tmp_path, name="d.parquet", data=(tmp_path / "d.parquet").read_bytes()) == 0
    result = pq.read_table(tmp_path / "out" / "result.parquet").to_pylist()
    assert result[0]["out_of_pocket"] == Decimal("6000.00")   # as the README's dibao example
    assert result[0]["complete"] is True


@pytest.mark.parametrize("policy,inputs,pattern", [
    ("shanghai-2099-1", None, r"policy: 'shanghai-2099-1' \(no such policy\) has no claim rules to run a table "
                              r"through; allowed: .*wenzhou-2021-78"),
    (POLICY, '{"critical_illness_base_deductible": 30000,', r"inputs: malformed JSON"),
    (POLICY, '{"base": 1}', r"inputs.base: unknown input for wenzhou-2021-78; allowed: critical_illness_base"),
    (POLICY, '{"critical_illness_base_deductible": 30000, "medical_assistance_ratio": 0.7}',
     r"inputs.medical_assistance_ratio: 0.7 is below the floor 0.8"),
])
def test_bad_policy_or_inputs_exit_2(tmp_path, capsys, policy, inputs, pattern):
    assert run_cli(tmp_path, csv_text(GOOD_ROW), inputs=inputs, policy=policy) == 2
    assert re.search(pattern, one_error_line(capsys))
    assert list((tmp_path / "out").iterdir()) == []


def test_a_policy_without_claim_rules_is_refused_naming_those_batch_serves(tmp_path, capsys):
    """batch serves every policy whose rules settle claims; a policy that answers other questions is refused."""
    from medrules.tables.settle import batch_policies
    served = batch_policies()
    assert POLICY in served
    others = [p for p in medrules.policy_ids() if p not in served]
    if not others:
        pytest.skip("every policy in policies/ settles claims")
    assert run_cli(tmp_path, csv_text(GOOD_ROW), policy=others[0]) == 2
    assert one_error_line(capsys).endswith(f"allowed: {', '.join(served)}")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_failure_while_writing_leaves_neither_output_nor_temporary_file(tmp_path, capsys, monkeypatch):
    def broken(table, where, **kw):
        Path(where).write_bytes(b"PAR1 half written")
        raise OSError("disk full")
    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        run_cli(tmp_path, csv_text(GOOD_ROW))
    assert list((tmp_path / "out").iterdir()) == []


def test_an_existing_result_is_untouched_when_the_new_run_fails(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "result.parquet").write_bytes(b"previous")
    assert run_cli(tmp_path, csv_text(GOOD_ROW.replace("2023-03-10", "2023-02-30"))) == 2
    assert (tmp_path / "out" / "result.parquet").read_bytes() == b"previous"
    assert len(list((tmp_path / "out").iterdir())) == 1


def test_command_line_end_to_end_exit_codes_and_streams(tmp_path):
    """As a person runs it: totals on stdout, nothing on stderr (no progress bar: not a terminal, few rows)."""
    out = tmp_path / "r.parquet"
    cmd = [sys.executable, "-m", "medrules", "batch", "--policy", POLICY, str(SMALL), "--out", str(out),
           "--inputs", str(REPO / "examples" / "claims-inputs.json")]
    ok = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stderr == "" and "46,224.01" in ok.stdout
    explained = subprocess.run([sys.executable, "-m", "medrules", "explain", str(out), "--row", "2"], cwd=REPO,
                               capture_output=True, text=True, timeout=120)
    assert explained.returncode == 0 and explained.stderr == "" and "188,480.20" in explained.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(GOOD_ROW.replace("200000", "-1")))
    fail = subprocess.run(cmd[:6] + [str(bad)] + cmd[7:], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert fail.returncode == 2 and fail.stdout == ""
    assert english_half(fail.stderr.strip()) == "error: row 1 (line 2), policy_range_cost: must not be negative, got -1"
    assert chinese_half(fail.stderr.strip()) == "输入有误：row 1 (line 2), policy_range_cost：金额不能为负数，实为 -1"


def test_progress_bar_goes_to_stderr_only_for_long_runs(tmp_path, capsys, monkeypatch):
    """Not a terminal and few rows: no bar (the end-to-end test sees an empty stderr). Over the row threshold (here
    lowered to 1 so as not to need a million rows): a tqdm bar on stderr, the totals still alone on stdout."""
    import medrules.tables.batch as b
    monkeypatch.setattr(b, "PROGRESS_MIN_ROWS", 1)
    assert run_cli(tmp_path, csv_text(GOOD_ROW, OTHER_ROW)) == 0
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "claims" in captured.err
    assert captured.out.startswith("2 笔结算，各层合计（元）：\n2 claims; totals in yuan:")


def test_an_output_path_that_is_a_directory_or_in_a_missing_one_is_an_error(tmp_path, capsys):
    src = tmp_path / "c.csv"
    src.write_text(csv_text(GOOD_ROW))
    for out, pattern in ((tmp_path / "d.parquet", "is a directory"),
                         (tmp_path / "nowhere" / "r.parquet", "is not a directory")):
        if out.name == "d.parquet":
            out.mkdir()
        assert main(["batch", "--policy", POLICY, str(src), "--out", str(out)]) == 2
        assert pattern in one_error_line(capsys)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("out_name", ["result.txt", "result.parq", "result"])
def test_out_must_end_in_parquet_or_csv(tmp_path, capsys, out_name):
    src = tmp_path / "c.csv"
    src.write_text(csv_text(GOOD_ROW))
    before = _digest(src)
    assert main(["batch", "--policy", POLICY, str(src), "--out", str(tmp_path / out_name)]) == 2
    assert one_error_line(capsys).endswith("the format follows the name; allowed: .parquet (exact decimals), .csv "
                                           "(UTF-8 text)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"] and _digest(src) == before


@pytest.mark.parametrize("which", ["claims", "claims-other-spelling", "claims-itself-csv", "inputs"])
def test_out_must_not_be_one_of_the_inputs(tmp_path, capsys, which):
    """Writing the result over an input would destroy it: refused, exit 2, the input byte for byte as it was."""
    rows = [claim("P1", "2023-03-10", "200000", "110000")]
    src = tmp_path / ("c.csv" if which == "claims-itself-csv" else "c.parquet")
    if src.suffix == ".csv":
        write_csv(tmp_path, rows, name=src.name)
    else:
        pq.write_table(arrow(rows), src)
    inputs = tmp_path / "inputs.parquet"   # any name: --inputs is read as JSON whatever it is called
    inputs.write_text(INPUTS_30000)
    out = {"claims": src, "claims-other-spelling": tmp_path / "." / "sub" / ".." / src.name,
           "claims-itself-csv": src, "inputs": inputs}[which]
    (tmp_path / "sub").mkdir()
    kept = {p: _digest(p) for p in (src, inputs)}
    assert main(["batch", "--policy", POLICY, str(src), "--out", str(out), "--inputs", str(inputs)]) == 2
    line = one_error_line(capsys)
    assert line.endswith("is one of the inputs; write the result to another file"), line
    assert {p: _digest(p) for p in kept} == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, "inputs.parquet", "sub"])


# ---------------------------------------------------------------------------------------------------------------
# Output formats, headers, long fields, ratio precision, signals (issue: hard inputs and hard stops)
# ---------------------------------------------------------------------------------------------------------------

def test_a_csv_out_writes_csv_with_exact_decimal_text_and_another_suffix_is_refused(tmp_path, capsys):
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"critical_illness_base_deductible": 30000}')
    out = tmp_path / "r.csv"
    assert main(["batch", "--policy", POLICY, str(SMALL), "--out", str(out), "--inputs", str(inputs)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('"row","person_id","date"')
    # Row 2, P002's stay (hand-worked in test_small_example_matches_hand_computed_amounts): CI 188,480.20.
    assert ",188480.20,49215.84," in lines[2]
    capsys.readouterr()
    for name in ("r.txt", "r.json", "r"):
        assert main(["batch", "--policy", POLICY, str(SMALL), "--out", str(tmp_path / name), "--inputs",
                     str(inputs)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "allowed: .parquet" in err and ".csv" in err
        assert not (tmp_path / name).exists()


def test_a_csv_without_a_header_is_told_so_not_that_columns_are_named_twice(tmp_path, capsys):
    assert run_cli(tmp_path, GOOD_ROW.replace("2023-03-10", "2023-03-11") + "\n" + GOOD_ROW + "\n") == 2
    err = capsys.readouterr().err
    assert "line 1 must be the header" in err and "named twice" not in err


def test_a_five_megabyte_field_is_refused_naming_its_row_and_column(tmp_path, capsys):
    assert run_cli(tmp_path, csv_text(GOOD_ROW.replace("200000", "9" * 5_000_000))) == 2
    err = capsys.readouterr().err.strip()
    assert english_half(err).startswith("error: row 1 (line 2), policy_range_cost:") and len(english_half(err)) < 400


def test_a_ratio_with_twenty_decimals_is_refused_as_evaluate_refuses_it(tmp_path, capsys):
    ratio = "0.85000000000000000001"
    assert run_cli(tmp_path, csv_text(GOOD_ROW), inputs='{"critical_illness_base_deductible": 30000, '
                   f'"medical_assistance_ratio": "{ratio}"}}') == 2
    batch_err = capsys.readouterr().err.strip()
    assert english_half(batch_err).startswith("error: inputs.medical_assistance_ratio:") and "at most 6 decimals" in batch_err
    assert "最多 6 位小数" in chinese_half(batch_err)
    with pytest.raises(InputError) as e:
        medrules.evaluate(medrules.parse_scenario({
            "policy": POLICY, "person": {"category": "dibao", "insurance": "resident"},
            "claims": [{"date": "2023-03-10", "setting": "inpatient", "policy_range_cost": "1000",
                        "basic_insurance_paid": "0", "supplementary_insurance_paid": "0"}],
            "inputs": {"critical_illness_base_deductible": "30000", "medical_assistance_ratio": ratio}}))
    assert "at most 6 decimals" in str(e.value)


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    from medrules.cli.stops import Terminated

    def killed(table, where, **kw):
        Path(where).write_bytes(b"PAR1 half")
        raise Terminated()
    monkeypatch.setattr(pq, "write_table", killed)
    with pytest.raises(Terminated):
        run_cli(tmp_path, csv_text(GOOD_ROW))
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("scheduler,pattern", [
    ("foo", r"^error: scheduler: 'foo'; allowed: a tcp://HOST:PORT address, threads, processes, synchronous$"),
    ("tcp://127.0.0.1:1", r"^error: scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
])
def test_a_bad_or_unreachable_dask_scheduler_is_one_line_and_exit_2(tmp_path, capsys, scheduler, pattern):
    src = tmp_path / "c.csv"
    src.write_text(csv_text(GOOD_ROW))
    (tmp_path / "i.json").write_text(INPUTS_30000)
    assert main(["batch", "--policy", POLICY, str(src), "--out", str(tmp_path / "r.parquet"), "--inputs",
                 str(tmp_path / "i.json"), "--engine", "dask", "--scheduler", scheduler]) == 2
    assert re.search(pattern, one_error_line(capsys))
    assert not (tmp_path / "r.parquet").exists()


# ---------------------------------------------------------------------------------------------------------------
# Person ids kept as a Parquet dictionary: checked on the distinct values, same claims as plain text
# ---------------------------------------------------------------------------------------------------------------

def _with_dictionary_ids(table: pa.Table, ids: list[str], indices: list[int]) -> pa.Table:
    """The table with person_id as a dictionary column whose codes need not follow first appearance."""
    column = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(ids))
    return table.set_column(table.column_names.index("person_id"), "person_id", column)


def test_dictionary_person_ids_give_the_same_settlement_as_text_ids():
    inputs = {"critical_illness_base_deductible": "30000"}
    rows = synthetic_rows(people=40, claims=400, seed=5)
    plain = claims_from_arrow(arrow(rows))
    names = sorted({r["person_id"] for r in rows}, reverse=True)   # codes in reverse name order, not first seen
    coded = _with_dictionary_ids(arrow(rows), [" " + n for n in names] + ["unused"],
                                 [names.index(r["person_id"]) for r in rows])
    t = claims_from_arrow(coded)
    assert not np.array_equal(t.person, plain.person)   # really another coding
    assert_same_settlement(evaluate_table(plain, POLICY, inputs), evaluate_table(t, POLICY, inputs))
    assert t.person_ids[t.person[0]].as_py() == rows[0]["person_id"]   # trimmed


def test_dictionary_person_ids_are_checked_like_text():
    rows = synthetic_rows(people=3, claims=6, seed=2)
    for r in rows:
        r.update(category="dibao")
    rows[4]["category"] = "tekun"
    ids = ["b", "a"]
    # Row 5's person (code 0, "b") first appears on row 2: its category differs from that row's.
    table = _with_dictionary_ids(arrow(rows), ids, [1, 0, 1, 1, 0, 1])
    with pytest.raises(InputError, match=r"^row 5, category: .*differs from .*dibao.* given for the same person_id "
                                         r"on row 2"):
        claims_from_arrow(table)
    # Two ids equal once trimmed are one person; an id empty once trimmed is refused, naming its row.
    rows[4]["category"] = "dibao"
    merged = claims_from_arrow(_with_dictionary_ids(arrow(rows), ["a", "a "], [0, 1, 0, 1, 0, 1]))
    assert len(set(merged.person.tolist())) == 1
    with pytest.raises(InputError, match=r"^row 2, person_id: required value is missing"):
        claims_from_arrow(_with_dictionary_ids(arrow(rows), ["a", "  "], [0, 1, 0, 0, 0, 0]))


def test_a_table_run_keeps_freed_memory_for_reuse_on_glibc():
    from medrules.tables.memory import keep_freed_memory
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert keep_freed_memory() is True


def test_columns_parsed_on_threads_report_the_error_one_thread_meets_first(monkeypatch):
    import medrules.tables.claims_file as cf
    rows = synthetic_rows(people=30, claims=200, seed=4)
    rows[150]["date"] = "2023-02-30"    # date is parsed before setting …
    rows[3]["setting"] = "ward"          # … so this earlier row's error is not the one reported
    rows[90]["referred"] = None          # a flag, parsed last
    table = arrow(rows)
    messages = []
    for threads, start in ((1, 10**9), (4, 1)):
        monkeypatch.setattr(cf, "PARSE_THREADS", threads)
        monkeypatch.setattr(cf, "PARSE_THREADS_FROM", start)
        with pytest.raises(InputError) as e:
            claims_from_arrow(table)
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("row 151, date: '2023-02-30' is not a calendar date")
    monkeypatch.setattr(cf, "PARSE_THREADS", 4)
    good = arrow(synthetic_rows(people=30, claims=200, seed=4))
    on_threads = claims_from_arrow(good)
    monkeypatch.setattr(cf, "PARSE_THREADS", 1)
    one = claims_from_arrow(good)
    assert on_threads.columns.keys() == one.columns.keys()
    assert all(np.array_equal(on_threads.columns[k], one.columns[k]) for k in one.columns)


# ---------------------------------------------------------------------------------------------------------------
# Dask on a folder of Parquet files: each person's claims brought together from any file, same results
# ---------------------------------------------------------------------------------------------------------------

def test_a_parquet_dataset_through_dask_settles_as_the_same_claims_in_one_file(tmp_path, capsys):
    rows = synthetic_rows(people=25, claims=300, seed=8)
    seen, kept = set(), []
    for r in rows:   # one claim per person and day, so ties in date order cannot depend on the file order
        if (r["person_id"], r["date"]) not in seen:
            seen.add((r["person_id"], r["date"]))
            kept.append(r)
    first, second = kept[:120], kept[120:]
    assert {r["person_id"] for r in first} & {r["person_id"] for r in second}   # persons span both files
    folder = tmp_path / "claims"
    folder.mkdir()
    pq.write_table(arrow(first), folder / "a.parquet")
    pq.write_table(arrow(second), folder / "b.parquet")
    pq.write_table(arrow(kept), tmp_path / "all.parquet")
    inputs = tmp_path / "inputs.json"
    inputs.write_text(INPUTS_30000)
    common = ["--policy", POLICY, "--inputs", str(inputs)]
    assert main(["batch", str(tmp_path / "all.parquet"), "--out", str(tmp_path / "one.parquet"), *common]) == 0
    assert main(["batch", str(folder), "--engine", "dask", "--scheduler", "synchronous",
                 "--out", str(tmp_path / "ds.parquet"), *common]) == 0
    one = pq.read_table(tmp_path / "one.parquet").to_pylist()
    parts = sorted((tmp_path / "ds.parquet").iterdir())
    assert parts and all(p.name.startswith("part-") for p in parts)
    got = [r for p in parts for r in pq.read_table(p).to_pylist()]
    assert len(got) == len(kept)
    for r in got:
        expected = one[r["row"] - 1 + (120 if r["file"] == 1 else 0)]
        assert r["person_id"] == expected["person_id"] and r["date"] == expected["date"]
        assert [r[k] for k in OUT] == [expected[k] for k in OUT], r
        assert (r["complete"], r["undetermined"]) == (expected["complete"], expected["undetermined"])
        assert r["pay_after_treatment"] == expected["pay_after_treatment"]   # the policy's decision, as in one file
    assert any(not r["complete"] for r in got) and any(r["complete"] for r in got)
    assert {r["pay_after_treatment"] for r in got} == {True, False}
    printed = capsys.readouterr().out
    assert printed.startswith(f"{len(kept)} 笔结算，各层合计（元）：\n{len(kept)} claims; totals in yuan:")
    # A bad value in the second file is named by its file and its own row there.
    second[2]["setting"] = "ward"
    pq.write_table(arrow(second), folder / "b.parquet")
    assert main(["batch", str(folder), "--engine", "dask", "--scheduler", "synchronous",
                 "--out", str(tmp_path / "ds2.parquet"), *common]) == 2
    assert re.search(r"b\.parquet, row 3, setting: 'ward' is not allowed", one_error_line(capsys))
    assert not (tmp_path / "ds2.parquet").exists()
