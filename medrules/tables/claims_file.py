"""Claims files: a CSV or Parquet table of settlements read and validated into columns (medrules/core/claims.py).

Two layouts: ours (`person_id, statuses|category, insurance, date, setting, policy_range_cost, …`, as a scenario
names its fields) and `nhsa`, the national medical security information platform's settlement record (结算信息)
field names (`psn_no, setl_time, insutype, med_type, medfee_sumamt, …`), whose region-specific codes come through
a small mapping file (examples/nhsa-codes.yaml).

Money is read from its text (or Parquet decimal/integer) form straight into int64 fen, never through float. Any
problem is a BatchInputError naming the row (row 1 is the first data row; in a CSV that is line 2) and the field.
"""
from __future__ import annotations

import csv
import json
import os
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..core.categories import CATEGORIES, CATEGORY_STATUSES, STATUSES
from ..core.claims import (CODES, COST_FIELDS, FLAG_FIELDS, MONEY_FIELDS, SLIP_FIELDS, STATUS_CODES, Claims, status_mask,
                     statuses_of, yuan)
from ..core.messages import Problem, read_problem
from ..core.scenario import MAX_AMOUNT, InputError, parse_money

REQUIRED = ("person_id", "insurance", "date", "setting", "policy_range_cost")
PERSON_COLUMNS = ("statuses", "category")   # one of them: statuses "dibao;yinbing_zhipin" (empty for none)
OPTIONAL = PERSON_COLUMNS + ("facility",) + MONEY_FIELDS[1:] + FLAG_FIELDS
MONEY_COLUMNS = MONEY_FIELDS
BOOL_COLUMNS = FLAG_FIELDS
TRUE = ("true", "1", "yes", "y", "t", "on")
FALSE = ("false", "0", "no", "n", "f", "off")
MAX_FEN = int(MAX_AMOUNT * 100)
_MONEY_RE = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CORES = max(1, min(4, os.cpu_count() or 1))   # threads a large table is worked on (batch's chunks too)
PARSE_THREADS = CORES                          # columns parsed at once on a large table
PARSE_THREADS_FROM = 50_000                            # rows; below, one thread is quicker


class BatchInputError(InputError):
    """An InputError that survives pickling (a Dask worker sends it back to the client)."""

    def __reduce__(self):
        return (type(self), (self.field, self.problem))  # the Problem pickles with both languages


def _err(field: str, problem, /, **values) -> BatchInputError:
    return BatchInputError(field, problem, **values)


def fen_text(fen: int) -> str:
    return f"{yuan(fen):.2f}"


def _read_arrow(path: str):
    import pyarrow as pa
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise _err("claims", "error.claims_file_type", path=path, got=repr(p.suffix))
    if not p.is_file():
        raise _err("claims", "error.cannot_read_no_file", path=path)
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        try:
            return pq.ParquetFile(p).read(), None   # not read_table: it imports pyarrow.dataset (0.2 s)
        except (pa.ArrowException, OSError, ValueError) as e:
            raise _err("claims", "error.not_parquet", path=path, reason=e) from None
    return _read_csv(p), 2


