"""Command line: python -m medrules evaluate SCENARIO.json  (use - for standard input).

Run through `python -m medrules` (medrules/__main__.py), Ctrl-C, SIGTERM, a closed pipe and a full disk end with one
line on stderr (medrules/cli/stops.py); every error message is one line with control characters escaped."""
from __future__ import annotations

import importlib
import sys

from ..core.result import evaluate, result_json
from ..core.messages import error_line
from ..core.policy import PolicyError
from ..core.scenario import InputError, load_scenario_json, read_scenario_text
from .parsing import Parser, command, helptext
from .stops import output_failed


def _evaluate(args) -> int:
    result = evaluate(load_scenario_json(read_scenario_text(args.scenario)))
    # The whole result is made before anything is written, so an error never leaves half a JSON on stdout.
    data = result.to_dict(trace=args.trace == "full")
    text = result_json(data)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as e:  # closed pipe, full disk
        return output_failed(e)
    return 0

# The command groups beside `evaluate`, each a module of medrules/cli/ with add_parser(sub): batch and explain,
# the review ledger, a policy's readings, Zhejiang 2022 targets, check-scheme, reforms, every policy side by side,
# the settlement audit (and its synthetic export).
COMMANDS = ("batch", "review", "readings", "indicators", "scheme", "reform", "compare", "audit")


def build_parser() -> Parser:
    """The whole command line: `evaluate` and every command group's subcommands, help from the catalogue."""
    parser = Parser(prog="python -m medrules", description=helptext("cli.description"))
    sub = parser.add_subparsers(dest="command", required=True, title=helptext("cli.section.commands"),
                                metavar="COMMAND")
    ev = command(sub, "evaluate", "cli.evaluate")
    ev.add_argument("scenario", help=helptext("cli.evaluate.scenario"))
    ev.add_argument("--trace", choices=("full", "none"), default="full", help=helptext("cli.evaluate.trace"))
    ev.set_defaults(run=_evaluate)
    for group in COMMANDS:   # each command group's module adds its subcommands
        importlib.import_module(f".{group}", __package__).add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (InputError, PolicyError) as e:
        print(error_line(e), file=sys.stderr)
        return 2
