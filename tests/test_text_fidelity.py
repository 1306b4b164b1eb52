"""Issue 22, right by the text beyond the casebook: one test per defect a reader who had not seen the code found,
each figure worked by hand from the clause (the arithmetic beside it), and the readings the text leaves open.

The order of the layers comes from policies/<id>/layers.yaml (each layer's base, the clause and its words); the
amounts the text does not give are undetermined or bounded by what the words guarantee; a start date known only
from a report is an assumption, said so; an amount a reading calls an upper bound is marked as one."""
from __future__ import annotations

import csv
import re
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

import medrules
from medrules.cli.main import main
from medrules.core.layers import layer_order, settle_order
from medrules.core.policy import load_policy
from medrules.core.readings import readings, resolve

WZ, SD, GZ = "wenzhou-2021-78", "shandong-2022-major-illness", "guizhou-2024-medical-security"
D = Decimal


def run(policy, statuses, *claims, inputs=None, readings_=None):
    return medrules.evaluate(medrules.parse_scenario({
        "policy": policy, "person": {"statuses": list(statuses), "insurance": "resident"}, "claims": list(claims),
        "inputs": inputs or {}, "readings": readings_ or {}}))


def stay(date, cost, basic, **extra):
    return {"date": date, "setting": "inpatient", "policy_range_cost": cost, "basic_insurance_paid": basic,
            "critical_illness_paid": "0", **extra}


# --- 1. The order of the layers, from the text -------------------------------------------------------------------

def test_each_policys_layers_come_in_the_order_its_text_gives():
    def order(pid, chosen=None):
        return settle_order(pid, resolve(pid, chosen or {}))
    three = ["basic_insurance", "critical_illness_insurance", "medical_assistance"]
    # Shandong 五 "after … the triple system … still heavier": further relief before commercial insurance (八).
    assert [s for s in order(SD) if s in LAYER_NAMES] == three + ["further_relief", "supplementary_insurance"]
    assert [s for s in order(SD, {f"{SD}/5:commercial-place": "before-relief"}) if s in LAYER_NAMES] == \
        three + ["supplementary_insurance", "further_relief"]
    # Guizhou p10: tilted assistance after basic, critical illness and assistance; commercial insurance after it.
    assert [s for s in order(GZ) if s in LAYER_NAMES] == three + ["further_relief", "supplementary_insurance"]
    # Wenzhou 三(三)10–11: supplementary insurance is the fourth layer; high-cost relief after all four.
    assert [s for s in order(WZ) if s in LAYER_NAMES] == three + ["supplementary_insurance", "further_relief"]


LAYER_NAMES = {"basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
               "further_relief"}


@pytest.mark.parametrize("policy_id", [WZ, SD, GZ])
def test_every_layers_base_quotes_words_of_the_clause_it_cites(policy_id):
    policy = load_policy(policy_id)
    for name, place in layer_order(policy_id).layers.items():
        clause = policy.clauses[place.clause]
        text = " ".join(filter(None, (clause.text, clause.text_simplified, clause.parallel)))
        for fragment in re.split(r"……|…", place.quote):
            assert fragment.strip() in text, (policy_id, name, fragment)


def test_shandong_further_relief_does_not_wait_for_the_commercial_amount():
    # dibao: R = 30,000 − 10,000 − 0 = 20,000; assistance 70% = 14,000; 6,000 left; threshold 0:
    # 6,000 × 70% = 4,200 (under the 20,000 ceiling); commercial insurance not given: only it is undetermined.
    r = run(SD, ["dibao"], stay("2023-04-01", "30000", "10000"), inputs={"medical_assistance.still_heavy_threshold": "0"})
    c = r.claims[0]
    assert (c["medical_assistance"], c["further_relief"]) == (D("14000.00"), D("4200.00"))
    assert c["supplementary_insurance"] is None and set(c["undetermined"]) == {"supplementary_insurance"}


