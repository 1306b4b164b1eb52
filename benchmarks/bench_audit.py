"""The audit's cost against one batch run of the same records (a script that prints figures, not a timed test).

    .venv/bin/python benchmarks/bench_audit.py [--records 1000000] [--seed 28] [--repeat 2]

Issue 28 asks an audit of 1,000,000 records to take no more than 2× one `batch` run of the same records, with a peak
memory within 1.5× of it. Both are measured as whole `python -m medrules` processes, each in its own process with its
own peak memory (benchmarks/bench_batch.py `own_process`), on the seeded synthetic regional export
(medrules/analysis/audit/synthetic.py) in the national layout, Parquet, with its identity table and mapping:
`batch` (read, settle, write the result) and `audit` (read, settle in audit mode, summarise, one more run per other
option of each reading that touches an audited layer, write the per-record table, the summary, the reading fit and
the workbook). The best of --repeat runs of each; then the ratios, and the audit's own step timings.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_batch import own_process  # noqa: E402

from medrules.analysis.audit.synthetic import POLICY, synthetic_export, write_export  # noqa: E402

TIME_TARGET, MEMORY_TARGET = 2.0, 1.5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=28)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    print(f"synthetic regional export: {args.records:,} records, seed {args.seed}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        start = time.perf_counter()
        export = synthetic_export(args.records, args.seed)
        paths = write_export(export, d, parquet=True)
        print(f"generated in {time.perf_counter() - start:.1f} s ({len(export.planted):,} planted)", flush=True)
        common = ["--policy", POLICY, "--layout", "nhsa", "--codes", str(paths["codes"]), "--people",
                  str(paths["people"]), str(paths["settlements"]), "--inputs", str(paths["inputs"])]
        batch = min((own_process(["batch", *common, "--out", str(d / "result.parquet")])
                     for _ in range(args.repeat)), key=lambda r: r[0])
        audit = min((own_process(["audit", *common, "--out", str(d / "audit.parquet"), "--timings"])
                     for _ in range(args.repeat)), key=lambda r: r[0])
        for name, run in (("batch", batch), ("audit", audit)):
            if run[3]:
                raise SystemExit(f"{name} failed with exit status {run[3]}")
        print(f"batch (one run, whole process)   {batch[0]:6.2f} s   peak {batch[2]:7.0f} MiB")
        print(f"audit (whole process)            {audit[0]:6.2f} s   peak {audit[2]:7.0f} MiB   {audit[5]}")
        time_ratio, memory_ratio = audit[0] / batch[0], audit[2] / batch[2]
        print(f"audit / batch: time {time_ratio:.2f}× (target ≤ {TIME_TARGET}×: "
              f"{'met' if time_ratio <= TIME_TARGET else 'NOT met'}), peak memory {memory_ratio:.2f}× "
              f"(target ≤ {MEMORY_TARGET}×: {'met' if memory_ratio <= MEMORY_TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
