"""Exact money: Decimal yuan, always quantised to the fen."""
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_yuan(value) -> Decimal:
    """A Decimal amount in yuan, rounded half-up to the fen (never through float)."""
    if isinstance(value, float):  # a float has already lost exactness; refuse rather than hide it
        raise TypeError("money must be given as Decimal, int or str, not float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


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
