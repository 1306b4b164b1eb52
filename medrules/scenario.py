"""Scenario input: one person, their claims and the inputs a policy leaves open, validated with pydantic.

Every error becomes an InputError whose message names the field (claims[1].date) and what is allowed."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from .categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS, STATUSES
from .claims import COST_FIELDS
from .money import to_yuan

# Sanity bound, not a policy number: one claim above 100 million yuan is taken to be a typing error.
MAX_AMOUNT = Decimal("100000000")


class InputError(ValueError):
    """Bad input; the message names the field and what is allowed."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def _money(value):
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError(f"must be an amount in yuan (a number such as 1234.50), got {value!r}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"must be an amount in yuan (a number such as 1234.50), got {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"must be a finite amount in yuan, got {value!r}")
    if amount < 0:
        raise ValueError(f"must not be negative, got {value}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"{value} is larger than the sanity bound of {MAX_AMOUNT} yuan for one claim")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"must be exact to the fen (at most two decimals), got {value}")
    return to_yuan(amount)


Money = Annotated[Decimal, BeforeValidator(_money)]
Category = Literal[tuple(CATEGORIES)]
Status = Literal[tuple(STATUSES)]
Insurance = Literal[tuple(INSURANCE_TYPES)]
Setting = Literal[tuple(SETTINGS)]
Facility = Literal[tuple(FACILITIES)]

# The fund payments that come before what is left to the person, and must fit in the policy-range cost.
SLIP_FIELDS = ("basic_insurance_paid", "critical_illness_paid", "supplementary_insurance_paid")


class Person(BaseModel):
    """Statuses (低保 and 因病致贫 at once, …), or the one `category` of earlier scenarios; not both."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    statuses: Optional[tuple[Status, ...]] = None
    category: Optional[Category] = None
    insurance: Insurance

    @model_validator(mode="after")
    def _statuses_or_category(self):
        if (self.statuses is None) == (self.category is None):
            raise ValueError("give either statuses (a list, empty for none; allowed: "
                             f"{', '.join(STATUSES)}) or category (allowed: {', '.join(CATEGORIES)}), not both")
        if self.statuses is not None and len(set(self.statuses)) != len(self.statuses):
            raise ValueError("statuses: a status is named twice")
        return self


class Claim(BaseModel):
    """One settlement, as the settlement record (结算信息) splits it: the policy-range cost and, where known, the
    total cost, the parts outside the policy range, and what each fund paid (the slip)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    date: dt.date
    setting: Setting
    facility: Optional[Facility] = None
    policy_range_cost: Money                      # 符合政策范围金额
    total_cost: Optional[Money] = None            # 医疗费总额
    fully_self_paid: Optional[Money] = None       # 全自费金额
    over_limit_self_paid: Optional[Money] = None  # 超限价自费费用
    pre_self_paid: Optional[Money] = None         # 先行自付金额 (乙类先行自付)
    deductible_paid: Optional[Money] = None       # 实际支付起付线
    basic_insurance_paid: Optional[Money] = None
    critical_illness_paid: Optional[Money] = None
    supplementary_insurance_paid: Optional[Money] = None
    medical_assistance_paid: Optional[Money] = None  # 医疗救助基金支出 as recorded: kept beside the computed one
    referred: bool = False                      # 经基层首诊转诊 / 规范转诊
    followed_treatment_guidance: bool = False   # 执行就医指导方案
    in_city_designated_hospital: bool = False   # 市域内定点医疗机构

    @model_validator(mode="after")
    def _slips_within_cost(self):
        paid = sum((getattr(self, f) or 0) for f in SLIP_FIELDS)
        if paid > self.policy_range_cost:
            raise ValueError(
                f"the slip amounts ({', '.join(SLIP_FIELDS)}) add up to {paid}, "
                f"more than policy_range_cost {self.policy_range_cost}"
            )
        if self.total_cost is not None:
            parts = sum((getattr(self, f) or 0) for f in COST_FIELDS[2:5]) + self.policy_range_cost
            if parts > self.total_cost:
                raise ValueError(f"policy_range_cost + fully_self_paid + over_limit_self_paid + pre_self_paid = "
                                 f"{parts}, more than total_cost {self.total_cost}")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    policy: str
    person: Person
    claims: list[Claim]
    inputs: dict = {}
    readings: dict = {}   # reading id → option (python -m medrules readings POLICY lists them)

    @model_validator(mode="after")
    def _has_claims(self):
        if not self.claims:
            raise ValueError("claims: at least one claim is needed")
        return self


def _field_path(loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "scenario"


def _allowed(loc) -> str:
    """Name the allowed fields when an unknown one was given."""
    model = {0: Scenario}.get(len(loc) - 1, None)
    owners = {"person": Person, "claims": Claim}
    for part in reversed(loc[:-1]):
        if isinstance(part, str) and part in owners:
            model = owners[part]
            break
    return ", ".join(model.model_fields) if model else ""


def parse_scenario(data) -> Scenario:
    """Validate a scenario given as a dict (JSON already parsed with Decimal floats)."""
    if not isinstance(data, dict):
        raise InputError("scenario", f"must be a JSON object, got {type(data).__name__}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown field; allowed: {_allowed(err['loc'])}"
            elif err["type"] == "missing":
                msg = "required field is missing"
            elif "input" in err and err["type"] != "value_error":
                msg += f" (got {err['input']!r})"
            problems.append((_field_path(err["loc"]), msg))
        (field, msg), rest = problems[0], problems[1:]
        raise InputError(field, msg + "".join(f"; {f}: {m}" for f, m in rest)) from None
    _refuse_duplicate_claims(scenario.claims)
    return scenario


def _refuse_duplicate_claims(claims) -> None:
    """The same settlement entered twice would be paid twice: refuse it."""
    seen = {}
    for i, claim in enumerate(claims):
        first = seen.setdefault(claim, i)
        if first != i:
            raise InputError(f"claims[{i}]", f"duplicates claims[{first}] (same date, setting, facility, amounts "
                             "and flags); enter each settlement once")


def load_scenario_json(text: str) -> Scenario:
    """Parse JSON text (floats read as Decimal, never float) and validate it."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise InputError("scenario", f"malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise InputError("scenario", "JSON nested too deeply to be a scenario") from None
    except ValueError as e:  # e.g. an integer literal longer than Python's int_max_str_digits
        raise InputError("scenario", f"unreadable JSON: {e}") from None
    return parse_scenario(data)


def _reject_constant(name):
    """NaN and Infinity stay text, so the field they stand in reports them by name."""
    return name
