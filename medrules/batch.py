"""Batch evaluation: a whole claims table (CSV or Parquet) through a policy's rules, vectorised on integer fen.

    python -m medrules batch --policy wenzhou-2021-78 CLAIMS.csv --out RESULT.parquet [--engine pandas|dask]
                             [--inputs INPUTS.json]

One row per claim; a person's claims are grouped by person_id, and each person's calendar year accumulates as in
the scenario engine (medrules/engine.py): claims in date order, ties in input order. The rules themselves live in
one module per policy, medrules/batch_<policy id with underscores>.py, which must give the same result as the
scenario path to the fen (tests/test_batch.py checks that with generated people and claims).

Money is exact throughout: amounts are read from their text (or Parquet decimal/integer) form straight into int64
fen, never through float; ratios are exact fractions; rounding is half-up to the fen, as medrules.money.times.
The output Parquet holds every amount as decimal(18,2) yuan (exact).

Bad input stops the run with an InputError naming the row and the field (row 1 is the first data row; in a CSV
that is line 2) and leaves no output file behind.
"""
from __future__ import annotations

import csv
import datetime as dt
import importlib
import importlib.util
import json
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

from .categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS
from .policy import PolicyError, load_policy, policy_ids
from .rulebook import LAYERS
from .scenario import MAX_AMOUNT, InputError, Scenario, _money

OUTPUTS = LAYERS + ("out_of_pocket",)
REQUIRED = ("person_id", "category", "insurance", "date", "setting", "policy_range_cost", "basic_insurance_paid",
            "referred", "followed_treatment_guidance", "in_city_designated_hospital")
OPTIONAL = ("facility", "critical_illness_paid", "supplementary_insurance_paid")
MONEY_COLUMNS = ("policy_range_cost", "basic_insurance_paid", "critical_illness_paid",
                 "supplementary_insurance_paid")
BOOL_COLUMNS = ("referred", "followed_treatment_guidance", "in_city_designated_hospital")
TRUE = ("true", "1", "yes", "y", "t", "on")
FALSE = ("false", "0", "no", "n", "f", "off")
MAX_FEN = int(MAX_AMOUNT * 100)
# Coded columns: a claim holds the index of its value in these tuples (facility: -1 where not given).
CODES = {"category": tuple(CATEGORIES), "insurance": tuple(INSURANCE_TYPES), "setting": tuple(SETTINGS),
         "facility": tuple(FACILITIES)}
CHUNK_ROWS = 250_000          # rows handed to the rules at once (cut at person boundaries)
PROGRESS_MIN_ROWS = 1_000_000  # above this a progress bar shows even when stderr is not a terminal
_MONEY_RE = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class BatchInputError(InputError):
    """An InputError that survives pickling (a Dask worker sends it back to the client)."""

    def __reduce__(self):
        return (type(self), (self.field, str(self).removeprefix(f"{self.field}: ")))


def _err(field: str, message: str) -> BatchInputError:
    return BatchInputError(field, message)


# --------------------------------------------------------------------------------------------------------------
# The claims table as the rules see it
# --------------------------------------------------------------------------------------------------------------

@dataclass
class ClaimsTable:
    """Validated claims as NumPy arrays (one entry per claim). Money in int64 fen; a missing optional slip amount
    is 0 with its `has_*` flag False. `row` is the 0-based data row in the input file."""
    row: np.ndarray
    person: np.ndarray        # int64 code of person_id (equal ids, equal codes)
    category: np.ndarray      # int8 index into CODES["category"]; code("category", "tekun") gives one
    insurance: np.ndarray     # int8, CODES["insurance"]
    date: np.ndarray          # datetime64[D]
    setting: np.ndarray       # int8, CODES["setting"]
    facility: np.ndarray      # int8, CODES["facility"], -1 where not given
    policy_range_cost: np.ndarray
    basic_insurance_paid: np.ndarray
    has_basic_insurance_paid: np.ndarray
    critical_illness_paid: np.ndarray
    has_critical_illness_paid: np.ndarray
    supplementary_insurance_paid: np.ndarray
    has_supplementary_insurance_paid: np.ndarray
    referred: np.ndarray
    followed_treatment_guidance: np.ndarray
    in_city_designated_hospital: np.ndarray
    line_offset: int | None = None   # CSV: file line = row + line_offset; None for Parquet

    def __len__(self):
        return len(self.row)

    def take(self, index) -> "ClaimsTable":
        return ClaimsTable(**{f.name: (getattr(self, f.name)[index] if f.name != "line_offset"
                                       else self.line_offset) for f in fields(self)})

    def where(self, i: int) -> str:
        """How an error names the claim at position i: 'row 7 (line 8)'."""
        row = int(self.row[i])
        return f"row {row + 1}" + ("" if self.line_offset is None else f" (line {row + self.line_offset})")

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame({f.name: getattr(self, f.name) for f in fields(self) if f.name != "line_offset"})

    @classmethod
    def from_frame(cls, frame, line_offset=None) -> "ClaimsTable":
        return cls(**{f.name: frame[f.name].to_numpy() for f in fields(cls) if f.name != "line_offset"},
                   line_offset=line_offset)


