"""Hostile inputs, generated (issue 27): one grammar for every path, and every command ends in a result or one line.

1. The table readers' vectorised fast paths (medrules/tables/columns.py) accept exactly what the one parser of each
   kind of value accepts (medrules/core/grammar.py: amounts, dates, settlement times, yes/no), with its refusal
   word for word, on values drawn to sit on the grammar's edges (+100, .5, 100., 1e5, 0000-01-01, 24:00, " true").
2. `evaluate` and `batch` agree on what they accept: a one-person table and the same scenario, with fields
   replaced by such values, are both settled to the same figures or both refused with the same sentence.

Each example runs in the process (no interpreter start-up), so a few hundred examples take seconds; the commands
themselves are fuzzed in tests/test_hostile_commands.py.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import _wenzhou  # noqa: F401  (puts the repository on sys.path)

from medrules.core.grammar import parse_date, parse_flag, parse_money, parse_settlement_time
from medrules.core.result import evaluate
from medrules.core.scenario import InputError, load_scenario_json
from medrules.tables.claims_file import claims_from_arrow
from medrules.tables.columns import Column, bool_column, date_column, money_column, settlement_day_text
from medrules.tables.settle import evaluate_table

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- values on the grammar's edges ---------------------------------------------------------------------------------

AMOUNT_EDGES = ["+100", ".5", "100.", "1.50e1", "1e-2", "1e5", "1E5", "-0", "-0.00", "-1", "-0.001", "NaN", "nan",
                "inf", "-Infinity", "100000000", "100000000.00", "100000000.01", "99999999.99", "999999999.99",
                "1000000000", "00000000000000000000001", "9" * 1000, "1" + "0" * 997 + ".00", "1.000", "1.10", "0.01", "0", " 100", "100 ", "1_000",
                "１０００", "1,000", "٣", "0x10", "", "1.", "..1", "1..2", "--1", "1e", "12345678901234567890"]
amount_text = st.one_of(st.sampled_from(AMOUNT_EDGES), st.from_regex(r"-?[0-9]{1,11}(\.[0-9]{0,3})?", fullmatch=True),
                        st.text(alphabet="0123456789.+-eE _,", max_size=12),
                        st.from_regex(r"[0-9]{12,1200}(\.[0-9]{1,2})?", fullmatch=True))   # Arrow wraps these
DATE_EDGES = ["0000-01-01", "0001-01-01", "9999-12-31", "2023-02-29", "2024-02-29", "2023-02-30", "2023-13-01",
              "2023-00-10", "2023-03-00", "2023-3-10", "20230310", "2023/03/10", "2023-03-10 ", " 2023-03-10",
              "2023-03-10T00:00", "+2023-03-10", "２０２３-03-10", "", "1900-02-29", "2000-02-29"]
date_text = st.one_of(st.sampled_from(DATE_EDGES), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
                      st.text(alphabet="0123456789- T:", max_size=12))
TIME_EDGES = ["2023-03-10", "2023-03-10 09:41:12", "2023-03-10 09:41", "2023-03-10T09:41:12", "2023-03-10 99:99:99",
              "2023-03-10 24:00:00", "2023-03-10 23:59:59", "2023-03-10 23:60:00", "2023-03-10 23:59:60",
              "2023-03-10  09:41", "2023-03-10 9:41", "2023-02-30 10:00:00", "0000-01-01 00:00", "2023-03-10 09:41:12.5"]
time_text = st.one_of(st.sampled_from(TIME_EDGES), st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?", fullmatch=True))
FLAG_EDGES = ["true", "false", "", "True", "FALSE", "1", "0", "yes", "no", "on", "off", " true", "true ", "t", "null"]
flag_text = st.sampled_from(FLAG_EDGES)


def one_column(values, kind=pa.string(), sliced=False) -> Column:
    """A column of a table, as a reader makes it; `sliced`: a view into a longer array (as a part of a file is),
    whose buffers start before its first value."""
    array = pa.array(["2023-03-10"] + list(values), kind)[1:] if sliced else pa.array(values, kind)
    return Column(pa.table({"x": array}), "x", 2)


text_kinds = st.tuples(st.sampled_from([pa.string(), pa.large_string()]), st.booleans())


def first_refusal(values, parse):
    """(row, Problem) of the first value the one parser refuses, or None."""
    for i, v in enumerate(values):
        try:
            parse(v)
        except ValueError as e:
            return i, e
    return None


def assert_same_refusal(error: InputError, row: int, problem) -> None:
    assert error.field == f"row {row + 1} (line {row + 2}), x"
    assert (str(error.problem), error.problem.zh) == (str(problem), problem.zh)


# --- 1. each fast path against its one parser ----------------------------------------------------------------------

@FAST
@given(st.lists(amount_text, min_size=1, max_size=6), text_kinds)
def test_a_money_column_accepts_and_refuses_exactly_what_parse_money_does(values, kind):
    given_values = [v for v in values]
    refused = first_refusal([v for v in given_values if v != ""], parse_money)
    if refused is not None:   # the row of the first refused value, counting the empty ones too
        row = [i for i, v in enumerate(given_values) if v != ""][refused[0]]
        with pytest.raises(InputError) as e:
            money_column(one_column(given_values, *kind), required=False)
        assert_same_refusal(e.value, row, refused[1])
        return
    fen, present = money_column(one_column(given_values, *kind), required=False)
    assert present.tolist() == [v != "" for v in given_values]   # an empty cell is not given, as in a CSV
    assert [int(f) for f, p in zip(fen, present) if p] == [int(parse_money(v) * 100) for v in given_values if v]


@FAST
@given(st.lists(st.one_of(st.integers(-10, 10**10), st.decimals(-10, 10**9, places=2, allow_nan=False),
                          st.decimals(0, 10**5, places=3, allow_nan=False)), min_size=1, max_size=5))
def test_a_parquet_money_column_of_integers_or_decimals_is_read_as_parse_money_reads_the_number(values):
    ints = all(isinstance(v, int) for v in values)
    scale = 0 if ints else max(-Decimal(v).as_tuple().exponent for v in values)
    # A decimal column has one scale: in decimal(20,3) a 5 is 5.000, as a scenario would write it.
    values = values if ints else [Decimal(v).quantize(Decimal(1).scaleb(-scale)) for v in values]
    column = one_column(values, pa.int64() if ints else pa.decimal128(20, scale))
    refused = first_refusal(values, parse_money)
    if refused is not None:
        with pytest.raises(InputError) as e:
            money_column(column, required=True)
        assert_same_refusal(e.value, *refused)
        return
    fen, _ = money_column(column, required=True)
    assert fen.tolist() == [int(parse_money(v) * 100) for v in values]


@FAST
@given(st.lists(date_text.filter(bool), min_size=1, max_size=6), text_kinds)
def test_a_date_column_accepts_and_refuses_exactly_what_parse_date_does(values, kind):
    refused = first_refusal(values, parse_date)
    if refused is not None:
        with pytest.raises(InputError) as e:
            date_column(one_column(values, *kind))
        assert_same_refusal(e.value, *refused)
        return
    days = date_column(one_column(values, *kind))
    assert [str(d) for d in days] == [parse_date(v).isoformat() for v in values]


@FAST
@given(st.lists(time_text, min_size=1, max_size=6), text_kinds)
def test_a_settlement_time_column_accepts_and_refuses_exactly_what_parse_settlement_time_does(values, kind):
    refused = first_refusal(values, parse_settlement_time)
    if refused is not None:
        with pytest.raises(InputError) as e:
            settlement_day_text(one_column(values, *kind))
        assert_same_refusal(e.value, *refused)
        return
    _, days = settlement_day_text(one_column(values, *kind))
    assert [str(d) for d in days] == [parse_settlement_time(v).isoformat() for v in values]


def as_json_flag(text: str):
    """What a table's yes/no cell stands for in a scenario: true, false, empty = not given (null), else the text."""
    return {"true": True, "false": False, "": None}.get(text, text)


