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
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..core.claims import CODES, Claims, yuan
from .claims_file import CORES, BatchInputError, _err, fen_text, load_inputs, read_claims
from ..core.engine import (check_inputs, claim_policies, outside_validity, resolve_readings, rules_module, run,
                           sort_order)
from ..core.trace import bilingual, field_names
from ..core.messages import Problem, msg, reason_zh, text
from ..core.policy import Policy, PolicyError, load_policy, policy_ids
from ..core.scenario import InputError
from ..core.rulebook import LAYERS

OUTPUTS = LAYERS + ("out_of_pocket",)
CHUNK_ROWS = 125_000          # rows handed to the rules at once (cut at person boundaries)
# Chunks are independent (whole persons), and numpy releases the GIL inside its loops: a chunk per core at once.
THREADS = CORES
PROGRESS_MIN_ROWS = 1_000_000  # above this a progress bar shows even when stderr is not a terminal


def batch_policies() -> list[str]:
    """Every policy whose rules settle claims."""
    return claim_policies()


def check_policy(policy_id: str) -> None:
    allowed = batch_policies()
    if policy_id not in allowed:
        key = "error.batch_no_claim_rules" if policy_id in policy_ids() else "error.batch_no_such_policy"
        raise _err("policy", key, got=repr(policy_id), allowed=", ".join(allowed))


def prepare(policy_id, inputs: dict, readings: dict | None = None) -> tuple[dict, dict]:
    """The inputs checked and the readings resolved, exactly as a scenario's. `policy_id` is an id or a Policy
    (a reform's variant of one)."""
    policy = policy_id if isinstance(policy_id, Policy) else None
    check_policy(policy.id if policy else policy_id)
    policy = policy or load_policy(policy_id)
    try:
        return check_inputs(policy, inputs), resolve_readings(policy, readings or {})
    except BatchInputError:
        raise
    except Exception as e:  # an InputError from the shared checks: keep its field
        if isinstance(e, InputError):
            raise e.under(e.field, BatchInputError) from None
        raise


# --------------------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------------------

class Settled:
    """The columns a result holds, in the table's order, gathered from one or more runs."""

    def __init__(self, n: int, total_cost: bool = True, decisions: dict | None = None):
        self.n = n
        self.total_cost = total_cost   # False: no claim gives its total cost, so no total out of pocket to keep
        self.amounts = {k: np.zeros(n, dtype=np.int64) for k in OUTPUTS}
        self.known = {k: np.zeros(n, dtype=bool) for k in LAYERS}
        self.in_force = np.zeros(n, dtype=bool)
        self.total_out_of_pocket = np.zeros(n, dtype=np.int64)
        # What is undetermined, as a code per claim into `texts` (-1: complete): few distinct sentences.
        self.undetermined_code = np.full(n, -1, dtype=np.int32)
        self.texts: list[str] = []
        # key -> (values: bool or int64 fen, given: where the decision gives one); `decisions` names them with
        # their kind (decision_kinds), so even a run with no claim has the columns.
        self.decisions: dict = {k: (np.zeros(n, dtype=kind), np.zeros(n, dtype=bool))
                                for k, kind in (decisions or {}).items()}

    @property
    def undetermined(self) -> np.ndarray:
        """The sentence per claim (None where complete), as an object array."""
        return np.array(self.texts + [None], dtype=object)[self.undetermined_code]

    @undetermined.setter
    def undetermined(self, values: np.ndarray) -> None:
        present = np.not_equal(values, None)
        self.texts, inverse = (list(x) for x in np.unique(values[present].astype(str), return_inverse=True)) \
            if present.any() else ([], [])
        self.undetermined_code = np.full(len(values), -1, dtype=np.int32)
        self.undetermined_code[present] = np.asarray(inverse, dtype=np.int32).ravel()

    def add(self, part: np.ndarray, r) -> None:
        self.add_texts(part, r, self.add_numbers(part, r))

    def add_numbers(self, part: np.ndarray, r) -> tuple:
        """A run's numbers at its positions: safe on several threads at once for disjoint parts (whole persons).
        Returns what is undetermined per claim (undetermined_codes) for add_texts."""
        all_in_force = bool(r.in_force.all())
        for k in LAYERS:
            self.amounts[k][part] = r.amounts[k]
            known = r.undetermined[k] < 0
            self.known[k][part] = known if all_in_force else known & r.in_force
        self.amounts["out_of_pocket"][part] = r.out_of_pocket
        self.in_force[part] = r.in_force
        if self.total_cost and r.claims.has_total_cost.any():   # else not written (result_table) and stays 0
            total, _ = r.total_out_of_pocket()
            self.total_out_of_pocket[part] = total
        for key, (values, given) in r.decisions.items():
            column, has = self.decisions[key]   # made with their kinds when this Settled was
            column[part] = values
            has[part] = given
        return undetermined_codes(r)

    def add_texts(self, part: np.ndarray, r, undetermined: tuple) -> None:
        """What is undetermined; called in chunk order, so the sentences are numbered alike on every run."""
        codes, texts = undetermined
        index = {t: k for k, t in enumerate(self.texts)}
        glob = np.array([index.setdefault(t, len(index)) for t in texts] + [-1], dtype=np.int32)
        self.texts = list(index)
        self.undetermined_code[part] = glob[codes]

    @property
    def complete(self) -> np.ndarray:
        done = self.in_force.copy()
        for k in LAYERS:
            done &= self.known[k]
        return done


