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

import errno
import sys
from pathlib import Path

import numpy as np

from ..core.claims import yuan
from ..core.engine import run
from ..core.rulebook import LAYERS
from ..core.scenario import InputError
from ..core.messages import Problem, reason_zh
from ..core.trace import TRACE_SEP
from ..core.writes import WriteFailed
from .claims_file import load_inputs, read_claims
from .provenance import check_pinned, provenance, read_provenance
from .columns import err
from .output import check_out, claim_counts, format_totals, result_table, totals, write_atomically
from .settle import check_policy, evaluate_table, prepare
from .batch_dask import evaluate_table_dask
from ..core.oneline import shown
from .dataset import run_dataset

# What a failed write of the Dask dataset's parts says: a full disk, a file-size limit, a read-only mount, no
# permission, a quota, an I/O error.
WRITE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO)
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
        raise err("engine", "error.choice", got=shown(engine), allowed="pandas, dask")
    inputs = load_inputs(inputs_path)
    readings = load_inputs(readings_path, "readings") if readings_path else {}
    prepare(policy_id, inputs, readings)  # fail on bad inputs before reading a large file
    if Path(claims_path).is_dir():
        if engine != "dask":
            raise err("claims", "error.claims_folder_needs_dask", path=claims_path)
        watch.lap("checks")
        try:
            total = run_dataset(policy_id, claims_path, out, inputs, readings, scheduler, stream, watch, people_path,
                                strict)
        except OSError as e:   # a worker's part could not be written (the temporary folder is already removed)
            if e.errno not in WRITE_ERRNOS:
                raise
            raise WriteFailed(out, e) from None
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
    pinned = provenance(layout, {"claims": claims_path, "codes": codes_path, "inputs": inputs_path,
                                 "readings": readings_path, "people": people_path}, inputs, readings)
    table = result_table(t, s, policy_id, pinned)
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
    """The trace of row `row` (1 = first data row) of a batch result: its person re-run from the files the result
    pins (medrules/tables/provenance.py: each checked by its sha256), through the same rules; refused when the
    rules no longer give the row's figures."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    if Path(result_path).suffix.lower() != ".parquet":
        raise err("result", "error.explain_needs_parquet", path=result_path)
    try:
        meta = pq.read_schema(result_path).metadata or {}
    except (OSError, ValueError, pa.ArrowException) as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise err("result", Problem.each("error.result_unreadable", path=result_path, en={"reason": why},
                                          zh={"reason": reason_zh(e) if getattr(e, "errno", None) else why})) from None
    policy_id, prov = read_provenance(result_path, meta)
    try:
        check_policy(policy_id)
    except InputError as e:
        raise err("result", Problem.each("error.result_metadata", zh={"problem": e.zh}, en={"problem": str(e)},
                                         path=result_path)) from None
    files = check_pinned(result_path, prov)
    t = read_claims(files["claims"], prov.layout, files.get("codes"), people_path=files.get("people"))
    if not 1 <= row <= len(t):
        raise err("row", "error.not_a_row", row=row, result=result_path, last=len(t))
    i = row - 1
    person = np.flatnonzero(t.person == t.person[i])
    inputs, readings = prepare(policy_id, load_inputs(files.get("inputs")),
                               load_inputs(files.get("readings"), "readings"))
    claims = t.take(person)
    k = int(np.flatnonzero(person == i)[0])
    if not prov.audit:   # an audit's record table holds its own columns (recorded, computed): checked by its sha256s
        _refuse_other_figures(result_path, row, evaluate_table(claims, policy_id, inputs, readings), k)
    # an audit's result (medrules/analysis/audit) re-runs in audit mode: the step of each layer it compared
    steps = run(policy_id, claims, inputs, readings, audit=prov.audit).explain(k)
    for step in steps:
        step.claim = row
    return steps


def _refuse_other_figures(result_path, row: int, s, k: int) -> None:
    """The row's layers as the result holds them against what the rules give now: a difference means the engine
    or the policy changed since the result was written, and the trace would explain figures it does not show."""
    import pyarrow.parquet as pq
    names = [*LAYERS, "out_of_pocket"]
    try:
        stored = pq.ParquetFile(result_path).read(columns=names).slice(row - 1, 1).to_pylist()[0]
    except Exception as e:   # a result cut short, or of another shape: it is not the result batch wrote
        raise err("result", Problem.each("error.result_unreadable", path=result_path, en={"reason": str(e)[:200]},
                                          zh={"reason": str(e)[:200]})) from None
    for name in names:
        given = s.priced[k] if name == "out_of_pocket" else s.known[name][k]
        now = yuan(s.amounts[name][k]) if given else None
        if stored[name] != now:
            raise err("result", "error.result_figures_changed", result=result_path, row=row, layer=name,
                      stored="null" if stored[name] is None else f"{stored[name]:.2f}",
                      now="null" if now is None else f"{now:.2f}")
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
