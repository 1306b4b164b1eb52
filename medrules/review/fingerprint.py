"""What a clause's approval covers: its fingerprint, a sha256 over everything that can change the clause's result:
  (a) the clause text (and simplified text, where there is one), its parallel text, its `uncertain` notes and its
      readings (policies/<id>/readings.yaml, reading IDs `<clause-id>:<name>`);
  (b) every parameter value citing the clause as written in parameters.yaml (the whole entry: value, from, to,
      reported_in_force_on, quote, note …), the inputs citing it, and the policy's validity (policy.yaml dates);
  (c) the source of every rule function encoding the clause — those listed in its `rules:` and any other function
      of the policy's module marked @rule for it — and of the module's own unmarked helpers and constants those
      functions use; and, for a clause with rules, the digest of the engine they run: the policy's rule module and
      every `medrules` module it imports, transitively, found by reading the imports (not listed by hand).
      Other policies' rule modules are not included: they are reviewed under their own clauses.
When any of these changes after an approval, the approval is `stale` (computed, never stored) until re-approved.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import sys
import textwrap
import types
from decimal import Decimal
from pathlib import Path

import yaml

from ..core.policy import Clause, Policy, read_yaml
from ..core.sources import declared_policy, medrules_modules, module_file, read_source
from .clauses import REPO, ReviewError, module_name, rule_functions, where_in_repo

SHORT = 12


# --- a rule's code: its source, and the module's own helpers and constants it uses ----------------------------------

def _source(fn) -> str:
    return textwrap.dedent(inspect.getsource(inspect.unwrap(fn)))


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _simple(value) -> bool:
    if isinstance(value, (str, int, float, bool, Decimal, type(None))):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_simple(v) for v in value)
    if isinstance(value, dict):
        return all(_simple(k) and _simple(v) for k, v in value.items())
    return False


def _canonical(value) -> str:
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_canonical(k)}: {_canonical(v)}" for k, v in sorted(value.items(), key=str)) + "}"
    return repr(value)


def code_dependencies(fn) -> dict[str, str]:
    """Source of the module's own unmarked helpers and constants a rule uses, transitively (name -> text)."""
    fn = inspect.unwrap(fn)
    module = sys.modules.get(fn.__module__)
    found, todo = {}, [fn]
    while todo:
        current = inspect.unwrap(todo.pop())
        for name in sorted(_code_names(current.__code__)):
            if name in found or module is None or name not in vars(module):
                continue
            obj = vars(module)[name]
            if isinstance(obj, types.FunctionType) and obj.__module__ == module.__name__:
                if hasattr(obj, "clause"):
                    continue  # another rule: reviewed under its own clause
                found[name] = _source(obj)
                todo.append(obj)
            elif not callable(obj) and not isinstance(obj, types.ModuleType) and _simple(obj):
                found[name] = f"{name} = {_canonical(obj)}"
    return found


def _json_default(value):
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    raise TypeError(type(value))


# --- what a rule runs: the policy's rule module and every medrules module it imports, found, never listed ----------

_FILE_CACHE: dict = {}   # policy YAML as written, on (mtime, size): pages compute many fingerprints


def engine_modules(policy_id: str) -> dict[str, Path]:
    """Module name -> file for the policy's rule module, the engine that runs it, and every `medrules` module they
    import, transitively (parent packages included: importing medrules.x runs medrules/__init__.py), read from
    the source (medrules.core.sources), so modules added to the engine later are covered without a list to keep
    up to date. Other policies' rule modules are left out: they are reviewed under their own clauses (a helper
    module of this policy's rules, declaring its POLICY_ID, is walked)."""
    own = module_name(policy_id)
    # The rules run inside the engine (medrules.core.engine settles them, medrules.tables.batch runs them on tables): it is
    # walked too, though a rule module does not import it.
    # Another policy's rules are left out; a helper module of this policy's rules (its POLICY_ID) is walked.
    def other_policy(name: str) -> bool:
        if not name.startswith("medrules.rules.") or name == own:
            return False
        path = module_file(name)
        return path is None or declared_policy(path) != policy_id
    return medrules_modules([own, "medrules.core.engine"], leave_out=other_policy)


def engine_sources(policy_id: str) -> dict[str, tuple[str, str]]:
    """Repository-relative path -> (sha256, text) of every module `engine_modules` finds."""
    out = {}
    for path in engine_modules(policy_id).values():
        text, sha, _ = read_source(path)
        try:
            rel = path.resolve().relative_to(REPO.resolve()).as_posix()
        except ValueError:
            rel = path.name  # a module outside the repository (tests load one from a temporary file)
        out[rel] = (sha, text)
    return dict(sorted(out.items()))


