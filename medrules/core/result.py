"""One person's scenario settled: the result a user reads (per claim, per year, totals, what is undetermined),
as JSON with money as text, and `evaluate`, the scenario's way into the engine."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .claims import Claims, person_statuses, yuan
from .engine import Run, check_inputs, facts_from_inputs, no_claim_in_force, outside_validity, resolve_readings, rules_module, run
from .money import ZERO
from .policy import PolicyError, load_policy
from .rulebook import LAYERS
from .scenario import InputError, Scenario
from .trace import Step

# --------------------------------------------------------------------------------------------------------------
# One person's scenario
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Result:
    """One scenario's result: the run, each calendar year's and the whole period's totals (Decimal yuan, None where
    a layer is undetermined in some claim), whether every claim is complete, and what is undetermined (one entry per
    claim and layer). `claims` (per claim, Decimal yuan) and `trace` are built when first asked for: a long
    scenario's JSON is written from the run's columns (medrules/core/result_json.py) without them."""
    scenario: Scenario
    run: Run
    years: dict
    totals: dict
    complete: bool
    undetermined: list

    @property
    def claims(self) -> list:
        if "_claims" not in self.__dict__:
            self.__dict__["_claims"] = _claim_rows(self.scenario, self.run)
        return self.__dict__["_claims"]

    @property
    def trace(self) -> list[Step]:
        """Every claim's steps in input order (built when first asked for)."""
        if "_trace" not in self.__dict__:
            self.__dict__["_trace"] = self.run.explain_many(range(len(self.run.claims)))
        return self.__dict__["_trace"]

    def head(self) -> dict:
        """The parts before the claims, JSON-ready."""
        person = self.scenario.person
        return {
            "policy": self.scenario.policy,
            "source": source_note(self.scenario.policy),
            "person": {"statuses": list(person_statuses(person)), "insurance": person.insurance,
                       **({"category": person.category} if person.category is not None else {})},
            "complete": self.complete,
            "undetermined": self.undetermined,
            "readings": dict(self.run.readings),
        }

    def to_dict(self, trace: bool = True) -> dict:
        """JSON-ready: money as strings with two decimals, so no reader turns it into a float. trace=False leaves
        the trace out (an empty list)."""
        from .result_json import claim_dicts
        n = len(self.run.claims)
        return {**self.head(), "claims": claim_dicts(self, 0, n), "years": {str(y): _texts(t) for y, t in self.years.items()},
                "totals": _texts(self.totals), "trace": self.run.trace_dicts(range(n)) if trace else []}


def _texts(amounts: dict) -> dict:
    return {k: None if v is None else f"{v:.2f}" for k, v in amounts.items()}


def source_note(policy_id: str) -> dict:
    """What kind of source the rules come from, as of today: in force / expired since / reported only / machine
    translation, with the caveats a reader must know (the same marks as the book's banner)."""
    from .status import policy_status
    st = policy_status(policy_id)
    return {"status": st["key"], "marks": [f"{zh} {en}" for zh, en in st["marks"]],
            "caveats": [f"{zh} {en}" for zh, en in st["caveats"]]}


def evaluate(scenario: Scenario) -> Result:
    try:
        policy = load_policy(scenario.policy)
    except PolicyError as e:
        raise InputError("policy", e.problem) from None
    rules_module(policy.id)
    inputs = check_inputs(policy, scenario.inputs)
    readings = resolve_readings(policy, scenario.readings)
    claims = facts_from_inputs(policy, inputs, Claims.from_scenario(scenario))
    r = run(policy.id, claims, inputs, readings)
    if not r.in_force.any():
        raise InputError("claims[0].date" if len(claims) == 1 else "claims",
                         no_claim_in_force(policy, r.validity_clause()))
    return _result(scenario, r)


