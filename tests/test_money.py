"""medrules.core.money: exact yuan, rounded half-up to the fen, formatted one way."""
from __future__ import annotations

from decimal import Decimal

import pytest

import _wenzhou  # noqa: F401  (puts the repository on sys.path)
from medrules.core.money import fmt_ratio, fmt_yuan, times, to_yuan


@pytest.mark.parametrize("value, expected", [
    ("1.005", "1.01"),
    ("1.004", "1.00"),
    ("0.125", "0.13"),
    ("2.675", "2.68"),       # 2.675 as a float is 2.67499…; as a string it rounds up
    ("-1.005", "-1.01"),     # half-up rounds away from zero
    ("100", "100.00"),
    (7, "7.00"),
    (Decimal("0.005"), "0.01"),
])
def test_to_yuan_rounds_half_up_to_the_fen(value, expected):
    result = to_yuan(value)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_to_yuan_refuses_a_float():
    with pytest.raises(TypeError):
        to_yuan(0.1)


def test_times_rounds_the_product_half_up_to_the_fen():
    assert times(Decimal("0.01"), Decimal("0.8")) == Decimal("0.01")      # 0.008
    assert times(Decimal("100000.02"), Decimal("0.8")) == Decimal("80000.02")  # 80,000.016
    assert times(Decimal("0.05"), Decimal("0.5")) == Decimal("0.03")      # 0.025


@pytest.mark.parametrize("amount, expected", [
    (Decimal("0"), "0.00"),
    (Decimal("999.5"), "999.50"),
    (Decimal("1000"), "1,000.00"),
    (Decimal("123456.7"), "123,456.70"),
    (Decimal("1234567.895"), "1,234,567.90"),
    (Decimal("-1234.5"), "-1,234.50"),
])
def test_fmt_yuan_uses_thousands_separators_and_two_decimals(amount, expected):
    assert fmt_yuan(amount) == expected


def test_fmt_yuan_refuses_a_float():
    with pytest.raises(TypeError):
        fmt_yuan(1234.5)


@pytest.mark.parametrize("ratio, expected", [
    (Decimal("0.8"), "80%"),
    (Decimal("0.80"), "80%"),
    (Decimal("0.875"), "87.5%"),
    (Decimal("0.5"), "50%"),
    (Decimal("1"), "100%"),
    (Decimal("0"), "0%"),
])
def test_fmt_ratio_prints_a_percentage_without_trailing_zeros(ratio, expected):
    assert fmt_ratio(ratio) == expected


def test_fmt_ratio_never_prints_float_noise_for_a_float_ratio():
    # Its docstring promises "without float noise"; to_yuan refuses floats for the same reason. Either refusing
    # the float or printing 80% keeps that promise; printing 80.0000000000000044408920985% does not.
    try:
        text = fmt_ratio(0.8)
    except TypeError:
        return
    assert text == "80%"
