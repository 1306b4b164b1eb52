"""The persons' identity records (人员身份信息): which status each holds, from which day to which day, beside the claims.

    python -m medrules batch --policy ID CLAIMS.csv --people IDENTITY.csv --out R.parquet
    python -m medrules batch --layout nhsa --codes MAP.yaml --policy ID SETTLEMENTS.csv --people IDENTITY.csv ...

One row per record, in the layout of the claims beside it:
- ours: `person_id, status, from, to` — a status code (medrules.core.categories.STATUSES), recognised on `from`,
  ended on `to` (both YYYY-MM-DD and included; empty: not stated, open);
- nhsa: the national identity record (transaction 1101 人员信息获取, output `idetinfo`): `psn_no, psn_idet_type,
  begntime, endtime` (times yyyy-MM-dd HH:mm:ss, or days), the region's psn_idet_type codes mapped to statuses by the
  same mapping file as the claims (one code may mean several statuses: a record for each).
A person with no record holds no dated status; records of persons with no claim are left alone. Each claim is judged
by the statuses in force on its date, counted as the policy's own rule says (medrules.core.claims.statuses_on_dates).
"""
from __future__ import annotations

import numpy as np

from ..core.categories import STATUSES
from ..core.claims import STATUS_CODES, Claims, Identity
from . import arrow
from .columns import Column, choice_column, date_column, err, pc_equal_empty
from .files import read_arrow

COLUMNS = {"ours": ("person_id", "status", "from", "to"), "nhsa": ("psn_no", "psn_idet_type", "begntime", "endtime")}


def read_people(path, layout: str, codes: dict | None, claims: Claims) -> Claims:
    """The claims with the identity records of their persons (Claims.identity); a problem names file, row, field."""
    return with_identity(claims, identity_records(path, layout, codes))


def identity_records(path, layout: str, codes: dict | None) -> tuple:
    """The identity table's records as (person ids as text, status bit, first day, last day), days since
    1970-01-01 (open: ±Identity.OPEN); a problem names the file, its row and field."""
    person_col, status_col, start_col, end_col = COLUMNS[layout]
    table, line_offset = read_arrow(str(path), COLUMNS[layout], COLUMNS[layout], what="people")
    missing = [c for c in COLUMNS[layout] if c not in table.column_names]
    if missing:
        raise err("people", "error.people_missing_columns", names=", ".join(missing),
                  required=", ".join(COLUMNS[layout]))

    def col(name):
        return Column(table, name, line_offset, label=f"{path}: ")
    person = col(person_col)
    person.require_present()
    if layout == "nhsa":
        from .nhsa import mapped_codes
        rows, bits = _expand(mapped_codes(col(status_col), codes["psn_idet_type"], statuses=True))
    else:
        index = choice_column(col(status_col), tuple(STATUSES))
        rows, bits = np.arange(table.num_rows), (1 << index.astype(np.int64)).astype(np.int32)
    start = _days(col(start_col), layout, -Identity.OPEN)
    end = _days(col(end_col), layout, Identity.OPEN)
    backwards = np.flatnonzero(end < start)
    if len(backwards):
        i = int(backwards[0])
        col(end_col).fail(i, "error.people_dates_order", start=col(start_col).value(i), end=col(end_col).value(i))
    ids = np.array(person.text().to_pylist(), dtype=object)   # not to_numpy: it would import pandas
    return ids[rows], bits, start[rows], end[rows]


def with_identity(claims: Claims, records: tuple) -> Claims:
    """The claims with the records of their persons as Claims.identity (records of others left out)."""
    ids, bits, start, end = records
    code = _person_codes(ids, claims)
    keep = code >= 0
    identity = Identity(code[keep], bits[keep], start[keep], end[keep])
    out = Claims(claims.columns, claims.person_ids, claims.line_offset, identity)
    out.__dict__.update({k: v for k, v in claims.__dict__.items() if k not in out.__dict__})   # the file's names
    return out


def _person_codes(ids: np.ndarray, claims: Claims) -> np.ndarray:
    """Each record's person as the claims' person code (-1 for a person with no claim)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    known = claims.person_ids
    known = arrow.strings(known) if not isinstance(known, (pa.Array, pa.ChunkedArray)) else known
    if pa.types.is_dictionary(known.type):
        known = known.dictionary_decode()
    return arrow.filled(pc.index_in(arrow.strings(ids.tolist()), value_set=known.cast(pa.string())), -1).astype(
        np.int64)


def _expand(statuses) -> tuple[np.ndarray, np.ndarray]:
    """Statuses joined with ; per record → (record row, status bit) for each status a record names."""
    values = statuses.to_pylist()
    rows, bits = [], []
    for i, text in enumerate(values):
        for s in filter(None, (text or "").split(";")):
            rows.append(i)
            bits.append(1 << STATUS_CODES.index(s))
    return np.array(rows, dtype=np.int64), np.array(bits, dtype=np.int32)


def _days(c: Column, layout: str, missing: int) -> np.ndarray:
    """A record's dates as days since 1970-01-01; empty is `missing` (open). National times keep their day."""
    import pyarrow as pa
    import pyarrow.compute as pc
    text = c.text()
    empty = pc_equal_empty(text) | c.nulls()
    if layout == "nhsa":
        text = pc.utf8_slice_codeunits(text, 0, 10)
    filler = arrow.strings(["1970-01-01"])[0]   # a scalar from a Python str, or pa.array, would import pandas
    day = date_column(Column(pa.table({c.name: pc.if_else(arrow.arrow_of(empty, pa.bool_()), filler, text)}), c.name,
                             c.line_offset, c.row_offset, label=c.label))
    return np.where(empty, missing, day.astype("datetime64[D]").astype(np.int64))
