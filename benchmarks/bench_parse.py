"""How long reading and validating a long scenario takes, before the engine runs. Prints figures; asserts nothing
(tests/test_hardening.py bounds the CPU time). Issue 16 asks for 100,000 claims evaluated in under 5 s in all.

    .venv/bin/python benchmarks/bench_parse.py [--claims 100000] [--repeat 3]

Figures: parse_scenario on the dict (pydantic, strict flags/dates/amounts, the duplicate-claim check, ratio
inputs) and load_scenario_json on the same scenario as JSON text (adds json.loads with Decimal numbers, the
duplicate-key check and the number-length check). Wall and CPU time; the best of --repeat runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from medrules.core.scenario import load_scenario_json, parse_scenario  # noqa: E402


def scenario(n: int) -> dict:
    start = dt.date(2023, 1, 1)
    claims = [{"date": (start + dt.timedelta(days=i % 365)).isoformat(),
               "setting": "inpatient" if i % 3 else "outpatient", "facility": "tertiary",
               "policy_range_cost": f"{1000 + i}.{i % 100:02d}", "basic_insurance_paid": "500", "referred": True,
               "followed_treatment_guidance": bool(i % 2), "in_city_designated_hospital": True} for i in range(n)]
    return {"policy": "wenzhou-2021-78", "person": {"category": "dibao", "insurance": "resident"},
            "claims": claims, "inputs": {"critical_illness_base_deductible": "30000", "critical_illness_ratio": "0.85"}}


def best(fn, arg, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn(arg)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = scenario(args.claims)
    text = json.dumps(data)
    print(f"{args.claims:,} claims, {len(text) / 2**20:.1f} MiB of JSON")
    for name, fn, arg in (("parse_scenario(dict)", parse_scenario, data),
                          ("load_scenario_json(text)", load_scenario_json, text)):
        wall, cpu = best(fn, arg, args.repeat)
        print(f"  {name:<26} {wall:6.3f} s wall  {cpu:6.3f} s CPU")


if __name__ == "__main__":
    main()
