"""A batch result as an exact table: each layer as decimal(18,2) yuan (null where undetermined), what is
undetermined and why, the decisions; written to a temporary file beside --out and renamed when whole; the totals
as the command prints them."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..core.claims import CODES, Claims, yuan
from ..core.messages import msg, text
from ..core.rulebook import LAYERS
from ..core.trace import bilingual
from ..core.writes import write_together
from .arrow import arrow_of, strings
from .columns import decimal_array, decision_array, err
from .settle import Settled


def result_table(t: Claims, s: Settled, policy_id: str, provenance: dict | None = None):
    import pyarrow as pa
    cols = {   # built from the arrays' buffers (medrules.tables.arrow): pa.array would import pandas
        "row": arrow_of(t.row + 1, pa.int64()),
        "person_id": pa.DictionaryArray.from_arrays(arrow_of(t.person, pa.int32()), t.person_ids),
        "date": arrow_of(t.date.astype("datetime64[D]"), pa.date32()),
        "setting": pa.DictionaryArray.from_arrays(arrow_of(t.setting, pa.int8()), strings(CODES["setting"])),
        "policy_range_cost": decimal_array(t.policy_range_cost),
    }
    for k in LAYERS:
        cols[k] = decimal_array(s.amounts[k], s.known[k])
    cols["out_of_pocket"] = decimal_array(s.amounts["out_of_pocket"], s.priced)
    cols["complete"] = arrow_of(s.complete, pa.bool_())
    upper, upper_texts = s.upper_bound_codes()
    if upper_texts:   # a layer whose amount is only the most it pays (a reading says so)
        cols["upper_bound"] = pa.DictionaryArray.from_arrays(arrow_of(upper, pa.int32(), upper >= 0),
                                                             strings(upper_texts))
    cols["undetermined"] = pa.DictionaryArray.from_arrays(
        arrow_of(s.undetermined_code, pa.int32(), s.undetermined_code >= 0), strings(s.texts))
    if t.has_total_cost.any():
        cols["total_cost"] = decimal_array(t.total_cost, t.has_total_cost)
        cols["total_out_of_pocket"] = decimal_array(s.total_out_of_pocket, t.has_total_cost & s.priced)
    if t.has_medical_assistance_paid.any():
        cols["medical_assistance_recorded"] = decimal_array(t.medical_assistance_paid, t.has_medical_assistance_paid)
    for k, (values, given) in s.decisions.items():
        cols[k] = decision_array(values, given)
    meta = {"medrules.policy": policy_id, "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "1 = first data row of the input"}
    if provenance:
        meta["medrules.provenance"] = json.dumps(provenance, ensure_ascii=False)
    return pa.table(cols).replace_schema_metadata(meta)


def check_out(out, inputs=(), dataset: bool = False) -> Path:
    """--out: a .parquet name in an existing folder, never one of the inputs. A dataset run writes a folder of
    that name and may replace an earlier result folder (only part-*.parquet files in it), nothing else."""
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv") or (dataset and out.suffix.lower() != ".parquet"):
        raise err("out", "error.out_format_dataset" if dataset else "error.out_format", path=out)
    if not out.parent.is_dir():
        raise err("out", "error.not_a_folder", path=out.parent)
    if out.is_dir() and not (dataset and all(p.name.startswith("part-") and p.suffix == ".parquet"
                                             for p in out.iterdir())):
        raise err("out", "error.out_is_other_folder" if dataset else "error.out_is_folder", path=out)
    if dataset and out.is_file():
        raise err("out", "error.out_is_file", path=out)
    for given in inputs:
        if given is not None and Path(given).exists() and out.exists() and os.path.samefile(out, given):
            raise err("out", "error.out_is_input", path=out)
        if given is not None and dataset and Path(given).is_dir() and out.resolve() == Path(given).resolve():
            raise err("out", "error.out_is_input_folder", path=out)
    return out


def check_chart(chart_path, inputs=()) -> Path | None:
    """A --chart path: a .png in a folder that exists, not one of the inputs (None when not asked for)."""
    if chart_path is None:
        return None
    chart = Path(chart_path)
    if chart.suffix.lower() != ".png" or not chart.parent.is_dir():
        raise err("chart", "error.reform_chart", path=chart)
    for g in inputs:
        if g is not None and Path(g).exists() and Path(g).resolve() == chart.resolve():
            raise err("chart", "error.reform_chart_is_input", path=chart)
    return chart


def write_atomically(table, out: Path) -> None:
    """Write to a temporary file beside `out` and rename it into place only once complete; a failed write
    (full disk, file-size limit, read-only, permission) is WriteFailed naming `out`, nothing left behind."""
    def write(tmp):
        if out.suffix.lower() == ".csv":  # decimals are written as their exact text (1234.50)
            from pyarrow import csv as pacsv
            pacsv.write_csv(table, tmp)
        else:
            write_parquet(table, tmp)
    write_together([(write, out)])


def write_parquet(table, path) -> None:
    """A result table as Parquet, in the encodings measured cheapest to write on a 1,000,000-claim result (about
    two thirds of the earlier time, 60% of its size) among those every Parquet reader knows, reading back the same
    values: repeated text (person_id, setting, undetermined — dictionary columns) and dates dictionary-encoded;
    `row` and the money columns (decimal stored as int64) delta-encoded; min/max statistics on every column but the
    text ones, whose string comparisons cost more than the rest of their writing."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    texts = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    dates = [f.name for f in table.schema if pa.types.is_date(f.type)]
    delta = {f.name: "DELTA_BINARY_PACKED" for f in table.schema
             if pa.types.is_decimal(f.type) or (pa.types.is_int64(f.type) and f.name == "row")}
    pq.write_table(table, path, store_decimal_as_integer=True, use_dictionary=texts + dates, column_encoding=delta,
                   write_statistics=[name for name in table.column_names if name not in texts])


