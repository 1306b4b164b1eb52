"""Per record and layer: the amount the record says was paid, the amount the policy's rules give when the layer is
computed from the record's own earlier layers as recorded, the difference and the clause.

One run of the engine in audit mode (medrules.core.engine.run(..., audit=True)) settles every layer, on the same
person chunks and threads as `batch` (medrules.tables.settle). A finding per record and layer:

    match         recorded = computed, to the fen
    over          recorded > computed: the fund paid more than the policy gives (over-paid)
    under         recorded < computed: the fund paid less (under-paid)
    within_bound  the computed amount is only the most the layer pays (a reading's ceiling) and the record is within it
    undetermined  the rules need a value nobody gave (an input, a fact): never counted as a difference
    from_record   the policy does not compute this layer for this record: it is taken from the record, not audited
    not_recorded  the record gives no amount for this layer
    contradicted  the record contradicts itself (does not balance, …): not audited, reported
    outside       the record's date is outside the policy's validity
"""
from __future__ import annotations

import copy

import numpy as np

from ...core.claims import LazyColumns
from ...core.recorded import RECORDED, from_record_causes
from ...core.rulebook import LAYERS
from ...tables.settle import (Settled, decision_kinds, in_order, person_chunks, prepare, refuse_none_in_force,
                              run_rules, sort_order, table_facts)
from ...tables.settle import CHUNK_ROWS, THREADS

FINDINGS = ("match", "over", "under", "within_bound", "undetermined", "from_record", "not_recorded", "contradicted",
            "outside")
MATCH, OVER, UNDER, WITHIN_BOUND, UNDETERMINED, FROM_RECORD, NOT_RECORDED, CONTRADICTED, OUTSIDE = range(9)
COMPARED = (MATCH, OVER, UNDER, WITHIN_BOUND)   # both amounts known
AUDITED = COMPARED + (UNDETERMINED,)             # the rules computed, or tried to


def left_to_record(r) -> dict:
    """Per recorded layer of a run: the claims (table order) the policy leaves to the record — the rule fell to a
    case that needs the layer's own recorded amount, or marked the claim as needing it."""
    settled = r.position >= 0
    pos = np.where(settled, r.position, 0)
    out = {k: np.isin(r.undetermined[k], from_record_causes(k, r.causes)) for k in RECORDED if k in r.undetermined}
    for lr in r.layer_runs:
        if lr.name in out and not lr.decision:
            field = RECORDED[lr.name]
            needs_own = np.array([case.need is not None and case.need[0] == field for case in lr.cases] + [False])
            out[lr.name] |= settled & needs_own[lr.case[pos]]
    return out


class AuditSettled(Settled):
    """A batch's result columns (the computed amounts) and what the audit needs beside them: per layer whether the
    policy left it to the record, the clause of each claim's step, and the statuses each claim was judged by."""

    def __init__(self, n: int, total_cost: bool = True, decisions: dict | None = None):
        super().__init__(n, total_cost, decisions)
        self.from_record = {k: np.zeros(n, dtype=bool) for k in RECORDED}
        self.clause_code = {k: np.full(n, -1, dtype=np.int32) for k in RECORDED}
        self.clauses: list[str] = []
        self.statuses = np.zeros(n, dtype=np.int32)
        self.asked: dict = {k: set() for k in LAYERS}   # the readings each layer's rule asked for
        self.sorted: Sorted | None = None                 # the table in rule order (audit_table)

    def add_numbers(self, part: np.ndarray, r) -> tuple:
        # A layer left to the record is not undetermined here: it is what the record says (not audited).
        own = left_to_record(r)
        for k, mask in own.items():
            self.from_record[k][part] = mask
        shown = copy.copy(r)
        shown.undetermined = {k: np.where(own[k], -1, v).astype(np.int32) if k in own else v
                              for k, v in r.undetermined.items()}
        undetermined = super().add_numbers(part, shown)
        self.statuses[part] = r.statuses
        settled = r.position >= 0
        pos = np.where(settled, r.position, 0)
        clauses = {}
        for lr in r.layer_runs:
            if lr.name not in RECORDED or lr.decision:
                continue
            texts = [case.clause or lr.clause for case in lr.cases]
            clauses[lr.name] = (np.where(settled, lr.case[pos], -1), texts)
        asked = {lr.name: set(lr.readings) for lr in r.layer_runs if not lr.decision}
        return undetermined, clauses, asked

    def add_texts(self, part: np.ndarray, r, numbers: tuple) -> None:
        undetermined, clauses, asked = numbers
        super().add_texts(part, r, undetermined)
        index = {t: k for k, t in enumerate(self.clauses)}
        for layer, (case, texts) in clauses.items():
            glob = np.array([index.setdefault(t, len(index)) for t in texts] + [-1], dtype=np.int32)
            self.clause_code[layer][part] = glob[case]
        self.clauses = list(index)
        for layer, ids in asked.items():
            self.asked.setdefault(layer, set()).update(ids)


