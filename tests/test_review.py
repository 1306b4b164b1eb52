"""The review ledger: every clause has an entry, approvals are tied to a fingerprint of text, parameters and code,
and go stale when any of them changes; every encoded clause is exercised by a test (measured, see conftest.py)."""
from __future__ import annotations

import importlib.util
import sys
import textwrap

import pytest

from medrules import review
from medrules.cli import main
from medrules.policy import load_policy, policy_ids

# --- the real ledger ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", policy_ids())
def test_every_clause_has_a_ledger_entry(pid):
    missing = [cid for cid in load_policy(pid).clauses if cid not in review.load_ledger(pid)]
    assert not missing, f"no review ledger entry for {missing}: run python -m medrules review sync"


@pytest.mark.parametrize("pid", policy_ids())
def test_the_ledger_names_only_clauses_that_exist(pid):
    orphans = [cid for cid in review.load_ledger(pid) if cid not in load_policy(pid).clauses]
    assert not orphans, f"ledger entries for clauses that no longer exist: {orphans} (review sync --prune)"


@pytest.mark.parametrize("pid", policy_ids())
def test_the_ledger_file_is_in_its_canonical_sorted_block_form(pid, tmp_path, monkeypatch):
    """Hand edits that reorder or reflow the file would make review diffs noisy: the file must be as written."""
    path = review.ledger_path(pid)
    if not path.exists():
        pytest.fail(f"{path.name} does not exist: run python -m medrules review sync")
    entries = review.load_ledger(pid)
    monkeypatch.setattr(review, "REVIEWS_DIR", tmp_path)
    review.save_ledger(pid, entries)
    assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_every_encoded_clause_has_a_test_that_calls_its_rules(rule_calls, request):
    """Runs last (conftest.py). Fails for an encoded clause whose rule functions no test in this session called."""
    why = rule_calls.complete(request.session)
    if why:
        pytest.skip(f"partial run ({why}): run the whole tests/ directory to measure")
    problems = review.unexercised(rule_calls.by_tests())
    assert not problems, "encoded clauses without a test that exercises them:\n" + "\n".join(
        f"  {cid}: {why}" for cid, why in sorted(problems.items(), key=lambda p: review.natural_key(p[0])))


# --- fingerprints of the real policies ---------------------------------------------------------------------------

def test_a_fingerprint_covers_the_module_constants_and_helpers_a_rule_uses(monkeypatch):
    import medrules.rules.wenzhou_2021_78 as wz
    policy = load_policy("wenzhou-2021-78")
    clause = policy.clauses["wenzhou-2021-78/2"]
    before = review.fingerprint(policy, clause)
    assert "is_hardship_group uses NAMED_HARDSHIP_CATEGORIES" in review.fingerprint_parts(policy, clause)["code"]
    monkeypatch.setattr(wz, "NAMED_HARDSHIP_CATEGORIES", ("tekun", "dibao"))
    assert review.fingerprint(policy, clause) != before


def test_a_layer_alias_is_the_same_rule_and_is_listed_once():
    # wenzhou_2021_78.further_relief = high_cost_resolution: one rule of 三(三)11, not two.
    policy = load_policy("wenzhou-2021-78")
    names = [name for name, _ in review.rule_functions(policy.id, policy.clauses["wenzhou-2021-78/3.3.11"])]
    assert names == ["high_cost_resolution"]


def test_a_fingerprint_is_64_hex_and_shown_as_12():
    policy = load_policy("wenzhou-2021-78")
    fp = review.fingerprint(policy, policy.clauses["wenzhou-2021-78/3.3.9"])
    assert len(fp) == 64 and int(fp, 16) >= 0
    assert review.short(fp) == fp[:12]


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
  reason: Organisation; nothing to compute.
- id: demo-2099-1/10
  label: 十
  title: {zh: 附则, en: Final}
  text: 本办法自2099年1月1日起施行。
  parallel: In force from 1 January 2099.
  status: narrative
  reason: Date only.
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
from medrules.rulebook import rule


