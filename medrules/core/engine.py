"""Run claims through a policy's layers, on columns, with a trace of every step from the same run.

`run(policy_id, claims, inputs, readings)` settles a whole table (medrules/core/claims.py) at once: the scenario is a
table of one person's claims and batch a table of many, so both execute the same rule functions. A layer that needs
an input or slip amount the claim does not have is undetermined (named, with the field and clause) while every
layer before it is computed; the out-of-pocket amount is then an upper bound.
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from . import layers, recorded
from .claims import Claims, record_problems, status_bit, statuses_on_dates, yuan
from .messages import LANGS, Problem, catalogue, placeholders
from .messages import text as text_of
from .money import exact_ratio
from .policy import Policy, load_policy, policy_ids
from .rulebook import LAYERS, RECORD, STEPS, VALIDITY, Context, LayerRun, RuleError
from .scenario import InputError, parse_money
from .trace import TRACE_SEP, LayerText, Step, bilingual

__all__ = ["run", "Run", "RuleError", "rules_module", "claim_policies", "check_inputs", "statuses_in_force"]


# --------------------------------------------------------------------------------------------------------------
# Which policies settle claims
# --------------------------------------------------------------------------------------------------------------

def _rule_module(policy_id: str):
    name = "medrules.rules." + policy_id.replace("-", "_")
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def _has_claim_layers(module) -> bool:
    return module is not None and all(hasattr(module, layer) for layer in LAYERS)


def claim_policies() -> list[str]:
    """Policies whose rules module encodes every claim layer (the others answer other questions)."""
    return [p for p in policy_ids() if _has_claim_layers(_rule_module(p))]


def rules_module(policy_id: str):
    """The module that encodes a policy's claim layers: medrules.rules.<policy id with underscores>."""
    module = _rule_module(policy_id)
    if not _has_claim_layers(module):
        reason = getattr(module, "NO_CLAIM_LAYERS", None)
        why_key = f"error.no_claim_layers_why.{policy_id}"  # the module's reason, said in Chinese too
        why_zh = text_of(why_key, "zh") if why_key in catalogue() else reason
        raise InputError("policy", Problem.each("error.no_claim_rules", zh={"reason": f"（{why_zh}）" if reason else ""},
                                                en={"reason": f" ({reason})" if reason else ""},
                                                policy=repr(policy_id), allowed=", ".join(claim_policies())))
    return module


# --------------------------------------------------------------------------------------------------------------
# Inputs and readings
# --------------------------------------------------------------------------------------------------------------

def check_inputs(policy, raw: dict) -> dict:
    """Inputs must be ones the policy declares, of the declared unit; amounts become exact Decimals. The rules
    module's validate() then checks floors, ceilings and ranges against every dated value."""
    if not isinstance(raw, dict):
        raise InputError("inputs", "error.inputs_not_object", got=type(raw).__name__)
    clean = {}
    for name, value in raw.items():
        spec = policy.inputs.get(name)
        if spec is None:
            raise InputError(f"inputs.{name}", "error.unknown_input", policy=policy.id,
                             allowed=", ".join(policy.inputs) or "none")
        unit = spec["unit"]
        if unit == "boolean":
            if not isinstance(value, bool):
                raise InputError(f"inputs.{name}", "error.flag", got=repr(value))
        elif unit == "ratio":
            value = _ratio(name, value)
        else:
            try:
                value = parse_money(value)
            except ValueError as e:
                raise InputError(f"inputs.{name}", e) from None
        clean[name] = value
    rules_module(policy.id).validate(clean, policy)
    return clean


