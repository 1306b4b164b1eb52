"""Measured examples: which rule functions the tests called.

"With examples" is measured, not grepped: tests/conftest.py runs a `RuleCallRecorder` over the whole test session
(see there) and writes which test called which rule function to `_build/review/exercised.json`.
"""
from __future__ import annotations

import importlib
import inspect
import json
import sys
import threading
import types
from collections import defaultdict

from ..core.policy import load_policy, policy_ids
from .clauses import REPO, ReviewError, module_name, rules_module, where_in_repo
from .ledger import undecodable_line, write_atomically

EXERCISED_FILE = REPO / "_build" / "review" / "exercised.json"


def rule_key(fn) -> str:
    fn = inspect.unwrap(fn)
    return f"{fn.__module__}.{fn.__qualname__}"


def all_rule_functions() -> dict:
    """Every function of every importable rule module that encodes a clause: code object -> rule key."""
    import pkgutil

    import medrules.rules as pkg
    codes = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        try:
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        except Exception:  # noqa: BLE001 - a module that does not import is reported by the coverage check
            continue
        listed = set()
        pid = info.name.replace("_", "-")
        if pid in policy_ids():
            try:
                listed = {n for c in load_policy(pid).clauses.values() for n in c.rules}
            except Exception:  # noqa: BLE001
                listed = set()
        for name, obj in vars(module).items():
            if isinstance(obj, types.FunctionType) and (hasattr(obj, "clause") or name in listed):
                raw = inspect.unwrap(obj)
                if raw.__module__ == module.__name__:
                    codes[raw.__code__] = rule_key(raw)
    return codes


class RuleCallRecorder:
    """Records which rule functions run, and under which test, with a profile hook (sys and threading).

    A profile hook sees every Python call however the function was reached: through the module, through a name
    imported before recording started, or through a tuple such as DECISIONS built at import time. Wrapping the
    functions would miss those, and changes what the notebooks display. Only 'call' events are looked at, and
    only one dict lookup is done per call, so the test session slows by a few per cent."""

    def __init__(self, codes: dict | None = None):
        self.codes = codes if codes is not None else all_rule_functions()
        self.calls: dict[str, set] = defaultdict(set)
        self.current = "(outside any test)"
        self._previous = self._previous_thread = None

    def _hook(self, frame, event, arg):
        if event == "call":
            key = self.codes.get(frame.f_code)
            if key is not None:
                self.calls[key].add(self.current)

    def start(self):
        self._previous = sys.getprofile()
        self._previous_thread = threading.getprofile()
        sys.setprofile(self._hook)
        threading.setprofile(self._hook)

    def stop(self):
        sys.setprofile(self._previous)
        threading.setprofile(self._previous_thread)

    def to_json(self) -> dict:
        return {key: sorted(tests) for key, tests in sorted(self.calls.items())}


def unexercised(called: dict | set) -> dict[str, str]:
    """Encoded clauses with a rule no recorded test called: clause ID -> why."""
    problems = {}
    for pid in policy_ids():
        policy = load_policy(pid)
        try:
            module = rules_module(pid)
        except Exception as e:  # noqa: BLE001
            module, error = None, f"{module_name(pid)} does not import: {type(e).__name__}: {e}"
        else:
            error = f"{module_name(pid)} does not exist"
        for c in policy.clauses.values():
            if c.status != "encoded":
                continue
            if not c.rules:
                problems[c.id] = "encoded, but lists no rules"
            elif module is None:
                problems[c.id] = error
            else:
                missing = [n for n in c.rules if getattr(module, n, None) is None]
                never = [n for n in c.rules if n not in missing
                         and rule_key(getattr(module, n)) not in called]
                if missing:
                    problems[c.id] = f"rules not defined in {module.__name__}: {', '.join(missing)}"
                elif never:
                    problems[c.id] = f"no test calls {', '.join(never)}"
    return problems


def load_exercised() -> dict | None:
    """Rule key -> tests that called it, from the last full test run; None when not measured. A file that is not
    a JSON object of lists of test IDs is a ReviewError naming the file, the line and what is wrong."""
    if not EXERCISED_FILE.exists():
        return None
    where = where_in_repo(EXERCISED_FILE)
    data = EXERCISED_FILE.read_bytes()
    try:
        found = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ReviewError("error.review_exercised_utf8", where=f"{where} line {undecodable_line(data, e)}",
                          byte=f"0x{data[e.start]:02x}") from None
    except json.JSONDecodeError as e:
        raise ReviewError("error.review_exercised_json", where=f"{where} line {e.lineno}", reason=e.msg) from None
    if not isinstance(found, dict):
        raise ReviewError("error.review_exercised_not_object", where=f"{where} line 1", got=type(found).__name__)
    for key, tests in found.items():
        if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
            lines = data.decode("utf-8").splitlines()
            line = next((i for i, text in enumerate(lines, 1) if json.dumps(key, ensure_ascii=False) in text), None)
            raise ReviewError("error.review_exercised_not_list", where=f"{where}" + (f" line {line}" if line else ""),
                              key=key)
    return found


def save_exercised(data: dict) -> None:
    write_atomically(EXERCISED_FILE, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


CASEBOOK_PREFIX = "casebook:"


def casebook_calls(policies: list[str] | None = None) -> dict:
    """Rule key -> the casebook cases that called it, measured now: every hand-worked case of
    policies/<id>/cases.yaml is run under a RuleCallRecorder (about a second for all of them), so "with examples"
    needs no full test run. A case the engine refuses still counts the rules it reached."""
    from ..publish.casebook import casebook, run_case
    recorder = RuleCallRecorder()
    recorder.start()
    try:
        for pid in policies if policies is not None else policy_ids():
            try:
                cases = casebook(pid)
            except Exception:  # noqa: BLE001 - an unreadable casebook is the casebook test's to report
                continue
            for i, case in enumerate(cases, 1):
                recorder.current = f"{CASEBOOK_PREFIX}{pid} #{i} {case.get('name', '')}".rstrip()
                try:
                    run_case(pid, case)
                except Exception:  # noqa: BLE001
                    pass
    finally:
        recorder.stop()
    return recorder.to_json()


def measured_examples(policies: list[str] | None = None) -> tuple[dict, bool]:
    """(rule key -> casebook cases and tests that called it, whether a full test run was recorded): the casebook
    measured now, merged with the last full test run's _build/review/exercised.json where there is one."""
    found = {k: list(v) for k, v in casebook_calls(policies).items()}
    tests = load_exercised()
    for key, names in (tests or {}).items():
        found[key] = sorted(set(found.get(key, [])) | set(names))
    return found, tests is not None
