"""python -m medrules compare: the same person and claims under every claim policy, side by side."""
from __future__ import annotations

import json
import sys

from ..analysis.compare import compare, load_comparison, render_text, to_json
from .stops import output_failed


def _run(args) -> int:
    person, claims, inputs, readings, policies = load_comparison(args.scenario)
    columns = compare(person, claims, inputs, policies, readings)  # everything is computed before anything is written
    out = (json.dumps(to_json(columns), ensure_ascii=False, indent=2) + "\n") if args.json else render_text(columns)
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except OSError as e:
        return output_failed(e)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="the same person and claims under every claim policy, side by side "
                                       "(Chinese first); the scenario's policy is optional")
    p.add_argument("scenario", help="scenario JSON (policy optional), or - for standard input")
    p.add_argument("--json", action="store_true", help="print the columns as JSON instead of a table")
    p.set_defaults(run=_run)
