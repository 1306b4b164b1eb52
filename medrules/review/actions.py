"""Review actions: `sync` (a draft entry for every clause without one) and `record` (approve, dispute, request,
reopen), each a read-modify-write of the ledger under its lock, an approval with its snapshot.
"""
from __future__ import annotations

import datetime as dt

from ..core.messages import Problem
from ..core.oneline import needs_escape, shown
from ..core.policy import Clause, Policy, load_policy, policy_ids
from .clauses import ReviewError, module_name, resolve_clause, rule_functions
from .fingerprint import fingerprint, readings_for
from .ledger import STATUSES, ledger_lock, ledger_path, load_ledger, save_ledger, save_snapshot


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
    """Control characters (newlines, escapes, NUL …), line separators (U+2028), bidirectional controls (U+202E)
    and lone surrogates would break, reorder or corrupt the status table and the ledger's lines."""
    if value and any(needs_escape(ch) for ch in value):
        raise ReviewError("error.review_control_characters", option=option, got=shown(value))


def _one_line(note: dict) -> str:
    """A {zh, en} note on one line, Chinese first (an error line lists it)."""
    return " / ".join(" ".join(note[lang].split()) for lang in ("zh", "en"))


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
        raise ReviewError("error.review_status", allowed=", ".join(STATUSES), got=shown(status))
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