class Sorted:
    """A table in rule order (person, date, row) once for every run over it: its columns gathered in that order the
    first time a rule reads them, each chunk of whole persons a slice (a view) of them. The audit's run and each
    reading's other option then share one gather instead of one per run."""

    def __init__(self, t, chunk_rows: int = CHUNK_ROWS):
        order = sort_order(t)
        self.table = t
        self.rows = t.take(order)
        self.chunks = []
        start = 0
        for part in person_chunks(order, t.person[order], chunk_rows):
            self.chunks.append((part, start, start + len(part)))
            start += len(part)

    def chunk(self, start: int, stop: int):
        claims = copy.copy(self.rows)
        claims.__dict__["columns"] = LazyColumns(self.rows.columns, slice(start, stop))
        return claims


def audit_table(t, policy_id: str, inputs: dict, readings: dict | None = None, progress=None,
                chunk_rows: int = CHUNK_ROWS, threads: int = THREADS) -> AuditSettled:
    """Every record through the policy's rules in audit mode, in person chunks on threads (as batch's
    evaluate_table): the computed amounts, in the table's order. The table in rule order is kept (`sorted`) for the
    runs under other readings."""
    inputs, readings = prepare(policy_id, inputs, readings)
    t = table_facts(policy_id, inputs, t)
    out = AuditSettled(len(t), total_cost=bool(t.has_total_cost.any()),
                       decisions=decision_kinds(policy_id, inputs, readings))
    out.sorted = Sorted(t, chunk_rows)

    def settle(chunk):
        part, start, stop = chunk
        r = run_rules(policy_id, out.sorted.chunk(start, stop), inputs, readings, presorted=True, audit=True)
        return r, out.add_numbers(part, r)
    for (part, _, _), (r, numbers) in in_order(settle, out.sorted.chunks, threads):
        out.add_texts(part, r, numbers)
        if progress is not None:
            progress.update(len(part))
    refuse_none_in_force(out, policy_id)
    return out


def computed_layers(table: Sorted, policy_id: str, inputs: dict, readings: dict, layers,
                    threads: int = THREADS) -> dict:
    """{layer: (computed fen, known)} of an audit-mode run under `readings` (inputs already checked), settling only
    the layers up to the last of `layers`: what an option of a reading gives (medrules.analysis.audit.fit). Known:
    settled, not only an upper bound, and computed by the policy (not left to the record)."""
    n = len(table.table)
    amount = {k: np.zeros(n, dtype=np.int64) for k in layers}
    known = {k: np.zeros(n, dtype=bool) for k in layers}

    def settle(chunk):
        part, start, stop = chunk
        r = run_rules(policy_id, table.chunk(start, stop), inputs, readings, presorted=True, audit=True,
                      through=tuple(layers))
        own = left_to_record(r)
        for k in layers:
            ok = r.in_force & (r.undetermined[k] < 0) & ~own[k]
            if r.upper_bounds and k in r.upper_bounds:
                ok &= ~r.upper_bounds[k]
            amount[k][part] = r.amounts[k]
            known[k][part] = ok
        return None
    for _ in in_order(settle, table.chunks, threads):
        pass
    return {k: (amount[k], known[k]) for k in layers}


