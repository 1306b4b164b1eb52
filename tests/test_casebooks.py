"""Run every policies/<id>/cases.yaml: cases worked by hand from the clause text (CONVENTIONS.md "A casebook entry").

A case has `name`, `clause`, `working: {zh, en}` and either
- `kind: indicators` (Zhejiang 2022: people, target, readings, expected per indicator),
- `kind: scheme` (Zhejiang 2019: a local scheme, expected per requirement),
- `kind: function` (a rule of medrules.rules.<policy> that answers a question the claim layers do not, called as
  function(policy, **args, readings=…); expected is its return value, money as two-decimal strings, dates as ISO
  strings; or {error: field} for a refusal), or
- no kind: a claim case (person, claims, inputs, readings, expected) run through medrules.evaluate — the hook for
  the claim policies' casebooks.
"""
from __future__ import annotations

import copy
import html as html_module
import importlib
import re
from decimal import Decimal
from fractions import Fraction

import pytest

import medrules
from medrules.core import policy as policy_module
from medrules.publish import report
from medrules.publish.casebook import plain
from medrules.core.policy import POLICIES_DIR, load_policy, policy_ids, read_yaml
from medrules.core.readings import readings, resolve
from medrules.rules import zhejiang_2019_chronic_outpatient as z2019
from medrules.rules import zhejiang_2022_illness_poverty as z2022
from medrules.core.scenario import InputError
from medrules.analysis.scheme import Scheme, check

MINIMUM = {"zhejiang-2022-illness-poverty": 8, "zhejiang-2019-chronic-outpatient": 8,
           "shandong-2022-major-illness": 12, "guizhou-2024-medical-security": 12, "wenzhou-2021-78": 14}


def casebook(policy_id):
    path = POLICIES_DIR / policy_id / "cases.yaml"
    return (read_yaml(path) or {}).get("cases", []) if path.exists() else []


CASES = [pytest.param(pid, case, id=f"{pid}:{i + 1}") for pid in policy_ids() for i, case in enumerate(casebook(pid))]


@pytest.mark.parametrize("policy_id, minimum", MINIMUM.items())
def test_each_casebook_has_enough_cases(policy_id, minimum):
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
    for part, want in case["expected"].items():
        assert _matches(result[part], want), (part, want, result[part])


def _matches(got, want) -> bool:
    """`want` is a part of `got`: a mapping's named keys (claims by index, years by year), each entry of a list
    (undetermined: {claim, layer, field}) found among got's entries, anything else equal (null stays None)."""
    if isinstance(want, dict):
        return all(_matches(got[k], v) for k, v in want.items())
    if isinstance(want, list):
        return all(any(_matches(g, w) for g in got) for w in want)
    return got == want and type(got) is type(want)


def _function(policy_id, case):
    """A rule the claim layers do not run (a prenatal year, a retroactive window), with the case's readings."""
    module = importlib.import_module("medrules.rules." + policy_id.replace("-", "_"))
    rule, policy = getattr(module, case["function"]), load_policy(policy_id)
    # A rule no reading bears on takes no readings argument.
    args = {**(case.get("args") or {}), **({"readings": case["readings"]} if case.get("readings") else {})}
    expected = case["expected"]
    if isinstance(expected, dict) and "error" in expected:
        with pytest.raises(InputError) as info:
            rule(policy, **args)
        assert info.value.field == expected["error"]
        return
    assert plain(rule(policy, **args)) == plain(expected)   # as the casebook writes values


@pytest.mark.parametrize("policy_id, case", CASES)
def test_casebook(policy_id, case):
    kind = case.get("kind")
    if kind == "indicators":
        _indicators(policy_id, case)
    elif kind == "scheme":
        _scheme(case)
    elif kind == "function":
        _function(policy_id, case)
    else:
        assert kind is None, f"unknown kind {kind!r}; allowed: indicators, scheme, function, or none for a claim case"
        _claims(policy_id, case)


def test_the_zhejiang_modules_are_the_ones_the_casebooks_run():
    assert z2019.POLICY_ID in MINIMUM and z2022.POLICY_ID in MINIMUM


# --- The page tables (medrules.publish.report): casebook, readings side by side, uncertain notes ------------------------
WZ = "wenzhou-2021-78"
YINBING = "wenzhou-2021-78/2:yinbing-zhipin"


def test_casebook_table_marks_every_wenzhou_case_as_agreeing():
    frame = report.casebook_frame(WZ)
    assert len(frame) == len(casebook(WZ)) >= 14
    assert list(frame["核对 check"]) == ["✓"] * len(frame)
    # Chinese working first, English beside it.
    assert list(frame.columns).index("演算 working") + 1 == list(frame.columns).index("Working (English)")
    html = report.casebook_table(WZ).data
    assert casebook(WZ)[0]["name"] in html and f"{len(frame)} 个案例" in html


