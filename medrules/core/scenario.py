"""Scenario input: one person, their claims and the inputs a policy leaves open, validated with pydantic.

Every error becomes an InputError whose message names the field (claims[1].date) and what is allowed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Optional, Union

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator,
                      model_validator)

from .categories import CATEGORIES, FACILITIES, INSURANCE_TYPES, SETTINGS, STATUSES
from .claims import FLAG_FIELDS
from .datafiles import DataProblem, StrictLoader, parse_json, parse_yaml, read_capped, yaml_error_line
from .grammar import parse_date, parse_flag, parse_money
from .money import exact_ratio
from .messages import Problem, catalogue, msg, problem_texts, read_problem
from .oneline import cut, one_line, shown
from .policy import PolicyError, check_policy_id, load_policy

# A scenario file larger than this is refused before it is parsed (`evaluate /dev/zero` must not read forever).
# 64 MiB holds 100,000 claims with every field, indented, with room to spare.
MAX_SCENARIO_BYTES = 64 * 1024 * 1024
MAX_FIELD_CHARS = 200
MAX_PROBLEMS = 5        # problems of one scenario named in its error line; the rest are counted   # a field path quoted in a message (it holds the keys the user typed), cut beyond this


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
        field = cut(field, MAX_FIELD_CHARS)
        super().__init__(one_line(f"{field}: {en}"))  # a key the user typed may hold a newline
        self.field = field
        self.zh = one_line(f"{field}：{zh}") if zh else None

    def under(self, field: str, cls=None) -> "InputError":
        """The same problem named under another field (a Dask file's name, `change.` before a reform's field)."""
        return (cls or type(self))(field, self.problem)


MAX_DATA_FILE_BYTES = 16 * 1024 * 1024   # an inputs, readings, codes, scheme or changes file: a few lines


def load_data_file(path, what: str, kind: str = "yaml", loader=StrictLoader, cls=None):
    """A JSON or YAML file a user gives beside the main input (--inputs, --readings, --codes, --change, a scheme),
    read strictly (medrules.core.datafiles): at most MAX_DATA_FILE_BYTES, UTF-8, unique keys, no lone surrogate,
    YAML without aliases and at most MAX_DEPTH deep. Any problem is one InputError (or `cls`) under `what` naming
    the file (and the line or the field inside it)."""
    cls = cls or InputError
    try:
        text = read_capped(str(path), MAX_DATA_FILE_BYTES).decode("utf-8")
        return parse_json(text) if kind == "json" else parse_yaml(text, loader)
    except (OSError, UnicodeDecodeError) as e:
        raise cls(what, read_problem(path, e, "error.cannot_read_plain")) from None
    except DataProblem as e:
        raise data_error(what, e, path, cls) from None
    except yaml.YAMLError as e:
        line = yaml_error_line(e)
        where = cut(str(path), MAX_FIELD_CHARS) + ("" if line is None else f" line {line}")
        reason = " ".join(str(getattr(e, "problem", None) or e).split())
        raise cls(what, "error.not_yaml", path=where, reason=reason) from None


def data_error(what: str, problem: DataProblem, file=None, cls=None) -> InputError:
    """A problem found reading a JSON or YAML file (medrules.core.datafiles) as an InputError (or `cls`) under
    `what`: the field inside the file named after it (inputs.x; in a scenario, claims[0].date), else the file and
    the YAML line."""
    cls = cls or InputError
    if problem.path:
        return cls(problem.path if what == "scenario" else f"{what}.{problem.path}", problem)
    if file is None:
        return cls(what, problem)
    where = cut(str(file), MAX_FIELD_CHARS) + ("" if problem.line is None else f" line {problem.line}")
    return cls(what, Problem.each("error.problem_in_file", zh={"problem": problem.zh}, en={"problem": problem.en},
                                  where=where))


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
        return None if value is None else parse_date(value)

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
        return parse_date(value)

    @field_validator(*FLAG_FIELDS, mode="before")
    @classmethod
    def _flags_true_or_false(cls, value):
        return parse_flag(value)



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
        errors = e.errors()
        problems = [(_field_path(err["loc"]), pydantic_problem(err, _allowed)) for err in errors[:MAX_PROBLEMS]]
        (field, first), rest = problems[0], problems[1:]
        zh = first.zh + "".join(f"；{f}：{p.zh}" for f, p in rest)
        en = first.en + "".join(f"; {f}: {p.en}" for f, p in rest)
        if len(errors) > MAX_PROBLEMS:   # a line of a readable length, however many claims are wrong
            more_zh, more_en = msg("error.more_problems", n=len(errors) - MAX_PROBLEMS)
            zh, en = zh + more_zh, en + more_en
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
        return read_capped(source, MAX_SCENARIO_BYTES).decode("utf-8")
    except DataProblem:
        raise InputError("scenario", "error.file_too_large", path=shown(source),
                         mib=MAX_SCENARIO_BYTES // 2**20) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("scenario", read_problem(source, e)) from None


def load_scenario_json(text: str) -> Scenario:
    """Parse JSON text strictly (medrules.core.datafiles.parse_json: exact numbers, a key given twice refused, no
    lone surrogate) and validate it."""
    try:
        data = parse_json(text)
    except DataProblem as e:
        raise data_error("scenario", e) from None
    return parse_scenario(data)
