"""Command line: python -m medrules evaluate SCENARIO.json  (use - for standard input).

Run through `python -m medrules` (medrules/__main__.py), Ctrl-C, SIGTERM, a closed pipe and a full disk end with one
line on stderr (medrules/cli/stops.py); every error message is one line with control characters escaped."""
from __future__ import annotations

import codecs
import errno
import gc
import importlib
import io
import os
import shutil
import sys
import tempfile

from ..core.result import evaluate
from ..core.result_json import write_result
from ..core.messages import error_line
from ..core.policy import PolicyError
from ..core.scenario import InputError, load_scenario_json, read_scenario_text
from .parsing import Parser, command, helptext
from .stops import output_failed


def _evaluate(args) -> int:
    # Parsing makes no reference cycles to collect, and the parsed claims live until the end: the garbage
    # collector's passes over a long scenario's hundred thousand claims (~0.2 s each run) are skipped.
    gc.disable()
    try:
        scenario = load_scenario_json(read_scenario_text(args.scenario))
    finally:
        gc.enable()
    gc.freeze()
    result = evaluate(scenario)
    # The JSON is written step by step into an unnamed temporary file (a long trace is hundreds of MB: never held
    # in memory) and copied to stdout only once complete, so an error part-way never leaves half a JSON there.
    with tempfile.TemporaryFile() as spool:
        write = codecs.getwriter("utf-8")(spool).write
        write_result(result, write, trace=args.trace == "full")
        spool.seek(0)
        try:
            sys.stdout.flush()
            _copy_out(spool)
        except OSError as e:  # closed pipe, full disk
            return output_failed(e)
    return 0


def _copy_out(spool) -> None:
    """The spooled JSON to stdout: by sendfile from file to file (no copy through Python) where stdout is a real
    file or pipe, else through stdout's own buffer."""
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:   # a text-only stream (a program's own stdout)
        sys.stdout.write(spool.read().decode("utf-8"))
        return
    binary.flush()
    size, sent = os.fstat(spool.fileno()).st_size, 0
    try:
        out = sys.stdout.fileno()
        while sent < size:
            done = os.sendfile(out, spool.fileno(), sent, size - sent)
            if not done:
                break
            sent += done
        return
    except (AttributeError, io.UnsupportedOperation, OSError) as e:
        if not isinstance(e, (AttributeError, io.UnsupportedOperation)) and e.errno not in (errno.EINVAL,
                                                                                              errno.ENOSYS):
            raise   # a closed pipe, a full disk: the caller says so
    spool.seek(sent)
    shutil.copyfileobj(spool, binary, 1 << 20)
    binary.flush()


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
