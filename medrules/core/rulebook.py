"""What a policy's rule module works with: the @rule decorator and the columnar context `c`.

A rule is written once, on columns: `c` holds every claim being settled (one person's few, or a million rows),
sorted by person, date and input row, money in int64 fen. The same function serves the scenario, the batch, Dask,
the trace and the widgets. Shared mechanics live here, once: parameters by date, inputs, slip amounts, floors,
year-to-date accumulation over a person's calendar year, "due this year − paid so far", and undetermined layers.

A layer rule ends with `c.layer(case, case, …)`: each case is a mask of claims, their amount, and the key of its
trace sentence in medrules/messages.yaml (Chinese and English) with the values behind it as placeholders; the first
case that holds for a claim decides it and becomes its trace step. A reason a claim is undetermined (`why` of
input_amount, need_slip, missing) is a message key too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .categories import INPATIENT_KINDS
from .claims import CODES, Claims, code, status_bit
from .money import fmt_ratio, fmt_yuan
from .messages import Problem
from .policy import PolicyError

# The layers in the order money is settled: three statutory layers, then what comes after them.
LAYERS = (
    "basic_insurance",             # 基本医疗保险
    "critical_illness_insurance",  # 大病保险
    "medical_assistance",          # 医疗救助
    "supplementary_insurance",     # 商业补充医疗保险 (where a policy names it)
    "further_relief",              # 倾斜救助 / 再救助 / 多渠道化解
)
LAYER_LABELS = {
    "basic_insurance": ("基本医保", "basic medical insurance"),
    "critical_illness_insurance": ("大病保险", "critical-illness insurance"),
    "medical_assistance": ("医疗救助", "medical assistance"),
    "supplementary_insurance": ("商业补充保险", "supplementary commercial insurance"),
    "further_relief": ("倾斜救助/化解", "further relief"),
    "out_of_pocket": ("个人自付", "out of pocket"),
}
# One colour per layer in every chart and calculator (here, not in charts.py, so the calculators need no matplotlib).
LAYER_COLOURS = {
    "basic_insurance": "#4C72B0", "critical_illness_insurance": "#55A868", "medical_assistance": "#C44E52",
    "supplementary_insurance": "#8172B2", "further_relief": "#CCB974", "out_of_pocket": "#8C8C8C",
}


# A cause's `needed_by` when no layer needs a field but the settlement record contradicts itself, or the claim's
# date falls before the day a report-based policy is known to hold and the reading keeps it undetermined.
RECORD = "record"
VALIDITY = "validity"


class RuleError(AssertionError):
    """A rule broke an invariant (paid more than what remained, or a negative amount): a bug, not bad input."""


def rule(clause: str):
    """Mark a function as the encoding of a clause; the clause ID travels with it into every trace step."""
    def mark(fn):
        fn.clause = clause
        return fn
    return mark


# --------------------------------------------------------------------------------------------------------------
# Exact values on columns
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ratio:
    """Exact ratios, one per claim: num/den as int64 arrays (0.8 = 4/5)."""
    num: np.ndarray
    den: np.ndarray

    @classmethod
    def of(cls, value, n: int) -> "Ratio":
        f = Fraction(Decimal(value))
        return cls(np.full(n, f.numerator, dtype=np.int64), np.full(n, f.denominator, dtype=np.int64))

    def complement(self) -> "Ratio":
        """1 − ratio."""
        return Ratio(self.den - self.num, self.den)

    def __add__(self, other: "Ratio") -> "Ratio":
        num, den = self.num * other.den + other.num * self.den, self.den * other.den
        g = np.gcd(num, den)
        return Ratio(num // g, den // g)

    def at(self, i: int) -> Decimal:
        return Decimal(int(self.num[i])) / Decimal(int(self.den[i]))

    def where(self, mask, other: "Ratio") -> "Ratio":
        return Ratio(np.where(mask, self.num, other.num), np.where(mask, self.den, other.den))


def times(amount: np.ndarray, ratio: Ratio) -> np.ndarray:
    """fen × ratio, rounded half-up to the fen (medrules.core.money.times, exactly, on int64)."""
    amount = np.asarray(amount, dtype=np.int64)
    if len(amount) and int(amount.max(initial=0)) * 2 * int(ratio.num.max(initial=1)) + int(ratio.den.max(initial=1)) >= 2 ** 63:
        raise PolicyError("error.amounts_too_large")
    return (2 * amount * ratio.num + ratio.den) // (2 * ratio.den)


@dataclass(frozen=True)
class Slip:
    """A settlement-record amount per claim: `amount` in fen (0 where not given) and whether it was given."""
    amount: np.ndarray
    given: np.ndarray


# --------------------------------------------------------------------------------------------------------------
# A person's calendar year
# --------------------------------------------------------------------------------------------------------------

def _years(days: np.ndarray) -> np.ndarray:
    """The calendar year of each day (days since 1970-01-01), looked up in a table of the few years spanned."""
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    lo = int(days.min())
    span = np.arange(lo, int(days.max()) + 1).astype("datetime64[D]")
    return (span.astype("datetime64[Y]").astype(np.int64) + 1970)[days - lo]


@dataclass
class Groups:
    """Claims sorted by (person, date, input row); a group is one person's calendar year."""
    gid: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, person, year) -> "Groups":
        n = len(person)
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (person[1:] != person[:-1]) | (year[1:] != year[:-1])
        return cls(np.cumsum(new) - 1, np.flatnonzero(new))

    def cumsum(self, x: np.ndarray) -> np.ndarray:
        """Running total within each group, including the current claim."""
        c = np.cumsum(x, dtype=np.int64)
        if not len(c):
            return c
        return c - (c[self.starts] - x[self.starts])[self.gid]

    def cummax(self, x: np.ndarray) -> np.ndarray:
        """Running maximum within each group of values >= 0, including the current claim."""
        if not len(x):
            return x
        top = int(x.max()) + 1
        if int(self.gid[-1]) * top + top < 2 ** 62:  # one pass: offset each group above the one before
            offset = self.gid.astype(np.int64) * top
            return np.maximum.accumulate(x + offset) - offset
        import pandas as pd
        return pd.Series(x).groupby(self.gid).cummax().to_numpy()

    def before(self, x: np.ndarray) -> np.ndarray:
        """The value at the group's previous claim (0 for its first): what the year held before this claim."""
        prev = np.empty_like(x)
        if len(x):
            prev[1:] = x[:-1]
            prev[self.starts] = 0
        return prev

    def any_before(self, mask: np.ndarray) -> np.ndarray:
        """True where an earlier claim of the same group has `mask`."""
        seen = self.cumsum(mask.astype(np.int64)) - mask
        return seen > 0


