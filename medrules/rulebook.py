"""What a policy's rule module works with: the @rule decorator, the per-claim context and the trace step."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .money import ZERO, fmt_yuan
from .policy import ParamValue, Policy
from .scenario import Claim, InputError, Scenario

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


def rule(clause: str):
    """Mark a function as the encoding of a clause; the clause ID travels with it into every trace step."""
    def mark(fn):
        fn.clause = clause
        return fn
    return mark


@dataclass(frozen=True)
class Outcome:
    """What a layer rule decides for one claim: the amount and a sentence a reviewer can check."""
    amount: Decimal
    explanation: str
    clause: str | None = None  # defaults to the rule's own clause


@dataclass(frozen=True)
class Step:
    """One line of the trace: which clause, which values, how much, and why."""
    claim: int | None
    layer: str
    rule: str
    clause: str
    params: dict
    amount: Decimal | None
    explanation: str


@dataclass
class YearState:
    """Everything that accumulates over one person's calendar year and resets on 1 January."""
    year: int
    paid: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))
    acc: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))


@dataclass
class ClaimContext:
    policy: Policy
    scenario: Scenario
    claim: Claim
    index: int
    year: YearState
    remaining: Decimal
    used: dict = field(default_factory=dict)

    @property
    def person(self):
        return self.scenario.person

    def param(self, name: str) -> ParamValue:
        """A parameter in force on the claim's date; recorded for the trace."""
        value = self.policy.param(name, self.claim.date)
        self.used[name] = value.value
        return value

    def input(self, name: str, default=None):
        """A value the text leaves to the user (scenario 'inputs'); recorded for the trace."""
        if name not in self.scenario.inputs:
            return default
        value = self.used[f"input:{name}"] = self.scenario.inputs[name]
        return value

    def require_input(self, name: str, why: str):
        value = self.input(name)
        if value is None:
            raise InputError(f"inputs.{name}", f"required: {why}")
        return value

    def slip(self, field_name: str) -> Decimal | None:
        return getattr(self.claim, field_name)

    def require_slip(self, field_name: str, why: str) -> Decimal:
        value = self.slip(field_name)
        if value is None:
            raise InputError(f"claims[{self.index}].{field_name}", f"required: {why}")
        return value

    def year_to_date(self, key: str) -> Decimal:
        """Add what is left on this claim to the year's running burden `key` and return that burden."""
        self.year.acc[f"{key}_burden"] += self.remaining
        return self.year.acc[f"{key}_burden"]

    def pay_due(self, key: str, due_this_year: Decimal) -> Decimal:
        """This claim's payment: what is due on the year's burden so far, less what earlier claims were paid.
        Computing on the running total keeps a year's payments exact however its costs are split into claims."""
        pay = due_this_year - self.year.acc[f"{key}_paid"]
        self.year.acc[f"{key}_paid"] += pay
        return pay

    def paid_per_slip(self, field_name: str, label: str, when_absent: str) -> Outcome:
        """A layer the policy does not compute: what the settlement slip says it paid, 0 when no amount is given
        (with `when_absent` as the reason), and an error naming the field when it is more than what is left."""
        paid = self.slip(field_name)
        if paid is None:
            return Outcome(ZERO, when_absent)
        if paid > self.remaining:
            raise InputError(f"claims[{self.index}].{field_name}",
                             f"{paid} is more than the {self.remaining} left after the layers before it")
        return Outcome(paid, f"{label} paid {fmt_yuan(paid)} (settlement slip)")

    def at_least(self, param_name: str, input_name: str) -> Decimal:
        """A value the text sets as a floor (不低于/以上): the local input at or above it when given (the policy's
        validate() refuses one below), else the floor itself, the least the text guarantees."""
        floor = self.param(param_name)
        assert floor.kind == "floor", f"{param_name} is not a floor"
        local = self.input(input_name)
        return Decimal(floor.value) if local is None else local
