"""batch --engine dask on a Parquet dataset (a folder of files): read, validated, settled and written on the workers.

The client only lists the files and sends small tasks: each worker reads one file, validates it (errors name the
file and its row) and hashes each person_id to a partition key; Dask's shuffle then brings each person's claims,
from whichever files, into one partition. There the claims are put back in input order — file, then row in file —
whatever order the shuffle delivered them in, so a person's claims on one day accumulate as they would in one file
and every run gives the same answer; the same rules run (medrules.core.engine.run) and the worker writes that
partition's result (`part-NNNNN.parquet`, numbered by partition) into a folder made beside --out and renamed when
whole. Every part has the columns one file of all the claims would have: a part that lacks one (no claim of it
gave a total cost, say) is given it, null, before the rename. Only the per-layer totals and counts (and the seconds
each step took) come back to the client.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ..core.claims import Claims, Identity
from .batch_dask import compute
from .claims_file import check_rows, claims_from_arrow
from .columns import BatchInputError, err
from .output import COUNTS, claim_counts, format_totals, result_table, totals, write_parquet
from .people import identity_records
from .settle import OUTPUTS, Settled, decision_kinds, prepare, refuse_fact_inputs, run_rules


def dataset_files(folder) -> list[Path]:
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() == ".parquet" and p.is_file())
    if not files:
        raise err("claims", "error.folder_no_parquet", path=folder)
    return files


def read_part(path: str, file_index: int, statuses_required: bool = True):
    """One file, validated, as a frame of the columns the rules need plus its person_id, its file index, its row in
    that file and the person's partition key (a hash of person_id, the same in every file). Without
    `statuses_required` (an identity table gives the statuses) a file may have neither statuses nor category."""
    import pandas as pd
    import pyarrow.parquet as pq
    try:
        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001 — any reader failure is this file's fault, named as such
        raise err("claims", "error.not_parquet", path=path, reason=type(e).__name__) from None
    try:
        t = claims_from_arrow(table, statuses_required=statuses_required)
    except BatchInputError as e:
        raise e.under(f"{Path(path).name}, {e.field}") from None
    # the institution (kept for the audit) is not among the columns the rules read: its codes are per file
    frame = t.to_frame().drop(columns=["person", "institution"], errors="ignore")
    frame["person_id"] = np.asarray(t.person_ids.to_numpy(zero_copy_only=False), dtype=object)[t.person]
    frame["file"] = np.int32(file_index)
    frame["person_key"] = pd.util.hash_pandas_object(frame["person_id"], index=False).to_numpy()
    return frame


class DatasetClaims(Claims):
    """Claims gathered from several files: `row` is the rank of (file, row in file) in the partition, by which
    ties are ordered; an error names the file and the row in it."""

    def __init__(self, columns, names: list, file: np.ndarray, row_in_file: np.ndarray):
        super().__init__(columns)
        self.__dict__["origin"] = (names, file, row_in_file)

    def where(self, i: int) -> str:
        names, file, row_in_file = self.origin
        k = int(self.row[i])
        return f"{names[int(file[k])]} row {int(row_in_file[k]) + 1}"


def settle_and_write(frame, number: int, folder: str, policy_id: str, inputs: dict, readings: dict, names: list,
                     decisions: dict, people: tuple | None = None) -> dict:
    """A shuffled partition (whole persons from any file) settled and written as part-<number>.parquet; returns
    its totals in fen, its counts (output.claim_counts) and the seconds it spent settling and writing. `people`:
    the identity table's records (medrules.tables.people.identity_records) of every person; this partition's are
    kept."""
    import pandas as pd
    import pyarrow as pa
    start = time.perf_counter()
    n = len(frame)
    if not n:   # no file for an empty partition
        return {"rows": 0, "settle": 0.0, "write": 0.0, **{k: 0 for k in COUNTS + OUTPUTS}}
    order = np.lexsort((frame["row"].to_numpy(), frame["file"].to_numpy()))   # input order: file, then row
    file, row_in_file = frame["file"].to_numpy()[order], frame["row"].to_numpy()[order]
    person, ids = pd.factorize(frame["person_id"].to_numpy()[order])
    skip = ("person_id", "file", "person_key", "row")
    cols = {c: frame[c].to_numpy()[order] for c in frame.columns if c not in skip}
    cols["person"] = person.astype(np.int64)
    cols["row"] = np.arange(n, dtype=np.int64)
    t = DatasetClaims(cols, names, file, row_in_file)
    if people is not None:
        record_ids, bits, first_day, last_day = people
        code = pd.Index(ids).get_indexer(record_ids)
        keep = code >= 0
        t.identity = Identity(code[keep].astype(np.int64), bits[keep], first_day[keep], last_day[keep])
    check_rows(t)   # across files: one status set and insurance per person, no duplicate claim
    s = Settled(n, total_cost=bool(t.has_total_cost.any()), decisions=decisions)
    s.add(np.arange(n), run_rules(policy_id, t, inputs, readings))
    settled = time.perf_counter()
    shown = Claims({**cols, "row": row_in_file}, person_ids=pa.array(np.asarray(ids, dtype=object), pa.string()))
    table = result_table(shown, s, policy_id).add_column(0, "file", pa.array(file, pa.int32()))
    meta = {"medrules.policy": policy_id, "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "file = index into medrules.files; row 1 = that file's first row",
            "medrules.files": json.dumps(names, ensure_ascii=False)}
    write_parquet(table.replace_schema_metadata(meta), Path(folder) / f"part-{number:05d}.parquet")
    counts = {"rows": n, **claim_counts(s), **totals(s)}
    return {**counts, "settle": settled - start, "write": time.perf_counter() - settled,
            "schema": table.schema.remove_metadata()}


def the_folders_columns(schemas: list) -> list:
    """The columns of the whole folder's result: each part has those one file of its claims would have (the total
    cost where a claim gives it, an upper bound where a layer is one, …), so the folder's are all the parts' —
    what one file of every claim would have — in the order the parts give them."""
    fields: list = []
    for schema in sorted(schemas, key=len, reverse=True):
        names = [f.name for f in fields]
        for k, field in enumerate(schema):
            if field.name not in names:   # after the column it follows in this part
                at = names.index(schema[k - 1].name) + 1 if k else 0
                fields.insert(at, field)
                names.insert(at, field.name)
    return fields


def add_columns(path: str, fields: list) -> None:
    """A part written without some of the folder's columns (none of its claims needed them): rewritten with them,
    null, so every part of the folder has the same columns in the same order."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pq.ParquetFile(path).read()
    columns = [table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
               for f in fields]
    whole = pa.table(columns, schema=pa.schema(fields, metadata=table.schema.metadata))
    write_parquet(whole, path + ".full")
    os.replace(path + ".full", path)