class Findings:
    """Per audited layer: the finding per record (an index into FINDINGS), recorded and computed fen and whether
    each is given, the difference (recorded − computed, fen) and the clause code (into `clauses`)."""

    def __init__(self, t, s: AuditSettled):
        self.n = len(t)
        self.clauses = s.clauses
        self.statuses = s.statuses
        self.unbalanced = np.asarray(t.columns.get("record_unbalanced", np.zeros(self.n, dtype=bool)), dtype=bool)
        self.contradicted = s.contradicted & s.in_force
        self.outside = ~s.in_force
        first = np.flatnonzero(self.contradicted)[:1000]   # the records not audited, with why (the workbook)
        self.problems = [(int(i) + 1, s.texts[int(s.undetermined_code[i])] if s.undetermined_code[i] >= 0 else "")
                         for i in first]
        self.layers: dict = {}
        self.not_audited: dict = {}   # layer -> why it is not audited (from_record | not_recorded | no_field)
        for layer in LAYERS:
            field = RECORDED.get(layer)
            if field is None:
                self.not_audited[layer] = "no_field"
                continue
            given = getattr(t, "has_" + field)
            recorded = np.where(given, getattr(t, field), 0)
            computed = s.amounts[layer]
            finding = np.full(self.n, MATCH, dtype=np.int8)
            diff = recorded - computed
            finding[diff > 0] = OVER
            finding[diff < 0] = UNDER
            upper = s.upper[layer]
            finding[upper & (diff <= 0)] = WITHIN_BOUND
            finding[~s.known[layer]] = UNDETERMINED
            finding[s.from_record[layer]] = FROM_RECORD
            finding[~given] = NOT_RECORDED
            finding[s.contradicted] = CONTRADICTED
            finding[~s.in_force] = OUTSIDE
            if not np.isin(finding, AUDITED).any():
                self.not_audited[layer] = "from_record" if given.any() else "not_recorded"
                continue
            self.layers[layer] = {"finding": finding, "recorded": recorded, "given": given, "computed": computed,
                                  "computed_known": s.known[layer] & ~s.from_record[layer], "difference": diff,
                                  "clause": s.clause_code[layer]}

    def count(self, layer: str, finding: int) -> int:
        return int((self.layers[layer]["finding"] == finding).sum())


def record_table(t, s: AuditSettled, f: Findings, policy_id: str, provenance: dict | None = None):
    """One row per record, in the input's order: row, person_id, date, institution, the statuses it was judged by,
    and per audited layer `<layer>_recorded`, `_computed`, `_difference` (exact decimal(18,2) yuan, null where not
    known), `_finding` (FINDINGS) and `_clause`; what is undetermined and why."""
    import json

    import pyarrow as pa

    from ...tables.columns import decimal_array
    from ..reform import group_label
    masks, inverse = np.unique(f.statuses, return_inverse=True)
    cols = {"row": pa.array(t.row + 1),
            "person_id": pa.DictionaryArray.from_arrays(pa.array(t.person, pa.int32()), t.person_ids),
            "date": pa.array(t.date.astype("datetime64[D]"), type=pa.date32())}
    if "institution" in t.columns:
        cols["institution"] = institution_array(t)
    cols["statuses"] = pa.DictionaryArray.from_arrays(pa.array(inverse.ravel().astype(np.int32)),
                                                      pa.array([group_label(int(m)) for m in masks]))
    findings = pa.array(FINDINGS, type=pa.string())
    clauses = pa.array(f.clauses or [""], type=pa.string())
    for layer, d in f.layers.items():
        finding = d["finding"]
        differs = np.isin(finding, (MATCH, OVER, UNDER))   # within a bound is no difference
        cols[f"{layer}_recorded"] = decimal_array(d["recorded"], d["given"])
        cols[f"{layer}_computed"] = decimal_array(d["computed"], d["computed_known"])
        cols[f"{layer}_difference"] = decimal_array(d["difference"], differs)
        cols[f"{layer}_finding"] = pa.DictionaryArray.from_arrays(pa.array(finding.astype(np.int32)), findings)
        shown = np.isin(finding, AUDITED) & (d["clause"] >= 0)
        cols[f"{layer}_clause"] = pa.DictionaryArray.from_arrays(
            pa.array(np.where(shown, d["clause"], 0).astype(np.int32), mask=~shown), clauses)
    cols["undetermined"] = pa.DictionaryArray.from_arrays(
        pa.array(s.undetermined_code, mask=s.undetermined_code < 0, type=pa.int32()),
        pa.array(s.texts, type=pa.string()))
    meta = {"medrules.policy": policy_id, "medrules.audit": "per record",
            "medrules.money": "decimal(18,2) yuan, exact", "medrules.row": "1 = first data row of the input"}
    if provenance:
        meta["medrules.provenance"] = json.dumps(provenance, ensure_ascii=False)
    return pa.table(cols).replace_schema_metadata(meta)


def institution_array(t):
    """The claims' institutions as a dictionary column (null where a record names none)."""
    import pyarrow as pa
    code = t.institution
    return pa.DictionaryArray.from_arrays(pa.array(np.where(code < 0, 0, code).astype(np.int32), mask=code < 0),
                                          pa.array(t.institution_ids or [""], type=pa.string()))


__all__ = ["left_to_record", "FINDINGS", "COMPARED", "AUDITED", "AuditSettled", "Findings", "Sorted", "audit_table", "computed_layers",
           "record_table", "institution_array", "MATCH", "OVER", "UNDER", "WITHIN_BOUND", "UNDETERMINED",
           "FROM_RECORD", "NOT_RECORDED", "CONTRADICTED", "OUTSIDE"]
