"""Template filters for money; the one place templates turn 元 into 万元."""

from decimal import Decimal

from django import template

from jixiao.rules.money import format_wan, format_yuan

register = template.Library()


@register.filter
def wan(amount: Decimal | None, places: int = 2) -> str:
    """{{ project.amount_requested|wan }} → '1,234.57' (万元, half-up)."""
    return format_wan(amount, int(places))


@register.filter
def yuan(amount: Decimal | None) -> str:
    return format_yuan(amount)