@FAST
@given(st.lists(flag_text, min_size=1, max_size=6), text_kinds)
def test_a_yes_no_column_accepts_and_refuses_exactly_what_parse_flag_does(values, kind):
    refused = first_refusal([as_json_flag(v) for v in values], parse_flag)
    if refused is not None:
        with pytest.raises(InputError) as e:
            bool_column(one_column(values, *kind))
        assert_same_refusal(e.value, *refused)
        return
    got, given_ = bool_column(one_column(values, *kind))
    assert [bool(g) and bool(v) for g, v in zip(given_, got)] == [as_json_flag(v) is True for v in values]
    assert given_.tolist() == [as_json_flag(v) is not None for v in values]


# --- 2. evaluate and batch agree -----------------------------------------------------------------------------------

plausible_amount = st.one_of(amount_text, st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,2})?", fullmatch=True))
BASE_CLAIM = {"date": "2023-03-10", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": "200000",
              "basic_insurance_paid": "110000", "critical_illness_paid": "", "supplementary_insurance_paid": "0",
              "referred": "true", "followed_treatment_guidance": "true", "in_city_designated_hospital": "true"}
BASE_PERSON = {"statuses": "dibao", "insurance": "resident"}
INPUTS = {"critical_illness_base_deductible": "30000"}
FIELDS = {"date": date_text, "setting": st.sampled_from(["inpatient", "outpatient", " inpatient", "Inpatient", "",
                                                        "chronic_outpatient", "day_surgery", "ward"]),
          "facility": st.sampled_from(["tertiary", "secondary", "primary", "", "tertiary "]),
          "policy_range_cost": plausible_amount, "basic_insurance_paid": plausible_amount,
          "critical_illness_paid": plausible_amount, "supplementary_insurance_paid": plausible_amount, "referred": flag_text, "followed_treatment_guidance": flag_text,
          "in_city_designated_hospital": flag_text,
          "statuses": st.sampled_from(["dibao", "tekun", "", "dibao;yinbing_zhipin", "dibao ;jiance", "poor"]),
          "insurance": st.sampled_from(["resident", "employee", "Resident", " resident", ""])}
