"""The engine's audit mode: each layer computed from the record's own earlier layers as recorded.

In an ordinary run a layer the settlement record states (a slip amount) is taken as given. In audit mode the rule of
a layer does not see its own recorded amount — so it computes what the policy says — and once it has, what is left
for the next layer is reduced by the amount the record says was paid, not by the computed one: each layer is judged
on what the record says happened before it. One run settles every layer this way (medrules.core.engine.run, audit).

A layer the rule does not compute (it needs its own recorded amount) is taken from the record, as it would be in an
ordinary run; such a row is not audited for that layer (`from_record_causes`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rulebook import Context

# Each layer and the settlement-record field that says what it paid (medrules/core/claims.py SLIP_FIELDS; the
# national layout's fund fields map onto them, medrules/tables/nhsa.py). Further relief has no field of its own in
# the national record.
RECORDED = {
    "basic_insurance": "basic_insurance_paid",
    "critical_illness_insurance": "critical_illness_paid",
    "medical_assistance": "medical_assistance_paid",
    "supplementary_insurance": "supplementary_insurance_paid",
}


@dataclass
class Before:
    """What the context held before an audited layer's rule ran."""
    claims: object
    left: np.ndarray
    outside_paid: np.ndarray
    unknown: np.ndarray


def hide_own_amount(c: Context, layer: str) -> Before | None:
    """Before the rule of `layer`: its own recorded amount is hidden (not given), so the rule computes it."""
    field = RECORDED.get(layer)
    if field is None:
        return None
    before = Before(c.claims, c.left, c.outside_paid, c.unknown)
    c.claims = c.claims.with_columns(**{field: np.zeros(c.n, dtype=np.int64),
                                        "has_" + field: np.zeros(c.n, dtype=bool)})
    return before


def settle_as_recorded(c: Context, layer: str, before: Before) -> None:
    """After the rule of `layer` computed its amounts: where the record gives the layer's amount, what is left for
    the next layer is what the record leaves (the policy-range cost first, then the outside-range cost the layer
    brought into scope), and whether it is known is as before this layer. A recorded amount above what the layers
    before it left makes the record contradict itself, as a slip amount does in an ordinary run."""
    field = RECORDED[layer]
    c.claims = before.claims
    given = getattr(c.claims, "has_" + field)
    amount = np.where(given, getattr(c.claims, field), 0)
    # the outside-range cost in scope before this layer paid from it (the rule may have brought some in)
    outside_scope = c.outside_left + (c.outside_paid - before.outside_paid)
    over = given & (amount > before.left + outside_scope) & (c.contradicted < 0)
    c.record_problem(over, field, "trace.record.slip_over_room")
    use = given & ~over
    on_policy_range = np.minimum(amount, before.left)
    on_outside = amount - on_policy_range
    c.left = np.where(use, before.left - on_policy_range, c.left)
    c.outside_left = np.where(use, outside_scope - on_outside, c.outside_left)
    c.outside_paid = np.where(use, before.outside_paid + on_outside, c.outside_paid)
    c.unknown = np.where(use, before.unknown, c.unknown).astype(np.int32)


def from_record_causes(layer: str, causes: list) -> list[int]:
    """The causes that mean "the policy does not compute this layer here: only its recorded amount says" — the layer
    needed its own recorded field."""
    field = RECORDED.get(layer)
    return [k for k, cause in enumerate(causes) if field and cause["needed_by"] == layer and cause["field"] == field]


__all__ = ["RECORDED", "hide_own_amount", "settle_as_recorded", "from_record_causes"]