def code(column: str, value: str) -> int:
    """The code a coded column holds for a value: code("category", "tekun")."""
    return CODES[column].index(value)


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


def fen_text(fen: int) -> str:
    return f"{fen_to_yuan(fen):.2f}"


# --------------------------------------------------------------------------------------------------------------
# Policy modules: which policies have a vectorised encoding
# --------------------------------------------------------------------------------------------------------------

def _module_name(policy_id: str) -> str:
    return "medrules.batch_" + policy_id.replace("-", "_")


@lru_cache(maxsize=None)
def _batch_policies() -> tuple:
    return tuple(p for p in policy_ids() if importlib.util.find_spec(_module_name(p)) is not None)


def batch_policies() -> list[str]:
    """Policies that have a vectorised module medrules/batch_<id>.py."""
    return list(_batch_policies())


def batch_module(policy_id: str):
    allowed = batch_policies()
    if policy_id not in allowed:
        known = "" if policy_id in policy_ids() else " (no such policy)"
        raise _err("policy", f"{policy_id!r}{known} has no batch (vectorised) encoding; allowed: {', '.join(allowed)}")
    return importlib.import_module(_module_name(policy_id))


def check_inputs(policy, raw: dict) -> dict:
    """The policy's inputs, checked exactly as the scenario engine checks them."""
    from .engine import _check_inputs, rules_module
    if not isinstance(raw, dict):
        raise _err("inputs", f"must be a JSON object of input names to values, got {type(raw).__name__}")
    clean = _check_inputs(Scenario.model_construct(policy=policy.id, person=None, claims=[], inputs=raw),
                          policy).inputs
    rules_module(policy.id).validate(Scenario.model_construct(policy=policy.id, person=None, claims=[],
                                                              inputs=clean), policy)
    return clean


def load_inputs(path) -> dict:
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise _err("inputs", f"cannot read {path}: {e}") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise _err("inputs", f"malformed JSON in {path} at line {e.lineno} column {e.colno}: {e.msg}") from None


def _reject_constant(name):
    raise _err("inputs", f"{name} is not a number; amounts must be finite")


# --------------------------------------------------------------------------------------------------------------
# Parameters by date, as exact arrays
# --------------------------------------------------------------------------------------------------------------

def param_index(policy, name: str, dates: np.ndarray, need: np.ndarray, table: ClaimsTable):
    """For each claim, the index into policy.parameters[name].values of the value policy.param(name, date) gives
    on its date, -1 where not needed. A needed claim whose date has no value is a PolicyError naming the claim."""
    try:
        parameter = policy.parameters[name]
    except KeyError:
        raise PolicyError(f"{policy.id} has no parameter {name!r}") from None
    if not need.any():
        return parameter, np.full(len(dates), -1, dtype=np.int64)
    # One lookup table over the days the claims span, each day asked of policy.param(name, day) itself, then one
    # gather: cheap however many claims there are.
    days = dates.astype("datetime64[D]").astype(np.int64)
    lo, hi = int(days[need].min()), int(days[need].max())
    by_day = _days_table(policy.id, name, id(parameter), lo, hi)
    idx = np.where(need, by_day[np.clip(days - lo, 0, hi - lo)], -1)
    missing = np.flatnonzero(need & (idx == -1))
    if len(missing):
        i = missing[0]
        try:
            parameter.at(dates[i].astype(dt.date))
        except PolicyError as e:
            raise PolicyError(f"{table.where(i)}: {e}") from None
    return parameter, idx


