"""Same answer on every run and every engine (issue 26, point 1): a person's claims are settled in date order, ties
in input order — for a folder of files, file then row in file — whatever order Dask's shuffle delivers them in;
a table held by the client and partitioned by person on the workers gives the pandas engine's file byte for byte.

The claims are built so that the order of a person's same-day claims changes amounts: 低保 people whose two
inpatient claims on one day together pass the critical-illness deductible and Wenzhou's 10万 annual assistance
limit (三(三)9), so whichever claim comes first takes what the year still allows. The test first shows the data is
that sensitive (the files read in the other order settle differently), then that the folder run on two local
worker processes, twice, gives the pandas engine's answer row for row and column for column, and the same files
byte for byte; and on Dask's threads the same files again.

The record model through a folder (issues 21, 22): with an identity table, a record that contradicts itself and a
layer only an upper bound, the folder gives one file's columns, totals and counts, and --strict refuses both.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medrules.cli.main import main
from medrules.tables.dataset import settle_and_write, read_part
from medrules.tables.settle import decision_kinds, prepare

POLICY = "wenzhou-2021-78"
INPUTS = {"critical_illness_base_deductible": "30000"}
FILES = 3


def claims_sharing_days(seed: int = 5, people: int = 60) -> list[pa.Table]:
    """FILES tables; every person has pairs of same-day claims, the two claims of a pair in different files (and
    some in the same file), with costs large enough that the order of the pair changes what each claim gets."""
    rng = np.random.default_rng(seed)
    rows: list[list[dict]] = [[] for _ in range(FILES)]
    for p in range(people):
        for pair in range(2):
            day = str(np.datetime64("2023-01-01") + int(rng.integers(0, 365)))
            files = rng.choice(FILES, size=2, replace=bool(pair))   # the first pair always spans two files
            for k in range(2):
                cost = int(rng.integers(80_000, 260_000))
                rows[int(files[k])].append({
                    "person_id": f"P{p:03d}", "category": "dibao", "insurance": "resident", "date": day,
                    "setting": "inpatient", "policy_range_cost": f"{cost}.{int(rng.integers(0, 100)):02d}",
                    "basic_insurance_paid": str(cost // 2), "supplementary_insurance_paid": "0"})
    for r in rows:
        rng.shuffle(r)   # a file's rows in no particular order: the input order is the file's own
    return [pa.Table.from_pylist(r) for r in rows]


def write_folder(folder: Path, tables: list[pa.Table]) -> None:
    folder.mkdir()
    for k, t in enumerate(tables):
        pq.write_table(t, folder / f"claims-{k}.parquet")


def batch(src: Path, out: Path, inputs: Path, *extra: str) -> None:
    assert main(["batch", "--policy", POLICY, str(src), "--out", str(out), "--inputs", str(inputs), *extra]) == 0


def folder_rows(out: Path) -> pa.Table:
    """The folder's result in input order (file, then row), without its file column."""
    table = pa.concat_tables([pq.read_table(p) for p in sorted(out.iterdir())])
    order = np.lexsort((table.column("row").to_numpy(), table.column("file").to_numpy()))
    return table.take(pa.array(order)).drop_columns(["file"])


def files_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def same_columns(a: pa.Table, b: pa.Table, skip=("row",)) -> list[str]:
    """The columns whose values differ (dictionary columns compared by value)."""
    assert a.column_names == b.column_names
    return [c for c in a.column_names if c not in skip and a.column(c).to_pylist() != b.column(c).to_pylist()]


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    d = tmp_path_factory.mktemp("claims")
    tables = claims_sharing_days()
    write_folder(d / "folder", tables)
    pq.write_table(pa.concat_tables(tables), d / "all.parquet")                   # the files in their order
    pq.write_table(pa.concat_tables(tables[::-1]), d / "reversed.parquet")        # the same claims, files reversed
    (d / "inputs.json").write_text(json.dumps(INPUTS), encoding="utf-8")
    batch(d / "all.parquet", d / "pandas.parquet", d / "inputs.json")
    return d


def test_the_claims_are_such_that_the_order_of_same_day_claims_changes_amounts(claims, tmp_path):
    batch(claims / "reversed.parquet", tmp_path / "reversed.parquet", claims / "inputs.json")
    forward = pq.read_table(claims / "pandas.parquet")
    backward = pq.read_table(tmp_path / "reversed.parquet")
    key = [(r["person_id"], r["date"], r["policy_range_cost"]) for r in forward.select(
        ["person_id", "date", "policy_range_cost"]).to_pylist()]
    by_key = {(r["person_id"], r["date"], r["policy_range_cost"]): r for r in backward.to_pylist()}
    differ = [k for k, r in zip(key, forward.to_pylist()) if r["medical_assistance"] != by_key[k]["medical_assistance"]]
    assert len(differ) >= 10, "the same-day claims must be order-sensitive for this test to mean anything"


