"""Which meaning of an ambiguous clause a region's records follow.

For every reading that touches an audited layer, each of its options is run over the whole table in audit mode
(the option chosen for the audit is that run itself; each other option is one more run), and each record is asked:
does the option reproduce, to the fen, every amount the record states for the layers the reading touches?

A reading touches a layer when the layer's rule asked for it while it ran, when its `applies_to` names the layer or
its rule, when it places the layer (policies/<id>/layers.yaml), or when it decides whose statuses count on a day
(`status_span`: every layer).

- compared: records with a recorded amount for a touched layer that some option computes (not contradicted);
- decisive: the records the options give different amounts: only they can tell the options apart;
- the option followed is the one reproducing most decisive records (how strongly: that share); an institution whose
  decisive records follow another option is named, with its figures;
- fitting no option: records an option computes that no option reproduces — a difference no reading explains.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.engine import rules_module, statuses_in_force
from ...core.layers import layer_order
from ...core.readings import readings as reading_specs
from .findings import CONTRADICTED, OUTSIDE, Findings, Sorted, computed_layers

# Functions the engine applies to a person's statuses before any layer runs: a reading of theirs touches every layer.
WHOLE_RUN = ("status_span",)


@dataclass
class ReadingFit:
    reading: str
    layers: list
    selected: str                # the option the audit ran with
    options: list                # every option, in the readings file's order
    compared: int
    decisive: int
    fits: dict                   # option -> records reproduced (of compared)
    fits_decisive: dict          # option -> decisive records reproduced
    followed: str | None         # None: no decisive record, or a tie
    no_fit: int
    no_fit_rows: list            # the first of them (1-based rows)
    institutions: list           # (institution, option, decisive, reproduced) where it differs from `followed`


def touching(policy_id: str, audited: list, asked: dict) -> dict:
    """{reading id: [audited layers it touches]}, in the readings file's order."""
    module = rules_module(policy_id)
    rule_names = {layer: getattr(module, layer).__name__ for layer in audited if hasattr(module, layer)}
    placed = {}
    order = layer_order(policy_id)
    for layer, place in (order.layers.items() if order else ()):
        reading = getattr(place.after, "reading", None)
        if reading:
            placed.setdefault(reading, set()).add(layer)
    out = {}
    for rid, spec in reading_specs(policy_id).items():
        named = set(spec.applies_to)
        layers = [layer for layer in audited
                  if rid in asked.get(layer, ()) or layer in named or rule_names.get(layer) in named
                  or layer in placed.get(rid, ()) or named & set(WHOLE_RUN)]
        if layers:
            out[rid] = layers
    return out


def fit_readings(t, f: Findings, s, policy_id: str, inputs: dict, readings: dict, institutions: list,
                 institution_code: np.ndarray) -> list[ReadingFit]:
    """One ReadingFit per touching reading; `s` is the audit's own run (the selected options), `inputs` checked."""
    audited = list(f.layers)
    specs = reading_specs(policy_id)
    asked = set().union(*s.asked.values())
    out = []
    for rid, layers in touching(policy_id, audited, s.asked).items():
        options = list(specs[rid].options)
        selected = {k: (s.amounts[k], s.known[k] & ~s.from_record[k] & ~s.upper[k]) for k in layers}
        runs = {}
        for option in options:
            other = {**readings, rid: option}
            if option == readings[rid]:
                runs[option] = selected
            elif rid not in asked and set(specs[rid].applies_to) <= set(WHOLE_RUN) and t.identity is not None:
                runs[option] = _status_option(s.sorted.table, policy_id, inputs, s.statuses, other, layers, selected)
            else:
                runs[option] = computed_layers(s.sorted, policy_id, inputs, other, layers)
        out.append(_fit(rid, layers, readings[rid], options, runs, f, institutions, institution_code))
    return out


