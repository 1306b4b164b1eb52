"""The trace: one step per layer and decision per claim, each naming its clause, the values the rule used, the
amount and why, in Chinese and English from the catalogue (medrules/messages.yaml). Rendered for many claims at
once from a run's columns (medrules/core/engine.py), each distinct value formatted once."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .claims import yuan
from .messages import LANGS, catalogue, msg, placeholders
from .messages import text as text_of
from .rulebook import RECORD, VALIDITY, LayerRun, Ratio, RuleError, trace_value

# Claims no layer of which is settled, by why: the sentence for a later claim of the year, and for the claim itself.
UNSETTLED = {RECORD: ("trace.common.after_record_problem", "trace.common.record_problem"),
             VALIDITY: ("trace.common.after_validity_unknown", "trace.common.validity_unknown")}

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


class LayerText:
    """One layer's trace for many claims, as columns: clause, sentence, values and amount per claim, each distinct
    value formatted once (a scenario of 100,000 claims is traced in seconds). `run` is the engine's Run."""

    def __init__(self, run, lr: LayerRun, p: np.ndarray, settled: np.ndarray):
        self.lr, self.p = lr, p
        self._formatted: dict = {}   # id(value) -> its text per claim: a value is shown in params and in sentences
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
                why, field = msg(run.why_keys[k]), field_names(run.policy, c["field"])
                if c["needed_by"] in UNSETTLED:   # the claim itself, or an earlier one of its year, is not settled
                    own = run.record_causes[p[members]] == k
                    after, itself = UNSETTLED[c["needed_by"]]
                    for lang, out in ((0, zh), (1, en)):
                        sentence = [text_of(key, LANGS[lang], field=field[lang], why=why[lang]) for key in (after, itself)]
                        out[members] = np.where(own, sentence[1], sentence[0])
                    continue
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
                values = [self._values_in(v, lang, members) for v in cs.values.values()]
                if not values:
                    out[members] = [templates[lang]] * len(members)
                    continue
                # The named placeholders made positional once: format(*row) builds no dict per claim.
                positional = _positional(templates[lang], list(cs.values))
                out[members] = [positional.format(*row) for row in zip(*values)]
        self.explanation_zh, self.explanation_en = zh, en
        self.amount = _decision_values(lr, p) if lr.decision else np.asarray(lr.amount)[p]

    @property
    def params(self) -> np.ndarray:
        """Per claim, the values the rule looked up for it, as a dict shared by the claims that saw the same ones
        (made when first asked for: a JSON trace writes them from param_columns)."""
        if "_params" not in self.__dict__:
            self._params = self._param_dicts()
        return self._params

    def param_columns(self) -> list:
        """(label, text per claim, None where the claim's rule did not look it up) of each value looked up."""
        if "_param_columns" not in self.__dict__:
            lr, columns = self.lr, []
            for label, value, need in lr.looked_up:
                need_p = np.broadcast_to(np.asarray(need), (len(lr.cause),))[self.p] & self.determined
                if need_p.any():
                    columns.append((label, np.where(need_p, self._texts(value), None)))
            self._param_columns = columns
        return self._param_columns

    @property
    def explanation(self) -> np.ndarray:
        """Chinese · English per claim (made when first asked for: a JSON trace writes the halves itself)."""
        if "_explanation" not in self.__dict__:
            self._explanation = np.array([bilingual(a, b) for a, b in zip(self.explanation_zh, self.explanation_en)],
                                         dtype=object)
        return self._explanation

    def _texts(self, value) -> np.ndarray:
        """A value looked up or computed, as text for every claim of this layer's trace, formatted once."""
        texts = self._formatted.get(id(value))
        if texts is None:
            texts = self._formatted[id(value)] = np.array(_format_many(value, self.p), dtype=object)
        return texts

    def _values_in(self, value, lang: int, members: np.ndarray) -> list:
        """A case's value for the claims at `members`, as text in one language: a (zh, en) pair (a message the
        rule looked up, medrules.core.messages.msg) gives its own language; numbers are the same in both."""
        if isinstance(value, tuple):
            return [value[lang]] * len(members)
        if isinstance(value, (np.ndarray, Ratio)):
            return self._texts(value)[members].tolist()
        return [str(value)] * len(members)

    def _param_dicts(self) -> np.ndarray:
        columns, n = self.param_columns(), len(self.p)
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
        fen = self.amount.astype(np.int64, copy=False)   # a layer's amount is never negative (engine._settle)
        text = np.array(list(map("{}.{:02d}".format, (fen // 100).tolist(), (fen % 100).tolist())), dtype=object)
        return np.where(self.determined, text, None)

    def step(self, i: int, j: int) -> Step:
        lr = self.lr
        return Step(i, lr.name, lr.rule, self.clause[j], self.params[j], self.amount_of(j), self.explanation[j],
                    self.readings, lr.decision, self.explanation_zh[j], self.explanation_en[j])


def field_names(policy, field_name: str) -> tuple[str, str]:
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


def _positional(template: str, names: list) -> str:
    """'{paid} of {due}' with names [due, paid] → '{1} of {0}' (format specs and literal braces kept)."""
    import string
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            out.append("{" + str(names.index(field)) + ("!" + conversion if conversion else "")
                       + (":" + spec if spec else "") + "}")
    return "".join(out)


def _format_many(value, positions: np.ndarray) -> list:
    """trace_value for many claims: each distinct value formatted once."""
    if not isinstance(value, (np.ndarray, Ratio)):
        return [str(value)] * len(positions)
    if isinstance(value, Ratio):
        if not len(positions):
            return []
        num, den = np.asarray(value.num)[positions], np.asarray(value.den)[positions]
        if num.min() >= 0 and num.max() < 2 ** 31 and 0 < den.min() and den.max() < 2 ** 31:   # one int64 per ratio
            _, first, inverse = np.unique((num << 32) | den, return_index=True, return_inverse=True)
            uniq = np.stack([num[first], den[first]], axis=1)
        else:
            uniq, inverse = np.unique(np.stack([num, den], axis=1), axis=0, return_inverse=True)
        texts = np.array([trace_value(Ratio(uniq[k:k + 1, 0], uniq[k:k + 1, 1]), 0) for k in range(len(uniq))],
                         dtype=object)
        return texts[inverse.ravel()].tolist()
    values = np.asarray(value)[positions]
    if values.dtype == np.int64:
        if len(values) > 1 and values.min() == values.max():   # a parameter: one value for every claim
            return fen_texts(values[:1]) * len(values)
        return fen_texts(values)
    return [trace_value(values, k) for k in range(len(values))]


def fen_texts(fen: np.ndarray) -> list[str]:
    """int64 fen as a reader sees yuan, thousands separated (fmt_yuan's text, from integers: 1234567 → 12,345.67)."""
    whole = np.abs(fen)
    texts = list(map("{:,}.{:02d}".format, (whole // 100).tolist(), (whole % 100).tolist()))
    if len(fen) and fen.min() < 0:
        texts = ["-" + t if v < 0 else t for t, v in zip(texts, fen.tolist())]
    return texts


def _decision_values(lr: LayerRun, p: np.ndarray) -> np.ndarray:
    """A decision per claim: None where it gives none, else yes/no (bool) or an amount (Decimal yuan)."""
    out = np.full(len(p), None, dtype=object)
    given = np.asarray(lr.given)[p]
    values = np.asarray(lr.amount)[p][given]
    out[given] = values.tolist() if lr.amount.dtype == bool else [yuan(v) for v in values.tolist()]
    return out
