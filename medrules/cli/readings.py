"""python -m medrules readings POLICY: a policy's readings (competing meanings of a clause) and their defaults."""
from __future__ import annotations

import sys

from ..core.readings import describe
from .parsing import command, helptext


def add_parser(sub) -> None:
    p = command(sub, "readings", "cli.readings")
    p.add_argument("policy", help=helptext("cli.policy_id"))
    p.set_defaults(run=_run)


def _run(args) -> int:
    text = describe(args.policy)
    sys.stdout.write(text + "\n")
    return 0