@lru_cache(maxsize=256)
def _days_table(policy_id: str, name: str, parameter_id: int, lo: int, hi: int) -> np.ndarray:
    """For each day lo..hi (days since 1970-01-01), the index in the parameter's values of the one
    load_policy(policy_id).param(name, day) gives, -1 for a day without one."""
    policy = load_policy(policy_id)
    values = policy.parameters[name].values
    out = np.full(hi - lo + 1, -1, dtype=np.int64)
    for k in range(hi - lo + 1):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=lo + k)
        try:
            out[k] = values.index(policy.param(name, day))
        except PolicyError:
            pass
    out.setflags(write=False)
    return out


def param_values(policy, name, dates, need, table, *converts):
    """Per-claim values of a parameter, one array per `convert` (value -> scalar); filler where not needed."""
    parameter, idx = param_index(policy, name, dates, need, table)
    out = []
    for convert in converts:
        table_values = np.array([convert(v.value) for v in parameter.values] + [convert(0)])
        out.append(table_values[idx])  # idx -1 picks the trailing filler
    return out[0] if len(out) == 1 else tuple(out)


def yuan_to_fen_exact(value) -> int:
    fen = Decimal(value) * 100
    if fen != fen.to_integral_value():
        raise PolicyError(f"amount {value} is not a whole number of fen")
    return int(fen)


def ratio_parts(value) -> tuple[int, int]:
    f = Fraction(Decimal(value))
    return f.numerator, f.denominator


def ratio_num(value) -> int:
    return ratio_parts(value)[0]


def ratio_den(value) -> int:
    return ratio_parts(value)[1]


def times(amount: np.ndarray, num, den) -> np.ndarray:
    """amount (fen, >= 0) × num/den, rounded half-up to the fen: medrules.money.times on int64, exactly."""
    amount = np.asarray(amount, dtype=np.int64)
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    top = int(amount.max(initial=0)) * 2 * int(num.max(initial=1)) + int(den.max(initial=1))
    if top >= 2 ** 63:
        raise _err("claims", "amounts too large to compute exactly in 64-bit fen; split the table")
    return (2 * amount * num + den) // (2 * den)


# --------------------------------------------------------------------------------------------------------------
# Grouped accumulation: one person's calendar year
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Groups:
    """Claims sorted by (person, date, input row); a group is one person's calendar year."""
    gid: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, person, year) -> "Groups":
        n = len(person)
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (person[1:] != person[:-1]) | (year[1:] != year[:-1])
        return cls(np.cumsum(new) - 1, np.flatnonzero(new))

    def cumsum(self, x: np.ndarray) -> np.ndarray:
        """Running total within each group, including the current claim."""
        c = np.cumsum(x, dtype=np.int64)
        if not len(c):
            return c
        base = c[self.starts] - x[self.starts]
        return c - base[self.gid]

    def previous(self, values: np.ndarray, takes_part: np.ndarray) -> np.ndarray:
        """For each claim, `values` at the group's last earlier claim that takes part, else 0: what the year's
        accumulator held before this claim."""
        n = len(values)
        idx = np.where(takes_part, np.arange(n), -1)
        last = np.maximum.accumulate(idx) if n else idx
        prev = np.empty(n, dtype=np.int64)
        if n:
            prev[0] = -1
            prev[1:] = last[:-1]
        ok = prev >= self.starts[self.gid] if n else prev.astype(bool)
        return np.where(ok, values[np.maximum(prev, 0)], 0)


# --------------------------------------------------------------------------------------------------------------
# Reading and validating the claims file
# --------------------------------------------------------------------------------------------------------------

def _read_arrow(path: str):
    import pyarrow as pa
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise _err("claims", f"{path}: unknown file type {p.suffix!r}; allowed: .csv, .parquet")
    if not p.is_file():
        raise _err("claims", f"cannot read {path}: no such file")
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        try:
            return pq.read_table(p), None
        except (pa.ArrowException, OSError, ValueError) as e:
            raise _err("claims", f"{path} is not a readable Parquet file: {e}") from None
    return _read_csv(p), 2


