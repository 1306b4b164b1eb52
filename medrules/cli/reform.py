"""python -m medrules reform: a policy and a variant with changed parameters on one claims table."""
from __future__ import annotations

from ..analysis.reform import run_reform


def add_parser(sub) -> None:
    p = sub.add_parser("reform", help="run a policy and a variant with changed parameters on one claims table; "
                                      "write per-claim and per-person-year differences")
    p.add_argument("--policy", required=True, help="policy ID")
    p.add_argument("claims", help="claims table (.csv or .parquet)")
    p.add_argument("--change", required=True, help="CHANGES.yaml: parameters (name: [{from, to, value}]), readings")
    p.add_argument("--out", required=True, help="DIFF.parquet (per claim); DIFF.people.parquet is written beside it")
    p.add_argument("--inputs", help="INPUTS.json: values the text leaves to the user (both runs)")
    p.add_argument("--readings", help="READINGS.json: reading id → option (both runs; CHANGES.yaml may override)")
    p.add_argument("--chart", help="CHART.png: the change in each fund's cost by group")
    p.add_argument("--allow-below-floor", action="store_true",
                   help="allow a value below the text's floor (or above its ceiling); the summary says so")
    p.add_argument("--timings", action="store_true", help="print the time of each step")
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