def undetermined_codes(r) -> tuple[np.ndarray, list[str]]:
    """Per claim: what is undetermined and which field would settle it, Chinese then English, e.g. '商业补充保险、
    倾斜救助待定：需…（supplementary_insurance_paid），见条款 wenzhou-2021-78/3.3.10 · supplementary_insurance,
    further_relief: needs supplementary_insurance_paid (wenzhou-2021-78/3.3.10)', as a code into the returned
    sentences (-1 where complete)."""
    n = len(r.claims)
    out = np.full(n, -1, dtype=np.int32)
    texts = []
    if (~r.in_force).any():
        texts.append(outside_validity(r.policy))
        out[~r.in_force] = 0
    if not r.causes:   # nothing was undetermined anywhere (no per-layer pass needed)
        return out, texts
    some = np.zeros(n, dtype=bool)
    for k in LAYERS:
        some |= r.undetermined[k] >= 0
    rows = np.flatnonzero(r.in_force & some)
    if not len(rows):
        return out, texts
    # One small integer per combination of causes, then one sentence per combination (there are few).
    base = len(r.causes) + 1
    key = np.zeros(len(rows), dtype=np.int64)
    for k in LAYERS:
        key = key * base + (r.undetermined[k][rows] + 1)
    if base ** len(LAYERS) <= 1 << 22:
        seen = np.zeros(base ** len(LAYERS), dtype=bool)
        seen[key] = True
        uniq = np.flatnonzero(seen)
        lookup = np.zeros(len(seen), dtype=np.int64)
        lookup[uniq] = np.arange(len(uniq))
        inverse = lookup[key]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
    combos = []
    for u in uniq:
        digits = []
        for _ in LAYERS:
            u, d = divmod(int(u), base)
            digits.append(d - 1)
        combos.append(digits[::-1])
    first = len(texts)
    for combo in combos:
        by_cause: dict = {}
        for layer, cause in zip(LAYERS, combo):
            if cause >= 0:
                by_cause.setdefault(int(cause), []).append(layer)
        zh = "；".join(text("batch.undetermined", "zh", layers="、".join(text(f"layer.{k}", "zh") for k in layers),
                            field=field_names(r.policy, r.causes[c]["field"])[0], clause=r.causes[c]["clause"])
                       for c, layers in by_cause.items())
        en = "; ".join(text("batch.undetermined", "en", layers=", ".join(layers), field=r.causes[c]["field"],
                            clause=r.causes[c]["clause"]) for c, layers in by_cause.items())
        texts.append(bilingual(zh, en))
    out[rows] = first + inverse.ravel()
    return out, texts


