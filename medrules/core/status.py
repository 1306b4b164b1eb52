"""A policy's status on a date, from its policy.yaml alone: in force, expired since, not yet in force, known only
from a news report, machine translation; with the document number, dates and caveats. One source for the book's
banners and tables, the calculators' columns and the `source` of every evaluate result; and a policy's short name
with its status mark, which every comparison column and chart label carries."""
from __future__ import annotations

import datetime as dt

from .messages import msg, text
from .policy import load_policy

# How a source counts: an official full text can be in force or expired; a report only reports a policy.
# Values: the catalogue key of the source kind (medrules/messages.yaml).
REPORT_KINDS = {
    "news-report": "source.news_report",
    "press-conference-report": "source.press_conference_report",
    "machine-translation": "source.machine_translation",
}


def policy_status(policy_id: str, today: dt.date | None = None) -> dict:
    """A policy's status on a date, from its policy.yaml alone: the one source for the policy pages' banners, the
    landing table, the comparison's column marks and the benefit tables.

    Returns {"key": in-force | expired | not-yet | reported | unknown, "marks": [(zh, en)] (a report in machine
    translation has two), "details": [(zh, en)] (document number, dates), "caveats": [(zh, en)],
    "document_number", "start", "end", "since" (first day expired, or None), "source": (zh, en), "as_of"}."""
    today = today or dt.date.today()
    meta = load_policy(policy_id).meta
    dates = meta.get("dates") or {}
    start, end = dates.get("in_force_from"), dates.get("in_force_to")
    kind = meta.get("source_kind") or ""
    number = meta.get("document_number")
    marks, details, caveats, since = [], [], [], None
    details.append(msg("banner.document_number", number=number) if number else msg("banner.no_document_number"))
    if kind in REPORT_KINDS:
        key = "reported"
        marks.append(msg("status.reported"))
        caveats.append(msg("banner.report_caveat"))
        if kind == "machine-translation":
            marks.append(msg("status.machine_translation"))
            caveats.append(msg("banner.translation_caveat"))
        when = dates.get("report") or dates.get("press_conference")
        if when:
            details.append(msg("banner.reported_on", date=when))
        validity = meta.get("validity") or {}
        if validity:
            details.append((text("banner.stated_period", "zh", period=validity.get("zh", "")),
                            text("banner.stated_period", "en", period=validity.get("en") or validity.get("zh", ""))))
    else:
        if start and today < start:
            key = "not-yet"
            marks.append(msg("status.not_yet", start=start))
        elif end and today > end:
            key, since = "expired", end + dt.timedelta(days=1)
            marks.append(msg("status.expired", since=since))
        elif start or end:
            key = "in-force"
            marks.append(msg("status.in_force"))
        else:
            key = "unknown"
            marks.append(msg("status.unknown"))
        if start or end:
            open_end = msg("banner.open_end")
            details.append((text("banner.in_force_period", "zh", start=start or "?", end=end or open_end[0]),
                            text("banner.in_force_period", "en", start=start or "?", end=end or open_end[1])))
    source = msg(REPORT_KINDS.get(kind, "source.official_full_text"))
    return {"key": key, "marks": marks, "details": details, "caveats": caveats, "document_number": number,
            "start": start, "end": end, "since": since, "source": source, "as_of": today}


def status_mark(policy_id: str, today: dt.date | None = None) -> str:
    """The status in a few characters, for a column or chart label: 〔已失效（自2026-01-01起）〕."""
    return "〔" + "·".join(zh for zh, _ in policy_status(policy_id, today)["marks"]) + "〕"


def short_name(policy_id: str) -> str:
    meta = load_policy(policy_id).meta
    return f"{meta['place']['zh']} {meta['place']['en']}"


def marked_name(policy_id: str, today: dt.date | None = None) -> str:
    """A policy's short name with its status mark: every comparison column and chart label carries it."""
    return f"{short_name(policy_id)}{status_mark(policy_id, today)}"