def _result(scenario: Scenario, r: Run) -> Result:
    """The totals per calendar year and over all years, from the run's columns: a layer's total is None when the
    layer is undetermined in any claim counted; out of pocket sums every claim in force (each exact, or an upper
    bound), and is unknown where a claim's record contradicts itself (or its date may be outside the policy)."""
    in_force, unsettled = r.in_force, r.unsettled
    year_of = r.claims.date.astype("datetime64[Y]").astype(np.int64) + 1970
    years = {}
    for y in np.unique(year_of[in_force]).tolist():
        members = in_force & (year_of == y)
        years[y] = {k: None if (r.undetermined[k][members] >= 0).any() else yuan(int(r.amounts[k][members].sum()))
                    for k in LAYERS}
        years[y]["out_of_pocket"] = _known_sum(r.out_of_pocket, members, unsettled)
    totals = {k: None if any(t[k] is None for t in years.values()) else sum((t[k] for t in years.values()), ZERO)
              for k in LAYERS}
    totals["out_of_pocket"] = _known_sum(r.out_of_pocket, in_force, unsettled)
    # What is undetermined: per claim (in order) and layer (in order), the cause.
    causes = np.stack([np.where(in_force, r.undetermined[k], -1) for k in LAYERS], axis=1)
    claim, layer = np.nonzero(causes >= 0)
    undetermined = [{"claim": i, "layer": LAYERS[k], **r.causes[c]}
                    for i, k, c in zip(claim.tolist(), layer.tolist(), causes[claim, layer].tolist())]
    return Result(scenario, r, years, totals, bool(r.complete.all()), undetermined)


def _known_sum(fen: np.ndarray, members: np.ndarray, unknown: np.ndarray):
    """The sum of `fen` over `members` as Decimal yuan, None if one of them is `unknown`."""
    return None if unknown[members].any() else yuan(int(fen[members].sum()))


def _claim_rows(scenario: Scenario, r: Run) -> list:
    """Per claim: its date, setting and cost, each layer (Decimal yuan, None where undetermined), out of pocket,
    whether complete, which layers are only upper bounds and what it waits for, the total out of pocket where the
    record gives the total cost, and each decision; a claim outside the policy's validity says so instead of
    amounts, and one whose record contradicts itself has neither out of pocket known."""
    total_oop, has_total = r.total_out_of_pocket()
    unsettled = r.unsettled
    rows = []
    outside = outside_validity(r.policy)
    for i, claim in enumerate(scenario.claims):
        row = {"claim": i, "date": claim.date.isoformat(), "setting": claim.setting,
               "policy_range_cost": claim.policy_range_cost}
        if not r.in_force[i]:
            row.update({layer: None for layer in LAYERS})
            row.update({"out_of_pocket": None, "complete": False, "in_force": False, "outside_validity": outside})
            rows.append(row)
            continue
        undetermined = {}
        for layer in LAYERS:
            cause = int(r.undetermined[layer][i])
            if cause >= 0:
                row[layer] = None
                undetermined[layer] = dict(r.causes[cause])
            else:
                row[layer] = yuan(r.amounts[layer][i])
        contradicted = bool(unsettled[i])   # the record contradicts itself (or the date may be outside): nothing known
        row["out_of_pocket"] = None if contradicted else yuan(r.out_of_pocket[i])
        upper = [layer for layer, bound in (r.upper_bounds or {}).items() if bound[i]]
        row["complete"] = not undetermined and not upper
        if upper:   # the most those layers pay, as a reading reads the text; the person pays at least out_of_pocket
            row["upper_bound"] = upper
        if undetermined:
            if not contradicted:
                row["out_of_pocket_is_upper_bound"] = True
            row["undetermined"] = undetermined
        if has_total[i]:
            row["total_cost"] = claim.total_cost
            row["total_out_of_pocket"] = None if contradicted else yuan(total_oop[i])
        for key, (values, given) in r.decisions.items():
            row[key] = None if not given[i] else (bool(values[i]) if values.dtype == bool else yuan(values[i]))
        rows.append(row)
    return rows
