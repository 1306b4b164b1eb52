"""Exports: the result as `python -m medrules evaluate` prints it (`result_json`), for a reviewer to check with the
CLI; per claim and total for staff (`result_csv_rows`) as an Excel workbook (`xlsx_bytes`: Chinese heads, amounts
as numbers with two decimals, undetermined amounts empty with the reason in a column of their own) and as CSV
(`csv_text`, the same columns, Chinese heads only); written side by side under EXPORT_DIR and offered as downloads,
never over another file (`write_exports`)."""
from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import itertools
import os
from decimal import Decimal
from pathlib import Path

from ...core.categories import CATEGORIES, INSURANCE_TYPES, SETTINGS
from ...core.messages import msg, text
from ...core.textwidth import width
from .render import KEYS, refusal

# Exports go to <repo>/workshop-exports (git-ignored) unless MEDRULES_EXPORT_DIR says otherwise.
EXPORT_DIR = Path(os.environ.get("MEDRULES_EXPORT_DIR") or Path(__file__).resolve().parents[3] / "workshop-exports")


def result_json(result) -> str:
    """Exactly what `python -m medrules evaluate scenario.json` prints for the same scenario."""
    from ...core.result_json import result_json as cli_json
    return cli_json(result.to_dict())


def _status_mark(policy: str) -> str:
    """The policy's status mark (〔已失效（自2026-01-01起）〕, 〔仅据新闻报道〕…), as on the book's pages: every
    comparison column and export carries it. Empty for a policy that cannot be loaded."""
    from ...core.status import status_mark
    try:
        return status_mark(policy)
    except Exception:  # noqa: BLE001  (an unknown policy already shows its own error)
        return ""


# Column heads for staff, in the order of the row dicts (the codes stay in the JSON files, for scripts).
HEADS = {
    "policy": "政策", "policy_name": "政策名称", "category": "人员类别", "insurance": "险种", "claim": "就医",
    "date": "日期", "setting": "就医类型", "policy_range_cost": "政策范围内费用",
    **{k: text(f"layer.{k}", "zh") for k in KEYS},
    "undetermined": "待定原因", "note": "说明", "policy_status": "政策状态",
}
AMOUNTS = ("policy_range_cost", *KEYS)   # numbers: exact Decimal in the rows, two decimals in the files


def _person_zh(person: dict) -> str:
    codes = person.get("statuses") or ([person["category"]] if person.get("category") else [])
    return "、".join(CATEGORIES.get(c, (c,))[0] for c in codes) or CATEGORIES["general"][0]


def _undetermined(policy: str, waiting: dict) -> str:
    """Why a row's empty amounts are empty: 大病保险：待定（需：结算单上的大病保险支付额）；…"""
    from ...analysis.compare import field_label
    return "；".join(f"{text(f'layer.{layer}', 'zh')}："
                    + text("benefit.undetermined", "zh", field=field_label(policy, why.get("field") or "?"))
                    for layer, why in waiting.items())


def result_csv_rows(policy: str, scenario: dict, result=None, error: str | None = None) -> list[dict]:
    """Per claim and total, one dict per row keyed by the codes (heads: HEADS): labels in Chinese, amounts as
    Decimal, None where undetermined (its reason in `undetermined`)."""
    from ...core.status import marked_name
    person = scenario["person"]
    try:
        name = marked_name(policy)
    except Exception:  # noqa: BLE001
        name = policy
    base = {"policy": policy, "policy_name": name, "category": _person_zh(person),
            "insurance": INSURANCE_TYPES.get(person["insurance"], (person["insurance"],))[0]}
    status = {"policy_status": _status_mark(policy).strip("〔〕")}
    if result is None:
        zh, _en = refusal(policy, error or "", scenario.get("claims"))
        return [{**base, "claim": "", "date": "", "setting": "", "policy_range_cost": None,
                 **{k: None for k in KEYS}, "undetermined": "", "note": zh, **status}]
    rows = [{**base, "claim": c["claim"] + 1, "date": c["date"], "setting": SETTINGS[c["setting"]][0],
             "policy_range_cost": c["policy_range_cost"], **{k: c[k] for k in KEYS},
             "undetermined": _undetermined(policy, c.get("undetermined") or {}),
             "note": "" if c.get("in_force", True) else text("workshop.claim_outside", "zh", n=c["claim"] + 1,
                                                              date=c["date"]), **status} for c in result.claims]
    cost = sum((c["policy_range_cost"] for c in result.claims), Decimal(0))
    waiting = {}
    for u in result.undetermined:
        waiting.setdefault(u["layer"], u)
    rows.append({**base, "claim": "合计", "date": "", "setting": "", "policy_range_cost": cost,
                 **{k: result.totals[k] for k in KEYS}, "undetermined": _undetermined(policy, waiting),
                 "note": "" if result.complete else text("workshop.partial", "zh"), **status})
    return rows