FLAGS = ("referred", "followed_treatment_guidance", "in_city_designated_hospital")
COMPARED = ("date", "policy_range_cost", "basic_insurance_paid", "critical_illness_paid",
            "supplementary_insurance_paid") + FLAGS   # kinds whose refusals share their sentence


def scenario_of(person: dict, claim: dict) -> dict:
    """The scenario a one-row table stands for: an empty cell is a field not given (null)."""
    json_claim = {}
    for k, v in claim.items():
        value = as_json_flag(v) if k in FLAGS else (None if v == "" else v)
        if value is not None:
            json_claim[k] = value
    statuses = [s.strip() for s in person["statuses"].split(";") if s.strip()]
    json_person = {"statuses": statuses}
    if person["insurance"] != "":
        json_person["insurance"] = person["insurance"]
    return {"policy": "wenzhou-2021-78", "person": json_person, "claims": [json_claim], "inputs": dict(INPUTS)}


def table_of(person: dict, claim: dict) -> pa.Table:
    row = {"person_id": "P1", **person, **claim}
    return pa.table({k: pa.array([None if v == "" else v], pa.string()) for k, v in row.items()})


def outcome_of_scenario(data):
    try:
        result = evaluate(load_scenario_json(json.dumps(data)))
    except InputError as e:
        return "refused", e
    claim = result.to_dict(trace=False)["claims"][0]
    return "settled", {k: claim.get(k) for k in ("basic_insurance", "critical_illness_insurance", "medical_assistance",
                                                 "supplementary_insurance", "further_relief", "out_of_pocket")}


def outcome_of_table(table):
    try:
        s = evaluate_table(claims_from_arrow(table), "wenzhou-2021-78", dict(INPUTS))
    except InputError as e:
        return "refused", e
    amounts = {k: (f"{Decimal(int(s.amounts[k][0])) / 100:.2f}" if s.known[k][0] else None)
               for k in ("basic_insurance", "critical_illness_insurance", "medical_assistance",
                         "supplementary_insurance", "further_relief")}
    amounts["out_of_pocket"] = f"{Decimal(int(s.amounts['out_of_pocket'][0])) / 100:.2f}" if s.priced[0] else None
    return "settled", amounts


@st.composite
def mutated_record(draw):
    person, claim = dict(BASE_PERSON), dict(BASE_CLAIM)
    changed = draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=3, unique=True))
    for field in changed:
        value = draw(FIELDS[field])
        (person if field in person else claim)[field] = value
    return person, claim, changed


@SLOW
@given(mutated_record())
def test_evaluate_and_batch_settle_the_same_record_alike_or_refuse_it_alike(record):
    person, claim, changed = record
    scenario_kind, scenario_said = outcome_of_scenario(scenario_of(person, claim))
    table_kind, table_said = outcome_of_table(table_of(person, claim))
    assert scenario_kind == table_kind, (scenario_said, table_said)
    event(scenario_kind)   # --hypothesis-show-statistics: both outcomes are reached
    if scenario_kind == "settled":
        assert scenario_said == table_said
    elif len(changed) == 1 and changed[0] in COMPARED and claim.get(changed[0], "") != "":
        # One value refused on both ways in: the same sentence, after the field each names its own way (a date
        # the policy's validity does not cover: the scenario names its claim's date, the table the claims).
        assert scenario_said.field in (f"claims[0].{changed[0]}", "claims")
        assert table_said.field.endswith(f", {changed[0]}") or table_said.field == "claims"
        assert (str(scenario_said.problem), scenario_said.problem.zh) == (str(table_said.problem),
                                                                          table_said.problem.zh)


def test_the_unchanged_record_is_settled_both_ways_to_the_same_figures():
    kind, figures = outcome_of_table(table_of(BASE_PERSON, BASE_CLAIM))
    assert (kind, figures) == outcome_of_scenario(scenario_of(BASE_PERSON, BASE_CLAIM))
    assert kind == "settled" and figures["basic_insurance"] == "110000.00" and figures["out_of_pocket"] is not None
