"""The clause review workflow: what a clause's approval covers (its fingerprint: text, values, dates, readings,
casebook and the code that runs it), the ledger of approvals in reviews/, which rules the tests exercised, and the
book's review page.

    clauses      the repository, ReviewError, a clause by ID and the rule functions that encode it
    fingerprint  what an approval covers: the clause's parts, its rules' code and the engine code they run
    ledger       reviews/<id>.yaml read, validated, locked and written atomically; stale computed; snapshots and diffs
    actions      review actions: sync (a draft entry per clause) and record (approve, dispute, request, reopen)
    exercised    measured examples: which rule functions the casebooks (run now) and the tests called
    reports      one row per clause, the status figures and the next step (`review status`), a clause's interpretation
    sheet        the review sheet of one clause (`review show [--full]`) and what changed since its approval (`review
                 diff`)
    page         the book's review page and live badges (a Sphinx extension named in _config.yml)

May import every layer below it (publish, analysis, tables, rules, core); only the command line imports it
(medrules/cli/review.py: the `review` command)."""