def facts_from_inputs(policy, inputs: dict, claims: Claims) -> Claims:
    """Inputs of earlier scenarios that state a fact about the person (parameters.yaml `person_status`: the status
    it means) or about their claims (`claim_fact`: the yes/no field it fills where a claim does not give it). They
    are kept for one person; in a table of several people they are refused, naming the column to use instead."""
    named = {name: spec for name, spec in policy.inputs.items()
             if name in inputs and (spec.get("person_status") or spec.get("claim_fact"))}
    if not named:
        return claims
    if len(claims) and int(claims.person.min()) != int(claims.person.max()):
        name, spec = next(iter(named.items()))
        key, value = (("error.person_input_in_table", spec["person_status"]) if spec.get("person_status")
                      else ("error.claim_input_in_table", spec["claim_fact"]))
        raise InputError(f"inputs.{name}", key, value=value)
    columns = {}
    for name, spec in named.items():
        if spec.get("person_status") and inputs[name]:
            columns["statuses"] = columns.get("statuses", claims.statuses) | status_bit(spec["person_status"])
        elif spec.get("claim_fact"):
            field = spec["claim_fact"]
            given = getattr(claims, "has_" + field)
            columns[field] = np.where(given, getattr(claims, field), bool(inputs[name]))
            columns["has_" + field] = np.ones(len(claims), dtype=bool)
    return claims.with_columns(**columns) if columns else claims


def _ratio(name: str, value) -> Decimal:
    """A ratio input, exactly (medrules.core.money.exact_ratio: the one rule for `evaluate` and `batch`)."""
    try:
        return exact_ratio(value)
    except ValueError as e:
        raise InputError(f"inputs.{name}", e) from None


def resolve_readings(policy, selection: dict) -> dict:
    """Every reading of the policy with its chosen option (the default unless `selection` names another)."""
    try:
        from .readings import resolve
    except ImportError:  # no readings registry: only an empty selection is meaningful
        if selection:
            raise InputError("readings", "error.no_readings", policy=policy.id) from None
        return {}
    return resolve(policy.id, selection)


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------

def sort_order(t: Claims) -> np.ndarray:
    """The order the rules need: by person, then date, ties in input order."""
    n = len(t)
    if not n:
        return np.zeros(0, dtype=np.int64)
    days = t.date.astype(np.int64)
    d0, nd = int(days.min()), int(days.max() - days.min()) + 1
    rows = int(t.row.max()) + 1
    if (int(t.person.max()) + 1) * nd * rows < 2 ** 63:  # one int64 key: faster than lexsort
        return np.argsort((t.person * nd + (days - d0)) * rows + t.row)  # the key is unique: no need for stable
    return np.lexsort((t.row, t.date, t.person))


