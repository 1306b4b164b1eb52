"""Clause-by-clause review: a ledger in the repository that ties each approval to the exact text and code.

The ledger is `reviews/<policy-id>.yaml`: one entry per clause (sorted by clause ID, block style, so a review shows
as a small diff) with its interpretation status (draft, in-review, approved, disputed), reviewer, date, open
questions, the fingerprint at the last action and the history of actions.

The fingerprint is a sha256 over everything that can change the clause's result:
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
Each approval keeps a snapshot of (a)-(c) in reviews/snapshots/, so a stale approval shows a diff of what changed.
The ledger is written under a lock through unique temporary files, and validated (pydantic) when read.

"With examples" is measured, not grepped: tests/conftest.py runs a `RuleCallRecorder` over the whole test session
(see there) and writes which test called which rule function to `_build/review/exercised.json`.
"""
from __future__ import annotations

import ast
import contextlib
import datetime as dt
import difflib
import fcntl
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
import tempfile
import textwrap
import threading
import types
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from ..core.messages import Problem, catalogue, error_line, html, problem_texts, text
from ..core.oneline import one_line
from ..core.policy import POLICIES_DIR, Clause, Policy, load_policy, policy_ids, read_yaml
from ..core.scenario import pydantic_problem

REPO = POLICIES_DIR.parent
REVIEWS_DIR = REPO / "reviews"
NOTEBOOKS_DIR = REPO / "notebooks"
EXERCISED_FILE = REPO / "_build" / "review" / "exercised.json"
GENERATED_PAGE = REPO / "book" / "_generated" / "review.md"   # included by book/review.md
STATUSES = ("draft", "in-review", "approved", "disputed")
CLAUSE_FORM = "<policy-id>/<path>, such as wenzhou-2021-78/3.3.9"
SHORT = 12


class ReviewError(Exception):
    """Bad input to a review command (unknown clause, bad date, missing reviewer): exit status 2. Given a catalogue
    key and its values, the message is built in Chinese (.zh) and English (str())."""

    def __init__(self, problem, /, **values):
        if isinstance(problem, str) and problem in catalogue():
            problem = Problem(problem, **values)
        self.zh, en = problem_texts(problem)
        super().__init__(en)


# --- clauses and their rule functions ---------------------------------------------------------------------------

def natural_key(clause_id: str) -> list:
    """Sort 3.3.9 before 3.3.10: digits compare as numbers (types alternate str/int, so keys always compare)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", clause_id)]


def all_clause_ids() -> list[str]:
    return [cid for pid in policy_ids() for cid in sorted(load_policy(pid).clauses, key=natural_key)]


def resolve_clause(ref: str) -> tuple[Policy, Clause]:
    """A clause by full ID; otherwise a ReviewError naming the form and the closest IDs."""
    pid, _, path = ref.partition("/")
    if pid in policy_ids() and path:
        policy = load_policy(pid)
        if ref in policy.clauses:
            return policy, policy.clauses[ref]
    ids = all_clause_ids()
    close = difflib.get_close_matches(ref, ids, n=5, cutoff=0.6)
    if not close and ref:  # a bare path such as 3.3.9: offer that path in every policy
        close = [cid for cid in ids if cid.endswith("/" + ref.split("/")[-1])][:5]
    key = "error.review_not_clause_close" if close else "error.review_not_clause"
    raise ReviewError(Problem.each(key, zh={"form": text("error.review_clause_form", "zh")}, en={"form": CLAUSE_FORM},
                                   ref=repr(ref), close=", ".join(close)))


def module_name(policy_id: str) -> str:
    return "medrules.rules." + policy_id.replace("-", "_")


def rules_module(policy_id: str):
    """The policy's rule module, or None when there is none yet. An import error is raised: it is a real bug."""
    name = module_name(policy_id)
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def rule_functions(policy_id: str, clause: Clause) -> list[tuple[str, object]]:
    """(name, function or None) for every rule of the clause: its `rules:` and any other @rule marked for it."""
    try:
        module = rules_module(policy_id)
    except Exception:  # noqa: BLE001 - a module that does not import: its rules count as missing
        module = None
    names = list(clause.rules)
    if module is not None:
        seen = {id(getattr(module, n, None)) for n in names}  # an alias (further_relief = …) is the same rule
        for name, obj in vars(module).items():
            if (callable(obj) and getattr(obj, "clause", None) == clause.id and id(obj) not in seen
                    and getattr(obj, "__module__", None) == module.__name__):
                names.append(name)
                seen.add(id(obj))
    return [(name, getattr(module, name, None) if module is not None else None) for name in names]


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

_FILE_CACHE: dict = {}


