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
from ..core.oneline import shown
from ..core.scenario import MAX_AMOUNT, InputError, parse_money
from . import arrow

MAX_FEN = int(MAX_AMOUNT * 100)
_MONEY_RE = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
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
    """int64 fen and a present-flag. Fast path: plain decimals with at most two places; anything else goes
    through the scenario's own parse_money one value at a time (same acceptance, same messages)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if required:
        col.require_present()
    fast = _money_fast(col)
    if fast is not None:
        return fast
    text = col.text()
    present = ~text.is_null().to_numpy(zero_copy_only=False)
    plain = pc.fill_null(pc.match_substring_regex(text, _MONEY_RE), False).to_numpy(zero_copy_only=False)
    safe = pc.if_else(pa.array(plain), text, pa.scalar("0"))
    dec = pc.cast(safe, pa.decimal128(20, 2))
    fen = np.frombuffer(dec.buffers()[1], dtype=np.int64).reshape(-1, 2)[dec.offset:dec.offset + len(dec), 0].copy()
    for row in np.flatnonzero(present & ~plain):
        value = col.value(row)
        try:
            amount = parse_money(value if isinstance(value, str) else str(value))
        except ValueError as e:
            col.fail(int(row), e)
        fen[row] = int(amount * 100)
    over = np.flatnonzero(present & (fen > MAX_FEN))
    if len(over):
        col.fail(int(over[0]), "error.amount_too_large", got=col.value(over[0]), bound=MAX_AMOUNT)
    return fen, present


def _money_fast(col: Column):
    """Arrow's strict decimal parser over the raw column; None when any value needs the slow path (a value it
    cannot read, a negative or one beyond int64 fen): the caller then finds and names the row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    t = col.array.type
    if pa.types.is_integer(t) and not pa.types.is_unsigned_integer(t):   # whole yuan
        yuan = arrow.values(col.array) if not col.array.null_count else None
        if yuan is not None and len(yuan) and (yuan.min() >= 0) and (yuan.max() <= MAX_FEN // 100):
            return yuan.astype(np.int64) * 100, np.ones(len(yuan), dtype=bool)
        return None
    if pa.types.is_decimal(t) and t.scale <= 2 and t.precision - t.scale <= 18:   # exact already: no text
        dec = col.array.cast(pa.decimal128(20, 2))
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        try:
            dec = pc.cast(col.array, pa.decimal128(20, 2))
        except pa.ArrowInvalid:
            return None
    else:
        return None
    words = np.frombuffer(dec.buffers()[1], dtype=np.int64).reshape(-1, 2)[dec.offset:dec.offset + len(dec)]
    present = arrow.valid(dec)
    fen = np.where(present, words[:, 0], 0)
    if ((words[:, 1] != 0) & present).any() or (fen < 0).any():
        return None
    over = np.flatnonzero(fen > MAX_FEN)
    if len(over):
        col.fail(int(over[0]), "error.amount_too_large", got=col.value(over[0]), bound=MAX_AMOUNT)
    return fen.astype(np.int64), present


def choice_column(col: Column, allowed, required=True) -> np.ndarray:
    """int8 codes (index into `allowed`), -1 where an optional value is not given."""
    import pyarrow.compute as pc
    if required:
        col.require_present()
    value_set = arrow.strings(allowed)
    if col.is_text():  # fast path: the raw values, untrimmed, all found
        index = pc.index_in(col.array, value_set=value_set)
        if index.null_count == col.array.null_count:
            return arrow.filled(index, -1).astype(np.int8)
    text = col.text()
    index = pc.index_in(text, value_set=value_set)
    bad = np.flatnonzero(arrow.valid(text) & ~arrow.valid(index))
    if len(bad):
        col.fail(int(bad[0]), "error.value_not_allowed", got=repr(col.value(bad[0])), allowed=", ".join(allowed))
    return arrow.filled(index, -1).astype(np.int8)


def bool_column(col: Column) -> tuple[np.ndarray, np.ndarray]:
    """A yes/no fact as a scenario writes it: true or false (a Parquet boolean, or the text true/false), and
    (values, given): an empty cell or null is not given, which is unknown, never "no". 1, yes, on … are refused,
    as `evaluate` refuses them (one grammar)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    given = ~col.nulls()
    if pa.types.is_boolean(col.array.type):
        return arrow.values(col.array) & given, given   # a null slot holds no value: not given
    text = col.text()
    given &= ~pc_equal_empty(text)
    index = arrow.filled(pc.index_in(text, value_set=arrow.strings(["true", "false"])), -1)
    bad = np.flatnonzero(given & (index < 0))
    if len(bad):
        col.fail(int(bad[0]), "error.flag", got=shown(col.value(bad[0])))
    return index == 0, given


def date_column(col: Column) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc
    col.require_present()
    t = col.array.type
    if pa.types.is_date(t):
        return arrow.dates(col.array.cast(pa.date32()))
    if pa.types.is_timestamp(t):
        raise err(col.name, "error.timestamp_column", type=t)
    if col.is_text():
        try:  # fast path on the raw text
            return arrow.dates(pc.cast(col.array, pa.date32()))
        except pa.ArrowInvalid:
            pass
    text = col.text()
    try:  # fast path: Arrow's ISO parser is strict (2023-02-30 and 2023-3-10 both fail)
        return arrow.dates(pc.cast(text, pa.date32()))
    except pa.ArrowInvalid:
        pass  # find and name the first bad row below
    shaped = pc.match_substring_regex(text, _DATE_RE).to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(~shaped)
    if len(bad):
        col.fail(int(bad[0]), "error.not_a_date", got=repr(col.value(bad[0])))
    safe = text

    def part(a, b):
        return pc.cast(pc.utf8_slice_codeunits(safe, a, b), pa.int64()).to_numpy(zero_copy_only=False)
    y, m, d = part(0, 4), part(5, 7), part(8, 10)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    mdays = month_days[np.clip(m, 0, 12)] + ((m == 2) & leap)
    bad = np.flatnonzero((y < 1) | (m < 1) | (m > 12) | (d < 1) | (d > mdays))
    if len(bad):
        col.fail(int(bad[0]), "error.no_such_day", got=repr(col.value(bad[0])))
    try:
        return pc.cast(text, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    except pa.ArrowInvalid as e:
        raise err(col.name, "error.dates_unreadable", reason=e) from None


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