def test_guizhou_tilted_assistance_does_not_wait_for_the_commercial_amount():
    # dibao: 150,000 − 90,000 = 60,000; assistance 70% = 42,000 (within 50,000); 18,000 left; threshold 13,000,
    # ratio 50%: (18,000 − 13,000) × 50% = 2,500; out of pocket 15,500 at most (commercial insurance not given).
    r = run(GZ, ["dibao"], stay("2024-09-20", "150000", "90000", pre_self_paid="0"),
            inputs={"medical_assistance_ratio": "0.7", "tilted_assistance_threshold": "13000",
                    "tilted_assistance_ratio": "0.5", "tilted_assistance_annual_limit": "20000"})
    c = r.claims[0]
    assert (c["medical_assistance"], c["further_relief"], c["out_of_pocket"]) == \
        (D("42000.00"), D("2500.00"), D("15500.00"))
    assert c["supplementary_insurance"] is None and c["out_of_pocket_is_upper_bound"] is True


# --- 2. The amounts the text fixes, and the ones it does not give ------------------------------------------------

def test_shandong_other_groups_get_no_more_than_the_text_guarantees():
    # Same bill: R = 115,000 − 10,000 = 105,000. dibao: 105,000 × 70% = 73,500, held to the 30,000 limit.
    # jiance: (105,000 − 3,000) × 50% = 51,000 with no limit in the text: undetermined until the local limit is
    # given (30,000 → 30,000); reading no-limit gives the 51,000.
    bill = stay("2023-04-01", "115000", "10000", supplementary_insurance_paid="0")
    threshold = {"medical_assistance.still_heavy_threshold": "1000000"}
    assert run(SD, ["dibao"], bill, inputs=threshold).claims[0]["medical_assistance"] == D("30000.00")
    r = run(SD, ["jiance"], bill, inputs=threshold)
    assert r.claims[0]["medical_assistance"] is None
    assert r.claims[0]["undetermined"]["medical_assistance"]["field"] == \
        "inputs.medical_assistance.other_groups_annual_limit"
    r = run(SD, ["jiance"], bill, inputs={**threshold, "medical_assistance.other_groups_annual_limit": "30000"})
    assert r.claims[0]["medical_assistance"] == D("30000.00")
    r = run(SD, ["jiance"], bill, inputs=threshold, readings_={f"{SD}/5:other-groups-limit": "no-limit"})
    assert r.claims[0]["medical_assistance"] == D("51000.00")


def test_guizhou_people_returned_to_poverty_are_existing_recipients():
    # p8 "新增纳入" presumes existing recipients; fanpin_zhipin among them: (20,000 − 10,000) × 60% = 6,000.
    # Reading unnamed-undetermined: whether the unnamed groups are assisted is not known — undetermined.
    bill = stay("2024-09-05", "20000", "10000", pre_self_paid="0", supplementary_insurance_paid="0")
    r = run(GZ, ["fanpin_zhipin"], bill, inputs={"medical_assistance_ratio": "0.6"})
    assert r.claims[0]["medical_assistance"] == D("6000.00")
    r = run(GZ, ["fanpin_zhipin"], bill, inputs={"medical_assistance_ratio": "0.6"},
            readings_={f"{GZ}/p8:existing-recipients": "unnamed-undetermined"})
    assert r.claims[0]["medical_assistance"] is None and r.complete is False
    assert r.claims[0]["undetermined"]["medical_assistance"]["field"] == "statuses"


def test_guizhou_tilted_base_includes_what_assistance_left_of_the_class_b_self_payment():
    # p8 "将…乙类先行自付部分也纳入了救助范围". dibao: policy range 100,000 − 60,000 = 40,000 plus 乙类先行自付
    # 3,000 = 43,000; assistance 70% = 30,100; left 43,000 − 30,100 = 12,900; threshold 10,000, ratio 50%:
    # (12,900 − 10,000) × 50% = 1,450 (leaving the 3,000 out: 40,000 − 28,000 = 12,000 → 1,000).
    r = run(GZ, ["dibao"], stay("2024-09-20", "100000", "60000", pre_self_paid="3000", supplementary_insurance_paid="0"),
            inputs={"medical_assistance_ratio": "0.7", "tilted_assistance_threshold": "10000",
                    "tilted_assistance_ratio": "0.5", "tilted_assistance_annual_limit": "20000"})
    assert (r.claims[0]["medical_assistance"], r.claims[0]["further_relief"]) == (D("30100.00"), D("1450.00"))


