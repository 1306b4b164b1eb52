"""`python -m medrules review …`: the clause review ledger on the command line (status, show, approve, dispute,
request, reopen, sync, page); a ReviewError is one line on stderr and exit status 2.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ..core.grammar import parse_date
from ..core.messages import error_line
from ..core.oneline import shown
from ..core.policy import policy_ids
from ..review.actions import record, sync
from ..review.clauses import CLAUSE_FORM, ReviewError
from ..review.exercised import load_exercised
from ..review.fingerprint import short
from ..review.page import GENERATED_PAGE, write_page
from ..review.reports import clause_rows, format_status, printable, show, status_table


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return parse_date(text)   # YYYY-MM-DD only, as every date (fromisoformat would also take 20260101)
    except ValueError:
        raise ReviewError("error.review_date", got=shown(text)) from None


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
            raise ReviewError("error.review_policy", got=shown(args.policy), allowed=", ".join(policy_ids()))
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
