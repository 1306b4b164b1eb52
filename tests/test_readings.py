"""Readings (policies/<id>/readings.yaml): valid, citing clauses that exist, resolvable; and every `Assumption:`
line of the notebooks either names its reading or says why only one reading is possible."""
from __future__ import annotations

import re

import pytest

from _wenzhou import REPO
from medrules.core.policy import load_policy, policy_ids
from medrules.core.readings import clause_of, readings, resolve
from medrules.core.scenario import InputError

ASSUMPTION = re.compile(r"^# Assumption\b(?P<rest>.*)$")
MARKED = re.compile(r"^ \((?:reading (?P<reading>[A-Za-z0-9.]+:[a-z0-9-]+)|one reading: (?P<why>[^)]{10,}))\):")
# A `one reading` reason: Chinese first, its English behind the book's 中文 switch.
BILINGUAL_WHY = re.compile(r'^(?P<zh>[^<]+) <span lang="en">/ (?P<en>[^<]+)</span>$')
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def why_is_chinese_then_english(why: str) -> bool:
    """Chinese (more CJK characters than Latin letters: a quoted `p7:expense-base` is fine, an English sentence is
    not) before the span, English words inside it."""
    m = BILINGUAL_WHY.match(why)
    return bool(m) and len(CJK.findall(m["zh"])) > len(LATIN.findall(m["zh"])) \
        and re.search(r"[A-Za-z]+ [A-Za-z]+", m["en"]) is not None


@pytest.mark.parametrize("policy_id", policy_ids())
def test_every_reading_cites_a_clause_of_its_policy(policy_id):
    policy = load_policy(policy_id)
    for rid in readings(policy_id):
        assert clause_of(rid) in policy.clauses, f"{rid} cites a clause that does not exist"


def test_the_readings_the_issue_names_exist_with_their_defaults():
    assert resolve("wenzhou-2021-78", {}) == {
        "wenzhou-2021-78/3.3.9:outpatient-burden": "all-burden",
        "wenzhou-2021-78/2:yinbing-zhipin": "within-dibao-dibian",
        "wenzhou-2021-78/3.3.9:ratio-floors": "floor",
        "wenzhou-2021-78/3.3.11:high-cost-period": "calendar-year",
        "wenzhou-2021-78/3.3.8:status-start": "next-month",
        "wenzhou-2021-78/3.3.8:status-end": "exit-day",
        "wenzhou-2021-78/3.3.11:burden-scope": "policy-range"}
    assert resolve("shandong-2022-major-illness", {})["shandong-2022-major-illness/5:tilted-limit-ceiling"] == \
        "upper-bound"
    assert resolve("zhejiang-2022-illness-poverty", {}) == {
        "zhejiang-2022-illness-poverty/p7:expense-base": "total",
        "zhejiang-2022-illness-poverty/p7:protection-payers": "three_systems",
        "zhejiang-2022-illness-poverty/p7:aggregation": "pooled"}


def test_a_selection_overrides_the_default_of_its_reading_only():
    chosen = resolve("wenzhou-2021-78", {"wenzhou-2021-78/3.3.9:outpatient-burden": "inpatient-only"})
    assert chosen["wenzhou-2021-78/3.3.9:outpatient-burden"] == "inpatient-only"
    assert chosen["wenzhou-2021-78/2:yinbing-zhipin"] == "within-dibao-dibian"


@pytest.mark.parametrize("selection, field, allowed", [
    ({"wenzhou-2021-78/3.3.9:nonsense": "x"}, "readings.wenzhou-2021-78/3.3.9:nonsense",
     "allowed: wenzhou-2021-78/3.3.9:outpatient-burden, "),
    ({"wenzhou-2021-78/3.3.9:outpatient-burden": "some"}, "readings.wenzhou-2021-78/3.3.9:outpatient-burden",
     "allowed: all-burden, inpatient-only"),
])
def test_an_unknown_reading_or_option_names_the_field_and_the_allowed_values(selection, field, allowed):
    with pytest.raises(InputError) as info:
        resolve("wenzhou-2021-78", selection)
    assert info.value.field == field and allowed in str(info.value)


def test_the_zhejiang_2019_current_ratios_are_recorded_as_not_a_reading():
    from medrules.core.readings import load_readings
    notes = load_readings("zhejiang-2019-chronic-outpatient").not_readings
    assert [n.clause for n in notes] == ["zhejiang-2019-chronic-outpatient/p7"]
    assert "统计" in notes[0].why.zh and "statistics" in notes[0].why.en


def assumption_lines():
    for path in sorted((REPO / "notebooks").glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            m = ASSUMPTION.match(line)
            if m:  # the paragraph: this line and the markdown lines that continue it
                rest = [m["rest"]]
                for more in lines[number:]:
                    if not more.startswith("# ") or more.startswith("# Assumption"):
                        break
                    rest.append(more[1:])
                yield path.stem, number, "".join(rest)


def test_every_assumption_names_its_reading_or_says_why_there_is_only_one():
    unmarked, unknown, english_only = [], [], []
    for policy_id, number, rest in assumption_lines():
        m = MARKED.match(rest)
        if not m:
            unmarked.append(f"notebooks/{policy_id}.py:{number}")
        elif m["reading"] and f"{policy_id}/{m['reading']}" not in readings(policy_id):
            unknown.append(f"notebooks/{policy_id}.py:{number}: {m['reading']}")
        elif m["why"] and not why_is_chinese_then_english(m["why"]):
            english_only.append(f"notebooks/{policy_id}.py:{number}")
    assert not unmarked, "Assumption lines with neither (reading …) nor (one reading: why): " + ", ".join(unmarked)
    assert not unknown, "Assumption lines naming a reading that does not exist: " + ", ".join(unknown)
    assert not english_only, ('Assumption lines whose reason is not (one reading: 中文 <span lang="en">/ English'
                              '</span>): ' + ", ".join(english_only))


@pytest.mark.parametrize("why, bilingual", [
    ('报道未提起付线，不自行设定 <span lang="en">/ the report names no deductible, so none is invented</span>', True),
    ("个人负担即各方均未支付的部分；费用基数按p7:expense-base这一理解"
     ' <span lang="en">/ the expense base is the p7:expense-base reading</span>', True),
    ("the report names no deductible, so none is invented", False),
    ("超过 excludes the line itself", False),
    ('超过 excludes the line itself <span lang="en">/ 超过 excludes the line itself</span>', False),
    ('“超过”不含本数 <span lang="en">/ 不含本数</span>', False),
    ('“超过”不含本数 / 超过 excludes the line itself', False),
])
def test_a_one_reading_reason_must_be_chinese_with_its_english_in_the_span(why, bilingual):
    assert MARKED.match(f" (one reading: {why}): …")["why"] == why
    assert why_is_chinese_then_english(why) is bilingual


def test_the_assumption_scan_sees_every_notebook():
    assert {p for p, _, _ in assumption_lines()} == set(policy_ids())


@pytest.mark.parametrize("policy_id", policy_ids())
def test_the_listing_shows_every_reading_chinese_first_with_its_default_marked(policy_id):
    from medrules.core.readings import describe
    text = describe(policy_id)
    for rid, reading in readings(policy_id).items():
        assert f"\n{rid}\n  {reading.question.zh}\n  {reading.question.en}\n" in text
        default = reading.options[reading.default]
        assert f"  * {reading.default}: {default.zh} · {default.en}" in text