def test_a_layer_owes_nothing_outside_its_group_whatever_came_before():
    # A general person whose basic insurance is not on the record: assistance and relief are for people the text
    # names (Wenzhou 二, Shandong 一, Guizhou p8), so 0 — not undetermined — while basic insurance waits.
    bill = {"date": "2024-09-04", "setting": "inpatient", "policy_range_cost": "80000",
            "supplementary_insurance_paid": "0", "pre_self_paid": "0"}
    for policy in (WZ, SD, GZ):
        c = run(policy, [], bill).claims[0]
        assert c["basic_insurance"] is None and (c["medical_assistance"], c["further_relief"]) == \
            (D("0.00"), D("0.00")), policy


# --- 4. Validity known only from a report ------------------------------------------------------------------------

@pytest.mark.parametrize("policy_id, before, day", [(SD, "2022-09-04", "2022-09-05"), (GZ, "2024-08-20", "2024-08-21")])
def test_a_start_known_only_from_a_report_is_an_assumption_with_a_reading_for_claims_before_it(policy_id, before,
                                                                                                day):
    bill = stay(before, "30000", "10000", pre_self_paid="0", supplementary_insurance_paid="0")
    inside = {**bill, "date": day}
    r = run(policy_id, ["dibao"], bill, inside)
    assert r.claims[0]["in_force"] is False and "假设：自报道日起" in r.claims[0]["outside_validity"] \
        and "an assumption: from the report" in r.claims[0]["outside_validity"]
    assert "in_force" not in r.claims[1]
    step = next(s for s in r.trace if s.claim == 0)
    assert "假设：自报道日起" in step.explanation
    r = run(policy_id, ["dibao"], bill, inside, readings_={f"{policy_id}/p1:validity": "undetermined-before"})
    assert r.claims[0]["basic_insurance"] is None and r.claims[0]["undetermined"]["basic_insurance"]["field"] == "date"


def test_batch_says_the_start_is_assumed_in_its_outside_validity_note(tmp_path, capsys):
    table = tmp_path / "claims.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "statuses", "insurance", "date", "setting", "policy_range_cost",
                    "basic_insurance_paid", "critical_illness_paid", "supplementary_insurance_paid"])
        w.writerow(["P1", "dibao", "resident", "2022-09-04", "inpatient", "30000", "10000", "0", "0"])
        w.writerow(["P1", "dibao", "resident", "2022-10-04", "inpatient", "30000", "10000", "0", "0"])
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"medical_assistance.still_heavy_threshold": "0"}', encoding="utf-8")
    out = tmp_path / "r.parquet"
    assert main(["batch", "--policy", SD, str(table), "--inputs", str(inputs), "--out", str(out)]) == 0
    rows = pq.read_table(out).to_pylist()
    assert rows[0]["basic_insurance"] is None and "假设：自报道日起" in rows[0]["undetermined"] \
        and "an assumption: from the report" in rows[0]["undetermined"]
    # 5. The second claim: R 20,000; assistance 14,000; 6,000 left; 6,000 × 70% = 4,200 under the 20,000 that
    # 五 says the local limit "can reach": an upper bound, marked in its own column.
    assert rows[1]["further_relief"] == D("4200.00") and rows[1]["upper_bound"] == "further_relief"
    assert rows[1]["complete"] is False
    printed = capsys.readouterr().out
    assert "1 claim(s) with a layer's amount only an upper bound (see the column `upper_bound`); out_of_pocket is a " \
           "lower bound for them" in printed


# --- 5. Upper bounds in the result -------------------------------------------------------------------------------

