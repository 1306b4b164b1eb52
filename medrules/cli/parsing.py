"""The command line's parser, Chinese first: every help text, section title and usage line comes from the catalogue
(medrules/messages.yaml, keys cli.*), through argparse customised rather than replaced.

- `Parser`: argparse.ArgumentParser whose usage errors are one line, Chinese then English (`error.usage*`), with
  its own `-h, --help` in both languages; subcommands inherit it.
- `HelpFormatter`: "用法 usage:", the section titles in both languages, and help wrapped by display width (a
  Chinese character takes two columns).
- `helptext(key, **values)`: a catalogue entry as help, "中文 · English".
"""
from __future__ import annotations

import argparse
import re
import shutil

from ..core.messages import msg, text
from ..core.oneline import one_line
from ..core.textwidth import wrap


def helptext(key: str, /, **values) -> str:
    """A catalogue entry as an argparse help or description: the Chinese, then the English (% escaped for argparse)."""
    zh, en = msg(key, **values)
    return (zh if zh == en else f"{zh} · {en}").replace("%", "%%")


# argparse's own section titles (Python 3.11), each with its catalogue key.
_SECTIONS = {"positional arguments": "cli.section.positional", "options": "cli.section.options",
             "optional arguments": "cli.section.options"}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout with Chinese first: usage prefix and section titles from the catalogue, and help wrapped by
    the columns it takes (argparse counts a Chinese character as one and would run lines twice too wide)."""

    def __init__(self, prog, indent_increment=2, max_help_position=30, width=None):
        columns = width or min(100, shutil.get_terminal_size((100, 24)).columns)
        super().__init__(prog, indent_increment, max_help_position, columns)

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, helptext("cli.usage") + ": " if prefix is None else prefix)

    def start_section(self, heading):
        key = _SECTIONS.get(heading)
        return super().start_section(helptext(key) if key else heading)

    def _split_lines(self, help_text, columns):
        return wrap(help_text, columns)

    def _fill_text(self, description, columns, indent):
        return "\n".join(line for para in description.splitlines() for line in wrap(para, columns, indent))


def _usage_zh(message: str) -> str:
    for pattern, key in _USAGE_PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return text(key, "zh", **match.groupdict())
    return text("error.usage_unmatched", "zh")


# argparse's sentences (Python 3.11), each with its catalogue key, so the Chinese half says the same thing.
_USAGE_PATTERNS = (
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "error.usage_required"),
    (re.compile(r"argument (?P<argument>\S+): invalid choice: (?P<got>.+) \(choose from (?P<allowed>.+)\)"),
     "error.usage_choice"),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "error.usage_unrecognized"),
    (re.compile(r"argument (?P<argument>\S+): expected one argument"), "error.usage_one_value"),
    (re.compile(r"argument (?P<argument>\S+): invalid (?P<kind>\S+) value: (?P<got>.+)"), "error.usage_invalid_value"),
)


class Parser(argparse.ArgumentParser):
    """Help in both languages from the catalogue, usage errors on one line (argparse would print the usage above
    them); subcommands inherit the class, the formatter and the bilingual -h."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=helptext("cli.help"))

    def error(self, message):
        zh = text("error.usage", "zh", prog=self.prog, problem=_usage_zh(message))
        en = text("error.usage", "en", prog=self.prog, problem=message)
        self.exit(2, one_line(f"{zh} | {en}") + "\n")


def command(sub, name: str, key: str, **values) -> Parser:
    """A subcommand whose one-line help (in the command list) and description (in its own --help) are the
    catalogue entry `key`."""
    return sub.add_parser(name, help=helptext(key, **values), description=helptext(key, **values))
