"""A policy's casebook run through the public entry points: its hand-worked cases (policies/<id>/cases.yaml), what
the engine gives for each (`run_case`), whether it agrees (`check_case`), and each expected figure labelled and shown
(`figures`, `at`, `shown_figure`) as the book's casebook tables (report.py) and the workshop's case deck
(widgets/cases.py) show them."""
from __future__ import annotations

from ..core.money import fmt_yuan
from ..core.messages import msg
from ..core.policy import load_policy
from ..core.result import evaluate
from ..core.rulebook import LAYER_LABELS
from ..core.scenario import parse_scenario

class Pair(str):
    """A label or figure in both languages. As a string it is "中文 English" (what the workshop's case deck shows);
    `.zh` and `.en` are the halves, for a page whose language switch shows one (medrules.publish.report)."""

    def __new__(cls, zh: str, en: str):
        label = super().__new__(cls, zh if zh == en else f"{zh} {en}")
        label.zh, label.en = zh, en
        return label

    @classmethod
    def of(cls, key: str, **values) -> "Pair":
        return cls(*msg(key, **values))

    def then(self, other, sep: str = " · ") -> "Pair":
        return Pair(f"{zh_of(self)}{sep}{zh_of(other)}", f"{en_of(self)}{sep}{en_of(other)}")


def zh_of(value) -> str:
    return getattr(value, "zh", str(value))


def en_of(value) -> str:
    return getattr(value, "en", str(value))


CASE_PARTS = {part: Pair.of("partial.undetermined" if part == "undetermined" else f"casebook.part.{part}")
              for part in ("totals", "years", "claims", "complete", "undetermined", "readings")}
NOT_RUN = "—"


def casebook(policy_id: str) -> list[dict]:
    """The policy's hand-worked cases; none if it has no cases.yaml (yet)."""
    from ..core.policy import POLICIES_DIR, read_yaml
    path = POLICIES_DIR / policy_id / "cases.yaml"
    return list((read_yaml(path) or {}).get("cases") or []) if path.exists() else []


