"""Fuzzing the scenario parser: medrules.core.scenario.load_scenario_json on arbitrary text, arbitrary JSON and
near-valid scenarios with one part replaced. It must return a Scenario or raise InputError — never anything
else. Bounded: 300 examples, no deadline (a few seconds).
"""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _wenzhou  # noqa: F401  (puts the repository on sys.path)

from medrules.core.scenario import InputError, Scenario, load_scenario_json

VALID = {
    "policy": "wenzhou-2021-78",
    "person": {"category": "dibao", "insurance": "resident"},
    "claims": [{"date": "2023-03-10", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": 200000,
                "basic_insurance_paid": 110000, "referred": True, "followed_treatment_guidance": True,
                "in_city_designated_hospital": True}],
    "inputs": {"critical_illness_base_deductible": 30000},
}
# Every place in VALID a value can be replaced, removed or joined by an unknown key.
PATHS = [(), ("policy",), ("person",), ("person", "category"), ("person", "insurance"), ("claims",),
         ("inputs",), ("inputs", "critical_illness_base_deductible")] + [
    ("claims", 0, k) for k in VALID["claims"][0]] + [("claims", 0), ("claims", 0, "critical_illness_paid"),
                                                      ("claims", 0, "supplementary_insurance_paid")]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["2023-02-30", "2023-03-10", "NaN", "-1", "1e9", "0.001", "1E+2", "tekun", "inpatient", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=8)


@st.composite
def near_valid(draw) -> str:
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        if not path:
            continue
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "extra"]))
            if action == "replace":
                parent[path[-1]] = draw(json_values)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=8))] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed the way there
    return json.dumps(data, allow_nan=True)


@st.composite
def damaged_text(draw) -> str:
    """Valid JSON text cut or spliced with random characters."""
    text = json.dumps(VALID)
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(i, len(text)))
    return text[:i] + draw(st.text(max_size=10)) + text[j:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=120), json_values.map(lambda v: json.dumps(v, allow_nan=True)), near_valid(),
                 damaged_text()))
def test_the_scenario_parser_returns_a_scenario_or_raises_input_error_only(text):
    try:
        result = load_scenario_json(text)
    except InputError as e:
        assert str(e) and e.field
        return
    assert isinstance(result, Scenario)


def test_the_unmodified_scenario_parses():
    assert load_scenario_json(json.dumps(VALID)).claims[0].policy_range_cost == 200000


# Found by probing beyond what the fuzzer draws: JSON that json.loads itself refuses with other errors.
def test_a_4301_digit_integer_is_an_input_error():
    with pytest.raises(InputError):
        load_scenario_json('{"policy": ' + "9" * 4301 + "}")


def test_deeply_nested_json_is_an_input_error():
    with pytest.raises(InputError):
        load_scenario_json("[" * 100_000 + "]" * 100_000)
