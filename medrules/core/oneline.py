"""Messages on one line and of a readable length: whatever a user typed (a key, an id, a reviewer's name, a 10 MB
cell) is shown with its control characters escaped, so it can neither split an error line nor forge a second one,
and cut, so it cannot make a line of megabytes. The one place where values in messages are escaped and cut."""
from __future__ import annotations

import unicodedata

# Line and paragraph separators break lines in many terminals; bidirectional overrides reorder what is shown.
INVISIBLE_LAYOUT = frozenset("\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A value quoted in a message (a cell, a key, an option) is cut to this many characters; any value a message is
# built from (an allowed list, a reason, a path) to MAX_PART, so no line grows past a few kilobytes.
SHOWN_CHARS = 80
MAX_PART = 1000


def one_line(text: str) -> str:
    """text with every control character, lone surrogate and layout character written as an escape (\\n, \\x1b,
    \\u2028, \\ud800); nothing else changes."""
    if text.isprintable() and not INVISIBLE_LAYOUT.intersection(text):   # the usual case, in one C pass
        return text
    return "".join(_escape(ch) for ch in text)


def needs_escape(ch: str) -> bool:
    """A character that would break, reorder or corrupt a line when printed: a control character, a line or
    paragraph separator, a bidirectional control, a lone surrogate (not text: it cannot even be encoded)."""
    return ch in _NAMED or ch in INVISIBLE_LAYOUT or unicodedata.category(ch) in ("Cc", "Cs")


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    if needs_escape(ch):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def cut(text: str, limit: int = MAX_PART) -> str:
    """text, or its first `limit` characters, an ellipsis and its whole length in characters."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def shown(value, limit: int = SHOWN_CHARS) -> str:
    """A user's value for a message, as JSON would write it: text quoted and escaped, numbers as written, long ones
    cut to `limit` characters with their length given; a list or object only by its kind (it may be deeply nested)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"an object with {len(value)} keys"
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    text = value if isinstance(value, str) else str(value)
    quote = "'" if isinstance(value, str) and not getattr(value, "unquoted", False) else ""
    if len(text) > limit:
        return f"{quote}{one_line(text[:limit])}…{quote} ({len(text)} characters)"
    return f"{quote}{one_line(text)}{quote}"
