"""A policy's status on the build date in the book: the banner that opens each policy page and the landing page's
table of every policy (marks from medrules.core.status.policy_status), with what a reader should weigh on a page."""
from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import yaml

from ...core.messages import html, pair
from ...core.policy import load_policy, policy_ids
from ...core.status import policy_status
from .pages import REPO, policy_page


def status_banner_html(policy_id: str, today: dt.date | None = None) -> str:
    """The banner that opens a policy page (injected when the page is written, so stored outputs stay as they
    are): the status marks, the document number and dates, and a report's caveats."""
    st = policy_status(policy_id, today)
    marks = " · ".join(pair(zh, en) for zh, en in st["marks"])
    details = "；".join(pair(zh, en) for zh, en in st["details"])
    caveats = "".join(f'<p class="medrules-status-caveat">{pair(zh, en)}</p>' for zh, en in st["caveats"])
    as_of = html("status.as_of", date=st["as_of"].isoformat())
    return (f'<div class="medrules-status medrules-status-{st["key"]}" role="note">'
            f'<p class="medrules-status-marks"><strong>{marks}</strong></p>'
            f'<p class="medrules-status-details">{details}</p>{caveats}'
            f'<p class="medrules-status-asof">{as_of}</p></div>')


def rules_module_exists(policy_id: str) -> bool:
    return importlib.util.find_spec("medrules.rules." + policy_id.replace("-", "_")) is not None


def status_table(today: dt.date, root: Path = REPO) -> str:
    """Markdown: one row per policy in policies/, with its status on `today` (marks from policy_status)."""
    rows = ["| 政策 <span lang=\"en\">policy</span> | 状态 <span lang=\"en\">status</span> "
            "| 来源与日期 <span lang=\"en\">source and dates</span> "
            "| 假设 / 解读 / 案例 <span lang=\"en\">assumptions / readings / cases</span> |", "|---|---|---|---|"]
    for pid in policy_ids():
        meta = load_policy(pid).meta
        st = policy_status(pid, today)
        page = policy_page(pid, root)
        name = f"[{meta['place']['zh']} · {meta['title']['zh']}](/notebooks/{page.name})" if page \
            else f"{meta['place']['zh']} · {meta['title']['zh']}"
        name += f' <span lang="en">{meta["place"]["en"]}</span>'
        marks = " · ".join(f'<strong class="medrules-mark medrules-mark-{st["key"]}">{pair(zh, en)}</strong>'
                           for zh, en in st["marks"])
        source = [pair(*st["source"]), *(pair(zh, en) for zh, en in st["details"])]
        if not rules_module_exists(pid):
            source.append(html("banner.rules_not_encoded"))
        rows.append(f"| {name} | {marks} | {'；'.join(source)} | {' / '.join(map(str, review_counts(pid, root)))} |")
    return "\n".join(rows)


def review_counts(policy_id: str, root: Path = REPO) -> tuple[int, int, int]:
    """What a reader should weigh on a policy page: how many `Assumption` lines its notebook flags, how many
    readings of the text are encoded (policies/<id>/readings.yaml), how many hand-worked cases its casebook has."""
    from ...core.readings import readings
    notebook = root / "notebooks" / f"{policy_id}.py"
    assumptions = (sum(1 for line in notebook.read_text(encoding="utf-8").splitlines()
                       if re.match(r"^# (假设 )?Assumption\b", line)) if notebook.exists() else 0)
    cases_file = root / "policies" / policy_id / "cases.yaml"
    raw = yaml.safe_load(cases_file.read_text(encoding="utf-8")) if cases_file.exists() else None
    cases = len(raw.get("cases") or []) if isinstance(raw, dict) else len(raw or [])
    return assumptions, len(readings(policy_id)), cases
