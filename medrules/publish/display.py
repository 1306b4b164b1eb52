"""Tables and lines as a Chinese-only reader of the book sees them (issue 23): every label Chinese first, its English
in a `<span lang="en">` that the book's language switch hides, yes/no as 是/否, amounts right-aligned — never a
Python value (`False`, a quoted string) or an English-only header.

`PageFrame` is a pandas DataFrame (so notebooks index and assert on it as before) whose page form is such a table;
`page_frame(df)` turns any frame into one. `outcome_table` shows what happened to a list of attempts (a date in force
or refused, a value accepted or refused) as sentences, instead of printed lines.

Labels are written once, "中文 English" or "中文 · English" (the column names of the worked examples), and split
here (a cell written `like_this`, in backticks, is a machine name and shown as code): `split_pair("医疗救助 medical assistance") == ("医疗救助", "medical assistance")`.
"""
from __future__ import annotations

import re
from decimal import Decimal
from html import escape

import pandas as pd

from ..core.messages import both, catalogue, html, pair
from ..core.money import fmt_yuan

SEP = " · "  # between the Chinese and the English of a label written as one string
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]")
_AMOUNT = re.compile(r"^(≤ )?-?\d{1,3}(,\d{3})*\.\d{2}( 元)?$")


def split_pair(label) -> tuple[str, str]:
    """(Chinese, English) of a label written as one string: "中文 · English", "中文 English" or "English 中文"
    (the words with Chinese characters are the Chinese; the rest the English). A label in one language only (no
    Latin letter, or no Chinese character) is that language in both halves (pair() then shows it once)."""
    if isinstance(label, tuple) and len(label) == 2:
        return str(label[0]), str(label[1])
    label = str(label)
    if not _CJK.search(label) or not _LATIN.search(label):
        return label, label
    if SEP in label:
        zh, en = label.rsplit(SEP, 1) if _CJK.search(label.rsplit(SEP, 1)[0]) else label.split(SEP, 1)
        if _CJK.search(zh) and not _CJK.search(en):
            return zh.strip(), en.strip()
    words = label.split(" ")
    zh = [w for w in words if _CJK.search(w)]
    en = [w for w in words if not _CJK.search(w)]
    return " ".join(zh), " ".join(en)


def label_html(label) -> str:
    if hasattr(label, "zh") and hasattr(label, "en"):
        return pair(label.zh, label.en)
    zh, en = split_pair(label)
    return pair(zh, en)


# Words the engine and the casebook write in both languages (money.shown, casebook._figure): shown switchable.
_KNOWN_KEYS = ("partial.undetermined", "partial.yes", "partial.no", "value.true", "value.false")


def _known() -> dict:
    return {both(k): html(k) for k in _KNOWN_KEYS if k in catalogue()}


def cell_html(value) -> str:
    """One cell: yes/no in words, amounts formatted, a "中文 · English" text switchable, anything else escaped."""
    import numpy as np
    if hasattr(value, "zh") and hasattr(value, "en"):  # a casebook Pair
        return _inline_code(pair(value.zh, value.en).replace("\n", "<br>"))
    if isinstance(value, (bool, np.bool_)):
        return html("value.true" if value else "value.false")
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, Decimal):
        return fmt_yuan(value)
    if isinstance(value, tuple) and len(value) == 2:
        return pair(str(value[0]), str(value[1]))
    text = str(value)
    if len(text) > 2 and text[0] == text[-1] == "`" and "`" not in text[1:-1]:  # `a_field`: a machine name
        return f"<code>{escape(text[1:-1])}</code>"
    known = _known()
    if text in known:
        return known[text]
    if SEP in text:
        zh, en = split_pair(text)
        if zh != en:
            return _inline_code(pair(zh, en).replace("\n", "<br>"))
    return _inline_code(escape(text).replace("\n", "<br>"))


