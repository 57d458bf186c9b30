"""绩效运行监控预警 ("双监控"): spending and goal progress judged against the time elapsed, explained.

Rules (docs/monitoring_warnings in docs/payments.md; thresholds are configuration, see `Thresholds`):

- `execution_progress` 预算执行进度: v = 执行进度 ÷ 时间进度 × 100, 执行进度 = 累计支出 ÷ 预算数. v below the red
  line (default 60) is red, below the yellow line (80) yellow, otherwise green. A budget of 0 or none
  counts as v = 0 (red), as the production rule does, instead of dividing by zero.
- `behind_schedule` 连续执行进度靠后: a month is behind when its execution warning is not green; N months
  in a row up to the month judged (default 3) is red.
- `indicator_progress` 指标完成进度, for quantitative indicators: 正向 and 等于 targets (≥ > =) compare the
  value to date with the target pro rata to the time elapsed (v = 完成值 ÷ (指标值 × 时间进度) × 100;
  rates in % are compared whole, not pro rata) with the same red and yellow lines; a value to date at
  or above the blue line (default 120%) of the full-year target is blue: the target may be set too low.
  A target of 0 is red. 反向 targets (≤ <) are red once the value to date is past the ceiling.
- `declared_likelihood` 完成目标可能性: 不可能 (or 完全不可能) red, 有可能 yellow, 确定能 green.
- `qualitative` 定性指标: always flagged for manual judgement, with the target and what was reported.

Every warning carries the rule, the colour, the threshold that decided it, its inputs as shown and a
Chinese sentence that says why. Comparisons are exact (fractions of integers), so a ratio that shows as
60.0% but is a hair below 60 is still red, and the integer core `execution_colour` used for a whole
province gives the same colours as `execution_warning`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache, cached_property
from typing import Any

from jixiao.rules.progress import Basis, TimeProgress, time_progress


class Colour(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"
    MANUAL = "manual"
    GREEN = "green"


COLOUR_LABELS: dict[Colour, str] = {
    Colour.RED: "红色",
    Colour.YELLOW: "黄色",
    Colour.BLUE: "蓝色",
    Colour.MANUAL: "待人工判断",
    Colour.GREEN: "绿色",
}
# Most serious first: the colour a project shows is the most serious of its warnings.
SEVERITY: dict[Colour, int] = {Colour.RED: 4, Colour.YELLOW: 3, Colour.BLUE: 2, Colour.MANUAL: 1, Colour.GREEN: 0}


class Rule(StrEnum):
    EXECUTION = "execution_progress"
    BEHIND_SCHEDULE = "behind_schedule"
    INDICATOR = "indicator_progress"
    LIKELIHOOD = "declared_likelihood"
    QUALITATIVE = "qualitative"


RULE_LABELS: dict[Rule, str] = {
    Rule.EXECUTION: "预算执行进度预警",
    Rule.BEHIND_SCHEDULE: "连续执行进度靠后",
    Rule.INDICATOR: "指标完成进度预警",
    Rule.LIKELIHOOD: "完成目标可能性",
    Rule.QUALITATIVE: "定性指标人工判断",
}

# 完成目标可能性 as on the monitoring form (136号 annex writes 完全不可能).
CERTAIN, POSSIBLE, IMPOSSIBLE = "确定能", "有可能", "不可能"
LIKELIHOODS = (CERTAIN, POSSIBLE, IMPOSSIBLE)
_LIKELIHOOD_COLOURS = {CERTAIN: Colour.GREEN, POSSIBLE: Colour.YELLOW, IMPOSSIBLE: Colour.RED, "完全不可能": Colour.RED}

CONFIG_KEYS = {
    "red_below": "monitoring.execution_red_below_percent",
    "yellow_below": "monitoring.execution_yellow_below_percent",
    "blue_at": "monitoring.indicator_blue_at_percent",
    "behind_months": "monitoring.behind_schedule_months",
    "basis": "monitoring.time_progress_basis",
}

_POSITIVE = ("≥", ">", "=")
_NEGATIVE = ("≤", "<")
_QUALITATIVE = "定性"
_RATE_UNITS = ("%", "％", "百分比")


def _ratio(number: Decimal) -> tuple[int, int]:
    p, q = number.as_integer_ratio()
    return p, q


@dataclass(frozen=True)
class Thresholds:
    """The lines in percent; `from_config` reads them from the configured rules of a region and year."""

    red_below: Decimal = Decimal(60)
    yellow_below: Decimal = Decimal(80)
    blue_at: Decimal = Decimal(120)
    behind_months: int = 3
    basis: Basis = Basis.MONTH

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> "Thresholds":
        """From `{key: value}` or `jixiao.orgs.rules_config.resolve_all(...)` ({key: EffectiveRule});
        keys not given keep their defaults."""

        def get(name: str) -> Any:
            found = values.get(CONFIG_KEYS[name])
            return getattr(found, "value", found)

        default = cls()
        red, yellow, blue, months, basis = (
            get(n) for n in ("red_below", "yellow_below", "blue_at", "behind_months", "basis")
        )
        return cls(
            red_below=Decimal(str(red)) if red is not None else default.red_below,
            yellow_below=Decimal(str(yellow)) if yellow is not None else default.yellow_below,
            blue_at=Decimal(str(blue)) if blue is not None else default.blue_at,
            behind_months=int(months) if months is not None else default.behind_months,
            basis=Basis(basis) if basis is not None else default.basis,
        )

    @cached_property
    def limits(self) -> tuple[int, int, int, int]:
        """(red p, red q, yellow p, yellow q): the lines as exact fractions p/q for the integer core."""
        return (*_ratio(self.red_below), *_ratio(self.yellow_below))

    def progress(self, month: int, year: int | None = None) -> TimeProgress:
        return time_progress(month, year=year, basis=self.basis)


@dataclass(frozen=True)
class MonitoringWarning:
    rule: Rule
    colour: Colour
    explanation: str
    inputs: dict[str, str] = field(default_factory=dict)  # what the rule looked at, as shown (labels in Chinese)
    threshold: Decimal | None = None  # the line that decided the colour (percent), if any
    value: Decimal | None = None  # the ratio judged (percent), exact; shown rounded to 0.1
    subject: str = ""  # the indicator's name, for indicator rules

    @property
    def flagged(self) -> bool:
        return self.colour != Colour.GREEN

    @property
    def colour_label(self) -> str:
        return COLOUR_LABELS[self.colour]

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": str(self.rule),
            "rule_label": self.rule_label,
            "colour": str(self.colour),
            "colour_label": self.colour_label,
            "subject": self.subject,
            "value": None if self.value is None else str(_one_place(self.value)),
            "threshold": None if self.threshold is None else _plain(self.threshold),
            "inputs": dict(self.inputs),
            "explanation": self.explanation,
        }


def worst(warnings: Iterable[MonitoringWarning]) -> Colour:
    """The most serious colour among the warnings; green when there are none."""
    return max((w.colour for w in warnings), key=SEVERITY.__getitem__, default=Colour.GREEN)


# --- display ---


def _one_place(number: Decimal) -> Decimal:
    return number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _plain(number: Decimal) -> str:
    """60 → "60", 62.50 → "62.5"."""
    return format(number.normalize(), "f")


def _pct(number: Decimal) -> str:
    return f"{_one_place(number)}%"


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _colour_of(v: Fraction, t: Thresholds) -> tuple[Colour, Decimal]:
    if v < Fraction(t.red_below):
        return Colour.RED, t.red_below
    if v < Fraction(t.yellow_below):
        return Colour.YELLOW, t.yellow_below
    return Colour.GREEN, t.yellow_below


def _verdict(colour: Colour, line: Decimal) -> str:
    if colour == Colour.RED:
        return f"低于红色预警线 {_plain(line)}%"
    if colour == Colour.YELLOW:
        return f"低于黄色预警线 {_plain(line)}%"
    return f"不低于黄色预警线 {_plain(line)}%，正常"


# --- 预算执行进度 ---


def execution_colour(paid: int, budget: int, elapsed: int, period: int, limits: tuple[int, int, int, int]) -> Colour:
    """The integer core: `paid` and `budget` in the same whole unit (分), time progress `elapsed/period`,
    `limits` from `Thresholds.limits`. v = paid·period·100 / (budget·elapsed), compared exactly."""
    if budget <= 0:
        return Colour.RED
    left = paid * period * 100
    right = budget * elapsed
    rp, rq, yp, yq = limits
    if left * rq < rp * right:
        return Colour.RED
    if left * yq < yp * right:
        return Colour.YELLOW
    return Colour.GREEN


@cache
def _month_fractions(basis: Basis, year: int | None) -> tuple[tuple[int, int], ...]:
    return tuple((tp.elapsed, tp.period) for tp in (time_progress(m, year=year, basis=basis) for m in range(1, 13)))


def execution_colours(
    cumulative: Sequence[int], budget: int, thresholds: Thresholds, *, year: int | None = None
) -> list[Colour]:
    """The colour of each month 1…len(cumulative), from the cumulative spending to the end of it (分):
    `execution_colour` for a series, with the time fractions and lines worked out once."""
    if budget <= 0:
        return [Colour.RED] * len(cumulative)
    rp, rq, yp, yq = thresholds.limits
    red, yellow, green = Colour.RED, Colour.YELLOW, Colour.GREEN
    colours = []
    for paid, (elapsed, period) in zip(cumulative, _month_fractions(thresholds.basis, year), strict=False):
        left, right = paid * period * 100, budget * elapsed
        colours.append(red if left * rq < rp * right else yellow if left * yq < yp * right else green)
    return colours


def behind_run(colours: Sequence[Colour]) -> int:
    """How many months in a row, up to the last one, are behind (not green)."""
    run = 0
    for colour in reversed(colours):
        if colour == Colour.GREEN:
            break
        run += 1
    return run


def execution_ratio(paid: Decimal | None, budget: Decimal | None, progress: TimeProgress) -> Fraction:
    """v in percent, exactly; 0 when the budget is 0 or missing."""
    if budget is None or budget <= 0:
        return Fraction(0)
    rate = Fraction(paid or Decimal(0)) / Fraction(budget)
    return rate / Fraction(progress.elapsed, progress.period) * 100


def execution_warning(
    paid: Decimal | None, budget: Decimal | None, progress: TimeProgress, thresholds: Thresholds
) -> MonitoringWarning:
    """预算执行进度预警 at the end of `progress.month`: `paid` is the cumulative spending (元) to then."""
    spent = paid if paid is not None else Decimal(0)
    inputs = {
        "累计执行数（元）": str(spent),
        "预算数（元）": "未填" if budget is None else str(budget),
        "时间进度": f"{_pct(progress.percent)}（{progress.label}）",
    }
    if budget is None or budget <= 0:
        why = "预算数未填" if budget is None else "预算数为0"
        return MonitoringWarning(
            Rule.EXECUTION,
            Colour.RED,
            f"{why}，执行进度按0计，低于红色预警线 {_plain(thresholds.red_below)}%",
            inputs,
            thresholds.red_below,
            Decimal(0),
        )
    rate = _decimal(Fraction(spent) / Fraction(budget) * 100)
    v = execution_ratio(spent, budget, progress)
    colour, line = _colour_of(v, thresholds)
    value = _decimal(v)
    inputs["执行进度"] = _pct(rate)
    missing = "（无支付数据，按0计）" if paid is None else ""
    text = (
        f"执行进度 {_pct(rate)}{missing} ÷ 时间进度 {_pct(progress.percent)} = {_pct(value)}，{_verdict(colour, line)}"
    )
    return MonitoringWarning(Rule.EXECUTION, colour, text, inputs, line, value)


def behind_schedule_warning(
    cumulative: Sequence[Decimal | None], budget: Decimal | None, thresholds: Thresholds, *, year: int | None = None
) -> MonitoringWarning:
    """连续执行进度靠后, judged at month len(cumulative): `cumulative[i]` is the spending to the end of
    month i+1 (元; None when nothing is known, counted as 0)."""
    colours = [
        execution_warning(paid, budget, thresholds.progress(m, year), thresholds).colour
        for m, paid in enumerate(cumulative, start=1)
    ]
    run = behind_run(colours)
    n = thresholds.behind_months
    month = len(cumulative)
    inputs = {
        "判断月份": f"{month}月",
        "各月执行预警": "、".join(f"{m}月{COLOUR_LABELS[c]}" for m, c in enumerate(colours, start=1)) or "无",
        "连续靠后月数": str(run),
    }
    threshold = Decimal(n)
    if run >= n:
        line = _plain(thresholds.yellow_below)
        text = f"截至{month}月已连续{run}个月执行进度靠后（执行进度 ÷ 时间进度低于{line}%），达到{n}个月"
        return MonitoringWarning(Rule.BEHIND_SCHEDULE, Colour.RED, text, inputs, threshold, Decimal(run))
    text = f"截至{month}月连续执行进度靠后{run}个月，未达到{n}个月"
    return MonitoringWarning(Rule.BEHIND_SCHEDULE, Colour.GREEN, text, inputs, threshold, Decimal(run))


# --- 指标 ---


def indicator_warning(
    name: str,
    operator: str,
    target: Decimal | None,
    value_to_date: Decimal | None,
    progress: TimeProgress,
    thresholds: Thresholds,
    *,
    unit: str = "",
    target_text: str = "",
    reported: str = "",
) -> MonitoringWarning:
    """指标完成进度 of one indicator (operator as `jixiao.rules.targets`: ≥ > = ≤ < or 定性); for a 定性
    indicator `target_text` and `reported` (the 执行情况 as written) are what the reviewer judges."""
    if operator == _QUALITATIVE:
        return qualitative_warning(name, target_text, reported)
    shown_target = "未填" if target is None else f"{operator}{_plain(target)}{unit}"
    inputs = {
        "指标值": shown_target,
        "累计完成值": "未填" if value_to_date is None else f"{_plain(value_to_date)}{unit}",
    }
    if target is None or value_to_date is None:
        what = "指标值" if target is None else "累计完成值"
        return MonitoringWarning(
            Rule.INDICATOR, Colour.MANUAL, f"{what}未填，无法计算完成进度，须人工判断", inputs, subject=name
        )
    if operator in _NEGATIVE:
        past = value_to_date > target if operator == "≤" else value_to_date >= target
        if past:
            text = f"反向指标累计完成值{_plain(value_to_date)}{unit}已超出指标值{shown_target}"
            return MonitoringWarning(Rule.INDICATOR, Colour.RED, text, inputs, target, subject=name)
        text = f"反向指标累计完成值{_plain(value_to_date)}{unit}未超出指标值{shown_target}，正常"
        return MonitoringWarning(Rule.INDICATOR, Colour.GREEN, text, inputs, target, subject=name)
    if operator not in _POSITIVE:
        raise ValueError(f"未知的指标运算符“{operator}”")
    if target <= 0:
        text = f"指标值为{_plain(target)}，无法衡量完成进度，按红色预警"
        return MonitoringWarning(Rule.INDICATOR, Colour.RED, text, inputs, thresholds.red_below, Decimal(0), name)
    completion = Fraction(value_to_date) / Fraction(target) * 100
    inputs["完成比例"] = _pct(_decimal(completion))
    if completion >= Fraction(thresholds.blue_at):
        text = (
            f"累计完成值 ÷ 年度指标值 = {_pct(_decimal(completion))}，不低于蓝色预警线 {_plain(thresholds.blue_at)}%，"
            "指标值可能设定偏低"
        )
        return MonitoringWarning(
            Rule.INDICATOR, Colour.BLUE, text, inputs, thresholds.blue_at, _decimal(completion), name
        )
    if unit in _RATE_UNITS:
        v, how = completion, f"完成比例 {_pct(_decimal(completion))}（比率类指标不按时间折算）"
    else:
        inputs["时间进度"] = f"{_pct(progress.percent)}（{progress.label}）"
        v = completion / Fraction(progress.elapsed, progress.period)
        how = f"完成比例 {_pct(_decimal(completion))} ÷ 时间进度 {_pct(progress.percent)} = {_pct(_decimal(v))}"
    colour, line = _colour_of(v, thresholds)
    return MonitoringWarning(
        Rule.INDICATOR, colour, f"{how}，{_verdict(colour, line)}", inputs, line, _decimal(v), name
    )


def likelihood_warning(name: str, likelihood: str) -> MonitoringWarning:
    """完成目标可能性 as declared on the form; anything else is left for manual judgement."""
    stated = likelihood.strip()
    inputs = {"完成目标可能性": stated or "未填"}
    colour = _LIKELIHOOD_COLOURS.get(stated)
    if colour is None:
        return MonitoringWarning(
            Rule.LIKELIHOOD, Colour.MANUAL, "完成目标可能性未填或无法识别，须人工判断", inputs, subject=name
        )
    text = {
        Colour.RED: f"填报单位判断完成目标可能性为“{stated}”，红色预警",
        Colour.YELLOW: f"填报单位判断完成目标可能性为“{stated}”，黄色预警，须说明偏差原因和改进措施",
        Colour.GREEN: f"填报单位判断完成目标可能性为“{stated}”",
    }[colour]
    return MonitoringWarning(Rule.LIKELIHOOD, colour, text, inputs, subject=name)


def qualitative_warning(name: str, target_text: str, reported: str) -> MonitoringWarning:
    """定性指标: no number to compare, so always for the reviewer to judge from what was reported."""
    inputs = {"指标值": target_text or "未填", "执行情况": reported or "未填"}
    text = f"定性指标“{name}”无法按数值计算，须对照指标值“{target_text or '未填'}”人工判断执行情况"
    return MonitoringWarning(Rule.QUALITATIVE, Colour.MANUAL, text, inputs, subject=name)


# --- a project at once ---


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    operator: str  # ≥ > = ≤ < or 定性 (jixiao.rules.targets)
    target: Decimal | None
    value_to_date: Decimal | None
    unit: str = ""
    target_text: str = ""
    reported: str = ""  # 执行情况 as written (定性 indicators)
    likelihood: str = ""  # 确定能 / 有可能 / 不可能; "" when not declared


def project_warnings(
    *,
    month: int,
    budget: Decimal | None,
    cumulative: Sequence[Decimal | None],
    indicators: Sequence[IndicatorInput] = (),
    thresholds: Thresholds,
    year: int | None = None,
) -> list[MonitoringWarning]:
    """All warnings of a project at the end of `month`: `cumulative[i]` is the spending to the end of
    month i+1 (len(cumulative) ≥ month; later months are ignored), then one warning per indicator and
    one per declared likelihood."""
    if len(cumulative) < month:
        raise ValueError(f"须给出1至{month}月各月累计执行数")
    progress = thresholds.progress(month, year)
    found = [
        execution_warning(cumulative[month - 1], budget, progress, thresholds),
        behind_schedule_warning(cumulative[:month], budget, thresholds, year=year),
    ]
    for ind in indicators:
        found.append(
            indicator_warning(
                ind.name,
                ind.operator,
                ind.target,
                ind.value_to_date,
                progress,
                thresholds,
                unit=ind.unit,
                target_text=ind.target_text,
                reported=ind.reported,
            )
        )
        if ind.likelihood:
            found.append(likelihood_warning(ind.name, ind.likelihood))
    return found
