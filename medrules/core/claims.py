"""Claims as columns: the one shape the rules run on, whether one person's scenario or a million-row table.

Money is int64 fen; a money field the record does not give is 0 with its `has_<field>` flag False. A yes/no fact is
the same: its value, and `has_<fact>` False where it is not given (unknown, never "no"). Coded fields hold an index
into CODES; a person's statuses are a bit mask per claim (bit k = STATUS_CODES[k]): those held throughout, and, from
the person's dated identity records (`Identity`), those in force on the claim's date. Row i of every array is one
claim; `row` is its position in the input (0-based), by which results and errors name it.
"""
from __future__ import annotations

import copy
from collections import ChainMap
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .categories import CATEGORY_STATUSES, FACILITIES, INSURANCE_TYPES, SETTINGS, STATUSES

# The settlement record's cost split and each fund's payment (国家医保信息平台 结算信息), in our names.
COST_FIELDS = (
    "policy_range_cost",      # 符合政策范围金额 inscp_scp_amt
    "total_cost",             # 医疗费总额 medfee_sumamt
    "fully_self_paid",        # 全自费金额 fulamt_ownpay_amt
    "over_limit_self_paid",   # 超限价自费费用 overlmt_selfpay
    "pre_self_paid",          # 先行自付金额 preselfpay_amt (乙类先行自付)
    "deductible_paid",        # 实际支付起付线 act_pay_dedc
)
SLIP_FIELDS = (
    "basic_insurance_paid",          # 基本医疗保险统筹基金支出 hifp_pay
    "critical_illness_paid",         # 居民大病保险资金支出 hifmi_pay + 职工大额医疗费用补助基金支出 hifob_pay
    "supplementary_insurance_paid",  # 商业补充医疗保险 (惠民保): the fund field a region's mapping names
    "medical_assistance_paid",       # 医疗救助基金支出 maf_pay: what the record says was paid; kept, not used
    "other_funds_paid",              # 公务员医疗补助 cvlserv_pay + 企业补充医疗保险 hifes_pay: paid before assistance
)
MONEY_FIELDS = COST_FIELDS + SLIP_FIELDS
# The costs outside the policy range that a record may split out of its total.
OUTSIDE_RANGE = ("fully_self_paid", "over_limit_self_paid", "pre_self_paid")
# The funds that pay before what is left to the person, within the policy-range cost.
SLIPS_BEFORE_PERSON = ("basic_insurance_paid", "critical_illness_paid", "other_funds_paid", "supplementary_insurance_paid")
# Yes/no facts of a claim that some clauses need; each may be not given.
FLAG_FIELDS = (
    "referred",                      # 经基层首诊转诊 / 经规范转诊
    "followed_treatment_guidance",   # 执行就医指导方案
    "in_city_designated_hospital",   # 市域内定点医疗机构
    "out_of_province",               # 省外就医（异地就医）
)
STATUS_CODES = tuple(STATUSES)
CODES = {"insurance": tuple(INSURANCE_TYPES), "setting": tuple(SETTINGS), "facility": tuple(FACILITIES)}


SETTING_CODES = {v: k for k, v in enumerate(CODES["setting"])}
FACILITY_CODES = {v: k for k, v in enumerate(CODES["facility"])}


def record_problems(t: "Claims") -> list[tuple[np.ndarray, str, str]]:
    """Claims whose settlement record contradicts itself, as (mask, the fields, the catalogue key of why): the funds
    before what is left to the person paid more than the policy-range cost; the parts outside the policy range and
    the policy-range cost add up to more than the total cost."""
    paid = sum(np.where(getattr(t, "has_" + f), getattr(t, f), 0) for f in SLIPS_BEFORE_PERSON)
    parts = t.policy_range_cost + sum(np.where(getattr(t, "has_" + f), getattr(t, f), 0) for f in OUTSIDE_RANGE)
    return [(paid > t.policy_range_cost, ", ".join(SLIPS_BEFORE_PERSON), "trace.record.slips_over_cost"),
            (t.has_total_cost & (parts > t.total_cost), ", ".join(("total_cost",) + OUTSIDE_RANGE),
             "trace.record.parts_over_total"),
            (t.columns.get("record_unbalanced", np.zeros(len(t), bool)), "psn_part_amt, fund_pay_sumamt",
             "trace.record.unbalanced")]


def code(column: str, value: str) -> int:
    """The code a coded column holds for a value: code("setting", "inpatient")."""
    return CODES[column].index(value)


