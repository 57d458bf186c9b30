"""Money: amounts are kept in 元 as Decimal; they are shown in 万元, rounded half-up (四舍五入)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

YUAN = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)


class MoneyError(ValueError):
    """A value that cannot be read as an amount of money."""


def _read(value: object) -> Decimal:
    """A number as typed or read from a spreadsheet, exactly: floats go through their shortest `repr`,
    text may carry thousands separators."""
    if isinstance(value, bool) or value is None:
        raise MoneyError("金额为空或不是数字")
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "").replace("，", "")
    if text == "":
        raise MoneyError("金额为空")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(f"“{value}”不是有效金额") from exc
    if not amount.is_finite():
        raise MoneyError(f"“{value}”不是有效金额")
    return amount


def to_yuan(value: object) -> Decimal:
    """Read an amount in 元 exactly. Floats (as spreadsheet readers return them) go through `str`, so
    12.3 becomes Decimal('12.3') and not 12.300000000000000710…; more than two decimals is an error,
    not a silent rounding."""
    return _to_fen(_read(value), value, f"金额“{value}”超过两位小数（元精确到分）")


def _to_fen(amount: Decimal, value: object, too_precise: str) -> Decimal:
    """`amount` (finite, in 元) quantized to the fen, refusing more decimals than that; `value` is what
    the user gave (a float's binary noise is tolerated)."""
    try:
        rounded = amount.quantize(YUAN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than any amount of money has
        raise MoneyError(f"金额“{value}”过大") from exc
    if amount != rounded:
        # Binary floats such as 0.1+0.2 show up as 0.30000000000000004: accept what is within a
        # float's noise of a whole fen, refuse anything that really has more than two decimals.
        if isinstance(value, float) and abs(amount - rounded) < Decimal("1e-6"):
            return rounded
        raise MoneyError(too_precise)
    return rounded


def wan_to_yuan(value: object) -> Decimal:
    """An amount typed in 万元 (as work reports and most forms give it) converted to 元."""
    sign, digits, exponent = _read(value).as_tuple()
    yuan = Decimal((sign, digits, int(exponent) + 4))  # × 10000 exactly (multiplying would round at 28 digits)
    return _to_fen(yuan, value, f"金额“{value}”万元超过六位小数（元精确到分）")


def yuan_to_wan(amount: Decimal, places: int = 2) -> Decimal:
    """元 → 万元, rounded half-up to `places` decimals (never half-even, never truncated)."""
    exponent = Decimal(1).scaleb(-places)
    return (Decimal(amount) / TEN_THOUSAND).quantize(exponent, rounding=ROUND_HALF_UP)


def format_wan(amount: Decimal | None, places: int = 2) -> str:
    """元 → '12,345.68' (万元, thousands separators, half-up). None → '—'."""
    if amount is None:
        return "—"
    return f"{yuan_to_wan(amount, places):,.{places}f}"


def format_yuan(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return f"{Decimal(amount).quantize(YUAN, rounding=ROUND_HALF_UP):,.2f}"


def percent(numerator: Decimal, denominator: Decimal, places: int = 2) -> Decimal | None:
    """numerator / denominator × 100, half-up; None when the denominator is zero."""
    if not denominator:
        return None
    exponent = Decimal(1).scaleb(-places)
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(exponent, rounding=ROUND_HALF_UP)
