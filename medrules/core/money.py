"""Exact money: Decimal yuan, always quantised to the fen; ratios exact to a fixed number of decimals."""
import re
from decimal import ROUND_HALF_UP, Decimal

from .messages import both
from .oneline import shown as quoted  # a user's value quoted in a message

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

# The one precision rule for ratios, for the scenario path and the batch path alike. Six decimals (82.5% is 0.825,
# a millionth is finer than any policy writes) keep batch arithmetic in integers: 10^10 fen (the 100-million-yuan
# bound) × 10^6 millionths < 2^63.
MAX_RATIO_DECIMALS = 6
DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # ASCII digits only: no "1_000", "１０００", "١٠٠٠", "1e5"


def to_yuan(value) -> Decimal:
    """A Decimal amount in yuan, rounded half-up to the fen (never through float)."""
    if isinstance(value, float):  # a float has already lost exactness; refuse rather than hide it
        raise TypeError("money must be given as Decimal, int or str, not float")
    amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    return amount.copy_abs() if amount.is_zero() else amount  # "-0" is zero yuan, never printed as -0.00


def times(amount: Decimal, ratio: Decimal) -> Decimal:
    """amount × ratio, rounded half-up to the fen."""
    return to_yuan(amount * ratio)


def fmt_yuan(amount: Decimal) -> str:
    """The one formatter for display: thousands separators and two decimals, e.g. 123,456.70."""
    return f"{to_yuan(amount):,.2f}"


def fmt_ratio(ratio: Decimal) -> str:
    """A ratio as a percentage without float noise: 0.8 → 80%, 0.875 → 87.5%."""
    exact = Decimal(str(ratio)) if isinstance(ratio, float) else Decimal(ratio)  # a float via its shortest text
    pct = (exact * 100).normalize()
    return f"{pct:f}%"


def exact_ratio(value) -> Decimal:
    """A ratio between 0 and 1 given as a number or ASCII text with at most MAX_RATIO_DECIMALS decimals, exactly
    (0.825 stays 0.825); ValueError with what is allowed otherwise. One rule for `evaluate` and `batch`."""
    from .messages import Problem  # a ValueError with the message in Chinese and English
    if isinstance(value, str) and DECIMAL_TEXT.fullmatch(value):
        ratio = Decimal(value)
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        ratio = Decimal(value)
    else:
        raise Problem("error.ratio", most=MAX_RATIO_DECIMALS, got=quoted(value))
    if not ratio.is_finite() or not 0 <= ratio <= 1:
        raise Problem("error.ratio", most=MAX_RATIO_DECIMALS, got=quoted(value))
    if ratio.as_tuple().exponent < -MAX_RATIO_DECIMALS:
        raise Problem("error.ratio_decimals", most=MAX_RATIO_DECIMALS, got=quoted(value),
                      decimals=-ratio.as_tuple().exponent)
    return ratio.copy_abs() if ratio.is_zero() else ratio


UNDETERMINED = both("partial.undetermined")


def shown(value) -> str:
    """An amount as a reader sees it: yuan with two decimals, the catalogue's partial.undetermined where a layer is
    undetermined, partial.yes / partial.no for a yes/no decision."""
    if value is None:
        return UNDETERMINED
    if isinstance(value, bool):
        return both("partial.yes") if value else both("partial.no")
    return fmt_yuan(value)
