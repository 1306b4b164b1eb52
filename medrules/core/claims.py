"""Claims as columns: the one shape the rules run on, whether one person's scenario or a million-row table.

Money is int64 fen; a money field the record does not give is 0 with its `has_<field>` flag False. Coded fields
hold an index into CODES; a person's statuses are a bit mask (bit k = STATUS_CODES[k]). Row i of every array is
one claim; `row` is its position in the input (0-based), by which results and errors name it.
"""
from __future__ import annotations

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
    "supplementary_insurance_paid",  # 企业补充医疗保险 hifes_pay + 其他支出 oth_pay
    "medical_assistance_paid",       # 医疗救助基金支出 maf_pay: what the record says was paid; kept, not used
)
MONEY_FIELDS = COST_FIELDS + SLIP_FIELDS
FLAG_FIELDS = ("referred", "followed_treatment_guidance", "in_city_designated_hospital")
STATUS_CODES = tuple(STATUSES)
CODES = {"insurance": tuple(INSURANCE_TYPES), "setting": tuple(SETTINGS), "facility": tuple(FACILITIES)}


SETTING_CODES = {v: k for k, v in enumerate(CODES["setting"])}
FACILITY_CODES = {v: k for k, v in enumerate(CODES["facility"])}


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


class Claims:
    """Named arrays of equal length; `take` selects rows of all of them at once."""

    def __init__(self, columns: dict, person_ids=None, line_offset: int | None = None):
        date = columns.get("date")
        if date is not None and date.dtype != np.dtype("datetime64[D]"):  # pandas keeps dates in ns or s
            columns = {**columns, "date": date.astype("datetime64[D]")}
        self.columns = columns
        self.person_ids = person_ids      # the input's person ids by person code (Arrow array or list)
        self.line_offset = line_offset    # CSV: file line = row + line_offset

    def __getattr__(self, name):
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self):
        columns = self.columns
        return len(columns.index) if isinstance(columns, _Taken) else len(columns["row"])   # no gather to count

    def take(self, index) -> "Claims":
        """The claims at `index`; columns are gathered when first read (a rule reads only a few of them)."""
        return Claims(_Taken(self.columns, np.asarray(index)), self.person_ids, self.line_offset)

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
        return pd.DataFrame(self.columns)

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
            cols[name] = np.zeros(0, bool)
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
            "statuses": np.full(n, status_mask(person_statuses(person)), dtype=np.int32),
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
            cols[name] = np.array([getattr(c, name) for c in claims], dtype=bool)
        return cls(cols, person_ids=["person"], line_offset=-1)


class _Taken(dict):
    """A dict of columns gathered lazily from another at `index`."""

    def __init__(self, source: dict, index: np.ndarray):
        super().__init__()
        self.source, self.index = source, index

    def __missing__(self, name):
        value = self[name] = self.source[name][self.index]
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
    """A scenario person's statuses: `statuses` as given, or the one-category form's."""
    if person.statuses is not None:
        return tuple(person.statuses)
    return CATEGORY_STATUSES[person.category]
