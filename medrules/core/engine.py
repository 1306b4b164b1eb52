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

from .claims import Claims, person_statuses, yuan
from .messages import LANGS, Problem, catalogue, msg, placeholders
from .messages import text as text_of
from .money import ZERO, exact_ratio
from .policy import Policy, PolicyError, load_policy, policy_ids
from .rulebook import LAYERS, Context, LayerRun, Ratio, RuleError, trace_value
from .scenario import InputError, Scenario, _money

__all__ = ["evaluate", "run", "Run", "Result", "RuleError", "rules_module", "claim_policies", "check_inputs"]


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
                value = _money(value)
            except ValueError as e:
                raise InputError(f"inputs.{name}", e) from None
        clean[name] = value
    rules_module(policy.id).validate(clean, policy)
    return clean


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
TRACE_SEP = " · "


def bilingual(zh: str, en: str) -> str:
    """A trace sentence in plain text: Chinese first, the English after it."""
    return f"{zh}{TRACE_SEP}{en}"


@dataclass(slots=True)
class Step:
    """One line of the trace: which rule and clause, the values it used, the amount (None: undetermined) and why:
    `explanation` is Chinese then English in plain text, `explanation_zh` and `explanation_en` each language."""
    claim: int
    layer: str
    rule: str
    clause: str
    params: dict
    amount: object
    explanation: str
    readings: dict
    decision: bool = False
    explanation_zh: str = ""
    explanation_en: str = ""

    def to_dict(self) -> dict:
        amount = self.amount
        if isinstance(amount, Decimal):
            amount = f"{amount:.2f}"
        return {"claim": self.claim, "layer": self.layer, "rule": self.rule, "clause": self.clause,
                "params": self.params, "amount": amount, "readings": self.readings,
                "explanation": self.explanation, "explanation_zh": self.explanation_zh,
                "explanation_en": self.explanation_en}


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

    @property
    def complete(self) -> np.ndarray:
        done = self.in_force.copy()
        for cause in self.undetermined.values():
            done &= cause < 0
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
        layers = [_LayerText(self, lr, p, settled) for lr in self.layer_runs]
        zh, en = self._outside_text()
        steps = []
        for j, i in enumerate(indices.tolist()):
            if not settled[j]:
                steps.append(Step(i, "in_force", "in_force", self._validity_clause(), {}, None, bilingual(zh, en),
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
        layers = [(t, t.amount_text()) for t in (_LayerText(self, lr, p, settled) for lr in self.layer_runs)]
        zh, en = self._outside_text()
        outside = {"layer": "in_force", "rule": "in_force", "clause": self._validity_clause(), "params": {},
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

    def _outside_text(self) -> tuple[str, str]:
        zh, en = (text_of("refusal.not_settled", lang, validity=validity_text(self.policy, lang)) for lang in LANGS)
        return zh, en

    def _validity_clause(self) -> str:
        return getattr(rules_module(self.policy.id).in_force, "clause", self.policy.id)


class _LayerText:
    """One layer's trace for many claims, as columns: clause, sentence, values and amount per claim, each distinct
    value formatted once (a scenario of 100,000 claims is traced in seconds)."""

    def __init__(self, run: Run, lr: LayerRun, p: np.ndarray, settled: np.ndarray):
        self.lr, self.p = lr, p
        n = len(p)
        cause = np.where(settled, lr.cause[p], -1)
        case = lr.case[p]
        self.readings = dict(lr.readings)
        self.determined = cause < 0
        self.clause = np.full(n, lr.clause, dtype=object)
        zh, en = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
        # The layer a claim waits on: its Chinese name in the Chinese sentence, its code in the English one.
        layer_names = {name: (step_label(name)[0], name) for name in {c["needed_by"] for c in run.causes}}
        for k, c in enumerate(run.causes):
            members = np.flatnonzero(cause == k)
            if len(members):
                self.clause[members] = c["clause"]
                why, field = msg(run.why_keys[k]), _field_names(run.policy, c["field"])
                for lang, out in ((0, zh), (1, en)):
                    if c["needed_by"] == lr.name:
                        out[members] = text_of("trace.common.needs", LANGS[lang], field=field[lang], why=why[lang])
                    else:
                        out[members] = text_of("trace.common.waits_on", LANGS[lang], field=field[lang],
                                               needed_by=layer_names[c["needed_by"]][lang])
        for k, cs in enumerate(lr.cases):
            templates = _templates(lr, cs)
            members = np.flatnonzero((case == k) & self.determined & settled)
            if not len(members) or cs.need is not None:
                continue
            if cs.clause:
                self.clause[members] = cs.clause
            for lang, out in ((0, zh), (1, en)):
                values = {key: _values_in(v, lang, p[members]) for key, v in cs.values.items()}
                keys = list(values)
                out[members] = ([templates[lang].format(**dict(zip(keys, row))) for row in zip(*values.values())]
                                if keys else [templates[lang]] * len(members))
        self.explanation_zh, self.explanation_en = zh, en
        self.explanation = np.array([bilingual(a, b) for a, b in zip(zh, en)], dtype=object)
        self.params = self._param_dicts(lr, p, n)
        self.amount = (np.array([_decision_value(lr, int(q)) for q in p], dtype=object) if lr.decision
                       else np.asarray(lr.amount)[p])

    def _param_dicts(self, lr: LayerRun, p: np.ndarray, n: int) -> np.ndarray:
        """Per claim, the values the rule looked up for it, as a dict shared by the claims that saw the same ones."""
        columns = []
        for label, value, need in lr.looked_up:
            need_p = np.broadcast_to(np.asarray(need), (len(lr.cause),))[p] & self.determined
            if need_p.any():
                texts = np.array(_format_many(value, p), dtype=object)
                columns.append((label, np.where(need_p, texts, None)))
        out = np.empty(n, dtype=object)
        cache = {}
        for j, row in enumerate(zip(*(col for _, col in columns))) if columns else enumerate([()] * n):
            d = cache.get(row)
            if d is None:
                d = cache[row] = {label: v for (label, _), v in zip(columns, row) if v is not None}
            out[j] = d
        return out

    def amount_of(self, j: int):
        if not self.determined[j]:
            return None
        return self.amount[j] if self.lr.decision else yuan(self.amount[j])

    def amount_text(self) -> np.ndarray:
        """The amounts as JSON writes them: "1234.56", true/false, or null."""
        if self.lr.decision:
            return np.array([None if v is None else (v if isinstance(v, bool) else f"{v:.2f}") for v in self.amount],
                            dtype=object)
        fen = self.amount.astype(np.int64)
        text = np.char.add(np.char.add((fen // 100).astype(str), "."), np.char.zfill((fen % 100).astype(str), 2))
        return np.where(self.determined, text.astype(object), None)

    def step(self, i: int, j: int) -> Step:
        lr = self.lr
        return Step(i, lr.name, lr.rule, self.clause[j], self.params[j], self.amount_of(j), self.explanation[j],
                    self.readings, lr.decision, self.explanation_zh[j], self.explanation_en[j])


def _field_names(policy, field_name: str) -> tuple[str, str]:
    """A field a claim needs, (zh, en): in Chinese as staff call it with the name to fill in beside it (an input's
    label from parameters.yaml, a record field's from the catalogue); in English the name alone, as before."""
    label = None
    if field_name.startswith("inputs."):
        label = ((policy.inputs.get(field_name.removeprefix("inputs.")) or {}).get("label") or {}).get("zh")
    for key in (f"field.{field_name}", f"trace.field.{field_name}"):
        if label is None and key in catalogue():
            label = text_of(key, "zh")
    return (f"{label}（{field_name}）" if label else field_name), field_name


def step_label(name: str) -> tuple[str, str]:
    """What a trace step is about, (zh, en): a layer (layer.*), a decision or the validity check (trace.step.*)."""
    for key in (f"layer.{name}", f"trace.step.{name}"):
        if key in catalogue():
            return msg(key)
    return name, name


def _templates(lr: LayerRun, case) -> tuple[str, str]:
    """The (zh, en) templates a case names by its message key, checked against the values the rule gives: a key
    missing from the catalogue, or placeholders other than the values, is a bug in the rule (raised for every case
    the rule returns, whether or not a claim fell to it)."""
    entry = catalogue().get(case.why)
    if entry is None:
        raise RuleError(f"{lr.rule}: no message {case.why!r} in medrules/messages.yaml")
    given = set() if case.need is not None else set(case.values)
    for lang in LANGS:
        if placeholders(entry[lang]) != given:
            raise RuleError(f"{lr.rule}: message {case.why!r} ({lang}) has placeholders "
                            f"{sorted(placeholders(entry[lang]))}, the rule gives {sorted(given)}")
    return entry["zh"], entry["en"]


def _values_in(value, lang: int, positions: np.ndarray) -> list:
    """A case's value for the claims at `positions`, as text in one language: a (zh, en) pair (a message the rule
    looked up, medrules.core.messages.msg) gives its own language; numbers are the same in both."""
    if isinstance(value, tuple):
        return [value[lang]] * len(positions)
    if isinstance(value, (np.ndarray, Ratio)):
        return _format_many(value, positions)
    return [str(value)] * len(positions)


def _format_many(value, positions: np.ndarray) -> list:
    """trace_value for many claims: each distinct value formatted once."""
    if not isinstance(value, (np.ndarray, Ratio)):
        return [str(value)] * len(positions)
    if isinstance(value, Ratio):
        pairs = list(zip(np.asarray(value.num)[positions].tolist(), np.asarray(value.den)[positions].tolist()))
        cache = {}
        return [cache.setdefault(pair, trace_value(Ratio(np.array([pair[0]]), np.array([pair[1]])), 0))
                for pair in pairs]
    values = np.asarray(value)[positions]
    if values.dtype == np.int64 and len(values):
        uniq, inverse = np.unique(values, return_inverse=True)
        texts = np.array([trace_value(uniq, k) for k in range(len(uniq))], dtype=object)
        return texts[inverse.ravel()].tolist()
    return [trace_value(values, k) for k in range(len(values))]


def _decision_value(lr: LayerRun, p: int):
    if not lr.given[p]:
        return None
    v = lr.amount[p]
    return bool(v) if lr.amount.dtype == bool else yuan(v)


def _in_force_mask(module, policy, dates: np.ndarray) -> np.ndarray:
    """in_force(policy, day) for each claim, asked once per day of the span the claims cover."""
    if not len(dates):
        return np.zeros(0, dtype=bool)
    days = dates.astype("datetime64[D]", copy=False).view(np.int64)
    lo, hi = int(days.min()), int(days.max())
    return _in_force_days(module, policy, lo, hi)[days - lo]


def _in_force_days(module, policy, lo: int, hi: int) -> np.ndarray:
    import datetime as dt
    first = dt.date(1970, 1, 1) + dt.timedelta(days=lo)
    return np.array([bool(module.in_force(policy, first + dt.timedelta(days=k))) for k in range(hi - lo + 1)])


def validity_text(policy, lang: str = "en") -> str:
    start = policy.in_force_from or policy.known_from
    return text_of("refusal.validity", lang, start=start or text_of("refusal.start_not_stated", lang),
                   end=policy.in_force_to or text_of("refusal.no_end_stated", lang))


def outside_validity(policy, key: str = "refusal.outside_validity") -> str:
    """What a claim outside the policy's validity gets instead of amounts: Chinese · English, as a trace sentence
    and a batch result's `undetermined` say it (` | ` is for the one-line error messages)."""
    return bilingual(*(text_of(key, lang, validity=validity_text(policy, lang)) for lang in LANGS))


def no_claim_in_force(policy, clause: str) -> Problem:
    """The refusal of a scenario or table none of whose claims falls within the policy's validity."""
    return Problem.each("error.no_claim_in_force", zh={"validity": validity_text(policy, "zh")},
                        en={"validity": validity_text(policy, "en")}, policy=policy.id, clause=clause)


def run(policy_id, claims: Claims, inputs: dict, readings: dict | None = None, presorted: bool = False) -> Run:
    """Settle every claim of the table. `policy_id` is an id, or a Policy (a reform's variant of one);
    `inputs` must already be checked (check_inputs) and `readings` resolved; `presorted`: the claims are already
    in rule order (person, date, row)."""
    policy = policy_id if isinstance(policy_id, Policy) else load_policy(policy_id)
    module = rules_module(policy.id)
    readings = readings if readings is not None else resolve_readings(policy, {})
    n = len(claims)
    order = np.arange(n) if presorted else sort_order(claims)
    in_force_sorted = _in_force_mask(module, policy, claims.date[order])
    settle = order[in_force_sorted]                 # table positions of in-force claims, in rule order
    t = claims if presorted and in_force_sorted.all() else claims.take(settle)
    c = Context(policy, t, inputs, readings)
    runs = []
    for layer in LAYERS:
        fn = getattr(module, layer)
        c._begin(layer, fn.__name__, fn.clause)
        lr = _settle(c, layer, fn, fn(c))
        runs.append(lr)
    decisions_out = {}
    for key, fn in getattr(module, "DECISIONS", {}).items():
        c._begin(key, fn.__name__, fn.clause, layer=False)
        lr = _decide(c, key, fn, fn(c))
        runs.append(lr)
        decisions_out[key] = lr
    # Back to the table's order.
    position = np.full(n, -1, dtype=np.int64)
    position[settle] = np.arange(len(settle))
    settle = None if t is claims else settle   # the rules ran on the table itself: nothing to put back
    amounts, undetermined = {}, {}
    for lr in runs[:len(LAYERS)]:
        amounts[lr.name] = _scatter(n, settle, lr.amount, 0)
        undetermined[lr.name] = _scatter(n, settle, lr.cause, -1).astype(np.int32, copy=False)
    in_force = np.zeros(n, dtype=bool)
    in_force[position >= 0] = True
    decisions = {k: (_scatter(n, settle, lr.amount, False if lr.amount.dtype == bool else 0),
                     _scatter(n, settle, lr.given, False)) for k, lr in decisions_out.items()}
    why_keys = [cause["why"] for cause in c.causes]
    causes = [{**cause, "why": _why_text(cause)} for cause in c.causes]
    return Run(policy, claims, in_force, amounts, undetermined, _scatter(n, settle, c.left, 0),
               _scatter(n, settle, c.outside_paid, 0),
               decisions, causes, runs, position, readings, validity_text(policy), why_keys)


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
    undetermined = c._undetermined
    for k, case in enumerate(cases):
        if case.need is not None:
            field, why = case.need
            undetermined = np.where((chosen == k) & (undetermined < 0), c._cause(field, why, case.clause),
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
            stated = (chosen == k) & inherited & (undetermined == c.unknown)
            undetermined = np.where(stated, -1, undetermined)
            amount = np.where(stated, case.amount, amount)
    known = undetermined < 0
    amount = np.where(known, amount, 0)
    room = np.where(inherited, np.iinfo(np.int64).max // 4, c.left + c.outside_left)
    for k, case in enumerate(cases):
        over = np.flatnonzero(known & (chosen == k) & (amount > room)) if case.slip_field else ()
        if len(over):
            i = int(over[0])
            raise InputError(c.claims.field(i, case.slip_field), "error.slip_over_room", amount=yuan(amount[i]),
                             room=yuan(room[i]))
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
    return LayerRun(layer, fn.__name__, fn.clause, amount, chosen, undetermined.astype(np.int32), cases,
                    c._looked_up, c._readings)


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
                    c._looked_up, c._readings, decision=True, given=given)


# --------------------------------------------------------------------------------------------------------------
# One person's scenario
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Result:
    scenario: Scenario
    run: Run
    claims: list
    years: dict
    totals: dict
    complete: bool
    undetermined: list

    @property
    def trace(self) -> list[Step]:
        """Every claim's steps in input order (built when first asked for)."""
        if "_trace" not in self.__dict__:
            self.__dict__["_trace"] = self.run.explain_many(range(len(self.claims)))
        return self.__dict__["_trace"]

    def to_dict(self, trace: bool = True) -> dict:
        """JSON-ready: money as strings with two decimals, so no reader turns it into a float. trace=False leaves
        the trace out (an empty list)."""
        def text(v):
            if isinstance(v, Decimal):
                return f"{v:.2f}"
            if isinstance(v, dict):
                return {k: text(x) for k, x in v.items()}
            return v
        person = self.scenario.person
        return {
            "policy": self.scenario.policy,
            "source": source_note(self.scenario.policy),
            "person": {"statuses": list(person_statuses(person)), "insurance": person.insurance,
                       **({"category": person.category} if person.category is not None else {})},
            "complete": self.complete,
            "undetermined": self.undetermined,
            "readings": dict(self.run.readings),
            "claims": [text(c) for c in self.claims],
            "years": {str(y): text(t) for y, t in self.years.items()},
            "totals": text(self.totals),
            "trace": self.run.trace_dicts(range(len(self.claims))) if trace else [],
        }


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
    claims = Claims.from_scenario(scenario)
    r = run(policy.id, claims, inputs, readings)
    if not r.in_force.any():
        raise InputError("claims[0].date" if len(claims) == 1 else "claims",
                         no_claim_in_force(policy, r._validity_clause()))
    return _result(scenario, r)


def _result(scenario: Scenario, r: Run) -> Result:
    n = len(r.claims)
    total_oop, has_total = r.total_out_of_pocket()
    rows, years = [], {}
    undetermined_all = []
    for i in range(n):
        claim = scenario.claims[i]
        row = {"claim": i, "date": claim.date.isoformat(), "setting": claim.setting,
               "policy_range_cost": claim.policy_range_cost}
        if not r.in_force[i]:
            row.update({layer: None for layer in LAYERS})
            row.update({"out_of_pocket": None, "complete": False, "in_force": False,
                        "outside_validity": outside_validity(r.policy)})
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
        row["out_of_pocket"] = yuan(r.out_of_pocket[i])
        row["complete"] = not undetermined
        if undetermined:
            row["out_of_pocket_is_upper_bound"] = True
            row["undetermined"] = undetermined
            for layer, cause in undetermined.items():
                entry = {"claim": i, "layer": layer, **cause}
                undetermined_all.append(entry)
        if has_total[i]:
            row["total_cost"] = claim.total_cost
            row["total_out_of_pocket"] = yuan(total_oop[i])
        for key, (values, given) in r.decisions.items():
            row[key] = None if not given[i] else (bool(values[i]) if values.dtype == bool else yuan(values[i]))
        rows.append(row)
        y = years.setdefault(claim.date.year, {k: ZERO for k in LAYERS + ("out_of_pocket",)})
        for k in LAYERS + ("out_of_pocket",):
            y[k] = None if (y[k] is None or row[k] is None) else y[k] + row[k]
    year_totals = {y: years[y] for y in sorted(years)}
    totals = {}
    for k in LAYERS + ("out_of_pocket",):
        vals = [t[k] for t in year_totals.values()]
        totals[k] = None if any(v is None for v in vals) else sum(vals, ZERO)
    oop = sum((row["out_of_pocket"] for row in rows if row.get("out_of_pocket") is not None), ZERO)
    totals["out_of_pocket"] = oop
    for y, t in year_totals.items():
        t["out_of_pocket"] = sum((row["out_of_pocket"] for row in rows if row.get("out_of_pocket") is not None
                                  and row["date"].startswith(str(y))), ZERO)
    return Result(scenario, r, rows, year_totals, totals, bool(r.complete.all()), undetermined_all)
