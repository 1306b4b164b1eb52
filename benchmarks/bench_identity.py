"""Figures for dated statuses (issue 21): a batch run with the persons' identity table beside the claims, against the
same run with the statuses on the claims (a script that prints numbers, not a timed test).

    .venv/bin/python benchmarks/bench_identity.py [--claims 1000000] [--people 200000] [--seed 7] [--runs 3]
                                                  [--policy wenzhou-2021-78] [--baseline /path/to/older/checkout]

The claims are bench_batch's seeded synthetic table. The identity table (`--people`, layout ours) holds one record
per person who holds a status, open from 2020-01-01, and for 10% of all persons a change in the year: a status that
ends on a day of 2024-09..2025-12, or one recognised on such a day. With `--baseline`, the same claims file is also
run by that checkout's `python -m medrules batch` (e.g. main before the record model) for the "within 10% of
today's" comparison. Runs are interleaved; medians, min and max are printed with the load average.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from bench_batch import INPUTS, synthetic  # noqa: E402


def identity_table(claims: pa.Table, seed: int) -> pa.Table:
    """One record per person holding a status (open from 2020-01-01); for 10% of all persons, a change in the year."""
    rng = np.random.default_rng(seed + 1)
    person = claims.column("person_id").combine_chunks()
    names = person.dictionary.to_numpy(zero_copy_only=False)
    statuses = claims.column("statuses").combine_chunks()
    held = np.full(len(names), "", dtype=object)
    held[person.indices.to_numpy()] = statuses.dictionary.to_numpy(zero_copy_only=False)[statuses.indices.to_numpy()]
    rows = {"person_id": [], "status": [], "from": [], "to": []}

    def add(who, status, start, end):
        rows["person_id"].append(who)
        rows["status"].append(status)
        rows["from"].append(start)
        rows["to"].append(end)
    span = (np.datetime64("2025-12-31") - np.datetime64("2024-09-01")).astype(int)
    change = rng.random(len(names)) < 0.10
    days = np.datetime64("2024-09-01") + rng.integers(0, span + 1, len(names)).astype("timedelta64[D]")
    for i, name in enumerate(names):
        own = [s for s in held[i].split(";") if s]
        for k, s in enumerate(own):
            ends = change[i] and k == 0        # the change: the first status ends that day
            add(name, s, "2020-01-01", str(days[i]) if ends else "")
        if change[i] and not own:              # the change: a status recognised that day
            add(name, "dibian", str(days[i]), "")
    return pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})


def run_batch(python: str, repo: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(repo)}
    t = time.perf_counter()
    subprocess.run([python, "-m", "medrules", "batch", *args], check=True, env=env, cwd=repo,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--claims", type=int, default=1_000_000)
    p.add_argument("--people", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--policy", default="wenzhou-2021-78")
    p.add_argument("--baseline", type=Path, help="another checkout whose batch runs the same claims file")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        table = synthetic(a.claims, a.people, a.seed)
        pq.write_table(table, d / "claims.parquet")
        people = identity_table(table, a.seed)
        pacsv.write_csv(people, d / "people.csv")
        # The same claims with no statuses column: a person's statuses come from the identity table alone.
        pq.write_table(table.drop_columns(["statuses"]), d / "claims-no-status.parquet")
        changes = int(pc.sum(pc.not_equal(people.column("to"), "")).as_py() or 0)
        print(f"{a.claims:,} claims, {a.people:,} persons; identity table: {people.num_rows:,} records "
              f"({changes:,} ending in the year)")
        inputs = d / "inputs.json"
        import json
        inputs.write_text(json.dumps(INPUTS.get(a.policy, {})), encoding="utf-8")
        common = ["--policy", a.policy, "--inputs", str(inputs)]
        variants = {
            "statuses on the claims": (sys.executable, REPO, [*common, str(d / "claims.parquet"),
                                                              "--out", str(d / "a.parquet")]),
            "identity table (--people)": (sys.executable, REPO, [*common, str(d / "claims-no-status.parquet"),
                                                                 "--people", str(d / "people.csv"),
                                                                 "--out", str(d / "b.parquet")]),
        }
        if a.baseline:
            python = str(a.baseline / ".venv" / "bin" / "python")
            python = python if Path(python).exists() else sys.executable
            variants["baseline checkout, statuses on the claims"] = (
                python, a.baseline, [*common, str(d / "claims.parquet"), "--out", str(d / "c.parquet")])
        times = {k: [] for k in variants}
        for _ in range(a.runs):        # interleaved, so load changes hit every variant alike
            for k, (python, repo, args) in variants.items():
                times[k].append(run_batch(python, repo, args))
        for k, ts in times.items():
            print(f"  {k:<44} median {statistics.median(ts):6.2f} s  (min {min(ts):.2f}, max {max(ts):.2f})")
        base = statistics.median(times["statuses on the claims"])
        print(f"  identity table adds {statistics.median(times['identity table (--people)']) - base:+.2f} s")
        if a.baseline:
            old = statistics.median(times["baseline checkout, statuses on the claims"])
            print(f"  this checkout / baseline: {base / old:.2f}×")
        print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
