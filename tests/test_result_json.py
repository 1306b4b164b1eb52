"""`evaluate`'s JSON written claim by claim and step by step (issue 26, point 3): the same result as the in-memory
`Result.to_dict()`, in the same text as the calculators' export, whatever the chunk size; and never half a JSON on
stdout when something fails part-way.

The scenarios are every claim case of every casebook (undetermined layers, claims outside the validity, total
costs, decisions, several years), plus a long synthetic one cut into small chunks."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import numpy as np
import pytest

from medrules.cli.main import main
from medrules.core.engine import Run
from medrules.core.policy import POLICIES_DIR, policy_ids, read_yaml
from medrules.core.result import evaluate
from medrules.core.result_json import result_json, write_result
from medrules.core.scenario import InputError, parse_scenario


def claim_cases():
    for policy_id in policy_ids():
        path = POLICIES_DIR / policy_id / "cases.yaml"
        for case in ((read_yaml(path) or {}).get("cases", []) if path.exists() else []):
            if case.get("claims"):
                yield pytest.param({"policy": policy_id, "person": case["person"], "claims": case["claims"],
                                    "inputs": case.get("inputs") or {}, "readings": case.get("readings") or {}},
                                   id=f"{policy_id}:{case['name'][:40]}")


CASES = list(claim_cases())


def streamed(result, trace=True, chunk=5_000) -> str:
    out = io.StringIO()
    write_result(result, out.write, trace=trace, chunk=chunk)
    return out.getvalue()


def as_text(value):
    """Result.claims' Decimals as the JSON writes them."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    return value


def test_the_casebooks_hold_claims_of_every_shape_the_writer_must_handle():
    results = []
    for param in CASES:
        try:
            results.append(evaluate(parse_scenario(param.values[0])))
        except InputError:
            continue
    claims = [c for r in results for c in r.claims]
    assert len(CASES) >= 30
    assert any(c.get("undetermined") for c in claims) and any(c.get("in_force") is False for c in claims)
    assert any("total_out_of_pocket" in c for c in claims) and any(len(r.years) > 1 for r in results)
    assert any(isinstance(c.get("pay_after_treatment"), bool) for c in claims)
    assert any(c.get("upper_bound") for c in claims)   # a layer only an upper bound (issue 22)
    assert any(c.get("in_force", True) and c["out_of_pocket"] is None for c in claims)   # validity unknown


@pytest.mark.parametrize("scenario", CASES)
def test_the_streamed_json_is_the_results_dict_in_the_exports_text(scenario):
    try:
        result = evaluate(parse_scenario(scenario))
    except InputError:
        pytest.skip("a case whose scenario is refused (its expected result is the error)")
    data = result.to_dict()
    text = streamed(result)
    assert json.loads(text) == data
    assert text == result_json(result.to_dict())   # what the calculators export, to the byte
    assert streamed(result, chunk=1) == text
    assert data["claims"] == [as_text(c) for c in result.claims]   # the columns' text = the Decimal rows
    assert json.loads(streamed(result, trace=False))["trace"] == []


def test_a_record_that_contradicts_itself_is_written_with_nothing_known_of_it_or_its_year():
    # No casebook claim contradicts itself: claim 1's insurance paid 15,000 on a policy-range cost of 10,000.
    claims = [{"date": d, "setting": "inpatient", "policy_range_cost": cost, "total_cost": total,
               "basic_insurance_paid": paid, "supplementary_insurance_paid": "0"}
              for d, cost, total, paid in (("2023-03-10", "20000", "25000", "12000"),
                                           ("2023-04-10", "10000", "12000", "15000"),
                                           ("2023-05-10", "10000", "12000", "5000"),
                                           ("2024-05-10", "10000", "12000", "5000"))]
    result = evaluate(parse_scenario({"policy": "wenzhou-2021-78", "person": {"statuses": ["dibao"],
                                      "insurance": "resident"}, "claims": claims,
                                      "inputs": {"critical_illness_base_deductible": 30000}}))
    text = streamed(result)
    data = json.loads(text)
    assert data == result.to_dict() and text == result_json(result.to_dict()) and streamed(result, chunk=1) == text
    assert data["claims"] == [as_text(c) for c in result.claims]
    contradicted = data["claims"][1]
    assert contradicted["out_of_pocket"] is None and contradicted["total_out_of_pocket"] is None
    assert "out_of_pocket_is_upper_bound" not in contradicted and not contradicted["complete"]
    assert {u["needed_by"] for u in contradicted["undetermined"].values()} == {"record"}
    assert data["claims"][2]["out_of_pocket_is_upper_bound"] is True   # a later claim of its year waits on it
    assert data["years"]["2023"]["out_of_pocket"] is None and data["totals"]["out_of_pocket"] is None
    assert data["years"]["2024"]["out_of_pocket"] == "1000.00"   # 10,000 − 5,000 insurance − 4,000 assistance (80%)


def long_scenario(claims=2_000, seed=4):
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(claims):
        cost = int(rng.integers(10_000, 30_000_000))
        rows.append({"date": str(np.datetime64("2021-06-01") + int(rng.integers(0, 1600))),
                     "setting": "inpatient" if k % 3 else "outpatient", "policy_range_cost": f"{cost / 100:.2f}",
                     "basic_insurance_paid": f"{cost // 200 / 100:.2f}",
                     **({"supplementary_insurance_paid": "0"} if k % 5 else {})})
    return {"policy": "wenzhou-2021-78", "person": {"statuses": ["dibao"], "insurance": "resident"},
            "claims": rows, "inputs": {"critical_illness_base_deductible": 30000}}


def test_a_long_scenario_is_the_same_in_any_chunk_size_with_each_claim_and_step_on_one_line():
    result = evaluate(parse_scenario(long_scenario()))
    text = streamed(result)
    assert streamed(result, chunk=7) == text and streamed(result, chunk=333) == text
    data = json.loads(text)
    assert data == result.to_dict()
    assert any(c["in_force"] is False for c in data["claims"] if "in_force" in c)   # 2021 is before the policy
    assert not data["complete"] and len(data["undetermined"]) > 100
    lines = text.splitlines()
    claims_at = lines.index('  "claims": [')
    assert all(json.loads(line.rstrip(","))["claim"] == k
               for k, line in enumerate(lines[claims_at + 1:claims_at + 1 + len(data["claims"])]))
    trace_at = lines.index('  "trace": [')
    assert [json.loads(line.rstrip(",")) for line in lines[trace_at + 1:-2]] == data["trace"]
    assert lines[-2:] == ["  ]", "}"]


def test_a_failure_part_way_through_the_trace_leaves_nothing_on_stdout(tmp_path, capsys, monkeypatch):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(long_scenario(claims=300)), encoding="utf-8")
    monkeypatch.setattr("medrules.core.result_json.CHUNK_CLAIMS", 50)
    calls = []
    real = Run.trace_lines

    def fails_on_the_third_chunk(self, indices):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk gone")
        return real(self, indices)
    monkeypatch.setattr(Run, "trace_lines", fails_on_the_third_chunk)
    with pytest.raises(RuntimeError, match="disk gone"):
        main(["evaluate", str(path)])
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(Run, "trace_lines", real)
    assert main(["evaluate", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["claims"][299]["claim"] == 299
