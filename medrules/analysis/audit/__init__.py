"""The settlement audit (`python -m medrules audit`): what each fund recorded against what the policy's rules give.

    findings   per record and layer: recorded, computed from the record's own earlier layers as recorded (the
               engine's audit mode, medrules/core/recorded.py), the difference, the clause, what the finding is
    summary    the findings by layer × group × institution × month, the largest cases, the printed summary
    fit        which option of each reading the records follow
    command    the whole command: read, audit, fit, write every file together, print
    synthetic  a seeded regional export in the national layout with a known list of planted discrepancies

Part of the analysis layer: may import medrules.tables, medrules.rules and medrules.core; nothing that presents
(the workbook and the chart are written by medrules.publish.audit_files, handed in by the command line)."""