def part_of(got, want) -> bool:
    """`want` is part of `got`: named keys of a mapping (claims by index), each entry of a list found, else equal."""
    if isinstance(want, dict):
        return isinstance(got, (dict, list)) and all(
            (k in got if isinstance(got, dict) else isinstance(k, int) and 0 <= k < len(got)) and part_of(got[k], v)
            for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and all(any(part_of(g, w) for g in got) for w in want)
    return got == want and type(got) is type(want)


def run_case(policy_id: str, case: dict, readings: dict | None = None):
    """What the engine gives for a case, shaped like its `expected`; `readings` overrides the case's own."""
    chosen = {**(case.get("readings") or {}), **(readings or {})}
    kind = case.get("kind")
    if kind == "indicators":
        from ..core.readings import resolve
        from ..rules import zhejiang_2022_illness_poverty as z2022
        options = resolve(policy_id, chosen)
        rows = z2022.illness_poverty_targets(case["people"], str(case["target"]),
                                             base=options[f"{policy_id}/p7:expense-base"],
                                             payers=options[f"{policy_id}/p7:protection-payers"],
                                             average=options[f"{policy_id}/p7:aggregation"])
        return {r["indicator"].split()[0]: {"numerator": r["numerator"], "denominator": r["denominator"],
                                            "met": r["met"]} for r in rows}
    if kind == "scheme":
        from ..analysis.scheme import Scheme, check
        try:
            _, findings = check(Scheme.model_validate(case["scheme"]))
        except ValueError as e:  # InputError names the refused field
            return {"error": getattr(e, "field", str(e))}
        return {" ".join(w for w in f["requirement"].split() if any("\u4e00" <= ch <= "\u9fff" for ch in w)):
                f["meets"] for f in findings}
    if kind == "function":  # a rule the claim layers do not run, called with the case's arguments and readings
        import importlib
        from ..core.scenario import InputError
        module = importlib.import_module("medrules.rules." + policy_id.replace("-", "_"))
        try:
            extra = {"readings": chosen} if chosen else {}   # a rule no reading bears on takes none
            return plain(getattr(module, case["function"])(load_policy(policy_id), **(case.get("args") or {}),
                                                           **extra))
        except InputError as e:
            return {"error": e.field}
    scenario = {"policy": policy_id, "person": case["person"], "claims": case["claims"],
                "inputs": case.get("inputs") or {}, "readings": chosen}
    return evaluate(parse_scenario(scenario)).to_dict()


def plain(value):
    """A rule's return value as a casebook writes it: money as two-decimal strings, dates as ISO text, lists."""
    import datetime as dt
    from decimal import Decimal
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _fraction_equal(got: dict, want: dict) -> bool:
    from fractions import Fraction
    from decimal import Decimal
    gn, gd, wn, wd = (Decimal(str(x)) for x in (got["numerator"], got["denominator"], want["numerator"],
                                                want["denominator"]))
    same = (gn, gd) == (wn, wd) or (gd != 0 and wd != 0 and Fraction(gn) / Fraction(gd) == Fraction(wn) / Fraction(wd))
    return same and got["met"] is want["met"]


def check_case(policy_id: str, case: dict, got=None) -> tuple[bool, list[str]]:
    """(agrees, the expected figures the engine did not give) for one hand-worked case; `got` is its run if done."""
    got = run_case(policy_id, case) if got is None else got
    kind, misses = case.get("kind"), []
    if kind == "function":
        return (True, []) if got == plain(case["expected"]) else (False, ["result"])
    for key, want in case["expected"].items():
        if kind == "indicators":
            ok = key in got and _fraction_equal(got[key], want)
        elif kind == "scheme":
            ok = got.get(key) == want and type(got.get(key)) is type(want)
        else:
            ok = key in got and part_of(got[key], want)
        if not ok:
            misses.append(key)
    return not misses, misses


def _figure(value) -> str:
    from decimal import Decimal, InvalidOperation
    if value is None:
        return Pair.of("partial.undetermined")  # the same words as money.UNDETERMINED
    if isinstance(value, bool):
        return Pair.of("partial.yes") if value else Pair.of("partial.no")
    if isinstance(value, list):   # layers named (upper_bound)
        labels = [field_label(v) for v in value]
        return Pair("、".join(map(zh_of, labels)), ", ".join(map(en_of, labels)))
    try:
        return fmt_yuan(Decimal(str(value))) if "." in str(value) else str(value)
    except InvalidOperation:
        return str(value)


def field_label(key) -> str:
    if key in LAYER_LABELS:
        return Pair(*LAYER_LABELS[key])
    known = {"in_force": "casebook.part.in_force", "complete": "casebook.part.complete",
             "undetermined": "partial.undetermined", "field": "casebook.part.field",
             "out_of_pocket_is_upper_bound": "partial.out_of_pocket_upper_bound",
             "upper_bound": "casebook.part.upper_bound"}
    return Pair.of(known[key]) if key in known else Pair(str(key), str(key))


def figures(case: dict) -> list[tuple[str, tuple]]:
    """(label, path into the run) for each figure a case expects, Chinese first."""
    kind = case.get("kind")
    if kind == "function":
        return [(Pair(f"{case['function']} 结果", f"{case['function']} result"), ())]
    if kind in ("indicators", "scheme"):
        return [(Pair(str(part), str(part)), (part,)) for part in case["expected"]]
    return list(_leaves(case["expected"], ()))


def _step_label(path: tuple, key) -> str:
    if path == ("claims",):
        return Pair(f"第{key + 1}笔", f"claim {key + 1}")
    if path == ("years",):
        return Pair(f"{key}年", str(key))
    return CASE_PARTS.get(key, field_label(key)) if not path else field_label(key)


def _leaves(want, path: tuple):
    """Every expected figure below `want`, labelled by its path (第1笔 claim 1 · 医疗救助 medical assistance)."""
    if isinstance(want, dict):
        for key, value in want.items():
            for label, sub in _leaves(value, path + (key,)):
                if not path and key in ("claims", "years"):  # the claim or year label below says it
                    yield label, sub
                else:
                    yield (_step_label(path, key).then(label) if label else _step_label(path, key)), sub
    elif isinstance(want, list) and all(isinstance(w, str) for w in want):   # upper_bound: the layers it names
        yield "", path
    elif isinstance(want, list):
        for w in want:
            claim = Pair(f"第{w['claim'] + 1}笔", f"claim {w['claim'] + 1}")
            yield claim.then(field_label(w["layer"])).then(f"`{w['field']}`", " ← "), path + (w,)
    else:
        yield "", path


def is_entry(path: tuple) -> bool:
    """A path to an expected list entry (an undetermined layer), not to a figure."""
    return bool(path) and isinstance(path[-1], dict)


ABSENT = object()  # a figure the run does not report at all (shown —), unlike None (UNDETERMINED)


def at(value, path: tuple):
    for step in path:
        if isinstance(step, dict):  # an undetermined entry: is it there?
            return isinstance(value, list) and any(part_of(g, step) for g in value)
        if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return ABSENT
    return value


def shown_figure(value, kind) -> str:
    if value is ABSENT:
        return NOT_RUN
    if kind == "function":
        value = plain(value)
        if isinstance(value, dict) and set(value) == {"error"}:
            return Pair(f"拒绝：{value['error']}", f"refused: {value['error']}")
        if isinstance(value, list):
            parts = [_figure(v) for v in value]
            return Pair("、".join(map(zh_of, parts)), ", ".join(map(en_of, parts)))
        return _figure(value)
    if kind == "indicators" and isinstance(value, dict):
        met = {True: Pair("达标", "met"), False: Pair("未达标", "not met"), None: Pair("无目标", "no target")}[value["met"]]
        ratio = f"{_figure(value['numerator'])} / {_figure(value['denominator'])}"
        return Pair(ratio, ratio).then(met)
    if kind == "scheme":
        found = {True: Pair("符合", "meets"), False: Pair("不符合", "does not meet"),
                 None: Pair("无法判断", "cannot be checked")}
        return found[value] if value in (True, False, None) else Pair(f"拒绝：{value}", f"refused: {value}")
    return _figure(value)
