"""Command line: python -m medrules evaluate SCENARIO.json  (use - for standard input).

Run through `python -m medrules` (medrules/__main__.py), Ctrl-C, SIGTERM, a closed pipe and a full disk end with one
line on stderr (medrules/cli/stops.py); every error message is one line with control characters escaped."""
from __future__ import annotations

import argparse
import codecs
import errno
import gc
import importlib
import io
import os
import re
import shutil
import sys
import tempfile

from ..core.result import evaluate
from ..core.result_json import write_result
from ..core.messages import error_line, text
from ..core.oneline import one_line
from ..core.policy import PolicyError
from ..core.scenario import InputError, load_scenario_json, read_scenario_text
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
# the review ledger, a policy's readings, Zhejiang 2022 targets, check-scheme, reforms, every policy side by side.
COMMANDS = ("batch", "review", "readings", "indicators", "scheme", "reform", "compare")


# argparse's sentences (Python 3.11), each with its catalogue key, so the Chinese half says the same thing.
_USAGE_PATTERNS = (
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "error.usage_required"),
    (re.compile(r"argument (?P<argument>\S+): invalid choice: (?P<got>.+) \(choose from (?P<allowed>.+)\)"),
     "error.usage_choice"),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "error.usage_unrecognized"),
    (re.compile(r"argument (?P<argument>\S+): expected one argument"), "error.usage_one_value"),
    (re.compile(r"argument (?P<argument>\S+): invalid (?P<kind>\S+) value: (?P<got>.+)"), "error.usage_invalid_value"),
)


def _usage_zh(message: str) -> str:
    for pattern, key in _USAGE_PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return text(key, "zh", **match.groupdict())
    return text("error.usage_unmatched", "zh")


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors on one line too (argparse prints the usage above them); subcommands inherit the class."""

    def error(self, message):
        zh = text("error.usage", "zh", prog=self.prog, problem=_usage_zh(message))
        en = text("error.usage", "en", prog=self.prog, problem=message)
        self.exit(2, one_line(f"{zh} | {en}") + "\n")


def main(argv=None) -> int:
    parser = _OneLineParser(prog="python -m medrules", description="Executable medical-security rules.")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate a scenario JSON file and print the result as JSON")
    ev.add_argument("scenario", help="path to the scenario JSON, or - for standard input")
    ev.add_argument("--trace", choices=("full", "none"), default="full",
                    help="full (default): every step with its clause; none: amounts only (a long scenario)")
    ev.set_defaults(run=_evaluate)
    for command in COMMANDS:   # each command group's module adds its subcommands
        importlib.import_module(f".{command}", __package__).add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InputError, PolicyError) as e:
        print(error_line(e), file=sys.stderr)
        return 2
