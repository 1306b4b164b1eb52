"""Settling a claims table: the same rule functions as one scenario (medrules.core.engine.run), in chunks cut at
person boundaries, one chunk per core at once (numpy works outside Python's lock); results gathered in chunk order,
so they and any error are those of a single thread. `Settled` holds the result columns in the table's order."""
from __future__ import annotations

import numpy as np

from ..core.claims import Claims
from ..core.engine import (check_inputs, claim_policies, facts_from_inputs, outside_validity, resolve_readings,
                           rules_module, run, sort_order)
from ..core.messages import text
from ..core.policy import Policy, PolicyError, load_policy, policy_ids
from ..core.rulebook import LAYERS, RECORD, VALIDITY
from ..core.scenario import InputError
from ..core.trace import bilingual, field_names
from .columns import CORES, BatchInputError, err


OUTPUTS = LAYERS + ("out_of_pocket",)


CHUNK_ROWS = 125_000          # rows handed to the rules at once (cut at person boundaries)


# Chunks are independent (whole persons), and numpy releases the GIL inside its loops: a chunk per core at once.
THREADS = CORES


def batch_policies() -> list[str]:
    """Every policy whose rules settle claims."""
    return claim_policies()


def check_policy(policy_id: str) -> None:
    allowed = batch_policies()
    if policy_id not in allowed:
        key = "error.batch_no_claim_rules" if policy_id in policy_ids() else "error.batch_no_such_policy"
        raise err("policy", key, got=repr(policy_id), allowed=", ".join(allowed))


def prepare(policy_id, inputs: dict, readings: dict | None = None) -> tuple[dict, dict]:
    """The inputs checked and the readings resolved, exactly as a scenario's. `policy_id` is an id or a Policy
    (a reform's variant of one)."""
    policy = policy_id if isinstance(policy_id, Policy) else None
    check_policy(policy.id if policy else policy_id)
    policy = policy or load_policy(policy_id)
    try:
        return check_inputs(policy, inputs), resolve_readings(policy, readings or {})
    except BatchInputError:
        raise
    except Exception as e:  # an InputError from the shared checks: keep its field
        if isinstance(e, InputError):
            raise e.under(e.field, BatchInputError) from None
        raise


class Settled:
    """The columns a result holds, in the table's order, gathered from one or more runs."""

    def __init__(self, n: int, total_cost: bool = True, decisions: dict | None = None):
        self.n = n
        self.total_cost = total_cost   # False: no claim gives its total cost, so no total out of pocket to keep
        self.amounts = {k: np.zeros(n, dtype=np.int64) for k in OUTPUTS}
        self.known = {k: np.zeros(n, dtype=bool) for k in LAYERS}
        self.upper = {k: np.zeros(n, dtype=bool) for k in LAYERS}   # the amount is only an upper bound
        self.in_force = np.zeros(n, dtype=bool)
        self.contradicted = np.zeros(n, dtype=bool)   # the record contradicts itself: no amount, out of pocket too
        self.unsettled = np.zeros(n, dtype=bool)      # no amount either way (contradicted, or validity unknown)
        self.total_out_of_pocket = np.zeros(n, dtype=np.int64)
        # What is undetermined, as a code per claim into `texts` (-1: complete): few distinct sentences.
        self.undetermined_code = np.full(n, -1, dtype=np.int32)
        self.texts: list[str] = []
        # key -> (values: bool or int64 fen, given: where the decision gives one); `decisions` names them with
        # their kind (decision_kinds), so even a run with no claim has the columns.
        self.decisions: dict = {k: (np.zeros(n, dtype=kind), np.zeros(n, dtype=bool))
                                for k, kind in (decisions or {}).items()}

    @property
    def undetermined(self) -> np.ndarray:
        """The sentence per claim (None where complete), as an object array."""
        return np.array(self.texts + [None], dtype=object)[self.undetermined_code]

    @undetermined.setter
    def undetermined(self, values: np.ndarray) -> None:
        present = np.not_equal(values, None)
        self.texts, inverse = (list(x) for x in np.unique(values[present].astype(str), return_inverse=True)) \
            if present.any() else ([], [])
        self.undetermined_code = np.full(len(values), -1, dtype=np.int32)
        self.undetermined_code[present] = np.asarray(inverse, dtype=np.int32).ravel()

    def add(self, part: np.ndarray, r) -> None:
        self.add_texts(part, r, self.add_numbers(part, r))

    def add_numbers(self, part: np.ndarray, r) -> tuple:
        """A run's numbers at its positions: safe on several threads at once for disjoint parts (whole persons).
        Returns what is undetermined per claim (undetermined_codes) for add_texts."""
        all_in_force = bool(r.in_force.all())
        for k in LAYERS:
            self.amounts[k][part] = r.amounts[k]
            known = r.undetermined[k] < 0
            self.known[k][part] = known if all_in_force else known & r.in_force
        self.amounts["out_of_pocket"][part] = r.out_of_pocket
        self.in_force[part] = r.in_force
        for k, upper in (r.upper_bounds or {}).items():
            self.upper[k][part] = upper
        self.contradicted[part] = r.contradicted
        self.unsettled[part] = r.unsettled
        if self.total_cost and r.claims.has_total_cost.any():   # else not written (result_table) and stays 0
            total, _ = r.total_out_of_pocket()
            self.total_out_of_pocket[part] = total
        for key, (values, given) in r.decisions.items():
            column, has = self.decisions[key]   # made with their kinds when this Settled was
            column[part] = values
            has[part] = given
        return undetermined_codes(r)

    def add_texts(self, part: np.ndarray, r, undetermined: tuple) -> None:
        """What is undetermined; called in chunk order, so the sentences are numbered alike on every run."""
        codes, texts = undetermined
        index = {t: k for k, t in enumerate(self.texts)}
        glob = np.array([index.setdefault(t, len(index)) for t in texts] + [-1], dtype=np.int32)
        self.texts = list(index)
        self.undetermined_code[part] = glob[codes]

    @property
    def priced(self) -> np.ndarray:
        """Claims whose out of pocket is known (exactly, or as an upper bound): settled, and not contradicted."""
        return self.in_force & ~self.unsettled

    @property
    def complete(self) -> np.ndarray:
        done = self.in_force.copy()
        for k in LAYERS:
            done &= self.known[k] & ~self.upper[k]
        return done

    def upper_bound_codes(self) -> tuple[np.ndarray, list[str]]:
        """Per claim, which layers' amounts are only upper bounds, as a code into the returned texts (layer names
        joined by ", "; -1 where none): few combinations, so a dictionary column."""
        key = np.zeros(self.n, dtype=np.int64)
        for k in LAYERS:
            key = key * 2 + self.upper[k]
        texts, codes = [], np.full(self.n, -1, dtype=np.int32)
        for value in np.unique(key[key > 0]):
            codes[key == value] = len(texts)
            texts.append(", ".join(k for j, k in enumerate(LAYERS) if int(value) >> (len(LAYERS) - 1 - j) & 1))
        return codes, texts


