"""Plain text for a terminal where a Chinese character takes two columns: its width, padding to a column, and
wrapping a paragraph of Chinese and English at a width (the review sheet, the status table, the CLI's help)."""
from __future__ import annotations

import re
import unicodedata


def width(text: str) -> int:
    """Columns the text takes in a terminal: wide and full-width characters (汉字, ，) count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """The text padded with spaces to `columns` (on the left when `right`: numbers line up)."""
    gap = " " * max(0, columns - width(text))
    return gap + text if right else text + gap


# A Latin word (with what sticks to it) stays whole; a CJK character or punctuation mark may end a line anywhere.
_TOKEN = re.compile(r"[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+\s*|\s+|.")


# Punctuation a line may not start with (Chinese typesetting): it stays on the line before, a column or two over.
_NO_LINE_START = set("，。、；：？！）」』”’》〕】,.;:?!)]")
_NO_LINE_END = set("（「『“‘《〔【([")  # and these may not end one: they move to the next


def wrap(text: str, columns: int = 100, indent: str = "", hanging: str | None = None) -> list[str]:
    """A paragraph as lines of at most `columns` (Chinese counted double), the first led by `indent`, the others
    by `hanging` (default: the same). Whitespace runs become one space; an over-long word gets a line of its own;
    a closing mark (，。）」…) never starts a line."""
    hanging = indent if hanging is None else hanging
    lines, line, used = [], indent, width(indent)
    for token in _TOKEN.findall(" ".join(text.split())):
        size = width(token.rstrip())
        if used + size > columns and line.strip() and token[0] not in _NO_LINE_START:
            carried = line[-1] if line[-1] in _NO_LINE_END and line[:-1].strip() else ""
            lines.append(line[:len(line) - len(carried)].rstrip())
            line, used = hanging + carried, width(hanging + carried)
            token = token.lstrip()
            if not token:
                continue
        line += token
        used += width(token)
    if line.strip():
        lines.append(line.rstrip())
    return lines or [indent.rstrip()]
