"""The review ledger: every clause has an entry, approvals are tied to a fingerprint of text, parameters and code,
and go stale when any of them changes; every encoded clause is exercised by a test (measured, see conftest.py)."""
from __future__ import annotations

import importlib.util
import sys
import textwrap

import pytest
from _errors import chinese_half, english_half

from medrules.review import exercised, ledger, reports
from medrules.review import page as review_page
from medrules.review.actions import open_items
from medrules.review.clauses import REPO, natural_key, rule_functions
from medrules.review.exercised import RuleCallRecorder, save_exercised, unexercised
from medrules.review.fingerprint import engine_modules, fingerprint, fingerprint_parts, short
from medrules.review.ledger import effective_status, ledger_path, load_ledger, save_ledger
from medrules.review.reports import interpretation
from medrules.cli.main import main
from medrules.core.policy import load_policy, policy_ids

# --- the real ledger ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", policy_ids())
def test_every_clause_has_a_ledger_entry(pid):
    missing = [cid for cid in load_policy(pid).clauses if cid not in load_ledger(pid)]
    assert not missing, f"no review ledger entry for {missing}: run python -m medrules review sync"


@pytest.mark.parametrize("pid", policy_ids())
def test_the_ledger_names_only_clauses_that_exist(pid):
    orphans = [cid for cid in load_ledger(pid) if cid not in load_policy(pid).clauses]
    assert not orphans, f"ledger entries for clauses that no longer exist: {orphans} (review sync --prune)"


@pytest.mark.parametrize("pid", policy_ids())
def test_the_ledger_file_is_in_its_canonical_sorted_block_form(pid, tmp_path, monkeypatch):
    """Hand edits that reorder or reflow the file would make review diffs noisy: the file must be as written."""
    path = ledger_path(pid)
    if not path.exists():
        pytest.fail(f"{path.name} does not exist: run python -m medrules review sync")
    entries = load_ledger(pid)
    monkeypatch.setattr(ledger, "REVIEWS_DIR", tmp_path)
    save_ledger(pid, entries)
    assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_every_encoded_clause_has_a_test_that_calls_its_rules(rule_calls, request):
    """Runs last (conftest.py). Fails for an encoded clause whose rule functions no test in this session called."""
    why = rule_calls.complete(request.session)
    if why:
        pytest.skip(f"partial run ({why}): run the whole tests/ directory to measure")
    problems = unexercised(rule_calls.by_tests())
    assert not problems, "encoded clauses without a test that exercises them:\n" + "\n".join(
        f"  {cid}: {why}" for cid, why in sorted(problems.items(), key=lambda p: natural_key(p[0])))


# --- fingerprints of the real policies ---------------------------------------------------------------------------

def test_a_fingerprint_covers_the_module_constants_and_helpers_a_rule_uses(monkeypatch):
    import medrules.rules.wenzhou_2021_78 as wz
    policy = load_policy("wenzhou-2021-78")
    clause = policy.clauses["wenzhou-2021-78/2"]
    before = fingerprint(policy, clause)
    assert "in_hardship uses HARDSHIP_STATUSES" in fingerprint_parts(policy, clause)["code"]
    monkeypatch.setattr(wz, "HARDSHIP_STATUSES", ("tekun", "dibao"))
    assert fingerprint(policy, clause) != before


def test_a_layer_alias_is_the_same_rule_and_is_listed_once():
    # wenzhou_2021_78.further_relief = high_cost_resolution: one rule of 三(三)11, not two.
    policy = load_policy("wenzhou-2021-78")
    names = [name for name, _ in rule_functions(policy.id, policy.clauses["wenzhou-2021-78/3.3.11"])]
    assert names == ["high_cost_resolution"]


def test_a_fingerprint_is_64_hex_and_shown_as_12():
    policy = load_policy("wenzhou-2021-78")
    fp = fingerprint(policy, policy.clauses["wenzhou-2021-78/3.3.9"])
    assert len(fp) == 64 and int(fp, 16) >= 0
    assert short(fp) == fp[:12]


# --- the whole workflow on a small policy of our own -------------------------------------------------------------

