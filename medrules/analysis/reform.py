"""Reforms: a policy's variant with some dated parameter values changed, run beside the baseline on one claims table.

    python -m medrules reform --policy ID CLAIMS --change CHANGES.yaml --out DIFF.parquet
                              [--inputs I.json] [--readings R.json] [--chart CHART.png] [--allow-below-floor]
                              [--timings]

CHANGES.yaml (checked with pydantic against the policy's parameters.yaml):

    parameters:
      medical_assistance.annual_limit:
        - {from: 2023-01-01, to: 2025-12-31, value: 120000}
    readings: {}            # optional: options for the variant's readings, as in --readings

A changed value holds from `from` to `to` (null: open) and takes precedence over the text's values there; outside
that span the text's values hold. The value must fit the parameter's unit (yuan: an amount with at most two
decimals; ratio: 0..1 with at most six decimals; boolean: true/false; count/months: a whole number) and kind
(`range`: {min, max}). A value below a `floor` parameter's value in the text (不低于) is refused unless
--allow-below-floor, and then the summary says so; a value above a `ceiling` (以内/不超过) likewise. The variant's
readings are --readings with the file's `readings` laid over them.

The claims are read once; baseline and variant are settled by the same engine (medrules.tables.batch.evaluate_table) on the
same table. Written, each via a temporary file renamed into place only when complete:
- DIFF.parquet: one row per claim — row, person_id, date, and for each layer and out_of_pocket
  `<layer>_baseline`, `<layer>_variant`, `<layer>_change` as exact decimal(18,2) yuan, null where undetermined
  (out_of_pocket: null unless every layer of the claim is settled, as it is then only an upper bound);
- DIFF.people.parquet: one row per person and calendar year (the unit the annual limits apply to) — person_id,
  year, statuses, claims, and the same three columns per layer summed over the year, null where any claim of the
  year is undetermined for that layer.

The summary, by group (the person's statuses) and for everyone: the change in each fund's cost (claims settled in
both runs), how many person-years pay less (gain) or more (lose) out of pocket, and the 50th/90th/99th percentile
of the person-year out-of-pocket before and after, exactly (nearest-rank order statistics on fen).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..tables.batch import OUTPUTS, Settled, _decimal_array, check_out, check_policy, evaluate_table, prepare
from ..core.categories import STATUSES
from ..core.claims import statuses_of, yuan
from ..tables.claims_file import _err, load_inputs, read_claims
from ..core.messages import both
from ..core.money import exact_ratio, fmt_ratio
from ..core.oneline import shown
from ..core.policy import Parameter, ParamValue, Policy, ExactLoader, load_policy
from ..core.readings import resolve
from ..core.rulebook import LAYER_LABELS, LAYERS
from ..core.messages import Problem, read_problem
from ..core.scenario import InputError, pydantic_problem

PERCENTILES = (50, 90, 99)
_AMOUNT_TEXT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_YUAN = Decimal("100000000")  # the sanity bound of every amount (medrules.core.scenario.MAX_AMOUNT)


# --------------------------------------------------------------------------------------------------------------
# CHANGES.yaml
# --------------------------------------------------------------------------------------------------------------

class _ChangesLoader(ExactLoader):
    """Decimals exact (0.85 stays 0.85); dates left as text, so a bad one (2023-13-01) is named by its field
    rather than failing inside the YAML parser."""


_ChangesLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _date(value, field: str) -> dt.date:
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise Problem("error.reform_date", got=shown(value))


class ValueChange(BaseModel):
    """One dated value: from `from` to `to` (inclusive; null = open) the parameter is `value`."""
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(alias="to")
    value: object

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v):
        return _date(v, "from")

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, v):
        return None if v is None else _date(v, "to")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise Problem("error.reform_to_before_from", end=self.end, start=self.start)
        return self


class ChangesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    parameters: dict[str, list[ValueChange]] = Field(default_factory=dict)
    readings: dict[str, str] = Field(default_factory=dict)

    @field_validator("parameters", mode="before")
    @classmethod
    def _known(cls, v, info: ValidationInfo):
        policy: Policy = info.context["policy"]
        if isinstance(v, dict):
            for name, changes in v.items():
                if name not in policy.parameters:
                    raise Problem("error.reform_unknown_parameter", name=shown(name), policy=policy.id,
                                  allowed=", ".join(policy.parameters))
                if not isinstance(changes, list) or not changes:
                    raise Problem("error.reform_list_needed", name=name)
        return v

    @model_validator(mode="after")
    def _no_overlap(self):
        for name, changes in self.parameters.items():
            spans = sorted(changes, key=lambda c: c.start)
            for a, b in zip(spans, spans[1:]):
                if a.end is None or a.end >= b.start:
                    raise Problem("error.reform_overlap", name=name, a=a.start, b=b.start)
        return self


def _fit_unit(value, parameter: Parameter, kind: str):
    """The changed value in the parameter's unit and kind, or ValueError naming what is allowed."""
    unit = parameter.unit
    if kind == "range":
        if not (isinstance(value, dict) and set(value) == {"min", "max"}):
            raise Problem("error.reform_range", name=parameter.name, got=shown(value))
        lo, hi = _fit_unit(value["min"], parameter, "exact"), _fit_unit(value["max"], parameter, "exact")
        if lo > hi:
            raise Problem("error.reform_min_above_max", name=parameter.name, lo=lo, hi=hi)
        return {"min": lo, "max": hi}
    if unit == "yuan":
        text = str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value
        if not (isinstance(text, str) and _AMOUNT_TEXT.fullmatch(text)) or Decimal(text) > MAX_YUAN:
            raise Problem("error.reform_yuan", name=parameter.name, most=MAX_YUAN, got=shown(value))
        return Decimal(text)
    if unit == "ratio":
        return exact_ratio(value)
    if unit == "boolean":
        if not isinstance(value, bool):
            raise Problem("error.reform_yes_no", name=parameter.name, got=shown(value))
        return value
    if unit in ("count", "months"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Problem("error.reform_whole", name=parameter.name, unit=unit, got=shown(value))
        return value
    # percentage-points and any other plain number
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite():
        raise Problem("error.reform_number", name=parameter.name, unit=unit, got=shown(value))
    return Decimal(value)


def _may_overlap(v: ParamValue, start: dt.date, end: dt.date | None) -> bool:
    """Whether a text value may be in force on some day of start..end (an unknown start may be any day)."""
    v_start = v.start or v.reported_in_force_on
    return (v.end is None or v.end >= start) and (end is None or v_start is None or v_start <= end)


@dataclasses.dataclass(frozen=True)
class BoundNote:
    """A changed value beyond the text's floor or ceiling, allowed by --allow-below-floor."""
    parameter: str
    value: object
    bound_kind: str     # floor | ceiling
    bound: object
    clause: str
    unit: str = ""

    def text(self) -> str:
        zh = "低于文件规定的下限" if self.bound_kind == "floor" else "高于文件规定的上限"
        en = "below the text's floor" if self.bound_kind == "floor" else "above the text's ceiling"
        value, bound = _shown_value(self.value, self.unit), _shown_value(self.bound, self.unit)
        return (f"{self.parameter} = {value}: {zh} {en} {bound} "
                f"({self.clause}); allowed by --allow-below-floor")


def _shown_value(v, unit: str | None = None) -> str:
    return fmt_ratio(v) if unit == "ratio" and not isinstance(v, dict) else str(v)


def _check_bound(parameter: Parameter, change: ValueChange, value, allow: bool) -> BoundNote | None:
    """A floor (不低于) cannot go lower, a ceiling (以内/不超过) cannot go higher than the text, unless allowed."""
    for bound_kind, beyond, pick in (("floor", lambda v, b: v < b, max), ("ceiling", lambda v, b: v > b, min)):
        texts = [v for v in parameter.values if v.kind == bound_kind and _may_overlap(v, change.start, change.end)
                 and not isinstance(v.value, dict)]
        if not texts:
            continue
        strictest = pick(texts, key=lambda v: Decimal(str(v.value)))
        bound = Decimal(str(strictest.value))
        if not isinstance(value, dict) and beyond(Decimal(str(value)), bound):
            if not allow:
                key = {"floor": "error.reform_beyond_floor", "ceiling": "error.reform_beyond_ceiling"}[bound_kind]
                raise InputError(f"change.parameters.{parameter.name}", key,
                                 got=_shown_value(value, parameter.unit), bound=_shown_value(bound, parameter.unit),
                                 clause=strictest.clause, quote=strictest.quote)
            return BoundNote(parameter.name, value, bound_kind, bound, strictest.clause, parameter.unit)
    return None


@dataclasses.dataclass
class Reform:
    """A checked CHANGES file: the variant policy, the variant's readings selection and the bounds it passes."""
    baseline: Policy
    variant: Policy
    readings: dict
    notes: list
    changed: dict   # parameter name → the ParamValues added


def load_changes(path, policy_id: str, allow_beyond_bounds: bool = False, base_readings: dict | None = None) -> Reform:
    """CHANGES.yaml checked against the policy; an InputError naming the field and the allowed values otherwise."""
    policy = load_policy(policy_id)
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.load(f, Loader=_ChangesLoader)
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("change", read_problem(path, e, "error.cannot_read_plain")) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        if mark:
            raise InputError("change", "error.reform_yaml_at", path=path, line=mark.line + 1) from None
        raise InputError("change", "error.reform_yaml", path=path) from None
    if not isinstance(raw, dict):
        raise InputError("change", "error.reform_not_mapping", path=path)
    try:
        changes = ChangesFile.model_validate(raw, context={"policy": policy})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"] if not str(x).startswith(("function-", "[")))
        if first["type"] == "extra_forbidden":
            msg = Problem("error.unknown_key_allowed", allowed="parameters, readings" if len(first["loc"]) == 1
                          else "from, to, value")
        elif first["type"] in ("dict_type", "list_type"):
            msg = Problem("error.reform_parameters_shape" if where == "parameters"
                          else "error.reform_values_shape" if where.startswith("parameters.")
                          else "error.reform_readings_shape")
        elif first["type"] == "missing":
            msg = Problem("error.reform_value_missing")
        else:
            msg = pydantic_problem(first, lambda loc: "")
        raise InputError(f"change.{where}" if where else "change", msg) from None

    parameters = dict(policy.parameters)
    notes, changed = [], {}
    for name, values in changes.parameters.items():
        parameter = policy.parameters[name]
        added = []
        for i, change in enumerate(sorted(values, key=lambda c: c.start)):
            # The text's value in force where the change starts gives its kind and clause (else the first value).
            try:
                text_value = parameter.at(change.start)
            except Exception:
                text_value = parameter.values[0]
            try:
                value = _fit_unit(change.value, parameter, text_value.kind)
            except ValueError as e:
                raise InputError(f"change.parameters.{name}.{i}.value", e) from None
            note = _check_bound(parameter, change, value, allow_beyond_bounds)
            if note:
                notes.append(note)
            added.append(ParamValue(
                name=name, value=value, kind=text_value.kind, unit=parameter.unit, clause=text_value.clause,
                quote=f"改革方案 reform: {Path(path).name}", start=change.start, end=change.end,
                note="a reform's value, not the text's"))
        # First in the tuple: Parameter.at takes the first value in force, so the change wins on its days.
        parameters[name] = dataclasses.replace(parameter, values=tuple(added) + parameter.values)
        changed[name] = added
    selection = {**(base_readings or {}), **changes.readings}
    try:
        resolve(policy_id, selection)
    except InputError as e:
        raise e.under(f"change.{e.field}") from None
    variant = dataclasses.replace(policy, parameters=parameters)
    return Reform(policy, variant, selection, notes, changed)


# --------------------------------------------------------------------------------------------------------------
# Differences
# --------------------------------------------------------------------------------------------------------------

def _claim_values(s: Settled) -> tuple[dict, dict]:
    """Per output: fen and whether it is determined (out_of_pocket only where every layer is settled)."""
    complete = s.complete
    known = {k: s.known[k] for k in LAYERS}
    known["out_of_pocket"] = complete
    return s.amounts, known


def claim_differences(t, base: Settled, variant: Settled, policy_id: str):
    """The per-claim table: row, person_id, date and baseline / variant / change per layer and out_of_pocket."""
    import pyarrow as pa
    b_amt, b_known = _claim_values(base)
    v_amt, v_known = _claim_values(variant)
    cols = {"row": pa.array(t.row + 1),
            "person_id": pa.DictionaryArray.from_arrays(pa.array(t.person, pa.int32()), t.person_ids),
            "date": pa.array(t.date.astype("datetime64[D]"), type=pa.date32())}
    for k in OUTPUTS:
        cols[f"{k}_baseline"] = _decimal_array(b_amt[k], b_known[k])
        cols[f"{k}_variant"] = _decimal_array(v_amt[k], v_known[k])
        cols[f"{k}_change"] = _decimal_array(v_amt[k] - b_amt[k], b_known[k] & v_known[k])
    meta = {"medrules.policy": policy_id, "medrules.reform": "per claim", "medrules.money": "decimal(18,2) yuan, exact",
            "medrules.row": "1 = first data row of the input"}
    return pa.table(cols).replace_schema_metadata(meta)


@dataclasses.dataclass
class PersonYears:
    """One entry per person and calendar year: sums in fen and whether every claim of the year was settled."""
    person: np.ndarray
    year: np.ndarray
    statuses: np.ndarray
    claims: np.ndarray
    base: dict
    variant: dict
    base_known: dict
    variant_known: dict


def person_years(t, base: Settled, variant: Settled) -> PersonYears:
    years = t.date.astype("datetime64[Y]").astype(np.int64) + 1970
    key = t.person.astype(np.int64) * 10_000 + years
    order = np.argsort(key, kind="stable")
    k_sorted = key[order]
    starts = np.flatnonzero(np.r_[True, k_sorted[1:] != k_sorted[:-1]]) if len(key) else np.zeros(0, np.int64)
    first = order[starts]
    counts = np.diff(np.r_[starts, len(key)])
    b_amt, b_known = _claim_values(base)
    v_amt, v_known = _claim_values(variant)

    def total(x):
        return np.add.reduceat(x[order], starts) if len(starts) else np.zeros(0, np.int64)

    def every(x):
        return np.minimum.reduceat(x[order].astype(np.int8), starts).astype(bool) if len(starts) else np.zeros(0, bool)
    return PersonYears(
        person=t.person[first], year=years[first], statuses=t.statuses[first], claims=counts,
        base={k: total(b_amt[k]) for k in OUTPUTS}, variant={k: total(v_amt[k]) for k in OUTPUTS},
        base_known={k: every(b_known[k]) for k in OUTPUTS}, variant_known={k: every(v_known[k]) for k in OUTPUTS})


def statuses_text(mask: int) -> str:
    return ";".join(statuses_of(mask))


def people_table(t, py: PersonYears, policy_id: str):
    import pyarrow as pa
    masks, inverse = np.unique(py.statuses, return_inverse=True)
    cols = {"person_id": pa.DictionaryArray.from_arrays(pa.array(py.person, pa.int32()), t.person_ids),
            "year": pa.array(py.year.astype(np.int32)),
            "statuses": pa.DictionaryArray.from_arrays(pa.array(inverse.ravel().astype(np.int32)),
                                                       pa.array([statuses_text(m) for m in masks])),
            "claims": pa.array(py.claims.astype(np.int32))}
    for k in OUTPUTS:
        both = py.base_known[k] & py.variant_known[k]
        cols[f"{k}_baseline"] = _decimal_array(py.base[k], py.base_known[k])
        cols[f"{k}_variant"] = _decimal_array(py.variant[k], py.variant_known[k])
        cols[f"{k}_change"] = _decimal_array(py.variant[k] - py.base[k], both)
    meta = {"medrules.policy": policy_id, "medrules.reform": "per person and calendar year",
            "medrules.money": "decimal(18,2) yuan, exact"}
    return pa.table(cols).replace_schema_metadata(meta)


def nearest_rank(sorted_fen: np.ndarray, p: int) -> int | None:
    """The p-th percentile by nearest rank: the value at rank ⌈p·N/100⌉ (1-based) of the sorted values — an actual
    amount of the data, found in integers (no interpolation, no float)."""
    n = len(sorted_fen)
    if n == 0:
        return None
    rank = max(1, (p * n + 99) // 100)
    return int(sorted_fen[rank - 1])


def group_label(mask: int) -> str:
    names = statuses_of(mask)
    if not names:
        return "无身份 none"
    return "+".join(STATUSES[s][0] for s in names) + " " + "+".join(names)


ALL = "全部 everyone"


def summarise(t, base: Settled, variant: Settled, py: PersonYears | None = None) -> list[dict]:
    """One dict per group (the person's statuses; then everyone): fen and counts, Python ints."""
    py = py if py is not None else person_years(t, base, variant)
    claim_status = t.statuses
    groups = [(group_label(int(m)), claim_status == m, py.statuses == m) for m in np.unique(py.statuses)]
    groups.append((ALL, np.ones(len(claim_status), bool), np.ones(len(py.statuses), bool)))
    b_amt, b_known = _claim_values(base)
    v_amt, v_known = _claim_values(variant)
    rows = []
    for label, in_claims, in_people in groups:
        row = {"group": label, "person_years": int(in_people.sum())}
        for k in LAYERS:
            both = in_claims & b_known[k] & v_known[k]
            row[f"{k}_change"] = int((v_amt[k][both] - b_amt[k][both]).sum(dtype=np.int64))
            row[f"{k}_undetermined"] = int((in_claims & ~(b_known[k] & v_known[k]) & base.in_force).sum())
        known = in_people & py.base_known["out_of_pocket"] & py.variant_known["out_of_pocket"]
        change = py.variant["out_of_pocket"][known] - py.base["out_of_pocket"][known]
        row["gain"] = int((change < 0).sum())
        row["lose"] = int((change > 0).sum())
        row["oop_undetermined"] = int((in_people & ~known).sum())
        row["out_of_pocket_change"] = int(change.sum(dtype=np.int64))
        b_sorted = np.sort(py.base["out_of_pocket"][known])
        v_sorted = np.sort(py.variant["out_of_pocket"][known])
        for p in PERCENTILES:
            row[f"p{p}_baseline"] = nearest_rank(b_sorted, p)
            row[f"p{p}_variant"] = nearest_rank(v_sorted, p)
        rows.append(row)
    return rows


def _y(fen_amount) -> str:
    return "—" if fen_amount is None else f"{yuan(fen_amount):,.2f}"


def _signed(fen_amount) -> str:
    return "—" if fen_amount is None else f"{yuan(fen_amount):+,.2f}"


def summary_frame(rows: list[dict]):
    """The summary as a table for the book: Chinese first, English beside, amounts in yuan as text."""
    import pandas as pd
    out = []
    for r in rows:
        line = {"人年 person-years": f"{r['person_years']:,}"}
        for k in LAYERS:
            line[f"{LAYER_LABELS[k][0]} {k} 变化 change"] = _signed(r[f"{k}_change"])
        line["少付 gain"] = f"{r['gain']:,}"
        line["多付 lose"] = f"{r['lose']:,}"
        for p in PERCENTILES:
            b, v = r[f"p{p}_baseline"], r[f"p{p}_variant"]
            line[f"自付P{p} oop P{p}"] = f"{_y(b)} → {_y(v)} ({_signed(None if b is None else v - b)})"
        out.append(line)
    return pd.DataFrame(out, index=pd.Index([r["group"] for r in rows], name="人群 group"))


def format_summary(rows: list[dict], reform: Reform, n_claims: int) -> str:
    lines = [f"改革测算 reform of {reform.baseline.id}: {n_claims:,} 笔结算 claims; 金额单位 元 amounts in yuan"]
    for name, added in reform.changed.items():
        label = reform.baseline.parameters[name].label
        for v in added:
            lines.append(f"  {label['zh']} {name}: {_shown_value(v.value, v.unit)} 自 from {v.start} 至 to "
                         f"{v.end or '不限 open'} ({v.clause})")
    for note in reform.notes:
        lines.append(f"  注意 NOTE: {note.text()}")
    for r in rows:
        lines.append("")
        lines.append(f"{r['group']}  ({r['person_years']:,} 人年 person-years)")
        quiet = []
        for k in LAYERS:
            if not r[f"{k}_change"] and not r[f"{k}_undetermined"]:
                quiet.append(LAYER_LABELS[k][0])
                continue
            extra = (f"  (+ {both('partial.claims_undetermined', n=format(r[f'{k}_undetermined'], ','))})"
                     if r[f"{k}_undetermined"] else "")
            lines.append(f"  {LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]} 基金支出变化 cost change: "
                         f"{_signed(r[f'{k}_change'])}{extra}")
        if quiet:
            lines.append(f"  不变 unchanged: {'、'.join(quiet)}")
        lines.append(f"  个人自付 out of pocket: 少付 gain {r['gain']:,} 人年 person-years, 多付 lose {r['lose']:,}, "
                     f"合计变化 total change {_signed(r['out_of_pocket_change'])}"
                     + (f" ({both('partial.person_years_undetermined', n=format(r['oop_undetermined'], ','))})"
                        if r["oop_undetermined"] else ""))
        for p in PERCENTILES:
            b, v = r[f"p{p}_baseline"], r[f"p{p}_variant"]
            lines.append(f"    第{p}百分位 P{p}: {_y(b)} → {_y(v)} ({_signed(None if b is None else v - b)})")
    return "\n".join(lines)


def reform_chart_data(rows: list[dict]) -> dict:
    """{group: {layer: change in yuan as float, for plotting only}} (everyone excluded: it would dwarf the groups)."""
    return {r["group"]: {k: float(yuan(r[f"{k}_change"])) for k in LAYERS} for r in rows if r["group"] != ALL}


def reform_chart(rows: list[dict], title: str = "改革后各基金支出变化 Change in each fund's cost"):
    from ..publish.charts import LAYER_COLOURS, plt
    from matplotlib.ticker import StrMethodFormatter
    data = reform_chart_data(rows)
    groups = list(data)
    layers = [k for k in LAYERS if any(data[g][k] for g in groups)] or ["medical_assistance"]
    fig, ax = plt.subplots(figsize=(8, 1.6 + 0.5 * len(groups)), layout="constrained")
    height = 0.8 / len(layers)
    for j, k in enumerate(layers):
        ax.barh([i + j * height for i in range(len(groups))], [data[g][k] for g in groups], height=height,
                color=LAYER_COLOURS[k], label=f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}")
    ax.set_yticks([i + height * (len(layers) - 1) / 2 for i in range(len(groups))], groups)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("元 yuan")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_title(title)
    ax.invert_yaxis()
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return fig


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ReformRun:
    reform: Reform
    base: Settled
    variant: Settled
    people: PersonYears
    rows: list
    timings: dict


def run_on_table(t, policy_id: str, reform: Reform, inputs: dict, readings: dict) -> ReformRun:
    """Baseline and variant on the same table, the person-years and the summary."""
    timings = {}
    start = time.perf_counter()
    base = evaluate_table(t, policy_id, inputs, readings)
    timings["baseline"] = time.perf_counter() - start
    start = time.perf_counter()
    variant = evaluate_table(t, reform.variant, inputs, reform.readings)
    timings["variant"] = time.perf_counter() - start
    start = time.perf_counter()
    py = person_years(t, base, variant)
    rows = summarise(t, base, variant, py)
    timings["differences"] = time.perf_counter() - start
    return ReformRun(reform, base, variant, py, rows, timings)


def people_path(out: Path) -> Path:
    return out.with_name(out.stem + ".people.parquet")


def run_reform(policy_id, claims_path, changes_path, out_path, inputs_path=None, readings_path=None, chart_path=None,
               allow_below_floor=False, timings=False, stream=None) -> ReformRun:
    stream = stream or sys.stdout
    check_policy(policy_id)
    given = (claims_path, changes_path, inputs_path, readings_path)
    out = check_out(out_path, given)
    if out.suffix.lower() != ".parquet":
        raise _err("out", "error.reform_out", path=out)
    people_out = check_out(people_path(out), given)
    chart = None
    if chart_path is not None:
        chart = Path(chart_path)
        if chart.suffix.lower() != ".png" or not chart.parent.is_dir():
            raise _err("chart", "error.reform_chart", path=chart)
        for g in given:
            if g is not None and Path(g).exists() and Path(g).resolve() == chart.resolve():
                raise _err("chart", "error.reform_chart_is_input", path=chart)
    inputs = load_inputs(inputs_path)
    readings = load_inputs(readings_path, "readings") if readings_path else {}
    prepare(policy_id, inputs, readings)
    reform = load_changes(changes_path, policy_id, allow_below_floor, readings)
    start = time.perf_counter()
    t = read_claims(claims_path)
    read_time = time.perf_counter() - start
    r = run_on_table(t, policy_id, reform, inputs, readings)
    start = time.perf_counter()
    files = [(claim_differences(t, r.base, r.variant, policy_id), out)]
    files.append((people_table(t, r.people, policy_id), people_out))
    if chart is not None:
        files.append((reform_chart(r.rows), chart))
    _write_together(files)
    r.timings["read"] = read_time
    r.timings["write"] = time.perf_counter() - start
    print(format_summary(r.rows, reform, len(t)), file=stream)
    if timings:
        tm = r.timings
        print(f"计时 timings (s): read {tm['read']:.2f}, baseline {tm['baseline']:.2f}, variant {tm['variant']:.2f}, "
              f"differences {tm['differences']:.2f}, write {tm['write']:.2f}", file=stream)
    return r


def _write_together(files) -> None:
    """Each output to a temporary file beside it; renamed into place only once all are complete, so an error
    (or Ctrl-C) leaves no half-written file and no new result without its partner."""
    import os
    import tempfile

    import pyarrow.parquet as pq

    from ..publish.charts import plt
    temps = []
    try:
        for what, path in files:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            os.close(fd)
            temps.append(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
            if path.suffix.lower() == ".png":
                what.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
                plt.close(what)
            else:
                pq.write_table(what, tmp, store_decimal_as_integer=True,
                               use_dictionary=["person_id", "statuses"])
        for tmp, (_, path) in zip(temps, files):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            Path(tmp).unlink(missing_ok=True)
        raise


def add_parser(sub) -> None:
    p = sub.add_parser("reform", help="run a policy and a variant with changed parameters on one claims table; "
                                      "write per-claim and per-person-year differences")
    p.add_argument("--policy", required=True, help="policy ID")
    p.add_argument("claims", help="claims table (.csv or .parquet)")
    p.add_argument("--change", required=True, help="CHANGES.yaml: parameters (name: [{from, to, value}]), readings")
    p.add_argument("--out", required=True, help="DIFF.parquet (per claim); DIFF.people.parquet is written beside it")
    p.add_argument("--inputs", help="INPUTS.json: values the text leaves to the user (both runs)")
    p.add_argument("--readings", help="READINGS.json: reading id → option (both runs; CHANGES.yaml may override)")
    p.add_argument("--chart", help="CHART.png: the change in each fund's cost by group")
    p.add_argument("--allow-below-floor", action="store_true",
                   help="allow a value below the text's floor (or above its ceiling); the summary says so")
    p.add_argument("--timings", action="store_true", help="print the time of each step")
    p.set_defaults(run=_run)


def _run(args) -> int:
    from ..tables.memory import keep_freed_memory
    keep_freed_memory()   # two runs over the table: the same reuse of freed memory as batch
    run_reform(args.policy, args.claims, args.change, args.out, args.inputs, args.readings, args.chart,
               args.allow_below_floor, args.timings)
    return 0


__all__ = ["load_changes", "run_reform", "run_on_table", "summarise", "summary_frame", "format_summary",
           "reform_chart", "reform_chart_data", "nearest_rank", "claim_differences", "people_table", "person_years"]
