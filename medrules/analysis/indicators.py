"""`python -m medrules indicators RESULT-or-PEOPLE --target 2025|end-2022 [--readings R.yaml]`.

Zhejiang 2022's indicators (资助参保率, 综合保障率, 个人负担率) and their targets, computed with
medrules.rules.zhejiang_2022_illness_poverty (the formulas live there only) from either

- a batch result (Parquet whose schema metadata names `medrules.core.policy`): one row per claim, summed here per person
  per calendar year; or
- a per-person table (.csv or .parquet), one row per person and year, columns in PEOPLE_COLUMNS.

Money is read exactly (text or Parquet decimal/integer; float columns are refused) and summed as Decimal. Each
calendar year in the input is checked separately against the chosen target.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from ..core.categories import CATEGORIES
from ..core.grammar import parse_date, parse_flag, parse_money
from ..core.money import ZERO, fmt_yuan
from ..core.readings import readings as policy_readings
from ..core.readings import resolve
from ..rules import zhejiang_2022_illness_poverty as zj
from ..core.messages import LANGS, Problem, read_problem, text
from ..core.scenario import InputError, load_data_file
from ..core.oneline import shown

POLICY_ID = zj.POLICY_ID
BASE_READING = f"{POLICY_ID}/p7:expense-base"
PAYERS_READING = f"{POLICY_ID}/p7:protection-payers"
AVERAGE_READING = f"{POLICY_ID}/p7:aggregation"

# Per-person table: one row per person and calendar year (amounts in yuan; see the README).
PEOPLE_REQUIRED = ("person_id", "year", "basic_insurance", "critical_illness_insurance", "medical_assistance")
PEOPLE_OPTIONAL = ("category", "enrolled_with_subsidy", "total_cost", "policy_range_cost", "supplementary_insurance",
                   "further_relief", "charity", "commercial_insurance", "out_of_pocket")
# Payer columns (batch-result and per-person names) → zj.Person fields.
PAYER_FIELDS = {"basic_insurance": "basic_insurance_paid", "critical_illness_insurance": "critical_illness_paid",
                "medical_assistance": "medical_assistance_paid",
                "supplementary_insurance": "supplementary_insurance_paid",
                "further_relief": "further_relief_paid", "charity": "charity_paid",
                "commercial_insurance": "commercial_insurance_paid"}
COST_FIELDS = ("total_cost", "policy_range_cost")
# Batch result: one row per claim.
RESULT_REQUIRED = ("person_id", "date", "policy_range_cost", "basic_insurance", "critical_illness_insurance",
                   "medical_assistance")
RESULT_SUMMED = ("total_cost", "policy_range_cost", "basic_insurance", "critical_illness_insurance",
                 "medical_assistance", "supplementary_insurance", "further_relief")
# The layers a claim result splits policy_range_cost into; out_of_pocket must be what is left.
RESULT_LAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
                 "further_relief")


def _amount(value, field: str) -> Decimal:
    """An amount as every amount is read (medrules.core.grammar.parse_money: 1234.50, not +100, 1e5 or ' 100')."""
    if isinstance(value, float):
        raise InputError(field, "error.ind_float", got=shown(value))
    if value is None or value == "":
        raise InputError(field, "error.ind_empty")
    try:
        return parse_money(value)
    except ValueError as e:
        raise InputError(field, e) from None


def _read_rows(path: Path) -> tuple[list[dict], dict]:
    """Rows as dicts (Parquet values as Arrow gives them, CSV values as text) and the Parquet schema metadata."""
    if not path.exists():
        raise InputError("input", "error.ind_no_file", path=path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with open(path, encoding="utf-8", newline="") as f:
                reader = csv.DictReader(f)
                rows = list(reader)
                columns = reader.fieldnames or []
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise InputError("input", read_problem(path, e, "error.cannot_read_plain")) from None
        if not columns:
            raise InputError("input", "error.csv_empty", path=path, required=", ".join(PEOPLE_REQUIRED))
        return [dict(r, __line__=i + 2) for i, r in enumerate(rows)], {"columns": columns}
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as e:
            raise InputError("input", "error.ind_not_parquet", path=path, reason=e) from None
        for f in table.schema:
            if pa.types.is_floating(f.type):
                raise InputError(f.name, "error.ind_float_column", type=f.type)
        meta = dict(table.schema.metadata or {})
        meta["columns"] = table.column_names
        return table.to_pylist(), meta
    raise InputError("input", "error.ind_file_kind", name=path.name)


def _where(row: dict, i: int) -> str:
    return f"row {i + 1}" + (f" (line {row['__line__']})" if "__line__" in row else "")


def _check_columns(columns, required, optional, what: str) -> None:
    what_key = {"batch result": "error.ind_batch_result", "per-person table": "error.ind_people_table"}[what]
    said = {lang: {"what": text(what_key, lang)} for lang in LANGS}
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(missing[0], Problem.each("error.ind_missing_column", **said, required=", ".join(required)))
    if optional is not None:
        unknown = [c for c in columns if c not in required + optional]
        if unknown:
            raise InputError(unknown[0], Problem.each("error.ind_unknown_column", **said,
                                                      allowed=", ".join(required + optional)))


def _in_hardship(row: dict, i: int) -> bool:
    """False for a row whose category is `general`: the targets are for 困难群众 (p7)."""
    category = row.get("category")
    if category in (None, ""):
        return True
    if category not in CATEGORIES:
        raise InputError(f"category ({_where(row, i)})", "error.choice", got=shown(category),
                         allowed=", ".join(CATEGORIES))
    return category != "general"


def people_from_result(rows: list[dict], columns) -> tuple[dict, int]:
    """A batch result's claims summed per person per calendar year → {year: [zj people dicts]}, people left out."""
    _check_columns(columns, RESULT_REQUIRED, None, "batch result")
    totals: dict = defaultdict(lambda: defaultdict(lambda: ZERO))
    categories = {}
    for i, row in enumerate(rows):
        try:
            day = parse_date(row["date"])   # YYYY-MM-DD, as every date (fromisoformat also took 20230310)
        except ValueError as e:
            raise InputError(f"date ({_where(row, i)})", e) from None
        key = (day.year, str(row["person_id"]))
        amounts = {c: _amount(row[c], f"{c} ({_where(row, i)})") for c in RESULT_SUMMED if c in columns}
        if "out_of_pocket" in columns:
            left = amounts["policy_range_cost"] - sum((amounts.get(c, ZERO) for c in RESULT_LAYERS), ZERO)
            oop = _amount(row["out_of_pocket"], f"out_of_pocket ({_where(row, i)})")
            if oop != left:
                raise InputError(f"out_of_pocket ({_where(row, i)})", "error.ind_oop_layers", got=oop, left=left)
        for c, v in amounts.items():
            totals[key][c] += v
        if "category" in columns:
            categories[key] = _in_hardship(row, i)
    by_year: dict = defaultdict(list)
    left_out = 0
    for (year, _pid), t in sorted(totals.items()):
        if not categories.get((year, _pid), True):
            left_out += 1
            continue
        person = {PAYER_FIELDS[c]: t[c] for c in PAYER_FIELDS if c in t}
        person.update({c: t[c] for c in COST_FIELDS if c in t})
        by_year[year].append(person)
    return dict(by_year), left_out


