"""The zh/en message catalogue (medrules/messages.yaml) that the book, and soon the CLI and trace, speak from."""
from __future__ import annotations

import re

import pytest

from medrules.core.messages import catalogue, html, msg, placeholders, text

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_message_has_chinese_and_english_with_the_same_placeholders():
    for key, entry in catalogue().items():
        assert set(entry) == {"zh", "en"}, key
        assert placeholders(entry["zh"]) == placeholders(entry["en"]), key


def test_every_chinese_message_is_written_in_chinese():
    # ui.lang_en is the button that says "English" in both languages.
    not_chinese = [k for k, e in catalogue().items() if not CJK.search(e["zh"]) and k != "ui.lang_en"]
    assert not not_chinese, not_chinese


def test_each_layer_and_category_the_engine_knows_has_a_message():
    from medrules.core.categories import CATEGORIES
    from medrules.core.rulebook import LAYER_LABELS

    for layer in LAYER_LABELS:
        assert f"layer.{layer}" in catalogue(), layer
    for code in CATEGORIES:
        assert f"category.{code}" in catalogue(), code


def test_the_documents_own_terms_are_used():
    zh = " ".join(e["zh"] for e in catalogue().values())
    for term in ("政策范围内费用", "起付线", "年度救助限额", "倾斜救助", "现行有效", "仅据新闻报道", "机器翻译"):
        assert term in zh, term


def test_the_expired_status_names_its_date_in_both_languages():
    assert msg("status.expired", since="2026-01-01") == ("已失效（自2026-01-01起）", "Expired (since 2026-01-01)")


def test_a_missing_placeholder_or_unknown_key_or_language_is_refused():
    with pytest.raises(KeyError, match="since"):
        text("status.expired", "zh")
    with pytest.raises(KeyError, match="no.such"):
        text("no.such", "zh")
    with pytest.raises(ValueError, match="lang"):
        text("status.in_force", "fr")


def test_html_marks_the_english_for_the_switch_and_escapes_values():
    out = html("banner.document_number", number="<b>")
    assert out == '<span lang="zh">文号：&lt;b&gt;</span> <span lang="en">Document number: &lt;b&gt;</span>'


def test_an_input_error_is_built_once_from_the_catalogue_in_both_languages():
    from medrules.core.messages import error_line
    from medrules.core.scenario import InputError
    e = InputError("claims[2].date", "error.date_format", got="'2023/03/10'")
    assert str(e) == "claims[2].date: must be a date written YYYY-MM-DD (such as 2023-03-10), got '2023/03/10'"
    assert error_line(e) == ("输入有误：claims[2].date：日期格式应为 YYYY-MM-DD（如 2023-03-10），实为 '2023/03/10' | "
                             "error: claims[2].date: must be a date written YYYY-MM-DD (such as 2023-03-10), "
                             "got '2023/03/10'")


def test_a_batch_error_keeps_both_languages_through_pickling_as_a_dask_worker_sends_it():
    import pickle

    from medrules.tables.columns import BatchInputError
    e = BatchInputError("row 1 (line 2), date", "error.date_not_a_day", got="'2023-02-30'", reason="day is out of range for month")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is BatchInputError and back.field == e.field
    assert (str(back), back.zh) == (str(e), e.zh) and "不是日历上存在的日期" in back.zh


def test_a_message_without_chinese_still_leads_with_a_chinese_sentence():
    from medrules.core.messages import error_line
    assert error_line(ValueError("x: something")).startswith("输入有误（暂无中文说明")


def test_every_refusal_in_the_code_names_a_catalogue_key_not_a_sentence():
    """InputError, BatchInputError (_err, a column's fail), PolicyError, ReviewError and Problem take a catalogue
    key (or a Problem / an error already built): an English sentence written at the raise would have no Chinese."""
    import ast
    from pathlib import Path

    import medrules
    refusers = {"InputError": 1, "BatchInputError": 1, "_err": 1, "fail": 1, "PolicyError": 0, "ReviewError": 0,
                "Problem": 0}
    bad = []
    for path in sorted(Path(medrules.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in refusers or len(node.args) <= refusers[name]:
                continue
            arg = node.args[refusers[name]]
            if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                                                  and arg.value not in catalogue()):
                bad.append(f"{path.name}:{node.lineno}")
    assert not bad, bad


def test_no_chinese_message_holds_the_separator_a_bilingual_sentence_is_split_at():
    """engine.bilingual joins Chinese · English; pages split it back at the first separator (book/comparison.md)."""
    from medrules.core.trace import TRACE_SEP, bilingual
    holding = [key for key, entry in catalogue().items() if TRACE_SEP in entry["zh"]]
    assert holding == []
    zh, _, en = bilingual("待定：需提供结算单", "undetermined · needs the slip").partition(TRACE_SEP)
    assert (zh, en) == ("待定：需提供结算单", "undetermined · needs the slip")