def test_an_amount_a_reading_calls_an_upper_bound_is_marked_in_the_result():
    # dibao R 50,000: assistance min(35,000, 30,000) = 30,000; 20,000 left; threshold 0: 20,000 × 70% = 14,000,
    # the most under "最高可达2万元" without the local limit: upper bound. With the local limit 10,000: 10,000, exact.
    bill = stay("2023-04-01", "60000", "10000", supplementary_insurance_paid="0")
    r = run(SD, ["dibao"], bill, inputs={"medical_assistance.still_heavy_threshold": "0"})
    c = r.to_dict()["claims"][0]
    assert (c["further_relief"], c["upper_bound"], c["complete"]) == ("14000.00", ["further_relief"], False)
    r = run(SD, ["dibao"], bill, inputs={"medical_assistance.still_heavy_threshold": "0",
                                          "local.tilted_annual_limit": "10000"})
    c = r.to_dict()["claims"][0]
    assert (c["further_relief"], c.get("upper_bound"), c["complete"]) == ("10000.00", None, True)


# --- 3. Every choice the issue names is a reading, with its default -----------------------------------------------

@pytest.mark.parametrize("reading_id, default, options", [
    (f"{SD}/5:marginal-threshold-period", "per-year", {"per-year", "per-claim"}),
    (f"{SD}/5:tilted-base", "above-threshold", {"above-threshold", "whole-burden"}),
    (f"{SD}/5:commercial-place", "after-relief", {"after-relief", "before-relief"}),
    (f"{SD}/5:other-groups-limit", "local-required", {"local-required", "no-limit"}),
    (f"{SD}/5:tilted-groups", "named-before", {"named-before", "all-recipients", "marginal-only"}),
    (f"{SD}/p1:validity", "from-report", {"from-report", "undetermined-before"}),
    (f"{GZ}/p10:tilted-base", "above-threshold", {"above-threshold", "whole-burden"}),
    (f"{GZ}/p10:commercial-place", "after-tilted", {"after-tilted", "before-tilted"}),
    (f"{GZ}/p8:outpatient-scope", "named-only", {"named-only", "all-outpatient"}),
    (f"{GZ}/p8:existing-recipients", "usual-groups", {"usual-groups", "unnamed-undetermined"}),
    (f"{GZ}/p1:validity", "from-report", {"from-report", "undetermined-before"}),
    (f"{WZ}/3.3.11:burden-scope", "policy-range", {"policy-range", "total"}),
])
def test_every_choice_the_text_leaves_open_is_a_named_reading(reading_id, default, options):
    reading = readings(reading_id.split("/")[0])[reading_id]
    assert reading.default == default and set(reading.options) == options
    assert reading.default_why.zh and reading.default_why.en


def test_options_without_support_in_the_words_are_gone_or_argued_from_the_text_itself():
    assert f"{GZ}/p3:outpatient-limit" not in readings(GZ)
    on_its_own = readings(WZ)[f"{WZ}/2:yinbing-zhipin"].options["on-its-own"].why
    assert "山东" not in on_its_own.zh and "Shandong" not in on_its_own.en


def test_every_option_of_every_claim_reading_is_named_by_a_casebook_case():
    # So the casebooks pass under every option: each case runs the option it names (tests/test_casebooks.py).
    from medrules.publish.casebook import casebook
    for policy_id in (WZ, SD, GZ):
        named = {(rid, option) for case in casebook(policy_id) for rid, option in (case.get("readings") or {}).items()}
        missing = [(rid, o) for rid, r in readings(policy_id).items() for o in r.options
                   if o != r.default and (rid, o) not in named]
        assert not missing, missing


# --- 6. The second reading -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy_id", [WZ, SD, GZ])
def test_each_second_reading_has_at_least_12_cases_and_every_disagreement_ended(policy_id):
    from medrules.publish.second_reading import second_reading, second_reading_counts
    n = second_reading_counts(policy_id)
    assert n["cases"] >= 12 and n["agreed"] + n["fix"] + n["reading"] + n["decision"] == n["cases"]
    for case in second_reading(policy_id):
        d = case.get("disagreement")
        if d:
            assert d["got"] and d["why"]["zh"] and d["why"]["en"], case["name"]
            if d["resolution"] == "reading":   # the case runs the reader's option of a named reading
                assert set(case["readings"]) <= set(readings(policy_id)), case["name"]


def test_the_second_readings_counts_are_on_each_policy_page():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    for policy_id in (WZ, SD, GZ):
        source = (root / "notebooks" / f"{policy_id}.py").read_text(encoding="utf-8")
        assert "second_reading_table(P)" in source, policy_id
