"""Input columns as Arrow, checked value by value into exact numpy arrays, and exact Arrow columns back out.

What every table reader shares (our layout, the national settlement layout, a Dask worker's part): a column that
names its row in errors (`Column`), money from text or decimal straight into int64 fen, never through float
(`money_column`), choices, yes/no values and dates; `BatchInputError`, the one error of a table, which survives
pickling; and `decimal_array`, int64 fen back to an exact Arrow decimal(18,2) column.
"""
from __future__ import annotations

import os

import numpy as np

from ..core.claims import yuan
from ..core.grammar import (DATE_TEXT, MAX_AMOUNT, SETTLEMENT_TIME, parse_date, parse_flag, parse_money,
                            parse_settlement_time)
from ..core.oneline import shown
from ..core.scenario import InputError
from . import arrow

MAX_FEN = int(MAX_AMOUNT * 100)
# The fast paths' shapes: text they hand to Arrow's parsers. Each is a subset of the one grammar's (no sign, no
# exponent, no "+", ".5" or "100."): Arrow's parsers accept more, so they only see text of these shapes.
_MONEY_RE = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
_DATE_RE = f"^{DATE_TEXT.pattern}$"
_TIME_RE = f"^{SETTLEMENT_TIME.pattern}$"
CORES = max(1, min(4, os.cpu_count() or 1))   # threads a large table is worked on (batch's chunks too)


class BatchInputError(InputError):
    """An InputError that survives pickling (a Dask worker sends it back to the client)."""

    def __reduce__(self):
        return (type(self), (self.field, self.problem))  # the Problem pickles with both languages


def err(field: str, problem, /, **values) -> BatchInputError:
    return BatchInputError(field, problem, **values)


def fen_text(fen: int) -> str:
    return f"{yuan(fen):.2f}"


class Column:
    """One input column as Arrow, with error naming by row."""

    def __init__(self, table, name, line_offset, row_offset=0, label: str = ""):
        import pyarrow as pa
        self.name = name
        self.line_offset = line_offset
        self.row_offset = row_offset
        self.label = label   # what an error names before the row: a second table's file ("people.csv: ")
        col = table.column(name)
        self.array = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

    def where(self, row: int) -> str:
        row += self.row_offset
        return self.label + f"row {row + 1}" + ("" if self.line_offset is None else f" (line {row + self.line_offset})")

    def fail(self, row: int, problem, /, **values):
        raise err(f"{self.where(row)}, {self.name}", problem, **values)

    def value(self, row: int):
        return self.array[int(row)].as_py()

    def nulls(self) -> np.ndarray:
        return ~arrow.valid(self.array)

    def require_present(self):
        if not self.array.null_count:   # the usual case, without a pass over the column
            return
        nulls = self.nulls()
        if nulls.any():
            self.fail(int(np.argmax(nulls)), "error.value_missing")

    def is_text(self) -> bool:
        import pyarrow as pa
        return pa.types.is_string(self.array.type) or pa.types.is_large_string(self.array.type)

    def decoded(self) -> "Column":
        """The same column with a dictionary (as Parquet may keep repeated text) decoded to its values."""
        import pyarrow as pa
        if not pa.types.is_dictionary(self.array.type):
            return self
        plain = Column.__new__(Column)
        plain.__dict__.update(self.__dict__)
        plain.array = self.array.dictionary_decode()
        return plain

    def raw_text(self):
        """The column as strings, exactly as written (no spaces trimmed): the values a scenario would hold."""
        import pyarrow as pa
        if self.is_text():
            return self.array
        if pa.types.is_dictionary(self.array.type):
            return self.array.dictionary_decode().cast(pa.string())
        try:
            return self.array.cast(pa.string())
        except pa.ArrowException:
            raise err(self.name, "error.column_not_text", type=self.array.type) from None

    def text(self):
        """The column as trimmed strings (Arrow), refusing float columns: money and flags must be exact."""
        import pyarrow as pa
        import pyarrow.compute as pc
        t = self.array.type
        if pa.types.is_floating(t):
            raise err(self.name, "error.float_column", type=t)
        if pa.types.is_dictionary(t):
            return pc.utf8_trim_whitespace(self.array.dictionary_decode().cast(pa.string()))
        if not pa.types.is_string(t) and not pa.types.is_large_string(t):
            try:
                return pc.utf8_trim_whitespace(self.array.cast(pa.string()))
            except pa.ArrowException:
                raise err(self.name, "error.column_not_text", type=t) from None
        return pc.utf8_trim_whitespace(self.array)