# Between the Chinese and the English of a trace sentence in plain text (the CLI, JSON, CSV).
@dataclass
class Run:
    """The settled claims, in the table's own order: per layer int64 fen and the cause index where undetermined
    (-1 where determined), out of pocket, decisions, and what the trace needs."""
    policy: object
    claims: Claims
    in_force: np.ndarray            # per claim
    amounts: dict                   # layer -> int64 fen
    undetermined: dict              # layer -> int32 cause index, -1 where determined
    out_of_pocket: np.ndarray       # policy-range cost left after the determined layers (an upper bound if not complete)
    outside_paid: np.ndarray        # paid by the layers on outside-range costs they brought into scope
    decisions: dict                 # key -> (values: bool or int64 fen, given: where the decision gives one)
    causes: list
    layer_runs: list                # LayerRun per layer then per decision, on the in-force sorted claims
    position: np.ndarray            # per claim: its index in the in-force sorted arrays, -1 if not in force
    readings: dict
    validity: str
    why_keys: list | None = None    # per cause, the catalogue key of its why (causes hold the bilingual text)
    record_causes: np.ndarray | None = None   # in-force sorted order: the cause where no layer of a claim is settled
    upper_bounds: dict | None = None          # layer -> per claim (table order): its amount is only an upper bound
    statuses: np.ndarray | None = None        # audit mode: per claim (table order), the statuses in force on its date

    def _unsettled(self, kinds) -> np.ndarray:
        out = np.zeros(len(self.position), dtype=bool)
        settled = self.position >= 0
        cause = self.record_causes[self.position[settled]]
        out[settled] = np.isin(cause, [k for k, c in enumerate(self.causes) if c["needed_by"] in kinds])
        return out

    @property
    def contradicted(self) -> np.ndarray:
        """Per claim (table order): its settlement record contradicts itself or the layers before a slip amount."""
        return self._unsettled((RECORD,))

    @property
    def unsettled(self) -> np.ndarray:
        """Per claim: no layer of it is settled (a record that contradicts itself, or a date the policy may not
        cover): its out of pocket is not known either."""
        return self._unsettled((RECORD, VALIDITY))

    @property
    def complete(self) -> np.ndarray:
        done = self.in_force.copy()
        for cause in self.undetermined.values():
            done &= cause < 0
        for upper in (self.upper_bounds or {}).values():
            done &= ~upper
        return done

    def total_out_of_pocket(self) -> tuple[np.ndarray, np.ndarray]:
        """What the person pays of the total cost (where the record gives it): out of pocket within the policy
        range plus the parts outside it, less what a layer paid on those. Returns (fen, given)."""
        t = self.claims
        outside = t.total_cost - t.policy_range_cost
        return self.out_of_pocket + outside - self.outside_paid, t.has_total_cost

    def explain(self, i: int) -> list[Step]:
        """The trace of claim i (table order): one step per layer and decision, as the scenario shows it."""
        return self.explain_many([i])

    def explain_many(self, indices) -> list[Step]:
        """The traces of the claims at `indices` (table order), one after the other. Values are formatted once per
        layer for all of them (a scenario of 100,000 claims is traced in seconds, not minutes)."""
        indices = np.asarray(list(indices), dtype=np.int64)
        pos = self.position[indices]
        settled = pos >= 0
        p = np.where(settled, pos, 0)
        layers = [LayerText(self, lr, p, settled) for lr in self.layer_runs]
        zh, en = self.outside_text()
        steps = []
        for j, i in enumerate(indices.tolist()):
            if not settled[j]:
                steps.append(Step(i, "in_force", "in_force", self.validity_clause(), {}, None, bilingual(zh, en),
                                  {}, False, zh, en))
                continue
            for text in layers:
                steps.append(text.step(i, j))
        return steps

    def trace_dicts(self, indices) -> list[dict]:
        """explain_many as JSON-ready dicts (amounts as text), without building Step objects."""
        indices = np.asarray(list(indices), dtype=np.int64)
        pos = self.position[indices]
        settled = pos >= 0
        p = np.where(settled, pos, 0)
        layers = [(t, t.amount_text()) for t in (LayerText(self, lr, p, settled) for lr in self.layer_runs)]
        zh, en = self.outside_text()
        outside = {"layer": "in_force", "rule": "in_force", "clause": self.validity_clause(), "params": {},
                   "amount": None, "readings": {}, "explanation": bilingual(zh, en), "explanation_zh": zh,
                   "explanation_en": en}
        out = []
        for j, i in enumerate(indices.tolist()):
            if not settled[j]:
                out.append({"claim": i, **outside})
                continue
            for t, amounts in layers:
                out.append({"claim": i, "layer": t.lr.name, "rule": t.lr.rule, "clause": t.clause[j],
                            "params": t.params[j], "amount": amounts[j], "readings": t.readings,
                            "explanation": t.explanation[j], "explanation_zh": t.explanation_zh[j],
                            "explanation_en": t.explanation_en[j]})
        return out

    def trace_lines(self, indices) -> list[str]:
        """trace_dicts as JSON text, one line per step: exactly json.dumps(step, ensure_ascii=False,
        separators=(", ", ": ")) of each. Per layer, one %-template holds what its steps share (names, readings)
        and is filled from its columns by `map`; the values looked up are encoded once per distinct set."""
        import json
        from itertools import chain
        from json.encoder import encode_basestring as quote   # a JSON string with non-ASCII kept
        from operator import itemgetter

        def dumps(value) -> str:
            return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        indices = np.asarray(list(indices), dtype=np.int64)
        pos = self.position[indices]
        settled = pos >= 0
        p = np.where(settled, pos, 0)
        claims = indices.tolist()
        per_layer = []
        for t in (LayerText(self, lr, p, settled) for lr in self.layer_runs):
            amounts = ["null" if a is None else ("true" if a is True else "false" if a is False else f'"{a}"')
                       for a in t.amount_text().tolist()]
            params = _params_json(t.param_columns(), len(claims), quote)
            clause_text: dict = {}
            clauses = [clause_text.get(c) or clause_text.setdefault(c, quote(c)) for c in t.clause.tolist()]
            zh, en = list(map(quote, t.explanation_zh.tolist())), list(map(quote, t.explanation_en.tolist()))
            # explanation = zh · en: its JSON text is the two halves' (escaping is character by character)
            template = ('{"claim": %d, "layer": ' + quote(t.lr.name) + ', "rule": ' + quote(t.lr.rule)
                        + ', "clause": %s, "params": %s, "amount": %s, "readings": '
                        + dumps(t.readings).replace("%", "%%") + ', "explanation": %s' + TRACE_SEP
                        + '%s, "explanation_zh": %s, "explanation_en": %s}')
            per_layer.append(list(map(template.__mod__, zip(claims, clauses, params, amounts,
                                                            map(itemgetter(slice(None, -1)), zh),
                                                            map(itemgetter(slice(1, None)), en), zh, en))))
        if settled.all():
            return list(chain.from_iterable(zip(*per_layer)))
        zh, en = self.outside_text()
        outside = dumps({"layer": "in_force", "rule": "in_force", "clause": self.validity_clause(), "params": {},
                         "amount": None, "readings": {}, "explanation": bilingual(zh, en), "explanation_zh": zh,
                         "explanation_en": en})[1:]
        out = []
        for i, settled_i, steps in zip(claims, settled.tolist(), zip(*per_layer)):
            if settled_i:
                out.extend(steps)
            else:
                out.append(f'{{"claim": {i}, {outside}')
        return out

    def outside_text(self) -> tuple[str, str]:
        zh, en = (text_of("refusal.not_settled", lang, validity=validity_text(self.policy, lang)) for lang in LANGS)
        return zh, en

    def validity_clause(self) -> str:
        return getattr(rules_module(self.policy.id).in_force, "clause", self.policy.id)


