"""Batch evaluation: a whole claims table through a policy's rules — the same rule functions as a scenario.

    python -m medrules batch --policy ID CLAIMS.csv|.parquet|FOLDER --out RESULT.parquet [--engine pandas|dask]
                             [--inputs INPUTS.json] [--readings READINGS.json] [--layout ours|nhsa --codes MAP.yaml]
    python -m medrules explain RESULT.parquet --row N

The claims are read and validated into columns (medrules/tables/claims_file.py) and settled by medrules.core.engine.run, in
chunks cut at person boundaries; a person's calendar year accumulates exactly as in a scenario. A layer that needs
a value the row does not have is null with the field named in `undetermined`; `complete` says whether every layer
was settled, and `out_of_pocket` is then an upper bound.

`explain` re-runs the person of that row from the input file the result names (checked by its sha256) and prints
the row's trace: the same run a scenario's trace comes from.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from ..core.engine import run
from ..core.messages import Problem, reason_zh
from ..core.trace import TRACE_SEP
from .claims_file import load_inputs, read_claims
from .columns import err
from .output import check_out, claim_counts, format_totals, result_table, totals, write_atomically
from .settle import check_policy, evaluate_table, prepare
from .batch_dask import evaluate_table_dask
from .dataset import run_dataset

PROGRESS_MIN_ROWS = 1_000_000  # above this a progress bar shows even when stderr is not a terminal


# --------------------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------------
# Dask: the same function on partitions that hold whole persons
# --------------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------------


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Stopwatch:
    """Wall and CPU seconds of each step of a run (batch --timings), the interpreter's start-up and imports first;
    `note` adds what the run's parts measured themselves (a folder run: the workers' task seconds)."""

    def __init__(self):
        import time
        self.time, self.steps, self.notes = time, [], []
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.steps.append(("start-up", None, self.cpu))   # CPU spent before the run began (imports)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def lap(self, name: str) -> None:
        wall, cpu = self.time.perf_counter(), self.time.process_time()
        self.steps.append((name, wall - self.wall, cpu - self.cpu))
        self.wall, self.cpu = wall, cpu

    def __str__(self) -> str:
        parts = [f"{name} {cpu:.2f}" if wall is None else f"{name} {wall:.2f} (cpu {cpu:.2f})"
                 for name, wall, cpu in self.steps]
        return "计时 timings (s): " + ", ".join(parts) + "".join(f"; {note}" for note in self.notes)


def run_batch(policy_id: str, claims_path, out_path, engine="pandas", inputs_path=None, stream=None,
              scheduler=None, readings_path=None, layout="ours", codes_path=None, timings: bool = False,
              people_path=None, strict: bool = False) -> dict:
    """The whole run: validate, evaluate, write atomically, print the totals; returns the totals in fen. A claim
    whose record contradicts itself is left unsettled and counted; with `strict` it refuses the whole table."""
    stream = stream or sys.stdout
    watch = _Stopwatch()
    check_policy(policy_id)
    out = check_out(out_path, (claims_path, inputs_path, readings_path, codes_path, people_path),
                    dataset=Path(claims_path).is_dir())
    if engine not in ("pandas", "dask"):
        raise err("engine", "error.choice", got=repr(engine), allowed="pandas, dask")
    inputs = load_inputs(inputs_path)
    readings = load_inputs(readings_path, "readings") if readings_path else {}
    prepare(policy_id, inputs, readings)  # fail on bad inputs before reading a large file
    if Path(claims_path).is_dir():
        if engine != "dask":
            raise err("claims", "error.claims_folder_needs_dask", path=claims_path)
        watch.lap("checks")
        total = run_dataset(policy_id, claims_path, out, inputs, readings, scheduler, stream, watch, people_path,
                            strict)
        if timings:
            print(watch, file=sys.stderr)
        return total
    watch.lap("checks")
    t = read_claims(claims_path, layout, codes_path, watch.lap, people_path)
    n = len(t)
    if engine == "dask":
        s = evaluate_table_dask(t, policy_id, inputs, readings, scheduler=scheduler)
    elif sys.stderr.isatty() or n > PROGRESS_MIN_ROWS:
        from tqdm import tqdm
        with tqdm(total=n, unit="claims", file=sys.stderr, desc=policy_id) as bar:
            s = evaluate_table(t, policy_id, inputs, readings, progress=bar)
    else:
        s = evaluate_table(t, policy_id, inputs, readings)
    watch.lap("evaluate")
    if strict:
        refuse_contradicted(t, s)
    provenance = {"claims": str(Path(claims_path).resolve()), "sha256": file_sha256(claims_path), "layout": layout,
                  "codes": None if codes_path is None else str(Path(codes_path).resolve()),
                  "people": None if people_path is None else {"path": str(Path(people_path).resolve()),
                                                              "sha256": file_sha256(people_path)},
                  "inputs": {k: str(v) if not isinstance(v, bool) else v for k, v in inputs.items()},
                  "readings": readings}
    table = result_table(t, s, policy_id, provenance)
    watch.lap("result table")
    write_atomically(table, out)
    watch.lap("write")
    tot = totals(s)
    print(format_totals(tot, n, claim_counts(s)), file=stream)
    if timings:
        print(watch, file=sys.stderr)
    return tot


# --------------------------------------------------------------------------------------------------------------
# explain: one row of a result, step by step
# --------------------------------------------------------------------------------------------------------------

def explain_row(result_path, row: int) -> list[dict]:
    """The trace of row `row` (1 = first data row) of a batch result: its person re-run from the input file the
    result names, through the same rules."""
    import pyarrow.parquet as pq
    if Path(result_path).suffix.lower() != ".parquet":
        raise err("result", "error.explain_needs_parquet", path=result_path)
    try:
        meta = pq.read_schema(result_path).metadata or {}
    except (OSError, ValueError) as e:
        why = str(e).splitlines()[0]
        raise err("result", Problem.each("error.result_unreadable", path=result_path, en={"reason": why},
                                          zh={"reason": reason_zh(e) if getattr(e, "errno", None) else why})) from None
    if b"medrules.provenance" not in meta:
        raise err("result", "error.result_no_provenance", path=result_path)
    policy_id = meta[b"medrules.policy"].decode()
    prov = json.loads(meta[b"medrules.provenance"])
    claims_path = prov["claims"]
    if not Path(claims_path).is_file():
        raise err("result", "error.result_input_gone", path=claims_path, result=result_path)
    if file_sha256(claims_path) != prov["sha256"]:
        raise err("result", "error.result_input_changed", path=claims_path, result=result_path)
    people = prov.get("people")
    if people is not None and (not Path(people["path"]).is_file() or file_sha256(people["path"]) != people["sha256"]):
        raise err("result", "error.result_input_changed", path=people["path"], result=result_path)
    t = read_claims(claims_path, prov.get("layout", "ours"), prov.get("codes"),
                    people_path=None if people is None else people["path"])
    if not 1 <= row <= len(t):
        raise err("row", "error.not_a_row", row=row, result=result_path, last=len(t))
    i = row - 1
    person = np.flatnonzero(t.person == t.person[i])
    inputs, readings = prepare(policy_id, prov["inputs"], prov.get("readings") or {})
    # an audit's result (medrules/analysis/audit) re-runs in audit mode: the step of each layer it compared
    r = run(policy_id, t.take(person), inputs, readings, audit=bool(prov.get("audit")))
    k = int(np.flatnonzero(person == i)[0])
    steps = r.explain(k)
    for step in steps:
        step.claim = row
    return steps


def refuse_contradicted(t, s) -> None:
    """--strict: the first claim whose record contradicts itself refuses the table (one line, nothing written)."""
    bad = np.flatnonzero(s.contradicted)
    if len(bad):
        i = int(bad[0])
        zh, _, en = s.undetermined[i].partition(TRACE_SEP)
        raise err(t.where(i), Problem.each("error.record_contradicts", zh={"reason": zh}, en={"reason": en}))


def format_steps(steps) -> str:
    lines = []
    for s in steps:
        shown = "—" if s.amount is None else (str(s.amount) if isinstance(s.amount, bool) else f"{s.amount:,.2f}")
        lines.append(f"{s.layer:<28} {shown:>14}  [{s.clause}] {s.explanation}")
        if s.params:
            lines.append(" " * 45 + "values: " + ", ".join(f"{k} = {v}" for k, v in s.params.items()))
        if s.readings:
            lines.append(" " * 45 + "readings: " + ", ".join(f"{k} = {v}" for k, v in s.readings.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# Command line (registered in medrules/cli/__init__.py)
# --------------------------------------------------------------------------------------------------------------
