"""Evaluate a scenario: each claim, in date order, through the policy's layers, with a trace of every step."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO
from .policy import PolicyError, load_policy, policy_ids
from .rulebook import LAYERS, ClaimContext, Step, YearState
from .scenario import InputError, Scenario, _money


class RuleError(AssertionError):
    """A rule broke an invariant (paid more than what remained, or a negative amount): a bug, not bad input."""


def rules_module(policy_id: str):
    """The module that encodes a policy's claim layers: medrules.rules.<policy id with underscores>."""
    module = _rule_module(policy_id)
    if not _has_claim_layers(module):
        allowed = ", ".join(p for p in policy_ids() if _has_claim_layers(_rule_module(p)))
        reason = getattr(module, "NO_CLAIM_LAYERS", None)
        raise InputError("policy", f"{policy_id!r} has no claim rules to evaluate a scenario with"
                         f"{f' ({reason})' if reason else ''}; allowed: {allowed}")
    return module


def _rule_module(policy_id: str):
    name = "medrules.rules." + policy_id.replace("-", "_")
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def _has_claim_layers(module) -> bool:
    return module is not None and all(hasattr(module, layer) for layer in LAYERS)


@dataclass
class Result:
    scenario: Scenario
    claims: list
    years: dict
    totals: dict
    trace: list

    def to_dict(self) -> dict:
        """JSON-ready: money as strings with two decimals, so no reader turns it into a float."""
        def money(d):
            return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in d.items()}
        return {
            "policy": self.scenario.policy,
            "person": self.scenario.person.model_dump(),
            "claims": [money(c) for c in self.claims],
            "years": {str(y): money(t) for y, t in self.years.items()},
            "totals": money(self.totals),
            "trace": [
                {"claim": s.claim, "layer": s.layer, "rule": s.rule, "clause": s.clause,
                 "params": {k: str(v) for k, v in s.params.items()},
                 "amount": None if s.amount is None else f"{s.amount:.2f}", "explanation": s.explanation}
                for s in self.trace
            ],
        }


def _check_inputs(scenario: Scenario, policy) -> Scenario:
    """Inputs must be ones the policy declares, of the declared unit; amounts become exact Decimals."""
    clean = {}
    for name, value in scenario.inputs.items():
        spec = policy.inputs.get(name)
        if spec is None:
            allowed = ", ".join(policy.inputs) or "none"
            raise InputError(f"inputs.{name}", f"unknown input for {policy.id}; allowed: {allowed}")
        unit = spec["unit"]
        if unit == "boolean":
            if not isinstance(value, bool):
                raise InputError(f"inputs.{name}", f"must be true or false, got {value!r}")
        elif unit == "ratio":
            value = _ratio(name, value)
        else:
            try:
                value = _money(value)
            except ValueError as e:
                raise InputError(f"inputs.{name}", str(e)) from None
        clean[name] = value
    return scenario.model_copy(update={"inputs": clean})


def _ratio(name: str, value) -> Decimal:
    """A ratio between 0 and 1, any number of decimals (82.5% is 0.825)."""
    try:
        ratio = Decimal(value) if isinstance(value, (int, str, Decimal)) and not isinstance(value, bool) else None
    except ArithmeticError:
        ratio = None
    if ratio is None or not ratio.is_finite() or not 0 <= ratio <= 1:
        raise InputError(f"inputs.{name}", f"must be a ratio between 0 and 1 (such as 0.8), got {value!r}")
    return ratio


def evaluate(scenario: Scenario):
    try:
        policy = load_policy(scenario.policy)
    except PolicyError as e:
        raise InputError("policy", str(e).removeprefix("unknown policy ")) from None
    rules = rules_module(policy.id)
    scenario = _check_inputs(scenario, policy)
    rules.validate(scenario, policy)
    for i, claim in enumerate(scenario.claims):
        if not rules.in_force(policy, claim.date):
            span = f"{policy.in_force_from or 'start not stated'} to {policy.in_force_to or 'no end stated'}"
            raise InputError(f"claims[{i}].date", f"{claim.date} is outside {policy.id}'s validity "
                             f"({span}, clause {rules.in_force.clause})")

    years, trace, claims_out = {}, [], [None] * len(scenario.claims)
    # Date order matters: deductibles and limits are used up by the earlier claims of the year.
    for index, claim in sorted(enumerate(scenario.claims), key=lambda p: p[1].date):
        ys = years.setdefault(claim.date.year, YearState(claim.date.year))
        ctx = ClaimContext(policy, scenario, claim, index, ys, remaining=claim.policy_range_cost)
        row = {"claim": index, "date": claim.date.isoformat(), "setting": claim.setting,
               "policy_range_cost": claim.policy_range_cost}
        for layer in LAYERS:
            fn = getattr(rules, layer)
            ctx.used = {}
            outcome = fn(ctx)
            if outcome.amount < 0 or outcome.amount > ctx.remaining:
                raise RuleError(f"{fn.__name__} paid {outcome.amount} on claim {index} with {ctx.remaining} left")
            ctx.remaining -= outcome.amount
            ys.paid[layer] += outcome.amount
            row[layer] = outcome.amount
            trace.append(Step(index, layer, fn.__name__, outcome.clause or fn.clause, dict(ctx.used),
                              outcome.amount, outcome.explanation))
        row["out_of_pocket"] = ctx.remaining
        ys.paid["out_of_pocket"] += ctx.remaining
        for decide in getattr(rules, "DECISIONS", ()):
            ctx.used = {}
            key, value, explanation = decide(ctx)
            row[key] = value
            trace.append(Step(index, key, decide.__name__, decide.clause, dict(ctx.used), None, explanation))
        claims_out[index] = row

    keys = LAYERS + ("out_of_pocket",)
    year_totals = {y: {k: years[y].paid[k] for k in keys} for y in sorted(years)}
    totals = {k: sum((t[k] for t in year_totals.values()), ZERO) for k in keys}
    return Result(scenario, claims_out, year_totals, totals, trace)
