"""Claims files: a CSV or Parquet table of settlements read and validated into columns (medrules/core/claims.py).

Two layouts: ours (`person_id, statuses|category, insurance, date, setting, policy_range_cost, …`, as a scenario
names its fields) and `nhsa`, the national medical security information platform's settlement record (结算信息)
field names (`psn_no, setl_time, insutype, med_type, medfee_sumamt, …`), whose region-specific codes come through
a small mapping file (examples/nhsa-codes.yaml).

Money is read from its text (or Parquet decimal/integer) form straight into int64 fen, never through float. Any
problem is a BatchInputError naming the row (row 1 is the first data row; in a CSV that is line 2) and the field.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..core.categories import CATEGORIES, CATEGORY_STATUSES, STATUSES
from ..core.claims import CODES, FLAG_FIELDS, MONEY_FIELDS, STATUS_CODES, Claims, status_mask, statuses_of
from ..core.messages import read_problem
from . import arrow
from .files import read_arrow
from .columns import (CORES, Column, bool_column, choice_column, date_column, err, money_column, parse_columns,
                      pc_equal_empty)

PARSE_THREADS = CORES                          # columns parsed at once on a large table
PARSE_THREADS_FROM = 50_000             # rows; below, one thread is quicker
REQUIRED = ("person_id", "insurance", "date", "setting", "policy_range_cost")
PERSON_COLUMNS = ("statuses", "category")   # one of them: statuses "dibao;yinbing_zhipin" (empty for none)
# The medical institution that settled the claim (定点医药机构编号; the national layout's fixmedins_code): kept as a
# code per claim (Claims.institution, -1 where not given) with the codes' text in Claims.institution_ids, for the audit.
INSTITUTION = "institution"
OPTIONAL = PERSON_COLUMNS + ("facility", INSTITUTION) + MONEY_FIELDS[1:] + FLAG_FIELDS
MONEY_COLUMNS = MONEY_FIELDS
BOOL_COLUMNS = FLAG_FIELDS
# Set by the national layout's reader (medrules/tables/nhsa.py): the record's amounts do not balance.
INTERNAL = ("record_unbalanced",)


def read_claims(path, layout: str = "ours", codes_path=None, lap=None, people_path=None) -> Claims:
    """Read and validate a claims file into Claims; any problem is a BatchInputError naming row and field.
    With `people_path`, the persons' dated identity records (medrules/tables/people.py) come from that table, and
    a statuses column in the claims is optional. `lap(step)` is told when the file is read and when it is validated
    (batch --timings)."""
    if layout not in ("ours", "nhsa"):
        raise err("layout", "error.choice", got=repr(layout), allowed="ours, nhsa")
    if layout == "nhsa":
        from .nhsa import KNOWN, REQUIRED as NHSA_REQUIRED, to_our_layout
        table, line_offset = read_arrow(str(path), NHSA_REQUIRED, KNOWN)
    else:
        table, line_offset = read_arrow(str(path), REQUIRED, REQUIRED + OPTIONAL)
    if lap is not None:
        lap("read")
    codes = None
    if layout == "nhsa":
        from .nhsa import load_codes
        codes = load_codes(codes_path)
        table = to_our_layout(table, codes, line_offset, people=people_path is not None)
    claims = claims_from_arrow(table, line_offset, statuses_required=people_path is None)
    if people_path is not None:
        from .people import read_people
        claims = read_people(people_path, layout, codes, claims)
    if lap is not None:
        lap("validate")
    return claims


def claims_from_arrow(table, line_offset=None, row_offset: int = 0, statuses_required: bool = True) -> Claims:
    """Validate an Arrow table of claims (columns as in a claims file) into Claims. `row_offset` numbers the rows
    of a part of a larger file (Dask). Without `statuses_required` (the statuses come from an identity table), a
    table may have neither statuses nor category: its people then hold none throughout."""
    import pyarrow as pa
    if not isinstance(table, pa.Table):
        raise err("claims", "error.not_arrow", got=type(table).__name__)
    names = list(table.column_names)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise err("claims", "error.missing_columns", names=", ".join(missing), required=", ".join(REQUIRED))
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL + INTERNAL]
    if unknown:
        raise err("claims", "error.unknown_columns", names=", ".join(unknown), allowed=", ".join(REQUIRED + OPTIONAL))
    person_cols = [c for c in PERSON_COLUMNS if c in names]
    if len(person_cols) > 1 or (statuses_required and not person_cols):
        raise err("claims", "error.statuses_or_category_column", categories=", ".join(CATEGORIES))
    n = table.num_rows
    if n == 0:
        raise err("claims", "error.no_rows")

    def col(name):
        return Column(table, name, line_offset, row_offset)

    def person_codes():
        person = col("person_id")
        person.require_present()
        return _person_codes(person)

    def categories():
        masks = np.array([status_mask(CATEGORY_STATUSES[c]) for c in CATEGORIES], dtype=np.int32)
        return masks[choice_column(col("category"), tuple(CATEGORIES))]

    def money(name):
        if name not in names:
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        return money_column(col(name), required=(name == "policy_range_cost"))

    # Each column is parsed on its own, in this order; the first that fails in this order is the error reported.
    parsers = {
        "person": person_codes,
        "statuses": ((lambda: _statuses_column(col("statuses"))) if "statuses" in names else categories
                     if "category" in names else (lambda: np.zeros(n, dtype=np.int32))),
        "insurance": lambda: choice_column(col("insurance"), CODES["insurance"]),
        "date": lambda: date_column(col("date")),
        "setting": lambda: choice_column(col("setting"), CODES["setting"]),
        "facility": ((lambda: choice_column(col("facility"), CODES["facility"], required=False))
                     if "facility" in names else (lambda: np.full(n, -1, dtype=np.int8))),
        **{name: (lambda name=name: money(name)) for name in MONEY_FIELDS},
        # yes/no facts a claim may carry; not given (unknown) where the table has no such column
        **{name: ((lambda name=name: bool_column(col(name))) if name in names
                  else (lambda: (np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)))) for name in FLAG_FIELDS},
    }
    parsed = parse_columns(parsers, threads=PARSE_THREADS if n >= PARSE_THREADS_FROM else 1)
    codes, person_ids = parsed.pop("person")
    if "record_unbalanced" in names:
        unbalanced = table.column("record_unbalanced").combine_chunks()
        parsed["record_unbalanced"] = arrow.values(unbalanced) & arrow.valid(unbalanced)
    values = {"row": np.arange(row_offset, row_offset + n, dtype=np.int64), "person": codes}
    for name, value in parsed.items():
        if name in MONEY_FIELDS or name in FLAG_FIELDS:
            values[name], values["has_" + name] = value
        else:
            values[name] = value
    if INSTITUTION in names:
        values[INSTITUTION], institution_ids = _institution_codes(col(INSTITUTION))
    claims = Claims(values, person_ids=person_ids, line_offset=line_offset)
    if INSTITUTION in names:
        claims.__dict__["institution_ids"] = institution_ids
    claims.__dict__["status_column"] = person_cols[0] if person_cols else "statuses"   # errors name the file's column
    check_rows(claims)
    return claims


def _person_codes(person: Column):
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
            return arrow.values(a.indices).astype(np.int64), ids
    text = person.text()
    empty = np.flatnonzero(pc_equal_empty(text))
    if len(empty):
        person.fail(int(empty[0]), "error.value_missing")
    encoded = text.dictionary_encode()
    return arrow.values(encoded.indices).astype(np.int64), encoded.dictionary


def _institution_codes(col) -> tuple[np.ndarray, list[str]]:
    """(int32 code per row, -1 where empty; the institutions' codes as text by code)."""
    text = col.text()
    encoded = text.dictionary_encode()   # through the buffers (tables/arrow.py): no pandas on a batch run
    codes = arrow.filled(encoded.indices, -1, np.int32).astype(np.int32)
    ids = encoded.dictionary.to_pylist()
    if "" in ids:   # an empty cell names no institution
        k = ids.index("")
        ids.pop(k)
        codes[codes == k] = -1
        codes[codes > k] -= 1
    return codes, ids


def _statuses_column(col) -> np.ndarray:
    """'dibao;yinbing_zhipin' → bit mask; empty for none. Parsed once per distinct value."""
    encoded = col.text().dictionary_encode()   # an empty cell (null) is no status: the code after the last value
    masks = []
    for k, value in enumerate(encoded.dictionary.to_pylist()):
        parts = [p.strip() for p in value.split(";") if p.strip()]
        bad = [p for p in parts if p not in STATUSES]
        if bad or len(set(parts)) != len(parts):
            row = int(np.argmax((arrow.values(encoded.indices) == k) & arrow.valid(encoded.indices)))
            if bad:
                col.fail(row, "error.not_a_status", got=repr(bad[0]), allowed=", ".join(STATUS_CODES))
            col.fail(row, "error.status_twice_in_row", allowed=", ".join(STATUS_CODES))
        masks.append(status_mask(parts))
    masks.append(0)
    return np.array(masks, dtype=np.int32)[arrow.filled(encoded.indices, len(masks) - 1)]


def check_rows(t: Claims) -> None:
    """Checks across columns: one status set and insurance per person, no duplicates. (A row whose amounts
    contradict each other is not refused: the engine leaves it unsettled and says why.)"""
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
            raise err(f"{t.where(i)}, {name}", "error.person_differs", got=repr(text(values[i])),
                       first=repr(text(first[i])), where=t.where(earlier), name=name)
    dup = _duplicates(t)
    if dup is not None:
        i, first = dup
        raise err(f"{t.where(i)}, person_id", "error.duplicate_row", where=t.where(first))


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
        raise err(what, read_problem(path, e, "error.cannot_read_plain")) from None

    def reject_constant(name):
        raise err(what, "error.json_constant", name=name)
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=reject_constant)
    except json.JSONDecodeError as e:
        raise err(what, "error.json_malformed_in", path=path, line=e.lineno, column=e.colno, reason=e.msg) from None
    except (RecursionError, ValueError) as e:
        raise err(what, "error.json_unreadable_in", path=path, reason=type(e).__name__) from None
    if not isinstance(data, dict):
        raise err(what, "error.scenario_not_object", got=type(data).__name__)
    return data