def _inline_code(page_html: str) -> str:
    """`a_field` inside a cell's (escaped) text is a machine name: shown as code."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", page_html)


def _cell_class(value) -> str:
    return ' class="medrules-amount"' if _AMOUNT.match(str(value)) else ""


def frame_html(frame: pd.DataFrame, kind: str = "frame") -> str:
    """A DataFrame as a page table: headers and index labels split Chinese / English, cells as cell_html."""
    named_index = not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None
    columns = [_column_label(c) for c in frame.columns]
    head = ""
    if named_index:
        names = [n for n in (frame.index.names or []) if n is not None]
        head += f'<th class="medrules-index">{" / ".join(label_html(n) for n in names)}</th>'
    head += "".join(f"<th>{c}</th>" for c in columns)
    rows = []
    for key, row in zip(frame.index, frame.itertuples(index=False, name=None)):
        cells = ""
        if named_index:
            keys = key if isinstance(key, tuple) else (key,)
            cells += f'<th class="medrules-index">{" / ".join(label_html(k) for k in keys)}</th>'
        cells += "".join(f"<td{_cell_class(v)}>{cell_html(v)}</td>" for v in row)
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table class="dataframe medrules-table medrules-{kind}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _column_label(column) -> str:
    if isinstance(column, tuple):  # a MultiIndex column: its levels, each switchable
        return " / ".join(label_html(level) for level in column)
    return label_html(column)


def pairs_table(heads: list, rows: list[list], kind: str, classes: list | None = None) -> str:
    """A page table from labels and cells that may be zh/en pairs (casebook.Pair, (zh, en)) or plain values;
    `classes` gives a class per column (medrules-prose for sentences, medrules-code for machine names)."""
    classes = classes or [""] * len(heads)
    head = "".join(f'<th class="{c}">{label_html(h)}</th>' for h, c in zip(heads, classes))
    def td(value, cls):
        if cls == "medrules-code":  # a machine name: code, which a reader does not read as English
            return f'<td class="{cls}"><code>{cell_html(value)}</code></td>'
        return f'<td class="{cls}">{cell_html(value)}</td>' if cls else f"<td{_cell_class(value)}>{cell_html(value)}</td>"

    body = "".join("<tr>" + "".join(td(v, c) for v, c in zip(row, classes)) + "</tr>" for row in rows)
    return (f'<table class="dataframe medrules-table medrules-{kind}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


class PageFrame(pd.DataFrame):
    """A DataFrame that the book shows Chinese first (frame_html); its text form, and everything computed from it,
    stay a DataFrame's (so notebook assertions read it as before)."""

    @property
    def _constructor(self):
        return PageFrame

    def _repr_html_(self) -> str:
        return frame_html(self)


def page_frame(frame: pd.DataFrame) -> PageFrame:
    return PageFrame(frame)


class PageHTML:
    """HTML for a page with a plain-text form for the notebook's text/plain output (both stable)."""

    def __init__(self, page_html: str, plain: str):
        self.html, self.plain = page_html, plain

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.plain


def outcome_table(rows: list[tuple], heads: tuple = ("column.attempt", "column.outcome")) -> PageHTML:
    """What happened to each attempt, one row each: (what was tried, ok, detail). An accepted attempt reads 可以计算
    (with `detail`, a zh/en pair or a figure, after it); a refusal reads 拒绝计算 with the engine's own sentence (an
    InputError or PolicyError: its Chinese, the English behind the switch)."""
    body, plain = [], []
    for tried, ok, detail in rows:
        if ok:
            more_zh, more_en = ("", "") if detail is None else split_pair(detail)
            zh, en = ("可以计算" + (f"：{more_zh}" if more_zh else ""), "evaluated" + (f": {more_en}" if more_en else ""))
        else:
            why_zh, why_en = _refusal(detail)
            zh, en = f"拒绝计算：{why_zh}", f"refused: {why_en}"
        body.append(f"<tr><td>{label_html(tried)}</td><td class=\"medrules-prose\">{pair(zh, en)}</td></tr>")
        plain.append(f"{split_pair(tried)[0]}: {zh}")
    head = "".join(f"<th>{html(k)}</th>" for k in heads)
    return PageHTML(f'<table class="dataframe medrules-table medrules-outcomes"><thead><tr>{head}</tr></thead>'
                    f'<tbody>{"".join(body)}</tbody></table>', "\n".join(plain))


def _refusal(error) -> tuple[str, str]:
    """(zh, en) of a refusal: an InputError or PolicyError carries both; plain text is the same in both."""
    if isinstance(error, tuple):
        return error
    zh = getattr(error, "zh", None)
    return (zh or str(error)), str(error)


def try_outcome(tried, run, shown=None) -> tuple:
    """(tried, True, shown(what run() returned) or None) or (tried, False, the error) for outcome_table; only the
    engine's input and policy refusals are caught."""
    from ..core.policy import PolicyError
    from ..core.scenario import InputError
    try:
        value = run()
    except (InputError, PolicyError) as e:
        return tried, False, e
    return tried, True, (shown(value) if shown else None)