def undetermined_codes(r) -> tuple[np.ndarray, list[str]]:
    """Per claim: what is undetermined and which field would settle it, Chinese then English, e.g. '商业补充保险、
    倾斜救助待定：需…（supplementary_insurance_paid），见条款 wenzhou-2021-78/3.3.10 · supplementary_insurance,
    further_relief: needs supplementary_insurance_paid (wenzhou-2021-78/3.3.10)', as a code into the returned
    sentences (-1 where complete)."""
    n = len(r.claims)
    out = np.full(n, -1, dtype=np.int32)
    texts = []
    if (~r.in_force).any():
        texts.append(outside_validity(r.policy))
        out[~r.in_force] = 0
    if not r.causes:   # nothing was undetermined anywhere (no per-layer pass needed)
        return out, texts
    some = np.zeros(n, dtype=bool)
    for k in LAYERS:
        some |= r.undetermined[k] >= 0
    rows = np.flatnonzero(r.in_force & some)
    if not len(rows):
        return out, texts
    # One small integer per combination of causes (and whether the row's own record contradicts itself), then one
    # sentence per combination (there are few).
    base = len(r.causes) + 1
    key = np.zeros(len(rows), dtype=np.int64)
    for k in LAYERS:
        key = key * base + (r.undetermined[k][rows] + 1)
    key = key * 2 + r.unsettled[rows]
    if 2 * base ** len(LAYERS) <= 1 << 22:
        seen = np.zeros(2 * base ** len(LAYERS), dtype=bool)
        seen[key] = True
        uniq = np.flatnonzero(seen)
        lookup = np.zeros(len(seen), dtype=np.int64)
        lookup[uniq] = np.arange(len(uniq))
        inverse = lookup[key]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
    first = len(texts)
    for u in uniq:
        u, own = divmod(int(u), 2)
        digits = []
        for _ in LAYERS:
            u, d = divmod(u, base)
            digits.append(d - 1)
        by_cause: dict = {}
        for layer, cause in zip(LAYERS, digits[::-1]):
            if cause >= 0:
                by_cause.setdefault(int(cause), []).append(layer)
        texts.append(bilingual(*(_undetermined_sentence(r, by_cause, own, lang) for lang in ("zh", "en"))))
    out[rows] = first + inverse.ravel()
    return out, texts


def _undetermined_sentence(r, by_cause: dict, own: int, lang: str) -> str:
    """What is undetermined on a row, in one language: per cause, the layers and the field that would settle them (or
    the record's contradiction)."""
    zh = lang == "zh"
    parts = []
    for c, layers in by_cause.items():
        cause = r.causes[c]
        field = field_names(r.policy, cause["field"])[0 if zh else 1]
        names = "、".join(text(f"layer.{k}", "zh") for k in layers) if zh else ", ".join(layers)
        if cause["needed_by"] in (RECORD, VALIDITY):
            why = text(r.why_keys[c], lang)
            key = "batch.record_problem" if cause["needed_by"] == RECORD else "batch.validity_unknown"
            parts.append(text(key, lang, why=why, field=field) if own
                         else text("batch.after_unsettled", lang, layers=names, why=why))
        else:
            parts.append(text("batch.undetermined", lang, layers=names, field=field, clause=cause["clause"]))
    return ("；" if zh else "; ").join(parts)


