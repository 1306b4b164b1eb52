"""batch --engine dask on a table the client holds: partitions of whole persons settled by the same rules
(medrules.core.engine.run), on Dask's threads, processes or a distributed cluster (`compute`). A folder of Parquet
files, read and written by the workers themselves, is medrules/tables/dataset.py."""
from __future__ import annotations

import time
import warnings

import numpy as np

from ..core.claims import Claims, Identity
from ..core.rulebook import LAYERS
from .columns import err
from .settle import CHUNK_ROWS, OUTPUTS, Settled, decision_kinds, prepare, refuse_none_in_force, run_rules, table_facts

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


def compute(collection, scheduler, task_seconds: dict | None = None):
    """The collection computed on `scheduler`: a distributed address (tcp://…), the current distributed Client,
    or one of Dask's local schedulers (threads by default). `task_seconds`, when given, is filled with the seconds
    the tasks took, summed by the name of their function (dask.utils.key_split): where a run's time went."""
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
                return _on_client(c, collection, task_seconds)
        if client is not None:
            return _on_client(client, collection, task_seconds)
        if scheduler not in (None, "threads", "processes", "synchronous", "single-threaded", "sync"):
            raise err("scheduler", "error.scheduler_choice", got=repr(scheduler))
        with dask.config.set(scheduler=scheduler or "threads"):
            if task_seconds is None:
                return collection.compute()
            with _local_task_times(task_seconds):
                return collection.compute()


def _on_client(client, collection, task_seconds):
    if task_seconds is None:
        return client.compute(collection).result()
    from dask.utils import key_split
    from distributed import get_task_stream
    with get_task_stream(client) as stream:
        result = client.compute(collection).result()
    for record in stream.data:
        for span in record.get("startstops", ()):
            if span.get("action") == "compute":
                name = key_split(record["key"])
                task_seconds[name] = task_seconds.get(name, 0.0) + span["stop"] - span["start"]
    return result


def _local_task_times(task_seconds: dict):
    """A dask.callbacks.Callback that adds each task's seconds to task_seconds under its name (Dask's local
    schedulers tell it before and after each task)."""
    from dask.callbacks import Callback
    from dask.utils import key_split
    started: dict = {}

    def pretask(key, dsk, state):
        started[key] = time.perf_counter()

    def posttask(key, result, dsk, state, worker_id):
        name = key_split(key)
        task_seconds[name] = task_seconds.get(name, 0.0) + time.perf_counter() - started.pop(key)
    return Callback(pretask=pretask, posttask=posttask)


def current_client():
    try:
        from distributed import get_client
        return get_client()
    except (ImportError, ValueError):
        return None
