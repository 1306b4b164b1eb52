"""Command line: python -m medrules evaluate SCENARIO.json  (use - for standard input)."""
from __future__ import annotations

import argparse
import json
import sys

from .engine import evaluate
from .policy import PolicyError
from .scenario import InputError, load_scenario_json


def _evaluate(args) -> int:
    try:
        text = sys.stdin.read() if args.scenario == "-" else open(args.scenario, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("scenario", f"cannot read {args.scenario}: {e}") from None
    result = evaluate(load_scenario_json(text))
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medrules", description="Executable medical-security rules.")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate a scenario JSON file and print the result as JSON")
    ev.add_argument("scenario", help="path to the scenario JSON, or - for standard input")
    ev.set_defaults(run=_evaluate)
    from .batch import add_parser as add_batch_parser  # `batch` and `explain`: claims tables (medrules/batch.py)
    add_batch_parser(sub)
    from .review import add_parser as add_review_parser  # `review`: the clause review ledger (medrules/review.py)
    add_review_parser(sub)
    from .readings import add_parser as add_readings_parser  # `readings`: a policy's readings (medrules/readings.py)
    add_readings_parser(sub)
    from .indicators import add_parser as add_indicators_parser  # `indicators`: Zhejiang 2022 targets (indicators.py)
    add_indicators_parser(sub)
    from .scheme import add_parser as add_scheme_parser  # `check-scheme`: a local scheme vs Zhejiang 2019 (scheme.py)
    add_scheme_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InputError, PolicyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
