"""第二次阅读 The second reading: the casebook cases a reader worked from the seed alone, without the code (cases.yaml
`origin: second-reading`), and how each first disagreement with the engine ended (`disagreement.resolution`: fix,
reading or decision). The figures are counted from the casebook, so the page says what the file says."""
from __future__ import annotations

from html import escape

from ..core.messages import html, pair
from .casebook import casebook

RESOLUTIONS = ("fix", "reading", "decision")


def second_reading(policy_id: str) -> list[dict]:
    """The policy's cases from the second reading, in casebook order."""
    return [case for case in casebook(policy_id) if case.get("origin") == "second-reading"]


def second_reading_counts(policy_id: str) -> dict:
    """{cases, agreed (at the first run), fix, reading, decision}."""
    cases = second_reading(policy_id)
    ended = [case["disagreement"]["resolution"] for case in cases if case.get("disagreement")]
    unknown = set(ended) - set(RESOLUTIONS)
    if unknown:
        raise ValueError(f"{policy_id}: disagreement.resolution {sorted(unknown)}; allowed: {', '.join(RESOLUTIONS)}")
    return {"cases": len(cases), "agreed": len(cases) - len(ended), **{r: ended.count(r) for r in RESOLUTIONS}}


def second_reading_table(policy_id: str):
    """The counts in a sentence, then one row per disagreement: the case, what the engine gave before, how it ended
    and why (Chinese first, the English behind the book's language switch)."""
    from IPython.display import HTML
    n = second_reading_counts(policy_id)
    if not n["cases"]:
        return HTML(f"<p>{html('second_reading.none')}</p>")
    head = f"<p>{html('second_reading.summary', **n)}</p>"
    rows = []
    for case in second_reading(policy_id):
        d = case.get("disagreement")
        if not d:
            continue
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in (
            escape(case["name"]), f"<code>{escape(case['clause'])}</code>", escape(d["got"]),
            html(f"second_reading.{d['resolution']}"), pair(d["why"]["zh"], d["why"]["en"]))) + "</tr>")
    heads = "".join(f"<th>{html(f'second_reading.column.{key}')}</th>"
                    for key in ("case", "clause", "got", "resolution", "why"))
    return HTML(head + f'<table class="dataframe medrules-table medrules-second-reading"><thead><tr>{heads}</tr>'
                       f"</thead><tbody>{''.join(rows)}</tbody></table>")