POLICY_YAML = """\
id: demo-2099-1
title: {zh: 演示, en: Demo}
dates: {in_force_from: 2099-01-01, in_force_to: null}
"""
CLAUSES_YAML = """\
- id: demo-2099-1/1
  label: 一
  title: {zh: 救助比例, en: Assistance ratio}
  text: 救助比例不低于70%。
  parallel: The assistance ratio is at least 70%.
  status: encoded
  rules: [assistance_ratio]
- id: demo-2099-1/2
  label: 二
  title: {zh: 组织实施, en: Organisation}
  text: 各地要加强组织领导。
  parallel: Every locality shall strengthen leadership.
  status: narrative
  reason: {zh: 组织实施，无可计算内容。, en: Organisation; nothing to compute.}
- id: demo-2099-1/10
  label: 十
  title: {zh: 附则, en: Final}
  text: 本办法自2099年1月1日起施行。
  parallel: In force from 1 January 2099.
  status: narrative
  reason: {zh: 仅规定施行日期。, en: Date only.}
"""
PARAMETERS_YAML = """\
parameters:
  assistance.ratio:
    label: {zh: 救助比例, en: assistance ratio}
    unit: ratio
    kind: floor
    values:
      - from: 2099-01-01
        to: null
        value: %s
        clause: demo-2099-1/1
        quote: 救助比例不低于70%%
"""
RULES_V1 = '''\
from medrules.core.rulebook import rule


@rule("demo-2099-1/1")
def assistance_ratio(policy, on):
    """救助比例 — demo-2099-1/1."""
    return policy.param("assistance.ratio", on).value
'''


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """A policy 'demo-2099-1' in a temporary policies/ and reviews/, with its rule module loaded from a file."""
    import medrules.core.policy as mp
    pdir = tmp_path / "policies" / "demo-2099-1"
    pdir.mkdir(parents=True)
    (pdir / "policy.yaml").write_text(POLICY_YAML, encoding="utf-8")
    (pdir / "clauses.yaml").write_text(CLAUSES_YAML, encoding="utf-8")
    (pdir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.7", encoding="utf-8")
    monkeypatch.setattr(mp, "POLICIES_DIR", tmp_path / "policies")
    monkeypatch.setattr(ledger, "REVIEWS_DIR", tmp_path / "reviews")
    monkeypatch.setattr(exercised, "EXERCISED_FILE", tmp_path / "exercised.json")
    monkeypatch.setattr(reports, "NOTEBOOKS_DIR", tmp_path / "notebooks")
    load_policy.cache_clear()

    def load_rules(version: int, source: str):
        path = tmp_path / f"demo_rules_v{version}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("medrules.rules.demo_2099_1", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        monkeypatch.setitem(sys.modules, "medrules.rules.demo_2099_1", module)

    load_rules(1, RULES_V1)
    yield type("Demo", (), {"dir": pdir, "reviews": tmp_path / "reviews", "load_rules": staticmethod(load_rules)})
    load_policy.cache_clear()


def cli(capsys, *argv):
    rc = main(["review", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_sync_writes_one_sorted_block_style_entry_per_clause(demo, capsys):
    rc, out, _ = cli(capsys, "sync", "--date", "2099-01-05")
    assert rc == 0 and out.startswith("新增 3 条草稿记录 · added 3 draft entries")
    body = (demo.reviews / "demo-2099-1.yaml").read_text(encoding="utf-8")
    assert body.split("policy: demo-2099-1\n", 1)[1] == textwrap.dedent("""\
        clauses:
          - clause: demo-2099-1/1
            status: draft
            reviewer: null
            date: 2099-01-05
            fingerprint: null
            open_questions: []
            history:
              - status: draft
                reviewer: null
                date: 2099-01-05
                fingerprint: null
                note: entry created by review sync
          - clause: demo-2099-1/2
            status: draft
            reviewer: null
            date: 2099-01-05
            fingerprint: null
            open_questions: []
            history:
              - status: draft
                reviewer: null
                date: 2099-01-05
                fingerprint: null
                note: entry created by review sync
          - clause: demo-2099-1/10
            status: draft
            reviewer: null
            date: 2099-01-05
            fingerprint: null
            open_questions: []
            history:
              - status: draft
                reviewer: null
                date: 2099-01-05
                fingerprint: null
                note: entry created by review sync
        """)
    # A second sync adds nothing and leaves the file as it was.
    assert cli(capsys, "sync", "--date", "2099-02-01")[1].startswith("新增 0 条草稿记录 · added 0 draft entries")
    assert (demo.reviews / "demo-2099-1.yaml").read_text(encoding="utf-8").endswith(body.split("policy:", 1)[1])


def test_status_counts_clauses_and_reviews(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, _ = cli(capsys, "status")
    # columns: clauses encoded narrative not-encodable with-examples draft in-review approved stale disputed missing
    # ("with examples" is measured on the casebook now: the demo has none, so 0, not "?")
    assert row_of(capsys) == ["3", "1", "2", "0", "0", "3", "0", "0", "0", "0", "0"]
    # Chinese heads above the English ones, then what to do next with the command to run
    heads, english = out.splitlines()[:2]
    assert heads.split()[:3] == ["政策", "条款数", "已编码"] and english.split()[:3] == ["policy", "clauses", "encoded"]
    assert "待审核 3 条（其中已编码 1 条）。从这一条开始：\n" in out and "\n      python -m medrules review show demo-2099-1/1\n" in out


def row_of(capsys) -> list[str]:
    """The demo policy's figures in `review status`."""
    rc, out, _ = cli(capsys, "status")
    return next(line for line in out.splitlines() if line.startswith("demo-2099-1 ")).split()[1:]


def test_an_approval_goes_stale_when_the_parameter_text_or_code_changes_and_fresh_when_reapproved(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, _ = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    assert rc == 0
    policy = load_policy("demo-2099-1")
    fp1 = fingerprint(policy, policy.clauses["demo-2099-1/1"])
    assert out.strip().splitlines() == [f"demo-2099-1/1：已批准，审核人 Li Wei，日期 2099-01-06，指纹 {fp1[:12]}",
                                      f"demo-2099-1/1: approved by Li Wei on 2099-01-06 fingerprint {fp1[:12]}"]
    entry = load_ledger("demo-2099-1")["demo-2099-1/1"]
    assert entry["fingerprint"] == fp1 and entry["status"] == "approved"
    # clauses encoded narrative not-encodable with draft in-review approved stale disputed missing
    assert row_of(capsys) == ["3", "1", "2", "0", "0", "2", "0", "1", "0", "0", "0"]

    # (b) a parameter value changes: 0.7 -> 0.75
    (demo.dir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.75", encoding="utf-8")
    load_policy.cache_clear()
    assert row_of(capsys) == ["3", "1", "2", "0", "0", "2", "0", "0", "1", "0", "0"]
    shown = cli(capsys, "show", "demo-2099-1/1")[1]
    assert "审核状态：已过期（审核人 Li Wei，2099-01-06）" in shown and f"（批准时为 {fp1[:12]}）" in shown
    assert "{bdg-warning}`已过期（批准后有改动）` <span lang=\"en\">`stale`</span>" in review_page.page()
    assert "stale" in review_page.review_badge("demo-2099-1", "1").data

    # re-approved: fresh again, and the history keeps both approvals
    cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-07", "--note", "75%")
    assert row_of(capsys)[7:9] == ["1", "0"]
    history = load_ledger("demo-2099-1")["demo-2099-1/1"]["history"]
    assert [(h["status"], str(h["date"])) for h in history] == [
        ("draft", "2099-01-05"), ("approved", "2099-01-06"), ("approved", "2099-01-07")]
    assert history[1]["fingerprint"] == fp1 and history[2]["fingerprint"] != fp1

    # (c) the code changes
    demo.load_rules(2, RULES_V1.replace(".value", ".value  # unchanged result, changed code"))
    assert row_of(capsys)[7:9] == ["0", "1"]
    cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-08")
    assert row_of(capsys)[7:9] == ["1", "0"]

    # (a) the parallel text changes
    clauses = (demo.dir / "clauses.yaml").read_text(encoding="utf-8")
    (demo.dir / "clauses.yaml").write_text(clauses.replace("at least 70%", "not below 70%"), encoding="utf-8")
    load_policy.cache_clear()
    assert row_of(capsys)[7:9] == ["0", "1"]


def test_a_narrative_clause_changes_nothing_for_an_encoded_one(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    clauses = (demo.dir / "clauses.yaml").read_text(encoding="utf-8")
    changed = clauses.replace("加强组织领导", "切实加强组织领导")
    (demo.dir / "clauses.yaml").write_text(changed, encoding="utf-8")
    load_policy.cache_clear()
    assert row_of(capsys)[7:9] == ["1", "0"]


def test_dispute_needs_a_note_and_is_counted(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, err = cli(capsys, "dispute", "demo-2099-1/1", "--reviewer", "Wang Fang", "--date", "2099-01-06")
    assert rc == 2 and out == "" and "--note" in err
    rc, _, _ = cli(capsys, "dispute", "demo-2099-1/1", "--reviewer", "Wang Fang", "--date", "2099-01-06",
                   "--note", "不低于 is a floor: a locality may pay more")
    assert rc == 0
    assert row_of(capsys)[5:10] == ["2", "0", "0", "0", "1"]
    assert "{bdg-danger}`有异议` <span lang=\"en\">`disputed`</span>" in review_page.page()


def test_approval_with_open_questions_needs_resolve(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    cli(capsys, "request", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06",
        "--question", "Does 70% apply to outpatient care too?")
    rc, _, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-07")
    assert rc == 2 and "open questions" in err and "outpatient" in err
    rc, _, _ = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-07", "--resolve",
                   "--note", "Yes: the clause does not distinguish.")
    entry = load_ledger("demo-2099-1")["demo-2099-1/1"]
    assert rc == 0 and entry["open_questions"] == [] and "Resolved: Does 70%" in entry["history"][-1]["note"]


def test_show_is_a_chinese_review_sheet_and_full_adds_the_english_and_the_code(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, _ = cli(capsys, "show", "demo-2099-1/1")
    assert rc == 0
    for expected in ("条款审核单 demo-2099-1/1 · Review sheet demo-2099-1/1", "一、原文 · Text", "救助比例不低于70%。",
                     "文本状态：已编码　审核状态：草稿",
                     "救助比例（assistance.ratio）：70%，下限（不低于），2099-01-01 起，原文「救助比例不低于70%」",
                     "assistance_ratio 救助比例（", "2099-01-05 草稿 — entry created by review sync",
                     "案例集 0 个（刚刚运行），测试 0 个（本机尚无完整测试记录",
                     "python -m medrules review approve demo-2099-1/1 --reviewer <姓名>"):
        assert expected in out, expected
    # no markup, no English text or code on the sheet itself: those are behind --full
    assert "The assistance ratio is at least 70%." not in out and "def assistance_ratio" not in out
    assert not any(mark in out for mark in ("<span", "**", "###"))
    full = cli(capsys, "show", "demo-2099-1/1", "--full")[1]
    for expected in ("The assistance ratio is at least 70%.", "def assistance_ratio", "救助比例 — demo-2099-1/1."):
        assert expected in full, expected


@pytest.mark.parametrize("ref, close", [("demo-2099-1/3", "demo-2099-1/1"), ("demo-2099-1/", "demo-2099-1/1"),
                                        ("10", "demo-2099-1/10"), ("demo-2099/1", "demo-2099-1/1")])
def test_a_bad_clause_id_exits_2_naming_the_form_and_close_matches(demo, capsys, ref, close):
    for cmd in (["show", ref], ["approve", ref, "--reviewer", "Li Wei"]):
        rc, out, err = cli(capsys, *cmd)
        assert rc == 2 and out == ""
        assert english_half(err).startswith(f"error: clause: {ref!r} is not a clause ID; the form is <policy-id>/<path>")
        assert chinese_half(err).startswith(f"输入有误：clause：{ref!r} 不是条款编号；格式为 <policy-id>/<path>")
        assert close in err.split("close matches:")[1]


def test_a_bad_date_or_missing_reviewer_exits_2(demo, capsys):
    rc, out, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-13-01")
    assert rc == 2 and out == "" and "--date: must be a date YYYY-MM-DD" in err
    rc, out, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", " ")
    assert rc == 2 and "--reviewer" in err
    with pytest.raises(SystemExit) as e:
        main(["review", "approve", "demo-2099-1/1"])
    assert e.value.code == 2


def test_with_examples_comes_from_the_measured_rule_calls(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    save_exercised({"medrules.rules.demo_2099_1.assistance_ratio": ["tests/test_demo.py::test_ratio"]})
    assert row_of(capsys)[4] == "1"
    assert "tests/test_demo.py::test_ratio" in cli(capsys, "show", "demo-2099-1/1")[1]
    save_exercised({})
    assert row_of(capsys)[4] == "0"
    assert unexercised({}) == {"demo-2099-1/1": "no test calls assistance_ratio"}


def test_the_recorder_sees_calls_however_the_rule_is_reached():
    import medrules.rules.wenzhou_2021_78 as wz
    held = (wz.coverage_start,)  # a reference taken before recording starts
    recorder = RuleCallRecorder({wz.coverage_start.__code__: "k"})
    outer = sys.getprofile()
    recorder.start()
    try:
        recorder.current = "t1"
        held[0](__import__("datetime").date(2023, 6, 1))
        recorder.current = "t2"
        wz.in_force  # not a call
    finally:
        recorder.stop()
    sys.setprofile(outer)
    assert recorder.to_json() == {"k": ["t1"]}


def test_the_book_page_shows_the_same_figures_as_status_and_marks_stale_clauses(demo, capsys, tmp_path):
    cli(capsys, "sync", "--date", "2099-01-05")
    cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    (demo.dir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.75", encoding="utf-8")
    load_policy.cache_clear()
    rc, _, _ = cli(capsys, "page", "--out", str(tmp_path / "review.md"))
    text = (tmp_path / "review.md").read_text(encoding="utf-8")
    # Rows lead with the Chinese name (the policy's title, the clause's label and title); the ID comes after.
    figures = next(line for line in text.splitlines() if line.startswith("| ") and " `demo-2099-1` |" in line)
    assert rc == 0 and figures.strip("| ").split(" | ")[1:] == row_of(capsys)
    assert row_of(capsys) == ["3", "1", "2", "0", "0", "2", "0", "0", "1", "0", "0"]
    stale_row = next(line for line in text.splitlines() if line.endswith("| `demo-2099-1/1` |"))
    assert stale_row.startswith("| 一 救助比例 |")
    assert "{bdg-warning}`已过期（批准后有改动）`" in stale_row and "Li Wei" in stale_row and "→" in stale_row
    assert ":::{admonition} 待审核 · Needs a reviewer" in text and "`demo-2099-1/1` 一 救助比例" in text


def test_the_book_puts_the_live_status_beside_each_clause_heading_of_a_policy_page(demo, capsys):
    from docutils import nodes
    cli(capsys, "sync", "--date", "2099-01-05")
    cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    (demo.dir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.75", encoding="utf-8")
    load_policy.cache_clear()

    def heading(cid):  # what show_clause() renders: "**<id>** · label title · status"
        return nodes.paragraph("", "", nodes.Text(""), nodes.strong(text=cid), nodes.Text(" · 一 救助比例"))

    doc = nodes.section("", heading("demo-2099-1/1"), heading("demo-2099-1/2"),
                        nodes.paragraph("", "", nodes.Text("see "), nodes.strong(text="demo-2099-1/10")))
    app = type("App", (), {})()
    review_page._badge_clause_sections(app, doc, "notebooks/demo-2099-1")
    first, second, prose = doc.children
    # Chinese first, the English in a part the language switch hides (class lang-en); the ID marked a machine name.
    assert first.astext().startswith(
        "demo-2099-1/1 · 一 救助比例 审核：已过期（批准后有改动） review: stale （Li Wei于2099-01-06批准")
    assert "(approved by Li Wei on 2099-01-06" in first.astext()
    badge = first.children[-3]
    assert "sd-bg-warning" in badge["classes"] and badge.children[-1]["classes"] == ["lang-en"]
    assert "medrules-id" in first.children[1]["classes"]
    assert second.astext().endswith("审核：草稿（未审核） review: draft")
    assert prose.astext() == "see demo-2099-1/10"  # only a heading that starts the paragraph gets a badge


def test_an_encoded_clause_whose_rule_is_missing_cannot_be_approved(demo, capsys):
    demo.load_rules(3, RULES_V1.replace("def assistance_ratio", "def renamed_ratio"))
    rc, out, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    assert rc == 2 and out == "" and "assistance_ratio" in err and "medrules.rules.demo_2099_1" in err
    assert cli(capsys, "status")[0] == 0  # status still works, and shows the clause unreviewed


# --- issue 15: an approval covers everything that changes a result ------------------------------------------------

def approve(capsys, *extra, clause="demo-2099-1/1", date="2099-01-06"):
    return cli(capsys, "approve", clause, "--reviewer", "Li Wei", "--date", date, *extra)


def state(clause="demo-2099-1/1") -> str:
    policy = load_policy("demo-2099-1")
    c = policy.clauses[clause]
    return effective_status(load_ledger("demo-2099-1").get(c.id), fingerprint(policy, c))


def rewrite(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    load_policy.cache_clear()


@pytest.mark.parametrize("field, old, new", [
    ("reported_in_force_on", "        reported_in_force_on: 2099-01-01\n",
     "        reported_in_force_on: 2100-01-01\n"),
    ("to", "        to: null\n", "        to: 2100-12-31\n"),
    ("note", "        note: floor\n", "        note: a floor, not an exact ratio\n"),
])
def test_an_approval_goes_stale_when_any_date_or_key_of_a_value_changes(demo, capsys, field, old, new):
    # The Shandong case: reported_in_force_on 2022-09-05 -> 2023-09-05 left the approval standing.
    params = PARAMETERS_YAML.replace("        quote:", "        reported_in_force_on: 2099-01-01\n"
                                     "        note: floor\n        quote:")
    (demo.dir / "parameters.yaml").write_text(params % "0.7", encoding="utf-8")
    load_policy.cache_clear()
    assert approve(capsys)[0] == 0 and state() == "approved"
    rewrite(demo.dir / "parameters.yaml", old, new)
    assert state() == "stale", field


def test_an_approval_goes_stale_when_the_policy_validity_changes(demo, capsys):
    approve(capsys)
    rewrite(demo.dir / "policy.yaml", "in_force_to: null", "in_force_to: 2100-12-31")
    assert state() == "stale"


# An uncertain note as the policy files write it: Chinese first, then the English.
UNCERTAIN_NOTE = "  uncertain:\n    - zh: “不低于”也可能理解为恰好70%。\n      en: 不低于 may be read as exactly 70%.\n"


def test_an_approval_goes_stale_when_an_uncertain_note_changes(demo, capsys):
    rewrite(demo.dir / "clauses.yaml", "  rules: [assistance_ratio]\n",
            "  rules: [assistance_ratio]\n" + UNCERTAIN_NOTE)
    assert approve(capsys, "--accept-open", "a floor is the plain reading")[0] == 0
    rewrite(demo.dir / "clauses.yaml", "exactly 70%", "exactly 75%")
    assert state() == "stale"


def test_an_approval_goes_stale_when_only_the_chinese_of_an_uncertain_note_changes(demo, capsys):
    rewrite(demo.dir / "clauses.yaml", "  rules: [assistance_ratio]\n",
            "  rules: [assistance_ratio]\n" + UNCERTAIN_NOTE)
    assert approve(capsys, "--accept-open", "a floor is the plain reading")[0] == 0
    rewrite(demo.dir / "clauses.yaml", "恰好70%", "恰好75%")
    assert state() == "stale"


READINGS_YAML = """\
readings:
  demo-2099-1/1:outpatient:
    question: {zh: 门诊是否适用？, en: "Does the ratio apply to outpatient care?"}
    options:
      all: {zh: 适用, en: applies, why: {zh: 文件未区分, en: the text does not distinguish}}
      inpatient-only: {zh: 不适用, en: inpatient only, why: {zh: 通常如此, en: usually so}}
    default: all
    default_why: {zh: 条文未区分, en: the text does not distinguish}
  demo-2099-1/10:unrelated:
    question: {zh: 无关, en: unrelated}
    options: {a: {zh: 甲, en: a, why: {zh: x, en: x}}}
    default: a
    default_why: {zh: x, en: x}
"""


def test_an_approval_goes_stale_when_a_reading_of_the_clause_changes_and_not_another_clauses(demo, capsys):
    (demo.dir / "readings.yaml").write_text(READINGS_YAML, encoding="utf-8")
    assert approve(capsys, "--accept-open", "the default reading is the plain one")[0] == 0
    rewrite(demo.dir / "readings.yaml", "default_why: {zh: x, en: x}", "default_why: {zh: y, en: y}")  # demo-2099-1/10's reading
    assert state() == "approved"
    rewrite(demo.dir / "readings.yaml", "default: all", "default: inpatient-only")
    assert state() == "stale"


@pytest.fixture
def rulebook_copy(tmp_path, monkeypatch):
    """medrules.core.rulebook read from a copy that a test may edit (the fingerprint finds modules by __file__)."""
    import medrules.core.rulebook as rb
    copy = tmp_path / "rulebook.py"
    copy.write_text(open(rb.__file__, encoding="utf-8").read(), encoding="utf-8")
    monkeypatch.setattr(rb, "__file__", str(copy))
    return copy


def test_an_approval_goes_stale_when_the_engine_code_the_rule_imports_changes(demo, capsys, rulebook_copy):
    # Editing medrules/core/rulebook.py (year_to_date, pay_due, at_least) left every approval standing.
    assert approve(capsys)[0] == 0
    rulebook_copy.write_text(rulebook_copy.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert state() == "stale"


def test_the_engine_is_found_by_walking_imports_not_listed(demo):
    engine = engine_modules("demo-2099-1")
    # RULES_V1 imports medrules.core.rulebook, which imports claims, money and policy; importing it runs the package
    # __init__ and medrules/rules/__init__.py; the engine that runs the rules (and the scenario it validates) is
    # walked as a root of its own.
    for name in ("medrules", "medrules.rules", "medrules.core.rulebook", "medrules.core.claims", "medrules.core.money",
                 "medrules.core.policy", "medrules.core.scenario", "medrules.core.engine"):
        assert name in engine, name
    assert "medrules.publish.charts" not in engine and not any(n.startswith("medrules.review") for n in engine)
    demo.load_rules(4, RULES_V1 + textwrap.dedent('''\

        def uses_more(policy):
            from ..publish import charts  # a module the rule starts to use
            from . import wenzhou_2021_78  # another policy's rules: reviewed under their own clauses
            return charts, wenzhou_2021_78
        '''))
    engine = engine_modules("demo-2099-1")
    assert "medrules.publish.charts" in engine and "medrules.rules.wenzhou_2021_78" not in engine


def test_a_narrative_clause_does_not_go_stale_when_the_code_changes(demo, capsys, rulebook_copy):
    assert approve(capsys, clause="demo-2099-1/2")[0] == 0
    rulebook_copy.write_text(rulebook_copy.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    demo.load_rules(5, RULES_V1.replace(".value", ".value  # changed"))
    assert state("demo-2099-1/2") == "approved"


def test_the_real_fingerprint_covers_the_shandong_dates_the_notes_and_the_engine():
    policy = load_policy("shandong-2022-major-illness")
    parts = fingerprint_parts(policy, policy.clauses["shandong-2022-major-illness/5"])
    dated = [p["entry"]["reported_in_force_on"] for p in parts["parameters"]
             if "reported_in_force_on" in p.get("entry", {})]
    assert dated and all(str(d) in ("2022-09-05", "None") for d in dated) and "2022-09-05" in map(str, dated)
    assert len(parts["uncertain"]) == 7  # the seven notes the issue counted on clause 5
    assert {"medrules/core/rulebook.py", "medrules/core/engine.py", "medrules/core/money.py",
            "medrules/rules/shandong_2022_major_illness.py"} <= set(parts["engine"])
    assert not any("wenzhou" in path for path in parts["engine"])
    assert parts["validity"]["dates"]["report"].isoformat() == "2022-09-05"


# --- point 3: a stale approval shows what changed -----------------------------------------------------------------

def test_a_stale_approval_shows_the_diff_of_the_value_against_the_snapshot(demo, capsys, tmp_path):
    assert approve(capsys)[0] == 0
    assert (demo.reviews / "snapshots" / "demo-2099-1" / "1.json").exists()
    (demo.dir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.75", encoding="utf-8")
    load_policy.cache_clear()
    shown = cli(capsys, "show", "demo-2099-1/1")[1]
    # the sheet names what changed and the command that shows it line by line
    assert "有改动的部分：参数 assistance.ratio（自 2099-01-01）" in shown
    assert "逐行对比：\n      python -m medrules review diff demo-2099-1/1\n" in shown
    rc, diff, _ = cli(capsys, "diff", "demo-2099-1/1")
    assert rc == 0 and diff.startswith("自批准以来的改动 demo-2099-1/1")
    assert "上次批准：Li Wei，2099-01-06" in diff
    assert "  -  value: '0.7'\n  +  value: '0.75'" in diff
    assert "=== 参数 assistance.ratio（自 2099-01-01） · parameter assistance.ratio from 2099-01-01" in diff
    assert "重新批准：\n      python -m medrules review approve demo-2099-1/1 --reviewer <姓名>\n" in diff
    cli(capsys, "page", "--out", str(tmp_path / "review.md"))
    page = (tmp_path / "review.md").read_text(encoding="utf-8")
    assert "What changed in `demo-2099-1/1`" in page and "```diff" in page and "+  value: '0.75'" in page


def test_a_stale_approval_shows_the_diff_of_the_engine_code(demo, capsys, rulebook_copy):
    assert approve(capsys)[0] == 0
    rulebook_copy.write_text(rulebook_copy.read_text(encoding="utf-8").replace(
        "def rule(clause: str):", "def rule(clause: str):  # engine changed"), encoding="utf-8")
    diff = cli(capsys, "diff", "demo-2099-1/1")[1]
    assert "\n  -def rule(clause: str):\n  +def rule(clause: str):  # engine changed\n" in diff
    assert "=== 引擎模块 rulebook.py · engine rulebook.py" in diff and "=== 原文" not in diff


def test_diff_shows_a_casebook_case_added_since_the_approval_though_the_approval_stays_fresh(demo, capsys):
    assert approve(capsys)[0] == 0
    assert "自批准以来没有改动。" in cli(capsys, "diff", "demo-2099-1/1")[1]
    (demo.dir / "cases.yaml").write_text(CASES_YAML, encoding="utf-8")
    rc, diff, _ = cli(capsys, "diff", "demo-2099-1/1")
    assert rc == 0 and state() == "approved"   # the casebook is kept with the approval, not in its fingerprint
    assert "=== 案例 低保住院一次 · case 低保住院一次（新增）" in diff and "  +name: 低保住院一次" in diff
    assert "another clause" not in diff   # a case of another clause


def test_an_approval_given_before_snapshots_says_so(demo, capsys):
    assert approve(capsys)[0] == 0
    (demo.reviews / "snapshots" / "demo-2099-1" / "1.json").unlink()
    (demo.dir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.75", encoding="utf-8")
    load_policy.cache_clear()
    for command in ("show", "diff"):
        assert "时尚未保存快照，无法对比" in cli(capsys, command, "demo-2099-1/1")[1]


# --- point 4: open questions, uncertain notes and readings need --accept-open ------------------------------------

def test_approval_with_uncertain_notes_or_readings_needs_accept_open_which_is_recorded_and_shown(demo, capsys,
                                                                                                 tmp_path):
    rewrite(demo.dir / "clauses.yaml", "  rules: [assistance_ratio]\n",
            "  rules: [assistance_ratio]\n" + UNCERTAIN_NOTE)
    (demo.dir / "readings.yaml").write_text(READINGS_YAML, encoding="utf-8")
    rc, out, err = approve(capsys)
    assert rc == 2 and out == "" and len(err.splitlines()) == 1
    assert "--accept-open" in err and "uncertain: “不低于”也可能理解为恰好70%。 / 不低于 may be read as exactly 70%." in err
    assert "reading demo-2099-1/1:outpatient" in err and "demo-2099-1/10:unrelated" not in err
    assert load_ledger("demo-2099-1") == {}  # nothing written
    rc, _, err = approve(capsys, "--accept-open", " ")
    assert rc == 2 and "--accept-open" in err
    assert approve(capsys, "--accept-open", "a floor is the plain reading; outpatient is not excluded")[0] == 0
    item = load_ledger("demo-2099-1")["demo-2099-1/1"]["history"][-1]
    assert item["accepted_open"]["why"] == "a floor is the plain reading; outpatient is not excluded"
    assert len(item["accepted_open"]["open"]) == 2
    shown = cli(capsys, "show", "demo-2099-1/1")[1]
    assert "批准时接受了尚待明确的事项，理由：a floor is the plain reading" in shown
    cli(capsys, "page", "--out", str(tmp_path / "review.md"))
    row = next(line for line in (tmp_path / "review.md").read_text(encoding="utf-8").splitlines()
               if line.endswith("| `demo-2099-1/1` |"))
    assert "accepted open (2): a floor is the plain reading" in row


def test_approval_with_open_review_questions_can_be_accepted_open_and_they_stay_listed(demo, capsys):
    cli(capsys, "request", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06",
        "--question", "Does 70% apply to outpatient care too?")
    assert approve(capsys, "--accept-open", "asked the bureau; the answer does not change 70%")[0] == 0
    entry = load_ledger("demo-2099-1")["demo-2099-1/1"]
    assert entry["status"] == "approved" and entry["open_questions"] == ["Does 70% apply to outpatient care too?"]


def test_the_real_clauses_with_open_items_need_accept_open():
    policy = load_policy("shandong-2022-major-illness")
    items = open_items(policy, policy.clauses["shandong-2022-major-illness/5"], [])
    assert sum(i.startswith("uncertain:") for i in items) == 7 and any("open question (text)" in i for i in items)
    # The case: 三(三)9 went straight from draft to approved with its three open questions outstanding.
    wenzhou = load_policy("wenzhou-2021-78")
    items = open_items(wenzhou, wenzhou.clauses["wenzhou-2021-78/3.3.9"], [])
    assert sum(i.startswith("open question (text):") for i in items) == 3


# --- point 5: review show shows everything a reviewer judges ------------------------------------------------------

NOTEBOOK_TWIN = '''\
# %% [markdown]
# ## 一 Assistance ratio

# %%
show_clause(P, "1")

# %% [markdown]
# **Interpretation.** At least 70%.
#
# ### Outpatient care
#
# Outpatient care is assisted at the same ratio.
#
# Assumption: the ratio applies per claim.

# %%
show_rule(assistance_ratio)

# %% [markdown]
# Worked examples follow.
#
# ## 二 Organisation

# %%
show_clause(P, "2")
'''

CASES_YAML = """\
- name: 低保住院一次
  clause: demo-2099-1/1
  person: {statuses: [dibao]}
  expected: {year: {medical_assistance: "7000.00"}}
  working: {zh: 10000 × 70% = 7000, en: 10,000 × 70% = 7,000}
- name: another clause
  clause: demo-2099-1/2
"""


def test_show_prints_every_paragraph_assumptions_uncertain_notes_readings_cases_code_and_dated_values(demo, capsys):
    (demo.dir.parent.parent / "notebooks").mkdir()
    (demo.dir.parent.parent / "notebooks" / "demo-2099-1.py").write_text(NOTEBOOK_TWIN, encoding="utf-8")
    rewrite(demo.dir / "clauses.yaml", "  rules: [assistance_ratio]\n",
            "  rules: [assistance_ratio]\n" + UNCERTAIN_NOTE)
    (demo.dir / "readings.yaml").write_text(READINGS_YAML, encoding="utf-8")
    (demo.dir / "cases.yaml").write_text(CASES_YAML, encoding="utf-8")
    rc, out, _ = cli(capsys, "show", "demo-2099-1/1")
    assert rc == 0
    interp = out.split("、解读（notebooks/demo-2099-1.py）", 1)[1].split("、假设（", 1)[0]
    # every paragraph of the section but the assumptions, its sub-heading included, up to the next clause's heading
    for expected in ("Interpretation. At least 70%.", "【Outpatient care】", "same ratio."):
        assert expected in interp, expected
    assert "Organisation" not in interp and "Assumption" not in interp
    for expected in ("假设（1） · Assumptions (1)\n  1. the ratio applies per claim.\n",
                     "存疑之处（1） · Uncertain notes (1)\n  1. “不低于”也可能理解为恰好70%。\n",
                     "解读选项（1；● 为默认）", "1:outpatient 门诊是否适用？", "● 适用〔默认〕（all）：文件未区分",
                     "○ 不适用（inpatient-only）：通常如此", "默认理由：条文未区分",
                     "案例集（1） · Casebook cases (1)", "  - 低保住院一次",
                     "救助比例（assistance.ratio）：70%，下限（不低于），2099-01-01 起"):
        assert expected in out, expected
    assert "another clause" not in out and "1:unrelated" not in out
    full = cli(capsys, "show", "demo-2099-1/1", "--full")[1]
    for expected in ("  1. “不低于”也可能理解为恰好70%。\n     不低于 may be read as exactly 70%.\n",
                     "10000 × 70% = 7000", "def assistance_ratio", "Worked examples follow."):
        assert expected in full, expected


def test_show_prints_a_real_clauses_open_questions_and_uncertain_notes_chinese_first_then_english(capsys):
    # Hand-copied from policies/*/clauses.yaml: each note's Chinese, then its English on the next line.
    out = cli(capsys, "show", "wenzhou-2021-78/3.3.11")[1]
    assert "待明确问题（3） · Open questions (3)\n  1. 未说明5万元按每次住院还是按年度计算（引擎按自然年度累计）。\n" in out
    assert "Whether the 50,000 yuan" not in out
    out = cli(capsys, "show", "wenzhou-2021-78/3.3.11", "--full")[1]
    assert ("  1. 未说明5万元按每次住院还是按年度计算（引擎按自然年度累计）。\n"
            "     Whether the 50,000 yuan is counted per admission or per year is not said (the engine counts per\n"
            "     calendar year).\n") in out
    out = cli(capsys, "show", "guizhou-2024-medical-security/p4", "--full")[1]
    assert ("存疑之处（1） · Uncertain notes (1)\n  1. “較之前提升了20%”理解为提高20个百分点（原比例70%）；若理解为相对"
            "提高20%（原比例的20%），原比例\n     应为75%。\n     較之前提升了20% is read as 20 percentage points") in out


def test_every_encoded_real_clause_has_its_interpretation_found():
    missing = [c.id for pid in policy_ids() for c in load_policy(pid).clauses.values()
               if c.status == "encoded" and not interpretation(pid, c.path)]
    assert not missing
    # 三(三)9 has sub-sections (### …): all of them belong to it
    text = interpretation("wenzhou-2021-78", "3.3.9")
    assert "### 大病保险倾斜 · Critical-illness insurance tilt" in text and "### 医疗救助 · Medical assistance" in text


# --- point 6: the ledger is safe under concurrency ----------------------------------------------------------------

def test_twenty_parallel_approvals_leave_twenty_approvals(tmp_path):
    """Twenty `python -m medrules review approve` processes at once on one ledger (a copy of the repository's
    medrules/, policies/ and reviews/): every one must be in the ledger afterwards."""
    import shutil
    import subprocess
    from pathlib import Path
    repo = Path(REPO)
    for part in ("medrules", "policies", "reviews"):
        shutil.copytree(repo / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "*.lock"))
    pid = "wenzhou-2021-78"
    clauses = sorted(load_policy(pid).clauses, key=natural_key)
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    jobs = [(clauses[i % len(clauses)], f"Reviewer {i:02d}") for i in range(20)]
    procs = [subprocess.Popen([sys.executable, "-m", "medrules", "review", "approve", cid, "--reviewer", who,
                               "--date", "2099-01-06", "--accept-open", "parallel test"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cid, who in jobs]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    failed = [r for r in results if r[0] != 0]
    # An encoded clause whose rules are missing cannot be approved: there is none in this policy today.
    assert not failed, failed[:3]
    import yaml
    ledger = yaml.safe_load((tmp_path / "reviews" / f"{pid}.yaml").read_text(encoding="utf-8"))
    approvals = sorted(h["reviewer"] for e in ledger["clauses"] for h in e["history"] if h["status"] == "approved")
    assert approvals == sorted(who for _, who in jobs)
    assert not list((tmp_path / "reviews").glob("*.tmp")) and not list((tmp_path / "reviews").glob(".*.tmp"))


# --- point 7: a corrupt ledger or exercised.json: exit 2, one line naming the file, the line and what is wrong -----

GOOD_LEDGER = """\
policy: demo-2099-1
clauses:
  - clause: demo-2099-1/1
    status: draft
    reviewer: null
    date: 2099-01-05
    fingerprint: null
    open_questions: []
    history:
      - status: draft
        reviewer: null
        date: 2099-01-05
        fingerprint: null
        note: entry created by review sync
"""


@pytest.mark.parametrize("name, body, line, what", [
    ("truncated", GOOD_LEDGER[:GOOD_LEDGER.index("    history:") + 20], 10, "clauses[0].history[0]"),
    ("truncated inside a quoted string", GOOD_LEDGER.replace("note: entry", 'note: "entry'), 15, "not valid YAML"),
    ("a tab for indentation", GOOD_LEDGER.replace("    status: draft", "\tstatus: draft", 1), 4, "not valid YAML"),
    ("empty", "", 1, "an empty file"),
    ("a list at the top", "- clause: demo-2099-1/1\n", 1, "expected a mapping"),
    ("unknown status", GOOD_LEDGER.replace("    status: draft", "    status: aproved", 1), 4, "allowed: draft"),
    ("status is a number", GOOD_LEDGER.replace("    status: draft", "    status: 5", 1), 4, "status"),
    ("open questions not a list", GOOD_LEDGER.replace("open_questions: []", "open_questions: why?"), 8,
     "open_questions"),
    ("history a mapping", GOOD_LEDGER.replace("    history:\n      - status", "    history:\n      status"), 11,
     "not valid YAML"),
    ("history a string", GOOD_LEDGER.split("    history:")[0] + "    history: none\n", 9, "history"),
    ("a date that is not a date", GOOD_LEDGER.replace("    date: 2099-01-05", "    date: soon", 1), 6, "date"),
    ("a short fingerprint", GOOD_LEDGER.replace("    fingerprint: null", "    fingerprint: abc", 1), 7,
     "fingerprint"),
    ("a missing key", GOOD_LEDGER.replace("    open_questions: []\n", ""), 3, "open_questions"),
    ("an unknown key", GOOD_LEDGER.replace("    open_questions: []\n", "    open_questions: []\n    colour: red\n"),
     None, "colour"),
    ("another policy", GOOD_LEDGER.replace("policy: demo-2099-1", "policy: wenzhou-2021-78"), 1, "policy"),
    ("a clause twice", GOOD_LEDGER + GOOD_LEDGER.split("clauses:\n", 1)[1], 15, "two entries"),
    ("clauses missing", "policy: demo-2099-1\n", 1, "clauses"),
    ("a reviewer that is a number", GOOD_LEDGER.replace("    reviewer: null", "    reviewer: 7", 1), 5, "reviewer"),
])
def test_a_corrupt_ledger_exits_2_naming_the_file_line_and_problem(demo, capsys, name, body, line, what):
    demo.reviews.mkdir(exist_ok=True)
    (demo.reviews / "demo-2099-1.yaml").write_text(body, encoding="utf-8")
    for argv in (["status"], ["show", "demo-2099-1/1"], ["approve", "demo-2099-1/1", "--reviewer", "Li Wei"],
                 ["page", "--out", str(demo.reviews / "page.md")]):
        rc, out, err = cli(capsys, *argv)
        assert rc == 2 and out == "", (name, argv, err)
        assert len(err.splitlines()) == 1 and english_half(err).startswith("error: ") and "demo-2099-1.yaml" in err, err
        chinese_half(err)
        assert what in err, (name, err)
        if line is not None:
            assert f"demo-2099-1.yaml line {line}:" in err, (name, err)
    assert (demo.reviews / "demo-2099-1.yaml").read_text(encoding="utf-8") == body  # not overwritten


def test_a_ledger_that_is_not_utf8_exits_2_naming_the_line(demo, capsys):
    demo.reviews.mkdir(exist_ok=True)
    body = GOOD_LEDGER.replace("entry created by review sync", "审核").encode("gb18030")
    (demo.reviews / "demo-2099-1.yaml").write_bytes(body)
    rc, out, err = cli(capsys, "status")
    assert rc == 2 and out == "" and "demo-2099-1.yaml line 14: not valid UTF-8" in err


@pytest.mark.parametrize("name, body, what", [
    ("truncated", b'{\n "medrules.rules.demo_2099_1.assistance_ratio": [\n  "tests/t', "line 3: not valid JSON"),
    ("not UTF-8", '{\n "k": ["审核"]\n}\n'.encode("gb18030"), "line 2: not valid UTF-8"),
    ("a list", b"[]\n", "line 1: expected an object"),
    ("tests not a list", b'{\n "a": [],\n "b": 3\n}\n', 'line 3: b: expected a list of test IDs'),
])
def test_a_corrupt_exercised_json_exits_2_naming_the_file_line_and_problem(demo, capsys, name, body, what):
    exercised.EXERCISED_FILE.write_bytes(body)
    for argv in (["status"], ["show", "demo-2099-1/1"]):
        rc, out, err = cli(capsys, *argv)
        assert rc == 2 and out == "" and len(err.splitlines()) == 1, (name, err)
        assert "exercised.json" in err and what in err, (name, err)


# --- reviewer names ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Li\nWei", "Li\x1b[31mWei", "Li\tWei", "Li\x00"])
def test_a_reviewer_name_with_control_characters_is_refused(demo, capsys, name):
    rc, out, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", name)
    assert rc == 2 and out == "" and len(err.splitlines()) == 1 and "--reviewer: control characters" in err
    assert not (demo.reviews / "demo-2099-1.yaml").exists()


def test_a_hand_edited_reviewer_name_does_not_break_the_status_table_or_the_page(demo, capsys, tmp_path):
    demo.reviews.mkdir(exist_ok=True)
    (demo.reviews / "demo-2099-1.yaml").write_text(
        GOOD_LEDGER.replace("    reviewer: null", '    reviewer: "Li\\nWei | \\e[31m"', 1), encoding="utf-8")
    rc, out, _ = cli(capsys, "status", "--clauses")
    line = next(li for li in out.splitlines() if "demo-2099-1/1 " in li)
    assert rc == 0 and "Li\\nWei | \\x1b[31m" in line and "\x1b" not in out
    cli(capsys, "page", "--out", str(tmp_path / "review.md"))
    row = next(li for li in (tmp_path / "review.md").read_text(encoding="utf-8").splitlines()
               if li.endswith("| `demo-2099-1/1` |"))
    assert row.count(" | ") == 8 and "Li\\\\nWei \\| \\\\x1b\\[31m" in row


def test_show_gives_a_narrative_clauses_reason_in_chinese_then_english(demo, capsys):
    rc, out, _ = cli(capsys, "show", "demo-2099-1/2")
    assert rc == 0
    assert "文本状态：叙述性　审核状态：无记录" in out and "说明：组织实施，无可计算内容。" in out.splitlines()
    assert "Organisation; nothing to compute." not in out
    assert "Organisation; nothing to compute." in cli(capsys, "show", "demo-2099-1/2", "--full")[1].splitlines()