def _read_source(path: Path) -> tuple[str, str, tuple]:
    """(text, sha256, imported names) of a Python file, cached on (mtime, size): pages compute many fingerprints."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _FILE_CACHE:
        data = path.read_bytes()
        try:
            tree = ast.parse(data)
        except SyntaxError:
            tree = ast.Module(body=[], type_ignores=[])
        imports = []
        for node in ast.walk(tree):  # imports inside functions run too
            if isinstance(node, ast.Import):
                imports += [(0, alias.name, ()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                imports.append((node.level, node.module or "", tuple(a.name for a in node.names)))
        _FILE_CACHE[key] = (data.decode("utf-8", "replace"), hashlib.sha256(data).hexdigest(), tuple(imports))
    return _FILE_CACHE[key]


def _module_file(name: str) -> Path | None:
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None) if module is not None else None
    if path is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        path = spec.origin if spec is not None and spec.has_location else None
    return Path(path) if path and path.endswith(".py") else None


def engine_modules(policy_id: str) -> dict[str, Path]:
    """Module name -> file for the policy's rule module, the engine that runs it, and every `medrules` module they
    import, transitively
    (parent packages included: importing medrules.x runs medrules/__init__.py). Other policies' rule modules are
    left out: they are reviewed under their own clauses. Discovered by reading the imports, so modules added to
    the engine later are covered without a list to keep up to date."""
    own = module_name(policy_id)
    found: dict[str, Path] = {}
    # The rules run inside the engine (medrules.core.engine settles them, medrules.tables.batch runs them on tables): it is
    # walked too, though a rule module does not import it.
    todo = [own, "medrules.core.engine"]
    while todo:
        name = todo.pop()
        if name in found or not (name == "medrules" or name.startswith("medrules.")):
            continue
        if name.startswith("medrules.rules.") and name != own:
            continue
        path = _module_file(name)
        if path is None:
            continue
        found[name] = path
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        if "." in name:
            todo.append(name.rpartition(".")[0])
        for level, target, names in _read_source(path)[2]:
            if level:
                base = package.split(".")
                base = base[:len(base) - (level - 1)] if level > 1 else base
                target = ".".join(base + ([target] if target else []))
            todo.append(target)
            todo += [f"{target}.{n}" for n in names if n != "*"]  # `from . import money` names a module
    return found


def engine_sources(policy_id: str) -> dict[str, tuple[str, str]]:
    """Repository-relative path -> (sha256, text) of every module `engine_modules` finds."""
    out = {}
    for path in engine_modules(policy_id).values():
        text, sha, _ = _read_source(path)
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
            raise ReviewError("error.review_not_utf8", where=_where(path), reason=e.reason, byte=e.start) from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise ReviewError("error.review_not_yaml", where=_where(path) + (f" line {mark.line + 1}" if mark else ""),
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


def _canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default, separators=(",", ":"))


def fingerprint(policy: Policy, clause: Clause) -> str:
    return hashlib.sha256(_canonical_json(fingerprint_parts(policy, clause)).encode("utf-8")).hexdigest()


def short(fp: str | None) -> str:
    return fp[:SHORT] if fp else "—"


# --- the ledger --------------------------------------------------------------------------------------------------

def ledger_path(policy_id: str) -> Path:
    return REVIEWS_DIR / f"{policy_id}.yaml"


class _AcceptedOpen(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    why: str
    open: list[str]


class _HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    status: Literal["draft", "in-review", "approved", "disputed"]
    reviewer: Optional[str]
    date: Optional[dt.date]
    fingerprint: Optional[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]]
    note: Optional[str] = None
    accepted_open: Optional[_AcceptedOpen] = None


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    clause: str
    status: Literal["draft", "in-review", "approved", "disputed"]
    reviewer: Optional[str]
    date: Optional[dt.date]
    fingerprint: Optional[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]]
    open_questions: list[str]
    history: list[_HistoryItem]


class _Ledger(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    policy: str
    clauses: list[_Entry]


def _yaml_line(node, loc: tuple) -> int | None:
    """The line (1-based) of the YAML node at a pydantic error location, or of its closest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _where(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO.resolve()).as_posix()
    except ValueError:
        return str(path)


def _undecodable_line(data: bytes, error: UnicodeDecodeError) -> int:
    return data[:error.start].count(b"\n") + 1


