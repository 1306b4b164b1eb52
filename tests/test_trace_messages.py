"""Trace explanations come from the catalogue (medrules/messages.yaml), Chinese first with the English beside.

A rule names a message key for each case and for each reason a claim is undetermined; the engine fills the key's zh
and en templates from the same values. These tests read the rule modules' source for every key they name, and run
every casebook (and each other option of each reading) through evaluate to check every step a reader sees.
"""
from __future__ import annotations

import ast
import html
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import medrules
from medrules.core.engine import _why_text, claim_policies
from medrules.core.trace import _templates
from medrules.core.messages import catalogue, placeholders
from medrules.core.policy import POLICIES_DIR, read_yaml
from medrules.core.readings import readings
from medrules.core.rulebook import Case, RuleError
from medrules.core.scenario import InputError

CJK = re.compile(r"[\u4e00-\u9fff]")
RULES = sorted((Path(medrules.__file__).parent / "rules").glob("*.py")) + [Path(medrules.__file__).parent / "core" /
                                                                          "rulebook.py"]
# Which positional argument of each call is the message key (or reason key) a rule gives.
KEY_ARGS = {"case": (2,), "otherwise": (1,), "missing": (1,), "input_amount": (2,), "input_ratio": (2,),
            "need_slip": (2,), "_cause": (1,), "paid_per_slip": (2,), "from_record": (1, 2), "_needs": (2,),
            "_undetermined_where": (3,), "msg": (0,)}


def _key_arguments(path: Path):
    """(line, call name, argument node, keyword names given) for each argument that names a message."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        for pos in KEY_ARGS.get(name, ()):
            if pos < len(node.args):
                kwargs = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords}
                yield node.lineno, name, node.args[pos], kwargs


def _literal_start(arg) -> str | None:
    """The text a key argument starts with when it is written in the call: "trace.x", f"trace.x.{y}", "trace.x" + y."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return arg.values[0].value
    if isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Constant):
        return arg.left.value
    return None


def test_every_message_key_a_rule_names_is_in_the_catalogue_with_the_values_it_gives():
    keys = catalogue()
    checked, problems = 0, []
    for path in RULES:
        for line, name, arg, kwargs in _key_arguments(path):
            start = _literal_start(arg)
            if start is None:
                continue   # a variable: the key it holds is written (and checked) where it is assigned
            where = f"{path.name}:{line}"
            if isinstance(arg, ast.Constant):
                if start not in keys:
                    problems.append(f"{where}: {name}() names {start!r}, which is not in messages.yaml")
                    continue
                if kwargs is not None and name in ("case", "otherwise", "msg"):
                    given = kwargs - {"clause"}
                    for lang in ("zh", "en"):
                        if placeholders(keys[start][lang]) != given:
                            wanted = sorted(placeholders(keys[start][lang]))
                            problems.append(f"{where}: {start!r} ({lang}) has placeholders {wanted}, the rule "
                                            f"gives {sorted(given)}")
            elif not any(k.startswith(start) for k in keys):
                problems.append(f"{where}: {name}() builds a key from {start!r}, which no message starts with")
            checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 70   # the three claim policies' rules


def test_no_rule_writes_a_trace_sentence_itself():
    """Every key argument is a catalogue key (or a variable holding one), never an English or Chinese sentence."""
    sentences = [f"{path.name}:{line}: {name}({_literal_start(arg)!r})" for path in RULES
                 for line, name, arg, _ in _key_arguments(path)
                 if _literal_start(arg) is not None and not _literal_start(arg).startswith("trace.")]
    assert not sentences, "\n".join(sentences)


def test_a_case_naming_an_unknown_key_or_other_values_is_refused():
    lr = SimpleNamespace(rule="some_rule")
    mask = np.ones(1, dtype=bool)
    with pytest.raises(RuleError, match="no message 'trace.no.such'"):
        _templates(lr, Case(mask, 0, "trace.no.such"))
    with pytest.raises(RuleError, match="placeholders"):
        _templates(lr, Case(mask, 0, "trace.wenzhou.ma_tekun", {"burden": 1, "ratio": 1, "due": 1}))
    with pytest.raises(RuleError, match="placeholders"):
        _templates(lr, Case(mask, 0, "trace.wenzhou.high_cost_not_guided", {"burden": 1}))
    zh, _ = _templates(lr, Case(mask, 0, "trace.wenzhou.high_cost_not_guided"))
    assert zh.startswith("本次不予高额医疗费用化解")
    with pytest.raises(RuleError, match="without placeholders"):
        _why_text({"why": "trace.wenzhou.ma_tekun", "field": "x", "needed_by": "medical_assistance"})
    with pytest.raises(RuleError, match="message key"):
        _why_text({"why": "the text does not say", "field": "x", "needed_by": "medical_assistance"})


def _claim_cases():
    for pid in claim_policies():
        path = POLICIES_DIR / pid / "cases.yaml"
        for case in (read_yaml(path) or {}).get("cases", []):
            if "kind" not in case and "person" in case:
                yield pid, case


def _variants(pid, case):
    """The case as written, then once with each other option of each of the policy's readings."""
    yield case.get("readings") or {}
    for reading_id, reading in readings(pid).items():
        for option in reading.options:
            if option != (case.get("readings") or {}).get(reading_id, reading.default):
                yield {**(case.get("readings") or {}), reading_id: option}


def _scenario(pid, case, chosen):
    return {"policy": pid, "person": case["person"], "claims": case["claims"], "inputs": case.get("inputs") or {},
            "readings": chosen}


