"""A reform's CHANGES.yaml: which of a policy's dated parameter values change, checked with pydantic against the
policy's parameters.yaml, and the variant policy it makes (python -m medrules reform --change CHANGES.yaml).

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
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..core.datafiles import DatesAsTextLoader
from ..core.messages import Problem
from ..core.money import exact_ratio, fmt_ratio
from ..core.oneline import shown
from ..core.policy import Parameter, ParamValue, Policy, load_policy
from ..core.readings import resolve
from ..core.scenario import InputError, load_data_file, pydantic_problem


_AMOUNT_TEXT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_YUAN = Decimal("100000000")  # the sanity bound of every amount (medrules.core.scenario.MAX_AMOUNT)


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
        value, bound = shown_value(self.value, self.unit), shown_value(self.bound, self.unit)
        return (f"{self.parameter} = {value}: {zh} {en} {bound} "
                f"({self.clause}); allowed by --allow-below-floor")


def shown_value(v, unit: str | None = None) -> str:
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
                                 got=shown_value(value, parameter.unit), bound=shown_value(bound, parameter.unit),
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
    # Strictly (a parameter or key given twice refused), dates left as text so a bad one (2023-13-01) is named by
    # its field rather than failing inside the YAML parser.
    raw = load_data_file(path, "change", loader=DatesAsTextLoader)
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