def _read_csv(p: Path):
    import pyarrow as pa
    from pyarrow import csv as pacsv
    try:
        with open(p, "rb") as f:
            header = next(csv.reader([f.readline().decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        raise _err("claims", f"{p}: line 1 is not UTF-8 text") from None
    except (OSError, csv.Error) as e:
        raise _err("claims", f"cannot read {p}: {e}") from None
    header = [h.strip() for h in header]
    if not header or header == [""]:
        raise _err("claims", f"{p} is empty: line 1 must be the header ({', '.join(REQUIRED)}, ...)")
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise _err("claims", f"line 1: column(s) named twice: {', '.join(dup)}")
    try:
        return pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, encoding="utf8"),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True))
    except (pa.ArrowException, OSError) as e:
        raise _err("claims", _locate_csv_problem(p, len(header)) or f"{p} is not a readable CSV file: {e}") from None


def _locate_csv_problem(p: Path, width: int) -> str | None:
    """On the slow path after a parse error: the first line that is not UTF-8 or has the wrong number of fields."""
    try:
        with open(p, "rb") as raw:
            for lineno, line in enumerate(raw, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return f"line {lineno} is not UTF-8 text"
        with open(p, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            for record in reader:
                if record and len(record) != width:
                    return (f"line {reader.line_num}: expected {width} fields (as in the header), "
                            f"got {len(record)}")
    except (OSError, csv.Error) as e:
        return f"{p}: malformed CSV: {e}"
    return None


class _Column:
    """One input column as Arrow, with error naming by row."""

    def __init__(self, table, name, line_offset):
        import pyarrow as pa
        self.name = name
        self.line_offset = line_offset
        col = table.column(name)
        self.array = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

    def where(self, row: int) -> str:
        return f"row {row + 1}" + ("" if self.line_offset is None else f" (line {row + self.line_offset})")

    def fail(self, row: int, message: str):
        raise _err(f"{self.where(row)}, {self.name}", message)

    def value(self, row: int):
        return self.array[int(row)].as_py()

    def nulls(self) -> np.ndarray:
        return self.array.is_null().to_numpy(zero_copy_only=False)

    def require_present(self):
        nulls = self.nulls()
        if nulls.any():
            self.fail(int(np.argmax(nulls)), "required value is missing (empty)")

    def is_text(self) -> bool:
        import pyarrow as pa
        return pa.types.is_string(self.array.type) or pa.types.is_large_string(self.array.type)

    def text(self):
        """The column as trimmed strings (Arrow), refusing float columns: money and flags must be exact."""
        import pyarrow as pa
        import pyarrow.compute as pc
        t = self.array.type
        if pa.types.is_floating(t):
            raise _err(self.name, f"column has floating-point type {t}: values must be exact; write them as text "
                                  "or as decimal (e.g. decimal(18,2)) or integer")
        if pa.types.is_dictionary(t):
            return pc.utf8_trim_whitespace(self.array.dictionary_decode().cast(pa.string()))
        if not pa.types.is_string(t) and not pa.types.is_large_string(t):
            try:
                return pc.utf8_trim_whitespace(self.array.cast(pa.string()))
            except pa.ArrowException:
                raise _err(self.name, f"column type {t} cannot be read as text") from None
        return pc.utf8_trim_whitespace(self.array)


def _money_column(col: _Column, required: bool):
    """int64 fen and a present-flag. Fast path: plain decimals with at most two places; anything else goes
    through the scenario's own _money one value at a time (same acceptance, same messages)."""
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
            amount = _money(value if isinstance(value, str) else str(value))
        except ValueError as e:
            col.fail(int(row), str(e))
        fen[row] = int(amount * 100)
    over = np.flatnonzero(present & (fen > MAX_FEN))
    if len(over):
        col.fail(int(over[0]), f"{col.value(over[0])} is larger than the sanity bound of {MAX_AMOUNT} yuan "
                               "for one claim")
    return fen, present


def _money_fast(col: _Column):
    """Arrow's strict decimal parser over the raw column; None when any value needs the slow path (a value it
    cannot read, a negative or one beyond int64 fen): the caller then finds and names the row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    t = col.array.type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return None
    try:
        dec = pc.cast(col.array, pa.decimal128(20, 2))
    except pa.ArrowInvalid:
        return None
    words = np.frombuffer(dec.buffers()[1], dtype=np.int64).reshape(-1, 2)[dec.offset:dec.offset + len(dec)]
    present = ~dec.is_null().to_numpy(zero_copy_only=False)
    fen = np.where(present, words[:, 0], 0)
    if ((words[:, 1] != 0) & present).any() or (fen < 0).any():
        return None
    over = np.flatnonzero(fen > MAX_FEN)
    if len(over):
        col.fail(int(over[0]), f"{col.value(over[0])} is larger than the sanity bound of {MAX_AMOUNT} yuan "
                               "for one claim")
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
        col.fail(int(bad[0]), f"{col.value(bad[0])!r} is not allowed; allowed: {', '.join(allowed)}")
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
        col.fail(int(bad[0]), f"{col.value(bad[0])!r} is not a yes/no value; allowed: "
                              f"{', '.join(TRUE)} or {', '.join(FALSE)}")
    return yes


def _date_column(col: _Column) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc
    col.require_present()
    t = col.array.type
    if pa.types.is_date(t):
        return col.array.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if pa.types.is_timestamp(t):
        raise _err(col.name, f"column has timestamp type {t}: give a date (YYYY-MM-DD)")
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
        col.fail(int(bad[0]), f"{col.value(bad[0])!r} is not a date; write YYYY-MM-DD, e.g. 2023-03-10")
    safe = text

    def part(a, b):
        return pc.cast(pc.utf8_slice_codeunits(safe, a, b), pa.int64()).to_numpy(zero_copy_only=False)
    y, m, d = part(0, 4), part(5, 7), part(8, 10)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    mdays = month_days[np.clip(m, 0, 12)] + ((m == 2) & leap)
    bad = np.flatnonzero((y < 1) | (m < 1) | (m > 12) | (d < 1) | (d > mdays))
    if len(bad):
        col.fail(int(bad[0]), f"{col.value(bad[0])!r} is not a calendar date (no such day)")
    try:
        return pc.cast(text, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    except pa.ArrowInvalid as e:
        raise _err(col.name, f"cannot read the dates: {e}") from None


def pc_equal_empty(text) -> np.ndarray:
    import pyarrow.compute as pc
    return pc.fill_null(pc.equal(pc.utf8_length(text), 0), False).to_numpy(zero_copy_only=False)


def read_claims(path) -> ClaimsTable:
    """Read and validate a claims file into a ClaimsTable; any problem is a BatchInputError naming row and field."""
    table, line_offset = _read_arrow(str(path))
    return claims_from_arrow(table, line_offset)


def claims_from_arrow(table, line_offset=None) -> ClaimsTable:
    """Validate an Arrow table of claims (columns as in a claims file) into a ClaimsTable."""
    import pyarrow as pa
    if not isinstance(table, pa.Table):
        raise _err("claims", f"expected an Arrow table, got {type(table).__name__}")
    names = list(table.column_names)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise _err("claims", f"missing column(s): {', '.join(missing)}; required: {', '.join(REQUIRED)}")
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise _err("claims", f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(REQUIRED + OPTIONAL)}")
    n = table.num_rows
    if n == 0:
        raise _err("claims", "at least one claim is needed (the table has no rows)")

    def col(name):
        return _Column(table, name, line_offset)
    person = col("person_id")
    person.require_present()
    empty = np.flatnonzero(pc_equal_empty(person.text()))
    if len(empty):
        person.fail(int(empty[0]), "required value is missing (empty)")
    encoded = person.text().dictionary_encode()
    values = {"row": np.arange(n, dtype=np.int64),
              "person": encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)}
    uniques = encoded.dictionary
    values["category"] = _choice_column(col("category"), CODES["category"])
    values["insurance"] = _choice_column(col("insurance"), CODES["insurance"])
    values["date"] = _date_column(col("date"))
    values["setting"] = _choice_column(col("setting"), CODES["setting"])
    values["facility"] = (_choice_column(col("facility"), CODES["facility"], required=False)
                          if "facility" in names else np.full(n, -1, dtype=np.int8))
    for name in MONEY_COLUMNS:
        if name in names:
            fen, present = _money_column(col(name), required=(name == "policy_range_cost"))
        else:
            fen, present = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        values[name] = fen
        if name != "policy_range_cost":
            values["has_" + name] = present
    for name in BOOL_COLUMNS:
        values[name] = _bool_column(col(name))
    claims = ClaimsTable(**values, line_offset=line_offset)
    claims.person_ids = uniques  # for the output
    _check_rows(claims)
    return claims


def _check_rows(t: ClaimsTable) -> None:
    """Checks across columns: the slip within the cost, one category and insurance per person, no duplicates."""
    import pandas as pd
    slips = sum(getattr(t, f) for f in ("basic_insurance_paid", "critical_illness_paid",
                                         "supplementary_insurance_paid"))
    over = np.flatnonzero(slips > t.policy_range_cost)
    if len(over):
        i = int(over[0])
        raise _err(f"{t.where(i)}, policy_range_cost", f"the slip amounts (basic_insurance_paid, "
                   f"critical_illness_paid, supplementary_insurance_paid) add up to {fen_text(slips[i])}, more "
                   f"than policy_range_cost {fen_text(t.policy_range_cost[i])}")
    first_pos = _first_positions(t.person)
    for field in ("category", "insurance"):
        values = getattr(t, field)
        if first_pos is not None:
            first = values[first_pos[t.person]]
        else:
            first = pd.Series(values).groupby(t.person, sort=False).transform("first").to_numpy()
        differ = np.flatnonzero(first != values)
        if len(differ):
            i = int(differ[0])
            earlier = int(np.flatnonzero(t.person == t.person[i])[0])
            raise _err(f"{t.where(i)}, {field}", f"{CODES[field][values[i]]!r} differs from "
                       f"{CODES[field][first[i]]!r} given for the same person_id on {t.where(earlier)}: one person "
                       f"has one {field}")
    dup = _duplicates(t)
    if dup is not None:
        i, first = dup
        raise _err(f"{t.where(i)}, person_id", f"duplicate claim: same person, date, setting and amounts as "
                   f"{t.where(first)}; remove one (or, if both are real, tell them apart by their amounts)")


def _first_positions(person: np.ndarray):
    """Where each person code first appears, when codes were given in order of first appearance (as Arrow's
    dictionary_encode gives them): position i is a first appearance iff its code exceeds all before it. None if
    the codes are not in that order."""
    if not len(person):
        return None
    before = np.empty_like(person)
    before[0] = -1
    before[1:] = np.maximum.accumulate(person)[:-1]
    first = np.flatnonzero(person > before)
    if len(first) != int(person.max()) + 1 or not np.array_equal(person[first], np.arange(len(first))):
        return None
    return first


def _duplicates(t: ClaimsTable):
    """(later, earlier) positions of the first exact duplicate (same person, date, setting and amounts), or None.
    A 64-bit hash of the key finds candidates with one sort; candidates are then compared exactly."""
    keys = [t.person, t.date.astype(np.int64), t.setting.astype(np.int64), t.policy_range_cost]
    for f in MONEY_COLUMNS[1:]:
        keys.append(np.where(getattr(t, "has_" + f), getattr(t, f), -1))
    h = np.zeros(len(t), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in keys:
            h ^= k.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2))
            h *= np.uint64(0xBF58476D1CE4E5B9)
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


# --------------------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------------------

def sort_claims(t: ClaimsTable) -> np.ndarray:
    """The order the rules need: by person, then date, ties in input order."""
    n = len(t)
    if not n:
        return np.zeros(0, dtype=np.int64)
    days = t.date.astype(np.int64)
    d0, nd = int(days.min()), int(days.max() - days.min()) + 1
    rows = int(t.row.max()) + 1
    if (int(t.person.max()) + 1) * nd * rows < 2 ** 63:  # one int64 key: faster than lexsort
        key = (t.person * nd + (days - d0)) * rows + t.row
        return np.argsort(key)
    return np.lexsort((t.row, t.date, t.person))


def evaluate_table(t: ClaimsTable, policy_id: str, inputs: dict, progress=None) -> dict:
    """Every claim through the policy's vectorised rules, in chunks cut at person boundaries. Returns int64 fen
    arrays per layer (and the module's decisions), in the table's own order."""
    module = batch_module(policy_id)
    policy = load_policy(policy_id)
    inputs = check_inputs(policy, inputs)
    order = sort_claims(t)
    person_sorted = t.person[order]
    n = len(t)
    out = None
    start = 0
    while start < n:
        stop = min(start + CHUNK_ROWS, n)
        if stop < n:  # never split a person
            stop = int(np.searchsorted(person_sorted, person_sorted[stop - 1], side="right"))
        part = order[start:stop]
        result = module.evaluate(t.take(part), policy, inputs)
        if out is None:
            out = {k: np.empty(n, dtype=v.dtype) for k, v in result.items()}
        for k, v in result.items():
            out[k][part] = v
        if progress is not None:
            progress.update(stop - start)
        start = stop
    return out


def evaluate_partition(frame, policy_id: str, inputs: dict, line_offset=None):
    """Dask partition function: a pandas frame holding whole persons → a frame of row and result columns."""
    import pandas as pd
    frame = frame.reset_index(drop=True)
    t = ClaimsTable.from_frame(frame, line_offset)
    module = batch_module(policy_id)
    policy = load_policy(policy_id)
    order = sort_claims(t)
    result = module.evaluate(t.take(order), policy, inputs) if len(t) else {}
    cols = {"row": t.row[order]}
    for k in module.RESULT_COLUMNS:
        cols[k] = result[k] if len(t) else np.zeros(0, dtype=module.RESULT_DTYPES[k])
    return pd.DataFrame(cols)


def person_partitions(t: ClaimsTable, nparts: int):
    """The claims as a Dask dataframe whose partitions hold whole persons."""
    import dask.dataframe as dd
    import pandas as pd
    frame = t.to_frame()
    # Sorted by person code and indexed by it: Dask's divisions then never split one index value (one person)
    # across two partitions, with no shuffle. (Data read by the workers themselves would get the same layout
    # from ddf.set_index("person") — see README, "Batch evaluation".)
    frame = frame.iloc[np.argsort(t.person, kind="stable")]
    frame.index = pd.Index(frame["person"].to_numpy(), name="person_key")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph")
        ddf = dd.from_pandas(frame, npartitions=nparts, sort=True)
    div = ddf.divisions
    if not ddf.known_divisions or any(a >= b for a, b in zip(div[:-1], div[1:-1])):
        raise RuntimeError(f"dask partitions would split a person (divisions {div})")
    return ddf


def evaluate_table_dask(t: ClaimsTable, policy_id: str, inputs: dict, npartitions: int | None = None,
                        scheduler=None) -> dict:
    """The same evaluation with Dask: the claims are partitioned by person (sorted and indexed by person code), so
    each person's year sits whole in one partition and accumulates exactly as in the pandas path. Uses the current
    distributed Client if there is one, else `scheduler` (an address or a Dask scheduler name), else Dask's
    default."""
    import dask
    import pandas as pd
    module = batch_module(policy_id)
    inputs = check_inputs(load_policy(policy_id), inputs)
    n = len(t)
    ddf = person_partitions(t, npartitions or max(1, min(64, n // CHUNK_ROWS + 1)))
    meta = pd.DataFrame({"row": np.zeros(0, np.int64),
                         **{k: np.zeros(0, module.RESULT_DTYPES[k]) for k in module.RESULT_COLUMNS}})
    res = ddf.map_partitions(evaluate_partition, policy_id, inputs, t.line_offset, meta=meta)
    client = _current_client()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph")
        if client is None and isinstance(scheduler, str) and ":" in scheduler:
            from distributed import Client
            with Client(scheduler) as c:
                done = c.compute(res).result()
        elif client is not None:
            done = client.compute(res).result()
        else:
            with dask.config.set(scheduler=scheduler or "threads"):
                done = res.compute()
    done = done.sort_values("row")
    if len(done) != n or not np.array_equal(done["row"].to_numpy(), np.arange(n)):
        raise RuntimeError("dask path lost or duplicated claims")
    return {k: done[k].to_numpy() for k in module.RESULT_COLUMNS}


def _current_client():
    try:
        from distributed import get_client
        return get_client()
    except (ImportError, ValueError):
        return None


# --------------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------------

def _decimal_array(fen: np.ndarray):
    """int64 fen (>= 0) → Arrow decimal128(18,2) yuan, exactly (the unscaled value of a decimal is the fen)."""
    import pyarrow as pa
    words = np.zeros((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words.tobytes())])


def result_table(t: ClaimsTable, result: dict, policy_id: str):
    import pyarrow as pa
    cols = {
        "row": pa.array(t.row + 1),
        "person_id": pa.DictionaryArray.from_arrays(pa.array(t.person, pa.int32()), t.person_ids),
        "date": pa.array(t.date.astype("datetime64[D]"), type=pa.date32()),
        "setting": pa.DictionaryArray.from_arrays(pa.array(t.setting, pa.int8()), pa.array(CODES["setting"])),
        "policy_range_cost": _decimal_array(t.policy_range_cost),
    }
    for k in OUTPUTS:
        cols[k] = _decimal_array(result[k])
    for k, v in result.items():
        if k not in cols:
            cols[k] = pa.array(v)
    meta = {"medrules.policy": policy_id, "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "1 = first data row of the input"}
    return pa.table(cols).replace_schema_metadata(meta)


def check_out(out) -> Path:
    out = Path(out)
    if not out.parent.is_dir():
        raise _err("out", f"{out.parent} is not a directory")
    if out.is_dir():
        raise _err("out", f"{out} is a directory; give a file name such as result.parquet")
    return out


def write_atomically(table, out: Path) -> None:
    """Write to a temporary file beside `out` and rename it into place only once complete."""
    import pyarrow.parquet as pq
    out = check_out(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
    try:
        pq.write_table(table, tmp, store_decimal_as_integer=True, use_dictionary=["person_id", "setting"])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def totals(result: dict) -> dict:
    """Per-layer totals in fen (Python ints, no overflow)."""
    return {k: int(np.asarray(result[k]).sum(dtype=np.int64)) for k in OUTPUTS}


def format_totals(t: dict, rows: int) -> str:
    width = max(len(k) for k in t)
    lines = [f"{rows:,} claims; totals in yuan:"]
    lines += [f"  {k:<{width}}  {fen_to_yuan(v):>20,.2f}" for k, v in t.items()]
    return "\n".join(lines)


def run_batch(policy_id: str, claims_path, out_path, engine="pandas", inputs_path=None, stream=None,
              scheduler=None) -> dict:
    """The whole run: validate, evaluate, write atomically, print the totals; returns the totals in fen."""
    stream = stream or sys.stdout
    batch_module(policy_id)
    check_out(out_path)
    inputs = load_inputs(inputs_path)
    check_inputs(load_policy(policy_id), inputs)  # fail on bad inputs before reading a large file
    t = read_claims(claims_path)
    n = len(t)
    if engine == "dask":
        result = evaluate_table_dask(t, policy_id, inputs, scheduler=scheduler)
    elif engine == "pandas":
        from tqdm import tqdm
        show = sys.stderr.isatty() or n > PROGRESS_MIN_ROWS
        with tqdm(total=n, unit="claims", file=sys.stderr, disable=not show, desc=policy_id) as bar:
            result = evaluate_table(t, policy_id, inputs, progress=bar)
    else:
        raise _err("engine", f"{engine!r}; allowed: pandas, dask")
    write_atomically(result_table(t, result, policy_id), Path(out_path))
    tot = totals(result)
    print(format_totals(tot, n), file=stream)
    return tot


# --------------------------------------------------------------------------------------------------------------
# Command line (registered in medrules/cli.py)
# --------------------------------------------------------------------------------------------------------------

def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="evaluate a claims table (CSV or Parquet) and write per-claim results as Parquet")
    p.add_argument("claims", help="claims table: .csv or .parquet, one row per claim")
    p.add_argument("--policy", required=True, help="policy ID; allowed: " + ", ".join(batch_policies()))
    p.add_argument("--out", required=True, help="result .parquet (written to a temporary file, then renamed)")
    p.add_argument("--engine", choices=("pandas", "dask"), default="pandas")
    p.add_argument("--inputs", help="JSON object of the policy's inputs (as a scenario's \"inputs\")")
    p.add_argument("--scheduler", help="dask only: a distributed scheduler address (tcp://host:8786)")
    p.set_defaults(run=_run)


def _run(args) -> int:
    run_batch(args.policy, args.claims, args.out, engine=args.engine, inputs_path=args.inputs,
              scheduler=args.scheduler)
    return 0


__all__ = ["run_batch", "read_claims", "evaluate_table", "evaluate_table_dask", "ClaimsTable", "batch_policies",
           "BatchInputError"]
