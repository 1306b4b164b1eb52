"""The one grammar of the values a user writes, whichever way they come in: a scenario (`evaluate`, `compare`), a
claims or identity table in either layout (`batch` on both engines, `explain`), an inputs or readings file, a
reform's CHANGES.yaml. Each kind of value is parsed here once; a table's vectorised fast path accepts a value only
where this parser would (tests/test_hostile_properties.py proves it with hypothesis) and sends every other value
here, so the refusal is this one's, word for word.

- amounts (`parse_money`): ASCII digits, at most two decimals, 0 … 100,000,000 yuan; no sign but `-0`, no exponent,
  no `.5` or `100.`, no `1_000` or full-width digits;
- dates (`parse_date`): YYYY-MM-DD, a day of the calendar between 0001-01-01 and 9999-12-31;
- settlement times (`parse_settlement_time`): a date, optionally followed by ` HH:MM` or ` HH:MM:SS` (or `T`), hours
  00–23, minutes and seconds 00–59;
- yes/no facts (`parse_flag`): true or false; null (not given) is unknown, never "no".
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from .messages import Problem
from .money import DECIMAL_TEXT, FEN, to_yuan
from .oneline import shown

# Sanity bound, not a policy number: one claim above 100 million yuan is taken to be a typing error.
MAX_AMOUNT = Decimal("100000000")
# Up to 99,999,999.99 yuan (below MAX_AMOUNT), unsigned, at most two decimals: valid without further checks.
PLAIN_AMOUNT = re.compile(r"[0-9]{1,8}(?:\.[0-9]{1,2})?")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII, no time, no zone
SETTLEMENT_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?)?")


class NumberText(str):
    """A JSON number written with an exponent (1e5, 1.5E+2), kept as its text: no amount, ratio or date is written
    so, and the field it stands in refuses it by name, showing it as written (unquoted)."""
    unquoted = True


def parse_money(value) -> Decimal:
    """An amount exactly as written: ASCII digits, at most two decimals; no "1_000", "１０００", "200000.000"."""
    if type(value) is str and PLAIN_AMOUNT.fullmatch(value):  # the usual case, checked in one step (speed)
        return Decimal(value).quantize(FEN)
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
        if value.strip().lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
            raise Problem("error.amount_not_finite", got=shown(value))
        raise Problem("error.amount_format", got=shown(value))
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise Problem("error.amount_format", got=shown(value))
    amount = Decimal(value)
    if not amount.is_finite():
        raise Problem("error.amount_not_finite", got=shown(value))
    # From here the value is a number, shown as written (unquoted), cut if it is very long.
    if amount < 0:
        raise Problem("error.amount_negative", got=shown(amount))
    if amount > MAX_AMOUNT:
        raise Problem("error.amount_too_large", got=shown(amount), bound=MAX_AMOUNT)
    if amount.as_tuple().exponent < -2:
        raise Problem("error.amount_decimals", got=shown(amount))
    return to_yuan(amount)


def parse_date(value) -> dt.date:
    """A date written YYYY-MM-DD (or a date object from Python); no timestamps, times, zones or 20230310."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and DATE_TEXT.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as e:   # 2023-02-30, 0000-01-01
            raise Problem("error.date_not_a_day", got=shown(value), reason=e) from None
    raise Problem("error.date_format", got=shown(value))


def parse_settlement_time(value) -> dt.date:
    """The day of a settlement time as the national record writes it: YYYY-MM-DD, optionally with HH:MM or HH:MM:SS
    (hours 00–23, minutes and seconds 00–59); the day is checked as parse_date checks it."""
    match = SETTLEMENT_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise Problem("error.nhsa_not_a_time", got=shown(value))
    return parse_date(match[1])


def parse_flag(value) -> bool | None:
    """true or false only: 1, 1.0, "yes" or "no" are refused, not guessed; null (or the field left out) is "not
    given", which is unknown, never "no"."""
    if value is True or value is False or value is None:
        return value
    raise Problem("error.flag", got=shown(value))
