"""python -m medrules readings POLICY: a policy's readings (competing meanings of a clause) and their defaults."""
from __future__ import annotations

import sys

from ..core.readings import describe


def add_parser(sub) -> None:
    p = sub.add_parser("readings", help="list a policy's readings (competing meanings of a clause) and defaults")
    p.add_argument("policy", help="policy ID")
    p.set_defaults(run=_run)


def _run(args) -> int:
    text = describe(args.policy)
    sys.stdout.write(text + "\n")
    return 0
