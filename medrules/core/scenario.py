"""Scenario input: one person, their claims and the inputs a policy leaves open, validated with pydantic.

Every error becomes an InputError whose message names the field (claims[1].date) and what is allowed."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
from decimal import Decimal
from typing import Annotated, Literal, Optional, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator,
                      model_validator)

from .categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS, STATUSES
from .claims import FLAG_FIELDS
from .money import DECIMAL_TEXT, FEN, exact_ratio, to_yuan
from .messages import Problem, catalogue, problem_texts, read_problem
from .oneline import one_line, shown
from .policy import PolicyError, check_policy_id, load_policy

# Sanity bound, not a policy number: one claim above 100 million yuan is taken to be a typing error.
MAX_AMOUNT = Decimal("100000000")
# A scenario file larger than this is refused before it is parsed (`evaluate /dev/zero` must not read forever).
# 64 MiB holds 100,000 claims with every field, indented, with room to spare.
MAX_SCENARIO_BYTES = 64 * 1024 * 1024
# No amount, ratio or date needs a longer number; a 5,000-digit one is refused by its length, not converted.
MAX_NUMBER_CHARS = 64
# Up to 99,999,999.99 yuan (below MAX_AMOUNT), unsigned, at most two decimals: valid without further checks.
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,8}(?:\.[0-9]{1,2})?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII, no time, no zone


class InputError(ValueError):
    """Bad input; the message names the field and what is allowed.

    InputError("claims[0].date", "error.date_format", got="'2023/03/10'") builds the message from the catalogue
    (medrules/messages.yaml) in Chinese and English; a Problem raised by a check is taken as it is. str() is the
    English "field: problem", .zh the Chinese "field：problem" (medrules.core.messages.error_line prints both)."""

    def __init__(self, field: str, problem, /, **values):
        if isinstance(problem, str) and problem in catalogue():
            problem = Problem(problem, **values)
        self.problem = problem
        zh, en = problem_texts(problem)
        super().__init__(one_line(f"{field}: {en}"))  # a key the user typed may hold a newline
        self.field = field
        self.zh = one_line(f"{field}：{zh}") if zh else None

    def under(self, field: str, cls=None) -> "InputError":
        """The same problem named under another field (a Dask file's name, `change.` before a reform's field)."""
        return (cls or type(self))(field, self.problem)


def parse_money(value):
    """An amount exactly as written: ASCII digits, at most two decimals; no "1_000", "１０００", "200000.000"."""
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):  # the usual case, checked in one step (speed)
        return Decimal(value).quantize(FEN)
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
        if value.strip().lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
            raise Problem("error.amount_not_finite", got=shown(value))
        raise Problem("error.amount_format", got=shown(value))
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise Problem("error.amount_format", got=shown(value))
    amount = Decimal(value)
    if not amount.is_finite():
        raise Problem("error.amount_not_finite", got=shown(value))
    # From here the value is a number, shown as written (unquoted), cut if it is very long.
    if amount < 0:
        raise Problem("error.amount_negative", got=shown(amount))
    if amount > MAX_AMOUNT:
        raise Problem("error.amount_too_large", got=shown(amount), bound=MAX_AMOUNT)
    if amount.as_tuple().exponent < -2:
        raise Problem("error.amount_decimals", got=shown(amount))
    return to_yuan(amount)


def _date(value) -> dt.date:
    """A date written YYYY-MM-DD (or a date object from Python); no timestamps, times, zones or 20230310."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as e:
            raise Problem("error.date_not_a_day", got=value, reason=e) from None
    raise Problem("error.date_format", got=shown(value))


def _flag(value) -> bool | None:
    """true or false only: 1, 1.0, "yes" or "no" are refused, not guessed; null (or the field left out) is "not
    given", which is unknown, never "no"."""
    if value is True or value is False or value is None:
        return value
    raise Problem("error.flag", got=shown(value))


Money = Annotated[Decimal, BeforeValidator(parse_money)]
Category = Literal[tuple(CATEGORIES)]
Status = Literal[tuple(STATUSES)]
Insurance = Literal[tuple(INSURANCE_TYPES)]
Setting = Literal[tuple(SETTINGS)]
Facility = Literal[tuple(FACILITIES)]

