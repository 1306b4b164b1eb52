"""Reading what staff type, and the boxes they type it into: amounts as they write them (`parse_amount`: 20万,
2.5万元, 1,000, full-width digits, exact to the fen), dates as text (`parse_date`), `FormProblem` (a sentence in
each language for what cannot be read), the amount and date boxes (`AmountText`, `DateText`, `amount_box` with the
amount read echoed beside it), and the dashboards' control style (STYLE, WIDE, `options`)."""
from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import ipywidgets as w
import traitlets

from ...core.messages import msg
from ...core.money import fmt_yuan

STYLE = {"description_width": "14em"}
WIDE = w.Layout(width="97%")


def options(table: dict) -> list:
    return [(f"{zh} / {en}", code) for code, (zh, en) in table.items()]


def _amount(value) -> str:
    """Widget floats become exact decimals through their shortest text form (1234.56 stays 1234.56)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)) if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------------------------------------------
# Reading what staff type: amounts as they write them, dates as text. The CLI stays strict (scenario.py); only
# the dashboards read 20万 or １０００.

class FormProblem(ValueError):
    """Something typed that cannot be used: a sentence in each language, and where known the claim (0-based) and
    the field it is about, so that the dashboard can say it next to that box."""

    def __init__(self, zh: str, en: str, claim: int | None = None, field: str | None = None):
        super().__init__(zh)
        self.zh, self.en = zh, en
        self.claim, self.field = claim, field


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_FEN = Decimal("0.01")


def parse_amount(typed) -> Decimal:
    """An amount as staff write it, exact to the fen: 200000, 20万, 2.5万元, 1,000, ￥1000, full-width digits.

    Raises FormProblem with a sentence naming what was typed; never guesses (1,00 or 1.234 are refused)."""
    raw = "" if typed is None else str(typed)
    s = unicodedata.normalize("NFKC", raw).strip()  # full-width digits, comma and point become ASCII
    s = re.sub(r"\s+", "", s).lstrip("¥").removesuffix("元").removesuffix("圆")
    if s.startswith(("-", "−")):
        raise FormProblem(*msg("workshop.amount_negative", value=raw.strip()))
    wan = s.endswith("万")
    s = s.removesuffix("万")
    if not (_PLAIN.match(s) or _GROUPED.match(s)):
        raise FormProblem(*msg("workshop.amount_bad", value=raw.strip()))
    try:
        value = Decimal(s.replace(",", "")) * (10000 if wan else 1)
    except InvalidOperation:
        raise FormProblem(*msg("workshop.amount_bad", value=raw.strip())) from None
    if value != value.quantize(_FEN):
        raise FormProblem(*msg("workshop.amount_bad", value=raw.strip()))
    return value.quantize(_FEN)


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(typed) -> dt.date:
    """A date typed as 2024-10-15 (also 2024/10/15, 2024年10月15日, full-width digits)."""
    raw = "" if typed is None else str(typed)
    m = _DATE.match(unicodedata.normalize("NFKC", raw).strip())
    try:
        return dt.date(*(int(g) for g in m.groups())) if m else dt.date.fromisoformat("x")
    except ValueError:
        raise FormProblem(*msg("workshop.date_bad", value=raw.strip())) from None


class _LenientText(traitlets.Unicode):
    """Text that code may also set from a number or a date (notebooks and benchmarks do: calc.cost.value = 300000)."""

    def validate(self, obj, value):
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            value = _amount(value)
        return super().validate(obj, value)


class AmountText(w.Text):
    """An amount box: read as one types (continuous_update); the value read is echoed beside it."""
    value = _LenientText(help="the amount as typed").tag(sync=True)


class DateText(w.Text):
    """A date box showing the full date as text (YYYY-MM-DD), which a DatePicker's locale format may cut."""
    value = _LenientText(help="the date as typed").tag(sync=True)


def _echo(box: w.Text, echo: w.HTML, blank_ok: bool = False) -> None:
    """Show the amount read (= 200,000.00 元) or why it cannot be read, under the box."""
    if blank_ok and not box.value.strip():
        echo.value = ""
        return
    try:
        zh, en = msg("workshop.amount_read", amount=fmt_yuan(parse_amount(box.value)))
        echo.value = f"<span class='medrules-echo' title='{html.escape(en)}'>{html.escape(zh)}</span>"
    except FormProblem as e:
        echo.value = f"<span class='medrules-echo medrules-echo-bad' style='color:#b00'>{html.escape(e.zh)}</span>"


def amount_box(label: str, placeholder: str = "", blank_ok: bool = False) -> tuple[AmountText, w.HTML, w.Box]:
    box = AmountText(description=label, placeholder=placeholder or "如 200000、20万、2.5万元", style=STYLE,
                     layout=w.Layout(width="70%"), continuous_update=True)
    echo = w.HTML(layout=w.Layout(width="28%", margin="0 0 0 4px"))
    box.observe(lambda _c: _echo(box, echo, blank_ok), names="value")
    return box, echo, w.HBox([box, echo], layout=WIDE)