def _cell_text(name: str, value) -> str:
    if name in AMOUNTS:
        return "" if value is None else f"{value:.2f}"
    return "" if value is None else str(value)


def csv_text(rows: list[dict]) -> str:
    """The Chinese heads, then the rows: amounts as plain numbers with two decimals, undetermined ones empty."""
    buf = io.StringIO()
    names = list(rows[0])
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([HEADS.get(n, n) for n in names])
    writer.writerows([[_cell_text(n, r.get(n)) for n in names] for r in rows])
    return buf.getvalue()


def _xlsx_value(name: str, value):
    """A cell's value: amounts as exact Decimal numbers (None stays empty), dates as dates, the rest as text."""
    if name in AMOUNTS or value is None:
        return value
    if name == "date" and value:
        return dt.date.fromisoformat(str(value))
    return value


def _shown_in_sheet(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return f"{value:,.2f}"
    return str(value)


def xlsx_bytes(rows: list[dict], title: str = "结果") -> bytes:
    """The same table as an Excel workbook (openpyxl): Chinese heads in bold, frozen; amounts as numbers shown with
    two decimals and thousands separators (exact Decimal values, never floats); undetermined amounts empty, the
    reason in 待定原因; columns wide enough for their text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    book = Workbook()
    sheet = book.active
    sheet.title = title
    names = list(rows[0])
    sheet.append([HEADS.get(n, n) for n in names])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_xlsx_value(n, row.get(n)) for n in names])
    for i, name in enumerate(names, 1):
        letter = get_column_letter(i)
        for cell in sheet[letter][1:]:
            if name in AMOUNTS:
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        longest = max(width(_shown_in_sheet(c.value)) for c in sheet[letter])
        sheet.column_dimensions[letter].width = min(max(10, longest + 2), 60)
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


_EXPORT_COUNTER = itertools.count(1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_bytes(suffix: str, body) -> bytes:
    """A file's bytes: a workbook as it is; text as UTF-8, CSV with a byte-order mark so that Excel reads the
    Chinese correctly."""
    if isinstance(body, bytes):
        return body
    return ("\ufeff" + body if suffix.endswith(".csv") else body).encode("utf-8")


def staff_files(rows: list[dict]) -> dict:
    """The two files staff open: the workbook and the CSV of the same rows."""
    return {".xlsx": (xlsx_bytes(rows), XLSX), ".csv": (csv_text(rows), "text/csv")}


def write_exports(stem: str, files: dict) -> tuple[str, dict]:
    """Write {suffix: (text or bytes, mime)} as <stem>-<time to the µs>-<n><suffix> in EXPORT_DIR, never over an
    existing file (opened with "x"; a clash takes the next number). Returns (HTML with the file names as download
    links, {suffix: path}); the page never shows a server path."""
    EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    while True:
        unique = f"{stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}-{next(_EXPORT_COUNTER)}"
        paths = {suffix: EXPORT_DIR / f"{unique}{suffix}" for suffix in files}
        written = []
        try:
            for suffix, (body, _mime) in files.items():
                data = _file_bytes(suffix, body)
                with open(paths[suffix], "xb") as f:
                    f.write(data)
                written.append(paths[suffix])
            break
        except FileExistsError:
            for path in written:  # only files this call created
                path.unlink()
    items = []
    for suffix, (body, mime) in files.items():
        charset = "" if isinstance(body, bytes) else ";charset=utf-8"
        uri = f"data:{mime}{charset};base64," + base64.b64encode(_file_bytes(suffix, body)).decode("ascii")
        name = html.escape(paths[suffix].name)
        items.append(f"<li><a class='medrules-export-file' download='{name}' href='{uri}'>{name}</a></li>")
    zh, en = msg("workshop.exported")
    return (f"<div class='medrules-export'>{zh} <span style='color:#555'>{en}</span>"
            f"<ul style='margin:2px 0'>{''.join(items)}</ul></div>", paths)
