"""python -m medrules audit | synthetic-export: settlement records against the policy's rules, and a synthetic
regional export (with its planted discrepancies) to show and test it on."""
from __future__ import annotations

from ..analysis.audit.command import run_audit
from ..tables.settle import batch_policies
from .parsing import command, helptext

LEAST_RECORDS, MOST_RECORDS = 100, 5_000_000


def add_parser(sub) -> None:
    p = command(sub, "audit", "cli.audit")
    p.add_argument("claims", help=helptext("cli.audit.claims"))
    p.add_argument("--policy", required=True, help=helptext("cli.batch.policy", allowed=", ".join(batch_policies())))
    p.add_argument("--out", required=True, help=helptext("cli.audit.out"))
    p.add_argument("--inputs", help=helptext("cli.batch.inputs"))
    p.add_argument("--readings", help=helptext("cli.batch.readings"))
    p.add_argument("--layout", default="ours", help=helptext("cli.batch.layout"))
    p.add_argument("--codes", help=helptext("cli.batch.codes"))
    p.add_argument("--people", help=helptext("cli.batch.people"))
    p.add_argument("--chart", help=helptext("cli.audit.chart"))
    p.add_argument("--timings", action="store_true", help=helptext("cli.audit.timings"))
    p.set_defaults(run=_run)
    s = command(sub, "synthetic-export", "cli.synthetic_export")
    s.add_argument("folder", help=helptext("cli.synthetic_export.folder"))
    s.add_argument("--records", default="20000", help=helptext("cli.synthetic_export.records",
                                                               least=f"{LEAST_RECORDS:,}", most=f"{MOST_RECORDS:,}"))
    s.add_argument("--seed", default="28", help=helptext("cli.synthetic_export.seed"))
    s.add_argument("--parquet", action="store_true", help=helptext("cli.synthetic_export.parquet"))
    s.set_defaults(run=_synthetic)


def _run(args) -> int:
    from ..publish.audit_files import write_workbook
    from ..tables.memory import keep_freed_memory
    keep_freed_memory()
    draw = None
    if args.chart:
        from ..publish.audit_files import save_audit_chart   # matplotlib only when a chart is asked for
        draw = save_audit_chart
    run_audit(args.policy, args.claims, args.out, args.inputs, args.readings, args.layout, args.codes, args.people,
              args.chart, args.timings, write_workbook=write_workbook, draw_chart=draw)
    return 0


def _synthetic(args) -> int:
    from ..analysis.audit.synthetic import write_new_export
    write_new_export(args.folder, _whole("records", args.records, LEAST_RECORDS, MOST_RECORDS),
                     _whole("seed", args.seed, 0, 2 ** 32 - 1), args.parquet)
    return 0


def _whole(name: str, value: str, least: int, most: int) -> int:
    from ..tables.columns import err
    if not value.isascii() or not value.isdigit() or not least <= int(value) <= most:
        raise err(name, "error.synthetic_records", got=repr(value), least=f"{least:,}", most=f"{most:,}")
    return int(value)