def test_a_folder_on_two_worker_processes_gives_the_pandas_answer_and_the_same_files_twice(claims, tmp_path):
    from distributed import Client, LocalCluster
    expected = pq.read_table(claims / "pandas.parquet")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit="1GiB") as cluster, Client(cluster):
        for run in ("first", "second"):
            batch(claims / "folder", tmp_path / f"{run}.parquet", claims / "inputs.json", "--engine", "dask")
        # The same claims in one file, partitioned by person on the workers: the pandas engine's file, byte for byte.
        batch(claims / "all.parquet", tmp_path / "held.parquet", claims / "inputs.json", "--engine", "dask")
    assert (tmp_path / "held.parquet").read_bytes() == (claims / "pandas.parquet").read_bytes()
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    got = folder_rows(first)
    assert got.num_rows == expected.num_rows
    assert same_columns(got, expected) == []
    # `row` is the row within its file: the pandas engine's row in the concatenated table, less the files before.
    sizes = np.cumsum([0] + [pq.ParquetFile(p).metadata.num_rows for p in sorted((claims / "folder").iterdir())])
    table = pa.concat_tables([pq.read_table(p) for p in sorted(first.iterdir())])
    global_row = table.column("row").to_numpy() + sizes[table.column("file").to_numpy()]
    assert sorted(global_row.tolist()) == expected.column("row").to_pylist()
    assert files_bytes(first) == files_bytes(second)
    assert all(name.startswith("part-") and name[5:10].isdigit() for name in files_bytes(first))
    # Dask's threads, with no cluster: the same files again.
    batch(claims / "folder", tmp_path / "threads.parquet", claims / "inputs.json", "--engine", "dask")
    assert files_bytes(tmp_path / "threads.parquet") == files_bytes(first)


def test_a_partition_delivered_in_any_order_is_settled_and_written_alike(claims, tmp_path):
    """One partition's claims, as the shuffle might deliver them: reversed or shuffled, the file written is the same
    byte for byte (it was not when the rules ordered ties by the position after the shuffle)."""
    import pandas as pd
    folder = claims / "folder"
    names = [p.name for p in sorted(folder.iterdir())]
    frame = pd.concat([read_part(str(folder / n), k) for k, n in enumerate(names)], ignore_index=True)
    inputs, readings = prepare(POLICY, INPUTS)
    decisions = decision_kinds(POLICY, inputs, readings)
    written = []
    for k, order in enumerate((np.arange(len(frame)), np.arange(len(frame))[::-1],
                               np.random.default_rng(1).permutation(len(frame)))):
        out = tmp_path / str(k)
        out.mkdir()
        settle_and_write(frame.iloc[order].reset_index(drop=True), 0, str(out), POLICY, inputs, readings, names,
                         decisions)
        written.append((out / "part-00000.parquet").read_bytes())
    assert written[0] == written[1] == written[2]


# ---------------------------------------------------------------------------------------------------------------
# Beyond one machine (point 5): `dask scheduler` and two `dask worker` processes, as the README's recipe starts them
# ---------------------------------------------------------------------------------------------------------------

def _wait_for(predicate, seconds: float, what: str):
    import time
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready within {seconds} s")
        time.sleep(0.2)


