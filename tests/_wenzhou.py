"""Shared builders for Wenzhou (温政办〔2021〕78号) scenarios.

Amounts are given as strings so that nothing passes through float; expected values in the tests are written
out by hand from the policy text, never re-derived by calling the code under test.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import medrules  # noqa: E402

POLICY = "wenzhou-2021-78"


def make_claim(date="2023-03-10", cost="200000", basic="110000", *, setting="inpatient", referred=True,
               guided=True, city=True, supplementary="0", **extra) -> dict:
    """One claim; `extra` passes further claim fields such as critical_illness_paid as they are. By default the
    settlement record shows no supplementary-insurance payment (0); supplementary=None leaves the field out, and
    the fourth layer is then undetermined (wenzhou-2021-78/3.3.10 sets no benefit rules for it)."""
    claim = {"date": date, "setting": setting, "policy_range_cost": cost, "referred": referred,
             "followed_treatment_guidance": guided, "in_city_designated_hospital": city}
    if basic is not None:
        claim["basic_insurance_paid"] = basic
    if supplementary is not None:
        claim["supplementary_insurance_paid"] = supplementary
    claim.update(extra)
    return claim


def make_scenario(*claims, category="dibao", statuses=None, insurance="resident", inputs=None,
                  base_deductible="30000", readings=None) -> dict:
    """A Wenzhou scenario; base_deductible=None leaves critical_illness_base_deductible out of the inputs;
    statuses=[...] gives the person's statuses instead of the one category."""
    all_inputs = {} if base_deductible is None else {"critical_illness_base_deductible": base_deductible}
    all_inputs.update(inputs or {})
    person = {"insurance": insurance, **({"statuses": statuses} if statuses is not None else {"category": category})}
    scenario = {"policy": POLICY, "person": person, "claims": list(claims) or [make_claim()], "inputs": all_inputs}
    if readings:
        scenario["readings"] = readings
    return scenario


def run(*claims, **kw):
    """Parse and evaluate a scenario built by make_scenario."""
    return medrules.evaluate(medrules.parse_scenario(make_scenario(*claims, **kw)))