def people_from_table(rows: list[dict], columns) -> tuple[dict, int]:
    """A per-person table (one row per person and year) → {year: [zj people dicts]}, people left out."""
    _check_columns(columns, PEOPLE_REQUIRED, PEOPLE_OPTIONAL, "per-person table")
    seen = set()
    by_year: dict = defaultdict(list)
    left_out = 0
    for i, row in enumerate(rows):
        try:
            year = int(str(row["year"]).strip())
        except ValueError:
            raise InputError(f"year ({_where(row, i)})", "error.ind_not_year", got=shown(row["year"])) from None
        key = (year, str(row["person_id"]))
        if key in seen:
            raise InputError(f"person_id ({_where(row, i)})", "error.ind_person_twice", person=row["person_id"],
                             year=year)
        seen.add(key)
        person = {PAYER_FIELDS[c]: _amount(row[c], f"{c} ({_where(row, i)})")
                  for c in PAYER_FIELDS if c in columns and row.get(c) not in (None, "")}
        for c in COST_FIELDS:
            if c in columns and row.get(c) not in (None, ""):
                person[c] = _amount(row[c], f"{c} ({_where(row, i)})")
        if "enrolled_with_subsidy" in columns and row.get("enrolled_with_subsidy") not in (None, ""):
            value = row["enrolled_with_subsidy"]
            try:   # true or false, as every yes/no (1, yes, True were taken before)
                person["enrolled_with_subsidy"] = parse_flag({"true": True, "false": False}.get(value, value))
            except ValueError as e:
                raise InputError(f"enrolled_with_subsidy ({_where(row, i)})", e) from None
        if "out_of_pocket" in columns and row.get("out_of_pocket") not in (None, ""):
            oop = _amount(row["out_of_pocket"], f"out_of_pocket ({_where(row, i)})")
            if "policy_range_cost" not in person:
                raise InputError(f"out_of_pocket ({_where(row, i)})", "error.ind_oop_no_cost")
            left = person["policy_range_cost"] - sum((v for k, v in person.items() if k.endswith("_paid")), ZERO)
            if oop != left:
                raise InputError(f"out_of_pocket ({_where(row, i)})", "error.ind_oop_payments", got=oop, left=left)
        if not _in_hardship(row, i):
            left_out += 1
            continue
        by_year[year].append(person)
    return dict(by_year), left_out


