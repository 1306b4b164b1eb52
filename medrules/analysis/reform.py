"""Reforms: a policy's variant with some dated parameter values changed, run beside the baseline on one claims table.

    python -m medrules reform --policy ID CLAIMS --change CHANGES.yaml --out DIFF.parquet
                              [--inputs I.json] [--readings R.json] [--chart CHART.png] [--allow-below-floor]
                              [--timings]

CHANGES.yaml says which dated parameter values change (medrules/analysis/reform_changes.py).

The claims are read once; baseline and variant are settled by the same engine (medrules.tables.settle.evaluate_table) on the
same table. Written, each via a temporary file renamed into place only when complete:
- DIFF.parquet: one row per claim — row, person_id, date, and for each layer and out_of_pocket
  `<layer>_baseline`, `<layer>_variant`, `<layer>_change` as exact decimal(18,2) yuan, null where undetermined
  (out_of_pocket: null unless every layer of the claim is settled, as it is then only an upper bound);
- DIFF.people.parquet: one row per person and calendar year (the unit the annual limits apply to) — person_id,
  year, statuses, claims, and the same three columns per layer summed over the year, null where any claim of the
  year is undetermined for that layer.

The summary, by group (the person's statuses) and for everyone: the change in each fund's cost (claims settled in
both runs), how many person-years pay less (gain) or more (lose) out of pocket, and the 50th/90th/99th percentile
of the person-year out-of-pocket before and after, exactly (nearest-rank order statistics on fen).
"""
from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from ..core.categories import STATUSES
from ..core.claims import statuses_of, yuan
from ..core.messages import both
from ..core.rulebook import LAYER_LABELS, LAYERS
from ..core.writes import write_together
from ..tables.claims_file import load_inputs, read_claims
from ..tables.columns import decimal_array, err
from ..tables.output import check_chart, check_out
from ..tables.settle import OUTPUTS, Settled, check_policy, evaluate_table, prepare
from .reform_changes import Reform, load_changes, shown_value

PERCENTILES = (50, 90, 99)


# --------------------------------------------------------------------------------------------------------------
# Differences
# --------------------------------------------------------------------------------------------------------------

def _claim_values(s: Settled) -> tuple[dict, dict]:
    """Per output: fen and whether it is determined (out_of_pocket only where every layer is settled)."""
    complete = s.complete
    known = {k: s.known[k] for k in LAYERS}
    known["out_of_pocket"] = complete
    return s.amounts, known


