"""Error lines as the command line prints them: `输入有误：<字段>：<中文> | error: <field>: <English>`."""
from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")
UNTRANSLATED = "暂无中文说明"  # the lead of a message the catalogue does not cover yet (medrules.core.messages.error_line)


def english_half(line: str) -> str:
    """The English after " | ", checking that a Chinese half comes first."""
    zh, sep, en = line.partition(" | ")
    assert sep and CJK.search(zh), line
    return en


def chinese_half(line: str) -> str:
    """The Chinese before " | ", checking that it is a real translation (not the untranslated lead)."""
    zh, sep, _ = line.partition(" | ")
    assert sep and CJK.search(zh) and UNTRANSLATED not in zh, line
    return zh
