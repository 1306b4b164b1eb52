"""Interactive calculators for notebooks and workshops: inputs in, each layer's share, a chart and the trace out.

- `Calculator(policy_id)`: one person, one or more claims, one policy. Presets named after real situations,
  input checks shown as a message (never a traceback), a share chart, each layer's amount beside its clause, and
  an export of the scenario and result (the CLI's JSON format, plus CSV).
- `Comparison()`: the same person and claims under every claim policy side by side (medrules/analysis/compare.py, the same
  columns as `python -m medrules compare`): each starts from the book's illustrative inputs, shown as 假设; a
  partial result says in the cell what it needs; a policy not in force on the dates says so in its column.
- `CaseDeck()`: the casebooks' hand-worked cases (or an uploaded YAML), stepped through, expected beside computed.
- `Targets()`, `SchemeCheck()`, `ReformDemo()`: the Zhejiang 2022 targets for a population, a local scheme against
  the Zhejiang 2019 floors, and a reform's cost on a seeded synthetic population.

Staff type amounts as they write them (20万, 2.5万元, 1,000, full-width digits: `parse_amount`) and dates as
YYYY-MM-DD text; results update as they type (debounced), and every message is a sentence from the catalogue.

Outputs are set on the widgets themselves (`.outputs = ()` + `append_display_data`, or an HTML widget's value),
never captured with `with out:`, so the result is the same with or without a front end listening: in JupyterLab,
Voilà, nbval and a plain script. The chart is plain HTML (no image to encode), so a change redraws at once.

The modules, each importing only those above it:

    forms        reading what staff type (parse_amount, parse_date, FormProblem), the amount and date boxes
    presets      Preset, PRESETS, GENERIC_PRESETS, presets_for, the workshop's example inputs (WORKSHOP_INPUTS)
    claim_rows   one claim's controls (ClaimRow, CLAIM_LABELS: slip amounts that follow the cost until typed over,
                 slips above the cost refused beside the boxes) and a policy's open inputs (PolicyInputs, 示例)
    controls     which facts a policy's rules read (a control none reads is not shown) and what 险种 changes
    render       the engine's answer or refusal as a sentence (run, refusal, hint), the share bar, the result,
                 claims and trace as HTML, the policy's status banner
    exports      exports: JSON a reviewer checks with the CLI, .xlsx and CSV for staff, written under EXPORT_DIR
    form         the form both calculators share (Form: person, claims as tabs, presets, typing debounced)
    calculator   Calculator: keeps the last answer, greyed, while the input cannot be used
    comparison   Comparison
    cases        CaseDeck, read_cases, case_rows
    population   the population dashboards' common parts, Targets and SchemeCheck
    reform       ReformDemo

The names notebooks, the workshop, tests and benchmarks import are re-exported here
(`from medrules.publish.widgets import Calculator`)."""
from __future__ import annotations

from ...analysis.compare import claim_policies, encoded_policies
from .calculator import Calculator
from .cases import CaseDeck, case_rows, read_cases
from .claim_rows import CLAIM_LABELS, ClaimRow, PolicyInputs
from .comparison import Comparison
from .exports import HEADS, result_csv_rows, result_json, xlsx_bytes
from .forms import AmountText, DateText, FormProblem, parse_amount, parse_date
from .population import SchemeCheck, Targets
from .presets import GENERIC_PRESETS, PRESETS, WORKSHOP_INPUTS, Preset, presets_for
from .reform import ReformDemo
from .render import KEYS, claims_html, refusal, result_html, share_bar, share_legend, trace_html

__all__ = [
    "Calculator", "Comparison", "CaseDeck", "Targets", "SchemeCheck", "ReformDemo",
    "FormProblem", "parse_amount", "parse_date", "AmountText", "DateText",
    "Preset", "PRESETS", "GENERIC_PRESETS", "WORKSHOP_INPUTS", "presets_for",
    "ClaimRow", "PolicyInputs", "CLAIM_LABELS",
    "KEYS", "refusal", "share_bar", "share_legend", "result_html", "claims_html", "trace_html",
    "result_json", "result_csv_rows", "xlsx_bytes", "HEADS", "read_cases", "case_rows",
    # the claim policies the dashboards cover (workshop/make_dashboards.py and benchmarks/bench_widgets.py import
    # them from here)
    "claim_policies", "encoded_policies",
]