def load_ledger(policy_id: str) -> dict[str, dict]:
    """The ledger's entries by clause ID. A ledger that is not valid UTF-8 YAML of the expected shape is a
    ReviewError naming the file, the line and what is wrong (exit status 2), never a traceback."""
    path = ledger_path(policy_id)
    if not path.exists():
        return {}
    where = _where(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReviewError("error.review_ledger_utf8", where=f"{where} line {_undecodable_line(data, e)}",
                          byte=f"0x{data[e.start]:02x}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise ReviewError("error.review_not_yaml", where=f"{where}{line}", reason=what) from None
    if not isinstance(raw, dict):
        if raw is None:
            raise ReviewError("error.review_ledger_empty", where=f"{where} line 1")
        raise ReviewError("error.review_ledger_not_mapping", where=f"{where} line 1", got=type(raw).__name__)
    try:
        ledger = _Ledger.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
        line = _yaml_line(node, loc)
        got = err.get("input")
        shown = "" if isinstance(got, (dict, list)) or err["type"] == "missing" else f", got {got!r}"
        allowed = f" (allowed: {', '.join(STATUSES)})" if field.endswith("status") else ""
        raise ReviewError(Problem.each("error.review_ledger_field", zh={"problem": pydantic_problem(err, lambda loc: "").zh,
                                                                       "allowed": allowed.replace("allowed", "可用")},
                                       en={"problem": f"{err['msg']}{shown}", "allowed": allowed},
                                       where=f"{where}" + (f" line {line}" if line else ""),
                                       field=field or "top level")) from None
    if ledger.policy != policy_id:
        raise ReviewError("error.review_ledger_policy", where=f"{where} line {_yaml_line(node, ('policy',))}",
                          policy=repr(policy_id), got=repr(ledger.policy))
    entries = {}
    for i, item in enumerate(raw["clauses"]):
        if item["clause"] in entries:
            raise ReviewError("error.review_ledger_twice", where=f"{where} line {_yaml_line(node, ('clauses', i))}",
                              clause=repr(item["clause"]))
        entries[item["clause"]] = item
    return entries


HEADER = """\
# Review ledger for {pid}.
# One entry per clause, sorted by clause ID; written by
# `python -m medrules review` (README.md, "Review workflow").
# fingerprint: sha256 of the clause text, notes, readings, dated
# values, policy dates, rule code and engine code at the last action.
# An approval whose fingerprint no longer matches is stale until it is
# approved again; reviews/snapshots/ keeps what each approval covered.
"""


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors (&id001) for values that happen to be the same object."""

    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):  # lists indented under their key, as yamllint wants
        return super().increase_indent(flow, False)


@contextlib.contextmanager
def ledger_lock(policy_id: str):
    """Hold the policy's ledger lock (fcntl.flock on reviews/.<id>.lock) around a read-modify-write: without it
    parallel approvals each read the old ledger and the last writer wins."""
    REVIEWS_DIR.mkdir(exist_ok=True)
    with open(REVIEWS_DIR / f".{policy_id}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    """Write a unique temporary file in the same folder, then rename it over the target: a reader sees the old
    or the new file, never half of one, and parallel writers never share a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_ledger(policy_id: str, entries: dict[str, dict]) -> Path:
    """Write the ledger (call under ledger_lock when it was read to be changed)."""
    REVIEWS_DIR.mkdir(exist_ok=True)
    ordered = [entries[cid] for cid in sorted(entries, key=natural_key)]
    body = yaml.dump({"policy": policy_id, "clauses": ordered}, Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=1000)
    path = ledger_path(policy_id)
    _write_atomically(path, HEADER.format(pid=policy_id) + body)
    return path


# --- snapshots: what an approval covered, kept so that a stale approval can show what changed ---------------------

def snapshot_path(clause_id: str) -> Path:
    pid, _, path = clause_id.partition("/")
    return REVIEWS_DIR / "snapshots" / pid / f"{path}.json"


def source_path(sha: str) -> Path:
    """Engine sources are kept once per content (sha256), shared by every snapshot that ran them."""
    return REVIEWS_DIR / "snapshots" / "sources" / f"{sha}.py.txt"


def save_snapshot(policy: Policy, clause: Clause, fp: str, on: dt.date) -> None:
    parts = json.loads(_canonical_json(fingerprint_parts(policy, clause)))
    for sha, text in engine_sources(policy.id).values():
        if not source_path(sha).exists():
            _write_atomically(source_path(sha), text)
    doc = {"clause": clause.id, "fingerprint": fp, "approved_on": str(on), "parts": parts}
    _write_atomically(snapshot_path(clause.id), json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def load_snapshot(clause_id: str) -> dict | None:
    path = snapshot_path(clause_id)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReviewError("error.review_snapshot_unreadable", where=_where(path), reason=e) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("parts"), dict):
        raise ReviewError("error.review_not_snapshot", where=_where(path))
    return doc


def _dump(value) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=True, default_flow_style=False,
                     width=110).rstrip("\n")


def render_parts(parts: dict, source=None) -> dict[str, list[str]]:
    """Everything a fingerprint covers as text, one titled section per part, for a readable diff.
    `source(sha)` gives an engine module's text, or None when it was not kept."""
    sections: dict[str, list[str]] = {}

    def section(title, body):
        sections[title] = (body or "").rstrip("\n").splitlines() or [""]

    section("text", parts.get("text"))
    if parts.get("text_simplified"):
        section("text (simplified)", parts["text_simplified"])
    section("parallel", parts.get("parallel"))
    for i, note in enumerate(parts.get("uncertain") or [], 1):
        section(f"uncertain note {i}", _dump(note) if not isinstance(note, str) else note)
    for rid, reading in (parts.get("readings") or {}).items():
        section(f"reading {rid}", _dump(reading))
    for p in parts.get("parameters") or []:
        entry = p.get("entry") or {}
        title = (f"parameter {p['name']} from {entry.get('from') or entry.get('reported_in_force_on') or '?'}"
                 if "name" in p else f"input {p.get('input')}")
        while title in sections:
            title += " (another value)"
        section(title, _dump(p))
    section("policy validity", _dump(parts.get("validity") or {}))
    for name, text in (parts.get("code") or {}).items():
        section(f"code {name}", text)
    for path, sha in (parts.get("engine") or {}).items():
        text = source(sha) if source else None
        section(f"engine {path}", text if text is not None else f"(source sha256 {sha[:SHORT]} was not kept)")
    return sections


def diff_parts(old: dict, new: dict, old_label: str, new_label: str) -> str:
    """A unified diff per changed section (`=== title`), so that each hunk says which value or code it is in."""
    out = []
    for title in list(old) + [t for t in new if t not in old]:
        before, after = old.get(title, []), new.get(title, [])
        if before == after:
            continue
        out.append(f"=== {title}" + (" (added)" if title not in old else " (removed)" if title not in new else ""))
        out += list(difflib.unified_diff(before, after, old_label, new_label, lineterm=""))
    return "\n".join(out)


def _kept_source(sha: str) -> str | None:
    path = source_path(sha)
    return path.read_text(encoding="utf-8") if path.exists() else None


def changes_since_approval(policy: Policy, clause: Clause, entry: dict | None) -> str | None:
    """A unified diff of what the last approval covered against what there is now; None when not stale."""
    now_fp = fingerprint(policy, clause)
    if effective_status(entry, now_fp) != "stale":
        return None
    snap = load_snapshot(clause.id)
    if snap is None or snap.get("fingerprint") != entry.get("fingerprint"):
        return (f"(no snapshot of approval {short(entry.get('fingerprint'))} was kept — it was given before "
                "snapshots were recorded; read the clause as it is now and approve again)")
    current = {path: text for path, (_, text) in engine_sources(policy.id).items()}
    now_parts = json.loads(_canonical_json(fingerprint_parts(policy, clause)))

    def source_now(sha):
        return next((t for p, t in current.items() if now_parts["engine"].get(p) == sha), None) or _kept_source(sha)

    diff = diff_parts(render_parts(snap["parts"], _kept_source), render_parts(now_parts, source_now),
                      f"approved {short(snap['fingerprint'])} ({snap.get('approved_on')})", f"now {short(now_fp)}")
    return diff or "(the fingerprints differ but the rendered parts do not)"


# --- review actions ------------------------------------------------------------------------------------------------

def _entry(clause_id: str) -> dict:
    return {"clause": clause_id, "status": "draft", "reviewer": None, "date": None, "fingerprint": None,
            "open_questions": [], "history": []}


def sync(on: dt.date, prune: bool = False) -> tuple[list[str], list[str]]:
    """Add a draft entry for every clause missing from its ledger; report (or with prune, drop) orphan entries."""
    added, orphans = [], []
    for pid in policy_ids():
        policy = load_policy(pid)
        with ledger_lock(pid):
            entries = load_ledger(pid)
            new = [cid for cid in policy.clauses if cid not in entries]
            gone = [cid for cid in entries if cid not in policy.clauses]
            for cid in new:
                entry = entries[cid] = _entry(cid)
                entry["date"] = on
                entry["history"].append({"status": "draft", "reviewer": None, "date": on, "fingerprint": None,
                                         "note": "entry created by review sync"})
            if prune:
                for cid in gone:
                    del entries[cid]
            if new or (prune and gone) or not ledger_path(pid).exists():
                save_ledger(pid, entries)
        added += new
        orphans += gone
    return added, orphans


def _check_text(option: str, value: str | None) -> None:
    """Control characters (newlines, escapes, NUL …) would break the status table and the ledger's lines."""
    if value and any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ReviewError("error.review_control_characters", option=option, got=repr(value))


def _one_line(note: dict) -> str:
    """A {zh, en} note on one line, Chinese first (an error line lists it)."""
    return " / ".join(" ".join(note[lang].split()) for lang in ("zh", "en"))


def _zh_en_lines(note: dict) -> list[str]:
    """A {zh, en} note as a list item for `review show`: the Chinese, then the English under it."""
    return [f"  - {' '.join(note['zh'].split())}", f"    {' '.join(note['en'].split())}"]


def open_items(policy: Policy, clause: Clause, ledger_questions: list[str]) -> list[str]:
    """What is still open about a clause: an approval over any of these must say why (--accept-open)."""
    items = [f"open question (review): {q}" for q in ledger_questions]
    items += [f"open question (text): {_one_line(q)}" for q in clause.open_questions]
    items += [f"uncertain: {_one_line(u)}" for u in clause.uncertain]
    items += [f"reading {rid}: default {r.get('default') if isinstance(r, dict) else '?'}"
              for rid, r in readings_for(policy.id, clause.id).items()]
    return items


def record(ref: str, status: str, reviewer: str, on: dt.date, note: str | None = None,
           questions: tuple = (), resolve: bool = False, accept_open: str | None = None) -> dict:
    """Record a review action on a clause with the fingerprint of what was reviewed."""
    if status not in STATUSES:
        raise ReviewError("error.review_status", allowed=", ".join(STATUSES), got=repr(status))
    if not reviewer or not reviewer.strip():
        raise ReviewError("error.review_reviewer_required")
    _check_text("--reviewer", reviewer)
    for option, value in (("--note", note), ("--accept-open", accept_open), *(("--question", q) for q in questions)):
        _check_text(option, value)
    if accept_open is not None and not accept_open.strip():
        raise ReviewError("error.review_accept_open_why")
    policy, clause = resolve_clause(ref)
    with ledger_lock(policy.id):
        entries = load_ledger(policy.id)
        entry = entries.setdefault(clause.id, _entry(clause.id))
        open_q = list(entry.get("open_questions") or []) + [q for q in questions if q]
        accepted = None
        if status == "approved":
            if resolve and open_q:
                note = ((note + " ") if note else "") + "Resolved: " + "; ".join(open_q)
                open_q = []
            still_open = open_items(policy, clause, open_q)
            if still_open and not accept_open:
                raise ReviewError("error.review_still_open_questions" if open_q else "error.review_still_open",
                                  clause=clause.id, n=len(still_open), items=" | ".join(still_open))
            if still_open:
                accepted = {"why": accept_open.strip(), "open": still_open}
        if status == "disputed" and not (note or questions):
            raise ReviewError("error.review_note_required")
        if status == "approved" and clause.status == "encoded":
            missing = [name for name, fn in rule_functions(policy.id, clause) if fn is None]
            if missing or not clause.rules:
                raise ReviewError(Problem.each("error.review_no_functions",
                                               zh={"missing": ", ".join(missing) or "未列出规则"},
                                               en={"missing": ", ".join(missing) or "no rules listed"},
                                               clause=clause.id, module=module_name(policy.id)))
        fp = fingerprint(policy, clause)
        entry.update(status=status, reviewer=reviewer.strip(), date=on, fingerprint=fp, open_questions=open_q)
        item = {"status": status, "reviewer": reviewer.strip(), "date": on, "fingerprint": fp, "note": note}
        if accepted:
            item["accepted_open"] = accepted
        entry.setdefault("history", []).append(item)
        if status == "approved":
            save_snapshot(policy, clause, fp, on)
        save_ledger(policy.id, entries)
    return entry


def accepted_open(entry: dict | None) -> dict | None:
    """The --accept-open reason of the approval in force, if it was given with items open."""
    history = (entry or {}).get("history") or []
    if entry and entry.get("status") == "approved" and history and history[-1].get("status") == "approved":
        return history[-1].get("accepted_open")
    return None


def effective_status(entry: dict | None, current_fp: str) -> str:
    """The status to show: an approval whose fingerprint no longer matches is `stale`."""
    if entry is None:
        return "missing"
    if entry["status"] == "approved" and entry.get("fingerprint") != current_fp:
        return "stale"
    return entry["status"]


# --- measured examples -------------------------------------------------------------------------------------------

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
    where = _where(EXERCISED_FILE)
    data = EXERCISED_FILE.read_bytes()
    try:
        found = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ReviewError("error.review_exercised_utf8", where=f"{where} line {_undecodable_line(data, e)}",
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
    _write_atomically(EXERCISED_FILE, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


# --- reports -----------------------------------------------------------------------------------------------------

def clause_rows(policy_id: str, exercised: dict | None = None) -> list[dict]:
    """One row per clause: its text status, review status (stale computed), reviewer, fingerprints, examples."""
    policy = load_policy(policy_id)
    ledger = load_ledger(policy_id)
    rows = []
    for cid in sorted(policy.clauses, key=natural_key):
        c = policy.clauses[cid]
        entry = ledger.get(cid)
        fp = fingerprint(policy, c)
        tests = None
        if c.status == "encoded" and exercised is not None:
            module = module_name(policy_id)
            per_rule = [exercised.get(f"{module}.{n}", []) for n in c.rules]
            tests = sorted({t for ts in per_rule for t in ts}) if per_rule and all(per_rule) else []
        rows.append({
            "clause": cid, "label": c.label, "title": c.title.get("zh", ""), "status": c.status,
            "review": effective_status(entry, fp), "reviewer": (entry or {}).get("reviewer"),
            "date": (entry or {}).get("date"), "approved_fp": (entry or {}).get("fingerprint"), "current_fp": fp,
            "open_questions": list((entry or {}).get("open_questions") or []), "tests": tests,
            "accepted_open": accepted_open(entry),
        })
    return rows


COLUMNS = ("clauses", "encoded", "narrative", "not-encodable", "with examples", "draft", "in-review", "approved",
           "stale", "disputed", "missing")


def summary(rows: list[dict], measured: bool) -> dict:
    s = {k: 0 for k in COLUMNS}
    s["clauses"] = len(rows)
    for r in rows:
        s[r["status"]] += 1
        s[r["review"]] += 1
        if r["tests"]:
            s["with examples"] += 1
    if not measured:
        s["with examples"] = "?"
    return s


def status_table(exercised: dict | None = None) -> list[tuple[str, dict]]:
    return [(pid, summary(clause_rows(pid, exercised), exercised is not None)) for pid in policy_ids()]


def format_status(table, exercised_known: bool, clauses: list[tuple[str, list]] | None = None) -> str:
    width = max([len("policy")] + [len(pid) for pid, _ in table])
    head = "policy".ljust(width) + "  " + "  ".join(COLUMNS)
    lines = [head]
    totals = {k: 0 for k in COLUMNS}
    for pid, s in table:
        lines.append(pid.ljust(width) + "  " + "  ".join(str(s[k]).rjust(len(k)) for k in COLUMNS))
        for k in COLUMNS:
            totals[k] = "?" if s[k] == "?" else totals[k] + s[k]
    lines.append("total".ljust(width) + "  " + "  ".join(str(totals[k]).rjust(len(k)) for k in COLUMNS))
    if not exercised_known:
        lines.append("with examples: not measured; run the whole test suite (make test, or pytest tests) to write "
                     "_build/review/exercised.json")
    for pid, rows in clauses or []:
        lines += ["", pid]
        for r in rows:
            flag = {"stale": "  <-- STALE", "disputed": "  <-- DISPUTED", "missing": "  <-- NO LEDGER ENTRY"}
            ex = "" if r["tests"] is None else f" examples={len(r['tests'])}"
            who = printable(r['reviewer'] or '-')
            lines.append(f"  {r['clause']:<40} {r['status']:<13} {r['review']:<9} {who:<12} "
                         f"{str(r['date'] or '-'):<10} fp={short(r['current_fp'])}{ex}{flag.get(r['review'], '')}")
    return "\n".join(lines)


_HEADING = re.compile(r"^(#{1,6})\s")


def interpretation(policy_id: str, path: str) -> str | None:
    """Every markdown paragraph of the clause's section in notebooks/<id>.py: what follows show_clause(P, "<path>")
    up to the next clause or the next heading as high as the section's own (its sub-headings are kept)."""
    twin = NOTEBOOKS_DIR / f"{policy_id}.py"
    if not twin.exists():
        return None
    import jupytext
    cells = jupytext.read(twin).cells
    pattern = re.compile(r"show_clause\(\s*\w+\s*,\s*[\"']" + re.escape(path) + r"[\"']\s*\)")
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not pattern.search(cell.source):
            continue
        level = 6  # the section's heading level: the last heading before show_clause
        for before in reversed(cells[:i]):
            heads = [len(m.group(1)) for m in map(_HEADING.match, before.source.splitlines())
                     if m] if before.cell_type == "markdown" else []
            if heads:
                level = heads[-1]
                break
        out: list[str] = []
        for nxt in cells[i + 1:]:
            if nxt.cell_type == "code" and "show_clause(" in nxt.source:
                break
            if nxt.cell_type != "markdown":
                continue
            for line in nxt.source.splitlines():
                m = _HEADING.match(line)
                if m and len(m.group(1)) <= level:
                    return "\n".join(out).strip() or None
                out.append(line)
            out.append("")
        return "\n".join(out).strip() or None
    return None


def assumptions(text: str | None) -> list[str]:
    """The interpretation's `Assumption:` paragraphs, each joined onto one line."""
    found = []
    for para in re.split(r"\n\s*\n", text or ""):
        para = " ".join(para.split())
        if para.startswith("Assumption:"):
            found.append(para)
    return found


def _block(text: str, indent: str = "  ") -> list[str]:
    return [textwrap.indent(str(text).rstrip(), indent)]


def show(ref: str) -> str:
    policy, c = resolve_clause(ref)
    entry = load_ledger(policy.id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    out = [f"{c.id} · {c.label} {c.title.get('zh', '')} / {c.title.get('en', '')}",
           f"text status: {c.status}" + (f" ({c.reason['zh']} / {c.reason['en']})" if c.reason else ""),
           f"review: {state.upper()}"
           + (f" by {printable(entry['reviewer'])} on {entry['date']}" if entry and entry.get("reviewer") else "")
           + f" · fingerprint now {short(fp)}"
           + (f", approved {short(entry.get('fingerprint'))}" if state == "stale" else "")]
    accepted = accepted_open(entry)
    if accepted:
        out.append(f"approved with open items accepted: {printable(accepted['why'])}")
        out += [f"  - {printable(item)}" for item in accepted.get("open") or []]
    out += ["", "原文 text:", *_block(c.text.strip())]
    if c.text_simplified:
        out += ["简体 simplified:", *_block(c.text_simplified.strip())]
    out += ["parallel:", *_block(c.parallel.strip())]
    for q in c.open_questions:
        out += ["open question (text):", *_zh_en_lines(q)]
    for q in (entry or {}).get("open_questions") or []:
        out.append(f"open question (review): {printable(q)}")
    if state == "stale":
        out += ["", "changed since the approval (unified diff, approved → now):",
                *_block(changes_since_approval(policy, c, entry))]
    interp = interpretation(policy.id, c.path)
    out += ["", "interpretation (notebooks/%s.py):" % policy.id,
            *(_block(interp) if interp else ["  (no section after show_clause for this clause in the notebook)"])]
    found = assumptions(interp)
    out += ["", f"assumptions ({len(found)}):"] + ([f"  - {a}" for a in found] or ["  (none)"])
    out += ["", f"uncertain notes ({len(c.uncertain)}):"]
    out += [line for u in c.uncertain for line in _zh_en_lines(u)] or ["  (none)"]
    readings = readings_for(policy.id, c.id)
    out += ["", f"readings ({len(readings)}):"]
    for rid, r in readings.items():
        out += [f"  {rid}:", *_block(_dump(r), "    ")]
    if not readings:
        out.append("  (none)" if (policy_dir(policy.id) / "readings.yaml").exists()
                   else f"  (none: policies/{policy.id}/readings.yaml does not exist)")
    cases = cases_for(policy.id, c.id)
    out += ["", f"casebook cases ({len(cases)}):"]
    for case in cases:
        out += [f"  - {case.get('name')}", *_block(_dump({k: v for k, v in case.items() if k != 'name'}), "    ")]
    if not cases:
        out.append("  (none)" if (policy_dir(policy.id) / "cases.yaml").exists()
                   else f"  (none: policies/{policy.id}/cases.yaml does not exist)")
    parts = fingerprint_parts(policy, c)
    out += ["", "code:"]
    if not parts["code"]:
        out.append("  (no rule function)")
    for name, text in parts["code"].items():
        out += [f"  # {name}", *_block(text)]
    if parts["engine"]:
        out += ["", "engine code it runs (covered by the fingerprint; `git log` these for changes):"]
        out += [f"  {path} sha256 {sha[:SHORT]}" for path, sha in parts["engine"].items()]
    out += ["", "parameters:"]
    if not parts["parameters"]:
        out.append("  (none cite this clause)")
    for p in parts["parameters"]:
        if "input" in p:
            out.append(f"  input {p['input']} ({p.get('unit')}): the text gives no value — {p.get('why') or ''}")
            continue
        v = p["entry"]
        dates = ", ".join(f"{k} {v[k]}" for k in v if k not in ("value", "clause", "quote", "note", "kind"))
        out.append(f"  {p['name']} = {v.get('value')} ({v.get('kind', p.get('kind'))}, {p.get('unit')}, "
                   f"{v.get('from') or '?'} to {v.get('to') or 'open'}) 「{v.get('quote')}」")
        out.append(f"    dates: {dates}" + (f"; note: {v['note']}" if v.get("note") else ""))
    out += ["", "examples (tests that call its rules, from the last full test run):"]
    exercised = load_exercised()
    if c.status != "encoded":
        out.append("  (not encoded)")
    elif exercised is None:
        out.append("  not measured: run make test (or pytest tests)")
    else:
        rows = {r["clause"]: r for r in clause_rows(policy.id, exercised)}
        own = f"tests/test_{policy.id.replace('-', '_')}.py::"  # the policy's own tests first
        tests = sorted(rows[c.id]["tests"], key=lambda t: (not t.startswith(own), t))
        out += [f"  {t}" for t in tests[:12]] or ["  NONE: no test calls every rule of this clause"]
        if len(tests) > 12:
            out.append(f"  … and {len(tests) - 12} more")
    out += ["", "history:"]
    for h in (entry or {}).get("history") or []:
        out.append(f"  {h['date']} {h['status']:<9} {printable(h.get('reviewer') or '-')} "
                   f"fp={short(h.get('fingerprint'))}" + (f" — {printable(h['note'])}" if h.get("note") else "")
                   + (f" · accepted open: {printable(h['accepted_open']['why'])}" if h.get("accepted_open") else ""))
    if not entry:
        out.append("  NO LEDGER ENTRY: run python -m medrules review sync")
    return "\n".join(out)


def printable(text) -> str:
    """Control characters shown escaped (\\x1b, \\n): a hand-edited ledger cannot break a table or a terminal."""
    return "".join(ch if unicodedata.category(ch) != "Cc" else ch.encode("unicode_escape").decode("ascii")
                   for ch in str(text))


def review_badge(policy_id: str, path: str):
    """One line for a clause section: its review status now (stale computed), for notebooks to display.

    Its text changes when the review changes, not when a result does: tag the cell `nbval-ignore-output`."""
    from IPython.display import Markdown
    policy, c = resolve_clause(f"{policy_id}/{path}")
    entry = load_ledger(policy_id).get(c.id)
    fp = fingerprint(policy, c)
    state = effective_status(entry, fp)
    entry = {**entry, "reviewer": printable(entry.get("reviewer"))} if entry else None
    text = {"missing": "**no review entry**", "stale": f"**⚠ stale** — approved by {(entry or {}).get('reviewer')} "
            f"on {(entry or {}).get('date')} for {short((entry or {}).get('fingerprint'))}, now {short(fp)}",
            "disputed": f"**✗ disputed** by {(entry or {}).get('reviewer')} on {(entry or {}).get('date')}",
            "approved": f"✓ approved by {(entry or {}).get('reviewer')} on {(entry or {}).get('date')} "
            f"({short(fp)})", "in-review": f"in review with {(entry or {}).get('reviewer')} since "
            f"{(entry or {}).get('date')}", "draft": f"draft, not yet reviewed ({short(fp)})"}[state]
    return Markdown(f"*Review:* {text}")


def _cell(text) -> str:
    """Text for a MyST table cell: control characters escaped, and the characters markdown would act on
    (the column bar, emphasis, code, links, HTML) taken literally."""
    return re.sub(r"([\\`*_\[\]<>|{}#])", r"\\\1", printable(text if text is not None else ""))


def _fenced(text: str, lang: str) -> list[str]:
    """A code block whose fence is longer than any backtick run inside it."""
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return [fence + lang, text, fence]


TABLE_WRAPPER = "medrules-table"   # medrules/static/medrules-review.css: scrolls inside, name columns never squeezed


def page() -> str:
    """The generated part of the book's review page (MyST): figures, then every clause, stale and disputed marked,
    and for every stale approval the diff of what changed since it was given."""
    exercised = load_exercised()
    # Chinese first; the badge keeps the ledger's own word (what `review approve` and the YAML say).
    badges = {"stale": "已过期 {bdg-warning}`stale`", "disputed": "有异议 {bdg-danger}`disputed`",
              "approved": "已批准 {bdg-success}`approved`", "missing": "无记录 {bdg-danger}`no entry`",
              "in-review": "审核中 {bdg-info}`in review`", "draft": "草稿 {bdg-secondary}`draft`"}
    per_policy = [(pid, clause_rows(pid, exercised)) for pid in policy_ids()]
    out = ["<!-- generated by medrules/review/workflow.py at build time (python -m medrules review page); do not edit -->",
           ""]
    attention = [r for _, rows in per_policy for r in rows if r["review"] in ("stale", "disputed", "missing")]
    if attention:
        out += [f":::{{admonition}} {text('review.needs_reviewer', 'zh')} · {text('review.needs_reviewer', 'en')}",
                ":class: warning", ""]
        out += [f"- {badges[r['review']]} `{r['clause']}` {r['label']} {_cell(r['title'])}" for r in attention]
        out += [":::", ""]
    out += [f"## {text('review.figures', 'zh')} · {text('review.figures', 'en')}", "",
            f"::::{{container}} {TABLE_WRAPPER}", "",
            "| " + " | ".join(html(f"review.column.{k}") for k in ("policy", *COLUMNS)) + " |",
            "|---" * (len(COLUMNS) + 1) + "|"]
    all_rows = [r for _, rows in per_policy for r in rows]
    for pid, rows in per_policy + [(None, all_rows)]:
        s = summary(rows, exercised is not None)
        name = f"{_cell(load_policy(pid).meta['title']['zh'])} `{pid}`" if pid else f"**{html('review.total')}**"
        out.append(f"| {name} | " + " | ".join(str(s[k]) for k in COLUMNS) + " |")
    out += ["", "::::"]
    if exercised is None:
        out += ["", html("review.examples_unknown")]
    for pid, rows in per_policy:
        place = load_policy(pid).meta.get("place") or {}
        out += ["", f"## {place.get('zh', '')} {place.get('en', '')} · {pid}".lstrip(" ·"), "",
                f"::::{{container}} {TABLE_WRAPPER}", "",
                "| " + " | ".join(html(f"review.column.{k}") for k in ("clause", "text_status", "review", "reviewer",
                                                                   "date", "fingerprint", "examples",
                                                                   "open_questions", "id")) + " |",
                "|---|---|---|---|---|---|---|---|---|"]
        stale = []
        for r in rows:
            fp = f"`{short(r['current_fp'])}`"
            if r["review"] == "stale":
                fp = f"**`{short(r['approved_fp'])}` → {fp}**"
                stale.append(r)
            ex = "—" if r["tests"] is None else (str(len(r["tests"])) if r["tests"] else "**none**")
            if r["status"] == "encoded" and exercised is None:
                ex = "?"
            open_q = str(len(r["open_questions"]) or "")
            if r["accepted_open"]:
                open_q += f" accepted open ({len(r['accepted_open'].get('open') or [])}): " \
                          f"{_cell(r['accepted_open']['why'])}"
            out.append(f"| {r['label']} {_cell(r['title'])} | {html('clause_status.' + r['status'])} | "
                       f"{badges[r['review']]} | {_cell(r['reviewer'])} | {r['date'] or ''} | {fp} | {ex} | "
                       f"{open_q.strip()} | `{r['clause']}` |")
        out += ["", "::::"]
        policy = load_policy(pid) if stale else None
        for r in stale:
            clause = policy.clauses[r["clause"]]
            diff = changes_since_approval(policy, clause, load_ledger(pid).get(r["clause"]))
            out += ["", f":::::{{dropdown}} {text('review.what_changed', 'zh')} · What changed in `{r['clause']}` since its approval "
                    f"(`{short(r['approved_fp'])}` → `{short(r['current_fp'])}`)", ":open:", "",
                    *_fenced(diff, "diff"), ":::::"]
    return "\n".join(out) + "\n"


def write_page(path: Path = GENERATED_PAGE) -> bool:
    """Write the page when its content changed (a rebuild then stays small); True when written."""
    text = page()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


BADGE_CLASSES = {"approved": "success", "stale": "warning", "disputed": "danger", "missing": "danger",
                 "in-review": "info", "draft": "secondary"}


def _statuses() -> dict[str, tuple[str, str]]:
    """Clause ID -> (review status, what a reader needs to know about it), for every clause of every policy."""
    out = {}
    for pid in policy_ids():
        for r in clause_rows(pid):
            detail = {
                "stale": f"approved by {printable(r['reviewer'])} on {r['date']} for fingerprint "
                         f"{short(r['approved_fp'])}; the text, parameters or code have changed since (now "
                         f"{short(r['current_fp'])}; the review page shows what changed)",
                "disputed": f"disputed by {printable(r['reviewer'])} on {r['date']}: see reviews/{pid}.yaml",
                "missing": "no entry in the review ledger",
            }.get(r["review"], "")
            out[r["clause"]] = (r["review"], detail)
    return out


def _note_dependencies(app, doctree) -> None:
    """A policy page is rebuilt when its ledger, its policy data or its rules change (its badges may change)."""
    docname = app.env.docname
    if not docname.startswith("notebooks/"):
        return
    pid = docname.split("/", 1)[1]
    if pid not in policy_ids():
        return
    module = Path(REPO / "medrules" / "rules" / (pid.replace("-", "_") + ".py"))
    for path in [ledger_path(pid), module, *sorted((POLICIES_DIR / pid).glob("*.yaml"))]:
        if path.exists():
            app.env.note_dependency(str(path))


def _badge_clause_sections(app, doctree, docname) -> None:
    """In a policy page, put the live review status beside each clause heading that show_clause() printed
    ("**<clause id>** · label title · status"). Stored notebook outputs stay as they are: the badge is added
    when the page is written, so the book shows a stale or disputed clause as such until it is re-approved."""
    if not docname.startswith("notebooks/"):
        return
    from docutils import nodes
    statuses = getattr(app, "_medrules_review_statuses", None)
    if statuses is None:
        statuses = app._medrules_review_statuses = _statuses()
    for strong in list(doctree.findall(nodes.strong)):
        para = strong.parent
        if not isinstance(para, nodes.paragraph) or any(n.astext().strip() for n in para[:para.index(strong)]):
            continue
        found = statuses.get(strong.astext())
        if found is None:
            continue
        state, detail = found
        colour = BADGE_CLASSES[state]
        badge = nodes.inline(text=f"审核 review: {state}", classes=["sd-sphinx-override", "sd-badge",
                             f"sd-bg-{colour}", f"sd-bg-text-{colour}", "medrules-review"])
        para += [nodes.Text(" "), badge]
        if detail:
            para += nodes.emphasis(text=f" ({detail})")


STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def _add_static(app, config) -> None:
    """Serve medrules/static/ with the site and load the review tables' style sheet on every page."""
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    app.add_css_file("medrules-review.css")


def setup(app):
    """Sphinx extension (_config.yml sphinx.extra_extensions): the review page is regenerated on every build,
    and each clause section of a policy page shows its live review status."""
    app.connect("builder-inited", lambda app: write_page(Path(app.srcdir) / "book" / "_generated" / "review.md"))
    app.connect("doctree-read", _note_dependencies)
    app.connect("config-inited", _add_static)
    app.connect("doctree-resolved", _badge_clause_sections)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


# --- command line ------------------------------------------------------------------------------------------------

def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReviewError("error.review_date", got=repr(text)) from None


def add_parser(sub) -> None:
    """Register `review` and its commands on the CLI's subparsers."""
    rv = sub.add_parser("review", help="clause-by-clause review ledger: status, show, approve, dispute, sync, page")
    cmds = rv.add_subparsers(dest="review_command", required=True)
    st = cmds.add_parser("status", help="per policy: clauses, encoded, narrative, with examples, approved, stale, "
                         "disputed")
    st.add_argument("--clauses", action="store_true", help="also list every clause")
    st.add_argument("--policy", help="only this policy (with --clauses)")
    sh = cmds.add_parser("show", help="one clause: text, interpretation, code, parameters, examples, history")
    sh.add_argument("clause", help=CLAUSE_FORM)
    for name, status, what in (("approve", "approved", "approve the clause's encoding as it is now"),
                               ("dispute", "disputed", "record that the encoding does not say what the clause says"),
                               ("request", "in-review", "put the clause in review"),
                               ("reopen", "draft", "set the clause back to draft")):
        p = cmds.add_parser(name, help=what)
        p.add_argument("clause", help=CLAUSE_FORM)
        p.add_argument("--reviewer", required=True)
        p.add_argument("--date", help="YYYY-MM-DD (default: today)")
        p.add_argument("--note", help="why; recorded in the history")
        p.add_argument("--question", action="append", default=[], help="an open question to record (repeatable)")
        if name == "approve":
            p.add_argument("--resolve", action="store_true", help="the open questions are answered: clear them")
            p.add_argument("--accept-open", metavar="WHY", help="approve although open questions, uncertain "
                           "notes or readings remain, and say why (recorded in the ledger and shown)")
        p.set_defaults(review_status=status)
    sy = cmds.add_parser("sync", help="add a draft ledger entry for every clause that has none")
    sy.add_argument("--date", help="YYYY-MM-DD (default: today)")
    sy.add_argument("--prune", action="store_true", help="drop entries of clauses that no longer exist")
    pg = cmds.add_parser("page", help="write the book's review page")
    pg.add_argument("--out", default=str(GENERATED_PAGE))
    rv.set_defaults(run=run)


def run(args) -> int:
    try:
        return _run(args)
    except ReviewError as e:
        print(error_line(e), file=sys.stderr)
        return 2


def _run(args) -> int:
    cmd = args.review_command
    if cmd == "status":
        exercised = load_exercised()
        if args.policy and args.policy not in policy_ids():
            raise ReviewError("error.review_policy", got=repr(args.policy), allowed=", ".join(policy_ids()))
        pids = [args.policy] if args.policy else policy_ids()
        table = [(pid, s) for pid, s in status_table(exercised) if pid in pids]
        clauses = [(pid, clause_rows(pid, exercised)) for pid in pids] if args.clauses else None
        print(format_status(table, exercised is not None, clauses))
        return 0
    if cmd == "show":
        print(show(args.clause))
        return 0
    if cmd == "sync":
        added, orphans = sync(_date(args.date), prune=args.prune)
        print(f"added {len(added)} draft entries" + "".join(f"\n  {cid}" for cid in added))
        if orphans:
            print(("pruned" if args.prune else "entries for clauses that no longer exist (use --prune to drop)")
                  + "".join(f"\n  {cid}" for cid in orphans))
        return 0
    if cmd == "page":
        write_page(Path(args.out))
        return 0
    entry = record(args.clause, args.review_status, args.reviewer, _date(args.date), args.note,
                   tuple(args.question), getattr(args, "resolve", False), getattr(args, "accept_open", None))
    print(f"{entry['clause']}: {entry['status']} by {printable(entry['reviewer'])} on {entry['date']} "
          f"fingerprint {short(entry['fingerprint'])}")
    return 0