def money_column(col: Column, required: bool):
    """int64 fen and a present-flag, accepting exactly what medrules.core.grammar.parse_money accepts. Fast path:
    integers, exact decimals and text of plain digits (at most 9 before the point, 2 after); every other value goes
    through parse_money itself, so its refusal is the scenario's, word for word. An empty text cell is not given."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if required:
        col.require_present()
    col = col.decoded()
    t = col.array.type
    if pa.types.is_floating(t):
        raise err(col.name, "error.float_column", type=t)
    present = ~col.nulls()
    if pa.types.is_integer(t):   # whole yuan
        yuan = arrow.filled(col.array, 0)
        slow = present & ((yuan < 0) | (yuan > MAX_FEN // 100))
        fen = np.where(slow, 0, yuan).astype(np.int64) * 100
    elif pa.types.is_decimal(t) and 0 <= t.scale <= 2 and t.precision - t.scale <= 18:   # exact already: no text
        dec = col.array.cast(pa.decimal128(20, 2))
        words = np.frombuffer(dec.buffers()[1], dtype=np.int64).reshape(-1, 2)[dec.offset:dec.offset + len(dec)]
        fen = np.where(present, words[:, 0], 0)
        slow = present & ((words[:, 1] != 0) | (fen < 0) | (fen > MAX_FEN))
        fen = np.where(slow, 0, fen)
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        dec, edge = _plain_decimals(col.array)
        if dec is None:   # some value Arrow's parser refuses, or a sign or exponent somewhere: shape each row
            plain = arrow.filled(pc.match_substring_regex(col.array, _MONEY_RE), False)
            dec = pc.cast(pc.if_else(arrow.arrow_of(plain, pa.bool_()), col.array, text_scalar("0", t)),
                          pa.decimal128(11, 2))
            edge = ~plain
        fen = np.frombuffer(dec.buffers()[1], dtype=np.int64).reshape(-1, 2)[dec.offset:dec.offset + len(dec), 0]
        slow = present & (edge | (fen > MAX_FEN))
        fen = np.where(slow, 0, fen)
    else:   # a type no scenario value has a counterpart for (bool, date …): each value through the one parser
        fen = np.zeros(len(col.array), dtype=np.int64)
        slow = present
    for row in np.flatnonzero(slow):   # rare: each such value is refused by, or read through, parse_money
        value = col.value(row)
        if value == "" and isinstance(value, str):   # an empty text cell, as CSV has it: not given
            if required:
                col.fail(int(row), "error.value_missing")
            present[row] = False
            continue
        try:
            fen[row] = int(parse_money(value) * 100)
        except ValueError as e:
            col.fail(int(row), e)
    return fen.astype(np.int64, copy=False), present


def _plain_decimals(text):
    """Arrow's decimal parser over text of digits and points only, or (None, None). Arrow also reads "+1", "1e5",
    ".5", "100." and "1.000", which the grammar refuses, and wraps a number of thousands of digits silently: a column
    holding any byte but 0-9 and "." is not cast here, and the rows that are empty, longer than 12 characters, or
    whose point comes first, last or before more than two digits come back as `edge`, for the one parser to judge.
    (Two points in one value: Arrow refuses it, and the caller shapes each row instead.)"""
    import pyarrow as pa
    import pyarrow.compute as pc
    _, offsets, data = text.buffers()
    wide = np.int64 if pa.types.is_large_string(text.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=wide)[text.offset:text.offset + len(text) + 1].astype(np.int64)
    raw = b"" if data is None else memoryview(data)[bounds[0]:bounds[-1]].tobytes()
    if raw.translate(None, b"0123456789."):   # a sign, an exponent, a blank, another script's digit …
        return None, None
    size = np.diff(bounds)
    point = arrow.filled(pc.find_substring(text, "."), -1)
    edge = (size == 0) | (size > 12) | (point == 0) | ((point > 0) & ((point == size - 1) | (size - point > 3)))
    safe = text if not edge.any() else pc.if_else(arrow.arrow_of(edge, pa.bool_()), text_scalar("0", text.type), text)
    try:
        return pc.cast(safe, pa.decimal128(11, 2)), edge
    except pa.ArrowInvalid:   # nine digits before the point somewhere, or two points
        return None, None


def choice_column(col: Column, allowed, required=True) -> np.ndarray:
    """int8 codes (index into `allowed`), -1 where an optional value is not given. The value as written: no
    spaces trimmed (a scenario's " inpatient" is refused too)."""
    import pyarrow.compute as pc
    if required:
        col.require_present()
    text = col.raw_text()
    index = pc.index_in(text, value_set=arrow.strings(list(allowed)))
    if index.null_count != text.null_count:
        found = arrow.valid(index)
        bad = np.flatnonzero(~col.nulls() & ~found)
        col.fail(int(bad[0]), "error.value_not_allowed", got=shown(col.value(bad[0])), allowed=", ".join(allowed))
    return arrow.filled(index, -1).astype(np.int8)


def bool_column(col: Column) -> tuple[np.ndarray, np.ndarray]:
    """A yes/no fact as a scenario writes it: true or false (a Parquet boolean, or the text true/false), and
    (values, given): an empty cell or null is not given, which is unknown, never "no". 1, yes, on, " true" … are
    refused by medrules.core.grammar.parse_flag, as `evaluate` refuses them (one grammar)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    col = col.decoded()
    given = ~col.nulls()
    if pa.types.is_boolean(col.array.type):
        return arrow.values(col.array) & given, given   # a null slot holds no value: not given
    if col.is_text():
        given &= ~pc_equal_empty(col.array)
        index = arrow.filled(pc.index_in(col.array, value_set=arrow.strings(["true", "false"])), -1)
    else:
        index = np.full(len(col.array), -1)
    for row in np.flatnonzero(given & (index < 0)):
        try:
            parse_flag(col.value(row))   # refuses; a Python bool from an odd column type would pass
        except ValueError as e:
            col.fail(int(row), e)
    return index == 0, given


FIRST_DAY = int(np.datetime64("0001-01-01", "D").astype(np.int64))   # the calendar a date of Python holds
LAST_DAY = int(np.datetime64("9999-12-31", "D").astype(np.int64))


def date_column(col: Column) -> np.ndarray:
    """Days (datetime64[D]) of a date column, accepting exactly what medrules.core.grammar.parse_date accepts:
    a Parquet date, or text YYYY-MM-DD that is a day between 0001-01-01 and 9999-12-31. Fast path: Arrow's strict
    ISO parser on text of that shape; any other value goes through parse_date, whose refusal is the scenario's."""
    import pyarrow as pa
    import pyarrow.compute as pc
    col.require_present()
    col = col.decoded()
    t = col.array.type
    if pa.types.is_timestamp(t):
        raise err(col.name, "error.timestamp_column", type=t)
    if pa.types.is_date(t):
        days = arrow.dates(col.array.cast(pa.date32()))
        outside = np.flatnonzero((days.astype(np.int64) < FIRST_DAY) | (days.astype(np.int64) > LAST_DAY))
        if len(outside):
            col.fail(int(outside[0]), "error.date_out_of_range", got=str(days[outside[0]]))
        return days
    if col.is_text():
        try:   # Arrow's ISO parser takes YYYY-MM-DD only, and days of the calendar only (but year 0000)
            days = arrow.dates(pc.cast(col.array, pa.date32()))
            if not len(days) or days.astype(np.int64).min() >= FIRST_DAY:
                return days
        except pa.ArrowInvalid:
            pass   # some value is no date: found below
        shaped = arrow.filled(pc.match_substring_regex(col.array, _DATE_RE), False)
        suspects = ~shaped | _not_a_day(col.array, shaped)
    else:
        suspects = np.ones(len(col.array), dtype=bool)
    for row in np.flatnonzero(suspects):   # the first row the one parser refuses, in row order
        try:
            parse_date(col.value(row))
        except ValueError as e:
            col.fail(int(row), e)
    raise err(col.name, "error.dates_unreadable", reason="a date Arrow could not read")


def _not_a_day(text, shaped: np.ndarray) -> np.ndarray:
    """Rows of text shaped YYYY-MM-DD that are no day of the calendar (2023-02-30, year 0000), vectorised."""
    import pyarrow as pa
    import pyarrow.compute as pc
    safe = pc.if_else(arrow.arrow_of(shaped, pa.bool_()), text, text_scalar("0001-01-01", text.type))

    def part(a, b):
        return arrow.filled(pc.cast(pc.utf8_slice_codeunits(safe, a, b), pa.int64()), 0)
    y, m, d = part(0, 4), part(5, 7), part(8, 10)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    mdays = month_days[np.clip(m, 0, 12)] + ((m == 2) & leap)
    return shaped & ((y < 1) | (m < 1) | (m > 12) | (d < 1) | (d > mdays))


def settlement_day_text(col: Column):
    """(the day of each settlement time as YYYY-MM-DD text, the days), accepting exactly what
    grammar.parse_settlement_time accepts: the time's shape and its day checked vectorised; the first row refused
    (in row order, whichever check) is refused by the one parser itself."""
    import pyarrow as pa
    import pyarrow.compute as pc
    col.require_present()
    col = col.decoded()
    text = col.raw_text()
    shaped = arrow.filled(pc.match_substring_regex(text, _TIME_RE), False)
    day = pc.utf8_slice_codeunits(text, 0, 10)
    suspects = ~shaped | _not_a_day(day, shaped)
    if suspects.any():
        for row in np.flatnonzero(suspects):
            try:
                parse_settlement_time(col.value(row))
            except ValueError as e:
                col.fail(int(row), e)
    return day, date_column(Column(pa.table({col.name: day}), col.name, col.line_offset, col.row_offset,
                                   label=col.label))


def text_scalar(value: str, text_type):
    """A string scalar of `text_type` (string or large_string): pa.scalar on a Python str would import pandas."""
    return arrow.strings([value]).cast(text_type)[0]


def pc_equal_empty(text) -> np.ndarray:
    import pyarrow.compute as pc
    lengths = pc.utf8_length(text)
    return (arrow.values(lengths) == 0) & arrow.valid(lengths)


def parse_columns(parsers: dict, threads: int) -> dict:
    """Every parser's result by name. On several threads (Arrow's and numpy's kernels release the GIL) all run;
    results are then taken in the parsers' order, so the error raised is the one a single thread meets first."""
    if threads <= 1:
        return {name: parse() for name, parse in parsers.items()}
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads, thread_name_prefix="medrules-parse") as pool:
        futures = {name: pool.submit(parse) for name, parse in parsers.items()}
        return {name: future.result() for name, future in futures.items()}


def decimal_array(fen: np.ndarray, valid: np.ndarray | None = None):
    """int64 fen → Arrow decimal128(18,2) yuan, exactly (the unscaled value of a decimal is the fen); null where
    not `valid`."""
    import pyarrow as pa
    words = np.zeros((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    bitmap = None
    nulls = 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
        nulls = int((~valid).sum())
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [bitmap, pa.py_buffer(words)],  # no copy
                                 null_count=nulls)


def decision_array(values: np.ndarray, given: np.ndarray):
    """A decision column: yes/no where the rule decides one, an amount (decimal yuan) where it gives one."""
    import pyarrow as pa
    if values.dtype == bool:
        return arrow.arrow_of(values, pa.bool_(), given)
    return decimal_array(values, given)
