"""Figures for `medrules batch` on a synthetic population (a script that prints numbers, not a timed test).

    .venv/bin/python benchmarks/bench_batch.py [--claims 1000000] [--people 200000] [--loop-people 2000]
                                               [--seed 7] [--no-dask]

Synthetic claims (seeded RNG): a category mix like a city's insured (mostly general insured, a few percent each
of the hardship groups), heavy-tailed costs (log-normal body, Pareto tail), basic insurance 40-75% of the cost,
a critical-illness slip wherever the rules need one, a supplementary slip on a few claims, dates over 2022-2025.
Reported: rows/second for reading and validating the CSV, for the vectorised evaluation, for the whole CLI run
(read, evaluate, write Parquet), for a plain row-by-row loop through the scenario engine on a sample of people,
and for the Dask path; and the process's peak resident memory (resource.getrusage) after each stage.
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from medrules import evaluate, parse_scenario  # noqa: E402
from medrules.batch import evaluate_table, evaluate_table_dask, read_claims, run_batch  # noqa: E402

POLICY = "wenzhou-2021-78"
INPUTS = {"critical_illness_base_deductible": "30000"}
CATEGORY_MIX = {"general": 0.80, "dibao": 0.06, "dibian": 0.04, "tekun": 0.02, "yinbing_zhipin": 0.02,
                "jiance": 0.04, "tufa_kunnan": 0.02}
HARDSHIP = {"tekun", "dibao", "dibian", "yinbing_zhipin"}


def synthetic(claims: int, people: int, seed: int):
    """A pyarrow table of `claims` claims for `people` people, amounts as text in yuan."""
    import pyarrow as pa
    rng = np.random.default_rng(seed)
    cats = np.array(list(CATEGORY_MIX))
    person_cat = rng.choice(len(cats), size=people, p=list(CATEGORY_MIX.values()))
    person_ins = rng.choice(2, size=people, p=[0.3, 0.7])
    # Claims per person: every person has one, the rest fall on people with a heavy-tailed weight.
    weights = rng.pareto(1.5, size=people) + 1
    person = np.concatenate([np.arange(people),
                             rng.choice(people, size=claims - people, p=weights / weights.sum())])
    rng.shuffle(person)
    outpatient = rng.random(claims) < 0.7
    cost = np.where(outpatient, rng.lognormal(5.5, 1.0, claims), rng.lognormal(9.3, 1.0, claims))
    tail = rng.random(claims) < 0.01
    cost = np.where(tail, cost * (rng.pareto(1.2, claims) + 1) * 5, cost)
    cost = np.minimum(np.round(cost * 100).astype(np.int64), 5_000_000_00)   # fen, at most 5 million yuan
    basic = (cost * rng.uniform(0.40, 0.75, claims)).astype(np.int64)
    hardship = np.isin(cats[person_cat[person]], list(HARDSHIP))
    left = cost - basic
    ci_slip = ~hardship | (rng.random(claims) < 0.2)
    ci = np.where(ci_slip, (left * rng.uniform(0, 0.6, claims)).astype(np.int64), 0)
    supp_slip = rng.random(claims) < 0.05
    supp = np.where(supp_slip, (left - ci) // 50, 0)
    days = rng.integers(0, (np.datetime64("2025-12-31") - np.datetime64("2022-01-01")).astype(int) + 1, claims)
    date = (np.datetime64("2022-01-01") + days.astype("timedelta64[D]")).astype(str)

    def money(fen, present=None):
        text = np.char.add(np.char.add((fen // 100).astype(str), "."), np.char.zfill((fen % 100).astype(str), 2))
        return pa.array(text, mask=None if present is None else ~present)
    return pa.table({
        "person_id": pa.array(np.char.add("P", person.astype(str))),
        "category": pa.array(cats[person_cat[person]]),
        "insurance": pa.array(np.array(["employee", "resident"])[person_ins[person]]),
        "date": pa.array(date),
        "setting": pa.array(np.where(outpatient, "outpatient", "inpatient")),
        "facility": pa.array(np.array(["village", "township", "secondary", "tertiary"])[rng.integers(0, 4, claims)]),
        "policy_range_cost": money(cost),
        "basic_insurance_paid": money(basic),
        "critical_illness_paid": money(ci, ci_slip),
        "supplementary_insurance_paid": money(supp, supp_slip),
        "referred": pa.array(np.where(rng.random(claims) < 0.6, "true", "false")),
        "followed_treatment_guidance": pa.array(np.where(rng.random(claims) < 0.7, "true", "false")),
        "in_city_designated_hospital": pa.array(np.where(rng.random(claims) < 0.8, "true", "false")),
    })


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Wall-clock and CPU time of a block. On a shared machine the wall time includes waiting for a core; the CPU
    time (all threads of this process) does not."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def report(label, rows, timer):
    print(f"{label:<44} {rows:>10,} rows  wall {timer.wall:6.2f} s ({rows / timer.wall:>10,.0f} rows/s)  "
          f"cpu {timer.cpu:6.2f} s  peak RSS {peak_mib():,.0f} MiB", flush=True)
    return rows / timer.wall


def scenarios_of(t, people: int) -> list[dict]:
    """One scenario (as JSON-ready dicts) per person, for the first `people` people of the table."""
    full = t.to_pandas()
    chosen = set(full["person_id"].drop_duplicates().iloc[:people])
    out = []
    for pid, g in full[full["person_id"].isin(chosen)].groupby("person_id", sort=False):
        claims = []
        for r in g.itertuples(index=False):
            c = {"date": r.date, "setting": r.setting, "facility": r.facility,
                 "policy_range_cost": r.policy_range_cost, "basic_insurance_paid": r.basic_insurance_paid,
                 "referred": r.referred == "true",
                 "followed_treatment_guidance": r.followed_treatment_guidance == "true",
                 "in_city_designated_hospital": r.in_city_designated_hospital == "true"}
            for k in ("critical_illness_paid", "supplementary_insurance_paid"):
                v = getattr(r, k)
                if isinstance(v, str):
                    c[k] = v
            claims.append(c)
        first = g.iloc[0]
        out.append({"policy": POLICY, "person": {"category": first.category, "insurance": first.insurance},
                    "claims": claims, "inputs": INPUTS})
    return out


def row_loop(scenarios: list[dict]) -> int:
    """The plain loop: each person's scenario parsed and evaluated by the scenario engine, claim by claim."""
    n = 0
    for data in scenarios:
        evaluate(parse_scenario(data))
        n += len(data["claims"])
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--loop-people", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args(argv)
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    print(f"synthetic: {args.claims:,} claims for {args.people:,} people, seed {args.seed}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    table = synthetic(args.claims, args.people, args.seed)
    with tempfile.TemporaryDirectory() as d:
        csv_path, pq_path, out = Path(d) / "claims.csv", Path(d) / "claims.parquet", Path(d) / "result.parquet"
        pacsv.write_csv(table, csv_path)
        pq.write_table(table, pq_path)
        print(f"CSV {csv_path.stat().st_size / 2**20:,.0f} MiB, Parquet {pq_path.stat().st_size / 2**20:,.0f} MiB")

        with Timer() as tm:
            t = read_claims(csv_path)
        report("read + validate CSV", len(t), tm)
        with Timer() as tm:
            read_claims(pq_path)
        report("read + validate Parquet", len(t), tm)

        with Timer() as tm:
            result = evaluate_table(t, POLICY, INPUTS)
        vec = report("vectorised evaluation (pandas/NumPy engine)", len(t), tm)

        inputs_path = Path(d) / "inputs.json"
        inputs_path.write_text('{"critical_illness_base_deductible": "30000"}')
        with Timer() as tm:
            run_batch(POLICY, csv_path, out, engine="pandas", inputs_path=inputs_path, stream=io.StringIO())
        whole = report("whole run in-process: CSV in, Parquet out", len(t), tm)
        # The command as a user runs it, in its own process, with that process's own peak memory.
        start = time.perf_counter()
        # Linux keeps the parent's peak RSS across fork and exec, so the child resets it (clear_refs 5) and reads
        # its own high-water mark (VmHWM) at the end.
        measure = ("import resource, sys\n"
                   "try:\n open('/proc/self/clear_refs', 'w').write('5')\nexcept OSError:\n pass\n"
                   "from medrules.cli import main\nrc = main(sys.argv[1:])\n"
                   "u = resource.getrusage(resource.RUSAGE_SELF)\nrss = u.ru_maxrss\n"
                   "try:\n rss = int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])\n"
                   "except (OSError, IndexError):\n pass\n"
                   "print(u.ru_utime + u.ru_stime, rss, file=sys.stderr)\nsys.exit(rc)")
        done = subprocess.run([sys.executable, "-c", measure, "batch", "--policy", POLICY, str(csv_path),
                               "--out", str(out), "--inputs", str(inputs_path)], cwd=REPO, capture_output=True,
                              text=True)
        wall = time.perf_counter() - start
        cpu, rss = done.stderr.split()[-2:]
        print(f"{'python -m medrules batch (own process)':<44} {len(t):>10,} rows  wall {wall:6.2f} s "
              f"({len(t) / wall:>10,.0f} rows/s)  cpu {float(cpu):6.2f} s  peak RSS {int(rss) / 1024:,.0f} MiB  "
              f"exit {done.returncode}", flush=True)

        sample = scenarios_of(table, args.loop_people)
        with Timer() as tm:
            n = row_loop(sample)
        loop = report(f"row loop, scenario engine ({args.loop_people:,} people)", n, tm)
        print(f"vectorised evaluation / row loop: {vec / loop:,.0f}x; whole CLI run / row loop: {whole / loop:,.0f}x")

        if not args.no_dask:
            from distributed import Client, LocalCluster
            with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                              dashboard_address=None) as cluster, Client(cluster):
                with Timer() as tm:
                    dres = evaluate_table_dask(t, POLICY, INPUTS, npartitions=8)
                report("dask evaluation, local cluster (1 worker, 2 thr)", len(t), tm)
            same = all(np.array_equal(dres[k], result[k]) for k in result)
            print(f"dask results identical to the pandas engine: {same}")


if __name__ == "__main__":
    main()
