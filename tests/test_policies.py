"""Every policy folder: clauses complete and verbatim from their seed, parameters cited and dated."""
import re
from pathlib import Path

import pytest

from medrules.core.policy import POLICIES_DIR, load_policy, policy_ids, read_yaml

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
STATUSES = {"encoded", "narrative", "not-encodable"}
KINDS = {"exact", "floor", "ceiling", "approximate", "range"}
SOURCE_KINDS = {"official-full-text", "news-report", "press-conference-report", "machine-translation"}


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_there_are_policies():
    assert "wenzhou-2021-78" in policy_ids()


@pytest.fixture(params=policy_ids())
def policy(request):
    return load_policy(request.param)


def test_metadata_names_its_seed_kind_and_dates(policy):
    m = policy.meta
    assert m["id"] == policy.id
    assert m["source_kind"] in SOURCE_KINDS
    assert (SEEDS / m["seed_file"]).exists() or not SEEDS.exists()
    assert m["title"]["zh"] and m["title"]["en"]
    assert "dates" in m


def test_every_clause_has_text_parallel_text_and_a_status(policy):
    assert policy.clauses
    for c in policy.clauses.values():
        assert c.id.startswith(policy.id + "/"), c.id
        assert c.text.strip(), c.id
        assert c.parallel.strip(), c.id
        assert c.status in STATUSES, c.id
        if c.status != "encoded":
            assert c.reason, f"{c.id} is {c.status} without a reason"


def test_clause_ids_are_unique(policy):
    ids = [raw["id"] for raw in read_yaml(POLICIES_DIR / policy.id / "clauses.yaml")]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds is not beside the repository")
def test_every_clause_text_is_verbatim_from_the_seed(policy):
    seed = _fold((SEEDS / policy.meta["seed_file"]).read_text(encoding="utf-8"))
    for c in policy.clauses.values():
        text = c.text
        for r in policy.meta.get("restorations") or []:
            text = text.replace(r["restored"], r["found"])
        assert _fold(text) in seed, f"{c.id} is not verbatim in {policy.meta['seed_file']}"


def test_every_parameter_value_cites_an_existing_clause_and_quotes_it(policy):
    for p in policy.parameters.values():
        assert p.kind in KINDS, p.name
        assert p.values, p.name
        for v in p.values:
            assert v.clause in policy.clauses, f"{p.name} cites missing clause {v.clause}"
            assert _fold(v.quote) in _fold(policy.clauses[v.clause].text), f"{p.name}: quote not in {v.clause}"


def test_every_input_and_fact_cites_an_existing_clause(policy):
    for name, spec in policy.inputs.items():
        assert spec["clause"] in policy.clauses, f"input {name} cites missing clause {spec['clause']}"
        assert spec.get("why"), f"input {name} does not say why the text leaves it open"
    for fact in policy.facts:
        assert fact["clause"] in policy.clauses, f"fact {fact.get('id')} cites missing clause {fact['clause']}"


def test_wenzhou_parameter_dates_are_the_validity_period():
    wz = load_policy("wenzhou-2021-78")
    for p in wz.parameters.values():
        for v in p.values:
            assert (str(v.start), str(v.end)) == ("2022-01-01", "2025-12-31"), p.name


def test_a_parameter_asked_for_outside_its_dates_is_an_error():
    import datetime as dt

    from medrules.core.policy import PolicyError
    wz = load_policy("wenzhou-2021-78")
    assert str(wz.param("medical_assistance.annual_limit", dt.date(2025, 12, 31)).value) == "100000"
    with pytest.raises(PolicyError, match="no value on 2026-01-01"):
        wz.param("medical_assistance.annual_limit", dt.date(2026, 1, 1))


def test_wenzhou_floors_are_encoded_as_floors():
    wz = load_policy("wenzhou-2021-78")
    assert wz.parameters["medical_assistance.ratio"].kind == "floor"   # 不低于80%
    assert wz.parameters["critical_illness.ratio"].kind == "floor"     # 80%以上


def test_encoded_clauses_name_rules_that_exist_and_cite_them():
    import importlib
    for pid in policy_ids():
        spec = importlib.util.find_spec("medrules.rules." + pid.replace("-", "_"))
        if spec is None:
            continue
        module = importlib.import_module(spec.name)
        for c in load_policy(pid).clauses.values():
            for name in c.rules:
                fn = getattr(module, name, None)
                assert fn is not None, f"{c.id} names rule {name} that {spec.name} does not define"
                assert fn.clause == c.id, f"{name} is marked for {fn.clause}, but {c.id} lists it"


