"""python -m medrules batch | explain: a claims table through a policy's rules, and one row's trace."""
from __future__ import annotations

import json
import sys

from ..tables.batch import explain_row, format_steps, run_batch
from ..tables.settle import batch_policies


def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="evaluate a claims table (CSV or Parquet) and write per-claim results as Parquet")
    p.add_argument("claims", help="claims table: .csv or .parquet, one row per claim; with --engine dask also a "
                                  "folder of .parquet files")
    p.add_argument("--policy", required=True, help="policy ID; allowed: " + ", ".join(batch_policies()))
    p.add_argument("--out", required=True, help="result .parquet (written to a temporary file, then renamed)")
    p.add_argument("--engine", default="pandas", help="pandas (default) or dask")
    p.add_argument("--inputs", help="JSON object of the policy's inputs (as a scenario's \"inputs\")")
    p.add_argument("--readings", help="JSON object of reading id → option (as a scenario's \"readings\")")
    p.add_argument("--layout", default="ours", help="ours (default) or nhsa: the settlement record's field names")
    p.add_argument("--codes", help="with --layout nhsa: the region's code mapping (see examples/nhsa-codes.yaml)")
    p.add_argument("--scheduler", help="dask only: a distributed scheduler address (tcp://host:8786)")
    p.add_argument("--people", help="the persons' identity records (status, from, to; with --layout nhsa: psn_no, "
                                    "psn_idet_type, begntime, endtime), .csv or .parquet")
    p.add_argument("--strict", action="store_true",
                   help="refuse the whole table (exit 2) if a claim's record contradicts itself, instead of leaving "
                        "that claim unsettled and counting it")
    p.add_argument("--timings", action="store_true", help="print the wall and CPU time of each step to stderr")
    p.set_defaults(run=_run_cli)
    e = sub.add_parser("explain", help="the trace of one row of a batch result, step by step with its clauses")
    e.add_argument("result", help="a result .parquet written by batch")
    e.add_argument("--row", type=int, required=True, help="row number (1 = first data row, as the result's `row`)")
    e.add_argument("--json", action="store_true", help="print the steps as JSON (as a scenario's trace)")
    e.set_defaults(run=_explain_cli)


def _run_cli(args) -> int:
    from ..tables.memory import keep_freed_memory
    keep_freed_memory()
    run_batch(args.policy, args.claims, args.out, engine=args.engine, inputs_path=args.inputs,
              scheduler=args.scheduler, readings_path=args.readings, layout=args.layout, codes_path=args.codes,
              timings=args.timings, people_path=args.people, strict=args.strict)
    return 0


def _explain_cli(args) -> int:
    steps = explain_row(args.result, args.row)
    if args.json:
        json.dump([s.to_dict() for s in steps], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_steps(steps))
    return 0
