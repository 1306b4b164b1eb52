"""Figures for the one engine on a synthetic population (a script that prints numbers, not a timed test).

    .venv/bin/python benchmarks/bench_batch.py [--claims 1000000] [--people 200000] [--seed 7] [--runs 3]
                                               [--small-claims 250000] [--dask-claims 10000000] [--dask-runs 1]
                                               [--no-dask] [--openfisca /work/tools/openfisca-venv/bin/python]

Synthetic claims (seeded RNG), in the shape of a bureau's settlement records: a status mix like a city's insured
(mostly no status, a few percent each of the hardship groups, some holding two), heavy-tailed costs, basic
insurance 40-75% of the cost, a critical-illness slip wherever a policy needs one, the supplementary-insurance
slip (mostly 0), 先行自付 on every claim, dates in 2024-2025 (where every claim policy is in force).

Every figure is min / median / max over --runs runs (at least 3), measured in one session and interleaved run by
run — each claim policy's whole `batch` process, the floor and OpenFisca one after the other — so that the ratios
compare processes that met the same load; the load average is printed beside each group of figures:
- the floor: a Python process with no medrules that imports numpy, pyarrow and pandas, reads the claims and
  writes a result of the same shape in the same encodings (what any such process pays);
- OpenFisca 46 computing the three layers' annual totals on the same table (benchmarks/openfisca_model.py), when
  the separate environment that has it exists (--openfisca; it says so when it is absent);
- for each claim policy: the whole `python -m medrules batch` process (Parquet in and out) with its CPU time, peak
  memory and its own `--timings` line (the median run's), its ratio to the floor and to OpenFisca (median to
  median, and the range of the runs' paired ratios); the evaluation alone in-process on its chunks' threads and
  on one thread; peak memory split into a fixed part and a part per million claims, from the same process on
  --small-claims and on --claims claims (a straight line through the two medians);
then one person's scenario in-process, and Dask on a Parquet dataset of --dask-claims claims (a folder of
1,000,000-claim files) on two local worker processes, with the client's own peak memory.
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


# What any such process pays before a check or a rule, without medrules: the interpreter, numpy, pyarrow and pandas,
# reading the claims, writing a result of the same shape in the encodings medrules uses (tables/output.py).
# The process's own peak (VmHWM of its memory map; ru_maxrss would start from the forking benchmark's size).
HIGH_WATER = ("import sys\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1],"
              " file=sys.stderr)\n")
FLOOR = ("import sys\nimport numpy as np, pyarrow as pa, pyarrow.parquet as pq, pandas\n"
         "pq.ParquetFile(sys.argv[1]).read()\nr = pq.ParquetFile(sys.argv[2]).read()\n"
         "text = [f.name for f in r.schema if pa.types.is_dictionary(f.type)]\n"
         "dates = [f.name for f in r.schema if pa.types.is_date(f.type)]\n"
         "delta = {f.name: 'DELTA_BINARY_PACKED' for f in r.schema if pa.types.is_decimal(f.type) or f.name == 'row'}\n"
         "pq.write_table(r, sys.argv[3], store_decimal_as_integer=True, use_dictionary=text + dates,\n"
         "               column_encoding=delta, write_statistics=[n for n in r.column_names if n not in text])\n"
         + HIGH_WATER)


def timed(command: list[str]) -> tuple[float, str, str]:
    """(wall s, stdout, stderr) of a process, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{command[:3]} failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout, done.stderr


def floor_process(claims: Path, result: Path, out: Path) -> tuple[float, float]:
    """(wall s, peak MiB) of the FLOOR process."""
    wall, _, err = timed([sys.executable, "-c", FLOOR, str(claims), str(result), str(out)])
    return wall, int(err.split()[-1]) / 1024


def openfisca_process(python: str, claims: Path) -> tuple[float, float]:
    """(wall s, peak MiB) of OpenFisca computing the annual totals in its own environment."""
    script = ("import runpy, sys\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')\n"
              + HIGH_WATER)
    wall, _, err = timed([python, "-c", script, str(REPO / "benchmarks" / "openfisca_model.py"), str(claims)])
    return wall, int(err.split()[-1]) / 1024


