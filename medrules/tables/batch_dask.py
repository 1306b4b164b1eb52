"""batch --engine dask on a Parquet dataset (a folder of files): read, validated and settled on the workers.

The client only lists the files and sends small tasks: each worker reads one file, validates it (errors name the
file and its row), hashes each person_id to a partition key; Dask's shuffle then brings each person's claims,
from whichever files, into one partition, where the same rules run (medrules.core.engine.run). The result is written
by the workers as a Parquet dataset (a folder), first under a temporary name beside --out and renamed when whole;
only the per-layer totals come back to the client.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..core.claims import Claims, Identity
from ..core.messages import msg
from ..core.rulebook import LAYERS
from .claims_file import check_rows, claims_from_arrow
from .columns import BatchInputError, decimal_array, decision_array, err
from .output import format_totals
from .people import identity_records
from .settle import (CHUNK_ROWS, OUTPUTS, Settled, decision_kinds, prepare, refuse_fact_inputs, refuse_none_in_force,
                     run_rules, table_facts)

PARTITION_ROWS = 1_000_000   # about this many claims per partition after the shuffle


# --------------------------------------------------------------------------------------------------------------
# A table the client holds, partitioned by person
# --------------------------------------------------------------------------------------------------------------

def evaluate_partition(frame, policy_id: str, inputs: dict, readings: dict, line_offset, decisions: dict,
                       identity: Identity | None = None):
    """Dask partition function: a pandas frame holding whole persons → a frame of row and result columns.
    `decisions`: the policy's decision kinds (decision_kinds), as the meta frame has them; `identity`: the table's
    dated statuses, by the same person codes."""
    frame = frame.reset_index(drop=True)
    t = Claims.from_frame(frame, line_offset)
    t.identity = identity
    n = len(t)
    s = Settled(n, decisions=decisions)
    if n:
        s.add(np.arange(n), run_rules(policy_id, t, inputs, readings))
    return settled_frame(t.row, s)


def settled_frame(rows, s: Settled):
    import pandas as pd
    cols = {"row": rows}
    for k in OUTPUTS:
        cols[k] = s.amounts[k]
    for k in LAYERS:
        cols["known_" + k] = s.known[k]
        cols["upper_" + k] = s.upper[k]
    cols["in_force"] = s.in_force
    cols["contradicted"] = s.contradicted
    cols["unsettled"] = s.unsettled
    cols["total_out_of_pocket"] = s.total_out_of_pocket
    cols["undetermined"] = s.undetermined
    for k, (values, given) in s.decisions.items():
        cols["decision_" + k], cols["decided_" + k] = values, given
    return pd.DataFrame(cols)


def meta_frame(decisions: dict):
    return settled_frame(np.zeros(0, np.int64), Settled(0, decisions=decisions))


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
    t = table_facts(policy_id, inputs, t)
    n = len(t)
    ddf = person_partitions(t, npartitions or max(1, min(64, n // CHUNK_ROWS + 1)))
    decisions = decision_kinds(policy_id, inputs, readings)
    res = ddf.map_partitions(evaluate_partition, policy_id, inputs, readings, t.line_offset, decisions, t.identity,
                             meta=meta_frame(decisions))
    done = compute(res, scheduler).sort_values("row")
    if len(done) != n or not np.array_equal(done["row"].to_numpy(), np.arange(n)):
        raise RuntimeError("dask path lost or duplicated claims")
    s = Settled(n)
    for k in OUTPUTS:
        s.amounts[k] = done[k].to_numpy()
    for k in LAYERS:
        s.known[k] = done["known_" + k].to_numpy()
        s.upper[k] = done["upper_" + k].to_numpy()
    s.in_force = done["in_force"].to_numpy()
    s.contradicted = done["contradicted"].to_numpy()
    s.unsettled = done["unsettled"].to_numpy()
    s.total_out_of_pocket = done["total_out_of_pocket"].to_numpy()
    # Dask keeps text as its string dtype, where None comes back as NA: back to None for Arrow.
    undetermined = done["undetermined"].astype(object)
    s.undetermined = undetermined.where(undetermined.notna(), None).to_numpy()
    for c in done.columns:
        if c.startswith("decision_"):
            key = c.removeprefix("decision_")
            s.decisions[key] = (done[c].to_numpy(), done["decided_" + key].to_numpy())
    refuse_none_in_force(s, policy_id)
    return s


def compute(collection, scheduler):
    import dask
    client = current_client()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph")
        if client is None and isinstance(scheduler, str) and "://" in scheduler:
            from distributed import Client
            try:
                c = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise err("scheduler", "error.scheduler_unreachable", address=scheduler, reason=e) from None
            with c:
                return c.compute(collection).result()
        if client is not None:
            return client.compute(collection).result()
        if scheduler not in (None, "threads", "processes", "synchronous", "single-threaded", "sync"):
            raise err("scheduler", "error.scheduler_choice", got=repr(scheduler))
        with dask.config.set(scheduler=scheduler or "threads"):
            return collection.compute()


def current_client():
    try:
        from distributed import get_client
        return get_client()
    except (ImportError, ValueError):
        return None


# --------------------------------------------------------------------------------------------------------------
# A folder of Parquet files, read and written by the workers
# --------------------------------------------------------------------------------------------------------------


def dataset_files(folder) -> list[Path]:
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() == ".parquet" and p.is_file())
    if not files:
        raise err("claims", "error.folder_no_parquet", path=folder)
    return files


def read_part(path: str, file_index: int):
    """One file, validated, as a frame of the columns the rules need plus its person_id, file and row."""
    import pyarrow.parquet as pq
    try:
        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001 — any reader failure is this file's fault, named as such
        raise err("claims", "error.not_parquet", path=path, reason=type(e).__name__) from None
    try:
        t = claims_from_arrow(table)
    except BatchInputError as e:
        raise e.under(f"{Path(path).name}, {e.field}") from None
    # the institution (kept for the audit) is not among the columns the rules read: its codes are per file
    frame = t.to_frame().drop(columns=["person", "institution"], errors="ignore")
    frame["person_id"] = np.asarray(t.person_ids.to_numpy(zero_copy_only=False), dtype=object)[t.person]
    frame["file"] = np.int32(file_index)
    return frame


class DatasetClaims(Claims):
    """Claims gathered from several files: each names itself by file and row."""

    def __init__(self, columns, labels):
        super().__init__(columns)
        self.__dict__["labels"] = labels

    def where(self, i: int) -> str:
        return self.labels[int(self.row[i])]



def _key(frame):
    import pandas as pd
    return pd.util.hash_pandas_object(frame["person_id"], index=False).to_numpy()


def settle_partition(frame, policy_id: str, inputs: dict, readings: dict, files: list[str], decisions: dict,
                     people: tuple | None = None):
    """A shuffled partition (whole persons from any file) → result columns for its rows. `people`: the identity
    table's records (medrules.tables.people.identity_records), of every person; this partition's are kept."""
    import pandas as pd
    frame = frame.reset_index(drop=True)
    person, ids = pd.factorize(frame["person_id"])
    cols = {c: frame[c].to_numpy() for c in frame.columns if c not in ("person_id", "file", "person_key")}
    cols["person"] = person.astype(np.int64)
    n = len(frame)
    # The rules order ties by `row`: a position in this partition; errors name the file and its own row.
    cols["row"] = np.arange(n, dtype=np.int64)
    t = DatasetClaims(cols, [f"{files[k]} row {r + 1}" for k, r in zip(frame["file"], frame["row"])])
    if people is not None:
        record_ids, bits, start, end = people
        code = pd.Index(ids).get_indexer(record_ids)
        keep = code >= 0
        t.identity = Identity(code[keep].astype(np.int64), bits[keep], start[keep], end[keep])
    check_rows(t)   # across files: one status set and insurance per person, no duplicate claim
    s = Settled(n, decisions=decisions)
    if n:
        s.add(np.arange(n), run_rules(policy_id, t, inputs, readings))
    out = settled_frame(frame["row"].to_numpy() + 1, s).drop(columns=["total_out_of_pocket"])
    out.insert(0, "file", frame["file"].to_numpy())
    out.insert(2, "person_id", frame["person_id"].to_numpy())
    out.insert(3, "date", frame["date"].to_numpy())
    out = out.drop(columns=["undetermined"])
    out["complete"] = s.complete
    out["undetermined"] = pd.array(s.undetermined, dtype="string")
    decided = [c for c in out.columns if c.startswith(("decision_", "decided_"))]
    return out[[c for c in out.columns if c not in decided] + decided]   # the order of _result_meta


def run_dataset(policy_id, folder, out: Path, inputs, readings, scheduler, stream, people_path=None,
                strict: bool = False) -> dict:
    import dask
    import dask.dataframe as dd
    import pandas as pd
    inputs, readings = prepare(policy_id, inputs, readings)
    refuse_fact_inputs(policy_id, inputs)
    people = None if people_path is None else identity_records(people_path, "ours", None)
    files = [str(p) for p in dataset_files(folder)]
    names = [Path(f).name for f in files]
    parts = [dask.delayed(read_part)(f, k) for k, f in enumerate(files)]
    ddf = dd.from_delayed(parts, meta=_meta_frame(), verify_meta=False)
    ddf = ddf.assign(person_key=ddf.map_partitions(lambda f: pd.Series(_key(f), index=f.index, dtype="uint64"),
                                                   meta=("person_key", "uint64")))
    nparts = max(1, len(files))
    ddf = ddf.shuffle(on="person_key", npartitions=nparts)
    decisions = decision_kinds(policy_id, inputs, readings)
    res = ddf.map_partitions(settle_partition, policy_id, inputs, readings, names, decisions, people,
                             meta=_result_meta(decisions))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        written = [dask.delayed(_write_part)(part, str(tmp), policy_id, names) for part in res.to_delayed()]
        counts = compute(dask.delayed(_gather)(written), scheduler)
        contradicted = sum(part.get("contradicted", 0) for part in counts)
        if strict and contradicted:
            raise err("claims", "error.strict_contradicted", n=f"{contradicted:,}")
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    totals = {k: 0 for k in OUTPUTS}
    rows = incomplete = outside = contradicted = 0
    for part in counts:
        rows += part["rows"]
        incomplete += part.get("incomplete", 0)
        outside += part.get("outside", 0)
        contradicted += part.get("contradicted", 0)
        for k in OUTPUTS:
            totals[k] += part[k]
    text = format_totals(totals, rows)
    if incomplete:
        text += "\n" + "\n".join(msg("batch.incomplete", incomplete=f"{incomplete:,}", outside=f"{outside:,}"))
    if contradicted:
        text += "\n" + "\n".join(msg("batch.contradicted", n=f"{contradicted:,}"))
    print(text, file=stream)
    return totals


def _gather(parts):
    return list(parts)


def _write_part(frame, folder: str, policy_id: str, names: list):
    """Write one partition's results (exact decimals, nullable where undetermined) and return its totals."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    if not len(frame):
        return {"rows": 0, "incomplete": 0, "outside": 0, "contradicted": 0, **{k: 0 for k in OUTPUTS}}
    cols = {"file": pa.array(frame["file"].to_numpy(), pa.int32()), "row": pa.array(frame["row"].to_numpy()),
            "person_id": pa.array(frame["person_id"].astype(str).to_numpy(), pa.string()),
            "date": pa.array(frame["date"].to_numpy().astype("datetime64[D]"), pa.date32())}
    totals = {"rows": len(frame)}
    for k in LAYERS:
        known = frame["known_" + k].to_numpy()
        cols[k] = decimal_array(frame[k].to_numpy(), known)
        totals[k] = int(frame[k].to_numpy()[known].sum())
    in_force = frame["in_force"].to_numpy()
    priced = in_force & ~frame["unsettled"].to_numpy()
    cols["out_of_pocket"] = decimal_array(frame["out_of_pocket"].to_numpy(), priced)
    totals["out_of_pocket"] = int(frame["out_of_pocket"].to_numpy()[priced].sum())
    totals["contradicted"] = int(frame["contradicted"].to_numpy().sum())
    totals["incomplete"] = int((~frame["complete"].to_numpy()).sum())
    totals["outside"] = int((~in_force).sum())
    cols["complete"] = pa.array(frame["complete"].to_numpy())
    upper = [", ".join(k for k in LAYERS if row[k]) or None
             for row in frame[["upper_" + k for k in LAYERS]].set_axis(LAYERS, axis=1).to_dict("records")]
    if any(upper):   # as a single file's result: the layers whose amount is only an upper bound
        cols["upper_bound"] = pa.array(upper, pa.string()).dictionary_encode()
    cols["undetermined"] = pa.array(frame["undetermined"].astype(object).where(frame["undetermined"].notna(), None),
                                    pa.string())
    for c in frame.columns:   # each policy decision, as in a single file's result
        if c.startswith("decision_"):
            key = c.removeprefix("decision_")
            cols[key] = decision_array(frame[c].to_numpy(), frame["decided_" + key].to_numpy())
    name = f"part-{int(frame['file'].iloc[0]):05d}-{int(frame['row'].iloc[0]):09d}-{os.getpid()}-{id(frame)}.parquet"
    meta = {"medrules.policy": policy_id, "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "file = index into medrules.files; row 1 = that file's first row",
            "medrules.files": json.dumps(names, ensure_ascii=False)}
    pq.write_table(pa.table(cols).replace_schema_metadata(meta), Path(folder) / name, store_decimal_as_integer=True)
    return totals