def status_bit(status: str) -> int:
    return 1 << STATUS_CODES.index(status)


def status_mask(statuses) -> int:
    mask = 0
    for s in statuses:
        mask |= status_bit(s)
    return mask


def statuses_of(mask: int) -> list[str]:
    return [s for k, s in enumerate(STATUS_CODES) if int(mask) >> k & 1]


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def yuan(fen_amount) -> Decimal:
    return Decimal(int(fen_amount)).scaleb(-2)


@dataclass(frozen=True)
class Identity:
    """Dated identity records (人员身份信息: a status held from `start` to `end`, days since 1970-01-01, both
    included; an open end is the largest int64), one row per record, `person` by the claims' person code."""
    person: np.ndarray
    bit: np.ndarray
    start: np.ndarray
    end: np.ndarray

    OPEN = np.iinfo(np.int64).max

    def __len__(self):
        return len(self.person)


class Claims:
    """Named arrays of equal length; `take` selects rows of all of them at once."""

    def __init__(self, columns: dict, person_ids=None, line_offset: int | None = None,
                 identity: Identity | None = None):
        date = columns.get("date")
        if date is not None and date.dtype != np.dtype("datetime64[D]"):  # pandas keeps dates in ns or s
            columns = {**columns, "date": date.astype("datetime64[D]")}
        self.columns = columns
        self.person_ids = person_ids      # the input's person ids by person code (Arrow array or list)
        self.line_offset = line_offset    # CSV: file line = row + line_offset
        self.identity = identity          # dated statuses, or None

    def __getattr__(self, name):
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self):
        columns = self.columns
        if isinstance(columns, LazyColumns) and not isinstance(columns.where, slice):
            return len(columns.where)   # no gather to count
        return len(columns["row"])

    def take(self, index) -> "Claims":
        """The claims at `index`; columns are gathered when first read (a rule reads only a few of them)."""
        return self._with(LazyColumns(self.columns, np.asarray(index)))

    def with_columns(self, **columns) -> "Claims":
        """The same claims with some columns replaced (the others still read, and gathered, from this one)."""
        return self._with(ChainMap(columns, self.columns))

    def _with(self, columns) -> "Claims":
        other = copy.copy(self)   # a subclass keeps how it names its claims
        other.__dict__["columns"] = columns
        return other

    def where(self, i: int) -> str:
        """How an error names the claim at position i: 'row 7 (line 8)', or 'claims[6]' for a scenario."""
        row = int(self.row[i])
        if self.line_offset == -1:
            return f"claims[{row}]"
        return f"row {row + 1}" + ("" if self.line_offset is None else f" (line {row + self.line_offset})")

    def field(self, i: int, name: str) -> str:
        """The field path an error names: 'claims[0].critical_illness_paid' or 'row 3 (line 4), …'."""
        sep = "." if self.line_offset == -1 else ", "
        return f"{self.where(i)}{sep}{name}"

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame({k: self.columns[k] for k in self.columns})

    @classmethod
    def from_frame(cls, frame, line_offset=None) -> "Claims":
        return cls({k: frame[k].to_numpy() for k in frame.columns}, line_offset=line_offset)

    @classmethod
    def empty(cls) -> "Claims":
        """No claims, every column with its dtype (what a run on no claims, or a Dask frame's meta, starts from)."""
        cols = {"row": np.zeros(0, np.int64), "person": np.zeros(0, np.int64), "statuses": np.zeros(0, np.int32),
                "insurance": np.zeros(0, np.int8), "date": np.zeros(0, "datetime64[D]"),
                "setting": np.zeros(0, np.int8), "facility": np.zeros(0, np.int8)}
        for name in MONEY_FIELDS:
            cols[name], cols["has_" + name] = np.zeros(0, np.int64), np.zeros(0, bool)
        for name in FLAG_FIELDS:
            cols[name], cols["has_" + name] = np.zeros(0, bool), np.zeros(0, bool)
        return cls(cols)

    @classmethod
    def from_scenario(cls, scenario) -> "Claims":
        """One person's claims as a small table (row = position in the scenario's list)."""
        claims = scenario.claims
        n = len(claims)
        person = scenario.person
        cols = {
            "row": np.arange(n, dtype=np.int64),
            "person": np.zeros(n, dtype=np.int64),
            "statuses": np.full(n, status_mask(person_statuses(person)), dtype=np.int32),   # held throughout
            "insurance": np.full(n, code("insurance", person.insurance), dtype=np.int8),
            # days since 1970-01-01 (ordinal 719163): numpy converts ints far faster than date objects
            "date": (np.array([c.date.toordinal() for c in claims], dtype=np.int64) - 719163).astype("datetime64[D]"),
            "setting": np.array([SETTING_CODES[c.setting] for c in claims], dtype=np.int8),
            "facility": np.array([FACILITY_CODES.get(c.facility, -1) for c in claims], dtype=np.int8),
        }
        for name in MONEY_FIELDS:
            values = [getattr(c, name) for c in claims]
            given = [v is not None for v in values]
            cols["has_" + name] = np.array(given, dtype=bool)
            # a field no claim gives (most of them, usually) needs no conversion
            cols[name] = (np.array([0 if v is None else fen(v) for v in values], dtype=np.int64) if any(given)
                          else np.zeros(n, dtype=np.int64))
        for name in FLAG_FIELDS:
            values = [getattr(c, name) for c in claims]
            cols[name] = np.array([bool(v) for v in values], dtype=bool)
            cols["has_" + name] = np.array([v is not None for v in values], dtype=bool)
        dated = person_dated_statuses(person)
        identity = Identity(np.zeros(len(dated), np.int64), np.array([status_bit(s) for s, _, _ in dated], np.int32),
                            np.array([_day(a, Identity.OPEN * -1) for _, a, _ in dated], np.int64),
                            np.array([_day(b, Identity.OPEN) for _, _, b in dated], np.int64)) if dated else None
        return cls(cols, person_ids=["person"], line_offset=-1, identity=identity)


