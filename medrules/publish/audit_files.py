"""The audit's files staff open: the workbook (.xlsx, openpyxl) and the chart (PNG, matplotlib).

The workbook: Chinese heads with the English beside, in bold, frozen; amounts as numbers shown with two decimals and
thousands separators (exact Decimal values, never floats); one sheet per view — by layer, group, institution and
month, the cells with a difference, the largest cases, the readings and the institutions that follow another, and
the records not audited because they contradict themselves."""
from __future__ import annotations

from decimal import Decimal

from ..analysis.audit.fit import ReadingFit
from ..analysis.audit.report import institution_name, layer_name
from ..analysis.audit.summary import AMOUNTS, FIGURES, Summary
from ..core.messages import both, text
from ..core.readings import readings as reading_specs
from ..core.textwidth import width

ROLLUP_COLUMNS = FIGURES + ("largest_over_row", "largest_over", "largest_under_row", "largest_under")
CASE_COLUMNS = ("row", "person_id", "institution", "date", "group", "layer", "recorded", "computed", "difference",
                "kind", "clause")
FIT_COLUMNS = ("reading", "layers", "option", "words", "selected", "followed", "compared", "reproduced", "decisive",
               "reproduced_decisive", "fits_no_option")


def head(name: str) -> str:
    return both(f"audit.head.{name}")


def _value(name: str, value):
    if name in AMOUNTS and value is not None:
        return Decimal(int(value)).scaleb(-2)
    if name == "layer":
        return f"{layer_name(value, 'zh')} {value}"
    if name == "institution":
        return institution_name(value, "zh")
    if name == "kind":
        return both(f"audit.finding.{value}")
    if isinstance(value, bool):
        return "✓" if value else ""
    return value


def _sheet(book, key: str, columns, rows: list[dict], note: str | None = None):
    """One sheet of a write-only workbook (streamed: a large audit's cells are written without a cell object each):
    the widths from the values, the heads in bold and frozen, amounts with two decimals."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    sheet = book.create_sheet(text(key, "zh") + " " + text(key, "en"))
    values = [[_value(c, row.get(c)) for c in columns] for row in rows]
    heads = [head(c) for c in columns]
    for i, name in enumerate(columns):
        longest = max((width(str(v[i])) for v in values if v[i] is not None), default=0)
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(10, longest + 2, width(heads[i]) // 2 + 2),
                                                                      60)
    sheet.freeze_panes = "A3" if note else "A2"
    if note:
        sheet.append([note])
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    cells = []
    for h in heads:
        cell = WriteOnlyCell(sheet, h)
        cell.font, cell.alignment = bold, wrap
        cells.append(cell)
    sheet.append(cells)
    amounts = [i for i, c in enumerate(columns) if c in AMOUNTS]
    for v in values:
        for i in amounts:
            if v[i] is not None:
                cell = WriteOnlyCell(sheet, v[i])
                cell.number_format = "#,##0.00"
                v[i] = cell
        sheet.append(v)
    return sheet


def write_workbook(s: Summary, fits: list[ReadingFit], path) -> None:
    """Every view of the audit as one workbook at `path`."""
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    _sheet(book, "audit.sheet.layers", ("layer",) + ROLLUP_COLUMNS, s.rollups["layer"])
    for by, key in (("group", "audit.sheet.groups"), ("institution", "audit.sheet.institutions"),
                    ("month", "audit.sheet.months")):
        _sheet(book, key, (by,) + ROLLUP_COLUMNS, s.rollups[by])
    keys = list(s.cells)
    n = len(s.cells["layer"])
    shown = [i for i in range(n)
             if s.cells["over_count"][i] or s.cells["under_count"][i] or s.cells["undetermined"][i]]
    shown.sort(key=lambda i: (-int(s.cells["over_sum"][i]) - int(s.cells["under_sum"][i]), i))
    _sheet(book, "audit.sheet.cells", keys, [{k: _plain(s.cells[k][i]) for k in keys} for i in shown],
           note=both("audit.sheet.cells_note"))
    _sheet(book, "audit.sheet.largest", CASE_COLUMNS, s.largest)
    _sheet(book, "audit.sheet.readings", FIT_COLUMNS, _fit_rows(s.policy_id, fits))
    _sheet(book, "audit.sheet.institution_readings", ("reading", "institution", "option", "decisive", "reproduced"),
           [{"reading": r.reading, "institution": inst, "option": option, "decisive": decisive, "reproduced": fits_}
            for r in fits for inst, option, decisive, fits_ in r.institutions])
    _sheet(book, "audit.sheet.problems", ("row", "reason"), [{"row": row, "reason": why} for row, why in s.problems])
    book.save(path)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _fit_rows(policy_id: str, fits: list[ReadingFit]) -> list[dict]:
    specs = reading_specs(policy_id)
    rows = []
    for r in fits:
        for o in r.options:
            option = specs[r.reading].options[o]
            rows.append({"reading": r.reading, "layers": "、".join(layer_name(k, "zh") for k in r.layers),
                         "option": o, "words": f"{option.zh} {option.en}", "selected": o == r.selected,
                         "followed": o == r.followed, "compared": r.compared, "reproduced": r.fits[o],
                         "decisive": r.decisive, "reproduced_decisive": r.fits_decisive[o],
                         "fits_no_option": r.no_fit})
    return rows


# --------------------------------------------------------------------------------------------------------------
# The book's tables (book/audit.md): the same views, amounts as text with two decimals
# --------------------------------------------------------------------------------------------------------------

def _shown(name: str, value) -> str:
    if name in AMOUNTS:
        return f"{Decimal(int(value)).scaleb(-2):,.2f}"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int):
        return f"{value:,}"
    return str(_value(name, value))


def frame(rows: list[dict], columns) -> object:
    """A pandas table for the book: the catalogue's heads, Chinese first; the first column names the rows. Shown as
    the book's other tables are (publish/display.page_frame): the English of heads and cells behind the switch."""
    import pandas as pd

    from .display import page_frame
    table = pd.DataFrame([{head(c): _shown(c, row.get(c)) for c in columns} for row in rows],
                         columns=[head(c) for c in columns])
    return page_frame(table.set_index(head(columns[0])))