def _person_chunks(order: np.ndarray, person_sorted: np.ndarray, chunk_rows: int):
    """Slices of the rule order (person, date, row) of about chunk_rows claims that never split a person."""
    n, start = len(order), 0
    while start < n:
        stop = min(start + chunk_rows, n)
        if stop < n:
            stop = int(np.searchsorted(person_sorted, person_sorted[stop - 1], side="right"))
        yield order[start:stop]
        start = stop


def evaluate_table(t: Claims, policy_id: str, inputs: dict, readings: dict | None = None, progress=None,
                   chunk_rows: int = CHUNK_ROWS, threads: int = THREADS) -> Settled:
    """Every claim through the policy's rules (medrules.core.engine.run), in chunks cut at person boundaries, up to
    `threads` chunks at once. Results are gathered in chunk order, so they and any error are as a single thread's."""
    inputs, readings = prepare(policy_id, inputs, readings)
    out = Settled(len(t), total_cost=bool(t.has_total_cost.any()),
                  decisions=decision_kinds(policy_id, inputs, readings))
    order = sort_order(t)   # once for the whole table; each chunk is then already in rule order
    parts = list(_person_chunks(order, t.person[order], chunk_rows))

    def settle(part):
        r = _run(policy_id, t.take(part), inputs, readings, presorted=True)
        return r, out.add_numbers(part, r)
    for part, (r, undetermined) in _in_order(settle, parts, threads):
        out.add_texts(part, r, undetermined)
        if progress is not None:
            progress.update(len(part))
    _refuse_none_in_force(out, policy_id.id if isinstance(policy_id, Policy) else policy_id)
    return out


def _in_order(fn, items: list, threads: int):
    """(item, fn(item)) in the items' order, computed on up to `threads` threads with at most 2 × threads results
    held at once (memory stays that of a few chunks). The first failure in order is raised; later work is dropped."""
    if threads <= 1 or len(items) <= 1:
        yield from ((item, fn(item)) for item in items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads, thread_name_prefix="medrules-chunk") as pool:
        pending: deque = deque()
        try:
            for item in items:
                if len(pending) >= 2 * threads:
                    done = pending.popleft()
                    yield done[0], done[1].result()
                pending.append((item, pool.submit(fn, item)))
            while pending:
                done = pending.popleft()
                yield done[0], done[1].result()
        finally:
            for _, future in pending:
                future.cancel()


def decision_kinds(policy_id, inputs: dict, readings: dict) -> dict:
    """Each decision of the policy and its kind (bool: yes/no, int64: an amount in fen), from a run on no claims."""
    r = _run(policy_id, Claims.empty(), inputs, readings, presorted=True)
    return {k: values.dtype for k, (values, _) in r.decisions.items()}


def _run(policy_id, t, inputs, readings, presorted=False):
    try:
        return run(policy_id, t, inputs, readings, presorted=presorted)
    except BatchInputError:
        raise
    except InputError as e:  # as a BatchInputError, which a Dask worker process can send back
        raise e.under(e.field, BatchInputError) from None
    except PolicyError as e:
        raise _err("claims", e.problem) from None


# --------------------------------------------------------------------------------------------------------------
# Dask: the same function on partitions that hold whole persons
# --------------------------------------------------------------------------------------------------------------

def evaluate_partition(frame, policy_id: str, inputs: dict, readings: dict, line_offset, decisions: dict):
    """Dask partition function: a pandas frame holding whole persons → a frame of row and result columns.
    `decisions`: the policy's decision kinds (decision_kinds), as the meta frame has them."""
    frame = frame.reset_index(drop=True)
    t = Claims.from_frame(frame, line_offset)
    n = len(t)
    s = Settled(n, decisions=decisions)
    if n:
        s.add(np.arange(n), _run(policy_id, t, inputs, readings))
    return _settled_frame(t.row, s)


def _settled_frame(rows, s: Settled):
    import pandas as pd
    cols = {"row": rows}
    for k in OUTPUTS:
        cols[k] = s.amounts[k]
    for k in LAYERS:
        cols["known_" + k] = s.known[k]
    cols["in_force"] = s.in_force
    cols["total_out_of_pocket"] = s.total_out_of_pocket
    cols["undetermined"] = s.undetermined
    for k, (values, given) in s.decisions.items():
        cols["decision_" + k], cols["decided_" + k] = values, given
    return pd.DataFrame(cols)