def _read_csv(p: Path):
    import pyarrow as pa
    from pyarrow import csv as pacsv
    try:
        with open(p, "rb") as f:
            header = next(csv.reader([f.readline().decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        raise _err("claims", "error.line_not_utf8", where=f"{p}: ", line=1) from None
    except (OSError, csv.Error) as e:
        raise _err("claims", read_problem(str(p), e, "error.cannot_read_plain")) from None
    header = [h.strip() for h in header]
    if not header or header == [""]:
        raise _err("claims", "error.csv_empty", path=p, required=", ".join(REQUIRED))
    if not set(header) & set(REQUIRED + OPTIONAL):
        raise _err("claims", "error.csv_no_header", required=", ".join(REQUIRED))
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise _err("claims", "error.csv_columns_twice", names=", ".join(dup))
    try:
        return pacsv.read_csv(
            p,
            # Blocks of 64 MiB: a long field is read whole, then refused by its column's check, naming its row.
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, encoding="utf8", block_size=1 << 26),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True))
    except (pa.ArrowException, OSError) as e:
        raise _err("claims", _locate_csv_problem(p, len(header)) or Problem("error.not_csv", path=p, reason=e)) from None


def _locate_csv_problem(p: Path, width: int) -> Problem | None:
    """On the slow path after a parse error: the first line that is not UTF-8 or has the wrong number of fields."""
    try:
        with open(p, "rb") as raw:
            for lineno, line in enumerate(raw, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return Problem("error.line_not_utf8", where="", line=lineno)
        with open(p, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            try:
                for record in reader:
                    if record and len(record) != width:
                        return Problem("error.csv_width", line=reader.line_num, width=width, got=len(record))
            except csv.Error as e:
                return Problem("error.csv_malformed", line=reader.line_num + 1, reason=e)
    except OSError as e:
        return read_problem(str(p), e, "error.cannot_read_after")
    return None


class _Column:
    """One input column as Arrow, with error naming by row."""

    def __init__(self, table, name, line_offset, row_offset=0):
        import pyarrow as pa
        self.name = name
        self.line_offset = line_offset
        self.row_offset = row_offset
        col = table.column(name)
        self.array = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

    def where(self, row: int) -> str:
        row += self.row_offset
        return f"row {row + 1}" + ("" if self.line_offset is None else f" (line {row + self.line_offset})")

    def fail(self, row: int, problem, /, **values):
        raise _err(f"{self.where(row)}, {self.name}", problem, **values)

    def value(self, row: int):
        return self.array[int(row)].as_py()

    def nulls(self) -> np.ndarray:
        return self.array.is_null().to_numpy(zero_copy_only=False)

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
            raise _err(self.name, "error.float_column", type=t)
        if pa.types.is_dictionary(t):
            return pc.utf8_trim_whitespace(self.array.dictionary_decode().cast(pa.string()))
        if not pa.types.is_string(t) and not pa.types.is_large_string(t):
            try:
                return pc.utf8_trim_whitespace(self.array.cast(pa.string()))
            except pa.ArrowException:
                raise _err(self.name, "error.column_not_text", type=t) from None
        return pc.utf8_trim_whitespace(self.array)


def _money_column(col: _Column, required: bool):
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


def _money_fast(col: _Column):
    """Arrow's strict decimal parser over the raw column; None when any value needs the slow path (a value it
    cannot read, a negative or one beyond int64 fen): the caller then finds and names the row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    t = col.array.type
    if pa.types.is_integer(t) and not pa.types.is_unsigned_integer(t):   # whole yuan
        yuan = col.array.to_numpy(zero_copy_only=False) if not col.array.null_count else None
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
    present = ~dec.is_null().to_numpy(zero_copy_only=False)
    fen = np.where(present, words[:, 0], 0)
    if ((words[:, 1] != 0) & present).any() or (fen < 0).any():
        return None
    over = np.flatnonzero(fen > MAX_FEN)
    if len(over):
        col.fail(int(over[0]), "error.amount_too_large", got=col.value(over[0]), bound=MAX_AMOUNT)
    return fen.astype(np.int64), present


def _choice_column(col: _Column, allowed, required=True) -> np.ndarray:
    """int8 codes (index into `allowed`), -1 where an optional value is not given."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if required:
        col.require_present()
    value_set = pa.array(list(allowed))
    if col.is_text():  # fast path: the raw values, untrimmed, all found
        index = pc.index_in(col.array, value_set=value_set)
        if index.null_count == col.array.null_count:
            return pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int8)
    text = col.text()
    index = pc.index_in(text, value_set=value_set)
    found = ~index.is_null().to_numpy(zero_copy_only=False)
    given = ~text.is_null().to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(given & ~found)
    if len(bad):
        col.fail(int(bad[0]), "error.value_not_allowed", got=repr(col.value(bad[0])), allowed=", ".join(allowed))
    return pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int8)


def _bool_column(col: _Column) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc
    col.require_present()
    if pa.types.is_boolean(col.array.type):
        return col.array.to_numpy(zero_copy_only=False).astype(bool)
    if col.is_text():  # fast path: every value exactly true or false
        index = pc.index_in(col.array, value_set=pa.array(["true", "false"]))
        if index.null_count == 0:
            return index.to_numpy(zero_copy_only=False) == 0
    text = pc.utf8_lower(col.text())
    yes = pc.is_in(text, value_set=pa.array(TRUE)).to_numpy(zero_copy_only=False)
    no = pc.is_in(text, value_set=pa.array(FALSE)).to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(~(yes | no))
    if len(bad):
        col.fail(int(bad[0]), "error.not_yes_no", got=repr(col.value(bad[0])), yes=", ".join(TRUE),
                 no=", ".join(FALSE))
    return yes


def _date_column(col: _Column) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc
    col.require_present()
    t = col.array.type
    if pa.types.is_date(t):
        return col.array.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if pa.types.is_timestamp(t):
        raise _err(col.name, "error.timestamp_column", type=t)
    if col.is_text():
        try:  # fast path on the raw text
            return pc.cast(col.array, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        except pa.ArrowInvalid:
            pass
    text = col.text()
    try:  # fast path: Arrow's ISO parser is strict (2023-02-30 and 2023-3-10 both fail)
        return pc.cast(text, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
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
        raise _err(col.name, "error.dates_unreadable", reason=e) from None


def pc_equal_empty(text) -> np.ndarray:
    import pyarrow.compute as pc
    return pc.fill_null(pc.equal(pc.utf8_length(text), 0), False).to_numpy(zero_copy_only=False)



def read_claims(path, layout: str = "ours", codes_path=None, lap=None) -> Claims:
    """Read and validate a claims file into Claims; any problem is a BatchInputError naming row and field.
    `lap(step)` is told when the file is read and when it is validated (batch --timings)."""
    table, line_offset = _read_arrow(str(path))
    if lap is not None:
        lap("read")
    if layout == "nhsa":
        from .nhsa import to_our_layout
        table = to_our_layout(table, codes_path, line_offset)
    elif layout != "ours":
        raise _err("layout", "error.choice", got=repr(layout), allowed="ours, nhsa")
    claims = claims_from_arrow(table, line_offset)
    if lap is not None:
        lap("validate")
    return claims


def claims_from_arrow(table, line_offset=None, row_offset: int = 0) -> Claims:
    """Validate an Arrow table of claims (columns as in a claims file) into Claims. `row_offset` numbers the rows
    of a part of a larger file (Dask)."""
    import pyarrow as pa
    if not isinstance(table, pa.Table):
        raise _err("claims", "error.not_arrow", got=type(table).__name__)
    names = list(table.column_names)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise _err("claims", "error.missing_columns", names=", ".join(missing), required=", ".join(REQUIRED))
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise _err("claims", "error.unknown_columns", names=", ".join(unknown), allowed=", ".join(REQUIRED + OPTIONAL))
    person_cols = [c for c in PERSON_COLUMNS if c in names]
    if len(person_cols) != 1:
        raise _err("claims", "error.statuses_or_category_column", categories=", ".join(CATEGORIES))
    n = table.num_rows
    if n == 0:
        raise _err("claims", "error.no_rows")

    def col(name):
        return _Column(table, name, line_offset, row_offset)

    def person_codes():
        person = col("person_id")
        person.require_present()
        return _person_codes(person)

    def categories():
        masks = np.array([status_mask(CATEGORY_STATUSES[c]) for c in CATEGORIES], dtype=np.int32)
        return masks[_choice_column(col("category"), tuple(CATEGORIES))]

    def money(name):
        if name not in names:
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        return _money_column(col(name), required=(name == "policy_range_cost"))

    # Each column is parsed on its own, in this order; the first that fails in this order is the error reported.
    parsers = {
        "person": person_codes,
        "statuses": (lambda: _statuses_column(col("statuses"))) if "statuses" in names else categories,
        "insurance": lambda: _choice_column(col("insurance"), CODES["insurance"]),
        "date": lambda: _date_column(col("date")),
        "setting": lambda: _choice_column(col("setting"), CODES["setting"]),
        "facility": ((lambda: _choice_column(col("facility"), CODES["facility"], required=False))
                     if "facility" in names else (lambda: np.full(n, -1, dtype=np.int8))),
        **{name: (lambda name=name: money(name)) for name in MONEY_FIELDS},
        # yes/no facts a claim may carry; false where the table has no such column
        **{name: ((lambda name=name: _bool_column(col(name))) if name in names
                  else (lambda: np.zeros(n, dtype=bool))) for name in FLAG_FIELDS},
    }
    parsed = _parse_columns(parsers, threads=PARSE_THREADS if n >= PARSE_THREADS_FROM else 1)
    codes, person_ids = parsed.pop("person")
    values = {"row": np.arange(row_offset, row_offset + n, dtype=np.int64), "person": codes}
    for name, value in parsed.items():
        if name in MONEY_FIELDS:
            values[name], values["has_" + name] = value
        else:
            values[name] = value
    claims = Claims(values, person_ids=person_ids, line_offset=line_offset)
    claims.__dict__["status_column"] = person_cols[0]   # errors name the column the file has
    _check_rows(claims)
    return claims


def _parse_columns(parsers: dict, threads: int) -> dict:
    """Every parser's result by name. On several threads (Arrow's and numpy's kernels release the GIL) all run;
    results are then taken in the parsers' order, so the error raised is the one a single thread meets first."""
    if threads <= 1:
        return {name: parse() for name, parse in parsers.items()}
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads, thread_name_prefix="medrules-parse") as pool:
        futures = {name: pool.submit(parse) for name, parse in parsers.items()}
        return {name: future.result() for name, future in futures.items()}


def _person_codes(person: _Column):
    """(int64 code per row, the trimmed ids by code). A dictionary column (as Parquet keeps repeated ids) is checked
    and trimmed on its distinct values only, when trimming leaves them distinct and none empty; codes then need
    not follow first appearance (the checks across rows do not rely on it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    a = person.array
    if pa.types.is_dictionary(a.type) and (pa.types.is_string(a.type.value_type)
                                         or pa.types.is_large_string(a.type.value_type)):
        ids = pc.utf8_trim_whitespace(a.dictionary)
        if not ids.null_count and not pc_equal_empty(ids).any() and len(pc.unique(ids)) == len(ids):
            return a.indices.to_numpy(zero_copy_only=False).astype(np.int64), ids
    text = person.text()
    empty = np.flatnonzero(pc_equal_empty(text))
    if len(empty):
        person.fail(int(empty[0]), "error.value_missing")
    encoded = text.dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def _statuses_column(col) -> np.ndarray:
    """'dibao;yinbing_zhipin' → bit mask; empty for none. Parsed once per distinct value."""
    import pyarrow.compute as pc
    text = pc.fill_null(col.text(), "")
    encoded = text.dictionary_encode()
    masks = []
    for k, value in enumerate(encoded.dictionary.to_pylist()):
        parts = [p.strip() for p in value.split(";") if p.strip()]
        bad = [p for p in parts if p not in STATUSES]
        if bad or len(set(parts)) != len(parts):
            row = int(np.argmax(encoded.indices.to_numpy(zero_copy_only=False) == k))
            if bad:
                col.fail(row, "error.not_a_status", got=repr(bad[0]), allowed=", ".join(STATUS_CODES))
            col.fail(row, "error.status_twice_in_row", allowed=", ".join(STATUS_CODES))
        masks.append(status_mask(parts))
    return np.array(masks, dtype=np.int32)[encoded.indices.to_numpy(zero_copy_only=False)]


def _check_rows(t: Claims) -> None:
    """Checks across columns: the slip within the cost, the cost split within the total, one status set and
    insurance per person, no duplicates."""
    slips = sum(getattr(t, f) for f in SLIP_FIELDS[:3])
    over = np.flatnonzero(slips > t.policy_range_cost)
    if len(over):
        i = int(over[0])
        raise _err(f"{t.where(i)}, policy_range_cost", "error.slips_over_cost", fields=", ".join(SLIP_FIELDS[:3]),
                   paid=fen_text(slips[i]), cost=fen_text(t.policy_range_cost[i]))
    parts = t.policy_range_cost + sum(getattr(t, f) for f in COST_FIELDS[2:5])
    over = np.flatnonzero(t.has_total_cost & (parts > t.total_cost))
    if len(over):
        i = int(over[0])
        raise _err(f"{t.where(i)}, total_cost", "error.parts_over_total", parts=fen_text(parts[i]),
                   total=fen_text(t.total_cost[i]))
    first_pos = _first_positions(t.person)[t.person]   # per row: its person's first row
    for field in ("statuses", "insurance"):
        values = getattr(t, field)
        first = values[first_pos]
        differ = np.flatnonzero(first != values)
        if len(differ):
            i = int(differ[0])
            earlier = int(np.flatnonzero(t.person == t.person[i])[0])
            name = t.__dict__.get("status_column", "statuses") if field == "statuses" else field

            def text(v):
                return (";".join(statuses_of(v)) or "(none)") if field == "statuses" else CODES[field][v]
            raise _err(f"{t.where(i)}, {name}", "error.person_differs", got=repr(text(values[i])),
                       first=repr(text(first[i])), where=t.where(earlier), name=name)
    dup = _duplicates(t)
    if dup is not None:
        i, first = dup
        raise _err(f"{t.where(i)}, person_id", "error.duplicate_row", where=t.where(first))


def _first_positions(person: np.ndarray) -> np.ndarray:
    """Where each person code first appears (len(person) for a code no row has). When codes come in order of first
    appearance (as Arrow's dictionary_encode gives them) these are where the running maximum rises; else (a
    Parquet dictionary, a table built by hand) the least row per code."""
    n = len(person)
    if not n:
        return np.zeros(0, dtype=np.int64)
    before = np.empty_like(person)
    before[0] = -1
    before[1:] = np.maximum.accumulate(person)[:-1]
    first = np.flatnonzero(person > before)
    if len(first) == int(person.max()) + 1 and np.array_equal(person[first], np.arange(len(first))):
        return first
    first = np.full(int(person.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, person, np.arange(n, dtype=np.int64))
    return first


def _duplicates(t: Claims):
    """(later, earlier) positions of the first exact duplicate (same person, date, setting and amounts), or None.
    A 64-bit hash of the key finds candidates with one sort; candidates are then compared exactly."""
    keys = [t.person, t.date.view(np.int64), t.setting, t.policy_range_cost]
    for f in MONEY_FIELDS[1:]:
        given = getattr(t, "has_" + f)
        if given.all():
            keys.append(getattr(t, f))
        elif given.any():   # a field no row gives cannot tell two claims apart
            keys.append(np.where(given, getattr(t, f), -1))
    # FNV-style: xor a key in, multiply by an odd constant (a bijection), key after key; two passes per key.
    h = np.full(len(t), 0xCBF29CE484222325, dtype=np.uint64)
    for k in keys:
        h ^= k.astype(np.int64, copy=False).view(np.uint64)
        h *= np.uint64(0x100000001B3)
    hs = np.sort(h)
    if not (hs[1:] == hs[:-1]).any():
        return None
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = np.flatnonzero(hs[1:] == hs[:-1])
    found = None
    for s_ in same:
        a, b = int(order[s_]), int(order[s_ + 1])
        if all(k[a] == k[b] for k in keys):
            pair = (max(a, b), min(a, b))
            if found is None or pair < found:
                found = pair
    return found


def load_inputs(path, what: str = "inputs") -> dict:
    """A JSON object file given beside a claims table (--inputs, --readings)."""
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise _err(what, read_problem(path, e, "error.cannot_read_plain")) from None

    def reject_constant(name):
        raise _err(what, "error.json_constant", name=name)
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=reject_constant)
    except json.JSONDecodeError as e:
        raise _err(what, "error.json_malformed_in", path=path, line=e.lineno, column=e.colno, reason=e.msg) from None
    except (RecursionError, ValueError) as e:
        raise _err(what, "error.json_unreadable_in", path=path, reason=type(e).__name__) from None
    if not isinstance(data, dict):
        raise _err(what, "error.scenario_not_object", got=type(data).__name__)
    return data