class LazyColumns(dict):
    """A dict of columns selected from another at `where` — an index array (a gather) or a slice (views) — each
    taken when first read."""

    def __init__(self, source: dict, where):
        super().__init__()
        self.source, self.where = source, where

    def __missing__(self, name):
        value = self[name] = self.source[name][self.where]
        return value

    def get(self, name, default=None):
        return self[name] if name in self.source else default

    def __contains__(self, name):
        return name in self.source

    def keys(self):
        return self.source.keys()

    def __iter__(self):
        return iter(self.source)

    def items(self):
        return ((k, self[k]) for k in self.source)

    def values(self):
        return (self[k] for k in self.source)

    def __len__(self):
        return len(self.source)


def person_statuses(person) -> tuple:
    """A scenario person's statuses held throughout: `statuses` as given (the undated ones), or the one-category
    form's."""
    if person.statuses is not None:
        return tuple(s for s in person.statuses if isinstance(s, str))
    return CATEGORY_STATUSES[person.category]


def person_dated_statuses(person) -> list[tuple]:
    """A scenario person's dated statuses: (status, from, to), a date or None (open)."""
    return [(s.status, s.start, s.end) for s in (person.statuses or ()) if not isinstance(s, str)]


def _day(date, missing: int) -> int:
    return missing if date is None else int(np.datetime64(date, "D").astype(np.int64))


SPAN_DAYS = 10 ** 6   # days either side of 1970 a policy's status span is asked about (open ends stay open)


def statuses_on_dates(t: Claims, span=None) -> np.ndarray:
    """Each claim's statuses: those held throughout, and the dated ones in force on its date — over the days the
    policy lets a status count (`span(start days, end days) -> (start, end)`, both included; by default the record's
    own dates). An unstated start or end stays open."""
    identity = t.identity
    if identity is None or not len(identity) or not len(t):
        return t.statuses
    start, end = identity.start, identity.end
    if span is not None:
        start, end = span(np.clip(start, -SPAN_DAYS, SPAN_DAYS), np.clip(end, -SPAN_DAYS, SPAN_DAYS))
        start = np.where(identity.start == -Identity.OPEN, identity.start, start)
        end = np.where(identity.end == Identity.OPEN, identity.end, end)
    order = np.argsort(t.person, kind="stable")
    sorted_person = t.person[order]
    lo = np.searchsorted(sorted_person, identity.person, "left")
    counts = np.searchsorted(sorted_person, identity.person, "right") - lo
    record = np.repeat(np.arange(len(identity)), counts)   # each record paired with each claim of its person
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    claim = order[np.repeat(lo, counts) + offset]
    day = t.date.view(np.int64)[claim]
    held = (day >= start[record]) & (day <= end[record])
    out = np.array(t.statuses, dtype=np.int32, copy=True)
    np.bitwise_or.at(out, claim[held], identity.bit[record[held]])
    return out