def test_every_trace_sentence_of_every_casebook_is_chinese_first_with_english_beside():
    """Each casebook claim case, under its readings and under each other option of each reading: every step's
    explanation is the Chinese then the English of one catalogue message, and every reason for an undetermined
    layer is too."""
    steps = runs = 0
    layers_seen, problems = set(), []
    for pid, case in _claim_cases():
        for chosen in _variants(pid, case):
            try:
                result = medrules.evaluate(medrules.parse_scenario(_scenario(pid, case, chosen)))
            except InputError:
                continue   # a combination a reading refuses (e.g. a local value it contradicts)
            runs += 1
            for s in result.to_dict()["trace"]:
                steps += 1
                layers_seen.add((pid, s["layer"]))
                zh, en = s["explanation_zh"], s["explanation_en"]
                if not CJK.search(zh) or not en or s["explanation"] != f"{zh} · {en}":
                    problems.append(f"{pid} {case['name']} {chosen}: {s['layer']}: {s['explanation']!r}")
            for u in result.undetermined:
                if not CJK.search(u["why"].split(" · ")[0]):
                    problems.append(f"{pid} {case['name']}: undetermined {u['layer']}: {u['why']!r}")
    assert not problems, "\n".join(problems[:20])
    assert runs > 100 and steps > 500
    assert {layer for _, layer in layers_seen} >= set(medrules.core.engine.LAYERS)


def test_a_claim_outside_the_validity_is_explained_in_chinese_first():
    scenario = {"policy": "wenzhou-2021-78", "person": {"statuses": ["dibao"], "insurance": "resident"},
                "claims": [{"date": "2021-12-31", "setting": "inpatient", "policy_range_cost": 1000,
                            "basic_insurance_paid": 500},
                           {"date": "2023-03-10", "setting": "inpatient", "policy_range_cost": 1000,
                            "basic_insurance_paid": 500, "supplementary_insurance_paid": 0}],
                "inputs": {"critical_illness_base_deductible": 30000}}
    step = medrules.evaluate(medrules.parse_scenario(scenario)).trace[0]
    assert step.explanation_zh == "不在该政策适用期间（2022-01-01 至 2025-12-31）内，不予结算"
    assert step.explanation_en == "outside the policy's validity (2022-01-01 to 2025-12-31): not settled"


def test_the_words_a_rule_puts_inside_a_sentence_follow_its_language():
    """Shandong's key-group critical-illness sentence names the annual limit in words from the catalogue: Chinese
    in the Chinese sentence, English in the English one."""
    scenario = {"policy": "shandong-2022-major-illness", "person": {"statuses": ["dibao"], "insurance": "resident"},
                "claims": [{"date": "2023-03-10", "setting": "inpatient", "policy_range_cost": 100000,
                            "basic_insurance_paid": 60000}],
                "inputs": {"critical_illness.base_deductible": 10000, "critical_illness.base_ratio": "0.6",
                           "critical_illness.key_group_ratio_increase": "0.05"}}
    result = medrules.evaluate(medrules.parse_scenario(scenario))
    step = next(s for s in result.trace if s.layer == "critical_illness_insurance")
    assert "取消年度最高支付限额" in step.explanation_zh and "no annual limit" not in step.explanation_zh
    assert "no annual limit" in step.explanation_en and "取消" not in step.explanation_en


def _long_trace():
    """Shandong's tilted assistance under reading upper-bound: the longest sentence a trace has."""
    scenario = {"policy": "shandong-2022-major-illness", "person": {"statuses": ["dibao"], "insurance": "resident"},
                "claims": [{"date": "2023-03-10", "setting": "inpatient", "policy_range_cost": 300000,
                            "basic_insurance_paid": 150000, "critical_illness_paid": 60000,
                            "supplementary_insurance_paid": 0}],
                "inputs": {"medical_assistance.still_heavy_threshold": 10000}}
    return medrules.evaluate(medrules.parse_scenario(scenario))


def test_the_books_trace_table_shows_every_sentence_whole_chinese_with_english_behind_the_switch():
    from medrules.publish.report import trace_table
    from medrules.publish.widgets import trace_html
    result = _long_trace()
    tilted = next(s for s in result.trace if s.layer == "further_relief")
    assert len(tilted.explanation_zh) > 150 and "upper bound" in tilted.explanation_en
    for page in (trace_table(result)._repr_html_(), trace_html(result)):
        assert "..." not in page and "…" not in page
        for s in result.trace:
            assert f'<span lang="zh">{html.escape(s.explanation_zh)}</span>' in page
            assert f'<span lang="en">{html.escape(s.explanation_en)}</span>' in page
        assert '<span lang="zh">倾斜救助</span>' in page
    plain = repr(trace_table(result))
    assert tilted.explanation_zh in plain and tilted.explanation_en in plain and "..." not in plain


def test_every_trace_message_of_a_policy_is_named_by_its_rules_and_shown_under_them():
    """No sentence in the catalogue that no rule says; show_rule prints a rule's code with the sentences it names,
    Chinese with the English behind the switch, placeholders as {name}."""
    from medrules.publish.report import rule_messages, show_rule
    from medrules.rules import wenzhou_2021_78
    named = set()
    for path in RULES:
        named |= set(rule_messages(path.read_text(encoding="utf-8")))
    prefixes = ("trace.wenzhou.", "trace.shandong.", "trace.guizhou.", "trace.slip.")
    unused = sorted(k for k in catalogue() if k.startswith(prefixes) and k not in named)
    assert not unused, unused
    shown = show_rule(wenzhou_2021_78.pay_after_treatment).data
    assert "`trace.wenzhou.deposit_not_waived.not_referred`" in shown
    assert '<span lang="zh">不免交押金：未经转诊</span> <span lang="en">deposit not waived: not referred</span>' in shown
    assert "{burden}" in show_rule(wenzhou_2021_78.medical_assistance).data
