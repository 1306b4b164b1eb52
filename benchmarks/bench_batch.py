"""Figures for the one engine on a synthetic population (a script that prints numbers, not a timed test).

    .venv/bin/python benchmarks/bench_batch.py [--claims 1000000] [--people 200000] [--seed 7]
                                               [--dask-claims 10000000] [--no-dask]

Synthetic claims (seeded RNG), in the shape of a bureau's settlement records: a status mix like a city's insured
(mostly no status, a few percent each of the hardship groups, some holding two), heavy-tailed costs, basic
insurance 40-75% of the cost, a critical-illness slip wherever a policy needs one, the supplementary-insurance
slip (mostly 0), 先行自付 on every claim, dates in 2024-2025 (where every claim policy is in force).

Printed, for each policy whose rules settle claims:
- the evaluation alone on the table (medrules.tables.settle.evaluate_table: the same rule functions a scenario runs), on
  its person chunks' threads (one per core, at most 4) and on one thread;
- the whole `python -m medrules batch` process, Parquet in and out, in its own process, with its peak memory and
  its own `--timings` line: where the time goes (start-up and imports, read, validate, evaluate, write);
then one person's scenario in-process (median of repeated runs), and Dask on a Parquet dataset of --dask-claims
claims (a folder of 1,000,000-claim files) with the client's own peak memory.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from medrules import evaluate, parse_scenario  # noqa: E402
from medrules.tables.columns import decimal_array  # noqa: E402
from medrules.tables.settle import THREADS, batch_policies, evaluate_table  # noqa: E402
from medrules.tables.claims_file import claims_from_arrow  # noqa: E402

from medrules.analysis.compare import CLAIM_INPUTS as INPUTS  # noqa: E402  (the book's illustrative inputs, one place)
STATUS_MIX = {"": 0.78, "dibao": 0.06, "dibian": 0.04, "tekun": 0.02, "dibao;yinbing_zhipin": 0.01,
              "yinbing_zhipin": 0.02, "jiance": 0.04, "tufa_kunnan": 0.02, "fanpin_zhipin": 0.01}


def synthetic(claims: int, people: int, seed: int):
    """A pyarrow table of `claims` claims for `people` people (amounts as exact decimals)."""
    import pyarrow as pa
    rng = np.random.default_rng(seed)
    statuses = np.array(list(STATUS_MIX), dtype=object)
    person_status = rng.choice(len(statuses), size=people, p=list(STATUS_MIX.values()))
    person_ins = rng.choice(2, size=people, p=[0.3, 0.7])
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
    ci = ((cost - basic) * rng.uniform(0, 0.6, claims)).astype(np.int64)
    ci_slip = (person_status[person] == 0) | (rng.random(claims) < 0.2)   # computed for 80% of status holders
    days = rng.integers(0, (np.datetime64("2025-12-31") - np.datetime64("2024-09-01")).astype(int) + 1, claims)
    date = np.datetime64("2024-09-01") + days.astype("timedelta64[D]")
    pre = (cost * rng.uniform(0, 0.05, claims)).astype(np.int64)
    names = np.char.add("P", np.arange(people).astype(str))

    def money(fen, present=None):
        return decimal_array(fen, present)
    return pa.table({
        "person_id": pa.DictionaryArray.from_arrays(pa.array(person, pa.int32()), pa.array(names)),
        "statuses": pa.DictionaryArray.from_arrays(pa.array(person_status[person], pa.int8()), pa.array(statuses)),
        "insurance": pa.array(np.array(["employee", "resident"])[person_ins[person]]),
        "date": pa.array(date, pa.date32()),
        "setting": pa.array(np.where(outpatient, "outpatient", "inpatient")),
        "facility": pa.array(np.array(["village", "township", "secondary", "tertiary"])[rng.integers(0, 4, claims)]),
        "policy_range_cost": money(cost),
        "pre_self_paid": money(pre),
        "basic_insurance_paid": money(basic),
        "critical_illness_paid": money(ci, ci_slip),
        "supplementary_insurance_paid": money(np.zeros(claims, np.int64)),
        "referred": pa.array(rng.random(claims) < 0.6),
        "followed_treatment_guidance": pa.array(rng.random(claims) < 0.7),
        "in_city_designated_hospital": pa.array(rng.random(claims) < 0.8),
    })


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# A child process that resets the peak RSS it inherited (clear_refs 5) and reports its own high-water mark.
MEASURE = ("import resource, sys\n"
           "try:\n open('/proc/self/clear_refs', 'w').write('5')\nexcept OSError:\n pass\n"
           "from medrules.cli.main import main\nrc = main(sys.argv[1:])\n"
           "u = resource.getrusage(resource.RUSAGE_SELF)\nrss = u.ru_maxrss\n"
           "try:\n rss = int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])\n"
           "except (OSError, IndexError):\n pass\n"
           "print(u.ru_utime + u.ru_stime, rss, file=sys.stderr)\nsys.exit(rc)")


def own_process(args: list[str]) -> tuple[float, float, float, int, str, str]:
    """(wall s, cpu s, peak MiB, exit code, stdout, the run's own timings line if it printed one) of
    `python -m medrules ARGS` in its own process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *args], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    try:
        cpu, rss = done.stderr.split()[-2:]
        steps = [line for line in done.stderr.splitlines() if line.startswith("计时 timings")]
        return wall, float(cpu), int(rss) / 1024, done.returncode, done.stdout, (steps or [""])[-1]
    except ValueError:
        raise SystemExit(f"batch failed: {done.stderr.strip()[-500:]}") from None