def _params_json(columns: list, n: int, quote) -> list[str]:
    """Per claim, the JSON object of the values its rule looked up ({"label": "text", …}, a value not looked up
    left out): the claims that looked up the same labels share one %-template, filled by `map`."""
    if not columns:
        return ["{}"] * n
    present = np.zeros(n, dtype=np.int64)
    for k, (_, texts) in enumerate(columns):
        present |= np.not_equal(texts, None).astype(np.int64) << k
    out = np.empty(n, dtype=object)
    quoted: dict = {}
    for pattern in np.unique(present).tolist():
        members = np.flatnonzero(present == pattern)
        # As a dict of the present values would hold them: a label where it first appears, its last value.
        last: dict = {}
        for k, (label, texts) in enumerate(columns):
            if pattern >> k & 1:
                last[label] = texts
        used = list(last.items())
        template = "{" + ", ".join(quote(label).replace("%", "%%") + ": %s" for label, _ in used) + "}"
        values = [[quoted.get(v) or quoted.setdefault(v, quote(v)) for v in texts[members].tolist()]
                  for _, texts in used]
        out[members] = list(map(template.__mod__, zip(*values))) if used else "{}"
    return out.tolist()


def _in_force_mask(module, policy, dates: np.ndarray) -> np.ndarray:
    """in_force(policy, day) for each claim, asked once per day of the span the claims cover."""
    return _days_mask(lambda day: module.in_force(policy, day), dates)


def _days_mask(ask, dates: np.ndarray) -> np.ndarray:
    """ask(day) for each claim's date, asked once per day of the span the claims cover."""
    import datetime as dt
    if not len(dates):
        return np.zeros(0, dtype=bool)
    days = dates.astype("datetime64[D]", copy=False).view(np.int64)
    lo, hi = int(days.min()), int(days.max())
    first = dt.date(1970, 1, 1) + dt.timedelta(days=lo)
    return np.array([bool(ask(first + dt.timedelta(days=k))) for k in range(hi - lo + 1)])[days - lo]


