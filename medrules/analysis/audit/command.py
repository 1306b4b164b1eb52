"""The audit command: a claims table in either layout, audited against a policy's rules, every file written together.

    python -m medrules audit --policy ID CLAIMS.csv|.parquet --out AUDIT.parquet [--inputs I.json] [--readings R.json]
                             [--layout ours|nhsa --codes MAP.yaml] [--people IDENTITY.csv] [--chart CHART.png]
                             [--timings]

Written, each to a temporary file beside it and renamed only when all are complete (an error or Ctrl-C leaves none):
AUDIT.parquet (per record, with the provenance `explain` re-runs a row from), AUDIT.summary.parquet (layer × group ×
institution × month), AUDIT.readings.parquet (the reading fit), AUDIT.xlsx (every view, for staff) and, asked for,
the chart. Bad input is refused as by `batch`: one line naming the field, exit 2, nothing written.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.writes import write_together
from ...tables.claims_file import load_inputs, read_claims
from ...tables.columns import err
from ...tables.output import check_chart, check_out
from ...tables.provenance import provenance
from ...tables.settle import check_policy, prepare
from .findings import AuditSettled, Findings, audit_table, record_table
from .fit import ReadingFit, fit_readings, fit_table
from .report import format_summary
from .summary import Summary, cells_table, summarise


@dataclass
class AuditRun:
    settled: AuditSettled
    findings: Findings
    summary: Summary
    fits: list
    timings: dict


def output_paths(out: Path) -> dict:
    """Where each file goes: beside AUDIT.parquet, named after it."""
    stem = out.name[:-len(out.suffix)]
    return {"records": out, "summary": out.with_name(stem + ".summary.parquet"),
            "readings": out.with_name(stem + ".readings.parquet"), "workbook": out.with_name(stem + ".xlsx")}


def audit_on_table(t, policy_id: str, inputs: dict, readings: dict) -> AuditRun:
    """The audit of a table already read: findings, summary, reading fit (inputs and readings as given)."""
    timings = {}
    start = time.perf_counter()
    inputs, readings = prepare(policy_id, inputs, readings)
    s = audit_table(t, policy_id, inputs, readings)
    timings["audit"] = time.perf_counter() - start
    start = time.perf_counter()
    f = Findings(t, s)
    summary = summarise(t, f, policy_id)
    timings["summary"] = time.perf_counter() - start
    start = time.perf_counter()
    names = list(t.institution_ids or []) + [""] if "institution" in t.columns else [""]
    code = (np.where(t.institution < 0, len(names) - 1, t.institution) if "institution" in t.columns
            else np.zeros(len(t), dtype=np.int64))
    fits = fit_readings(t, f, s, policy_id, inputs, readings, names, code)
    timings["readings"] = time.perf_counter() - start
    return AuditRun(s, f, summary, fits, timings)


def run_audit(policy_id, claims_path, out_path, inputs_path=None, readings_path=None, layout="ours", codes_path=None,
              people_path=None, chart_path=None, timings: bool = False, stream=None, write_workbook=None,
              draw_chart=None) -> AuditRun:
    """The whole command. `write_workbook(summary, fits, path)` and `draw_chart(summary, path)`
    (medrules.publish.audit_files) write the files staff open."""
    stream = stream or sys.stdout
    start = time.perf_counter()
    check_policy(policy_id)
    given = (claims_path, inputs_path, readings_path, codes_path, people_path)
    out = check_out(out_path, given)
    if out.suffix.lower() != ".parquet":
        raise err("out", "error.reform_out", path=out)
    paths = output_paths(out)
    for path in list(paths.values())[1:]:   # the files written beside it: never a folder, never an input
        if path.is_dir():
            raise err("out", "error.out_is_folder", path=path)
        for g in given:
            if g is not None and path.exists() and Path(g).exists() and os.path.samefile(path, g):
                raise err("out", "error.out_is_input", path=path)
    if chart_path is not None:
        paths["chart"] = check_chart(chart_path, given)
    inputs = load_inputs(inputs_path)
    readings = load_inputs(readings_path, "readings") if readings_path else {}
    prepare(policy_id, inputs, readings)   # bad inputs refused before a large file is read
    t = read_claims(claims_path, layout, codes_path, people_path=people_path)
    read_time = time.perf_counter() - start
    r = audit_on_table(t, policy_id, inputs, readings)
    start = time.perf_counter()
    # what `explain` re-runs a row from: every file pinned by its sha256, as for batch's result
    pinned = provenance(layout, {"claims": claims_path, "codes": codes_path, "inputs": inputs_path,
                                 "readings": readings_path, "people": people_path}, inputs, readings, audit=True)
    files = [(record_table(t, r.settled, r.findings, policy_id, pinned), paths["records"]),
             (cells_table(r.summary), paths["summary"]), (fit_table(r.fits), paths["readings"])]
    if write_workbook is not None:
        files.append((lambda tmp: write_workbook(r.summary, r.fits, tmp), paths["workbook"]))
    if "chart" in paths and draw_chart is not None:
        files.append((lambda tmp: draw_chart(r.summary, tmp), paths["chart"]))
    write_together([(_parquet(what), path) for what, path in files])
    r.timings["read"] = read_time
    r.timings["write"] = time.perf_counter() - start
    print(format_summary(r.summary, r.fits, [str(p) for _, p in files]), file=stream)
    if timings:
        tm = r.timings
        print(f"计时 timings (s): read {tm['read']:.2f}, audit {tm['audit']:.2f}, summary {tm['summary']:.2f}, "
              f"readings {tm['readings']:.2f}, write {tm['write']:.2f}", file=sys.stderr)
    return r


def _parquet(what):
    """An output as write_together takes it: a function writing to a temporary path. An Arrow table is written as
    Parquet, with dictionary pages only for the columns already dictionaries (amounts rarely repeat)."""
    if callable(what):
        return what

    def write(tmp):
        import pyarrow.parquet as pq
        dictionaries = [f.name for f in what.schema if str(f.type).startswith("dictionary")]
        pq.write_table(what, tmp, store_decimal_as_integer=True, use_dictionary=dictionaries)
    return write


__all__ = ["AuditRun", "ReadingFit", "run_audit", "audit_on_table", "output_paths"]
