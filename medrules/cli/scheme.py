"""python -m medrules check-scheme: a local chronic-outpatient scheme against the Zhejiang 2019 floors."""
from __future__ import annotations

import sys

from ..analysis.scheme import Scheme, check, load_scheme, report
from .parsing import command, helptext


def add_parser(sub) -> None:
    p = command(sub, "check-scheme", "cli.check_scheme")
    p.add_argument("scheme", help=helptext("cli.check_scheme.scheme", fields=", ".join(Scheme.model_fields)))
    p.set_defaults(run=_run)


def _run(args) -> int:
    scheme = load_scheme(args.scheme)
    on, findings = check(scheme)
    sys.stdout.write(report(scheme, on, findings) + "\n")
    return 0
