"""Messages on one line: whatever a user typed (a key, an id, a reviewer's name) is shown with its control
characters escaped, so it can neither split an error line nor forge a second one."""
from __future__ import annotations

import unicodedata

# Line and paragraph separators break lines in many terminals; bidirectional overrides reorder what is shown.
_INVISIBLE_LAYOUT = set("\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """text with every control character written as an escape (\\n, \\x1b, \\u2028); nothing else changes."""
    return "".join(_escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    if unicodedata.category(ch) == "Cc" or ch in _INVISIBLE_LAYOUT:
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def shown(value, limit: int = 80) -> str:
    """A user's value for a message, as JSON would write it: text quoted and escaped, numbers as written, long ones
    cut to `limit` characters with their length given; a list or object only by its kind (it may be deeply nested)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"an object with {len(value)} keys"
    text = value if isinstance(value, str) else str(value)
    quote = "'" if isinstance(value, str) else ""
    if len(text) > limit:
        return f"{quote}{one_line(text[:limit])}…{quote} ({len(text)} characters)"
    return f"{quote}{one_line(text)}{quote}"
