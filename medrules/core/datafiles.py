"""JSON and YAML that a user gives, read strictly and the same way everywhere: a scenario, `compare`'s scenario,
`batch --inputs` and `--readings`, a result's metadata, CHANGES.yaml, a scheme, a readings selection, a code mapping,
the review ledger.

- a size cap, read no further (an endless file is refused, not read);
- UTF-8 only; a lone surrogate (`"\\ud800"`, valid JSON escape but not text) refused, naming where it is;
- a key given twice in one object refused (json and PyYAML keep the last one without a word);
- numbers exact (Decimal), written as plain digits (an exponent, 1e5, is kept as text for its field to refuse),
  NaN and Infinity kept as text likewise, none longer than MAX_NUMBER_CHARS;
- nesting at most MAX_DEPTH deep, YAML aliases refused (a "billion laughs" file cannot hang a reader), a YAML date
  that is no day of the calendar (2026-02-30) refused with its line.

Problems are DataProblem: a catalogue Problem with where it is (`path` inside the data, or the YAML `line`); each
caller names the file and turns it into its own error (InputError, ReviewError).
"""
from __future__ import annotations

import json
import re
import sys
from decimal import Decimal

import yaml

from .grammar import NumberText
from .messages import Problem
from .oneline import shown

MAX_NUMBER_CHARS = 64    # no amount, ratio or date needs a longer number; a 5,000-digit one is refused by its length
MAX_DEPTH = 64           # no file of ours nests deeper than a dozen levels
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class DataProblem(Problem):
    """A Problem in a data file, with where: `path` (claims[0].date; "" for the whole) and, for YAML, `line`."""
    path: str = ""
    line: int | None = None

    @classmethod
    def at(cls, key: str, path: str = "", line: int | None = None, /, **values) -> "DataProblem":
        problem = cls(key, **values)
        problem.path, problem.line = path, line
        return problem


def read_capped(source: str, cap: int) -> bytes:
    """The bytes of a file, or of standard input for "-", read up to `cap` and no further: OSError as the system
    says it, DataProblem error.data_file_too_large beyond the cap."""
    if source == "-":
        raw = sys.stdin.buffer.read(cap + 1)
    else:
        with open(source, "rb") as f:
            raw = f.read(cap + 1)
    if len(raw) > cap:
        raise DataProblem("error.data_file_too_large", path=shown(source), mib=cap // 2**20)
    return raw


# --- JSON -------------------------------------------------------------------------------------------------------------

def parse_json(text: str):
    """JSON text as Python: objects with unique keys, numbers exact (Decimal, int) and written as plain digits,
    NaN/Infinity and exponent numbers kept as text for the field to refuse; no lone surrogate anywhere."""
    try:
        data = json.loads(text, parse_float=_number(_decimal), parse_int=_number(int),
                          parse_constant=NumberText, object_pairs_hook=unique_keys)
    except DataProblem:
        raise
    except json.JSONDecodeError as e:
        raise DataProblem("error.json_malformed", line=e.lineno, column=e.colno, reason=e.msg) from None
    except RecursionError:
        raise DataProblem("error.json_too_deep_plain") from None
    except ValueError as e:  # e.g. an integer literal longer than Python's int_max_str_digits
        raise DataProblem("error.json_unreadable", reason=e) from None
    if _ESCAPED_SURROGATE.search(text):   # only a \\uD800-style escape can make one: the usual file is not walked
        refuse_surrogates(data)
    return data


def _decimal(text: str):
    return NumberText(text) if "e" in text or "E" in text else Decimal(text)


def _number(convert):
    """json's parse_int / parse_float, refusing a number longer than MAX_NUMBER_CHARS before converting it."""
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise DataProblem("error.number_too_long", length=len(text), start=text[:12], most=MAX_NUMBER_CHARS)
        return convert(text)
    return parse


def unique_keys(pairs) -> dict:
    """A JSON object as a dict, refusing a key given twice (json would keep the last one without a word)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise DataProblem("error.key_twice", key=shown(key))
            seen.add(key)
    return data


def refuse_surrogates(data) -> None:
    """DataProblem naming the first key or text holding a lone surrogate (walked without recursion)."""
    stack = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found:
                raise DataProblem.at("error.lone_surrogate", path, None, code=f"\\u{ord(found[0]):04x}")
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                where = f"{path}.{key}" if path else str(key)
                found = _SURROGATE.search(key) if isinstance(key, str) else None
                if found:
                    raise DataProblem.at("error.lone_surrogate", where, None, code=f"\\u{ord(found[0]):04x}")
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(value))))


# --- YAML -------------------------------------------------------------------------------------------------------------

class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader (in Python: libyaml's composer recurses in C and crashes on deep nesting) with a depth
    limit, no aliases, unique keys, exact decimals, real dates and no lone surrogates."""
    dates_as_text = False

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise DataProblem.at("error.yaml_alias", "", self.peek_event().start_mark.line + 1)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise DataProblem.at("error.too_deep", "", self.peek_event().start_mark.line + 1, most=MAX_DEPTH)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    twice = key in seen
                except TypeError:
                    continue   # an unhashable key: PyYAML's own error follows
                if twice:
                    raise DataProblem.at("error.key_twice", "", key_node.start_mark.line + 1, key=shown(key))
                seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        found = _SURROGATE.search(value) if isinstance(value, str) else None
        if found:
            raise DataProblem.at("error.lone_surrogate", "", node.start_mark.line + 1,
                                 code=f"\\u{ord(found[0]):04x}")
        return value

    def construct_yaml_timestamp(self, node):
        if self.dates_as_text:
            return self.construct_scalar(node)
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as e:   # 2026-02-30: a date's shape, no day of the calendar
            raise DataProblem.at("error.date_not_a_day", "", node.start_mark.line + 1,
                                 got=shown(self.construct_scalar(node)), reason=e) from None


def _yaml_number(loader, node):
    """A YAML int or float as the one grammar reads numbers: plain decimal digits exactly (Decimal, int; 010 is ten,
    not YAML 1.1's octal eight); any other form (1_000, 0x10, 1.5e3, .inf, 190:20) kept as text for its field to
    refuse, shown as written."""
    text = loader.construct_scalar(node)
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text) if "." in text else int(text)
    return NumberText(text)


_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,64}(?:\.[0-9]{1,64})?")
StrictLoader.add_constructor("tag:yaml.org,2002:float", _yaml_number)
StrictLoader.add_constructor("tag:yaml.org,2002:int", _yaml_number)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)


class DatesAsTextLoader(StrictLoader):
    """The same, with dates kept as text for their field to check (a reform's from/to)."""
    dates_as_text = True


def parse_yaml(text: str, loader=StrictLoader):
    """YAML text as Python, strictly (StrictLoader); DataProblem with the line, or yaml.YAMLError for bad syntax."""
    try:
        return yaml.load(text, Loader=loader)
    except RecursionError:   # a key or flow collection nested inside a scalar position deeper than Python allows
        raise DataProblem.at("error.too_deep", "", None, most=MAX_DEPTH) from None


def yaml_error_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else mark.line + 1