def validity_text(policy, lang: str = "en") -> str:
    """The policy's validity as its source states it: a report that gives no start is known only from its day,
    and holding from then is an assumption (假设：自报道日起)."""
    if policy.in_force_from is not None:
        start = policy.in_force_from
    elif policy.known_from is not None:
        start = text_of("refusal.assumed_start", lang, day=policy.known_from)
    else:
        start = text_of("refusal.start_not_stated", lang)
    return text_of("refusal.validity", lang, start=start, end=policy.in_force_to or text_of("refusal.no_end_stated",
                                                                                           lang))


def outside_validity(policy, key: str = "refusal.outside_validity") -> str:
    """What a claim outside the policy's validity gets instead of amounts: Chinese · English, as a trace sentence
    and a batch result's `undetermined` say it (` | ` is for the one-line error messages)."""
    return bilingual(*(text_of(key, lang, validity=validity_text(policy, lang)) for lang in LANGS))


def no_claim_in_force(policy, clause: str) -> Problem:
    """The refusal of a scenario or table none of whose claims falls within the policy's validity."""
    return Problem.each("error.no_claim_in_force", zh={"validity": validity_text(policy, "zh")},
                        en={"validity": validity_text(policy, "en")}, policy=policy.id, clause=clause)


def statuses_in_force(module, t: Claims, readings: dict, inputs: dict) -> np.ndarray:
    """Each claim's statuses on its date, the dated ones counted over the days the policy's `status_span` says (under
    these readings): what the rules see as `c.has(...)`."""
    status_span = getattr(module, "status_span", None)
    return statuses_on_dates(t, None if status_span is None else
                             (lambda start, end: status_span(start, end, readings, inputs)))


def settle_order(policy, readings: dict, t: Claims) -> list[str]:
    """The layers in the order money is settled, each on what the ones before it leave: as the policy's text places
    them (policies/<id>/layers.yaml), with the other funds the record names (when any claim names one) after the
    critical-illness insurance, before whatever comes next."""
    order = layers.settle_order(policy.id, readings)
    if t.has_other_funds_paid.any():
        order.insert(order.index("critical_illness_insurance") + 1, "other_funds")
    return order


