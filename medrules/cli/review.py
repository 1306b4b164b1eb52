"""`python -m medrules review …`: the clause review ledger on the command line (status, show, diff, approve,
dispute, request, reopen, sync, page); a ReviewError is one line on stderr and exit status 2.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ..core.messages import error_line
from ..core.policy import policy_ids
from ..review.actions import record, sync
from ..review.clauses import ReviewError
from ..review.exercised import measured_examples
from ..review.fingerprint import short
from ..review.page import GENERATED_PAGE, write_page
from ..review.reports import clause_rows, format_status, next_steps, printable, summary
from ..review.sheet import diff, show
from .parsing import command, helptext


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReviewError("error.review_date", got=repr(text)) from None


def add_parser(sub) -> None:
    """Register `review` and its commands on the CLI's subparsers."""
    rv = command(sub, "review", "cli.review")
    cmds = rv.add_subparsers(dest="review_command", required=True, title=helptext("cli.section.commands"),
                             metavar="COMMAND")
    st = command(cmds, "status", "cli.review.status")
    st.add_argument("--clauses", action="store_true", help=helptext("cli.review.status.clauses"))
    st.add_argument("--policy", help=helptext("cli.review.status.policy"))
    sh = command(cmds, "show", "cli.review.show")
    sh.add_argument("clause", help=helptext("cli.review.clause"))
    sh.add_argument("--full", action="store_true", help=helptext("cli.review.show.full"))
    df = command(cmds, "diff", "cli.review.diff")
    df.add_argument("clause", help=helptext("cli.review.clause"))
    for name, status in (("approve", "approved"), ("dispute", "disputed"), ("request", "in-review"),
                         ("reopen", "draft")):
        p = command(cmds, name, f"cli.review.{name}")
        p.add_argument("clause", help=helptext("cli.review.clause"))
        p.add_argument("--reviewer", required=True, help=helptext("cli.review.reviewer"))
        p.add_argument("--date", help=helptext("cli.review.date"))
        p.add_argument("--note", help=helptext("cli.review.note"))
        p.add_argument("--question", action="append", default=[], help=helptext("cli.review.question"))
        if name == "approve":
            p.add_argument("--resolve", action="store_true", help=helptext("cli.review.resolve"))
            p.add_argument("--accept-open", metavar="WHY", help=helptext("cli.review.accept_open"))
        p.set_defaults(review_status=status)
    sy = command(cmds, "sync", "cli.review.sync")
    sy.add_argument("--date", help=helptext("cli.review.date"))
    sy.add_argument("--prune", action="store_true", help=helptext("cli.review.prune"))
    pg = command(cmds, "page", "cli.review.page")
    pg.add_argument("--out", default=str(GENERATED_PAGE), help=helptext("cli.review.page_out"))
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
        if args.policy and args.policy not in policy_ids():
            raise ReviewError("error.review_policy", got=repr(args.policy), allowed=", ".join(policy_ids()))
        pids = [args.policy] if args.policy else policy_ids()
        # "With examples" is measured now on the casebooks (about a second), plus the last full test run if any.
        examples, tests_known = measured_examples(pids)
        per_policy = [(pid, clause_rows(pid, examples)) for pid in pids]
        table = [(pid, summary(rows, True)) for pid, rows in per_policy]
        print(format_status(table, tests_known, per_policy if args.clauses else None, next_steps(per_policy)))
        return 0
    if cmd == "show":
        print(show(args.clause, full=args.full))
        return 0
    if cmd == "diff":
        print(diff(args.clause))
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