def person_chunks(order: np.ndarray, person_sorted: np.ndarray, chunk_rows: int):
    """Slices of the rule order (person, date, row) of about chunk_rows claims that never split a person."""
    n, start = len(order), 0
    while start < n:
        stop = min(start + chunk_rows, n)
        if stop < n:
            stop = int(np.searchsorted(person_sorted, person_sorted[stop - 1], side="right"))
        yield order[start:stop]
        start = stop


def evaluate_table(t: Claims, policy_id: str, inputs: dict, readings: dict | None = None, progress=None,
                   chunk_rows: int = CHUNK_ROWS, threads: int = THREADS) -> Settled:
    """Every claim through the policy's rules (medrules.core.engine.run), in chunks cut at person boundaries, up to
    `threads` chunks at once. Results are gathered in chunk order, so they and any error are as a single thread's."""
    inputs, readings = prepare(policy_id, inputs, readings)
    t = table_facts(policy_id, inputs, t)
    out = Settled(len(t), total_cost=bool(t.has_total_cost.any()),
                  decisions=decision_kinds(policy_id, inputs, readings))
    order = sort_order(t)   # once for the whole table; each chunk is then already in rule order
    parts = list(person_chunks(order, t.person[order], chunk_rows))

    def settle(part):
        r = run_rules(policy_id, t.take(part), inputs, readings, presorted=True)
        return r, out.add_numbers(part, r)
    for part, (r, undetermined) in in_order(settle, parts, threads):
        out.add_texts(part, r, undetermined)
        if progress is not None:
            progress.update(len(part))
    refuse_none_in_force(out, policy_id.id if isinstance(policy_id, Policy) else policy_id)
    return out


def in_order(fn, items: list, threads: int):
    """(item, fn(item)) in the items' order, computed on up to `threads` threads with at most 2 × threads results
    held at once (memory stays that of a few chunks). The first failure in order is raised; later work is dropped."""
    if threads <= 1 or len(items) <= 1:
        yield from ((item, fn(item)) for item in items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads, thread_name_prefix="medrules-chunk") as pool:
        pending: deque = deque()
        try:
            for item in items:
                if len(pending) >= 2 * threads:
                    done = pending.popleft()
                    yield done[0], done[1].result()
                pending.append((item, pool.submit(fn, item)))
            while pending:
                done = pending.popleft()
                yield done[0], done[1].result()
        finally:
            for _, future in pending:
                future.cancel()


def decision_kinds(policy_id, inputs: dict, readings: dict) -> dict:
    """Each decision of the policy and its kind (bool: yes/no, int64: an amount in fen), from a run on no claims."""
    r = run_rules(policy_id, Claims.empty(), inputs, readings, presorted=True)
    return {k: values.dtype for k, (values, _) in r.decisions.items()}


def run_rules(policy_id, t, inputs, readings, presorted=False, **mode):
    """engine.run as a table's errors (`mode`: the engine's audit and through)."""
    try:
        return run(policy_id, t, inputs, readings, presorted=presorted, **mode)
    except BatchInputError:
        raise
    except InputError as e:  # as a BatchInputError, which a Dask worker process can send back
        raise e.under(e.field, BatchInputError) from None
    except PolicyError as e:
        raise err("claims", e.problem) from None


def table_facts(policy_id, inputs: dict, t: Claims) -> Claims:
    """Inputs of earlier scenarios that state one person's facts (medrules.core.engine.facts_from_inputs), for a
    whole table: kept for a table of one person, refused for several, as a BatchInputError."""
    policy = policy_id if isinstance(policy_id, Policy) else load_policy(policy_id)
    try:
        return facts_from_inputs(policy, inputs, t)
    except InputError as e:
        raise e.under(e.field, BatchInputError) from None


def refuse_fact_inputs(policy_id, inputs: dict) -> None:
    """A folder of files is a table of many people: inputs that state one person's facts are refused outright."""
    policy = policy_id if isinstance(policy_id, Policy) else load_policy(policy_id)
    for name in inputs:
        spec = policy.inputs.get(name) or {}
        if spec.get("person_status"):
            raise err(f"inputs.{name}", "error.person_input_in_table", value=spec["person_status"])
        if spec.get("claim_fact"):
            raise err(f"inputs.{name}", "error.claim_input_in_table", value=spec["claim_fact"])


def refuse_none_in_force(s: Settled, policy_id: str) -> None:
    if not s.in_force.any():
        from ..core.engine import no_claim_in_force
        raise err("claims", no_claim_in_force(load_policy(policy_id), rules_module(policy_id).in_force.clause))