def run(policy_id, claims: Claims, inputs: dict, readings: dict | None = None, presorted: bool = False,
        audit: bool = False, through: tuple | None = None) -> Run:
    """Settle every claim of the table. `policy_id` is an id, or a Policy (a reform's variant of one);
    `inputs` must already be checked (check_inputs) and `readings` resolved; `presorted`: the claims are already
    in rule order (person, date, row). `audit` (medrules/core/recorded.py): each layer's rule computes its amount
    without seeing the record's, and the next layer starts from what the record says was paid; the amounts are the
    computed ones. `through`: only the layers up to the last of these are settled, and no decision (what a later
    layer or a decision gives is not wanted: an audit's run under another reading)."""
    policy = policy_id if isinstance(policy_id, Policy) else load_policy(policy_id)
    module = rules_module(policy.id)
    readings = readings if readings is not None else resolve_readings(policy, {})
    n = len(claims)
    order = np.arange(n) if presorted else sort_order(claims)
    in_force_sorted = _in_force_mask(module, policy, claims.date[order])
    # A report-based policy under a reading that keeps days before the report undetermined: those claims are settled
    # with every layer undetermined (they may fall under it), and the year's later claims wait on them.
    unknown_validity = getattr(module, "validity_unknown", None)
    maybe_sorted = ~in_force_sorted & _days_mask(lambda day: unknown_validity(policy, day, readings),
                                                claims.date[order]) if unknown_validity else None
    if maybe_sorted is not None:
        in_force_sorted = in_force_sorted | maybe_sorted
    settle = order[in_force_sorted]                 # table positions of in-force claims, in rule order
    on_table = presorted and bool(in_force_sorted.all())   # the rules run on the table itself
    t = claims if on_table else claims.take(settle)
    if t.identity is not None:   # dated statuses: those in force on each claim's date, by the policy's own start rule
        t = t.with_columns(statuses=statuses_in_force(module, t, readings, inputs))
    c = Context(policy, t, inputs, readings)
    for mask, fields, why in record_problems(t):   # a record that contradicts itself: its claim is not settled
        c.record_problem(mask, fields, why)
    if maybe_sorted is not None:
        c.record_problem(maybe_sorted[in_force_sorted], "date", "trace.common.before_known_validity", VALIDITY)
    runs = []
    order = settle_order(policy, readings, t)
    if through is not None:
        order = order[:max(order.index(k) for k in through) + 1]
    for layer in order:
        fn = getattr(module, layer, None) or STEPS[layer]
        hidden = recorded.hide_own_amount(c, layer) if audit else None
        c.begin(layer, fn.__name__, fn.clause)
        lr = _settle(c, layer, fn, fn(c))
        if hidden is not None:
            recorded.settle_as_recorded(c, layer, hidden)
        runs.append(lr)
    for lr in runs:   # a claim whose record contradicts itself or the layers: no amount of it stands
        lr.cause = np.where(c.contradicted >= 0, c.contradicted, lr.cause).astype(np.int32)
        lr.amount = np.where(c.contradicted >= 0, 0, lr.amount)
        if lr.upper is not None:
            lr.upper &= c.contradicted < 0
    decisions_out = {}
    for key, fn in (getattr(module, "DECISIONS", {}) if through is None else {}).items():
        c.begin(key, fn.__name__, fn.clause, layer=False)
        lr = _decide(c, key, fn, fn(c))
        runs.append(lr)
        decisions_out[key] = lr
    # Back to the table's order.
    position = np.full(n, -1, dtype=np.int64)
    position[settle] = np.arange(len(settle))
    settle = None if on_table else settle   # the rules ran on the table itself: nothing to put back
    amounts, undetermined = {}, {}
    upper_bounds = {}
    for lr in runs:
        if lr.name in LAYERS:
            amounts[lr.name] = _scatter(n, settle, lr.amount, 0)
            undetermined[lr.name] = _scatter(n, settle, lr.cause, -1).astype(np.int32, copy=False)
            if lr.upper.any():
                upper_bounds[lr.name] = _scatter(n, settle, lr.upper, False)
    in_force = np.zeros(n, dtype=bool)
    in_force[position >= 0] = True
    decisions = {k: (_scatter(n, settle, lr.amount, False if lr.amount.dtype == bool else 0),
                     _scatter(n, settle, lr.given, False)) for k, lr in decisions_out.items()}
    why_keys = [cause["why"] for cause in c.causes]
    causes = [{**cause, "why": _why_text(cause)} for cause in c.causes]
    left = np.where(c.contradicted >= 0, t.policy_range_cost, c.left)   # nothing of a contradicted claim is paid
    statuses = None
    if audit:   # the statuses each claim was judged by (dated ones in force on its date), for grouping findings
        statuses = t.statuses if settle is None else claims.statuses.copy()
        if settle is not None:
            statuses[settle] = t.statuses
    return Run(policy, claims, in_force, amounts, undetermined, _scatter(n, settle, left, 0),
               _scatter(n, settle, c.outside_paid, 0),
               decisions, causes, runs, position, readings, validity_text(policy), why_keys, c.contradicted,
               upper_bounds, statuses)


def _why_text(cause: dict) -> str:
    """Why a layer is undetermined, Chinese then English: the rule names a catalogue key without placeholders."""
    key = cause["why"]
    entry = catalogue().get(key)
    if entry is None or placeholders(entry["zh"]) or placeholders(entry["en"]):
        raise RuleError(f"{cause['needed_by']}: the reason {key!r} for needing {cause['field']} must be a message "
                        "key without placeholders in medrules/messages.yaml")
    return bilingual(entry["zh"], entry["en"])


def _scatter(n, where, values, fill, dtype=None):
    if where is None:   # every claim settled, already in table order
        return values if dtype is None else values.astype(dtype)
    out = np.full(n, fill, dtype=dtype or values.dtype)
    out[where] = values
    return out


def _pick(c: Context, cases) -> tuple[np.ndarray, np.ndarray]:
    """Per claim, the index of the first case that holds (len(cases) where none does)."""
    chosen = np.full(c.n, len(cases), dtype=np.int64)
    for k in range(len(cases) - 1, -1, -1):
        chosen = np.where(cases[k].mask, k, chosen)
    return chosen, chosen < len(cases)


