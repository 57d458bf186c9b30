"""时间进度: how much of the budget year has elapsed by the end of a month.

Spending and indicator progress are judged against it. By default a month is one twelfth of the year
(the usual 「月份 ÷ 12」); a region may count days instead (days elapsed at the end of the month ÷ days in
the year), which makes February weigh less. The value is kept as an exact fraction so the warning rules
compare without rounding; `percent` is for display.
"""

import calendar
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Basis(StrEnum):
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True)
class TimeProgress:
    """`elapsed / period` of the year: months of 12, or days of 365/366."""

    month: int
    elapsed: int
    period: int
    basis: Basis

    @property
    def fraction(self) -> tuple[int, int]:
        return self.elapsed, self.period

    @property
    def percent(self) -> Decimal:
        return Decimal(self.elapsed * 100) / Decimal(self.period)

    @property
    def label(self) -> str:
        if self.basis == Basis.DAY:
            return f"{self.elapsed}天 ÷ {self.period}天"
        return f"{self.month}月 ÷ 12"


def time_progress(month: int, *, year: int | None = None, basis: Basis | str = Basis.MONTH) -> TimeProgress:
    """Time progress at the end of `month` (1–12). Counting days needs the year (leap years)."""
    if not 1 <= month <= 12:
        raise ValueError(f"月份须在1到12之间，现为{month}")
    basis = Basis(basis)
    if basis == Basis.MONTH:
        return TimeProgress(month, month, 12, basis)
    if year is None:
        raise ValueError("按天计算时间进度须给出年度")
    days = sum(calendar.monthrange(year, m)[1] for m in range(1, month + 1))
    return TimeProgress(month, days, 366 if calendar.isleap(year) else 365, basis)
