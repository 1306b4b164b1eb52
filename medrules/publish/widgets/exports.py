"""Exports a reviewer can check with the CLI: the result as `python -m medrules evaluate` prints it
(`result_json`), per claim and total as CSV for staff (`result_csv_rows`, `csv_text`: Chinese heads above the
codes), written side by side under EXPORT_DIR and offered as downloads, never over another file (`write_exports`)."""
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


# CSV column heads for staff (first row) above the codes (second row), which scripts and reviewers match on.
CSV_HEADS = {
    "policy": "政策", "policy_name": "政策名称", "category": "人员类别", "insurance": "险种", "claim": "就医",
    "date": "日期", "setting": "就医类型", "policy_range_cost": "政策范围内费用",
    **{k: text(f"layer.{k}", "zh") for k in KEYS},
    "note": "说明", "policy_status": "政策状态",
}


def _person_zh(person: dict) -> str:
    codes = person.get("statuses") or ([person["category"]] if person.get("category") else [])
    return "、".join(CATEGORIES.get(c, (c,))[0] for c in codes) or CATEGORIES["general"][0]


def result_csv_rows(policy: str, scenario: dict, result=None, error: str | None = None) -> list[dict]:
    """Per claim and total, one dict per row keyed by the codes; labels in Chinese (the heads: CSV_HEADS)."""
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
        return [{**base, "claim": "", "date": "", "setting": "", "policy_range_cost": "",
                 **{k: "" for k in KEYS}, "note": zh, **status}]
    rows = [{**base, "claim": c["claim"] + 1, "date": c["date"], "setting": SETTINGS[c["setting"]][0],
             "policy_range_cost": f"{c['policy_range_cost']:.2f}", **{k: _csv_amount(c[k]) for k in KEYS},
             "note": "" if c.get("in_force", True) else text("workshop.claim_outside", "zh", n=c["claim"] + 1,
                                                              date=c["date"]), **status} for c in result.claims]
    cost = sum((c["policy_range_cost"] for c in result.claims), Decimal(0))
    rows.append({**base, "claim": "合计", "date": "", "setting": "", "policy_range_cost": f"{cost:.2f}",
                 **{k: _csv_amount(result.totals[k]) for k in KEYS},
                 "note": "" if result.complete else text("workshop.partial", "zh"), **status})
    return rows


def _csv_amount(value) -> str:
    return text("partial.undetermined", "zh") if value is None else f"{value:.2f}"


def csv_text(rows: list[dict]) -> str:
    """Chinese heads in the first row, the codes in the second, then the rows."""
    buf = io.StringIO()
    names = list(rows[0])
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([CSV_HEADS.get(n, n) for n in names])
    writer.writerow(names)
    writer.writerows([[r.get(n, "") for n in names] for r in rows])
    return buf.getvalue()


_EXPORT_COUNTER = itertools.count(1)


def write_exports(stem: str, files: dict) -> tuple[str, dict]:
    """Write {suffix: (text, mime)} as <stem>-<time to the µs>-<n><suffix> in EXPORT_DIR, never over an existing
    file (opened with "x"; a clash takes the next number). Returns (HTML with the file names as download links,
    {suffix: path}); the page never shows a server path."""
    EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    while True:
        unique = f"{stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}-{next(_EXPORT_COUNTER)}"
        paths = {suffix: EXPORT_DIR / f"{unique}{suffix}" for suffix in files}
        written = []
        try:
            for suffix, (body, _mime) in files.items():
                # CSV with a byte-order mark, so that Excel opens the Chinese text correctly.
                data = ("\ufeff" + body if suffix.endswith(".csv") else body).encode("utf-8")
                with open(paths[suffix], "xb") as f:
                    f.write(data)
                written.append(paths[suffix])
            break
        except FileExistsError:
            for path in written:  # only files this call created
                path.unlink()
    items = []
    for suffix, (body, mime) in files.items():
        data = ("\ufeff" + body if suffix.endswith(".csv") else body).encode("utf-8")
        uri = f"data:{mime};charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
        name = html.escape(paths[suffix].name)
        items.append(f"<li><a class='medrules-export-file' download='{name}' href='{uri}'>{name}</a></li>")
    zh, en = msg("workshop.exported")
    return (f"<div class='medrules-export'>{zh} <span style='color:#555'>{en}</span>"
            f"<ul style='margin:2px 0'>{''.join(items)}</ul></div>", paths)
