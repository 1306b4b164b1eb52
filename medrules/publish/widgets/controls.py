"""Every control changes the answer or is not there: which facts a policy's rules read, and what the 险种
(employee / resident insurance) control changes, said beside it so that it never looks dead.

`reading_rules(policy_id, fact)` finds the rule functions of medrules/rules/<id>.py that read a fact, from their
compiled code (no list to keep up to date): the person's insurance (`c.insurance(...)`), the claim's facility
(`c.facility(...)`) or a yes/no fact (`c.flag("referred")`). A claim control no rule reads is not shown; the 险种
control stays (it is part of the person) and says so when the policy ignores it. For a policy that reads it,
`insurance_note` runs the same scenario under the other insurance too (one more evaluation, ~1 ms) and says what
switching would change here, or that it changes nothing for these claims and which rules it would change."""
from __future__ import annotations

import functools
import html
import importlib
import inspect
import types

from ...core.categories import INSURANCE_TYPES
from ...core.messages import msg, text
from ...core.money import fmt_yuan
from ...core.rulebook import LAYERS


def _used(code: types.CodeType) -> set:
    """The names and constants a function's code uses, its nested functions' included."""
    found = set(code.co_names) | {c for c in code.co_consts if isinstance(c, str)}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _used(const)
    return found


# How a rule reads each fact: the Context method for the person's insurance and the claim's facility (a name in
# its code), the field's own name for a yes/no fact (the constant passed to c.flag).
FACTS = ("insurance", "facility", "referred", "followed_treatment_guidance", "in_city_designated_hospital")


@functools.lru_cache(maxsize=None)
def reading_rules(policy_id: str, fact: str) -> tuple[tuple[str, str], ...]:
    """(function name, its Chinese term) for each function of the policy's rules module that reads `fact`; ()
    when none does. A module that does not import reads everything (its calculator shows the error)."""
    try:
        module = importlib.import_module("medrules.rules." + policy_id.replace("-", "_"))
    except Exception:  # noqa: BLE001
        return (("?", "?"),)
    found = []
    for name, obj in vars(module).items():
        if isinstance(obj, types.FunctionType) and obj.__module__ == module.__name__:
            raw = inspect.unwrap(obj)
            if fact in _used(raw.__code__):
                doc = " ".join((inspect.getdoc(raw) or "").split())
                found.append((name, doc.split(" — ")[0] if " — " in doc else name))
    return tuple(found)


def facts_read(*policy_ids: str) -> set[str]:
    """The facts any of the policies' rules read: the claim controls to show."""
    return {fact for fact in FACTS for pid in policy_ids if reading_rules(pid, fact)}


def insurance_rules(policy_id: str) -> tuple[tuple[str, str], ...]:
    return reading_rules(policy_id, "insurance")


def ignores_insurance(policy_id: str) -> bool:
    return not insurance_rules(policy_id)


def _note(zh: str, en: str, kind: str) -> str:
    return (f"<div class='medrules-insurance-note' data-kind='{kind}' style='font-size:12px;line-height:1.35;"
            f"color:#555;margin:0 0 6px 2em'>{html.escape(zh)}<br><span lang='en'>{html.escape(en)}</span></div>")


def ignored_note() -> str:
    return _note(*msg("workshop.insurance_ignored"), "ignored")


def _switched(policy_id: str, scenario: dict, result, run) -> tuple[str, str, str]:
    """(zh, en, kind) of what switching the insurance changes for this scenario under a policy that reads it."""
    current = scenario["person"]["insurance"]
    other = next((k for k in INSURANCE_TYPES if k != current), current)
    other_result, _error = run({**scenario, "person": {**scenario["person"], "insurance": other}})
    other_zh, other_en = INSURANCE_TYPES[other]
    if other_result is None or result is None:
        return "", "", "unknown"
    changed = [(k, result.totals[k], other_result.totals[k]) for k in (*LAYERS, "out_of_pocket")
               if result.totals[k] != other_result.totals[k]]
    if changed:
        def shown(v, lang):
            return fmt_yuan(v) if v is not None else text("partial.undetermined", lang)
        figures = {lang: ("，" if lang == "zh" else ", ").join(
            f"{text(f'layer.{k}', lang)} {shown(a, lang)} → {shown(b, lang)}" for k, a, b in changed)
            for lang in ("zh", "en")}
        return (text("workshop.insurance_changes", "zh", other=other_zh, figures=figures["zh"]),
                text("workshop.insurance_changes", "en", other=other_en, figures=figures["en"]), "changes")
    rules = "、".join(term for _name, term in insurance_rules(policy_id))
    return (text("workshop.insurance_same_here", "zh", other=other_zh, rules=rules),
            text("workshop.insurance_same_here", "en", other=other_en, rules=rules), "same-here")


def comparison_insurance_note(outcomes: dict, scenario_of, run) -> str:
    """For the comparison: per policy that reads the insurance, what switching it changes here; and which
    policies ignore it. `outcomes` is {policy: (result, error)}, `scenario_of(policy)` its scenario."""
    from ...core.status import marked_name
    said, ignoring = [], []
    for pid, (result, _error) in outcomes.items():
        if ignores_insurance(pid):
            ignoring.append(pid)
            continue
        zh, en, _kind = _switched(pid, scenario_of(pid), result, run)
        if zh:
            said.append((f"{marked_name(pid)}：{zh}", f"{marked_name(pid)}: {en}"))
    if ignoring:
        names = "、".join(marked_name(p) for p in ignoring)
        said.append(tuple(text("workshop.insurance_ignored_by", lang, policies=names) for lang in ("zh", "en")))
    return "".join(_note(zh, en, "comparison") for zh, en in said)


def insurance_note(policy_id: str, scenario: dict, result, run) -> str:
    """What switching the insurance would change for this scenario: the figures that would differ, or that none
    would and which rules read it. `run(scenario)` is the dashboard's own (result, error)."""
    if ignores_insurance(policy_id):
        return ignored_note()
    zh, en, kind = _switched(policy_id, scenario, result, run)
    return _note(zh, en, kind) if zh else ""
