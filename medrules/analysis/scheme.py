"""`python -m medrules check-scheme SCHEME.yaml`: a local chronic-outpatient scheme against the Zhejiang 2019 floors.

The check itself is medrules.rules.zhejiang_2019_chronic_outpatient.check_local_scheme; this module reads and
validates the scheme file and prints one finding per requirement with its clause, Chinese first.

SCHEME.yaml:

    name: {zh: 某县城乡居民医保慢性病门诊保障方案, en: County X residents' chronic outpatient scheme}  # optional
    date: 2020-01-01                 # the day the scheme is checked for (optional; default: the report date)
    primary_ratio: 0.60              # 基层门诊慢性病报销比例 (0 to 1)
    tuberculosis_ratio: 0.70         # 肺结核门诊报销比例 (0 to 1)
    pharmacy_purchase_allowed: true  # 定点零售药店刷卡购药
    conditions_covered: [高血压, 糖尿病, 肺结核, 冠心病]
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..core.policy import load_policy
from ..rules import zhejiang_2019_chronic_outpatient as zj
from ..core.grammar import parse_date
from ..core.messages import Problem
from ..core.money import DECIMAL_TEXT, exact_ratio
from ..core.oneline import shown
from ..core.scenario import InputError, load_data_file, pydantic_problem

POLICY_ID = zj.POLICY_ID


def _ratio(value):
    """A ratio as every input ratio is read (medrules.core.money.exact_ratio: 0..1, at most 6 decimals, exact);
    a number above 1 is said to look like a percentage."""
    try:
        return exact_ratio(value)
    except ValueError:
        written = value if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else (
            Decimal(value) if isinstance(value, str) and DECIMAL_TEXT.fullmatch(value) else None)
        if written is not None and written > 1:
            raise Problem("error.scheme_ratio_percent", got=shown(value)) from None
        raise


Ratio = Annotated[Decimal, BeforeValidator(_ratio)]
Day = Annotated[dt.date, BeforeValidator(parse_date)]   # YYYY-MM-DD, as every date is read


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str
    en: str = ""


class Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Optional[Words] = None
    date: Optional[Day] = None
    primary_ratio: Ratio
    tuberculosis_ratio: Ratio
    pharmacy_purchase_allowed: bool
    conditions_covered: list[Annotated[str, Field(min_length=1)]]


def load_scheme(path) -> Scheme:
    path = Path(path)
    raw = load_data_file(path, "scheme")
    if not isinstance(raw, dict):
        raise InputError("scheme", "error.scheme_not_mapping", path=path, fields=", ".join(Scheme.model_fields))
    try:
        return Scheme.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or "scheme"
        fields = ", ".join(Scheme.model_fields)
        if err["type"] == "missing":
            raise InputError(field, "error.scheme_missing", fields=fields) from None
        raise InputError(field, pydantic_problem(err, lambda loc: fields)) from None


def check(scheme: Scheme) -> tuple[dt.date, list[dict]]:
    """The day checked and check_local_scheme's findings."""
    policy = load_policy(POLICY_ID)
    on = scheme.date or policy.known_from
    findings = zj.check_local_scheme(policy, on, scheme.primary_ratio, scheme.tuberculosis_ratio,
                                     scheme.pharmacy_purchase_allowed, scheme.conditions_covered)
    return on, findings


def report(scheme: Scheme, on: dt.date, findings: list[dict]) -> str:
    verdict = {True: "符合 meets", False: "不符合 does not meet", None: "无法检查 cannot be checked"}
    title = load_policy(POLICY_ID).meta["title"]
    out = [f"地方方案检查 local scheme check · {title['zh']} · {POLICY_ID}"]
    if scheme.name:
        out.append(f"方案 scheme: {scheme.name.zh}" + (f" · {scheme.name.en}" if scheme.name.en else ""))
    out.append(f"检查日期 checked for: {on}")
    for f in findings:
        out.append(f"- {f['requirement']}: {verdict[f['meets']]}")
        out.append(f"    省定 provincial: {f['provincial']}; 本地 local: {f['local']} — {f['clause']}")
    named = set(zj.NAMED_CHRONIC_CONDITIONS) | set(zj.NAMED_CHRONIC_CONDITIONS.values())
    others = [c for c in scheme.conditions_covered if c.strip() not in named]
    if others:
        out.append(f"  其他病种 other conditions covered (not checkable: the report does not name them): "
                   f"{', '.join(others)}")
    counts = {v: sum(f["meets"] is v for f in findings) for v in (True, False, None)}
    out.append(f"合计 total: {counts[True]} 符合 meet, {counts[False]} 不符合 do not meet, "
               f"{counts[None]} 无法检查 cannot be checked")
    return "\n".join(out)
