"""The clause review workflow: what a clause's approval covers (its fingerprint: text, values, dates, readings,
casebook and the code that runs it), the ledger of approvals in reviews/, which rules the tests exercised, and the
book's review page.

May import every layer below it (publish, analysis, tables, rules, core); only the command line imports it."""
