"""A batch result as an exact table: each layer as decimal(18,2) yuan (null where undetermined), what is
undetermined and why, the decisions; written to a temporary file beside --out and renamed when whole; the totals
as the command prints them."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..core.claims import CODES, Claims, yuan
from ..core.messages import msg, text
from ..core.rulebook import LAYERS
from ..core.trace import bilingual
from .columns import decimal_array, decision_array, err
from .settle import Settled


def result_table(t: Claims, s: Settled, policy_id: str, provenance: dict | None = None):
    import pyarrow as pa
    cols = {
        "row": pa.array(t.row + 1),
        "person_id": pa.DictionaryArray.from_arrays(pa.array(t.person, pa.int32()), t.person_ids),
        "date": pa.array(t.date.astype("datetime64[D]"), type=pa.date32()),
        "setting": pa.DictionaryArray.from_arrays(pa.array(t.setting, pa.int8()), pa.array(CODES["setting"])),
        "policy_range_cost": decimal_array(t.policy_range_cost),
    }
    for k in LAYERS:
        cols[k] = decimal_array(s.amounts[k], s.known[k])
    cols["out_of_pocket"] = decimal_array(s.amounts["out_of_pocket"], s.priced)
    cols["complete"] = pa.array(s.complete)
    cols["undetermined"] = pa.DictionaryArray.from_arrays(
        pa.array(s.undetermined_code, mask=s.undetermined_code < 0, type=pa.int32()),
        pa.array(s.texts, type=pa.string()))
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


def write_atomically(table, out: Path) -> None:
    """Write to a temporary file beside `out` and rename it into place only once complete."""
    import pyarrow.parquet as pq
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
    try:
        if out.suffix.lower() == ".csv":  # decimals are written as their exact text (1234.50)
            from pyarrow import csv as pacsv
            pacsv.write_csv(table, tmp)
        else:
            pq.write_table(table, tmp, store_decimal_as_integer=True, use_dictionary=["person_id", "setting"])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def totals(s: Settled) -> dict:
    """Per-layer totals in fen over the claims where the layer is settled (Python ints, no overflow)."""
    out = {k: int(s.amounts[k][s.known[k]].sum(dtype=np.int64)) for k in LAYERS}
    out["out_of_pocket"] = int(s.amounts["out_of_pocket"][s.priced].sum(dtype=np.int64))
    return out


def format_totals(t: dict, rows: int, s: Settled | None = None) -> str:
    """The totals as the command prints them: each sentence in Chinese, then in English; layers by both names."""
    width = max(len(k) for k in t)
    zh_width = max(len(text(f"layer.{k}", "zh")) for k in t)
    lines = list(msg("batch.totals", rows=f"{rows:,}"))
    for k, v in t.items():
        open_rows = 0 if s is None or k == "out_of_pocket" else int((s.in_force & ~s.known[k]).sum())
        note = f"  (+ {bilingual(*msg('partial.claims_undetermined', n=f'{open_rows:,}'))})" if open_rows else ""
        label = text(f"layer.{k}", "zh")
        # A Chinese character takes two columns in a terminal: pad by what it shows, not by len().
        lines.append(f"  {label}{'　' * (zh_width - len(label))} {k:<{width}}  {yuan(v):>20,.2f}{note}")
    if s is not None:
        incomplete = int((~s.complete).sum())
        if incomplete:
            outside = int((~s.in_force).sum())
            lines.extend(msg("batch.incomplete", incomplete=f"{incomplete:,}", outside=f"{outside:,}"))
        contradicted = int(s.contradicted.sum())
        if contradicted:
            lines.extend(msg("batch.contradicted", n=f"{contradicted:,}"))
    return "\n".join(lines)
