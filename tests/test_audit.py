"""The settlement audit (issue 28): each layer computed from the record's own earlier layers as recorded, held against
what the record says it paid; the summary; which reading the records follow; the synthetic export and its planted
discrepancies; the README's commands as written; bad input.

Figures are worked by hand from the clauses (the arithmetic beside them) or are the generator's planted list, which
is ground truth by construction; none is taken from the code under test.
Wenzhou 三(三)9, with the deductible input 30,000 (examples/claims-inputs.json): critical-illness insurance (CI) for
people in hardship = (year's burden after basic insurance − 15,000) × 80% less what the year's earlier claims got;
medical assistance (MA) = 80% of the year's burden after both insurances (and other funds) less the year's earlier MA.
"""
from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pyarrow.parquet as pq
import pytest

from _wenzhou import REPO

from medrules.analysis.audit.command import audit_on_table, output_paths
from medrules.analysis.audit.synthetic import OTHER_READING, synthetic_export, write_export
from medrules.cli.main import main
from medrules.tables.claims_file import read_claims

D = Decimal
EXAMPLES = REPO / "examples"
POLICY = "wenzhou-2021-78"


def nhsa_args(settlements, out, *more):
    return ["audit", "--layout", "nhsa", "--codes", str(EXAMPLES / "nhsa-codes.yaml"), "--people",
            str(EXAMPLES / "nhsa-people.csv"), "--policy", POLICY, str(settlements), "--inputs",
            str(EXAMPLES / "claims-inputs.json"), "--out", str(out), *more]


@pytest.fixture()
def altered_example(tmp_path):
    """examples/nhsa-settlements.csv with two discrepancies, each record still balanced:
    row 1 (低保, 住院): the hospital paid CI 58,000 where the rule gives (200,000 − 110,000 − 15,000) × 80% = 60,000,
      and computed MA on what it paid: (200,000 − 110,000 − 58,000) × 80% = 25,600; the person's share
      215,000 − 110,000 − 58,000 − 25,600 = 21,400.
    row 3 (特困, 住院): MA recorded 50,215.84 where the rule gives 49,215.84 (the year's (600.25 + 61,519.80) × 80%
      = 49,696.04 less January's 480.20); the person's share 420,000 − 150,000 − 188,480.20 − 50,215.84 = 31,303.96."""
    rows = list(csv.DictReader((EXAMPLES / "nhsa-settlements.csv").open(encoding="utf-8")))
    rows[0].update(hifmi_pay="58000.00", maf_pay="25600.00", fund_pay_sumamt="193600.00", psn_part_amt="21400.00")
    rows[2].update(maf_pay="50215.84", fund_pay_sumamt="388696.04", psn_part_amt="31303.96")
    path = tmp_path / "settlements.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_each_layer_is_judged_on_the_records_own_earlier_layers_and_the_difference_is_found_where_it_arises(
        tmp_path, altered_example, capsys):
    out = tmp_path / "audit.parquet"
    assert main(nhsa_args(altered_example, out)) == 0
    rows = pq.read_table(out).to_pylist()
    ci = [(r["critical_illness_insurance_recorded"], r["critical_illness_insurance_computed"],
           r["critical_illness_insurance_difference"], r["critical_illness_insurance_finding"]) for r in rows]
    assert ci == [
        (D("58000.00"), D("60000.00"), D("-2000.00"), "under"),   # row 1: 60,000 due, 58,000 paid
        (D("0.00"), D("0.00"), D("0.00"), "match"),               # row 2: burden 600.25 within the 15,000
        (D("188480.20"), D("188480.20"), D("0.00"), "match"),     # row 3: (250,600.25 − 15,000) × 80%
        (D("10000.00"), None, None, "from_record"),               # row 4: no status, 大额 from the record
        (D("0.00"), D("0.00"), D("0.00"), "match"),               # row 5: 低边 from July: 12,000 within 15,000
        (D("0.00"), None, None, "contradicted")]                  # row 6: does not balance
    ma = [(r["medical_assistance_computed"], r["medical_assistance_finding"]) for r in rows]
    assert ma == [(D("25600.00"), "match"),       # on the 58,000 the record says CI paid: (90,000 − 58,000) × 80%
                  (D("480.20"), "match"), (D("49215.84"), "over"),
                  (D("0.00"), "match"),           # not in hardship: 0 whatever was paid before
                  (D("9600.00"), "match"), (None, "contradicted")]
    assert rows[2]["medical_assistance_difference"] == D("1000.00")
    assert rows[0]["critical_illness_insurance_clause"] == "wenzhou-2021-78/3.3.9"
    assert rows[3]["medical_assistance_clause"] == "wenzhou-2021-78/2"
    assert [r["institution"] for r in rows][:2] == ["H33030001", "H33030002"]
    printed = capsys.readouterr().out
    assert "大病保险：核查 4 笔，相符 3 笔；多付 0 笔，计 0.00；少付 1 笔，计 2,000.00；待定 0 笔" in printed
    assert "医疗救助：核查 5 笔，相符 4 笔；多付 1 笔，计 1,000.00；少付 0 笔，计 0.00；待定 0 笔" in printed
    assert "1 笔记录不平衡" in printed and "1 records do not balance" in printed
    assert "基本医保：本政策不计算该层，取自结算记录，未核查" in printed
    assert printed.index("核查 wenzhou-2021-78") < printed.index("audit of wenzhou-2021-78")


