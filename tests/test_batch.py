"""`python -m medrules batch`: a claims table through 温政办〔2021〕78号, vectorised on int64 fen.

- Hand-computed results for examples/claims-small.csv (each number worked out below from the clause).
- Parity: hypothesis draws people and claims; every claim's layers agree with the scenario engine to the fen.
- Invariants over the batch results, and what "more cost never means less out-of-pocket" really allows.
- Dask on a local in-process cluster gives identical results.
- Hard inputs: each is exit status 2, one line naming row and field, and no output file left behind.

Bounds: 40-60 hypothesis examples per property, no deadline; whole file well under a minute.
"""
from __future__ import annotations

import datetime as dt
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

from _wenzhou import REPO

import medrules
from medrules import InputError
from medrules.batch import (BOOL_COLUMNS, MONEY_COLUMNS, OPTIONAL, REQUIRED, BatchInputError, claims_from_arrow,
                            evaluate_table, evaluate_table_dask, person_partitions)
from medrules.cli import main

POLICY = "wenzhou-2021-78"
LAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
          "further_relief")
OUT = LAYERS + ("out_of_pocket",)
CATEGORIES = ["tekun", "dibao", "dibian", "yinbing_zhipin", "jiance", "tufa_kunnan", "general"]
NAMED_HARDSHIP = {"tekun", "dibao", "dibian", "yinbing_zhipin"}
ANNUAL_LIMIT_FEN = 100_000_00    # 三(三)9 救助限额为每人每年10万元
SMALL = REPO / "examples" / "claims-small.csv"
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen(amount) -> int:
    return int(Decimal(amount) * 100)


def write_csv(directory: Path, rows: list[dict], name="claims.csv") -> Path:
    path = Path(directory) / name
    pd.DataFrame(rows, columns=list(REQUIRED + OPTIONAL)).to_csv(path, index=False)
    return path


def arrow(rows: list[dict]) -> pa.Table:
    """Claim rows (dicts of text and booleans) as the Arrow table a claims file is read into."""
    columns = list(REQUIRED + OPTIONAL)
    return pa.table({c: pa.array([r.get(c) for r in rows], type=pa.bool_() if c in BOOL_COLUMNS else pa.string())
                     for c in columns})


def batch(rows: list[dict], inputs: dict) -> dict:
    """Batch results (int fen per layer, in row order) for claim rows given as dicts of text."""
    return evaluate_table(claims_from_arrow(arrow(rows)), POLICY, inputs)


# ---------------------------------------------------------------------------------------------------------------
# Hand-computed example
# ---------------------------------------------------------------------------------------------------------------

def test_small_example_matches_hand_computed_amounts(tmp_path, capsys):
    """examples/claims-small.csv with a critical-illness base deductible of 30,000 (halved: 15,000).

    P001 dibao, 200,000 cost, 110,000 basic: 90,000 left; CI 80% × (90,000 − 15,000) = 60,000; MA 80% × 30,000 =
    24,000; 6,000 left (below 50,000: no resolution).
    P002 tekun, in date order: 20 Jan outpatient 1,200.50 cost, 600.25 basic → 600.25 left, below the deductible:
    CI 0; MA 80% = 480.20; 120.05 left. 2 May inpatient 400,000 cost, 150,000 basic → 250,000 left; year burden
    250,600.25 − 15,000 = 235,600.25 × 80% = 188,480.20 CI; MA year burden 600.25 + 61,519.80 = 62,120.05 × 80%
    = 49,696.04, less 480.20 paid = 49,215.84; 12,303.96 left.
    P003 general: slips only, no assistance: 80,000 − 50,000 − 10,000 = 20,000 out of pocket.
    P004 dibian 2024: 29 Feb 300,000/120,000 → 180,000 left; CI 80% × 165,000 = 132,000; MA 80% × 48,000 =
    38,400; supplementary 5,000 (slip); 4,600 left. 15 Nov 150,000/70,000 → 80,000 left; CI year 80% × (260,000 −
    15,000) = 196,000 less 132,000 = 64,000; MA year 80% × (48,000 + 16,000) = 51,200 less 38,400 = 12,800;
    3,200 left.
    """
    out = tmp_path / "r.parquet"
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"critical_illness_base_deductible": 30000}')
    assert main(["batch", "--policy", POLICY, str(SMALL), "--out", str(out), "--inputs", str(inputs)]) == 0
    r = pq.read_table(out)
    assert r.schema.field("out_of_pocket").type == pa.decimal128(18, 2)
    got = r.to_pandas()
    expected = {
        1: ("110000.00", "60000.00", "24000.00", "0.00", "0.00", "6000.00"),
        2: ("150000.00", "188480.20", "49215.84", "0.00", "0.00", "12303.96"),
        3: ("600.25", "0.00", "480.20", "0.00", "0.00", "120.05"),
        4: ("50000.00", "10000.00", "0.00", "0.00", "0.00", "20000.00"),
        5: ("120000.00", "132000.00", "38400.00", "5000.00", "0.00", "4600.00"),
        6: ("70000.00", "64000.00", "12800.00", "0.00", "0.00", "3200.00"),
    }
    for _, rec in got.iterrows():
        assert tuple(f"{rec[k]:.2f}" for k in OUT) == expected[rec["row"]], rec["row"]
    printed = capsys.readouterr().out
    assert "6 claims" in printed
    assert "medical_assistance" in printed and "124,896.04" in printed   # 24,000 + 49,215.84 + 480.20 + 38,400 + 12,800
    assert "out_of_pocket" in printed and "46,224.01" in printed