def test_the_landing_table_counts_each_policys_assumptions_readings_and_cases():
    """Issue: 'the count of assumptions and readings per policy appears in the book's status table'. Wenzhou flags
    its assumptions in 17 `Assumption` lines, encodes 7 readings (二 因病致贫, 三(三)8 status start and end, 三(三)9
    outpatient burden and ratio floors, 三(三)11 period and burden scope) and has 48 hand-worked cases (26 of its own,
    22 from the second reading; counted by reading the files, as a reviewer would)."""
    import datetime as dt
    from medrules.publish.book.status import review_counts, status_table
    assert review_counts("wenzhou-2021-78") == (17, 7, 48)
    row = next(line for line in status_table(dt.date(2026, 11, 28)).splitlines() if "温州" in line)
    assert row.endswith("| 17 / 7 / 48 |")


@pytest.mark.parametrize("policy", [p for p in policy_ids() if load_policy(p).in_force_from is None],
                         ids=str)
def test_every_report_based_value_is_known_from_the_day_it_was_said_in_public(policy):
    """One convention for every report (issue: dates follow no one convention): a measure a report relays is known
    from the press conference where the report names one (Guizhou 8月21日, Zhejiang 2019 6月6日, Shandong 9月5日),
    else from the report's own date (Zhejiang 2022 7月13日); every reported_in_force_on is that day."""
    p = load_policy(policy)
    expected = {"guizhou-2024-medical-security": "2024-08-21", "zhejiang-2019-chronic-outpatient": "2019-06-06",
                "shandong-2022-major-illness": "2022-09-05", "zhejiang-2022-illness-poverty": "2022-07-13"}
    assert str(p.known_from) == expected[policy]
    for parameter in p.parameters.values():
        for v in parameter.values:
            assert v.reported_in_force_on in (None, p.known_from), (parameter.name, v.reported_in_force_on)


# --- Clause reasons and inputs' conditions: staff read them in Chinese first (issue 13) ---------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_clause_reason_and_input_condition_is_written_in_chinese_and_english(policy):
    """Read from the YAML itself, not through the loader: each reason why a clause computes nothing and each input's
    required_when is {zh, en}, the zh a Chinese sentence (not the English copied) and the en kept."""
    folder = POLICIES_DIR / policy.id
    for raw in read_yaml(folder / "clauses.yaml"):
        reason = raw.get("reason")
        if reason is not None:
            assert isinstance(reason, dict) and set(reason) == {"zh", "en"}, f"{raw['id']}: reason is {reason!r}"
            assert CJK.search(reason["zh"]), f"{raw['id']}: reason has no Chinese: {reason['zh']!r}"
            assert reason["en"].strip(), f"{raw['id']}: reason has no English"
    for name, spec in ((read_yaml(folder / "parameters.yaml") or {}).get("inputs") or {}).items():
        when = spec.get("required_when")
        assert isinstance(when, dict) and set(when) == {"zh", "en"}, f"input {name}: required_when is {when!r}"
        assert CJK.search(when["zh"]), f"input {name}: required_when has no Chinese: {when['zh']!r}"
        assert when["en"].strip(), f"input {name}: required_when has no English"


# Latin letters in a note's Chinese are allowed only inside “…”, where it quotes a machine translation's words.
QUOTED = re.compile(r"“[^”]*”")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_uncertain_note_and_open_question_is_written_in_chinese_and_english(policy):
    """Read from the YAML itself: each item of a clause's uncertain and open_questions, and of the policy's own
    open_questions (policy.yaml), is {zh, en}, the zh a Chinese sentence (no English word outside a quotation, not
    the English copied) and the en non-empty."""
    clauses = read_yaml(POLICIES_DIR / policy.id / "clauses.yaml")
    whole = {"id": policy.id, "open_questions": read_yaml(POLICIES_DIR / policy.id / "policy.yaml")["open_questions"]}
    for raw in [*clauses, whole]:
        for field in ("uncertain", "open_questions"):
            for i, note in enumerate(raw.get(field) or [], 1):
                where = f"{raw['id']} {field} #{i}"
                assert isinstance(note, dict) and set(note) == {"zh", "en"}, f"{where} is {note!r}"
                assert note["en"].strip() and note["zh"] != note["en"], where
                assert CJK.search(note["zh"]), f"{where} has no Chinese: {note['zh']!r}"
                assert not LATIN_WORD.search(QUOTED.sub("", note["zh"])), f"{where}: English in zh: {note['zh']!r}"