def spread(values, unit: str = "s", digits: int = 2) -> str:
    """min / median / max of the runs."""
    v = sorted(values)
    return f"{v[0]:.{digits}f} / {statistics.median(v):.{digits}f} / {v[-1]:.{digits}f} {unit}"


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def runs_of(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


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
    ap.add_argument("--runs", type=int, default=3, help="runs of each whole process (at least 3)")
    ap.add_argument("--small-claims", type=int, default=250_000, help="the second size, for memory per claim")
    ap.add_argument("--dask-claims", type=int, default=10_000_000)
    ap.add_argument("--dask-runs", type=int, default=1)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--openfisca", default="/work/tools/openfisca-venv/bin/python",
                    help="a Python that has openfisca-core 46 (a separate environment, never the project's)")
    args = ap.parse_args(argv)
    runs = max(3, args.runs)
    import pyarrow.parquet as pq

    print(f"synthetic: {args.claims:,} claims for {args.people:,} people, seed {args.seed}; {os.cpu_count()} cores, "
          f"{load()} at start; {runs} runs of each process, interleaved", flush=True)
    table = synthetic(args.claims, args.people, args.seed)
    small = synthetic(args.small_claims, max(1, args.people * args.small_claims // args.claims), args.seed)
    # The medrules modules compiled once, as an installed package has them (PYTHONDONTWRITEBYTECODE=1 here would
    # otherwise make every process compile them again: ~0.08 s of start-up that a deployment does not pay).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "medrules")], check=True)
    openfisca = args.openfisca if Path(args.openfisca).exists() and subprocess.run(
        [args.openfisca, "-c", "import openfisca_core, pyarrow"], capture_output=True).returncode == 0 else None
    if openfisca is None:
        print(f"OpenFisca: no environment with openfisca-core 46 at {args.openfisca} — its comparison is left out "
              "(see benchmarks/openfisca_model.py for the two commands that make one)", flush=True)
    policies = batch_policies()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src, src_small = d / "claims.parquet", d / "claims-small.parquet"
        pq.write_table(table, src)
        pq.write_table(small, src_small)
        times = runs_of(lambda: claims_from_arrow(table), runs)
        t = claims_from_arrow(table)
        print(f"read + validate in memory, {len(t):,} claims: {spread(times)}", flush=True)
        for policy in policies:
            (d / f"{policy}.json").write_text(json.dumps(INPUTS.get(policy, {})))

        def batch_args(policy, claims, out):
            return ["batch", "--policy", policy, str(claims), "--out", str(out), "--inputs", str(d / f"{policy}.json"),
                    "--timings"]
        for policy in policies:   # a result of each policy's shape for the floor to write; warms the file cache
            own_process(batch_args(policy, src, d / f"{policy}.parquet"))
        figures = {p: {"wall": [], "cpu": [], "rss": [], "timings": [], "small_rss": []} for p in policies}
        floor, floor_rss, of, of_rss, loads = [], [], [], [], []
        for run in range(runs):
            loads.append(os.getloadavg()[0])
            wall, rss = floor_process(src, d / f"{policies[-1]}.parquet", d / "floor.parquet")
            floor.append(wall)
            floor_rss.append(rss)
            if openfisca:
                wall, rss = openfisca_process(openfisca, src)
                of.append(wall)
                of_rss.append(rss)
            for policy in policies:
                wall, cpu, rss, rc, out, steps = own_process(batch_args(policy, src, d / "result.parquet"))
                f = figures[policy]
                f["wall"].append(wall)
                f["cpu"].append(cpu)
                f["rss"].append(rss)
                f["timings"].append(steps.removeprefix("计时 timings (s): "))
                f["small_rss"].append(own_process(batch_args(policy, src_small, d / "small.parquet"))[2])
        loads.append(os.getloadavg()[0])
        print(f"\nwhole processes on {args.claims:,} claims, min / median / max of {runs} runs "
              f"(load average {min(loads):.2f}–{max(loads):.2f} while they ran):", flush=True)
        print(f"  floor (numpy, pyarrow, pandas; read the claims; write a result of the same shape): {spread(floor)}, "
              f"peak {spread(floor_rss, 'MiB', 0)}")
        if openfisca:
            print(f"  OpenFisca 46, the three layers' annual totals (benchmarks/openfisca_model.py): {spread(of)}, "
                  f"peak {spread(of_rss, 'MiB', 0)}")
        scale = args.claims / 1e6
        for policy in policies:
            f = figures[policy]
            median = statistics.median(f["wall"])
            per_million = (statistics.median(f["rss"]) - statistics.median(f["small_rss"])) / \
                ((args.claims - args.small_claims) / 1e6)
            fixed = statistics.median(f["rss"]) - per_million * scale
            line = (f"  {policy}: {spread(f['wall'])} (cpu {spread(f['cpu'])}); "
                    f"{median / statistics.median(floor):.2f}× the floor (runs "
                    f"{spread([w / fl for w, fl in zip(f['wall'], floor)], '×')})")
            if openfisca:
                line += (f", {median / statistics.median(of):.2f}× OpenFisca (runs "
                         f"{spread([w / o for w, o in zip(f['wall'], of)], '×')})")
            print(line)
            print(f"      peak memory {spread(f['rss'], 'MiB', 0)} on {args.claims:,} claims, "
                  f"{spread(f['small_rss'], 'MiB', 0)} on {args.small_claims:,}: {fixed:,.0f} MiB fixed + "
                  f"{per_million:,.0f} MiB per million claims")
            median_run = sorted(range(runs), key=lambda k: f["wall"][k])[runs // 2]
            print(f"      where the median run's time goes: {f['timings'][median_run]}", flush=True)
        print(f"\nevaluation alone, in-process (medrules.tables.settle.evaluate_table), {load()}:")
        for policy in policies:
            inputs = INPUTS.get(policy, {})
            s = evaluate_table(t, policy, inputs)
            threads = runs_of(lambda: evaluate_table(t, policy, inputs), runs)
            one = runs_of(lambda: evaluate_table(t, policy, inputs, threads=1), runs)
            print(f"  {policy:<32} {THREADS} threads {spread(threads)} "
                  f"({len(t) / statistics.median(threads) / 1e6:4.2f} M claims/s); one thread {spread(one)}; "
                  f"complete {s.complete.mean():.1%}", flush=True)
        for policy in policies:
            print(f"one person's scenario, {policy:<32} median {scenario_median(policy):6.2f} ms in-process",
                  flush=True)

        if not args.no_dask and args.dask_claims:
            dask_figures(args, d)
    print(f"this process's peak memory {peak_mib():,.0f} MiB; {load()} at the end")


def dask_figures(args, d: Path) -> None:
    """Dask on a folder of Parquet files: two local worker processes, the client the batch process measured."""
    import pyarrow.parquet as pq
    folder = d / "dataset"
    per_file = min(1_000_000, args.dask_claims)
    dask_dataset(folder, args.dask_claims, per_file, per_file // 5, args.seed)
    policy = "wenzhou-2021-78"
    (d / "inputs.json").write_text(json.dumps(INPUTS[policy]))
    # The cluster lives while its stdin is open: it ends when this process closes it, or dies.
    script = ("from distributed import LocalCluster\nimport sys\n"
              "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,"
              " memory_limit='10GiB')\nprint(c.scheduler_address, flush=True)\nsys.stdin.read()\nc.close()\n")
    cluster = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    walls, rsss, cpus, steps = [], [], [], []
    try:
        import selectors
        with selectors.DefaultSelector() as sel:
            sel.register(cluster.stdout, selectors.EVENT_READ)
            if not sel.select(timeout=120):
                raise SystemExit("the local Dask cluster did not start within 120 s")
        address = cluster.stdout.readline().strip()
        for _ in range(max(1, args.dask_runs)):
            wall, cpu, rss, rc, out, timing = own_process(
                ["batch", "--policy", policy, str(folder), "--engine", "dask", "--scheduler", address, "--out",
                 str(d / "ds.parquet"), "--inputs", str(d / "inputs.json"), "--timings"])
            walls.append(wall)
            cpus.append(cpu)
            rsss.append(rss)
            steps.append(timing.removeprefix("计时 timings (s): "))
    finally:
        cluster.stdin.close()
        try:
            cluster.wait(timeout=60)
        except subprocess.TimeoutExpired:
            cluster.kill()
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (d / "ds.parquet").iterdir())
    print(f"dask, {args.dask_claims:,} claims in {args.dask_claims // per_file} files, 2 local worker processes, "
          f"{len(walls)} run(s): wall {spread(walls)}; the client's peak memory {spread(rsss, 'MiB', 0)} "
          f"(cpu {spread(cpus)}); {rows:,} result rows written by the workers; {load()}\n"
          f"      where the median run's time goes: {steps[sorted(range(len(walls)), key=walls.__getitem__)[len(walls) // 2]]}",
          flush=True)


def _exit_on_signals() -> None:
    """SIGTERM and SIGHUP end the benchmark as an ordinary exit, so the cluster and temporary files are cleaned."""
    import signal

    def stop(signum, frame):
        raise SystemExit(128 + signum)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


if __name__ == "__main__":
    _exit_on_signals()
    main()