# ---------------------------------------------------------------------------------------------------------------
# Parity with the scenario engine
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
    if not hardship or draw(st.integers(0, 3)) == 0:
        ci = draw(st.integers(0, left))
        row["critical_illness_paid"] = yuan(ci)
        left -= ci
    if draw(st.integers(0, 4)) == 0:
        row["supplementary_insurance_paid"] = yuan(draw(st.integers(0, left // 20)))
    return row


@st.composite
def populations(draw, max_people=6, max_claims=6):
    designated = draw(st.booleans())
    inputs = {"critical_illness_base_deductible": yuan(draw(st.integers(0, 100_000_00))),
              "county_designated_special_hardship": designated}
    for name in ("critical_illness_ratio", "medical_assistance_ratio"):
        if draw(st.booleans()):
            inputs[name] = str(Decimal(draw(st.integers(800, 1000))) / 1000)   # 0.8 to 1, e.g. 0.825
    people = []
    for p in range(draw(st.integers(1, max_people))):
        category = draw(st.sampled_from(CATEGORIES))
        hardship = category in NAMED_HARDSHIP or designated
        insurance = draw(st.sampled_from(["resident", "employee"]))
        claims = draw(st.lists(claim_rows(hardship), min_size=1, max_size=max_claims))
        people.append((f"P{p:03d}", category, insurance, claims))
    # Interleave the people's claims in a drawn order: the table need not be sorted.
    rows = [{"person_id": pid, "category": cat, "insurance": ins, **c} for pid, cat, ins, cs in people for c in cs]
    rows = draw(st.permutations(rows))
    keys = [(r["person_id"], r["date"], r["setting"]) + tuple(r[m] for m in MONEY_COLUMNS) for r in rows]
    assume(len(set(keys)) == len(keys))   # exact duplicates are refused by batch (tested below)
    return rows, inputs


def scenario_results(rows, inputs):
    """Per row: the scenario engine's amounts (Decimal), one scenario per person; or the InputError it raises."""
    by_person = {}
    for i, r in enumerate(rows):
        by_person.setdefault(r["person_id"], []).append(i)
    out = [None] * len(rows)
    for pid, idx in by_person.items():
        first = rows[idx[0]]
        claims = [{k: v for k, v in rows[i].items() if k not in ("person_id", "category", "insurance") and v is not None}
                  for i in idx]
        data = {"policy": POLICY, "person": {"category": first["category"], "insurance": first["insurance"]},
                "claims": claims, "inputs": dict(inputs)}
        result = medrules.evaluate(medrules.parse_scenario(data))
        for i, c in zip(idx, result.claims):
            out[i] = c
    return out


@PROPERTY
@given(populations())
def test_batch_agrees_with_the_scenario_engine_to_the_fen(drawn):
    rows, inputs = drawn
    try:
        expected = scenario_results(rows, inputs)
    except InputError as e:
        # The only error left by the generator: a supplementary slip above what three layers left.
        assert e.field.endswith(".supplementary_insurance_paid")
        with pytest.raises(BatchInputError, match="supplementary_insurance_paid"):
            batch(rows, inputs)
        return
    got = batch(rows, inputs)
    for i, e in enumerate(expected):
        assert [int(got[k][i]) for k in OUT] == [fen(e[k]) for k in OUT], (i, rows[i])
        assert bool(got["pay_after_treatment"][i]) == e["pay_after_treatment"]


@settings(PROPERTY, max_examples=40)
@given(populations(max_people=4, max_claims=8))
def test_invariants_hold_over_every_persons_claims(drawn):
    rows, inputs = drawn
    try:
        got = batch(rows, inputs)
    except BatchInputError as e:
        assume(not e.field.endswith("supplementary_insurance_paid"))
        raise
    year_ma = {}
    for i, r in enumerate(rows):
        cost = fen(r["policy_range_cost"])
        left = cost
        for k in LAYERS:              # no layer pays more than what remains, none pays less than 0
            assert 0 <= got[k][i] <= left, (k, i)
            left -= int(got[k][i])
        assert got["out_of_pocket"][i] == left >= 0
        if r["category"] != "tekun":
            key = (r["person_id"], r["date"][:4])
            year_ma[key] = year_ma.get(key, 0) + int(got["medical_assistance"][i])
    assert all(v <= ANNUAL_LIMIT_FEN for v in year_ma.values()), year_ma


def _year_totals(rows, got, person, year):
    idx = [i for i, r in enumerate(rows) if r["person_id"] == person and r["date"][:4] == year]
    return (sum(int(got["out_of_pocket"][i]) for i in idx),
            sum(int(got["out_of_pocket"][i]) + int(got["further_relief"][i]) for i in idx))


@settings(PROPERTY, max_examples=40)
@given(populations(max_people=3, max_claims=5), st.data())
def test_more_cost_never_means_less_burden_and_less_out_of_pocket_only_across_mixed_eligibility(drawn, more):
    """Raise one claim's policy_range_cost (slips unchanged). What holds, and was checked against the rules:

    - the person's year burden before high-cost resolution (out_of_pocket + further_relief) never falls: the
      year's critical-illness, assistance and resolution amounts are functions of the year's running totals,
      and with ratios at most 1 and half-up rounding each layer takes at most the rise it is given;
    - the year's out_of_pocket never falls when all that year's claims are alike for 三(三)11 (all eligible, or
      none): resolution then caps the whole year's burden, which is monotone;
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
    except BatchInputError as e:
        assume(not e.field.endswith("supplementary_insurance_paid"))
        raise
    person, year = rows[k]["person_id"], rows[k]["date"][:4]
    (oop0, burden0), (oop1, burden1) = _year_totals(rows, before, person, year), _year_totals(raised, after, person,
                                                                                            year)
    assert burden1 >= burden0
    designated = inputs["county_designated_special_hardship"]
    hardship = rows[k]["category"] in NAMED_HARDSHIP or designated
    same_year = [r for r in rows if r["person_id"] == person and r["date"][:4] == year]
    if len({hardship and r["followed_treatment_guidance"] and r["referred"] for r in same_year}) == 1:
        assert oop1 >= oop0
    for i, r in enumerate(rows):
        if (r["person_id"], r["date"][:4]) != (person, year):
            assert [after[x][i] for x in OUT] == [before[x][i] for x in OUT]


def test_raising_an_eligible_claims_cost_can_lower_the_years_out_of_pocket_when_a_later_claim_is_not():
    """A counterexample to "more cost never means less out-of-pocket", worked by hand.

    dibao, critical-illness base deductible 500,000 (halved: 250,000), 2023, basic insurance 0 on both claims.
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
                  "supplementary_insurance_paid": None, "in_city_designated_hospital": True,
                  "followed_treatment_guidance": True}
        return [{**common, "date": "2023-03-01", "policy_range_cost": a_cost, "referred": True},
                {**common, "date": "2023-06-01", "policy_range_cost": "100000", "referred": False}]
    before, after = batch(rows("200000"), inputs), batch(rows("210000"), inputs)
    assert [int(before[k][0]) for k in OUT] == [0, 0, 100_000_00, 0, 50_000_00, 50_000_00]
    assert [int(before[k][1]) for k in OUT] == [0, 40_000_00, 0, 0, 0, 60_000_00]
    assert [int(after[k][0]) for k in OUT] == [0, 0, 100_000_00, 0, 60_000_00, 50_000_00]
    assert [int(after[k][1]) for k in OUT] == [0, 48_000_00, 0, 0, 0, 52_000_00]


# ---------------------------------------------------------------------------------------------------------------
# Dask: partitioned by person, identical results
# ---------------------------------------------------------------------------------------------------------------

def synthetic_rows(people=300, claims=2000, seed=11) -> list[dict]:
    """Seeded random claims, rows in random order, people spread over the whole table."""
    rng = np.random.default_rng(seed)
    cats = rng.choice(CATEGORIES, size=people)
    rows = []
    for i in range(claims):
        p = int(rng.integers(0, people))
        hardship = cats[p] in NAMED_HARDSHIP
        cost = int(rng.integers(0, 400_000_00)) if rng.random() < 0.3 else int(rng.integers(0, 5_000_00))
        basic = int(cost * rng.uniform(0.3, 0.8))
        ci = None if hardship and rng.random() < 0.8 else yuan(int((cost - basic) * rng.uniform(0, 0.5)))
        rows.append({"person_id": f"person-{p}", "category": str(cats[p]), "insurance": "resident",
                     "date": str(np.datetime64("2022-01-01") + int(rng.integers(0, 1461))),
                     "setting": "inpatient" if rng.random() < 0.4 else "outpatient", "facility": None,
                     "policy_range_cost": yuan(cost), "basic_insurance_paid": yuan(basic),
                     "critical_illness_paid": ci, "supplementary_insurance_paid": None,
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
        with pytest.raises(BatchInputError, match=r"row 1, basic_insurance_paid: required"):
            rows = synthetic_rows(people=5, claims=20)
            rows[0]["basic_insurance_paid"] = None
            evaluate_table_dask(claims_from_arrow(arrow(rows)), POLICY, inputs, npartitions=2)
    for k in expected:
        assert np.array_equal(got[k], expected[k]), k
    assert expected["further_relief"].sum() > 0 and expected["critical_illness_insurance"].sum() > 0
    # Each person lies whole in exactly one of several partitions.
    parts = person_partitions(t, 4).map_partitions(lambda f: f[["person"]].drop_duplicates()).compute(
        scheduler="sync")
    assert person_partitions(t, 4).npartitions > 1
    assert parts["person"].is_unique and len(parts) == len(set(t.person)) and expected["medical_assistance"].sum() > 0


def test_cli_dask_engine_writes_the_same_parquet_as_the_pandas_engine(tmp_path):
    src = write_csv(tmp_path, synthetic_rows(people=50, claims=300, seed=3))
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"critical_illness_base_deductible": 30000}')
    for engine in ("pandas", "dask"):
        assert main(["batch", "--policy", POLICY, str(src), "--out", str(tmp_path / f"{engine}.parquet"),
                     "--inputs", str(inputs), "--engine", engine]) == 0
    assert pq.read_table(tmp_path / "pandas.parquet").equals(pq.read_table(tmp_path / "dask.parquet"))


# ---------------------------------------------------------------------------------------------------------------
# Hard inputs: exit 2, the row and field named, nothing left behind
# ---------------------------------------------------------------------------------------------------------------

HEADER = ("person_id,category,insurance,date,setting,facility,policy_range_cost,basic_insurance_paid,"
          "critical_illness_paid,supplementary_insurance_paid,referred,followed_treatment_guidance,"
          "in_city_designated_hospital")
GOOD_ROW = "P1,dibao,resident,2023-03-10,inpatient,tertiary,200000,110000,,,true,true,true"
OTHER_ROW = "P1,dibao,resident,2023-04-10,outpatient,,500.50,100,,,false,false,false"


def csv_text(*rows, header=HEADER) -> str:
    return "\n".join((header,) + rows) + "\n"


def run_cli(tmp_path, claims_text=None, *, name="claims.csv", data=None, inputs='{"critical_illness_base_deductible":'
            ' 30000}', policy=POLICY, capsys=None):
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
    ("missing-column", csv_text("P1,dibao,resident,2023-03-10,inpatient,tertiary,200000,,,true,true,true",
                                header=HEADER.replace(",basic_insurance_paid", "")),
     r"missing column\(s\): basic_insurance_paid"),
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
    ("outside-validity", csv_text(GOOD_ROW.replace("2023-03-10", "2021-12-31")),
     r"row 1 \(line 2\), date: 2021-12-31 is outside wenzhou-2021-78's validity"),
    ("unknown-category", csv_text(GOOD_ROW, OTHER_ROW.replace("dibao", "wubao")),
     r"row 2 \(line 3\), category: 'wubao' is not allowed; allowed: tekun, dibao"),
    ("unknown-setting", csv_text(GOOD_ROW.replace("inpatient", "icu")), r"setting: 'icu' is not allowed; allowed: "
                                                                        r"inpatient, outpatient"),
    ("yes-no", csv_text(GOOD_ROW.replace("true,true,true", "true,maybe,true")),
     r"row 1 \(line 2\), followed_treatment_guidance: 'maybe' is not a yes/no value"),
    ("duplicate", csv_text(GOOD_ROW, OTHER_ROW, GOOD_ROW.replace("tertiary", "secondary")),
     r"row 3 \(line 4\), person_id: duplicate claim: same person, date, setting and amounts as row 1 \(line 2\)"),
    ("two-categories", csv_text(GOOD_ROW, OTHER_ROW.replace("dibao", "tekun")),
     r"row 2 \(line 3\), category: 'tekun' differs from 'dibao'"),
    ("slips-above-cost", csv_text(GOOD_ROW.replace("110000,,", "110000,100000,")),
     r"row 1 \(line 2\), policy_range_cost: the slip amounts .* add up to 210000.00"),
    ("empty-cost", csv_text(GOOD_ROW.replace("200000", "")), r"row 1 \(line 2\), policy_range_cost: required value "
                                                              r"is missing"),
    ("no-basic-slip", csv_text(OTHER_ROW.replace("500.50,100", "500.50,")),
     r"row 1 \(line 2\), basic_insurance_paid: required: .*settlement slip"),
    ("supplementary-too-big", csv_text(GOOD_ROW.replace("110000,,", "110000,,80000")),
     r"row 1 \(line 2\), supplementary_insurance_paid: 80000.00 is more than the 6000.00 left"),
    ("header-only", csv_text(), r"at least one claim is needed"),
    ("empty-file", "", r"is empty: line 1 must be the header"),
]


@pytest.mark.parametrize("text,pattern", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_claims_exit_2_naming_row_and_field_and_leave_no_file(tmp_path, capsys, text, pattern):
    assert run_cli(tmp_path, text) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    line = captured.err.strip()
    assert "\n" not in line and line.startswith("error: ")
    assert __import__("re").search(pattern, line), line
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
    assert __import__("re").search(pattern, capsys.readouterr().err)
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
    assert "policy_range_cost: column has floating-point type double" in capsys.readouterr().err
    dec = table.set_column(cost, "policy_range_cost", pa.array([Decimal("200000.00")], type=pa.decimal128(12, 2)))
    pq.write_table(dec, tmp_path / "d.parquet")
    assert run_cli(tmp_path, name="d.parquet", data=(tmp_path / "d.parquet").read_bytes()) == 0
    result = pq.read_table(tmp_path / "out" / "result.parquet").to_pylist()
    assert result[0]["out_of_pocket"] == Decimal("6000.00")   # as the README's dibao example


@pytest.mark.parametrize("policy,inputs,pattern", [
    ("shanghai-2099-1", None, r"policy: 'shanghai-2099-1' \(no such policy\) has no batch \(vectorised\) encoding; "
                              r"allowed: wenzhou-2021-78"),
    (POLICY, '{"critical_illness_base_deductible": 30000,', r"inputs: malformed JSON"),
    (POLICY, '{"base": 1}', r"inputs.base: unknown input for wenzhou-2021-78; allowed: critical_illness_base"),
    (POLICY, '{"critical_illness_base_deductible": 30000, "medical_assistance_ratio": 0.7}',
     r"inputs.medical_assistance_ratio: 0.7 is below the floor 0.8"),
    (POLICY, None, r"inputs.critical_illness_base_deductible: required: .*missing on row 1 \(line 2\)"),
])
def test_bad_policy_or_inputs_exit_2(tmp_path, capsys, policy, inputs, pattern):
    assert run_cli(tmp_path, csv_text(GOOD_ROW), inputs=inputs, policy=policy) == 2
    assert __import__("re").search(pattern, capsys.readouterr().err)
    assert list((tmp_path / "out").iterdir()) == []


def test_other_encoded_policies_are_refused_by_batch(tmp_path, capsys):
    others = [p for p in medrules.policy_ids() if p != POLICY]
    if not others:
        pytest.skip("no other policy in policies/")
    assert run_cli(tmp_path, csv_text(GOOD_ROW), policy=others[0]) == 2
    assert "allowed: wenzhou-2021-78" in capsys.readouterr().err


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
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(GOOD_ROW.replace("200000", "-1")))
    fail = subprocess.run(cmd[:6] + [str(bad)] + cmd[7:], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert fail.returncode == 2 and fail.stdout == ""
    assert fail.stderr.strip() == "error: row 1 (line 2), policy_range_cost: must not be negative, got -1"


def test_progress_bar_goes_to_stderr_only_for_long_runs(tmp_path, capsys, monkeypatch):
    """Not a terminal and few rows: no bar (the end-to-end test sees an empty stderr). Over the row threshold (here
    lowered to 1 so as not to need a million rows): a tqdm bar on stderr, the totals still alone on stdout."""
    import medrules.batch as b
    monkeypatch.setattr(b, "PROGRESS_MIN_ROWS", 1)
    assert run_cli(tmp_path, csv_text(GOOD_ROW, OTHER_ROW)) == 0
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "claims" in captured.err
    assert captured.out.startswith("2 claims; totals in yuan:")


def test_an_output_path_that_is_a_directory_or_in_a_missing_one_is_an_error(tmp_path, capsys):
    src = tmp_path / "c.csv"
    src.write_text(csv_text(GOOD_ROW))
    for out, pattern in ((tmp_path, "is a directory"), (tmp_path / "nowhere" / "r.parquet", "is not a directory")):
        assert main(["batch", "--policy", POLICY, str(src), "--out", str(out)]) == 2
        assert pattern in capsys.readouterr().err


@settings(PROPERTY, max_examples=30)
@given(populations(max_people=4, max_claims=6))
def test_parameters_are_taken_by_date_from_the_policy_data(drawn):
    """A hypothetical dated change in the policy data (not in the text: a test fixture) reaches both engines alike:
    the assistance ratio floor rises to 85% from 2024-01-01 and the annual limit is 80,000 from 2025-01-01. Batch
    must follow the dates in parameters.yaml, not a number written in its code. (Changes fall on 1 January: a
    ratio raised mid-year would be applied by both engines to the whole year's running burden, and a claim with
    nothing left could then be owed a catch-up — both stop with RuleError.)"""
    import dataclasses
    from medrules.batch import _days_table
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


def test_chunks_cut_at_person_boundaries_give_the_same_results_as_one_chunk(monkeypatch):
    import medrules.batch as b
    inputs = {"critical_illness_base_deductible": "30000"}
    t = claims_from_arrow(arrow(synthetic_rows(people=40, claims=400, seed=5)))
    whole = evaluate_table(t, POLICY, inputs)
    monkeypatch.setattr(b, "CHUNK_ROWS", 7)   # smaller than many people's claim counts
    chunked = evaluate_table(t, POLICY, inputs)
    for k in whole:
        assert np.array_equal(whole[k], chunked[k]), k