def test_the_summary_cells_give_each_group_institution_and_month_with_its_largest_case(tmp_path, altered_example):
    out = tmp_path / "audit.parquet"
    assert main(nhsa_args(altered_example, out)) == 0
    cells = pq.read_table(output_paths(out)["summary"]).to_pylist()
    ma = {(c["group"], c["institution"], c["month"]): c for c in cells if c["layer"] == "medical_assistance"}
    tekun_may = ma[("特困人员 tekun", "H33030001", "2023-05")]
    assert (tekun_may["audited"], tekun_may["over_count"], tekun_may["over_sum"], tekun_may["largest_over_row"],
            tekun_may["largest_over"]) == (1, 1, D("1000.00"), 3, D("1000.00"))
    ci_dibao = [c for c in cells if c["layer"] == "critical_illness_insurance" and c["group"] == "低保对象 dibao"]
    assert [(c["institution"], c["month"], c["under_count"], c["under_sum"], c["largest_under_row"]) for c in ci_dibao] \
        == [("H33030001", "2023-03", 1, D("2000.00"), 1)]
    # every audited record of a layer is in exactly one cell: CI rows 1, 2, 3, 5; MA rows 1 to 5
    assert sum(c["audited"] for c in cells if c["layer"] == "critical_illness_insurance") == 4
    assert sum(c["audited"] for c in cells if c["layer"] == "medical_assistance") == 5


def test_explain_shows_an_audited_rows_own_computation_and_what_the_audit_found(tmp_path, altered_example, capsys):
    out = tmp_path / "audit.parquet"
    assert main(nhsa_args(altered_example, out)) == 0
    capsys.readouterr()
    assert main(["explain", str(out), "--row", "1"]) == 0
    shown = capsys.readouterr().out
    ci = [line for line in shown.splitlines() if line.startswith("critical_illness_insurance")][0]
    assert "60,000.00" in ci and "[wenzhou-2021-78/3.3.9]" in ci   # the rule's own amount, not the record's
    assert "核查：大病保险：记录 58,000.00，计算 60,000.00，少付 2,000.00" in shown
    assert "audit: medical assistance: recorded 25,600.00, computed 25,600.00, match" in shown


def test_an_undetermined_layer_is_counted_as_undetermined_never_as_a_difference(tmp_path, altered_example, capsys):
    """Under the reading local-required of 三(三)9:ratio-floors and no local ratio, CI and MA of the people in hardship
    (rows 1, 2, 3, 5) cannot be computed: undetermined, though rows 1 and 3 differ from what the default reading gives."""
    readings = tmp_path / "readings.json"
    readings.write_text('{"wenzhou-2021-78/3.3.9:ratio-floors": "local-required"}')
    out = tmp_path / "audit.parquet"
    assert main(nhsa_args(altered_example, out, "--readings", str(readings))) == 0
    rows = pq.read_table(out).to_pylist()
    assert [r["medical_assistance_finding"] for r in rows] == ["undetermined"] * 3 + ["match", "undetermined",
                                                                                       "contradicted"]
    assert all(r["medical_assistance_difference"] is None for r in rows if r["medical_assistance_finding"] != "match")
    assert "医疗救助：核查 1 笔，相符 1 笔；多付 0 笔，计 0.00；少付 0 笔，计 0.00；待定 4 笔" in capsys.readouterr().out


