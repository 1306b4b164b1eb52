"""One zh/en catalogue for every sentence a reader sees (medrules/messages.yaml).

    msg("status.expired", since="2026-01-01")   -> ("已失效（自2026-01-01起）", "Expired (since 2026-01-01)")
    text("layer.medical_assistance", "zh")        -> "医疗救助"
    html("status.in_force")                       -> '<span lang="zh">现行有效</span> <span lang="en">In force</span>'

The book's language switch (book/_static/medrules-lang.js) hides `[lang=en]` or `[lang=zh]`, so `html()` is the
form for pages; the CLI and the trace use `text()` or `msg()`. A missing key or placeholder raises at once rather
than printing half a sentence.
"""
from __future__ import annotations

import functools
import html as _html
import string
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("messages.yaml")
LANGS = ("zh", "en")


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    with open(CATALOGUE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(key: str, lang: str, **values) -> str:
    """The message in one language, its {placeholders} filled from `values`."""
    if lang not in LANGS:
        raise ValueError(f"lang: must be one of {', '.join(LANGS)}, got {lang!r}")
    try:
        template = catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"no message {key!r} in {CATALOGUE.name}") from None
    missing = placeholders(template) - values.keys()
    if missing:
        raise KeyError(f"message {key!r} needs {', '.join(sorted(missing))}")
    return template.format(**values)


def msg(key: str, **values) -> tuple[str, str]:
    """(zh, en) for a key."""
    return text(key, "zh", **values), text(key, "en", **values)


def both(key: str, sep: str = " ", **values) -> str:
    """Chinese then English in plain text, for places without HTML (a chart label, a CSV header)."""
    zh, en = msg(key, **values)
    return zh if zh == en else f"{zh}{sep}{en}"


def html(key: str, **values) -> str:
    """Chinese, then English in a `<span lang="en">` that the book's language switch can hide. Values are escaped."""
    safe = {k: _html.escape(str(v)) for k, v in values.items()}
    zh, en = msg(key, **safe)
    return pair(zh, en, escape=False)


def pair(zh: str, en: str, escape: bool = True) -> str:
    """Any zh/en pair as switchable HTML (for texts that come from policy data rather than the catalogue)."""
    if escape:
        zh, en = _html.escape(zh), _html.escape(en)
    if zh == en:
        return zh
    return f'<span lang="zh">{zh}</span> <span lang="en">{en}</span>'