def run_dataset(policy_id, folder, out: Path, inputs, readings, scheduler, stream, watch=None, people_path=None,
                strict: bool = False) -> dict:
    """The whole folder run; `watch` (batch --timings) is told when each step ends and what the workers spent.
    `people_path`: an identity table (medrules/tables/people.py), read here and sent to the workers; `strict`: a
    claim whose record contradicts itself refuses the folder, nothing written."""
    import dask
    import dask.dataframe as dd
    if watch is not None:
        watch.lap("load dask")
    inputs, readings = prepare(policy_id, inputs, readings)
    refuse_fact_inputs(policy_id, inputs)   # a folder is a table of many people
    people = None if people_path is None else identity_records(people_path, "ours", None)
    files = [str(p) for p in dataset_files(folder)]
    names = [Path(f).name for f in files]
    if watch is not None:
        watch.lap("list files")
    parts = [dask.delayed(read_part)(f, k, people is None) for k, f in enumerate(files)]
    ddf = dd.from_delayed(parts, meta=_meta_frame(), verify_meta=False)
    ddf = ddf.shuffle(on="person_key", npartitions=max(1, len(files)))
    decisions = decision_kinds(policy_id, inputs, readings)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    task_seconds = {} if watch is not None else None
    try:
        written = [dask.delayed(settle_and_write)(part, k, str(tmp), policy_id, inputs, readings, names, decisions,
                                                  people)
                   for k, part in enumerate(ddf.to_delayed())]
        counts = compute(dask.delayed(list)(written), scheduler, task_seconds)
        if watch is not None:
            watch.lap("workers")
        contradicted = sum(part["contradicted"] for part in counts)
        if strict and contradicted:
            raise err("claims", "error.strict_contradicted", n=f"{contradicted:,}")
        schemas = {k: part["schema"] for k, part in enumerate(counts) if part["rows"]}
        fields = the_folders_columns(list(schemas.values()))
        short = [str(tmp / f"part-{k:05d}.parquet") for k, schema in schemas.items() if len(schema) < len(fields)]
        if short:
            compute(dask.delayed(list)([dask.delayed(add_columns)(path, fields) for path in short]), scheduler)
        os.chmod(tmp, 0o777 & ~_umask())   # as an ordinary new folder, not mkdtemp's owner-only mode
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    total = {k: sum(part[k] for part in counts) for k in OUTPUTS}
    print(format_totals(total, sum(part["rows"] for part in counts),
                        {k: sum(part[k] for part in counts) for k in COUNTS}), file=stream)
    if watch is not None:
        watch.lap("rename and totals")
        watch.note(worker_steps(task_seconds, counts))
    return total


def worker_steps(task_seconds: dict, counts: list) -> str:
    """The seconds the workers' tasks took, summed over tasks (they overlap: more than the wall time on several
    workers): reading and validating the files, the shuffle, settling, writing."""
    read = sum(v for k, v in task_seconds.items() if k == "read_part")
    shuffle = sum(v for k, v in task_seconds.items() if "shuffle" in k)
    settle, write = sum(p["settle"] for p in counts), sum(p["write"] for p in counts)
    return (f"task seconds on the workers: read and validate {read:.2f}, shuffle {shuffle:.2f}, settle {settle:.2f}, "
            f"write {write:.2f}")


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _meta_frame():
    import pandas as pd
    frame = pd.DataFrame({k: v for k, v in Claims.empty().columns.items() if k != "person"})  # read_part's columns
    frame["person_id"] = pd.Series([], dtype=object)
    frame["file"] = pd.Series([], dtype=np.int32)
    frame["person_key"] = pd.Series([], dtype=np.uint64)
    return frame