def test_a_folder_on_a_scheduler_and_two_workers_started_as_commands(claims, tmp_path, capsys):
    import os
    import subprocess
    import sys
    from distributed import Client
    dask_cli = str(Path(sys.executable).parent / "dask")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    scheduler_file = tmp_path / "scheduler.json"
    started = []
    try:
        started.append(subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                         "--no-dashboard", "--scheduler-file", str(scheduler_file)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for(lambda: scheduler_file.exists() and scheduler_file.stat().st_size, 60, "dask scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            started.append(subprocess.Popen([dask_cli, "worker", address, "--nthreads", "1", "--no-dashboard",
                                             "--memory-limit", "1GiB", "--name", f"worker-{k}"], env=env,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
        capsys.readouterr()
        batch(claims / "folder", tmp_path / "cluster.parquet", claims / "inputs.json", "--engine", "dask",
              "--scheduler", address, "--timings")
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
    got = folder_rows(tmp_path / "cluster.parquet")
    assert same_columns(got, pq.read_table(claims / "pandas.parquet")) == []
    timings = capsys.readouterr().err.strip().splitlines()[-1]
    assert timings.startswith("计时 timings (s): start-up ")
    steps = [part.split(" ")[0] for part in timings.removeprefix("计时 timings (s): ").split("; ")[0].split(", ")]
    assert steps == ["start-up", "checks", "load", "list", "workers", "rename"]
    assert "task seconds on the workers: read and validate " in timings and ", settle " in timings


# ---------------------------------------------------------------------------------------------------------------
# The record model through a folder (issues 21 and 22): identity table, contradicted records, upper bounds, --strict
# ---------------------------------------------------------------------------------------------------------------

SHANDONG = "shandong-2022-major-illness"


def claim(person, day, cost, basic, total=None):
    return {"person_id": person, "insurance": "resident", "date": day, "setting": "inpatient",
            "policy_range_cost": cost, "basic_insurance_paid": basic, "critical_illness_paid": "0",
            "supplementary_insurance_paid": "0", "total_cost": total}


def record_model_files(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """Two files of Shandong claims with no statuses column (the identity table gives them): a 低保 person whose
    second-layer relief reaches 最高可达2万元 (only an upper bound), a person who becomes 低保 between two claims,
    a record whose insurance paid more than its cost (it contradicts itself) with its total cost, and others."""
    first = [claim("P1", "2023-04-01", "110000", "10000"), claim("P2", "2023-03-01", "30000", "15000"),
             claim("P3", "2023-05-01", "20000", "30000", total="25000"), claim("P4", "2023-02-01", "8000", "4000")]
    second = [claim("P2", "2023-07-01", "30000", "15000"), claim("P3", "2023-08-01", "40000", "20000", total="45000"),
              claim("P5", "2023-09-01", "60000", "30000"), claim("P4", "2023-02-01", "9000", "4000"),
              claim("P6", "2023-10-01", "5000", "2500")]
    folder = tmp_path / "folder"
    write_folder(folder, [pa.Table.from_pylist(first), pa.Table.from_pylist(second)])
    pq.write_table(pa.Table.from_pylist(first + second), tmp_path / "all.parquet")
    people = tmp_path / "people.csv"
    people.write_text("person_id,status,from,to\nP1,dibao,2020-01-01,\nP2,dibao,2023-06-01,\nP3,dibao,2022-01-01,\n"
                      "P5,tekun,2021-01-01,2023-12-31\n", encoding="utf-8")
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"medical_assistance.still_heavy_threshold": "40000"}), encoding="utf-8")
    return folder, tmp_path / "all.parquet", people, inputs


def shandong(src: Path, out: Path, inputs: Path, *extra: str) -> int:
    return main(["batch", "--policy", SHANDONG, str(src), "--out", str(out), "--inputs", str(inputs), *extra])


def test_a_folder_with_an_identity_table_gives_one_files_columns_counts_and_refusals(tmp_path, capsys, monkeypatch):
    import medrules.tables.dataset as dataset
    folder, whole, people, inputs = record_model_files(tmp_path)
    completed = []
    real_add_columns = dataset.add_columns
    monkeypatch.setattr(dataset, "add_columns", lambda path, fields: (completed.append(path),
                                                                      real_add_columns(path, fields))[1])
    assert shandong(whole, tmp_path / "one.parquet", inputs, "--people", str(people)) == 0
    one_file = capsys.readouterr().out
    assert shandong(folder, tmp_path / "ds.parquet", inputs, "--people", str(people), "--engine", "dask",
                    "--scheduler", "synchronous") == 0
    assert capsys.readouterr().out == one_file   # the same totals and the same counts of what they leave out
    expected = pq.read_table(tmp_path / "one.parquet")
    got = folder_rows(tmp_path / "ds.parquet")
    assert {"upper_bound", "total_cost", "total_out_of_pocket"} <= set(expected.column_names)
    assert same_columns(got, expected) == []   # the same columns, in the same order, with the same values
    # The partitions needed different columns (P1's upper bound, P3's total cost): the short ones were completed.
    parts = [pq.read_table(p) for p in sorted((tmp_path / "ds.parquet").iterdir())]
    assert completed and len({tuple(p.column_names) for p in parts}) == 1
    rows = {(r["person_id"], str(r["date"])): r for r in expected.to_pylist()}
    assert rows[("P1", "2023-04-01")]["upper_bound"] == "further_relief"
    assert rows[("P1", "2023-04-01")]["further_relief"] == Decimal("20000.00")
    contradicted = rows[("P3", "2023-05-01")]
    assert contradicted["out_of_pocket"] is None and contradicted["total_out_of_pocket"] is None
    assert "1 claim(s) with a record that contradicts itself" in one_file
    assert rows[("P2", "2023-03-01")]["medical_assistance"] == Decimal("0.00")   # before P2 became 低保
    assert rows[("P2", "2023-07-01")]["medical_assistance"] == Decimal("10500.00")   # (30,000 − 15,000) × 70%
    # --strict: the contradicted record refuses the table and the folder, nothing written.
    assert shandong(whole, tmp_path / "strict.parquet", inputs, "--people", str(people), "--strict") == 2
    assert shandong(folder, tmp_path / "strict-ds.parquet", inputs, "--people", str(people), "--strict",
                    "--engine", "dask", "--scheduler", "synchronous") == 2
    assert not (tmp_path / "strict.parquet").exists() and not (tmp_path / "strict-ds.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".strict")]