# --------------------------------------------------------------------------------------------------------------
# Parameters by date, as arrays
# --------------------------------------------------------------------------------------------------------------

def _days_table(parameter, lo: int, hi: int) -> np.ndarray:
    """For each day lo..hi (days since 1970-01-01), the index of the value parameter.at(day) gives, -1 for a day
    without one: the parameter itself answers for every day, so dated lookups cannot differ. Cached per parameter
    object (a reform's changed parameter is another object, so it never meets the baseline's table)."""
    key = (id(parameter), lo, hi)
    hit = _DAYS.get(key)
    if hit is not None and hit[0] is parameter:
        return hit[1]
    values = parameter.values
    out = np.full(hi - lo + 1, -1, dtype=np.int64)
    for k in range(hi - lo + 1):
        try:
            out[k] = values.index(parameter.at(dt.date(1970, 1, 1) + dt.timedelta(days=lo + k)))
        except PolicyError:
            pass
    out.setflags(write=False)
    if len(_DAYS) > 1024:
        _DAYS.clear()
    _DAYS[key] = (parameter, out)   # the parameter is kept with its table, so its id is not reused meanwhile
    return out


_DAYS: dict = {}
_days_table.cache_clear = _DAYS.clear


# --------------------------------------------------------------------------------------------------------------
# Cases, layers and the context
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Case:
    """Claims where `mask` holds get `amount`; `why` is the key of the trace sentence (medrules/messages.yaml),
    filled from `values` per claim. `need` (field, why) instead of an amount makes those claims undetermined."""
    mask: np.ndarray
    amount: np.ndarray | None
    why: str
    values: dict = field(default_factory=dict)
    clause: str | None = None
    need: tuple | None = None
    slip_field: str | None = None   # an amount taken from the record: more than is left is the input's fault
    upper_bound: bool = False       # the amount is the most this layer can pay (a reading says so), not the amount