def _status_option(t, policy_id, inputs, statuses, other, layers, selected) -> dict:
    """A reading that only decides whose statuses count on a day (no rule asks it): only the people whose statuses
    on some record differ under the other option can be settled differently; they are run again, the others keep
    the audit's own amounts (`statuses`: those the audit's own run judged each record by)."""
    module = rules_module(policy_id)
    differ = statuses != statuses_in_force(module, t, other, inputs)
    people = np.isin(t.person, np.unique(t.person[differ]))
    out = {k: (amount.copy(), known.copy()) for k, (amount, known) in selected.items()}
    rows = np.flatnonzero(people)
    if len(rows):
        for k, (amount, known) in computed_layers(Sorted(t.take(rows)), policy_id, inputs, other, layers).items():
            out[k][0][rows] = amount
            out[k][1][rows] = known
    return out


def _fit(rid, layers, selected, options, runs, f: Findings, institutions, institution_code) -> ReadingFit:
    n = f.n
    usable = {k: f.layers[k]["given"] & ~np.isin(f.layers[k]["finding"], (CONTRADICTED, OUTSIDE)) for k in layers}
    compared_by = {}
    fits_by = {}
    for o in options:
        compared = np.zeros(n, dtype=bool)
        matches = np.ones(n, dtype=bool)
        for k in layers:
            amount, known = runs[o][k]
            here = usable[k] & known
            compared |= here
            matches &= ~here | (amount == f.layers[k]["recorded"])
        compared_by[o], fits_by[o] = compared, compared & matches
    base = np.logical_or.reduce([compared_by[o] for o in options])
    decisive = np.zeros(n, dtype=bool)
    first = options[0]
    for o in options[1:]:
        for k in layers:
            a0, k0 = runs[first][k]
            a1, k1 = runs[o][k]
            decisive |= usable[k] & ((k0 != k1) | (k0 & k1 & (a0 != a1)))
    decisive &= base
    fits = {o: int((fits_by[o] & base).sum()) for o in options}
    fits_decisive = {o: int((fits_by[o] & decisive).sum()) for o in options}
    followed = _best(fits_decisive)
    no_fit_mask = base & ~np.logical_or.reduce([fits_by[o] for o in options])
    deviating = []
    if followed is not None:   # per institution, the decisive records each option reproduces
        k = len(institutions)
        code = institution_code[decisive]
        per_option = {o: np.bincount(code[fits_by[o][decisive]], minlength=k) for o in options}
        per_institution = np.bincount(code, minlength=k)
        for c in np.flatnonzero(per_institution).tolist():
            counts = {o: int(per_option[o][c]) for o in options}
            best = _best(counts)
            if best is not None and best != followed:
                deviating.append((institutions[c], best, int(per_institution[c]), counts[best]))
    deviating.sort(key=lambda d: (-d[3], d[0]))
    return ReadingFit(rid, layers, selected, options, int(base.sum()), int(decisive.sum()), fits, fits_decisive,
                      followed, int(no_fit_mask.sum()), (np.flatnonzero(no_fit_mask)[:1000] + 1).tolist(), deviating)


def _best(counts: dict) -> str | None:
    """The option with the most records, None where none has any or two share the most."""
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] == 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(counts, key=counts.get)


def fit_table(fits: list[ReadingFit]):
    """One row per reading and option: the figures of each option, and which the records follow."""
    import pyarrow as pa
    rows = []
    for r in fits:
        for o in r.options:
            rows.append({"reading": r.reading, "layers": ", ".join(r.layers), "option": o,
                         "selected": o == r.selected, "followed": o == r.followed, "compared": r.compared,
                         "reproduced": r.fits[o], "decisive": r.decisive, "reproduced_decisive": r.fits_decisive[o],
                         "fits_no_option": r.no_fit})
    schema = pa.schema([("reading", pa.string()), ("layers", pa.string()), ("option", pa.string()),
                        ("selected", pa.bool_()), ("followed", pa.bool_()), ("compared", pa.int64()),
                        ("reproduced", pa.int64()), ("decisive", pa.int64()), ("reproduced_decisive", pa.int64()),
                        ("fits_no_option", pa.int64())])
    return pa.Table.from_pylist(rows, schema=schema).replace_schema_metadata(
        {"medrules.audit": "reading fit: records each option reproduces to the fen"})


__all__ = ["ReadingFit", "touching", "fit_readings", "fit_table", "WHOLE_RUN"]