@pytest.fixture
def policy_copy(tmp_path, monkeypatch):
    """Wenzhou's folder copied into a temporary policies/, for editing one entry."""
    import shutil
    import medrules.core.policy as mp
    shutil.copytree(POLICIES_DIR / "wenzhou-2021-78", tmp_path / "policies" / "wenzhou-2021-78")
    monkeypatch.setattr(mp, "POLICIES_DIR", tmp_path / "policies")
    load_policy.cache_clear()
    yield tmp_path / "policies" / "wenzhou-2021-78"
    load_policy.cache_clear()


PURPOSE_ZH = "    zh: 说明目的和依据，无可计算内容。\n"
PURPOSE_EN = "    en: States purpose and legal basis; nothing to compute.\n"
SPECIAL_HARDSHIP_ZH = ("      zh: 可不填；已改为人员身份 qita_teshu_kunnan（县级以上人民政府规定的其他特殊困难人员）：请在 person.statuses 或理赔表、"
                       "身份表中填写\n")


def refused_once_edited(policy_copy, file: str, old: str, new: str, capsys) -> tuple[str, str]:
    """The copied policy's `file` with `old` (found once) replaced by `new`, read by a command: exit 2, one line,
    the file left as written; returns the line's Chinese and English halves."""
    from medrules.cli.main import main
    path = policy_copy / file
    original = path.read_text(encoding="utf-8")
    assert original.count(old) == 1
    path.write_text(original.replace(old, new), encoding="utf-8")
    assert main(["review", "status", "--clauses", "--policy", "wenzhou-2021-78"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert path.read_text(encoding="utf-8") == original.replace(old, new)  # nothing rewritten
    zh_part, en_part = err.split(" | ")
    return zh_part, en_part


@pytest.mark.parametrize("file, old, new, where", [
    ("clauses.yaml", "  reason:\n" + PURPOSE_ZH + PURPOSE_EN, "  reason: " + PURPOSE_EN.removeprefix("    en: "),
     "reason of wenzhou-2021-78/0"),
    ("clauses.yaml", PURPOSE_ZH, "    zh: ''\n", "reason of wenzhou-2021-78/0"),
    ("parameters.yaml", "    required_when:\n" + SPECIAL_HARDSHIP_ZH,
     "    required_when:\n" + SPECIAL_HARDSHIP_ZH.replace("zh:", "cn:"),
     "required_when of inputs.county_designated_special_hardship"),
])
def test_a_reason_or_condition_not_in_zh_en_form_is_refused_naming_file_entry_and_form(
        policy_copy, file, old, new, where, capsys):
    zh_part, en_part = refused_once_edited(policy_copy, file, old, new, capsys)
    # Chinese first, naming the same file and the same form
    assert f"policies/wenzhou-2021-78/{file}: {where} must be {{zh: Chinese, en: English}}, both non-empty" in en_part
    assert f"policies/wenzhou-2021-78/{file}：" in zh_part and "应写成 {zh: 中文, en: English}" in zh_part


SPECIAL_HARDSHIP_NOTE = ("  - zh: 各县认定的“其他特殊困难人员”范围未列明；引擎将其作为输入项。\n    en: |-\n      Which \"other people in "
                         "special hardship\" each county designates is not listed; the engine takes it as an input.\n")


@pytest.mark.parametrize("old, new, where", [
    (SPECIAL_HARDSHIP_NOTE, "  - Which other people in special hardship each county designates is not listed.\n",
     "open_questions #1 of wenzhou-2021-78/2"),
    ("  - zh: 各县认定的“其他特殊困难人员”范围未列明；引擎将其作为输入项。\n", "  - zh: ' '\n",
     "open_questions #1 of wenzhou-2021-78/2"),
])
def test_an_open_question_not_in_zh_en_form_is_refused_naming_file_clause_and_item(policy_copy, old, new, where,
                                                                                    capsys):
    zh_part, en_part = refused_once_edited(policy_copy, "clauses.yaml", old, new, capsys)
    assert f"policies/wenzhou-2021-78/clauses.yaml: {where} must be {{zh: Chinese, en: English}}" in en_part
    assert "应写成 {zh: 中文, en: English}" in zh_part


def test_uncertain_notes_given_as_one_string_are_refused_not_split_into_characters(policy_copy, capsys):
    from medrules.cli.main import main
    path = policy_copy / "clauses.yaml"
    original = path.read_text(encoding="utf-8")
    old = "  uncertain: []\n  open_questions:\n" + SPECIAL_HARDSHIP_NOTE
    assert original.count(old) == 1
    path.write_text(original.replace(old, "  uncertain: Who else counts is not listed.\n  open_questions:\n"
                                          + SPECIAL_HARDSHIP_NOTE), encoding="utf-8")
    assert main(["review", "status", "--clauses", "--policy", "wenzhou-2021-78"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("policies/wenzhou-2021-78/clauses.yaml: uncertain of wenzhou-2021-78/2 must be a "
                                     "list of {zh: Chinese, en: English} items") in err, err


def test_a_whole_document_open_question_as_a_plain_string_is_refused_naming_policy_yaml(policy_copy, capsys):
    from medrules.cli.main import main
    path = policy_copy / "policy.yaml"
    original = path.read_text(encoding="utf-8")
    old = "  - zh: 各县认定的“其他特殊困难人员”范围（二）未列明。\n    en: "
    assert original.count(old) == 1
    path.write_text(original.replace(old, "  - "), encoding="utf-8")
    assert main(["review", "status", "--clauses", "--policy", "wenzhou-2021-78"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("policies/wenzhou-2021-78/policy.yaml: open_questions #2 of wenzhou-2021-78 must "
                                     "be {zh: Chinese, en: English}") in err, err


def test_the_clause_and_input_tables_show_the_chinese_first_with_the_english_behind_the_switch():
    # Rows found by their words, not their clause IDs: the clause index would list a test naming an ID as checking
    # that clause's rule, and this one checks how a table is rendered.
    from bs4 import BeautifulSoup
    from medrules.publish.report import clause_table, inputs_table
    english = ("The text sets no threshold or rule for the early warning; what triggers it is left to the mechanism "
               "it asks for.")
    cells = BeautifulSoup(clause_table("wenzhou-2021-78").data, "html.parser").select("tbody td")
    reason = next(td for td in cells if english in td.get_text())
    assert "medrules-prose" in reason["class"]
    assert [(s["lang"], s.get_text()) for s in reason.find_all("span")] == [
        ("zh", "原文未规定预警的标准或规则；何种情形触发预警，留待原文要求建立的机制确定。"), ("en", english)]
    rows = BeautifulSoup(inputs_table("wenzhou-2021-78").data, "html.parser").select("tbody tr")
    row = next(r for r in rows if r.select_one("td:last-child").get_text() == "critical_illness_ratio")
    when = row.select("td")[3]
    assert [s["lang"] for s in when.find_all("span")] == ["zh", "en"]
    assert when.find("span").get_text() == "可不填；不填则按80%的下限比例支付"


# --- 参考译文: the Chinese reference rendering of a clause whose source is not Chinese (issue 23) -----------------

MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), 1)}
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                "twice": 2, "double": 2, "triple": 3}
ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _number(text: str):
    from decimal import Decimal
    return Decimal(text.replace(",", "")).normalize()


def figures_en(text: str) -> set:
    """The figures of an English text as (kind, value): dates (month-day), yuan amounts, percentages, other numbers
    (counts) and counts written as words (three, eight, triple). "One" is left out: it is a pronoun as often."""
    found, rest = set(), text
    for kind, pattern, value in (
            ("date", r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b",
             lambda m: f"{MONTHS[m.group(1).lower()]}-{int(m.group(2))}"),
            ("yuan", r"(\d[\d,]*(?:\.\d+)?)\s*yuan", lambda m: _number(m.group(1))),
            ("%", r"(\d+(?:\.\d+)?)\s*%", lambda m: _number(m.group(1))),
            ("n", r"\d[\d,]*(?:\.\d+)?", lambda m: _number(m.group(0))),
            ("n", r"\b(" + "|".join(NUMBER_WORDS) + r")\b", lambda m: NUMBER_WORDS[m.group(1).lower()])):
        for m in re.finditer(pattern, rest, flags=re.IGNORECASE):
            found.add((kind, value(m)))
        rest = re.sub(pattern, " ", rest, flags=re.IGNORECASE)
    return found


def figures_zh(text: str) -> set:
    """The figures of a Chinese text in the same form: 9月5日, 1万元 / 3000元, 70%, 50种, 三类 / 八项 / 三重 (a count
    written in Chinese before its measure word; 第一 and 一是 are ordinals, 一站式 a word, not figures)."""
    found, rest = set(), text
    for kind, pattern, value in (
            ("date", r"(\d{1,2})月(\d{1,2})日", lambda m: f"{int(m.group(1))}-{int(m.group(2))}"),
            ("yuan", r"(\d[\d,]*(?:\.\d+)?)(万)?元",
             lambda m: _number(m.group(1)) * (10000 if m.group(2) else 1)),
            ("%", r"(\d+(?:\.\d+)?)\s*%", lambda m: _number(m.group(1))),
            ("n", r"\d[\d,]*(?:\.\d+)?", lambda m: _number(m.group(0))),
            ("n", r"(?<![第一二三四五六七八九十])([一二两三四五六七八九十])(?=[类项重种个条次])",
             lambda m: ZH_DIGITS[m.group(1)])):
        for m in re.finditer(pattern, rest):
            found.add((kind, value(m) if kind != "yuan" else value(m).normalize()))
        rest = re.sub(pattern, " ", rest)
    return found


def test_the_figure_reader_finds_amounts_percentages_counts_and_dates_in_both_languages():
    from decimal import Decimal
    en = figures_en("On September 5th, for the three groups the limit rises from 10,000 yuan to 30,000 yuan, "
                    "burdens above 3,000 yuan at 50%, at least 50 diseases, after the triple system")
    zh = figures_zh("9月5日，对三类人员，限额由1万元提高到3万元，3000元以上部分按50%，不少于50种，经三重制度保障后；"
                    "一是……第一批……一站式")
    assert en == zh == {("date", "9-5"), ("n", 3), ("yuan", Decimal("1E+4")), ("yuan", Decimal("3E+4")),
                        ("yuan", Decimal("3E+3")), ("%", Decimal("50")), ("n", Decimal("50"))}
    # A figure the rendering adds, or leaves out, is seen.
    assert figures_zh("2022年9月5日") - en == {("n", Decimal("2022"))}
    assert en - figures_zh("9月5日，限额由1万元提高到3万元") == {("n", 3), ("yuan", Decimal("3E+3")),
                                                           ("%", Decimal("50")), ("n", Decimal("50"))}


def _reference_clauses():
    return [c for pid in policy_ids() for c in load_policy(pid).clauses.values() if c.reference_zh]


def test_every_clause_of_a_source_not_in_chinese_has_a_chinese_reference_rendering():
    foreign = [pid for pid in policy_ids() if not load_policy(pid).meta["language"].startswith("zh")]
    assert "shandong-2022-major-illness" in foreign
    for pid in foreign:
        for c in load_policy(pid).clauses.values():
            assert c.reference_zh and CJK.search(c.reference_zh), f"{c.id} has no 参考译文 (reference_zh)"
            assert CJK.search(c.label), f"{c.id}: its label {c.label!r} is not Chinese"


@pytest.mark.parametrize("clause", _reference_clauses(), ids=lambda c: c.id)
def test_every_figure_of_a_reference_rendering_is_in_its_source_and_every_figure_of_the_source_in_it(clause):
    """Both ways: the rendering adds no number the machine translation does not give, and drops none it gives."""
    source, rendering = figures_en(clause.text), figures_zh(clause.reference_zh)
    assert rendering - source == set(), f"{clause.id}: the rendering adds {sorted(map(str, rendering - source))}"
    assert source - rendering == set(), f"{clause.id}: the rendering leaves out {sorted(map(str, source - rendering))}"


def test_a_reference_rendering_that_is_not_chinese_text_is_refused_naming_the_clause(policy_copy, capsys):
    zh_part, en_part = refused_once_edited(policy_copy, "clauses.yaml", "  status: narrative\n  reason:\n" + PURPOSE_ZH,
                                           "  reference_zh: 42\n  status: narrative\n  reason:\n" + PURPOSE_ZH, capsys)
    assert "policies/wenzhou-2021-78/clauses.yaml: reference_zh of wenzhou-2021-78/0 must be text in Chinese" in en_part
    assert "参考译文" in zh_part
