"""python -m medrules indicators: Zhejiang 2022's targets from a batch result or a per-person table."""
from __future__ import annotations

import sys

from ..analysis.indicators import POLICY_ID, compute, load_selection, report
from ..rules import zhejiang_2022_illness_poverty as zj
from .parsing import command, helptext


def add_parser(sub) -> None:
    p = command(sub, "indicators", "cli.indicators")
    p.add_argument("input", help=helptext("cli.indicators.input"))
    p.add_argument("--target", required=True, help=helptext("cli.indicators.target", allowed=", ".join(zj.TARGETS)))
    p.add_argument("--readings", help=helptext("cli.indicators.readings", policy=POLICY_ID))
    p.set_defaults(run=_run)


def _run(args) -> int:
    text = report(compute(args.input, args.target, load_selection(args.readings)))
    sys.stdout.write(text + "\n")
    return 0