def claim_differences(t, base: Settled, variant: Settled, policy_id: str):
    """The per-claim table: row, person_id, date and baseline / variant / change per layer and out_of_pocket."""
    import pyarrow as pa
    b_amt, b_known = _claim_values(base)
    v_amt, v_known = _claim_values(variant)
    cols = {"row": pa.array(t.row + 1),
            "person_id": pa.DictionaryArray.from_arrays(pa.array(t.person, pa.int32()), t.person_ids),
            "date": pa.array(t.date.astype("datetime64[D]"), type=pa.date32())}
    for k in OUTPUTS:
        cols[f"{k}_baseline"] = decimal_array(b_amt[k], b_known[k])
        cols[f"{k}_variant"] = decimal_array(v_amt[k], v_known[k])
        cols[f"{k}_change"] = decimal_array(v_amt[k] - b_amt[k], b_known[k] & v_known[k])
    meta = {"medrules.policy": policy_id, "medrules.reform": "per claim", "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "1 = first data row of the input"}
    return pa.table(cols).replace_schema_metadata(meta)


@dataclasses.dataclass
class PersonYears:
    """One entry per person and calendar year: sums in fen and whether every claim of the year was settled."""
    person: np.ndarray
    year: np.ndarray
    statuses: np.ndarray
    claims: np.ndarray
    base: dict
    variant: dict
    base_known: dict
    variant_known: dict


def person_years(t, base: Settled, variant: Settled) -> PersonYears:
    years = t.date.astype("datetime64[Y]").astype(np.int64) + 1970
    key = t.person.astype(np.int64) * 10_000 + years
    order = np.argsort(key, kind="stable")
    k_sorted = key[order]
    starts = np.flatnonzero(np.r_[True, k_sorted[1:] != k_sorted[:-1]]) if len(key) else np.zeros(0, np.int64)
    first = order[starts]
    counts = np.diff(np.r_[starts, len(key)])
    b_amt, b_known = _claim_values(base)
    v_amt, v_known = _claim_values(variant)

    def total(x):
        return np.add.reduceat(x[order], starts) if len(starts) else np.zeros(0, np.int64)

    def every(x):
        return np.minimum.reduceat(x[order].astype(np.int8), starts).astype(bool) if len(starts) else np.zeros(0, bool)
    return PersonYears(
        person=t.person[first], year=years[first], statuses=t.statuses[first], claims=counts,
        base={k: total(b_amt[k]) for k in OUTPUTS}, variant={k: total(v_amt[k]) for k in OUTPUTS},
        base_known={k: every(b_known[k]) for k in OUTPUTS}, variant_known={k: every(v_known[k]) for k in OUTPUTS})


def statuses_text(mask: int) -> str:
    return ";".join(statuses_of(mask))


def people_table(t, py: PersonYears, policy_id: str):
    import pyarrow as pa
    masks, inverse = np.unique(py.statuses, return_inverse=True)
    cols = {"person_id": pa.DictionaryArray.from_arrays(pa.array(py.person, pa.int32()), t.person_ids),
            "year": pa.array(py.year.astype(np.int32)),
            "statuses": pa.DictionaryArray.from_arrays(pa.array(inverse.ravel().astype(np.int32)),
                                                       pa.array([statuses_text(m) for m in masks])),
            "claims": pa.array(py.claims.astype(np.int32))}
    for k in OUTPUTS:
        both = py.base_known[k] & py.variant_known[k]
        cols[f"{k}_baseline"] = decimal_array(py.base[k], py.base_known[k])
        cols[f"{k}_variant"] = decimal_array(py.variant[k], py.variant_known[k])
        cols[f"{k}_change"] = decimal_array(py.variant[k] - py.base[k], both)
    meta = {"medrules.policy": policy_id, "medrules.reform": "per person and calendar year",
            "medrules.money": "decimal(18,2) yuan, exact"}
    return pa.table(cols).replace_schema_metadata(meta)


def nearest_rank(sorted_fen: np.ndarray, p: int) -> int | None:
    """The p-th percentile by nearest rank: the value at rank ⌈p·N/100⌉ (1-based) of the sorted values — an actual
    amount of the data, found in integers (no interpolation, no float)."""
    n = len(sorted_fen)
    if n == 0:
        return None
    rank = max(1, (p * n + 99) // 100)
    return int(sorted_fen[rank - 1])


def group_label(mask: int) -> str:
    names = statuses_of(mask)
    if not names:
        return "无身份 none"
    return "+".join(STATUSES[s][0] for s in names) + " " + "+".join(names)


ALL = "全部 everyone"


def summarise(t, base: Settled, variant: Settled, py: PersonYears | None = None) -> list[dict]:
    """One dict per group (the person's statuses; then everyone): fen and counts, Python ints."""
    py = py if py is not None else person_years(t, base, variant)
    claim_status = t.statuses
    groups = [(group_label(int(m)), claim_status == m, py.statuses == m) for m in np.unique(py.statuses)]
    groups.append((ALL, np.ones(len(claim_status), bool), np.ones(len(py.statuses), bool)))
    b_amt, b_known = _claim_values(base)
    v_amt, v_known = _claim_values(variant)
    rows = []
    for label, in_claims, in_people in groups:
        row = {"group": label, "person_years": int(in_people.sum())}
        for k in LAYERS:
            both = in_claims & b_known[k] & v_known[k]
            row[f"{k}_change"] = int((v_amt[k][both] - b_amt[k][both]).sum(dtype=np.int64))
            row[f"{k}_undetermined"] = int((in_claims & ~(b_known[k] & v_known[k]) & base.in_force).sum())
        known = in_people & py.base_known["out_of_pocket"] & py.variant_known["out_of_pocket"]
        change = py.variant["out_of_pocket"][known] - py.base["out_of_pocket"][known]
        row["gain"] = int((change < 0).sum())
        row["lose"] = int((change > 0).sum())
        row["oop_undetermined"] = int((in_people & ~known).sum())
        row["out_of_pocket_change"] = int(change.sum(dtype=np.int64))
        b_sorted = np.sort(py.base["out_of_pocket"][known])
        v_sorted = np.sort(py.variant["out_of_pocket"][known])
        for p in PERCENTILES:
            row[f"p{p}_baseline"] = nearest_rank(b_sorted, p)
            row[f"p{p}_variant"] = nearest_rank(v_sorted, p)
        rows.append(row)
    return rows


def _y(fen_amount) -> str:
    return "—" if fen_amount is None else f"{yuan(fen_amount):,.2f}"


def _signed(fen_amount) -> str:
    return "—" if fen_amount is None else f"{yuan(fen_amount):+,.2f}"


def summary_frame(rows: list[dict]):
    """The summary as a table for the book: Chinese first, English beside, amounts in yuan as text."""
    import pandas as pd
    out = []
    for r in rows:
        line = {"人年 person-years": f"{r['person_years']:,}"}
        for k in LAYERS:
            line[f"{LAYER_LABELS[k][0]} {k} 变化 change"] = _signed(r[f"{k}_change"])
        line["少付 gain"] = f"{r['gain']:,}"
        line["多付 lose"] = f"{r['lose']:,}"
        for p in PERCENTILES:
            b, v = r[f"p{p}_baseline"], r[f"p{p}_variant"]
            line[f"自付P{p} oop P{p}"] = f"{_y(b)} → {_y(v)} ({_signed(None if b is None else v - b)})"
        out.append(line)
    return pd.DataFrame(out, index=pd.Index([r["group"] for r in rows], name="人群 group"))


def format_summary(rows: list[dict], reform: Reform, n_claims: int) -> str:
    lines = [f"改革测算 reform of {reform.baseline.id}: {n_claims:,} 笔结算 claims; 金额单位 元 amounts in yuan"]
    for name, added in reform.changed.items():
        label = reform.baseline.parameters[name].label
        for v in added:
            lines.append(f"  {label['zh']} {name}: {shown_value(v.value, v.unit)} 自 from {v.start} 至 to "
                         f"{v.end or '不限 open'} ({v.clause})")
    for note in reform.notes:
        lines.append(f"  注意 NOTE: {note.text()}")
    for r in rows:
        lines.append("")
        lines.append(f"{r['group']}  ({r['person_years']:,} 人年 person-years)")
        quiet = []
        for k in LAYERS:
            if not r[f"{k}_change"] and not r[f"{k}_undetermined"]:
                quiet.append(LAYER_LABELS[k][0])
                continue
            extra = (f"  (+ {both('partial.claims_undetermined', n=format(r[f'{k}_undetermined'], ','))})"
                     if r[f"{k}_undetermined"] else "")
            lines.append(f"  {LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]} 基金支出变化 cost change: "
                         f"{_signed(r[f'{k}_change'])}{extra}")
        if quiet:
            lines.append(f"  不变 unchanged: {'、'.join(quiet)}")
        lines.append(f"  个人自付 out of pocket: 少付 gain {r['gain']:,} 人年 person-years, 多付 lose {r['lose']:,}, "
                     f"合计变化 total change {_signed(r['out_of_pocket_change'])}"
                     + (f" ({both('partial.person_years_undetermined', n=format(r['oop_undetermined'], ','))})"
                        if r["oop_undetermined"] else ""))
        for p in PERCENTILES:
            b, v = r[f"p{p}_baseline"], r[f"p{p}_variant"]
            lines.append(f"    第{p}百分位 P{p}: {_y(b)} → {_y(v)} ({_signed(None if b is None else v - b)})")
    return "\n".join(lines)


def reform_chart_data(rows: list[dict]) -> dict:
    """{group: {layer: change in yuan as float, for plotting only}} (everyone excluded: it would dwarf the groups)."""
    return {r["group"]: {k: float(yuan(r[f"{k}_change"])) for k in LAYERS} for r in rows if r["group"] != ALL}


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ReformRun:
    reform: Reform
    base: Settled
    variant: Settled
    people: PersonYears
    rows: list
    timings: dict


def run_on_table(t, policy_id: str, reform: Reform, inputs: dict, readings: dict) -> ReformRun:
    """Baseline and variant on the same table, the person-years and the summary."""
    timings = {}
    start = time.perf_counter()
    base = evaluate_table(t, policy_id, inputs, readings)
    timings["baseline"] = time.perf_counter() - start
    start = time.perf_counter()
    variant = evaluate_table(t, reform.variant, inputs, reform.readings)
    timings["variant"] = time.perf_counter() - start
    start = time.perf_counter()
    py = person_years(t, base, variant)
    rows = summarise(t, base, variant, py)
    timings["differences"] = time.perf_counter() - start
    return ReformRun(reform, base, variant, py, rows, timings)


def people_path(out: Path) -> Path:
    return out.with_name(out.stem + ".people.parquet")


def run_reform(policy_id, claims_path, changes_path, out_path, inputs_path=None, readings_path=None, chart_path=None,
               allow_below_floor=False, timings=False, stream=None, draw_chart=None) -> ReformRun:
    """The whole run; with `chart_path`, `draw_chart(rows, path)` (medrules.publish.charts.save_reform_chart) writes
    the chart beside the tables."""
    stream = stream or sys.stdout
    check_policy(policy_id)
    given = (claims_path, changes_path, inputs_path, readings_path)
    out = check_out(out_path, given)
    if out.suffix.lower() != ".parquet":
        raise err("out", "error.reform_out", path=out)
    people_out = check_out(people_path(out), given)
    chart = check_chart(chart_path, given)
    inputs = load_inputs(inputs_path)
    readings = load_inputs(readings_path, "readings") if readings_path else {}
    prepare(policy_id, inputs, readings)
    reform = load_changes(changes_path, policy_id, allow_below_floor, readings)
    start = time.perf_counter()
    t = read_claims(claims_path)
    read_time = time.perf_counter() - start
    r = run_on_table(t, policy_id, reform, inputs, readings)
    start = time.perf_counter()
    files = [(claim_differences(t, r.base, r.variant, policy_id), out)]
    files.append((people_table(t, r.people, policy_id), people_out))
    if chart is not None:
        files.append((lambda tmp: draw_chart(r.rows, tmp), chart))
    _write_together(files)
    r.timings["read"] = read_time
    r.timings["write"] = time.perf_counter() - start
    print(format_summary(r.rows, reform, len(t)), file=stream)
    if timings:
        tm = r.timings
        print(f"计时 timings (s): read {tm['read']:.2f}, baseline {tm['baseline']:.2f}, variant {tm['variant']:.2f}, "
              f"differences {tm['differences']:.2f}, write {tm['write']:.2f}", file=stream)
    return r


def _write_together(files) -> None:
    """Each output (a table, or a function that writes a file) to a temporary file beside it; renamed into place only
    once all are complete (medrules.core.writes.write_together), so an error (or Ctrl-C) leaves no half-written file
    and no new result without its partner; a failed write is WriteFailed naming the file."""
    import pyarrow.parquet as pq

    def writer(what):
        if callable(what):   # a chart: draws itself to the file
            return what
        return lambda tmp: pq.write_table(what, tmp, store_decimal_as_integer=True,
                                          use_dictionary=["person_id", "statuses"])
    write_together([(writer(what), path) for what, path in files])


__all__ = ["load_changes", "run_reform", "run_on_table", "summarise", "summary_frame", "format_summary",
           "reform_chart_data", "nearest_rank", "claim_differences", "people_table", "person_years"]