def test_the_workbook_opens_with_chinese_heads_and_exact_amounts(tmp_path, altered_example):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "audit.parquet"
    assert main(nhsa_args(altered_example, out)) == 0
    book = openpyxl.load_workbook(output_paths(out)["workbook"])
    assert [ws.title for ws in book.worksheets][:2] == ["各层次 layers", "按人群 groups"]
    layers = book["各层次 layers"]
    heads = [c.value for c in layers[1]]
    assert heads[:5] == ["层次 layer", "核查笔数 audited", "相符笔数 match", "多付笔数 over-paid", "多付金额 over-paid (yuan)"]
    ma = [r for r in layers.iter_rows(min_row=2) if r[0].value.endswith("medical_assistance")][0]
    assert ma[4].value == 1000 and ma[4].number_format == "#,##0.00"
    problems = book["记录问题 record problems"]
    assert problems.cell(2, 1).value == 6 and "个人负担总金额" in problems.cell(2, 2).value


# ---------------------------------------------------------------------------------------------------------------
# The synthetic export: every planted discrepancy found, and nothing else
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def export_audit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    export = synthetic_export(20_000)
    paths = write_export(export, folder)
    t = read_claims(paths["settlements"], "nhsa", paths["codes"], people_path=paths["people"])
    return export, audit_on_table(t, POLICY, export.inputs, {})


def test_the_audit_finds_every_planted_discrepancy_and_nothing_else(export_audit):
    export, r = export_audit
    planted = {(p["row"], p["layer"], p["difference_fen"]) for p in export.planted if p["kind"] != "unbalanced"}
    kinds = {p["kind"] for p in export.planted}
    assert kinds == {"over", "under", "reading", "unbalanced"} and len(planted) >= 60
    found = set()
    for layer, d in r.findings.layers.items():
        for i in np.flatnonzero(np.isin(d["finding"], (1, 2))):   # over, under
            found.add((int(i) + 1, layer, int(d["difference"][i])))
    assert found == planted
    unbalanced = {p["row"] for p in export.planted if p["kind"] == "unbalanced"}
    assert set((np.flatnonzero(r.findings.contradicted) + 1).tolist()) == unbalanced
    assert r.summary.unbalanced == len(unbalanced) and r.summary.contradicted == 0


def test_the_hospital_applying_another_reading_is_named_with_the_option_its_records_follow(export_audit):
    export, r = export_audit
    fits = {f.reading: f for f in r.fits}
    reading, option = OTHER_READING
    yinbing = fits[reading]
    assert yinbing.followed == "within-dibao-dibian"   # the region's records follow the default
    planted_there = [p for p in export.planted if p["kind"] == "reading"]
    assert [(i, o, n, k) for i, o, n, k in yinbing.institutions] == \
        [(export.deviating, option, len(planted_there), len(planted_there))]
    # the over- and under-payments planted on the layers this reading touches fit no option of it
    assert yinbing.no_fit == sum(p["kind"] in ("over", "under") for p in export.planted)
    assert all(not f.institutions for f in r.fits if f.reading != reading)
    assert fits["wenzhou-2021-78/3.3.9:outpatient-burden"].followed == "all-burden"
    assert fits["wenzhou-2021-78/3.3.8:status-start"].followed == "next-month"


def test_the_export_is_the_same_for_the_same_seed_and_differs_for_another():
    a, b, c = synthetic_export(500), synthetic_export(500), synthetic_export(500, seed=29)
    assert a.settlements.equals(b.settlements) and a.people.equals(b.people) and a.planted == b.planted
    assert not a.settlements.equals(c.settlements)