@rule("demo-2099-1/1")
def assistance_ratio(policy, on):
    """救助比例 — demo-2099-1/1."""
    return policy.param("assistance.ratio", on).value
'''


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """A policy 'demo-2099-1' in a temporary policies/ and reviews/, with its rule module loaded from a file."""
    import medrules.policy as mp
    pdir = tmp_path / "policies" / "demo-2099-1"
    pdir.mkdir(parents=True)
    (pdir / "policy.yaml").write_text(POLICY_YAML, encoding="utf-8")
    (pdir / "clauses.yaml").write_text(CLAUSES_YAML, encoding="utf-8")
    (pdir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.7", encoding="utf-8")
    monkeypatch.setattr(mp, "POLICIES_DIR", tmp_path / "policies")
    monkeypatch.setattr(review, "REVIEWS_DIR", tmp_path / "reviews")
    monkeypatch.setattr(review, "EXERCISED_FILE", tmp_path / "exercised.json")
    monkeypatch.setattr(review, "NOTEBOOKS_DIR", tmp_path / "notebooks")
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
    assert rc == 0 and out.startswith("added 3 draft entries")
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
    assert cli(capsys, "sync", "--date", "2099-02-01")[1].startswith("added 0 draft entries")
    assert (demo.reviews / "demo-2099-1.yaml").read_text(encoding="utf-8").endswith(body.split("policy:", 1)[1])


def test_status_counts_clauses_and_reviews(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, _ = cli(capsys, "status")
    row = out.splitlines()[1].split()
    # columns: clauses encoded narrative not-encodable with-examples draft in-review approved stale disputed missing
    assert row[1:] == ["3", "1", "2", "0", "?", "3", "0", "0", "0", "0", "0"]


def row_of(capsys) -> list[str]:
    rc, out, _ = cli(capsys, "status")
    return out.splitlines()[1].split()[1:]


def test_an_approval_goes_stale_when_the_parameter_text_or_code_changes_and_fresh_when_reapproved(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, _ = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    assert rc == 0
    policy = load_policy("demo-2099-1")
    fp1 = review.fingerprint(policy, policy.clauses["demo-2099-1/1"])
    assert out.strip() == f"demo-2099-1/1: approved by Li Wei on 2099-01-06 fingerprint {fp1[:12]}"
    entry = review.load_ledger("demo-2099-1")["demo-2099-1/1"]
    assert entry["fingerprint"] == fp1 and entry["status"] == "approved"
    # clauses encoded narrative not-encodable with draft in-review approved stale disputed missing
    assert row_of(capsys) == ["3", "1", "2", "0", "?", "2", "0", "1", "0", "0", "0"]

    # (b) a parameter value changes: 0.7 -> 0.75
    (demo.dir / "parameters.yaml").write_text(PARAMETERS_YAML % "0.75", encoding="utf-8")
    load_policy.cache_clear()
    assert row_of(capsys) == ["3", "1", "2", "0", "?", "2", "0", "0", "1", "0", "0"]
    shown = cli(capsys, "show", "demo-2099-1/1")[1]
    assert "review: STALE by Li Wei on 2099-01-06" in shown and f"approved {fp1[:12]}" in shown
    assert "{bdg-warning}`stale`" in review.page()
    assert "stale" in review.review_badge("demo-2099-1", "1").data

    # re-approved: fresh again, and the history keeps both approvals
    cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-07", "--note", "75%")
    assert row_of(capsys)[7:9] == ["1", "0"]
    history = review.load_ledger("demo-2099-1")["demo-2099-1/1"]["history"]
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
    assert "{bdg-danger}`disputed`" in review.page()


def test_approval_with_open_questions_needs_resolve(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    cli(capsys, "request", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06",
        "--question", "Does 70% apply to outpatient care too?")
    rc, _, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-07")
    assert rc == 2 and "open questions" in err and "outpatient" in err
    rc, _, _ = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-07", "--resolve",
                   "--note", "Yes: the clause does not distinguish.")
    entry = review.load_ledger("demo-2099-1")["demo-2099-1/1"]
    assert rc == 0 and entry["open_questions"] == [] and "Resolved: Does 70%" in entry["history"][-1]["note"]


def test_show_prints_text_code_parameters_and_history_on_one_screen(demo, capsys):
    cli(capsys, "sync", "--date", "2099-01-05")
    rc, out, _ = cli(capsys, "show", "demo-2099-1/1")
    assert rc == 0
    for expected in ("救助比例不低于70%。", "The assistance ratio is at least 70%.", "def assistance_ratio",
                     "assistance.ratio = 0.7 (floor, ratio, 2099-01-01 to open) 「救助比例不低于70%」",
                     "2099-01-05 draft", "not measured"):
        assert expected in out, expected


@pytest.mark.parametrize("ref, close", [("demo-2099-1/3", "demo-2099-1/1"), ("demo-2099-1/", "demo-2099-1/1"),
                                        ("10", "demo-2099-1/10"), ("demo-2099/1", "demo-2099-1/1")])
def test_a_bad_clause_id_exits_2_naming_the_form_and_close_matches(demo, capsys, ref, close):
    for cmd in (["show", ref], ["approve", ref, "--reviewer", "Li Wei"]):
        rc, out, err = cli(capsys, *cmd)
        assert rc == 2 and out == ""
        assert err.startswith(f"error: clause: {ref!r} is not a clause ID; the form is <policy-id>/<path>")
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
    review.save_exercised({"medrules.rules.demo_2099_1.assistance_ratio": ["tests/test_demo.py::test_ratio"]})
    assert row_of(capsys)[4] == "1"
    assert "tests/test_demo.py::test_ratio" in cli(capsys, "show", "demo-2099-1/1")[1]
    review.save_exercised({})
    assert row_of(capsys)[4] == "0"
    assert review.unexercised({}) == {"demo-2099-1/1": "no test calls assistance_ratio"}


def test_the_recorder_sees_calls_however_the_rule_is_reached():
    import medrules.rules.wenzhou_2021_78 as wz
    held = (wz.is_hardship_group,)  # a reference taken before recording starts
    recorder = review.RuleCallRecorder({wz.is_hardship_group.__code__: "k"})
    outer = sys.getprofile()
    recorder.start()
    try:
        recorder.current = "t1"
        held[0]("dibao")
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
    figures = next(line for line in text.splitlines() if line.startswith("| demo-2099-1 |"))
    assert rc == 0 and figures.strip("| ").split(" | ")[1:] == row_of(capsys)
    assert row_of(capsys) == ["3", "1", "2", "0", "?", "2", "0", "0", "1", "0", "0"]
    stale_row = next(line for line in text.splitlines() if line.startswith("| `demo-2099-1/1` |"))
    assert "{bdg-warning}`stale`" in stale_row and "Li Wei" in stale_row and "→" in stale_row
    assert ":::{admonition} Needs a reviewer" in text and "`demo-2099-1/1` 一 救助比例" in text


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
    review._badge_clause_sections(app, doc, "notebooks/demo-2099-1")
    first, second, prose = doc.children
    assert first.astext().startswith(
        "demo-2099-1/1 · 一 救助比例 审核 review: stale (approved by Li Wei on 2099-01-06")
    assert "sd-bg-warning" in first.children[-2]["classes"]
    assert second.astext().endswith("审核 review: draft")
    assert prose.astext() == "see demo-2099-1/10"  # only a heading that starts the paragraph gets a badge


def test_an_encoded_clause_whose_rule_is_missing_cannot_be_approved(demo, capsys):
    demo.load_rules(3, RULES_V1.replace("def assistance_ratio", "def renamed_ratio"))
    rc, out, err = cli(capsys, "approve", "demo-2099-1/1", "--reviewer", "Li Wei", "--date", "2099-01-06")
    assert rc == 2 and out == "" and "assistance_ratio" in err and "medrules.rules.demo_2099_1" in err
    assert cli(capsys, "status")[0] == 0  # status still works, and shows the clause unreviewed