# --- the parts of a fingerprint -----------------------------------------------------------------------------------

def policy_dir(policy_id: str) -> Path:
    """policies/<id>/, looked up when called (tests point medrules.core.policy.POLICIES_DIR elsewhere)."""
    from ..core import policy as policy_module
    return policy_module.POLICIES_DIR / policy_id


def _raw_yaml(path: Path):
    """A policy file as written (decimals exact), or None when it does not exist; cached on (mtime, size)."""
    if not path.exists():
        return None
    stat = path.stat()
    key = ("yaml", str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _FILE_CACHE:
        try:
            _FILE_CACHE[key] = read_yaml(path)
        except UnicodeDecodeError as e:
            raise ReviewError("error.review_not_utf8", where=where_in_repo(path), reason=e.reason,
                              byte=e.start) from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise ReviewError("error.review_not_yaml",
                              where=where_in_repo(path) + (f" line {mark.line + 1}" if mark else ""),
                              reason=" ".join(str(getattr(e, "problem", None) or e).split())) from None
    return _FILE_CACHE[key]


def readings_for(policy_id: str, clause_id: str) -> dict:
    """The clause's readings from policies/<id>/readings.yaml (reading ID `<clause-id>:<name>`), if the file exists.
    The file is a mapping of reading ID to reading, or that mapping under a top-level `readings:` key."""
    data = _raw_yaml(policy_dir(policy_id) / "readings.yaml") or {}
    if isinstance(data, dict) and isinstance(data.get("readings"), dict):
        data = data["readings"]
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in sorted(data.items(), key=lambda kv: str(kv[0]))
            if str(k).startswith(clause_id + ":")}


def cases_for(policy_id: str, clause_id: str) -> list[dict]:
    """The casebook entries for the clause (policies/<id>/cases.yaml, a list of cases with `clause` and `name`)."""
    data = _raw_yaml(policy_dir(policy_id) / "cases.yaml") or []
    return [c for c in data if isinstance(c, dict) and c.get("clause") == clause_id] if isinstance(data, list) else []


def parameter_entries(policy_id: str, clause_id: str) -> list[dict]:
    """Every dated value citing the clause, as written in parameters.yaml: the whole entry (value, from, to,
    reported_in_force_on, quote, note — whatever keys it has), with its parameter's name, label, unit and kind.
    Inputs (values the text does not give) citing the clause are included too."""
    data = _raw_yaml(policy_dir(policy_id) / "parameters.yaml") or {}
    out = []
    for name, raw in sorted((data.get("parameters") or {}).items()):
        for entry in raw.get("values") or []:
            if isinstance(entry, dict) and entry.get("clause") == clause_id:
                out.append({"name": name, **{k: v for k, v in raw.items() if k != "values"}, "entry": entry})
    for name, raw in sorted((data.get("inputs") or {}).items()):
        if isinstance(raw, dict) and raw.get("clause") == clause_id:
            out.append({"input": name, **raw})
    return out


def policy_validity(policy: Policy) -> dict:
    """The policy's dates and any in-force statement (policy.yaml): a clause applies only while the policy does."""
    return {k: v for k, v in policy.meta.items() if k in ("dates", "in_force", "status", "validity")}


def fingerprint_parts(policy: Policy, clause: Clause) -> dict:
    code = {}
    for name, fn in rule_functions(policy.id, clause):
        if fn is None:
            code[name] = f"missing: {module_name(policy.id)}.{name} does not exist"
            continue
        code[name] = _source(fn)
        for dep, text in code_dependencies(fn).items():
            code.setdefault(f"{name} uses {dep}", text)
    # A clause with rules also depends on everything those rules run: the engine's digest (sources kept apart).
    engine = {path: sha for path, (sha, _) in engine_sources(policy.id).items()} if code else {}
    return {"text": clause.text, "text_simplified": clause.text_simplified, "parallel": clause.parallel,
            "uncertain": list(clause.uncertain), "readings": readings_for(policy.id, clause.id),
            "parameters": parameter_entries(policy.id, clause.id), "validity": policy_validity(policy),
            "code": dict(sorted(code.items())), "engine": engine}


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default, separators=(",", ":"))


def fingerprint(policy: Policy, clause: Clause) -> str:
    return hashlib.sha256(canonical_json(fingerprint_parts(policy, clause)).encode("utf-8")).hexdigest()


def short(fp: str | None) -> str:
    return fp[:SHORT] if fp else "—"
