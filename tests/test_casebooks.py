"""Run every policies/<id>/cases.yaml: cases worked by hand from the clause text (CONVENTIONS.md "A casebook entry").

A case has `name`, `clause`, `working: {zh, en}` and either
- `kind: indicators` (Zhejiang 2022: people, target, readings, expected per indicator),
- `kind: scheme` (Zhejiang 2019: a local scheme, expected per requirement), or
- no kind: a claim case (person, claims, inputs, readings, expected) run through medrules.evaluate — the hook for
  the claim policies' casebooks.
"""
from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest

import medrules
from medrules.policy import POLICIES_DIR, load_policy, policy_ids, read_yaml
from medrules.readings import resolve
from medrules.rules import zhejiang_2019_chronic_outpatient as z2019
from medrules.rules import zhejiang_2022_illness_poverty as z2022
from medrules.scenario import InputError
from medrules.scheme import Scheme, check

MINIMUM = {"zhejiang-2022-illness-poverty": 8, "zhejiang-2019-chronic-outpatient": 8}


def casebook(policy_id):
    path = POLICIES_DIR / policy_id / "cases.yaml"
    return (read_yaml(path) or {}).get("cases", []) if path.exists() else []


CASES = [pytest.param(pid, case, id=f"{pid}:{i + 1}") for pid in policy_ids() for i, case in enumerate(casebook(pid))]


@pytest.mark.parametrize("policy_id, minimum", MINIMUM.items())
def test_each_zhejiang_casebook_has_enough_cases(policy_id, minimum):
    assert len(casebook(policy_id)) >= minimum


@pytest.mark.parametrize("policy_id, case", CASES)
def test_case_is_complete_and_cites_an_existing_clause(policy_id, case):
    assert case["name"] and case["working"]["zh"] and case["working"]["en"]
    assert case["clause"] in load_policy(policy_id).clauses


def _indicators(policy_id, case):
    chosen = resolve(policy_id, case.get("readings"))
    rows = z2022.illness_poverty_targets(case["people"], str(case["target"]),
                                         base=chosen[f"{policy_id}/p7:expense-base"],
                                         payers=chosen[f"{policy_id}/p7:protection-payers"],
                                         average=chosen[f"{policy_id}/p7:aggregation"])
    got = {r["indicator"].split()[0]: r for r in rows}
    for name, want in case["expected"].items():
        row = got[name]
        # Compared as exact fractions: 77000/90000 is checked without rounding a quotient.
        assert (row["numerator"], row["denominator"]) == (Decimal(want["numerator"]), Decimal(want["denominator"])) \
            or (row["denominator"] and Fraction(row["numerator"]) / Fraction(row["denominator"])
                == Fraction(want["numerator"]) / Fraction(want["denominator"])), (name, row)
        assert row["met"] is want["met"], (name, row["met"])


def _requirement(text: str) -> str:
    """The Chinese words of a finding's requirement: 病种 高血压 hypertension → 病种 高血压."""
    return " ".join(re.findall(r"\S*[\u4e00-\u9fff]\S*", text))


def _scheme(case):
    expected = case["expected"]
    if "error" in expected:
        with pytest.raises(InputError) as info:
            check(Scheme.model_validate(case["scheme"]))
        assert info.value.field == expected["error"]
        return
    _, findings = check(Scheme.model_validate(case["scheme"]))
    got = {_requirement(f["requirement"]): f["meets"] for f in findings}
    for requirement, meets in expected.items():
        assert got[requirement] is meets, (requirement, got[requirement])


def _claims(policy_id, case):
    """Claim policies: a scenario through the public entry point; expected amounts as in to_dict()."""
    scenario = {"policy": policy_id, "person": case["person"], "claims": case["claims"],
                "inputs": case.get("inputs") or {}}
    if case.get("readings"):
        scenario["readings"] = case["readings"]
    result = medrules.evaluate(medrules.parse_scenario(scenario)).to_dict()
    for part, want in case["expected"].items():  # e.g. totals: {medical_assistance: "24000.00"}, years: {...}
        got = result[part]
        for key, value in want.items():
            assert got[key] == value if not isinstance(value, dict) else \
                all(got[key][k] == v for k, v in value.items()), (part, key)


@pytest.mark.parametrize("policy_id, case", CASES)
def test_casebook(policy_id, case):
    kind = case.get("kind")
    if kind == "indicators":
        _indicators(policy_id, case)
    elif kind == "scheme":
        _scheme(case)
    else:
        assert kind is None, f"unknown kind {kind!r}; allowed: indicators, scheme, or none for a claim case"
        _claims(policy_id, case)


def test_the_zhejiang_modules_are_the_ones_the_casebooks_run():
    assert z2019.POLICY_ID in MINIMUM and z2022.POLICY_ID in MINIMUM
