"""python -m medrules batch | explain: a claims table through a policy's rules, and one row's trace."""
from __future__ import annotations

import json
import sys

from ..tables.batch import explain_row, format_steps, run_batch
from ..tables.settle import batch_policies
from .parsing import command, helptext


def add_parser(sub) -> None:
    p = command(sub, "batch", "cli.batch")
    p.add_argument("claims", help=helptext("cli.batch.claims"))
    p.add_argument("--policy", required=True, help=helptext("cli.batch.policy", allowed=", ".join(batch_policies())))
    p.add_argument("--out", required=True, help=helptext("cli.batch.out"))
    p.add_argument("--engine", default="pandas", help=helptext("cli.batch.engine"))
    p.add_argument("--inputs", help=helptext("cli.batch.inputs"))
    p.add_argument("--readings", help=helptext("cli.batch.readings"))
    p.add_argument("--layout", default="ours", help=helptext("cli.batch.layout"))
    p.add_argument("--codes", help=helptext("cli.batch.codes"))
    p.add_argument("--scheduler", help=helptext("cli.batch.scheduler"))
    p.add_argument("--people", help=helptext("cli.batch.people"))
    p.add_argument("--strict", action="store_true", help=helptext("cli.batch.strict"))
    p.add_argument("--timings", action="store_true", help=helptext("cli.batch.timings"))
    p.set_defaults(run=_run_cli)
    e = command(sub, "explain", "cli.explain")
    e.add_argument("result", help=helptext("cli.explain.result"))
    e.add_argument("--row", type=int, required=True, help=helptext("cli.explain.row"))
    e.add_argument("--json", action="store_true", help=helptext("cli.explain.json"))
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
        from ..analysis.audit.report import explain_lines   # an audit's result: what it found on this row
        for line in explain_lines(args.result, args.row):
            print(line)
    return 0