def totals(s: Settled) -> dict:
    """Per-layer totals in fen over the claims where the layer is settled (Python ints, no overflow)."""
    out = {k: int(s.amounts[k][s.known[k]].sum(dtype=np.int64)) for k in LAYERS}
    out["out_of_pocket"] = int(s.amounts["out_of_pocket"][s.priced].sum(dtype=np.int64))
    return out


COUNTS = tuple(f"open_{k}" for k in LAYERS) + ("incomplete", "outside", "bounded", "contradicted")


def claim_counts(s: Settled) -> dict:
    """What the totals leave out, counted (Python ints, summed over a folder's parts): per layer the claims in force
    where it is undetermined; the claims not complete (a layer undetermined, or outside the validity) and of those
    outside the validity; those whose amounts are settled but a layer's only an upper bound; those whose record
    contradicts itself."""
    all_known = np.logical_and.reduce([s.known[k] for k in LAYERS])
    out = {f"open_{k}": int((s.in_force & ~s.known[k]).sum()) for k in LAYERS}
    out["incomplete"] = int((~all_known | ~s.in_force).sum())
    out["outside"] = int((~s.in_force).sum())
    out["bounded"] = int((s.in_force & all_known & np.logical_or.reduce([s.upper[k] for k in LAYERS])).sum())
    out["contradicted"] = int(s.contradicted.sum())
    return out


def format_totals(t: dict, rows: int, counts: dict | None = None) -> str:
    """The totals as the command prints them: each sentence in Chinese, then in English; layers by both names.
    `counts` (claim_counts) adds what they leave out."""
    width = max(len(k) for k in t)
    zh_width = max(len(text(f"layer.{k}", "zh")) for k in t)
    lines = list(msg("batch.totals", rows=f"{rows:,}"))
    for k, v in t.items():
        open_rows = 0 if counts is None or k == "out_of_pocket" else counts[f"open_{k}"]
        note = f"  (+ {bilingual(*msg('partial.claims_undetermined', n=f'{open_rows:,}'))})" if open_rows else ""
        label = text(f"layer.{k}", "zh")
        # A Chinese character takes two columns in a terminal: pad by what it shows, not by len().
        lines.append(f"  {label}{'　' * (zh_width - len(label))} {k:<{width}}  {yuan(v):>20,.2f}{note}")
    if counts is not None:
        if counts["incomplete"]:
            lines.extend(msg("batch.incomplete", incomplete=f"{counts['incomplete']:,}",
                             outside=f"{counts['outside']:,}"))
        # An amount only an upper bound (a reading's ceiling): the person pays at least the out of pocket shown.
        if counts["bounded"]:
            lines.extend(msg("batch.upper_bound", n=f"{counts['bounded']:,}"))
        if counts["contradicted"]:
            lines.extend(msg("batch.contradicted", n=f"{counts['contradicted']:,}"))
    return "\n".join(lines)
