"""python -m medrules reform: a policy and a variant with changed parameters on one claims table."""
from __future__ import annotations

from ..analysis.reform import run_reform
from .parsing import command, helptext


def add_parser(sub) -> None:
    p = command(sub, "reform", "cli.reform")
    p.add_argument("--policy", required=True, help=helptext("cli.policy_id"))
    p.add_argument("claims", help=helptext("cli.reform.claims"))
    p.add_argument("--change", required=True, help=helptext("cli.reform.change"))
    p.add_argument("--out", required=True, help=helptext("cli.reform.out"))
    p.add_argument("--inputs", help=helptext("cli.reform.inputs"))
    p.add_argument("--readings", help=helptext("cli.reform.readings"))
    p.add_argument("--chart", help=helptext("cli.reform.chart"))
    p.add_argument("--allow-below-floor", action="store_true", help=helptext("cli.reform.allow_below_floor"))
    p.add_argument("--timings", action="store_true", help=helptext("cli.reform.timings"))
    p.set_defaults(run=_run)


def _run(args) -> int:
    from ..tables.memory import keep_freed_memory
    keep_freed_memory()   # two runs over the table: the same reuse of freed memory as batch
    draw = None
    if args.chart:
        from ..publish.charts import save_reform_chart   # matplotlib only when a chart is asked for
        draw = save_reform_chart
    run_reform(args.policy, args.claims, args.change, args.out, args.inputs, args.readings, args.chart,
               args.allow_below_floor, args.timings, draw_chart=draw)
    return 0
