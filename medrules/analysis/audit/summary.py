"""The findings summed for staff: by layer × group (the statuses a record was judged by) × institution × month — the
records audited, how many match, how many over-paid and under-paid and by how much, how many undetermined, and the
largest case of each cell; the same rolled up by layer, group, institution and month; the largest cases overall.
Amounts are int fen throughout (exact); yuan only where written or printed."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.rulebook import LAYERS
from ..reform import group_label
from .findings import AUDITED, FROM_RECORD, MATCH, OVER, UNDER, UNDETERMINED, WITHIN_BOUND, Findings

# The figures of a cell (and of every roll-up), in the order they are written.
FIGURES = ("audited", "matched", "over_count", "over_sum", "under_count", "under_sum", "undetermined", "within_bound")
AMOUNTS = ("over_sum", "under_sum", "largest_over", "largest_under", "recorded", "computed", "difference")
ROLLUPS = ("layer", "group", "institution", "month")
NO_INSTITUTION = ""   # a record that names no institution


@dataclass
class Summary:
    policy_id: str
    records: int
    cells: dict                  # column -> numpy array (one entry per layer × group × institution × month)
    rollups: dict                # "layer" | "group" | "institution" | "month" -> list of dicts (figures summed)
    largest: list                # the largest over- and under-payments, each a dict
    not_audited: dict            # layer -> why (from_record | not_recorded | no_field)
    from_record: dict            # audited layer -> records the policy left to the record
    unbalanced: int = 0          # records whose amounts do not balance (psn_part_amt, fund_pay_sumamt)
    contradicted: int = 0        # the other records that contradict themselves
    outside: int = 0             # records outside the policy's validity
    problems: list = field(default_factory=list)   # (row, why) of the first records that contradict themselves


def _months(t) -> tuple[np.ndarray, list[str]]:
    month = t.date.astype("datetime64[M]").astype(np.int64)
    uniq, inverse = np.unique(month, return_inverse=True)
    return inverse.ravel(), [str(np.datetime64(int(m), "M")) for m in uniq]


def _institutions(t) -> tuple[np.ndarray, list[str]]:
    """A code per record (the last code: none named) and the institutions' names."""
    if "institution" not in t.columns:
        return np.zeros(len(t), dtype=np.int64), [NO_INSTITUTION]
    ids = list(t.institution_ids or [])
    code = t.institution.astype(np.int64)
    return np.where(code < 0, len(ids), code), ids + [NO_INSTITUTION]