@dataclass
class LayerRun:
    """What one rule decided for every claim: amounts, which case, what was undetermined, what it looked up."""
    name: str
    rule: str
    clause: str
    amount: np.ndarray
    case: np.ndarray          # index into cases per claim
    cause: np.ndarray         # index into Context.causes per claim, -1 where determined
    cases: list
    looked_up: list           # (label, values, need mask)
    readings: dict
    decision: bool = False
    given: np.ndarray | None = None   # a decision: where it gives a value (yes/no or an amount in `amount`)
    upper: np.ndarray | None = None   # a layer: where its amount is only an upper bound


class Context:
    """Every claim being settled, as columns. Rules read facts, parameters and inputs from it and return cases."""

    def __init__(self, policy, claims: Claims, inputs: dict, readings: dict):
        self.policy = policy
        self.claims = claims
        self.inputs = inputs
        self.readings = readings
        self.n = n = len(claims)
        self._days = claims.date.view(np.int64)   # days since 1970-01-01, for dated parameters
        self.year = _years(self._days)
        self.groups = Groups.of(claims.person, self.year)
        self.left = claims.policy_range_cost.copy()       # policy-range cost not yet paid by any layer
        self.outside_left = np.zeros(n, dtype=np.int64)   # outside-range cost a layer has brought into scope
        self.outside_paid = np.zeros(n, dtype=np.int64)   # what layers paid on such costs
        self.unknown = np.full(n, -1, dtype=np.int32)      # cause index where `left` is not known
        self.contradicted = np.full(n, -1, dtype=np.int32)  # cause index where the record contradicts itself
        self.causes: list[dict] = []
        self.runs: list[LayerRun] = []
        self.begin("", "")

    # -- the layer being computed ------------------------------------------------------------------------------
    def begin(self, name: str, rule_name: str, clause: str = "", layer: bool = True):
        """The engine starts the rule of layer (or decision) `name`: what it looks up, reads and leaves undetermined is
        recorded afresh."""
        self._name, self._rule, self._clause = name, rule_name, clause
        self.looked_up: list = []
        self.used_readings: dict = {}
        # A claim whose remaining is unknown cannot be settled further; a decision only inherits what it reads.
        self.undetermined = self.unknown.copy() if layer else np.full(self.n, -1, dtype=np.int32)

    def cause(self, field_name: str, why: str, clause: str | None = None) -> int:
        """The index of the cause "this layer needs `field_name` (why)", one per distinct cause."""
        return self._add_cause({"field": field_name, "clause": clause or self._clause, "why": why,
                                "needed_by": self._name})

    def _add_cause(self, cause: dict) -> int:
        if cause in self.causes:
            return self.causes.index(cause)
        self.causes.append(cause)
        return len(self.causes) - 1

    def mark(self, mask: np.ndarray, cause: int) -> None:
        """Claims in `mask` not yet undetermined are, by `cause`."""
        self.undetermined = np.where(mask & (self.undetermined < 0), cause, self.undetermined)

    def record_problem(self, mask: np.ndarray, fields: str, why: str, needed_by: str = RECORD) -> None:
        """Claims whose settlement record contradicts itself, or the layers computed before (a fund paid more than was
        left) — or, needed_by VALIDITY, whose date the policy may not cover: no layer of theirs is settled, and what a
        later claim of the year accumulates over them is not known."""
        if not mask.any():
            return
        cause = self._add_cause({"field": fields, "clause": "", "why": why, "needed_by": needed_by})
        fresh = mask & (self.contradicted < 0)
        self.contradicted = np.where(fresh, cause, self.contradicted).astype(np.int32)
        self.unknown = np.where(fresh, cause, self.unknown).astype(np.int32)

    def mark_missing(self, mask: np.ndarray, field_name: str, why: str) -> None:
        """Claims in `mask` are undetermined for this layer until `field_name` is given (a fact of the claim rather
        than an input or a slip amount, which input_amount and need_slip mark themselves)."""
        if mask.any():
            self.mark(mask, self.cause(field_name, why))

    def either_way(self, mask: np.ndarray) -> None:
        """Claims in `mask` come to the same amount whatever the values not known turn out to be: settled. `left` is
        never less than what is truly left (an undetermined layer paid nothing in it), so a layer growing with the
        burden that owes 0 on it owes 0 on the truth; a bounded input (50% to 70%) paying alike at both ends does."""
        self.undetermined = np.where(mask & (self.contradicted < 0), -1, self.undetermined).astype(np.int32)

    def inherit(self, cause: np.ndarray) -> None:
        """Claims with a cause (>= 0) in `cause` are undetermined by it: a decision reading a figure a layer could
        not settle."""
        self.undetermined = np.where((cause >= 0) & (self.undetermined < 0), cause, self.undetermined).astype(np.int32)

    def keep(self, name: str, value) -> None:
        """A figure one rule computes for a later one (the burden before a layer, for a decision after it)."""
        self.__dict__.setdefault("_kept", {})[name] = value

    def kept(self, name: str):
        return self.__dict__["_kept"][name]

    def year_so_far(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The year's running total of x over every claim, without marking this layer, and per claim the cause of
        an undetermined amount in it (-1 where every amount in it is known)."""
        cause = np.where(self.unknown >= 0, self.unknown, -1).astype(np.int64)
        return self.groups.cumsum(x), self.groups.cummax(cause + 1) - 1

    # -- facts about the person and the claim -----------------------------------------------------------------
    def has(self, *statuses: str) -> np.ndarray:
        """Claims of people holding any of these statuses (低保, 特困, …)."""
        bits = 0
        for s in statuses:
            bits |= status_bit(s)
        return (self.claims.statuses & bits) != 0

    def setting(self, value: str) -> np.ndarray:
        return self.claims.setting == code("setting", value)

    def insurance(self, value: str) -> np.ndarray:
        return self.claims.insurance == code("insurance", value)

    def facility(self, value: str) -> np.ndarray:
        return self.claims.facility == code("facility", value)

    def kind(self, *kinds: str) -> np.ndarray:
        """Claims of these kinds (medrules.core.categories.SETTINGS: 住院, 普通门诊, 门诊慢特病, …)."""
        out = self.none()
        for k in kinds:
            out |= self.claims.setting == code("setting", k)
        return out

    def inpatient(self) -> np.ndarray:
        """Stays in hospital: 住院 and 日间手术, which is admitted and settled as one."""
        return self.kind(*INPATIENT_KINDS)

    def flag(self, name: str) -> np.ndarray:
        return getattr(self.claims, name)

    def fact(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A yes/no fact of the claim: (value, given); not given is unknown, never "no"."""
        return getattr(self.claims, name), getattr(self.claims, "has_" + name)

    def facts_hold(self, *names: str, need: np.ndarray, why: str) -> tuple[np.ndarray, np.ndarray]:
        """(yes, no) for "every one of these facts holds": yes where each is given true, no where one is given false.
        A claim in `need` that is neither is undetermined for this layer, naming the first fact not given."""
        yes, no = self.all(), self.none()
        for name in names:
            value, given = self.fact(name)
            yes &= given & value
            no |= given & ~value
        for name in names:
            _, given = self.fact(name)
            self.mark_missing(need & ~yes & ~no & ~given & (self.undetermined < 0), name, why)
        return yes, no

    def slip(self, field_name: str) -> Slip:
        return Slip(getattr(self.claims, field_name), getattr(self.claims, "has_" + field_name))

    def all(self) -> np.ndarray:
        return np.ones(self.n, dtype=bool)

    def none(self) -> np.ndarray:
        return np.zeros(self.n, dtype=bool)

    # -- the policy's values ------------------------------------------------------------------------------------
    def param(self, name: str, need: np.ndarray | None = None):
        """A parameter's value in force on each claim's date where `need` holds: fen for yuan, Ratio for ratios,
        bool for booleans. Recorded for the trace of those claims."""
        need = self.all() if need is None else need
        need = need & (self.contradicted < 0)   # a claim no layer of which is settled needs no value
        try:
            parameter = self.policy.parameters[name]
        except KeyError:
            raise PolicyError("error.unknown_parameter", policy=self.policy.id, name=repr(name)) from None
        idx = np.broadcast_to(np.int64(-1), (self.n,))
        if need.any():
            days = self._days
            lo, hi = (int(days.min()), int(days.max())) if need.all() else (int(days[need].min()),
                                                                             int(days[need].max()))
            by_day = _days_table(parameter, lo, hi)
            if by_day[0] >= 0 and (by_day == by_day[0]).all():
                # One value holds on every day the claims span (the usual case): no per-claim gather.
                idx = np.broadcast_to(np.int64(by_day[0]), (self.n,))
            else:
                idx = np.where(need, by_day[np.clip(days - lo, 0, hi - lo)], -1)
                missing = np.flatnonzero(need & (idx < 0))
                if len(missing):
                    i = int(missing[0])
                    try:
                        parameter.at(self.claims.date[i].astype(dt.date))
                    except PolicyError as e:
                        raise PolicyError(Problem.each("error.at_claim", zh={"problem": e.zh or str(e)},
                                                       en={"problem": str(e)}, where=self.claims.where(i))) from None
        # A value no date selects may be a range (an earlier value the text gives as "500至800"): a placeholder here.
        raw = [v.value if not isinstance(v.value, dict) else 0 for v in parameter.values]
        if parameter.unit == "ratio":
            parts = [Fraction(Decimal(v)) for v in raw] + [Fraction(0)]
            value = Ratio(np.array([p.numerator for p in parts], dtype=np.int64)[idx],
                          np.array([p.denominator for p in parts], dtype=np.int64)[idx])
        elif parameter.unit == "yuan":
            value = np.array([int(Decimal(v) * 100) for v in raw] + [0], dtype=np.int64)[idx]
        elif parameter.unit == "boolean":
            value = np.array([bool(v) for v in raw] + [False])[idx]
        else:
            value = np.array(raw + [None], dtype=object)[idx]
        self.looked_up.append((name, value, need))
        return value

    def input(self, name: str, default=None, need: np.ndarray | None = None):
        """A value the text leaves to the user (inputs), as given: Decimal yuan, Decimal ratio or bool; recorded
        for the trace of the claims in `need` (all by default)."""
        if name not in self.inputs:
            return default
        value = self.inputs[name]
        self.looked_up.append((f"input:{name}", value, self.all() if need is None else need))
        return value

    def input_amount(self, name: str, need: np.ndarray, why: str) -> np.ndarray:
        """An input in yuan, as fen per claim; where `need` holds and it is missing, those claims are undetermined."""
        value = self._need_input(name, need, why)
        return np.full(self.n, 0 if value is None else int(value * 100), dtype=np.int64)

    def input_ratio(self, name: str, need: np.ndarray, why: str) -> Ratio:
        value = self._need_input(name, need, why)
        return Ratio.of(0 if value is None else value, self.n)

    def _need_input(self, name: str, need: np.ndarray, why: str):
        value = self.input(name, need=need)
        if value is None and need.any():
            self.mark(need, self.cause(f"inputs.{name}", why))
        return value

    def need_slip(self, field_name: str, need: np.ndarray, why: str) -> None:
        """Claims in `need` without the slip amount `field_name` are undetermined for this layer."""
        missing = need & ~getattr(self.claims, "has_" + field_name)
        if missing.any():
            self.mark(missing, self.cause(field_name, why))

    def at_least(self, param_name: str, input_name: str, need: np.ndarray | None = None):
        """A value the text sets as a floor (不低于/以上): the local input where given (refused below the floor),
        else the floor itself, the least the text guarantees."""
        floor = self.param(param_name, need)
        assert self.policy.parameters[param_name].kind == "floor", f"{param_name} is not a floor"
        local = self.input(input_name, need=need)
        if local is None:
            return floor
        return Ratio.of(local, self.n) if isinstance(floor, Ratio) else np.full(self.n, int(local * 100), np.int64)

    def reading(self, reading_id: str) -> str:
        """The option chosen for a reading of the text (default unless the scenario chose another); named in the
        trace of the layer that asked."""
        option = self.readings[reading_id]
        self.used_readings[reading_id] = option
        return option

    # -- accumulation over the person's calendar year -------------------------------------------------------------
    def year_to_date(self, x: np.ndarray, of: np.ndarray) -> np.ndarray:
        """The year's running total of `x` over the claims in `of`, up to and including each claim. A claim whose
        running total takes in an amount that is not known is undetermined too."""
        taken = np.where(of, x, 0)
        unknown_in = of & (self.unknown >= 0)
        if unknown_in.any():
            self._carry(np.where(unknown_in, self.unknown, -1), onto=of)
        return self.groups.cumsum(taken)

    def _carry(self, cause: np.ndarray, onto: np.ndarray) -> None:
        """Claims in `onto` at or after a claim with a cause (>= 0) in the same year are undetermined by it too: what
        the year has accumulated by then takes in an amount that is not known."""
        carried = self.groups.cummax(cause.astype(np.int64) + 1) - 1
        later = onto & (carried >= 0)
        self.undetermined = np.where(later & (self.undetermined < 0), carried, self.undetermined)

    def pay_due(self, due: np.ndarray, who: np.ndarray, paid: Slip | None = None,
                within: np.ndarray | None = None) -> np.ndarray:
        """Each claim's payment: what is due on the year so far, less what the year's earlier claims were paid —
        computed by this rule or, for claims outside `who` but `within` the claims the due is reckoned on (all by
        default; a person's claims before a status began are not), taken from the slip (`paid`). So a deductible is
        used once a year and a limit is shared, whatever the mix of slip and computed claims. Never below 0, never
        more than what is left on the claim."""
        counted = ~who if within is None else ~who & within
        others = np.zeros(self.n, dtype=np.int64) if paid is None else np.where(counted & paid.given, paid.amount, 0)
        # Paid to date P: a computed claim raises it to max(P, due); a slip claim adds its amount. With S the running
        # slip total, P − S is the running maximum of (due − S) over computed claims.
        s = self.groups.cumsum(others)
        q = self.groups.cummax(np.where(who, np.maximum(0, due - s), 0))
        pay = np.where(who, q - self.groups.before(q), 0)
        room = self.left + self.outside_left
        over = who & (pay > room)
        if over.any():  # a claim cannot be paid more than is left on it: settle those years claim by claim
            pay = self._pay_due_stepwise(pay, due, who, others, room, np.unique(self.groups.gid[over]))
        pending = who & (self.undetermined >= 0)
        if pending.any():  # a later claim's "paid so far" takes in an undetermined payment
            self._carry(np.where(pending, self.undetermined, -1), onto=who)
        return pay

    def _pay_due_stepwise(self, pay, due, who, others, room, gids) -> np.ndarray:
        pay = pay.copy()
        for g in gids:
            start = self.groups.starts[g]
            stop = self.groups.starts[g + 1] if g + 1 < len(self.groups.starts) else self.n
            paid = 0
            for i in range(start, stop):
                if who[i]:
                    pay[i] = min(int(room[i]), max(0, int(due[i]) - paid))
                    paid += int(pay[i])
                else:
                    paid += int(others[i])
        return pay

    def before_this_claim(self, x: np.ndarray) -> np.ndarray:
        return self.groups.before(x)

    def bring_into_scope(self, amount: np.ndarray, who: np.ndarray) -> None:
        """Outside-range costs (先行自付, …) that a layer covers alongside the policy-range burden."""
        self.outside_left = np.where(who, amount, self.outside_left)

    # -- cases ---------------------------------------------------------------------------------------------------
    @staticmethod
    def case(mask, amount, why: str, clause: str | None = None, *, upper_bound: bool = False, **values) -> Case:
        """Claims in `mask` get `amount`; with upper_bound, an amount that is only the most the layer pays (the result
        says so, and the claim is not complete)."""
        return Case(np.asarray(mask, dtype=bool), amount, why, values, clause, upper_bound=upper_bound)

    def otherwise(self, amount, why: str, clause: str | None = None, **values) -> Case:
        if np.isscalar(amount):
            amount = np.full(self.n, amount, dtype=np.int64)
        return Case(self.all(), amount, why, values, clause)

    def paid_per_slip(self, slip: Slip, field_name: str, why: str) -> Case:
        """The claims whose record gives the amount this layer paid: that amount, as given (`why`: a message with
        the placeholder {paid})."""
        return Case(slip.given, slip.amount, why, {"paid": slip.amount}, slip_field=field_name)

    def from_record(self, field_name: str, why_paid: str, why_missing: str) -> list:
        """A layer the policy does not compute: the amount the settlement record gives, else undetermined (never a
        silent 0)."""
        return [self.paid_per_slip(self.slip(field_name), field_name, why_paid), self.missing(field_name, why_missing)]

    def missing(self, field_name: str, why: str, clause: str | None = None, where: np.ndarray | None = None) -> Case:
        """The remaining claims (those in `where`, if given) are undetermined until `field_name` is given."""
        mask = self.all() if where is None else np.asarray(where, dtype=bool)
        return Case(mask, None, why, {}, clause, need=(field_name, why))

    def layer(self, *cases: Case) -> list:
        return list(cases)

    def decide(self, *cases: Case) -> list:
        return list(cases)


# --------------------------------------------------------------------------------------------------------------
# Steps the engine settles beside a policy's own layers
# --------------------------------------------------------------------------------------------------------------

@rule("")
def other_funds(c: Context):
    """其他补充医疗保障 — what the record says other funds paid (公务员医疗补助, 企业补充医疗保险, …): settled after
    the insurances and before assistance, which covers what they leave to the person. No policy here sets them."""
    return c.layer(c.paid_per_slip(c.slip("other_funds_paid"), "other_funds_paid", "trace.slip.other_funds"),
                   c.otherwise(0, "trace.common.no_other_funds"))


# Steps the engine settles beside a policy's own layers.
STEPS = {"other_funds": other_funds}


def trace_value(value, i: int) -> str:
    """A value looked up or computed for claim i, as a reviewer reads it."""
    if isinstance(value, Ratio):
        return fmt_ratio(value.at(i))
    if isinstance(value, np.ndarray):
        v = value[i]
        if value.dtype == np.int64:
            return fmt_yuan(Decimal(int(v)).scaleb(-2))
        return str(bool(v)) if value.dtype == bool else str(v)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


__all__ = ["LAYERS", "LAYER_LABELS", "STEPS", "Case", "Context", "Groups", "LayerRun", "Ratio", "RuleError", "Slip", "rule",
           "times", "trace_value", "CODES"]