def rollup_frame(s: Summary, by: str, rows: list[dict] | None = None):
    """One of the roll-ups (by layer, group, institution or month) with its figures."""
    return frame(s.rollups[by] if rows is None else rows, (by,) + FIGURES + ("largest_over", "largest_under"))


def largest_frame(s: Summary, n: int = 10):
    return frame(s.largest[:n], CASE_COLUMNS)


def fit_frame(policy_id: str, fits: list[ReadingFit]):
    return frame(_fit_rows(policy_id, fits), FIT_COLUMNS)


# --------------------------------------------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------------------------------------------

def chart_data(s: Summary, top: int = 10) -> dict:
    """The numbers behind the chart (yuan as float, for plotting only): over- and under-paid by institution (the
    `top` with the largest differences) and by month."""
    def pairs(by, rows):
        return [(institution_name(r[by], "zh") if by == "institution" else r[by],
                 float(Decimal(r["over_sum"]).scaleb(-2)), float(Decimal(r["under_sum"]).scaleb(-2))) for r in rows]
    institutions = sorted((r for r in s.rollups["institution"] if r["over_sum"] or r["under_sum"]),
                          key=lambda r: (-(r["over_sum"] + r["under_sum"]), r["institution"]))[:top]
    return {"institutions": pairs("institution", institutions), "months": pairs("month", s.rollups["month"])}


def audit_chart(s: Summary, top: int = 10):
    """Two panels, one above the other at the book's chart width (readable on a phone): over-paid (right) and
    under-paid (left) by institution, and both by month."""
    from .charts import CHART_WIDTH, LAYER_COLOURS, plt
    from matplotlib.ticker import StrMethodFormatter
    data = chart_data(s, top)
    height = 4.2 + 0.32 * max(len(data["institutions"]), 6)
    fig, (by_inst, by_month) = plt.subplots(2, 1, figsize=(CHART_WIDTH, height), layout="constrained")
    over, under = LAYER_COLOURS["medical_assistance"], LAYER_COLOURS["basic_insurance"]
    names = [n for n, _, _ in data["institutions"]]
    by_inst.barh(names, [o for _, o, _ in data["institutions"]], color=over, label=both("audit.chart.over"))
    by_inst.barh(names, [-u for _, _, u in data["institutions"]], color=under, label=both("audit.chart.under"))
    by_inst.axvline(0, color="black", linewidth=0.6)
    by_inst.invert_yaxis()
    by_inst.set_title(both("audit.chart.by_institution", n=len(names)), fontsize=10)
    months = [m for m, _, _ in data["months"]]
    by_month.bar(months, [o for _, o, _ in data["months"]], color=over)
    by_month.bar(months, [-u for _, _, u in data["months"]], color=under)
    by_month.axhline(0, color="black", linewidth=0.6)
    by_month.set_title(both("audit.chart.by_month"), fontsize=10)
    by_month.tick_params(axis="x", labelrotation=90, labelsize=8)
    for ax in (by_inst, by_month):
        axis = ax.xaxis if ax is by_inst else ax.yaxis
        axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    by_inst.set_xlabel(both("audit.chart.yuan"))
    by_month.set_ylabel(both("audit.chart.yuan"))
    fig.suptitle(both("audit.chart.title"))
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig


def save_audit_chart(s: Summary, path) -> None:
    """The chart as a PNG at `path` (audit --chart)."""
    from .charts import plt
    fig = audit_chart(s)
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


__all__ = ["write_workbook", "chart_data", "audit_chart", "save_audit_chart", "head", "frame", "rollup_frame",
           "largest_frame", "fit_frame"]
