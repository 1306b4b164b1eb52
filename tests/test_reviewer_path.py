"""A reviewer's path through the real policies, as a reviewer takes it: `review status` says what to do next and
counts "with examples" without a full test run; `review show` is a review sheet (Chinese headings, no markup, the
counts right, readings by their Chinese wording with the default marked, under 120 lines for a typical clause);
`review diff` says what changed since the approval; every `--help` is Chinese first, from the catalogue."""
from __future__ import annotations

import argparse
import re

import pytest

from medrules.cli.main import build_parser, main
from medrules.core.messages import catalogue, placeholders
from medrules.review import exercised
from medrules.review.fingerprint import readings_for
from medrules.review.reports import interpretation

CJK = re.compile(r"[\u4e00-\u9fff]")
CLAUSE = "wenzhou-2021-78/3.3.9"   # the clause of the issue: 283 lines, English headings, markup, miscounted


def flat(text: str) -> str:
    """Text without its whitespace: a sentence the sheet wrapped over two lines is found whole."""
    return re.sub(r"\s+", "", text)


def run(capsys, *argv) -> tuple[int, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    assert err == ""
    return rc, out


@pytest.fixture
def no_test_run(tmp_path, monkeypatch):
    """As on a fresh clone: no _build/review/exercised.json from a full test run."""
    monkeypatch.setattr(exercised, "EXERCISED_FILE", tmp_path / "exercised.json")


def test_the_sheet_of_the_issues_clause_is_short_chinese_and_without_markup(capsys, no_test_run):
    rc, out = run(capsys, "review", "show", CLAUSE)
    lines = out.splitlines()
    assert rc == 0 and len(lines) < 120, len(lines)
    # Section headings: Chinese numeral, Chinese title, then the English beside it.
    headings = [line for line in lines if re.match(r"^[一二三四五六七八九十]+、", line)]
    assert [h.split("、", 1)[1].split(" · ")[0] for h in headings][:3] == ["原文", "待明确问题（3）",
                                                                        "解读（notebooks/wenzhou-2021-78.py）"]
    assert all(CJK.match(h.split("、", 1)[1]) for h in headings)
    for markup in ("<span", "</span>", "**", "###", "`", "&lt;"):
        assert markup not in out, markup


def test_the_sheet_counts_every_assumption_however_it_is_marked(capsys, no_test_run):
    # Counted here from the notebook's own text: paragraphs that start with "Assumption" in any of its forms
    # (`Assumption:`, `Assumption (reading …):`, `Assumption (one reading: …):`).
    section = interpretation("wenzhou-2021-78", "3.3.9")
    written = sum(1 for para in re.split(r"\n\s*\n", section) if para.lstrip().startswith("Assumption"))
    assert written == 7
    out = run(capsys, "review", "show", CLAUSE)[1]
    assert f"假设（{written}） · Assumptions ({written})" in out
    block = out.split("、假设（7）", 1)[1].split("\n\n", 1)[0]
    assert [int(m) for m in re.findall(r"^  (\d+)\. ", block, re.M)] == list(range(1, written + 1))
    assert "〔解读 3.3.9:ratio-floors〕" in block and "〔唯一解读：文件未给出数值，因此作为输入〕" in block


def test_the_sheet_shows_readings_by_their_chinese_wording_with_the_default_marked(capsys, no_test_run):
    out = run(capsys, "review", "show", CLAUSE)[1]
    readings = readings_for("wenzhou-2021-78", CLAUSE)
    assert len(readings) == 2 and f"解读选项（{len(readings)}；● 为默认）" in out
    for rid, reading in readings.items():
        assert reading["question"]["zh"] in out
        for name, option in reading["options"].items():
            mark = "●" if name == reading["default"] else "○"
            default = "〔默认〕" if name == reading["default"] else ""
            assert f"{mark} {option['zh']}{default}（{name}）" in out, (rid, name)


def test_the_sheet_lists_values_in_chinese_and_full_adds_english_and_code(capsys, no_test_run):
    out = run(capsys, "review", "show", CLAUSE)[1]
    assert flat("年度救助限额（medical_assistance.annual_limit）：100,000 元，确数，2022-01-01 至 2025-12-31，"
                "原文「救助限额为每人每年10万元」") in flat(out)
    assert "def medical_assistance" not in out and "The three layers working together. Basic" not in out
    full = run(capsys, "review", "show", CLAUSE, "--full")[1]
    assert "def medical_assistance(c: Context):" in full and "The three layers working together. Basic" in full


def test_status_counts_examples_from_the_casebook_and_ends_with_the_next_step(capsys, no_test_run):
    rc, out = run(capsys, "review", "status")
    lines = out.splitlines()
    assert rc == 0 and lines[0].split()[:2] == ["政策", "条款数"]
    row = next(line for line in lines if line.startswith("wenzhou-2021-78 ")).split()
    # with examples: a number measured now (the casebook's cases), not "?" waiting for a full test run
    assert row[5].isdigit() and int(row[5]) > 0
    assert "?" not in out
    next_step = out.split("下一步 · Next\n", 1)[1]
    # each command on a line of its own, whole, to copy
    assert re.search(r"待审核 \d+ 条（其中已编码 \d+ 条）。从这一条开始：\n.*\n      python -m medrules review show "
                     r"[a-z0-9-]+/\S+\n", next_step)
    assert "\n      python -m medrules review approve <条款> --reviewer <姓名>\n" in next_step


def test_diff_of_a_clause_never_approved_says_so_and_names_its_sheet(capsys):
    rc, out = run(capsys, "review", "diff", CLAUSE)
    assert rc == 0 and out.startswith(f"自批准以来的改动 {CLAUSE} · What changed since the approval {CLAUSE}")
    assert "该条款尚未批准过（当前：草稿）" in out and f"\n    python -m medrules review show {CLAUSE}\n" in out


def _parsers(parser: argparse.ArgumentParser, prog=()):
    yield prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, prog + (name,))


def test_every_help_is_chinese_first_and_from_the_catalogue(capsys):
    # the catalogue's Chinese, as help shows it: braces unescaped, % doubled for argparse; {values} as wildcards
    templates = [entry["zh"].replace("%", "%%") for entry in catalogue().values()]
    zh_sentences = {t.format() for t in templates if not placeholders(t)}
    patterns = [re.compile(re.sub(r"\\\{[a-z_]+\\\}", ".+", re.escape(t)).replace(r"\{\{", r"\{").replace(r"\}\}", r"\}"))
                for t in templates if placeholders(t)]
    parsers = list(_parsers(build_parser()))
    assert len(parsers) > 15   # evaluate, batch, explain, review and its 9 commands, readings, …
    for prog, parser in parsers:
        assert CJK.match(parser.description or ""), prog
        for action in parser._actions:
            if action.help in (None, argparse.SUPPRESS):
                continue
            zh = action.help.split(" · ")[0]
            assert CJK.search(zh) and not CJK.search(action.help.split(" · ", 1)[1]), (prog, action.dest, action.help)
            # the Chinese half is a catalogue sentence (its values filled in where it has any)
            assert zh in zh_sentences or any(p.fullmatch(zh) for p in patterns), (prog, action.dest, zh)
    for argv in (["--help"], ["review", "--help"], ["review", "show", "--help"], ["batch", "--help"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        out = capsys.readouterr().out
        assert e.value.code == 0 and out.startswith("用法 · usage: python -m medrules")
        assert "选项 · options:" in out and "-h, --help" in out and "显示本帮助并退出" in out
        assert "show this help message and exit" in out.split("显示本帮助并退出", 1)[1].splitlines()[0]
