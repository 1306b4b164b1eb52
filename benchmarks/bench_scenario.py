"""One long scenario through `python -m medrules evaluate`, as a whole process (a script that prints numbers, not a
timed test). Issue 26 asks 100,000 claims with the full trace in at most 10 s and 1 GiB here, `--trace none` in at
most 2 s.

    .venv/bin/python benchmarks/bench_scenario.py [--claims 100000] [--runs 3] [--seed 1]

The scenario: one 低保 person under Wenzhou's policy with --claims claims over 2023-2025 (seeded; costs from
1 to 50,000 yuan, basic insurance half, a supplementary slip of 0, 30% inpatient), written to a temporary file.
Each figure is min / median / max over --runs runs (at least 3) of the whole process — start-up, reading and
checking the JSON, the run, the JSON written to a temporary file and copied to stdout (here a file) — with its peak
memory (the process's own high-water mark) and the size of what it printed; the load average beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# The command line in a child process that reports its own peak memory (VmHWM) on its last stderr line.
MEASURE = ("import sys\nfrom medrules.cli.main import main\nrc = main(sys.argv[1:])\n"
           "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1], file=sys.stderr)\n"
           "sys.exit(rc)")


def scenario(claims: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 3 * 365, claims)
    cost = rng.integers(100, 5_000_000, claims)
    # every claim distinct (the scenario refuses a duplicate): the cost's last digits carry the claim's number
    cost = cost - cost % claims + np.arange(claims) if claims > 1 else cost
    inpatient = rng.random(claims) < 0.3
    dates = (np.datetime64("2023-01-01") + days.astype("timedelta64[D]")).astype(str)
    return {"policy": "wenzhou-2021-78", "person": {"statuses": ["dibao"], "insurance": "resident"},
            "claims": [{"date": d, "setting": "inpatient" if i else "outpatient", "facility": "tertiary",
                        "policy_range_cost": f"{c // 100}.{c % 100:02d}", "basic_insurance_paid": f"{c // 200}",
                        "supplementary_insurance_paid": "0"}
                       for d, i, c in zip(dates.tolist(), inpatient.tolist(), cost.tolist())],
            "inputs": {"critical_illness_base_deductible": 30000}}


def run(path: Path, trace: str, out: Path) -> tuple[float, float, float, int]:
    """(wall s, cpu s, peak MiB, bytes printed) of one evaluate process."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(out, "wb") as stdout:
        done = subprocess.run([sys.executable, "-c", MEASURE, "evaluate", str(path), "--trace", trace], cwd=REPO,
                              stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode:
        raise SystemExit(f"evaluate failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, cpu, int(done.stderr.split()[-1]) / 1024, out.stat().st_size


def spread(values, unit: str, digits: int = 2) -> str:
    v = sorted(values)
    return f"{v[0]:.{digits}f} / {statistics.median(v):.{digits}f} / {v[-1]:.{digits}f} {unit}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    runs = max(3, args.runs)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "medrules")], check=True)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        path = d / "scenario.json"
        path.write_text(json.dumps(scenario(args.claims, args.seed)), encoding="utf-8")
        print(f"one person, {args.claims:,} claims ({path.stat().st_size / 1e6:.1f} MB of JSON); {os.cpu_count()} "
              f"cores; min / median / max of {runs} runs, interleaved", flush=True)
        figures = {"none": [], "full": []}
        loads = []
        for _ in range(runs):
            loads.append(os.getloadavg()[0])
            for trace in figures:
                figures[trace].append(run(path, trace, d / f"{trace}.json"))
        loads.append(os.getloadavg()[0])
        for trace, results in figures.items():
            walls, cpus, peaks, sizes = zip(*results)
            print(f"  evaluate --trace {trace:<5} {spread(walls, 's')} (cpu {spread(cpus, 's')}), peak memory "
                  f"{spread(peaks, 'MiB', 0)}, "
                  f"{sizes[0] / 1e6:,.1f} MB printed", flush=True)
        print(f"load average {min(loads):.2f}–{max(loads):.2f} while they ran")


if __name__ == "__main__":
    main()