def _meta(decisions: dict):
    return _settled_frame(np.zeros(0, np.int64), Settled(0, decisions=decisions))


def person_partitions(t: Claims, nparts: int):
    """The claims as a Dask dataframe whose partitions hold whole persons."""
    import dask.dataframe as dd
    import pandas as pd
    frame = t.to_frame()
    # Sorted by person code and indexed by it: Dask's divisions then never split one person across partitions.
    frame = frame.iloc[np.argsort(t.person, kind="stable")]
    frame.index = pd.Index(frame["person"].to_numpy(), name="person_key")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph")
        ddf = dd.from_pandas(frame, npartitions=nparts, sort=True)
    div = ddf.divisions
    if not ddf.known_divisions or any(a >= b for a, b in zip(div[:-1], div[1:-1])):
        raise RuntimeError(f"dask partitions would split a person (divisions {div})")
    return ddf


def evaluate_table_dask(t: Claims, policy_id: str, inputs: dict, readings: dict | None = None,
                        npartitions: int | None = None, scheduler=None) -> Settled:
    """The same evaluation with Dask on a table the client holds, partitioned by person."""
    inputs, readings = prepare(policy_id, inputs, readings)
    n = len(t)
    ddf = person_partitions(t, npartitions or max(1, min(64, n // CHUNK_ROWS + 1)))
    decisions = decision_kinds(policy_id, inputs, readings)
    res = ddf.map_partitions(evaluate_partition, policy_id, inputs, readings, t.line_offset, decisions,
                             meta=_meta(decisions))
    done = _compute(res, scheduler).sort_values("row")
    if len(done) != n or not np.array_equal(done["row"].to_numpy(), np.arange(n)):
        raise RuntimeError("dask path lost or duplicated claims")
    s = Settled(n)
    for k in OUTPUTS:
        s.amounts[k] = done[k].to_numpy()
    for k in LAYERS:
        s.known[k] = done["known_" + k].to_numpy()
    s.in_force = done["in_force"].to_numpy()
    s.total_out_of_pocket = done["total_out_of_pocket"].to_numpy()
    # Dask keeps text as its string dtype, where None comes back as NA: back to None for Arrow.
    undetermined = done["undetermined"].astype(object)
    s.undetermined = undetermined.where(undetermined.notna(), None).to_numpy()
    for c in done.columns:
        if c.startswith("decision_"):
            key = c.removeprefix("decision_")
            s.decisions[key] = (done[c].to_numpy(), done["decided_" + key].to_numpy())
    _refuse_none_in_force(s, policy_id)
    return s


def _refuse_none_in_force(s: Settled, policy_id: str) -> None:
    if not s.in_force.any():
        from ..core.engine import no_claim_in_force
        raise _err("claims", no_claim_in_force(load_policy(policy_id), rules_module(policy_id).in_force.clause))


def _compute(collection, scheduler):
    import dask
    client = _current_client()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph")
        if client is None and isinstance(scheduler, str) and "://" in scheduler:
            from distributed import Client
            try:
                c = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise _err("scheduler", "error.scheduler_unreachable", address=scheduler, reason=e) from None
            with c:
                return c.compute(collection).result()
        if client is not None:
            return client.compute(collection).result()
        if scheduler not in (None, "threads", "processes", "synchronous", "single-threaded", "sync"):
            raise _err("scheduler", "error.scheduler_choice", got=repr(scheduler))
        with dask.config.set(scheduler=scheduler or "threads"):
            return collection.compute()


def _current_client():
    try:
        from distributed import get_client
        return get_client()
    except (ImportError, ValueError):
        return None


# --------------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------------

def _decimal_array(fen: np.ndarray, valid: np.ndarray | None = None):
    """int64 fen → Arrow decimal128(18,2) yuan, exactly (the unscaled value of a decimal is the fen); null where
    not `valid`."""
    import pyarrow as pa
    words = np.zeros((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    bitmap = None
    nulls = 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
        nulls = int((~valid).sum())
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [bitmap, pa.py_buffer(words)],  # no copy
                                 null_count=nulls)


def result_table(t: Claims, s: Settled, policy_id: str, provenance: dict | None = None):
    import pyarrow as pa
    cols = {
        "row": pa.array(t.row + 1),
        "person_id": pa.DictionaryArray.from_arrays(pa.array(t.person, pa.int32()), t.person_ids),
        "date": pa.array(t.date.astype("datetime64[D]"), type=pa.date32()),
        "setting": pa.DictionaryArray.from_arrays(pa.array(t.setting, pa.int8()), pa.array(CODES["setting"])),
        "policy_range_cost": _decimal_array(t.policy_range_cost),
    }
    for k in LAYERS:
        cols[k] = _decimal_array(s.amounts[k], s.known[k])
    cols["out_of_pocket"] = _decimal_array(s.amounts["out_of_pocket"], s.in_force)
    cols["complete"] = pa.array(s.complete)
    cols["undetermined"] = pa.DictionaryArray.from_arrays(
        pa.array(s.undetermined_code, mask=s.undetermined_code < 0, type=pa.int32()),
        pa.array(s.texts, type=pa.string()))
    if t.has_total_cost.any():
        cols["total_cost"] = _decimal_array(t.total_cost, t.has_total_cost)
        cols["total_out_of_pocket"] = _decimal_array(s.total_out_of_pocket, t.has_total_cost & s.in_force)
    if t.has_medical_assistance_paid.any():
        cols["medical_assistance_recorded"] = _decimal_array(t.medical_assistance_paid, t.has_medical_assistance_paid)
    for k, (values, given) in s.decisions.items():
        cols[k] = _decision_array(values, given)
    meta = {"medrules.policy": policy_id, "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "1 = first data row of the input"}
    if provenance:
        meta["medrules.provenance"] = json.dumps(provenance, ensure_ascii=False)
    return pa.table(cols).replace_schema_metadata(meta)


def _decision_array(values: np.ndarray, given: np.ndarray):
    """A decision column: yes/no where the rule decides one, an amount (decimal yuan) where it gives one."""
    import pyarrow as pa
    if values.dtype == bool:
        return pa.array(values, mask=~given, type=pa.bool_())
    return _decimal_array(values, given)



def check_out(out, inputs=(), dataset: bool = False) -> Path:
    """--out: a .parquet name in an existing folder, never one of the inputs. A dataset run writes a folder of
    that name and may replace an earlier result folder (only part-*.parquet files in it), nothing else."""
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv") or (dataset and out.suffix.lower() != ".parquet"):
        raise _err("out", "error.out_format_dataset" if dataset else "error.out_format", path=out)
    if not out.parent.is_dir():
        raise _err("out", "error.not_a_folder", path=out.parent)
    if out.is_dir() and not (dataset and all(p.name.startswith("part-") and p.suffix == ".parquet"
                                             for p in out.iterdir())):
        raise _err("out", "error.out_is_other_folder" if dataset else "error.out_is_folder", path=out)
    if dataset and out.is_file():
        raise _err("out", "error.out_is_file", path=out)
    for given in inputs:
        if given is not None and Path(given).exists() and out.exists() and os.path.samefile(out, given):
            raise _err("out", "error.out_is_input", path=out)
        if given is not None and dataset and Path(given).is_dir() and out.resolve() == Path(given).resolve():
            raise _err("out", "error.out_is_input_folder", path=out)
    return out


def write_atomically(table, out: Path) -> None:
    """Write to a temporary file beside `out` and rename it into place only once complete."""
    import pyarrow.parquet as pq
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
    try:
        if out.suffix.lower() == ".csv":  # decimals are written as their exact text (1234.50)
            from pyarrow import csv as pacsv
            pacsv.write_csv(table, tmp)
        else:
            pq.write_table(table, tmp, store_decimal_as_integer=True, use_dictionary=["person_id", "setting"])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def totals(s: Settled) -> dict:
    """Per-layer totals in fen over the claims where the layer is settled (Python ints, no overflow)."""
    out = {k: int(s.amounts[k][s.known[k]].sum(dtype=np.int64)) for k in LAYERS}
    out["out_of_pocket"] = int(s.amounts["out_of_pocket"][s.in_force].sum(dtype=np.int64))
    return out


def format_totals(t: dict, rows: int, s: Settled | None = None) -> str:
    """The totals as the command prints them: each sentence in Chinese, then in English; layers by both names."""
    width = max(len(k) for k in t)
    zh_width = max(len(text(f"layer.{k}", "zh")) for k in t)
    lines = list(msg("batch.totals", rows=f"{rows:,}"))
    for k, v in t.items():
        open_rows = 0 if s is None or k == "out_of_pocket" else int((s.in_force & ~s.known[k]).sum())
        note = f"  (+ {bilingual(*msg('partial.claims_undetermined', n=f'{open_rows:,}'))})" if open_rows else ""
        label = text(f"layer.{k}", "zh")
        # A Chinese character takes two columns in a terminal: pad by what it shows, not by len().
        lines.append(f"  {label}{'　' * (zh_width - len(label))} {k:<{width}}  {yuan(v):>20,.2f}{note}")
    if s is not None:
        incomplete = int((~s.complete).sum())
        if incomplete:
            outside = int((~s.in_force).sum())
            lines.extend(msg("batch.incomplete", incomplete=f"{incomplete:,}", outside=f"{outside:,}"))
    return "\n".join(lines)


def _sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Stopwatch:
    """Wall and CPU seconds of each step of a run (batch --timings), the interpreter's start-up and imports first."""

    def __init__(self):
        import time
        self.time, self.steps = time, []
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.steps.append(("start-up", None, self.cpu))   # CPU spent before the run began (imports)

    def lap(self, name: str) -> None:
        wall, cpu = self.time.perf_counter(), self.time.process_time()
        self.steps.append((name, wall - self.wall, cpu - self.cpu))
        self.wall, self.cpu = wall, cpu

    def __str__(self) -> str:
        parts = [f"{name} {cpu:.2f}" if wall is None else f"{name} {wall:.2f} (cpu {cpu:.2f})"
                 for name, wall, cpu in self.steps]
        return "计时 timings (s): " + ", ".join(parts)


def run_batch(policy_id: str, claims_path, out_path, engine="pandas", inputs_path=None, stream=None,
              scheduler=None, readings_path=None, layout="ours", codes_path=None, timings: bool = False) -> dict:
    """The whole run: validate, evaluate, write atomically, print the totals; returns the totals in fen."""
    stream = stream or sys.stdout
    watch = _Stopwatch()
    check_policy(policy_id)
    out = check_out(out_path, (claims_path, inputs_path, readings_path, codes_path),
                    dataset=Path(claims_path).is_dir())
    if engine not in ("pandas", "dask"):
        raise _err("engine", "error.choice", got=repr(engine), allowed="pandas, dask")
    inputs = load_inputs(inputs_path)
    readings = load_inputs(readings_path, "readings") if readings_path else {}
    prepare(policy_id, inputs, readings)  # fail on bad inputs before reading a large file
    if Path(claims_path).is_dir():
        if engine != "dask":
            raise _err("claims", "error.claims_folder_needs_dask", path=claims_path)
        from .batch_dask import run_dataset
        return run_dataset(policy_id, claims_path, out, inputs, readings, scheduler, stream)
    watch.lap("checks")
    t = read_claims(claims_path, layout, codes_path, watch.lap)
    n = len(t)
    if engine == "dask":
        s = evaluate_table_dask(t, policy_id, inputs, readings, scheduler=scheduler)
    else:
        from tqdm import tqdm
        show = sys.stderr.isatty() or n > PROGRESS_MIN_ROWS
        with tqdm(total=n, unit="claims", file=sys.stderr, disable=not show, desc=policy_id) as bar:
            s = evaluate_table(t, policy_id, inputs, readings, progress=bar)
    watch.lap("evaluate")
    provenance = {"claims": str(Path(claims_path).resolve()), "sha256": _sha256(claims_path), "layout": layout,
                  "codes": None if codes_path is None else str(Path(codes_path).resolve()),
                  "inputs": {k: str(v) if not isinstance(v, bool) else v for k, v in inputs.items()},
                  "readings": readings}
    table = result_table(t, s, policy_id, provenance)
    watch.lap("result table")
    write_atomically(table, out)
    watch.lap("write")
    tot = totals(s)
    print(format_totals(tot, n, s), file=stream)
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
        raise _err("result", "error.explain_needs_parquet", path=result_path)
    try:
        meta = pq.read_schema(result_path).metadata or {}
    except (OSError, ValueError) as e:
        why = str(e).splitlines()[0]
        raise _err("result", Problem.each("error.result_unreadable", path=result_path, en={"reason": why},
                                          zh={"reason": reason_zh(e) if getattr(e, "errno", None) else why})) from None
    if b"medrules.provenance" not in meta:
        raise _err("result", "error.result_no_provenance", path=result_path)
    policy_id = meta[b"medrules.policy"].decode()
    prov = json.loads(meta[b"medrules.provenance"])
    claims_path = prov["claims"]
    if not Path(claims_path).is_file():
        raise _err("result", "error.result_input_gone", path=claims_path, result=result_path)
    if _sha256(claims_path) != prov["sha256"]:
        raise _err("result", "error.result_input_changed", path=claims_path, result=result_path)
    t = read_claims(claims_path, prov.get("layout", "ours"), prov.get("codes"))
    if not 1 <= row <= len(t):
        raise _err("row", "error.not_a_row", row=row, result=result_path, last=len(t))
    i = row - 1
    person = np.flatnonzero(t.person == t.person[i])
    inputs, readings = prepare(policy_id, prov["inputs"], prov.get("readings") or {})
    r = run(policy_id, t.take(person), inputs, readings)
    k = int(np.flatnonzero(person == i)[0])
    steps = r.explain(k)
    for step in steps:
        step.claim = row
    return steps


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

def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="evaluate a claims table (CSV or Parquet) and write per-claim results as Parquet")
    p.add_argument("claims", help="claims table: .csv or .parquet, one row per claim; with --engine dask also a "
                                  "folder of .parquet files")
    p.add_argument("--policy", required=True, help="policy ID; allowed: " + ", ".join(batch_policies()))
    p.add_argument("--out", required=True, help="result .parquet (written to a temporary file, then renamed)")
    p.add_argument("--engine", default="pandas", help="pandas (default) or dask")
    p.add_argument("--inputs", help="JSON object of the policy's inputs (as a scenario's \"inputs\")")
    p.add_argument("--readings", help="JSON object of reading id → option (as a scenario's \"readings\")")
    p.add_argument("--layout", default="ours", help="ours (default) or nhsa: the settlement record's field names")
    p.add_argument("--codes", help="with --layout nhsa: the region's code mapping (see examples/nhsa-codes.yaml)")
    p.add_argument("--scheduler", help="dask only: a distributed scheduler address (tcp://host:8786)")
    p.add_argument("--timings", action="store_true", help="print the wall and CPU time of each step to stderr")
    p.set_defaults(run=_run_cli)
    e = sub.add_parser("explain", help="the trace of one row of a batch result, step by step with its clauses")
    e.add_argument("result", help="a result .parquet written by batch")
    e.add_argument("--row", type=int, required=True, help="row number (1 = first data row, as the result's `row`)")
    e.add_argument("--json", action="store_true", help="print the steps as JSON (as a scenario's trace)")
    e.set_defaults(run=_explain_cli)


def _run_cli(args) -> int:
    from .memory import keep_freed_memory
    keep_freed_memory()
    run_batch(args.policy, args.claims, args.out, engine=args.engine, inputs_path=args.inputs,
              scheduler=args.scheduler, readings_path=args.readings, layout=args.layout, codes_path=args.codes,
              timings=args.timings)
    return 0


def _explain_cli(args) -> int:
    steps = explain_row(args.result, args.row)
    if args.json:
        json.dump([s.to_dict() for s in steps], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_steps(steps))
    return 0


__all__ = ["run_batch", "read_claims", "evaluate_table", "evaluate_table_dask", "Claims", "batch_policies",
           "BatchInputError", "explain_row", "fen_text"]