class DatedStatus(BaseModel):
    """A status held over dates, as an identity record (人员身份信息) has it: recognised on `from`, ended on `to`
    (both included; left out or null: not stated, open)."""
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    status: Status
    start: Optional[dt.date] = Field(None, alias="from")
    end: Optional[dt.date] = Field(None, alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _dates_as_written(cls, value):
        return None if value is None else _date(value)

    @model_validator(mode="after")
    def _in_order(self):
        if self.start is not None and self.end is not None and self.end < self.start:
            raise Problem("error.status_dates_order", start=self.start, end=self.end)
        return self

    def as_json(self) -> dict:
        return {"status": self.status, "from": self.start and self.start.isoformat(),
                "to": self.end and self.end.isoformat()}


# A status is held throughout (its code) or over dates (an object): told apart by shape, so an error names one of them.
StatusHeld = Annotated[Union[Annotated[Status, Tag("code")], Annotated[DatedStatus, Tag("dated")]],
                       Discriminator(lambda v: "code" if isinstance(v, str) else "dated")]


class Person(BaseModel):
    """Statuses (低保 and 因病致贫 at once, …; each held throughout, or over dates), or the one `category` of earlier
    scenarios; not both."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    statuses: Optional[tuple[StatusHeld, ...]] = None
    category: Optional[Category] = None
    insurance: Insurance

    @model_validator(mode="after")
    def _statuses_or_category(self):
        if (self.statuses is None) == (self.category is None):
            raise Problem("error.statuses_or_category", statuses=", ".join(STATUSES), categories=", ".join(CATEGORIES))
        undated = [s for s in self.statuses or () if isinstance(s, str)]
        dated = [s for s in self.statuses or () if not isinstance(s, str)]
        if len(set(undated)) != len(undated) or {s.status for s in dated} & set(undated):
            raise Problem("error.status_twice")
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
    other_funds_paid: Optional[Money] = None         # 公务员医疗补助、企业补充医疗保险: paid before assistance
    # Yes/no facts (medrules.core.claims.FLAG_FIELDS); not given (None) is unknown, never "no".
    referred: Optional[bool] = None                     # 经基层首诊转诊 / 规范转诊
    followed_treatment_guidance: Optional[bool] = None  # 执行就医指导方案
    in_city_designated_hospital: Optional[bool] = None  # 市域内定点医疗机构
    out_of_province: Optional[bool] = None              # 省外就医

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_written(cls, value):
        return _date(value)

    @field_validator(*FLAG_FIELDS, mode="before")
    @classmethod
    def _flags_true_or_false(cls, value):
        return _flag(value)



class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    policy: str
    person: Person
    claims: list[Claim]
    inputs: dict = {}
    readings: dict = {}   # reading id → option (python -m medrules readings POLICY lists them)

    @field_validator("policy", mode="before")
    @classmethod
    def _known_policy(cls, value):
        try:
            return check_policy_id(value)
        except PolicyError as e:
            raise e.problem from None

    @model_validator(mode="after")
    def _has_claims(self):
        if not self.claims:
            raise Problem("error.no_claims")
        return self


def pydantic_problem(err: dict, allowed_fields) -> Problem:
    """One pydantic error as a Problem: ours as raised, pydantic's own kinds from the catalogue (allowed values kept)."""
    kind = err["type"]
    raised = (err.get("ctx") or {}).get("error")
    if isinstance(raised, Problem):
        return raised
    if kind == "extra_forbidden":
        return Problem("error.unknown_field", allowed=allowed_fields(err["loc"]))
    if kind == "missing":
        return Problem("error.required_missing")
    if kind == "literal_error":
        expected = err["ctx"]["expected"]
        return Problem.each("error.not_allowed", zh={"expected": expected.replace(" or ", ", ")},
                            en={"expected": expected}, got=shown(err.get("input")))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Problem("error.not_an_object", got=shown(err.get("input")))
    if kind in ("list_type", "tuple_type"):
        return Problem("error.not_a_list", got=shown(err.get("input")))
    if kind in ("bool_type", "bool_parsing"):
        return Problem("error.not_bool", got=shown(err.get("input")))
    if kind == "string_type":
        return Problem("error.not_text", got=shown(err.get("input")))
    if kind == "value_error":
        return Problem("error.value_plain", problem=err["msg"].removeprefix("Value error, "))
    return Problem("error.value_with_input", problem=err["msg"], got=shown(err.get("input")))


UNION_TAGS = ("code", "dated")   # how pydantic names the branch of a tagged union (StatusHeld): not a field


def _field_path(loc) -> str:
    path = ""
    for part in (p for p in loc if p not in UNION_TAGS):
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
        raise InputError("scenario", "error.scenario_not_object", got=type(data).__name__)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems = [(_field_path(err["loc"]), pydantic_problem(err, _allowed)) for err in e.errors()]
        (field, first), rest = problems[0], problems[1:]
        zh = first.zh + "".join(f"；{f}：{p.zh}" for f, p in rest)
        en = first.en + "".join(f"; {f}: {p.en}" for f, p in rest)
        raise InputError(field, Problem.from_texts(first.key, zh, en)) from None
    _refuse_duplicate_claims(scenario.claims)
    return _exact_ratios(scenario)


def _exact_ratios(scenario: Scenario) -> Scenario:
    """Ratio inputs (unit `ratio` in the policy's parameters.yaml) exact, within money.MAX_RATIO_DECIMALS."""
    specs = load_policy(scenario.policy).inputs
    ratios = {}
    for name, value in scenario.inputs.items():
        if (specs.get(name) or {}).get("unit") == "ratio":
            try:
                ratios[name] = exact_ratio(value)
            except ValueError as e:
                raise InputError(f"inputs.{name}", e) from None
    return scenario.model_copy(update={"inputs": {**scenario.inputs, **ratios}}) if ratios else scenario


def _refuse_duplicate_claims(claims) -> None:
    """The same settlement entered twice would be paid twice: refuse it."""
    seen = {}
    for i, claim in enumerate(claims):
        first = seen.setdefault(claim, i)
        if first != i:
            raise InputError(f"claims[{i}]", "error.duplicate_claim", first=first)


def read_scenario_text(source: str) -> str:
    """The text of a scenario file, or of standard input for "-", read up to MAX_SCENARIO_BYTES and no further."""
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_SCENARIO_BYTES + 1)
        else:
            with open(source, "rb") as f:
                raw = f.read(MAX_SCENARIO_BYTES + 1)
        if len(raw) > MAX_SCENARIO_BYTES:
            raise InputError("scenario", "error.file_too_large", path=shown(source), mib=MAX_SCENARIO_BYTES // 2**20)
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("scenario", read_problem(source, e)) from None


def load_scenario_json(text: str) -> Scenario:
    """Parse JSON text (floats read as Decimal, never float; a key given twice refused) and validate it."""
    try:
        data = json.loads(text, parse_float=_number(Decimal), parse_int=_number(int),
                          parse_constant=_reject_constant, object_pairs_hook=unique_keys)
    except InputError:
        raise
    except json.JSONDecodeError as e:
        raise InputError("scenario", "error.json_malformed", line=e.lineno, column=e.colno, reason=e.msg) from None
    except RecursionError:
        raise InputError("scenario", "error.json_too_deep") from None
    except ValueError as e:  # e.g. an integer literal longer than Python's int_max_str_digits
        raise InputError("scenario", "error.json_unreadable", reason=e) from None
    return parse_scenario(data)


def _number(convert):
    """json's parse_int / parse_float, refusing a number longer than MAX_NUMBER_CHARS before converting it."""
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise InputError("scenario", "error.number_too_long", length=len(text), start=text[:12],
                             most=MAX_NUMBER_CHARS)
        return convert(text)
    return parse


def unique_keys(pairs) -> dict:
    """A JSON object as a dict, refusing a key given twice (json would keep the last one without a word)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError("scenario", "error.key_twice", key=shown(key))
            seen.add(key)
    return data


def _reject_constant(name):
    """NaN and Infinity stay text, so the field they stand in reports them by name."""
    return name