def test_casebook_table_marks_a_case_the_engine_disagrees_with(monkeypatch):
    wrong = copy.deepcopy(casebook(WZ)[0])
    # Hand working: assistance is (200,000 − 110,000 − 60,000) × 80% = 24,000; 24,001 is wrong on purpose.
    wrong["expected"]["totals"]["medical_assistance"] = "24001.00"
    monkeypatch.setattr(report, "casebook", lambda pid: [wrong])
    mark = report.casebook_frame(WZ)["核对 check"][0]
    assert mark.startswith("✗") and "totals" in mark


def test_a_policy_without_a_casebook_shows_none(tmp_path, monkeypatch):
    monkeypatch.setattr(policy_module, "POLICIES_DIR", tmp_path)
    assert report.casebook(WZ) == []
    monkeypatch.setattr(report, "casebook", lambda pid: [])
    assert report.casebook_frame(WZ).empty
    assert "no casebook yet" in report.casebook_table(WZ).data


def test_readings_table_lists_every_option_and_marks_each_default_once():
    html = report.readings_table(WZ).data
    for rid, reading in readings(WZ).items():
        assert rid in html
        for option in reading.options.values():
            assert option.zh in html
    from medrules.core.messages import pair
    assert html.count(f"（{pair('默认', 'default')}）") == len(readings(WZ))   # once in the list (English switchable)
    # once as a table column, named by the option's words (Chinese, the English behind the switch), not its ID
    defaults = [r.options[r.default] for r in readings(WZ).values()]
    for o in defaults:
        assert pair(o.zh + "（默认）", o.en + " (default)") in html, o.zh


def test_reading_runs_put_the_named_cases_side_by_side():
    runs = report.reading_runs(WZ, YINBING)
    assert set(runs["算例 case"]) == {c["name"] for c in casebook(WZ) if YINBING in (c.get("readings") or {})}
    assistance = runs[runs["数额 figure"] == "合计 · 医疗救助 totals · medical assistance"]
    # Hand working (二): only 因病致贫 with a 5,000 critical-illness slip: no assistance unless the status counts on
    # its own; then (100,000 − 60,000 − 5,000) × 80% = 28,000. The columns are the options' words, not their IDs.
    options = readings(WZ)[YINBING].options
    within, alone = options["within-dibao-dibian"], options["on-its-own"]
    assert set(assistance[f"{within.zh}（默认） {within.en} (default)"]) == {"0.00"}
    assert set(assistance[f"{alone.zh} {alone.en}"]) == {"28,000.00"}


def test_a_reading_no_case_names_falls_back_to_the_policys_examples(monkeypatch):
    monkeypatch.setattr(report, "casebook", lambda pid: [])
    sd = "shandong-2022-major-illness"
    runs = report.reading_runs(sd, next(iter(readings(sd))))
    assert len(runs) and all(name.startswith("示例：shandong-") for name in runs["算例 case"])
    assert set(runs["手算 worked by hand"]) == {"示例，未手算 example, not hand-worked"}


def test_a_reading_with_neither_cases_nor_examples_says_so():
    z = "zhejiang-2019-chronic-outpatient"  # its readings are named by no case and it has no example scenario
    assert "No case or example runs this reading yet" in report.readings_table(z).data


@pytest.mark.parametrize("policy_id", policy_ids())
def test_uncertain_notes_hide_nothing(policy_id):
    policy = load_policy(policy_id)
    frame = report.uncertain_frame(policy_id)
    notes = [(c.id, n["zh"], n["en"]) for c in policy.clauses.values() for n in (*c.uncertain, *c.open_questions)]
    notes += [(policy_id, q["zh"], q["en"]) for q in policy.meta.get("open_questions") or []]
    assert sorted(zip(frame["条款 clause"], frame["内容 note"], frame["Note (English)"])) == sorted(notes)
    html = report.uncertain_notes(policy_id).data
    assert all(html_module.escape(zh) in html and html_module.escape(en) in html for _, zh, en in notes)


def test_the_notes_table_shows_each_note_chinese_first_with_the_english_behind_the_switch():
    # Found by its words (hand-copied from the clauses file), not by the clause ID.
    from bs4 import BeautifulSoup
    english = "The tilted-assistance ratio and annual limit."
    table = BeautifulSoup(report.uncertain_notes("guizhou-2024-medical-security").data, "html.parser")
    assert [th.find("span").get_text() for th in table.select("thead th")] == ["条款", "类别", "内容", "条款"]
    row = next(tr for tr in table.select("tbody tr") if english in tr.get_text())
    kind, note = row.select("td")[1:3]
    assert [(s["lang"], s.get_text()) for s in kind.find_all("span")] == [("zh", "待明确"), ("en", "open question")]
    assert "medrules-prose" in note["class"]
    assert [(s["lang"], s.get_text()) for s in note.find_all("span")] == [("zh", "倾斜救助的比例和年度限额。"),
                                                                           ("en", english)]


def test_uncertain_notes_show_the_high_cost_period_question_on_its_clause():
    frame = report.uncertain_frame(WZ)
    mine = frame[frame["条款 clause"] == "wenzhou-2021-78/3.3.11"]
    assert any("per admission or per year" in n for n in mine["Note (English)"])
    assert "未说明5万元按每次住院还是按年度计算（引擎按自然年度累计）。" in set(mine["内容 note"])