def load_people(path) -> tuple[str, dict, int, bool]:
    """('batch result of <policy>' or 'per-person table', {year: people}, person-years left out as not in
    hardship, whether the input has a category column)."""
    rows, meta = _read_rows(Path(path))
    policy = meta.get(b"medrules.policy")
    if policy is not None:
        by_year, left_out = people_from_result(rows, meta["columns"])
        kind = f"批处理结果 batch result of {policy.decode()}"
    else:
        by_year, left_out = people_from_table(rows, meta["columns"])
        kind = "逐人表 per-person table"
    if not by_year:
        raise InputError("input", "error.ind_no_hardship", path=path)
    return kind, by_year, left_out, "category" in meta["columns"]


def load_selection(path) -> dict:
    """--readings R.yaml: a mapping of reading id → option (optionally under a `readings:` key)."""
    if path is None:
        return {}
    raw = load_data_file(path, "readings")
    if isinstance(raw, dict) and set(raw) == {"readings"}:
        raw = raw["readings"]
    if not isinstance(raw, dict):
        raise InputError("readings", "error.readings_file_not_mapping", path=path)
    return {str(k): v for k, v in raw.items()}   # an option that is not text is refused by readings.resolve


def compute(path, target: str, selection: dict | None = None) -> dict:
    """Everything the command prints, as data: readings used, and per year the rows of illness_poverty_targets."""
    if target not in zj.TARGETS:
        raise InputError("target", "error.choice", got=shown(target), allowed=", ".join(zj.TARGETS))
    used = resolve(POLICY_ID, selection)
    kind, by_year, left_out, has_category = load_people(path)
    if used[BASE_READING] == "total" and any("total_cost" not in p for people in by_year.values() for p in people):
        raise InputError("total_cost", "error.ind_total_cost_needed", reading=BASE_READING)
    years = {year: zj.illness_poverty_targets(people, target, base=used[BASE_READING], payers=used[PAYERS_READING],
                                             average=used[AVERAGE_READING])
             for year, people in sorted(by_year.items())}
    return {"kind": kind, "target": target, "readings": used, "left_out": left_out, "has_category": has_category,
            "people": {y: len(p) for y, p in by_year.items()}, "years": years}


def _pct(rate) -> str:
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.01'))}%"


def report(data: dict) -> str:
    """The result as text, Chinese first."""
    verdict = {True: "达标 met", False: "未达标 not met", None: "无法判断 not determined"}
    sign = {"ceiling": "≤", "floor": "≥", "exact": "≥"}
    target_day = zj.TARGETS[data["target"]]
    out = [f"浙江省因病致贫返贫防范 指标 indicators · {POLICY_ID}",
           f"数据 input: {data['kind']}",
           f"目标 target: {data['target']} (按 {target_day} 的目标值 the values in force on {target_day})",
           "解读 readings used:"]
    known = policy_readings(POLICY_ID)
    for rid, option in data["readings"].items():
        o = known[rid].options[option]
        mark = "默认 default" if option == known[rid].default else "已选 chosen"
        out.append(f"  {rid} = {option}: {o.zh} · {o.en} ({mark})")
    if not data["has_category"]:
        out.append("人群 population: 输入无 category 列，每人均按困难群众计 (no category column: everyone is counted "
                   "as a person in hardship)")
    if data["left_out"]:
        out.append(f"未计入 left out: {data['left_out']} 人·年 person-years with category general (not 困难群众)")
    for year, rows in data["years"].items():
        out.append("")
        out.append(f"{year}年 year {year}: {data['people'][year]} 人 people")
        for r in rows:
            shown = "无目标 no target" if r["target"] is None and r["rate"] is not None else verdict[r["met"]]
            out.append(f"  {r['indicator']}: {_pct(r['rate'])}  →  {shown}")
            if r["numerator"] is not None and r.get("average") == "per_person":
                out.append(f"    公式 formula: {r['formula']}")
            elif r["numerator"] is not None:
                money = "资助参保率" not in r["indicator"]
                num, den = ((fmt_yuan(r["numerator"]), fmt_yuan(r["denominator"])) if money
                            else (f"{r['numerator']:,}", f"{r['denominator']:,}"))
                out.append(f"    公式 formula: {r['formula']} = {num} / {den}")
            if r["target"] is not None:
                out.append(f"    目标 target: {sign[r['kind']]} {_pct(r['target'])} — {r['clause']}: {r['note']}")
            else:
                out.append(f"    {r['clause'] or POLICY_ID}: {r['note']}")
    return "\n".join(out)