def summarise(t, f: Findings, policy_id: str, top: int = 20) -> Summary:
    """Every figure of the summary from the findings (one pass per audited layer, numpy only)."""
    n = len(t)
    masks, group = np.unique(f.statuses, return_inverse=True)
    group = group.ravel()
    groups = [group_label(int(m)) for m in masks]
    inst, institutions = _institutions(t)
    month, months = _months(t)
    n_inst, n_month = len(institutions), len(months)
    cols: dict = {k: [] for k in ("layer", "group", "institution", "month", *FIGURES, "largest_over_row",
                                  "largest_over", "largest_under_row", "largest_under")}
    largest = []
    from_record = {}
    for layer, d in f.layers.items():
        finding = d["finding"]
        from_record[layer] = int((finding == FROM_RECORD).sum())
        rows = np.flatnonzero(np.isin(finding, AUDITED))
        if not len(rows):
            continue
        key = (group[rows] * n_inst + inst[rows]) * n_month + month[rows]
        cell_keys, cell = np.unique(key, return_inverse=True)
        cell = cell.ravel()
        k = len(cell_keys)
        fr, diff = finding[rows], d["difference"][rows]

        def count(mask):
            return np.bincount(cell[mask], minlength=k).astype(np.int64)

        def total(mask, values):
            return _sum_by(cell[mask], values[mask], k)
        over, under = fr == OVER, fr == UNDER
        cols["layer"] += [layer] * k
        cols["group"].append(cell_keys // (n_inst * n_month))
        cols["institution"].append(cell_keys // n_month % n_inst)
        cols["month"].append(cell_keys % n_month)
        cols["audited"].append(count(fr != UNDETERMINED))
        cols["matched"].append(count(fr == MATCH))
        cols["over_count"].append(count(over))
        cols["over_sum"].append(total(over, diff))
        cols["under_count"].append(count(under))
        cols["under_sum"].append(total(under, -diff))
        cols["undetermined"].append(count(fr == UNDETERMINED))
        cols["within_bound"].append(count(fr == WITHIN_BOUND))
        for name, mask, sign in (("over", over, 1), ("under", under, -1)):
            row, amount = _largest_by(cell[mask], sign * diff[mask], rows[mask], k)
            cols[f"largest_{name}_row"].append(row)
            cols[f"largest_{name}"].append(amount)
        largest += _largest_cases(t, f, layer, d, groups, institutions, inst, group, top)
    cells = {name: (np.concatenate(v) if v and not isinstance(v[0], str) else np.array(v, dtype=object))
             for name, v in cols.items()}
    if not len(cells["layer"]):
        cells = {name: np.zeros(0, dtype=object if name == "layer" else np.int64) for name in cols}
    cells["group"] = np.array(groups, dtype=object)[cells["group"].astype(np.int64)]
    cells["institution"] = np.array(institutions, dtype=object)[cells["institution"].astype(np.int64)]
    cells["month"] = np.array(months, dtype=object)[cells["month"].astype(np.int64)]
    largest.sort(key=lambda c: (-abs(c["difference"]), c["row"], c["layer"]))
    unbalanced = f.unbalanced & f.contradicted
    return Summary(policy_id, n, cells, {by: rollup(cells, by) for by in ROLLUPS}, largest[:2 * top], f.not_audited,
                   from_record, int(unbalanced.sum()), int((f.contradicted & ~unbalanced).sum()),
                   int(f.outside.sum()), f.problems)


def _sum_by(index: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Exact int64 sums of `values` (fen, ≥ 0) per index. bincount adds in float64, exact only below 2**53: each value
    is split into 26-bit parts, whose sums stay below 2**53 for up to 2**27 values, and joined back as integers."""
    if len(values) >= 1 << 27 or (len(values) and int(values.min()) < 0):
        out = np.zeros(k, dtype=np.int64)
        np.add.at(out, index, values)
        return out
    low = np.bincount(index, weights=values & ((1 << 26) - 1), minlength=k)
    high = np.bincount(index, weights=values >> 26, minlength=k)
    return (high.astype(np.int64) << 26) + low.astype(np.int64)


def _largest_by(index: np.ndarray, values: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per index, the row (1-based, 0 where none) with the largest value, ties to the first row, and that value."""
    row, amount = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    if len(index):
        order = np.lexsort((rows, -values, index))
        first = order[np.r_[True, index[order][1:] != index[order][:-1]]]
        row[index[first]] = rows[first] + 1
        amount[index[first]] = values[first]
    return row, amount


def _largest_cases(t, f: Findings, layer: str, d: dict, groups, institutions, inst, group, top: int) -> list[dict]:
    out = []
    for kind, sign in (("over", 1), ("under", -1)):
        rows = np.flatnonzero(d["finding"] == (OVER if kind == "over" else UNDER))
        if not len(rows):
            continue
        size = sign * d["difference"][rows]
        pick = rows[np.lexsort((rows, -size))[:top]]
        for i in pick.tolist():
            clause = int(d["clause"][i])
            out.append({"row": i + 1, "person_id": str(t.person_ids[int(t.person[i])]),
                        "institution": institutions[int(inst[i])], "date": str(t.date[i]),
                        "month": str(t.date[i])[:7], "group": groups[int(group[i])], "layer": layer, "kind": kind,
                        "recorded": int(d["recorded"][i]), "computed": int(d["computed"][i]),
                        "difference": int(d["difference"][i]),
                        "clause": f.clauses[clause] if clause >= 0 else ""})
    return out


def rollup(cells: dict, by: str) -> list[dict]:
    """The cells summed by one of layer, group, institution, month (in its own order; for layer, the layers' order);
    each with its largest over- and under-payment."""
    keys = cells[by]
    out = []
    names = [k for k in LAYERS if k in set(keys)] if by == "layer" else sorted(set(keys))
    for name in names:
        mask = keys == name
        row = {by: name}
        for fig in FIGURES:
            row[fig] = int(cells[fig][mask].sum())
        for kind in ("over", "under"):
            amounts = cells[f"largest_{kind}"][mask]
            j = int(np.argmax(amounts)) if len(amounts) else 0
            row[f"largest_{kind}"] = int(amounts[j]) if len(amounts) else 0
            row[f"largest_{kind}_row"] = int(cells[f"largest_{kind}_row"][mask][j]) if len(amounts) else 0
        out.append(row)
    return out


def cells_table(s: Summary):
    """The cells as an Arrow table: amounts as exact decimal(18,2) yuan, counts as integers."""
    import pyarrow as pa

    from ...tables.columns import decimal_array
    cols = {}
    for name, values in s.cells.items():
        if name in ("layer", "group", "institution", "month"):
            cols[name] = pa.array(values.tolist(), type=pa.string()).dictionary_encode()
        elif name in AMOUNTS:
            cols[name] = decimal_array(values.astype(np.int64))
        else:
            cols[name] = pa.array(values.astype(np.int64))
    meta = {"medrules.policy": s.policy_id, "medrules.audit": "layer × group × institution × month",
            "medrules.money": "decimal(18,2) yuan, exact; largest_*_row: 1 = first data row, 0 = none"}
    return pa.table(cols).replace_schema_metadata(meta)


__all__ = ["Summary", "summarise", "rollup", "cells_table", "FIGURES", "AMOUNTS", "ROLLUPS", "NO_INSTITUTION"]
