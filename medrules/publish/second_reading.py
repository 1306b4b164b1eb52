"""第二次阅读 The second reading: the casebook cases a reader worked from the seed alone, without the code (cases.yaml
`origin: second-reading`), and how each first disagreement with the engine ended (`disagreement.resolution`: fix,
reading or decision). The figures are counted from the casebook, so the page says what the file says."""
from __future__ import annotations

from html import escape

from ..core.messages import html, pair
from ..core.money import fmt_yuan
from ..core.rulebook import LAYER_LABELS
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


def shown_got(got: str) -> str:
    """What the engine gave before, as staff read it: "claim 0 further_relief null; total out_of_pocket 30000.00" →
    第1笔 倾斜救助/化解 待定；合计 个人自付 30,000.00 (English behind the switch); a refusal as 拒收 and its line."""
    from decimal import Decimal
    parts_zh, parts_en = [], []
    for part in got.split("; "):
        words = part.split()
        if len(words) == 4 and words[0] == "claim" and words[2] in LAYER_LABELS:
            where_zh, where_en, layer, value = f"第{int(words[1]) + 1}笔", f"claim {int(words[1]) + 1}", words[2], words[3]
        elif len(words) == 3 and words[0] == "total" and words[1] in LAYER_LABELS:
            where_zh, where_en, layer, value = "合计", "total", words[1], words[2]
        else:   # a refusal: the engine's one line
            return pair(f"拒收：{got}", f"refused: {got}")
        shown = "待定" if value == "null" else fmt_yuan(Decimal(value))
        parts_zh.append(f"{where_zh} {LAYER_LABELS[layer][0]} {shown}")
        parts_en.append(f"{where_en} {LAYER_LABELS[layer][1]} {'undetermined' if value == 'null' else shown}")
    return pair("；".join(parts_zh), "; ".join(parts_en))


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
            escape(case["name"]), f"<code>{escape(case['clause'])}</code>", shown_got(d["got"]),
            html(f"second_reading.{d['resolution']}"), pair(d["why"]["zh"], d["why"]["en"]))) + "</tr>")
    heads = "".join(f"<th>{html(f'second_reading.column.{key}')}</th>"
                    for key in ("case", "clause", "got", "resolution", "why"))
    return HTML(head + f'<table class="dataframe medrules-table medrules-second-reading"><thead><tr>{heads}</tr>'
                       f"</thead><tbody>{''.join(rows)}</tbody></table>")
