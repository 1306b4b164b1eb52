"""The review's ground: the repository it works in, its error (ReviewError), and the clauses with their rule
functions (a clause by ID, the policy's rule module, the rules that encode a clause).
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
import re
import sys
from pathlib import Path

from ..core.messages import Problem, catalogue, problem_texts, text
from ..core.policy import POLICIES_DIR, Clause, Policy, load_policy, policy_ids

REPO = POLICIES_DIR.parent
CLAUSE_FORM = "<policy-id>/<path>, such as wenzhou-2021-78/3.3.9"


class ReviewError(Exception):
    """Bad input to a review command (unknown clause, bad date, missing reviewer): exit status 2. Given a catalogue
    key and its values, the message is built in Chinese (.zh) and English (str())."""

    def __init__(self, problem, /, **values):
        if isinstance(problem, str) and problem in catalogue():
            problem = Problem(problem, **values)
        self.zh, en = problem_texts(problem)
        super().__init__(en)


# --- the repository and the review's error --------------------------------------------------------------------------

def where_in_repo(path: Path) -> str:
    """A file as messages name it: relative to the repository, or as given when it is outside."""
    try:
        return path.resolve().relative_to(REPO.resolve()).as_posix()
    except ValueError:
        return str(path)


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
