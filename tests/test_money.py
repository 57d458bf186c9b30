"""Money: amounts in 元 as Decimal, read exactly, shown in 万元 rounded half-up. Properties via hypothesis."""

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jixiao.rules.money import (
    MoneyError,
    format_wan,
    format_yuan,
    percent,
    to_yuan,
    wan_to_yuan,
    yuan_to_wan,
)

# Amounts in fen up to 10^16 元 (the database keeps 18 digits with 2 decimals).
FEN = st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1)
# A decimal of up to 15 significant digits survives a trip through an IEEE double (as in Excel):
# amounts below 10^13 元 (ten trillion) come back exactly.
FLOAT_SAFE_FEN = st.integers(min_value=0, max_value=10**15 - 1)


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def half_up_div(n: int, d: int) -> int:
    """n / d rounded half away from zero, in integers (the reference for ROUND_HALF_UP)."""
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


@given(FEN)
def test_to_yuan_reads_every_two_decimal_amount_exactly(fen):
    amount = fen_to_yuan(fen)
    assert to_yuan(str(amount)) == amount
    assert to_yuan(amount) == amount
    assert to_yuan(f"{amount:,}") == amount  # with thousands separators
    assert to_yuan(str(amount)).as_tuple().exponent == -2


@given(FLOAT_SAFE_FEN)
def test_to_yuan_reads_spreadsheet_floats_exactly(fen):
    amount = fen_to_yuan(fen)
    assert to_yuan(float(amount)) == amount


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=9))
def test_to_yuan_refuses_a_third_decimal_instead_of_rounding(fen, third):
    text = f"{fen_to_yuan(fen)}{third}"
    with pytest.raises(MoneyError, match="超过两位小数"):
        to_yuan(text)


@given(FEN)
def test_wan_and_yuan_round_trip_at_six_decimals(fen):
    amount = fen_to_yuan(fen)
    assert wan_to_yuan(yuan_to_wan(amount, places=6)) == amount
    assert wan_to_yuan(str(yuan_to_wan(amount, places=6))) == amount


@given(FEN)
def test_yuan_to_wan_rounds_half_up(fen):
    # 0.01 万元 = 100 元 = 10,000 fen
    expected = Decimal(half_up_div(fen, 10_000)).scaleb(-2)
    assert yuan_to_wan(fen_to_yuan(fen)) == expected


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_format_wan_shows_the_rounded_value_with_separators(fen):
    amount = fen_to_yuan(fen)
    shown = format_wan(amount)
    assert Decimal(shown.replace(",", "")) == yuan_to_wan(amount)
    whole, decimals = shown.split(".")
    assert len(decimals) == 2
    groups = whole.split(",")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.lists(FEN, max_size=50))
def test_sums_of_amounts_are_exact(fens):
    assert sum((to_yuan(str(fen_to_yuan(f))) for f in fens), Decimal(0)) == fen_to_yuan(sum(fens))


@pytest.mark.parametrize(
    ("yuan", "wan"),
    [
        ("123450050.00", "12,345.01"),  # 12,345.005 万元: half-up, not half-even (12,345.00)
        ("123449950.00", "12,345.00"),  # 12,344.995 万元
        ("50.00", "0.01"),  # 0.005 万元
        ("49.99", "0.00"),
        ("12345678.00", "1,234.57"),
        ("0.00", "0.00"),
    ],
)
def test_format_wan_examples(yuan, wan):
    assert format_wan(Decimal(yuan)) == wan


def test_format_none_and_yuan():
    assert format_wan(None) == "—"
    assert format_yuan(None) == "—"
    assert format_yuan(Decimal("1234567.8")) == "1,234,567.80"
    assert format_wan(Decimal("12345678"), 4) == "1,234.5678"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e12))
@example(0.1 + 0.2)
@example(12.3)
def test_floats_are_read_as_written_or_refused(value):
    """A float from a spreadsheet is either the amount its shortest text says, or an error; never a
    silently different amount."""
    try:
        amount = to_yuan(value)
    except MoneyError:
        return
    assert abs(amount - Decimal(repr(value))) < Decimal("0.000001")


@pytest.mark.parametrize(
    "value", [None, True, "", "   ", "abc", "NaN", "sNaN", "Infinity", "-inf", "1e400", "1.2.3", float("nan")]
)
def test_to_yuan_refuses_what_is_not_an_amount(value):
    with pytest.raises(MoneyError):
        to_yuan(value)


@pytest.mark.parametrize(
    "value", ["abc", "NaN", "sNaN", "Infinity", "1e400", "1.0000001", "1.0000000000000000000000000001"]
)
def test_wan_to_yuan_refuses_what_is_not_an_amount(value):
    with pytest.raises(MoneyError):
        wan_to_yuan(value)


@given(st.text(max_size=30))
def test_money_parsers_never_fail_with_anything_but_money_error(text):
    for parse in (to_yuan, wan_to_yuan):
        try:
            result = parse(text)
        except MoneyError:
            continue
        assert isinstance(result, Decimal) and result.is_finite()


def test_wan_to_yuan_examples():
    assert wan_to_yuan("1234.5678") == Decimal("12345678.00")
    assert wan_to_yuan("1,234.5") == Decimal("12345000.00")
    assert wan_to_yuan("12345.005") == Decimal("123450050.00")
    assert wan_to_yuan(0.1 + 0.2) == Decimal("3000.00")
    with pytest.raises(MoneyError, match="万元超过六位小数"):
        wan_to_yuan("1.0000001")


@given(FEN, st.integers(min_value=1, max_value=10**18))
def test_percent_is_half_up_and_none_for_zero(numerator_fen, denominator_fen):
    n, d = fen_to_yuan(numerator_fen), fen_to_yuan(denominator_fen)
    # n × 100 / d, in hundredths of a percent, rounded half-up in integers
    expected = Decimal(half_up_div(numerator_fen * 100 * 100, denominator_fen)).scaleb(-2)
    assert percent(n, d) == expected
    assert percent(n, Decimal(0)) is None
