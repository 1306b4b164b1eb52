"""`python -m medrules evaluate FILE`: JSON out on good input; on bad input exit 2, nothing on stdout and one
line on stderr that names the field at fault."""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import pytest

from _errors import chinese_half, english_half
from _wenzhou import REPO

GOOD = {
    "policy": "wenzhou-2021-78",
    "person": {"category": "dibao", "insurance": "resident"},
    "claims": [
        {"date": "2023-03-10", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": 200000,
         "basic_insurance_paid": 110000, "supplementary_insurance_paid": 0, "referred": True,
         "followed_treatment_guidance": True, "in_city_designated_hospital": True},
    ],
    "inputs": {"critical_illness_base_deductible": 30000},
}
MONEY = re.compile(r"^\d+\.\d{2}$")


def cli(path):
    return subprocess.run([sys.executable, "-m", "medrules", "evaluate", str(path)], cwd=REPO,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def write(tmp_path, text: str, name="scenario.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def changed(edit) -> str:
    """GOOD with one edit applied, as JSON text."""
    data = copy.deepcopy(GOOD)
    edit(data)
    return json.dumps(data, ensure_ascii=False)


def _set(path, value):
    def edit(d):
        *head, last = path
        for k in head:
            d = d[k]
        d[last] = value
    return edit


def _del(path):
    def edit(d):
        *head, last = path
        for k in head:
            d = d[k]
        del d[last]
    return edit


def test_good_input_exits_0_and_prints_json_with_claims_years_totals_and_trace(tmp_path):
    p = cli(write(tmp_path, json.dumps(GOOD)))
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    out = json.loads(p.stdout)
    assert {"claims", "years", "totals", "trace"} <= set(out)
    claim = out["claims"][0]
    assert claim["critical_illness_insurance"] == "60000.00"
    assert claim["medical_assistance"] == "24000.00"
    assert claim["out_of_pocket"] == "6000.00"
    assert out["years"]["2023"]["out_of_pocket"] == "6000.00"
    assert out["totals"]["basic_insurance"] == "110000.00"
    for key in ("policy_range_cost", "basic_insurance", "critical_illness_insurance", "medical_assistance",
                "supplementary_insurance", "further_relief", "out_of_pocket"):
        assert MONEY.match(claim[key]), (key, claim[key])
    for table in [*out["years"].values(), out["totals"]]:
        assert all(isinstance(v, str) and MONEY.match(v) for v in table.values()), table
    for step in out["trace"]:
        assert step["amount"] is None or isinstance(step["amount"], bool) or MONEY.match(step["amount"])
        assert step["clause"].startswith("wenzhou-2021-78/")


def test_a_missing_slip_amount_is_a_partial_result_naming_the_field_with_exit_0(tmp_path):
    # Wenzhou 三(三)9 gives no basic-insurance rule: without the slip amount basic insurance, and every layer settled
    # on what it leaves, is undetermined; nothing is known to be paid, so all 200,000 is the upper bound.
    p = cli(write(tmp_path, changed(_del(["claims", 0, "basic_insurance_paid"]))))
    assert p.returncode == 0 and p.stderr == ""
    out = json.loads(p.stdout)
    assert out["complete"] is False
    claim = out["claims"][0]
    assert claim["basic_insurance"] is None and claim["out_of_pocket"] == "200000.00"
    assert claim["out_of_pocket_is_upper_bound"] is True
    assert claim["undetermined"]["basic_insurance"]["field"] == "basic_insurance_paid"
    assert claim["undetermined"]["basic_insurance"]["clause"] == "wenzhou-2021-78/3.3.9"


def test_the_shipped_example_evaluates_to_the_hand_computed_amounts():
    p = cli(REPO / "examples" / "dibao-200k-inpatient.json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["totals"] == {
        "basic_insurance": "110000.00", "critical_illness_insurance": "60000.00", "medical_assistance": "24000.00",
        "supplementary_insurance": "0.00", "further_relief": "0.00", "out_of_pocket": "6000.00"}


# (id, scenario text, words stderr must contain)
BAD = [
    pytest.param(changed(_set(["policy"], "no-such-policy")), ["policy", "wenzhou-2021-78"], id="unknown-policy"),
    pytest.param(changed(_set(["person", "category"], "rich")), ["person.category", "tekun", "dibao"],
                 id="unknown-category"),
    pytest.param(changed(_set(["person", "insurance"], "private")), ["person.insurance", "employee", "resident"],
                 id="unknown-insurance"),
    pytest.param(changed(_set(["claims", 0, "policy_range_cost"], -5)),
                 ["claims[0].policy_range_cost", "negative"], id="negative-amount"),
    pytest.param(changed(_set(["claims", 0, "policy_range_cost"], "abc")),
                 ["claims[0].policy_range_cost"], id="non-numeric-amount"),
    pytest.param(changed(_set(["claims", 0, "basic_insurance_paid"], True)),
                 ["claims[0].basic_insurance_paid"], id="boolean-amount"),
    pytest.param(changed(_set(["claims", 0, "policy_range_cost"], "100.001")),
                 ["claims[0].policy_range_cost", "two decimals"], id="three-decimals-string"),
    pytest.param(json.dumps(GOOD).replace('"policy_range_cost": 200000', '"policy_range_cost": 200000.001'),
                 ["claims[0].policy_range_cost", "two decimals"], id="three-decimals-number"),
    pytest.param(changed(_set(["claims", 0, "policy_range_cost"], "NaN")),
                 ["claims[0].policy_range_cost", "finite"], id="NaN-string"),
    pytest.param(changed(_set(["claims", 0, "policy_range_cost"], "Infinity")),
                 ["claims[0].policy_range_cost", "finite"], id="Infinity-string"),
    pytest.param(json.dumps(GOOD).replace('"policy_range_cost": 200000', '"policy_range_cost": NaN'),
                 ["claims[0].policy_range_cost"], id="NaN-literal"),
    pytest.param(json.dumps(GOOD).replace('"policy_range_cost": 200000', '"policy_range_cost": Infinity'),
                 ["claims[0].policy_range_cost"], id="Infinity-literal"),
    pytest.param(changed(_set(["claims", 0, "date"], "2023-02-30")), ["claims[0].date", "2023-02-30"],
                 id="date-2023-02-30"),
    pytest.param(changed(_set(["claims", 0, "date"], "2026-01-01")), ["claims[0].date", "2025-12-31"],
                 id="claim-after-validity"),
    pytest.param(changed(_set(["claims", 0, "date"], "2021-12-31")), ["claims[0].date", "2022-01-01"],
                 id="claim-before-validity"),
    pytest.param('{"policy": "wenzhou-2021-78", "person": ', ["scenario", "malformed JSON"], id="malformed-json"),
    pytest.param(changed(_set(["inputs", "no_such_input"], 1)),
                 ["inputs.no_such_input", "critical_illness_base_deductible"], id="unknown-input-name"),
    pytest.param(changed(_set(["claims", 0, "doctor"], "Li")), ["claims[0].doctor", "policy_range_cost"],
                 id="unknown-claim-field"),
    pytest.param(changed(_set(["inputs", "critical_illness_ratio"], "0.79")),
                 ["inputs.critical_illness_ratio", "0.8"], id="ratio-below-floor"),
    pytest.param(changed(_set(["claims"], [])), ["claims"], id="no-claims"),
    pytest.param("[1, 2]", ["scenario", "object"], id="json-not-an-object"),
    pytest.param(changed(lambda d: d["claims"].append(copy.deepcopy(d["claims"][0]))),
                 ["claims[1]", "duplicates claims[0]"], id="duplicate-claim"),
    # Issue 16: no lax coercion at the file boundary, and every message on one line.
    pytest.param(changed(_set(["claims", 0, "referred"], 1)), ["claims[0].referred", "true or false"],
                 id="flag-given-as-1"),
    pytest.param(changed(_set(["claims", 0, "date"], "2023-03-10T00:00:00+08:00")),
                 ["claims[0].date", "YYYY-MM-DD"], id="date-with-time-and-zone"),
    pytest.param(changed(_set(["claims", 0, "policy_range_cost"], "２０００００")),
                 ["claims[0].policy_range_cost", "ASCII digits"], id="full-width-amount"),
    pytest.param(json.dumps(GOOD).replace('"policy": "wenzhou-2021-78"',
                                          '"policy": "wenzhou-2021-78", "policy": "shandong-2022-major-illness"'),
                 ["scenario", "'policy' appears twice"], id="key-given-twice"),
    pytest.param(changed(_set(["policy"], "../policies/wenzhou-2021-78")), ["policy", "unknown policy", "allowed"],
                 id="policy-id-as-a-path"),
    pytest.param(changed(_set(["person", "category\nerror: forged"], "x")), ["person.category\\nerror: forged"],
                 id="unknown-key-with-a-newline"),
]


@pytest.mark.parametrize("text, words", BAD)
def test_bad_input_exits_2_with_empty_stdout_and_one_stderr_line_naming_the_field(tmp_path, text, words):
    p = cli(write(tmp_path, text))
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("text, words", BAD)
def test_every_refusal_is_said_in_chinese_first_then_in_english_naming_the_same_field(tmp_path, text, words):
    line = cli(write(tmp_path, text)).stderr.strip()
    zh, en = chinese_half(line), english_half(line)
    assert zh.startswith("输入有误：") and en.startswith("error: ")
    assert words[0] in zh and words[0] in en, line  # the field verbatim in both halves


@pytest.mark.parametrize("text, chinese", [
    pytest.param(changed(lambda d: d["claims"][0].pop("setting")), "输入有误：claims[0].setting：缺少必填字段",
                 id="missing-field"),
    pytest.param(changed(_set(["person", "insurance"], "private")),
                 "输入有误：person.insurance：取值不在允许范围内，应为 'employee', 'resident'（实为 'private'）",
                 id="bad-value-with-allowed-list"),
    pytest.param(changed(_set(["claims", 0, "date"], "2023/03/10")),
                 "输入有误：claims[0].date：日期格式应为 YYYY-MM-DD（如 2023-03-10），实为 '2023/03/10'", id="bad-date"),
    pytest.param(changed(_set(["claims", 0, "date"], "2026-01-01")),
                 "输入有误：claims[0].date：没有一笔就医在 wenzhou-2021-78 的适用期间（2022-01-01 至 2025-12-31，"
                 "条款 wenzhou-2021-78/end）内", id="outside-validity"),
    pytest.param(changed(_set(["policy"], "no-such-policy")), "输入有误：policy：没有编号为 'no-such-policy' 的政策；可用：",
                 id="unknown-policy"),
])
def test_each_kind_of_refusal_has_its_chinese_sentence(tmp_path, text, chinese):
    line = cli(write(tmp_path, text)).stderr.strip()
    assert chinese_half(line).startswith(chinese), line


def test_file_errors_are_said_in_chinese_too(tmp_path):
    missing = chinese_half(cli(tmp_path / "nowhere.json").stderr.strip())
    assert missing.startswith("输入有误：scenario：无法读取 ") and missing.endswith("：文件不存在")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"policy": "\xe9"}')
    assert "不是 UTF-8 编码的文本" in chinese_half(cli(latin1).stderr.strip())


def test_a_usage_error_is_said_in_chinese_too():
    p = subprocess.run([sys.executable, "-m", "medrules", "evaluate", "x.json", "--trace", "some"], cwd=REPO,
                       capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert chinese_half(p.stderr).startswith("命令行用法有误（python -m medrules evaluate）：参数 --trace 的值 'some' 不可用；"
                                             "可选：'full', 'none'")
    assert english_half(p.stderr).startswith("error: python -m medrules evaluate: argument --trace: invalid choice")


def test_a_claim_outside_the_validity_is_marked_in_both_languages_in_the_result(tmp_path):
    data = copy.deepcopy(GOOD)
    data["claims"].append({**data["claims"][0], "date": "2026-02-01"})
    p = cli(write(tmp_path, json.dumps(data)))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["claims"][1]["outside_validity"] == ("不在该政策适用期间（2022-01-01 至 2025-12-31）内 · "
                                                    "outside the policy's validity (2022-01-01 to 2025-12-31)")
    step = [s for s in out["trace"] if s["claim"] == 1]
    assert step[0]["explanation"].startswith("不在该政策适用期间（2022-01-01 至 2025-12-31）内，不予结算 · ")


def test_a_missing_file_exits_2_with_one_stderr_line_naming_the_file(tmp_path):
    missing = tmp_path / "nowhere.json"
    p = cli(missing)
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert "scenario" in lines[0] and "nowhere.json" in lines[0]


def test_a_file_that_is_not_utf8_exits_2_with_one_stderr_line(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"policy": "\xe9"}')
    p = cli(path)
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1, p.stderr


def test_the_output_names_the_kind_of_source_and_its_caveats(tmp_path):
    # Shandong's rules come from an English machine translation of a press report: both marks and both caveats.
    p = cli(REPO / "examples" / "shandong-dibao-100k-inpatient.json")
    assert p.returncode == 0, p.stderr
    source = json.loads(p.stdout)["source"]
    assert source["status"] == "reported"
    assert any("仅据新闻报道" in m for m in source["marks"]) and any("机器翻译" in m for m in source["marks"])
    assert len(source["caveats"]) == 2
    # Wenzhou's plan ran to 2025-12-31: today (after that) it is marked expired since 2026-01-01.
    p = cli(REPO / "examples" / "dibao-200k-inpatient.json")
    assert json.loads(p.stdout)["source"]["marks"] == ["已失效（自2026-01-01起） Expired (since 2026-01-01)"]


def test_trace_none_prints_the_amounts_without_the_trace(tmp_path):
    p = subprocess.run([sys.executable, "-m", "medrules", "evaluate", "--trace", "none",
                        str(REPO / "examples" / "dibao-200k-inpatient.json")], cwd=REPO, capture_output=True,
                       text=True, encoding="utf-8", timeout=60)
    out = json.loads(p.stdout)
    assert p.returncode == 0 and out["trace"] == [] and out["totals"]["out_of_pocket"] == "6000.00"
