"""Tables read from CSV or Parquet files as Arrow, with one-line errors naming the file and the line: claims in either
layout, and the identity records beside them. A CSV's every column is read as text, for the column checks of
medrules/tables/columns.py to parse exactly."""
from __future__ import annotations

import csv
from pathlib import Path

from ..core.messages import Problem, read_problem
from .columns import err


def read_arrow(path: str, required: tuple, known: tuple, what: str = "claims"):
    """A CSV or Parquet table as Arrow (CSV: every column as text) and the CSV line of row 0 (None for Parquet).
    `required` and `known` are the layout's column names: a CSV's first line must name some of them (its header)."""
    import pyarrow as pa
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise err(what, "error.claims_file_type", path=path, got=repr(p.suffix))
    if not p.is_file():
        raise err(what, "error.cannot_read_no_file", path=path)
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        try:
            return pq.ParquetFile(p).read(), None   # not read_table: it imports pyarrow.dataset (0.2 s)
        except (pa.ArrowException, OSError, ValueError) as e:
            raise err(what, "error.not_parquet", path=path, reason=e) from None
    return _read_csv(p, required, known, what), 2


def _read_csv(p: Path, required: tuple, known: tuple, what: str):
    import pyarrow as pa
    from pyarrow import csv as pacsv
    try:
        with open(p, "rb") as f:
            header = next(csv.reader([f.readline().decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        raise err(what, "error.line_not_utf8", where=f"{p}: ", line=1) from None
    except (OSError, csv.Error) as e:
        raise err(what, read_problem(str(p), e, "error.cannot_read_plain")) from None
    header = [h.strip() for h in header]
    if not header or header == [""]:
        raise err(what, "error.csv_empty", path=p, required=", ".join(required))
    if not set(header) & set(known):
        raise err(what, "error.csv_no_header", required=", ".join(required))
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise err(what, "error.csv_columns_twice", names=", ".join(dup))
    try:
        return pacsv.read_csv(
            p,
            # Blocks of 64 MiB: a long field is read whole, then refused by its column's check, naming its row.
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, encoding="utf8", block_size=1 << 26),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True))
    except (pa.ArrowException, OSError) as e:
        raise err(what, _locate_csv_problem(p, len(header)) or Problem("error.not_csv", path=p, reason=e)) from None


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