# ---------------------------------------------------------------------------------------------------------------
# The README's commands, as written; bad input
# ---------------------------------------------------------------------------------------------------------------

AUDIT_SECTION = (REPO / "README.md").read_text().split("## Audit", 1)[1].split("\n## ", 1)[0]
AUDIT_COMMANDS = [line for block in re.findall(r"```sh\n(.*?)```", AUDIT_SECTION, re.S)
                  for line in re.sub(r"\\\n\s*", " ", block).splitlines() if line.strip()]


def test_the_readmes_audit_commands_run_as_written_one_after_the_other(tmp_path):
    """In a folder holding the repository's examples, with this interpreter as .venv/bin/python."""
    assert [shlex.split(c)[3] for c in AUDIT_COMMANDS] == ["synthetic-export", "audit", "explain", "audit"]
    (tmp_path / "examples").symlink_to(EXAMPLES)
    outputs = []
    for command in AUDIT_COMMANDS:
        args = shlex.split(command)
        assert args[0] == ".venv/bin/python"
        done = subprocess.run([sys.executable, *args[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"})
        assert done.returncode == 0, (command, done.stderr)
        outputs.append(done.stdout)
    assert "20,000 笔合成结算记录" in outputs[0]
    assert "H33030117 遵循 on-its-own" in outputs[1]
    for name in ("audit.parquet", "audit.summary.parquet", "audit.readings.parquet", "audit.xlsx", "audit.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "核查：医疗救助" in outputs[2]
    assert "1 笔记录不平衡" in outputs[3] and "未发现差异" in outputs[3]


@pytest.mark.parametrize("change, field", [
    ({"--out": "audit.csv"}, "out"),
    ({"--chart": "chart.svg"}, "chart"),
    ({"--codes": None}, "codes"),
    ({"--policy": "zhejiang-2022-illness-poverty"}, "policy"),
    ({"--readings": "bad-readings"}, "readings.wenzhou-2021-78/2:yinbing-zhipin"),
])
def test_bad_input_is_one_line_naming_the_field_exit_2_and_nothing_written(tmp_path, capsys, change, field):
    (tmp_path / "bad-readings").write_text('{"wenzhou-2021-78/2:yinbing-zhipin": "sometimes"}')
    args = nhsa_args(EXAMPLES / "nhsa-settlements.csv", tmp_path / "audit.parquet", "--chart",
                     str(tmp_path / "chart.png"))
    for flag, value in change.items():
        if flag not in args:
            args += [flag, ""]
        i = args.index(flag)
        if value is None:
            del args[i:i + 2]
        else:
            args[i + 1] = str(tmp_path / value) if flag in ("--out", "--chart", "--readings") else value
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"error: {field}" in err and err.startswith("输入有误")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad-readings"]


def test_a_file_written_beside_the_result_may_not_be_an_input(tmp_path, capsys):
    settlements = tmp_path / "audit.summary.parquet"   # what --out audit.parquet would write beside itself
    settlements.write_bytes((EXAMPLES / "nhsa-settlements.csv").read_bytes())
    assert main(nhsa_args(settlements, tmp_path / "audit.parquet")) == 2
    err = capsys.readouterr().err
    assert "error: out" in err and "audit.summary.parquet" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.summary.parquet"]


def test_a_failure_while_writing_leaves_no_file_at_all(tmp_path, monkeypatch):
    import medrules.publish.audit_files as files

    def broken(summary, fits, path):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(files, "write_workbook", broken)
    with pytest.raises(OSError):
        main(nhsa_args(EXAMPLES / "nhsa-settlements.csv", tmp_path / "audit.parquet"))
    assert list(tmp_path.iterdir()) == []


def test_synthetic_export_refuses_a_bad_count_and_never_writes_over_a_file(tmp_path, capsys):
    assert main(["synthetic-export", str(tmp_path / "x"), "--records", "20k"]) == 2
    assert "error: records" in capsys.readouterr().err and not (tmp_path / "x").exists()
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "people.csv").write_text("mine")
    assert main(["synthetic-export", str(tmp_path / "y"), "--records", "200"]) == 2
    assert "error: folder" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "y").iterdir()) == ["people.csv"]
