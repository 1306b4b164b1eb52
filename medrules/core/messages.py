"""One zh/en catalogue for every sentence a reader sees (medrules/messages.yaml).

    msg("status.expired", since="2026-01-01")   -> ("已失效（自2026-01-01起）", "Expired (since 2026-01-01)")
    text("layer.medical_assistance", "zh")        -> "医疗救助"
    html("status.in_force")                       -> '<span lang="zh">现行有效</span> <span lang="en">In force</span>'

The book's language switch (book/_static/medrules-lang.js) hides `[lang=en]` or `[lang=zh]`, so `html()` is the
form for pages; the CLI and the trace use `text()` or `msg()`. A missing key or placeholder raises at once rather
than printing half a sentence.
"""
from __future__ import annotations

import errno
import functools
import html as _html
import os
import re
import string
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).resolve().parent.parent / "messages.yaml"
LANGS = ("zh", "en")


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    # libyaml's safe loader where built (0.008 s for the catalogue against 0.07 s in pure Python: every command
    # and import of medrules.core.money reads it)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(CATALOGUE, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(key: str, lang: str, /, **values) -> str:
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


def msg(key: str, /, **values) -> tuple[str, str]:
    """(zh, en) for a key."""
    return text(key, "zh", **values), text(key, "en", **values)


def both(key: str, sep: str = " ", **values) -> str:
    """Chinese then English in plain text, for places without HTML (a chart label, a CSV header)."""
    zh, en = msg(key, **values)
    return zh if zh == en else f"{zh}{sep}{en}"


def html(key: str, /, **values) -> str:
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


class Problem(ValueError):
    """A refused value as a catalogue key and its values, so the message is built once, in both languages.
    str() is the English (what logs and the English half of an error line show); .zh the Chinese."""

    def __init__(self, key: str, /, **values):
        zh, en = msg(key, **bounded(values))
        super().__init__(en)
        self.key, self.zh, self.en = key, zh, en

    @classmethod
    def from_texts(cls, key: str, zh: str, en: str) -> "Problem":
        """A Problem whose texts are already built (several joined into one line; one unpickled)."""
        problem = cls.__new__(cls)
        ValueError.__init__(problem, en)
        problem.key, problem.zh, problem.en = key, zh, en
        return problem

    @classmethod
    def each(cls, key: str, /, zh: dict, en: dict, **values) -> "Problem":
        """A Problem whose values differ by language (a system's English reason, an English "or" in a list)."""
        values = bounded(values)
        return cls.from_texts(key, text(key, "zh", **values, **bounded(zh)), text(key, "en", **values, **bounded(en)))

    def __reduce__(self):  # a Dask worker sends it back pickled: keep both languages, not the key's values
        return (Problem.from_texts, (self.key, self.zh, self.en))


def bounded(values: dict) -> dict:
    """A message's values, each cut to oneline.MAX_PART characters: a 10 MB cell or reason makes no 20 MB line."""
    from .oneline import MAX_PART, cut
    return {k: v if isinstance(v, (int, float)) or len(str(v)) <= MAX_PART else cut(str(v)) for k, v in values.items()}


def problem_texts(problem) -> tuple[str | None, str]:
    """(zh, en) of a Problem, of an error carrying .zh, or (None, text) of a plain English message."""
    if isinstance(problem, str):
        return None, problem
    return getattr(problem, "zh", None), str(problem)


def error_line(error: BaseException) -> str:
    """The one line the command line prints for a refused input: Chinese first, then the English after " | ".
    An error without a Chinese text (none should be left) still leads with a Chinese sentence saying so."""
    from .oneline import one_line
    zh = getattr(error, "zh", None)
    zh_line = text("error.line", "zh", problem=zh) if zh else text("error.untranslated", "zh")
    return one_line(f"{zh_line} | {text('error.line', 'en', problem=str(error))}")


_OS_REASONS = {errno.ENOENT: "error.reason_no_file", errno.EISDIR: "error.reason_is_folder",
               errno.ENOTDIR: "error.reason_not_folder", errno.EACCES: "error.reason_no_permission",
               errno.EPERM: "error.reason_no_permission", errno.ENOSPC: "error.disk_full",
               errno.EFBIG: "error.reason_file_too_large", errno.EROFS: "error.reason_read_only",
               errno.EDQUOT: "error.reason_quota"}


def reason_zh(error: BaseException) -> str:
    """Why a file could not be read or written, in Chinese (the English half keeps the system's own words)."""
    if isinstance(error, UnicodeDecodeError):
        return text("error.reason_not_utf8", "zh", byte=error.start)
    key = _OS_REASONS.get(getattr(error, "errno", None))
    if key:
        return text(key, "zh")
    return text("error.reason_system", "zh", reason=os_reason(error))


_ARROW_ERRNO = re.compile(r"\[errno (\d+)\]")


def os_reason(error: BaseException) -> str:
    """The system's words for why an operation failed ("No space left on device"), also for Arrow's errors, whose
    own text wraps them ("Error writing bytes to file. Detail: [errno 28] …")."""
    code = getattr(error, "errno", None)
    if not isinstance(code, int):
        found = _ARROW_ERRNO.search(str(error))
        code = int(found[1]) if found else None
    if code:
        return os.strerror(code)
    return (str(error).splitlines() or [type(error).__name__])[0]


def read_problem(path, error: BaseException, key: str = "error.cannot_read") -> Problem:
    """'cannot read PATH: <the system's reason>' in English, with the reason said in Chinese too."""
    from .oneline import shown
    where = shown(path) if key == "error.cannot_read" else path
    return Problem.each(key, zh={"reason": reason_zh(error)}, en={"reason": error}, path=where)