# What any such process pays before a check or a rule: the interpreter, numpy and pyarrow (with the pandas pyarrow
# imports at its first numpy conversion, as validation makes one), reading the claims, writing a result as batch does.
FLOOR = ("import sys\nimport numpy as np, pyarrow as pa, pyarrow.parquet as pq\npa.array(np.zeros(1))\n"
         "pq.ParquetFile(sys.argv[1]).read()\nr = pq.ParquetFile(sys.argv[2]).read()\n"
         "pq.write_table(r, sys.argv[3], store_decimal_as_integer=True, use_dictionary=['person_id', 'setting'])\n")


def floor_process(claims: Path, result: Path, out: Path, repeat: int = 3) -> float:
    """Best wall time of the FLOOR process (no medrules at all) over `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR, str(claims), str(result), str(out)], check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def best_of(fn, repeat=3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def scenario_median(policy: str, repeat: int = 200) -> float:
    """Median ms of parse + evaluate for one 低保 person with three claims in a year."""
    claims = [{"date": d, "setting": s, "policy_range_cost": c, "basic_insurance_paid": b,
               "critical_illness_paid": ci, "supplementary_insurance_paid": "0", "pre_self_paid": "0",
               "referred": True, "followed_treatment_guidance": True, "in_city_designated_hospital": True}
              for d, s, c, b, ci in (("2024-10-01", "inpatient", "50000", "30000", "2000"),
                                     ("2024-11-01", "outpatient", "800", "400", "0"),
                                     ("2024-12-01", "inpatient", "120000", "70000", "9000"))]
    data = {"policy": policy, "person": {"statuses": ["dibao"], "insurance": "resident"}, "claims": claims,
            "inputs": INPUTS.get(policy, {})}
    evaluate(parse_scenario(data))  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        evaluate(parse_scenario(data))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def dask_dataset(folder: Path, total: int, per_file: int, people_per_file: int, seed: int) -> None:
    import pyarrow.parquet as pq
    folder.mkdir()
    for k in range(total // per_file):
        t = synthetic(per_file, people_per_file, seed + k)
        # Person ids unique to each file except every 50th, which appears in every file with no status and resident
        # insurance (one person has one of each across the dataset), so the shuffle really brings persons together.
        import pyarrow as pa
        ids = t.column("person_id").combine_chunks()
        shared = np.arange(len(ids.dictionary)) % 50 == 0
        renamed = [p if share else f"F{k}-{p}" for p, share in zip(ids.dictionary.to_pylist(), shared)]
        t = t.set_column(0, "person_id", pa.DictionaryArray.from_arrays(ids.indices, pa.array(renamed)))
        is_shared = shared[ids.indices.to_numpy()]
        statuses = t.column("statuses").combine_chunks()
        none = pa.array(np.where(is_shared, 0, statuses.indices.to_numpy()).astype(np.int8))
        t = t.set_column(1, "statuses", pa.DictionaryArray.from_arrays(none, statuses.dictionary))
        insurance = t.column("insurance").to_numpy()
        t = t.set_column(2, "insurance", pa.array(np.where(is_shared, "resident", insurance)))
        pq.write_table(t, folder / f"claims-{k:03d}.parquet")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dask-claims", type=int, default=10_000_000)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args(argv)
    import pyarrow.parquet as pq

    print(f"synthetic: {args.claims:,} claims for {args.people:,} people, seed {args.seed}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    table = synthetic(args.claims, args.people, args.seed)
    # The medrules modules compiled once, as an installed package has them (PYTHONDONTWRITEBYTECODE=1 here would
    # otherwise make every process compile them again: ~0.08 s of start-up that a deployment does not pay).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "medrules")], check=True)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src = d / "claims.parquet"
        pq.write_table(table, src)
        start = time.perf_counter()
        t = claims_from_arrow(table)
        print(f"read + validate (in memory)                {time.perf_counter() - start:6.2f} s", flush=True)
        for policy in batch_policies():
            inputs = INPUTS.get(policy, {})
            s = evaluate_table(t, policy, inputs)
            ev = best_of(lambda: evaluate_table(t, policy, inputs))
            (d / "inputs.json").write_text(json.dumps(inputs))
            ev1 = best_of(lambda: evaluate_table(t, policy, inputs, threads=1))
            wall, cpu, rss, rc, out, steps = own_process(["batch", "--policy", policy, str(src), "--out",
                                                          str(d / "result.parquet"), "--inputs",
                                                          str(d / "inputs.json"), "--timings"])
            print(f"{policy:<32} evaluation {ev:5.2f} s ({len(t) / ev / 1e6:4.2f} M claims/s; {THREADS} threads; "
                  f"one thread {ev1:5.2f} s); whole batch process "
                  f"(Parquet in/out) {wall:5.2f} s, cpu {cpu:5.2f} s, peak {rss:,.0f} MiB "
                  f"= {rss / (len(t) / 1e6):,.0f} MiB per million claims; complete {s.complete.mean():.1%}; "
                  f"exit {rc}\n{'':<32} where the whole process goes: {steps.removeprefix('计时 timings (s): ')}",
                  flush=True)
        floor = floor_process(src, d / "result.parquet", d / "floor.parquet")
        print(f"{'':<32} the same read and write without medrules (interpreter, numpy, pyarrow and the pandas it "
              f"imports, read the claims, write a result of this shape): {floor:5.2f} s", flush=True)
        for policy in batch_policies():
            print(f"one person's scenario, {policy:<32} median {scenario_median(policy):6.2f} ms in-process",
                  flush=True)

        if not args.no_dask and args.dask_claims:
            folder = d / "dataset"
            per_file = min(1_000_000, args.dask_claims)
            dask_dataset(folder, args.dask_claims, per_file, per_file // 5, args.seed)
            policy = "wenzhou-2021-78"
            (d / "inputs.json").write_text(json.dumps(INPUTS[policy]))
            # A local cluster of two worker processes on this machine; the client is the batch process measured.
            script = ("from distributed import LocalCluster\nimport sys, time\n"
                      "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,"
                      " memory_limit='10GiB')\nprint(c.scheduler_address, flush=True)\nsys.stdin.read()\n")
            cluster = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
            try:
                address = cluster.stdout.readline().strip()
                wall, cpu, rss, rc, out, _ = own_process(["batch", "--policy", policy, str(folder), "--engine",
                                                          "dask", "--scheduler", address, "--out",
                                                          str(d / "ds.parquet"), "--inputs", str(d / "inputs.json")])
            finally:
                cluster.stdin.close()
                cluster.wait(timeout=60)
            if rc:
                raise SystemExit(f"dask batch failed (exit {rc})")
            rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (d / "ds.parquet").iterdir())
            print(f"dask, {args.dask_claims:,} claims in {args.dask_claims // per_file} files, 2 local worker "
                  f"processes: wall {wall:6.2f} s; the client's peak memory {rss:,.0f} MiB (cpu {cpu:.2f} s); "
                  f"{rows:,} result rows written by the workers; exit {rc}", flush=True)
    print(f"this process's peak memory {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