def _needs(c: Context, cases, chosen: np.ndarray) -> np.ndarray:
    """The cause per claim that leaves it undetermined (-1 where settled): what the rule marked while it ran, then
    the field of a `missing` case that a claim fell to."""
    undetermined = c.undetermined
    for k, case in enumerate(cases):
        if case.need is not None:
            field, why = case.need
            undetermined = np.where((chosen == k) & (undetermined < 0), c.cause(field, why, case.clause),
                                    undetermined)
    return undetermined


def _settle(c: Context, layer: str, fn, cases) -> LayerRun:
    chosen, covered = _pick(c, cases)
    if not covered.all():
        i = int(np.flatnonzero(~covered)[0])
        raise RuleError(f"{fn.__name__}: no case covers {c.claims.where(i)}")
    undetermined = _needs(c, cases, chosen)
    amount = np.zeros(c.n, dtype=np.int64)
    for k, case in enumerate(cases):
        if case.need is None:
            amount = np.where(chosen == k, case.amount, amount)
    # A layer the record states (a slip amount) is a known fact even when what the layers before it left is not:
    # it is taken as given; only the layers settled on what is left stay undetermined.
    inherited = c.unknown >= 0
    for k, case in enumerate(cases):
        if case.slip_field:
            stated = (chosen == k) & inherited & (undetermined == c.unknown) & (c.contradicted < 0)
            undetermined = np.where(stated, -1, undetermined)
            amount = np.where(stated, case.amount, amount)
    known = undetermined < 0
    amount = np.where(known, amount, 0)
    room = np.where(inherited, np.iinfo(np.int64).max // 4, c.left + c.outside_left)
    for k, case in enumerate(cases):   # the record says this layer paid more than the layers before it left
        over = known & (chosen == k) & (amount > room) if case.slip_field else None
        if over is not None and over.any():
            c.record_problem(over, case.slip_field, "trace.record.slip_over_room")
            undetermined = np.where(over, c.contradicted, undetermined)
            known &= ~over
            amount = np.where(over, 0, amount)
    bad = np.flatnonzero(known & ((amount < 0) | (amount > room)))
    if len(bad):
        i = int(bad[0])
        raise RuleError(f"{fn.__name__} paid {yuan(amount[i])} on {c.claims.where(i)} with {yuan(room[i])} left")
    on_policy_range = np.minimum(amount, c.left)
    on_outside = amount - on_policy_range
    c.outside_paid = c.outside_paid + on_outside
    c.outside_left = c.outside_left - on_outside
    c.left = c.left - on_policy_range
    c.unknown = np.where((c.unknown < 0) & ~known, undetermined, c.unknown).astype(np.int32)
    upper = np.zeros(c.n, dtype=bool)
    for k, case in enumerate(cases):
        if case.upper_bound:
            upper |= known & (chosen == k)
    return LayerRun(layer, fn.__name__, fn.clause, amount, chosen, undetermined.astype(np.int32), cases,
                    c.looked_up, c.used_readings, upper=upper)


def _decide(c: Context, key: str, fn, cases) -> LayerRun:
    chosen, covered = _pick(c, cases)
    undetermined = _needs(c, cases, chosen)
    # A decision is yes/no or an amount (int64 fen), typed; `given` marks the claims it gives a value for.
    valued = [(k, np.asarray(case.amount)) for k, case in enumerate(cases)
              if case.need is None and case.amount is not None]
    kinds = {a.dtype == bool for _, a in valued}
    if len(kinds) > 1:
        raise RuleError(f"{fn.__name__}: a decision is either yes/no or an amount, not both")
    values = np.zeros(c.n, dtype=bool if kinds == {True} else np.int64)
    given = np.zeros(c.n, dtype=bool)
    for k, amount in valued:
        chose = chosen == k
        values = np.where(chose, amount, values)
        given |= chose
    given &= undetermined < 0
    return LayerRun(key, fn.__name__, fn.clause, values, chosen, undetermined.astype(np.int32), cases,
                    c.looked_up, c.used_readings, decision=True, given=given)
