"""A reform's cost against one batch run, on the batch benchmark's synthetic population (a script that prints
numbers, not a timed test).

    .venv/bin/python benchmarks/bench_reform.py [--claims 1000000] [--people 200000] [--seed 7] [--repeat 2]

Issue 17 asks a reform (baseline + variant on the same table, differences written) to cost no more than 2.2× one
batch run. Both are measured as whole `python -m medrules` processes, Parquet in and out, on the same file
(benchmarks/bench_batch.py `synthetic`): `batch` (read, settle, write) and `reform` with
examples/reform-wenzhou-limit.yaml (read once, settle twice, per-claim and per-person-year differences, summary,
write both files). The best of --repeat runs of each; the ratio reform / batch is printed, and the reform's own
step timings (--timings) beside it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_batch import INPUTS, synthetic  # noqa: E402

POLICY = "wenzhou-2021-78"
TARGET = 2.2


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "medrules", *args], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    import pyarrow.parquet as pq
    print(f"synthetic: {args.claims:,} claims for {args.people:,} people, seed {args.seed}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src = d / "claims.parquet"
        pq.write_table(synthetic(args.claims, args.people, args.seed), src)
        inputs = d / "inputs.json"
        inputs.write_text(json.dumps(INPUTS[POLICY]))
        batch = min(timed(["batch", "--policy", POLICY, str(src), "--out", str(d / "result.parquet"),
                           "--inputs", str(inputs)])[0] for _ in range(args.repeat))
        runs = [timed(["reform", "--policy", POLICY, str(src), "--change",
                       str(REPO / "examples" / "reform-wenzhou-limit.yaml"), "--out", str(d / "diff.parquet"),
                       "--inputs", str(inputs), "--timings"]) for _ in range(args.repeat)]
        reform, out = min(runs, key=lambda r: r[0])
        steps = [line for line in out.splitlines() if line.startswith("计时 timings")]
        print(f"batch  (one run, whole process)             {batch:6.2f} s", flush=True)
        print(f"reform (baseline + variant, whole process)  {reform:6.2f} s   {steps[0] if steps else ''}")
        ratio = reform / batch
        print(f"reform / batch = {ratio:.2f}× (target ≤ {TARGET}×): {'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