def _meta_frame():
    import pandas as pd
    frame = pd.DataFrame({k: v for k, v in Claims.empty().columns.items() if k != "person"})  # read_part's columns
    frame["person_id"] = pd.Series([], dtype=object)
    frame["file"] = pd.Series([], dtype=np.int32)
    return frame


def _result_meta(decisions: dict):
    import pandas as pd
    frame = pd.DataFrame({"file": np.zeros(0, np.int32), "row": np.zeros(0, np.int64),
                          "person_id": pd.Series([], dtype=object), "date": np.zeros(0, "datetime64[D]")})
    for k in OUTPUTS:
        frame[k] = np.zeros(0, np.int64)
    for k in LAYERS:
        frame["known_" + k] = np.zeros(0, bool)
        frame["upper_" + k] = np.zeros(0, bool)
    frame["in_force"] = np.zeros(0, bool)
    frame["contradicted"] = np.zeros(0, bool)
    frame["unsettled"] = np.zeros(0, bool)
    frame["complete"] = np.zeros(0, bool)
    frame["undetermined"] = pd.Series([], dtype="string")
    for key, kind in decisions.items():
        frame["decision_" + key] = np.zeros(0, dtype=kind)
        frame["decided_" + key] = np.zeros(0, dtype=bool)
    return frame
