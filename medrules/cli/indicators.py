"""python -m medrules indicators: Zhejiang 2022's targets from a batch result or a per-person table."""
from __future__ import annotations

import sys

from ..analysis.indicators import POLICY_ID, compute, load_selection, report
from ..rules import zhejiang_2022_illness_poverty as zj


def add_parser(sub) -> None:
    p = sub.add_parser("indicators", help="Zhejiang 2022 indicators and targets from a batch result or a per-person "
                       "table")
    p.add_argument("input", help="batch result .parquet, or per-person table .csv/.parquet")
    p.add_argument("--target", required=True, help="allowed: " + ", ".join(zj.TARGETS))
    p.add_argument("--readings", help=f"YAML mapping of reading id to option (see: python -m medrules readings "
                   f"{POLICY_ID})")
    p.set_defaults(run=_run)


def _run(args) -> int:
    text = report(compute(args.input, args.target, load_selection(args.readings)))
    sys.stdout.write(text + "\n")
    return 0
