"""A small OpenFisca country model: the three layers' annual totals on a claims table — the yardstick of
benchmarks/bench_batch.py. Run only in a separate environment that has OpenFisca 46 (never installed into the
project's own; it pins numpy and other packages of its own):

    python3 -m venv /work/tools/openfisca-venv
    /work/tools/openfisca-venv/bin/pip install 'openfisca-core==46.*' pyarrow
    /work/tools/openfisca-venv/bin/python benchmarks/openfisca_model.py CLAIMS.parquet

What it computes, as OpenFisca is used for such a policy (entities, dated parameters, vectorised formulas, float32
as its default): each claim is an OpenFisca person; each person's calendar year is a group entity (`patient`);
per group, the year's basic insurance (the slips), the year's burden after it, critical-illness insurance on that
burden over a deductible (halved for people in hardship), medical assistance for people in hardship on what is
left (a ratio, an annual limit), and out of pocket; then the totals over all groups. It writes nothing. It does
less than `python -m medrules batch` (no per-claim accumulation in date order, no slips checked, no partial
results, no exact money, nothing written), so a ratio against it flatters OpenFisca, not medrules.

Printed: one line of JSON with the totals, the number of groups and the seconds of each step.
"""
from __future__ import annotations

import json
import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from openfisca_core.entities import build_entity  # noqa: E402
from openfisca_core.parameters import ParameterNode  # noqa: E402
from openfisca_core.periods import YEAR  # noqa: E402
from openfisca_core.simulations import SimulationBuilder  # noqa: E402
from openfisca_core.taxbenefitsystems import TaxBenefitSystem  # noqa: E402
from openfisca_core.variables import Variable  # noqa: E402

HARDSHIP = ("tekun", "dibao", "dibian")   # the statuses the assistance layer serves (Wenzhou's 二)

Claim = build_entity(key="claim", plural="claims", label="a settled claim", is_person=True)
Patient = build_entity(key="patient", plural="patients", label="one person's calendar year",
                       roles=[{"key": "claim", "plural": "claims", "label": "claim"}])

PARAMETERS = {
    "critical_illness": {"deductible": {"values": {"2015-01-01": 30000}},
                         "ratio": {"values": {"2015-01-01": 0.6}},
                         "hardship_deductible_factor": {"values": {"2015-01-01": 0.5}},
                         "hardship_ratio": {"values": {"2015-01-01": 0.8}}},
    "medical_assistance": {"ratio": {"values": {"2015-01-01": 0.8}},
                           "annual_limit": {"values": {"2015-01-01": 100000}}},
}


class policy_range_cost(Variable):
    value_type = float
    entity = Claim
    definition_period = YEAR
    label = "符合政策范围金额"


class basic_insurance_paid(Variable):
    value_type = float
    entity = Claim
    definition_period = YEAR
    label = "基本医保统筹基金支付 (slip)"


class in_hardship(Variable):
    value_type = bool
    entity = Patient
    definition_period = YEAR
    label = "特困、低保、低边"


class annual_cost(Variable):
    value_type = float
    entity = Patient
    definition_period = YEAR

    def formula(patient, period):
        return patient.sum(patient.members("policy_range_cost", period))


class basic_insurance(Variable):
    value_type = float
    entity = Patient
    definition_period = YEAR

    def formula(patient, period):
        return patient.sum(patient.members("basic_insurance_paid", period))


class annual_burden(Variable):
    value_type = float
    entity = Patient
    definition_period = YEAR

    def formula(patient, period):
        return np.maximum(patient("annual_cost", period) - patient("basic_insurance", period), 0)


class critical_illness_insurance(Variable):
    value_type = float
    entity = Patient
    definition_period = YEAR

    def formula(patient, period, parameters):
        p = parameters(period).critical_illness
        hardship = patient("in_hardship", period)
        deductible = p.deductible * np.where(hardship, p.hardship_deductible_factor, 1)
        ratio = np.where(hardship, p.hardship_ratio, p.ratio)
        return np.maximum(patient("annual_burden", period) - deductible, 0) * ratio


class medical_assistance(Variable):
    value_type = float
    entity = Patient
    definition_period = YEAR

    def formula(patient, period, parameters):
        p = parameters(period).medical_assistance
        left = patient("annual_burden", period) - patient("critical_illness_insurance", period)
        return np.where(patient("in_hardship", period), np.minimum(left * p.ratio, p.annual_limit), 0)


class out_of_pocket(Variable):
    value_type = float
    entity = Patient
    definition_period = YEAR

    def formula(patient, period):
        return (patient("annual_burden", period) - patient("critical_illness_insurance", period)
                - patient("medical_assistance", period))


class Country(TaxBenefitSystem):
    def __init__(self):
        super().__init__([Claim, Patient])
        self.add_variables(policy_range_cost, basic_insurance_paid, in_hardship, annual_cost, basic_insurance,
                           annual_burden, critical_illness_insurance, medical_assistance, out_of_pocket)
        self.parameters = ParameterNode("", data=PARAMETERS)


def fen(column) -> np.ndarray:
    """A decimal(18,2) column as yuan (float: OpenFisca's money)."""
    return column.combine_chunks().cast("float64").to_numpy(zero_copy_only=False)


def codes(column) -> tuple[np.ndarray, list]:
    """A text column as (code per row, the values by code), through Arrow's dictionary."""
    array = column.combine_chunks()
    if not hasattr(array, "indices"):
        array = array.dictionary_encode()
    return array.indices.to_numpy(zero_copy_only=False), array.dictionary.to_pylist()


def main(path: str) -> None:
    steps = {"start-up": time.perf_counter() - START}
    t = time.perf_counter()
    table = pq.read_table(path, columns=["person_id", "statuses", "date", "policy_range_cost",
                                         "basic_insurance_paid"])
    person = codes(table.column("person_id"))[0]
    status_codes, status_values = codes(table.column("statuses"))
    hardship_claim = np.array([any(s in HARDSHIP for s in (v or "").split(";")) for v in status_values])[status_codes]
    year = table.column("date").combine_chunks().to_numpy(zero_copy_only=False).astype("datetime64[Y]").astype(np.int64)
    group_key = person.astype(np.int64) * 10_000 + year
    groups, group_of_claim = np.unique(group_key, return_inverse=True)
    hardship = np.zeros(len(groups), dtype=bool)
    hardship[group_of_claim] = hardship_claim
    steps["read"] = time.perf_counter() - t
    t = time.perf_counter()
    system = Country()
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("claim", np.arange(len(group_key)))
    patients = builder.declare_entity("patient", np.arange(len(groups)))
    builder.join_with_persons(patients, group_of_claim, np.full(len(group_key), "claim", dtype=object))
    simulation = builder.build(system)
    period = "2024"
    simulation.set_input("policy_range_cost", period, fen(table.column("policy_range_cost")))
    simulation.set_input("basic_insurance_paid", period, fen(table.column("basic_insurance_paid")))
    simulation.set_input("in_hardship", period, hardship)
    steps["build"] = time.perf_counter() - t
    t = time.perf_counter()
    totals = {k: float(simulation.calculate(k, period).sum())
              for k in ("basic_insurance", "critical_illness_insurance", "medical_assistance", "out_of_pocket")}
    steps["calculate"] = time.perf_counter() - t
    print(json.dumps({"groups": len(groups), "totals": totals,
                      "seconds": {k: round(v, 3) for k, v in steps.items()}}))


if __name__ == "__main__":
    main(sys.argv[1])
