"""Automatic checks of a declared 绩效目标: what a reviewer would flag before reading it closely.

Each check has an id, a Chinese label and a default severity — blocking (the goal cannot be submitted)
or warning (shown, not enforced); a region overrides severities with the rule `goals.check_severity`.
A check reads plain facts (`GoalFacts`, no database) and yields findings that name the indicator, say
what is wrong and how to fix it, and point at the field (`indicators.{position}.{field}`).

The checks run over a whole province (hundreds of thousands of indicators) in the benchmarks, on every
keystroke in the form and on import: patterns are compiled once, settings once per region and year.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from jixiao.rules.config import DEFINITIONS
from jixiao.rules.money import format_wan, percent
from jixiao.rules.targets import QUALITATIVE, normalize_unit, plain_number

Severity = Literal["blocking", "warning"]
BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"
TOTAL = "合计"  # the key of goals.min_indicators that counts every indicator


@dataclass(frozen=True)
class IndicatorFacts:
    position: int
    level1: str
    level2: str
    name: str
    operator: str = "="
    target_value: Decimal | None = None
    target_text: str = ""
    unit: str = ""
    explanation: str = ""
    remark: str = ""
    basis: str = ""
    last_year_actual: Decimal | None = None
    weight: Decimal | None = None

    @property
    def label(self) -> str:
        """How a message names the indicator: 产出指标/数量指标/“资金到位率”."""
        return f"{self.level1}/{self.level2}/“{self.name}”"

    @property
    def is_quantitative(self) -> bool:
        return self.operator != QUALITATIVE

    def field(self, name: str) -> str:
        return f"indicators.{self.position}.{name}"


@dataclass(frozen=True)
class GoalFacts:
    kind: str  # project, policy or department_overall
    category: str
    budget_yuan: Decimal | None
    has_beneficiaries: bool
    annual_goal: str
    mid_term_goal: str = ""
    indicators: tuple[IndicatorFacts, ...] = ()


@dataclass(frozen=True)
class CheckSettings:
    """The rules in force for a region and year, read once and shared by every goal checked there."""

    indicator_tree: dict[str, list[str]]
    min_indicators: dict[str, int]
    quantitative_share_min_percent: Decimal
    indicator_weight_total: Decimal
    vague_words: tuple[str, ...]
    severity: dict[str, str]

    @classmethod
    def from_rules(cls, values: dict[str, Any]) -> "CheckSettings":
        """From resolved rule values keyed by rule key; a missing key takes the catalogue default.
        Each value goes through its rule's check, so stored JSON (strings for numbers) is accepted."""

        def value(key: str) -> Any:
            definition = DEFINITIONS[key]
            return definition.check(values.get(key, definition.default))

        return cls(
            indicator_tree=value("goals.indicator_tree"),
            min_indicators=value("goals.min_indicators"),
            quantitative_share_min_percent=Decimal(value("goals.quantitative_share_min_percent")),
            indicator_weight_total=Decimal(value("goals.indicator_weight_total")),
            vague_words=tuple(value("goals.vague_words")),
            severity=value("goals.check_severity"),
        )

    def severity_of(self, check: str) -> Severity:
        return BLOCKING if self.severity.get(check, CHECKS[check].default_severity) == BLOCKING else WARNING

    @cached_property
    def vague_pattern(self) -> re.Pattern[str]:
        """One alternation for all vague words, longest first so the message quotes the whole phrase."""
        words = sorted(self.vague_words, key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in words)) if words else re.compile(r"(?!)")

    @cached_property
    def tree(self) -> dict[str, set[str]]:
        """The indicator tree keyed by normalised names (「产出」 and 「产出指标」 are the same level)."""
        return {level_key(one): {level_key(two) for two in twos} for one, twos in self.indicator_tree.items()}


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    field: str  # "annual_goal", "indicators" or "indicators.{position}.{field}"
    indicator: int | None  # the indicator's position, None for the goal as a whole


# A check yields (indicator position or None, field, message); check_goal adds id and severity.
Hit = tuple[int | None, str, str]
CheckFunction = Callable[[GoalFacts, CheckSettings], Iterator[Hit]]


@dataclass(frozen=True)
class CheckInfo:
    id: str
    label: str
    default_severity: Severity
    run: CheckFunction


CHECKS: dict[str, CheckInfo] = {}


def _check(id: str, label: str, default_severity: Severity) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS[id] = CheckInfo(id, label, default_severity, function)
        return function

    return register


def check_goal(goal: GoalFacts, settings: CheckSettings) -> list[Finding]:
    """Every finding of every check, blocking ones first, then by indicator position (goal-level first)."""
    findings = [
        Finding(info.id, settings.severity_of(info.id), message, field, position)
        for info in CHECKS.values()
        for position, field, message in info.run(goal, settings)
    ]
    findings.sort(key=lambda f: (f.severity != BLOCKING, -1 if f.indicator is None else f.indicator))
    return findings


def level_key(name: str) -> str:
    """「产出指标」「产出」「 产出指标 」 → 「产出」: tables differ in whether they write the 「指标」."""
    return name.strip().removesuffix("指标")


def _is_output(i: IndicatorFacts) -> bool:
    return "产出" in i.level1


def _is_benefit(i: IndicatorFacts) -> bool:
    return "效益" in i.level1


def _is_satisfaction(i: IndicatorFacts) -> bool:
    return "满意" in i.level1


# --- completeness: the tree is covered and filled in ------------------------------------------------


@_check("empty_annual_goal", "年度目标为空", BLOCKING)
def _empty_annual_goal(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    if not goal.annual_goal.strip():
        yield (
            None,
            "annual_goal",
            "年度目标为空：请概括本年度要完成的主要任务及预期达到的产出和效果（做什么、做多少、达到什么效果）",
        )


@_check("missing_output", "缺少产出指标", BLOCKING)
def _missing_output(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    if not any(_is_output(i) for i in goal.indicators):
        yield (
            None,
            "indicators",
            "缺少产出指标：请至少设一个产出指标（数量、质量、时效或成本），反映项目提供的产品和服务",
        )


@_check("missing_benefit", "缺少效益指标", BLOCKING)
def _missing_benefit(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    if not any(_is_benefit(i) for i in goal.indicators):
        yield (
            None,
            "indicators",
            "缺少效益指标：请至少设一个经济、社会、生态效益或可持续影响指标，反映项目实施带来的效果",
        )


@_check("missing_satisfaction", "缺少满意度指标", BLOCKING)
def _missing_satisfaction(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    if goal.has_beneficiaries and not any(_is_satisfaction(i) for i in goal.indicators):
        yield (
            None,
            "indicators",
            "缺少满意度指标：项目有直接服务对象，请设服务对象满意度指标（如“受益群众满意度≥90%”）；"
            "如确无直接服务对象，请取消勾选“有直接服务对象”",
        )


@_check("too_few_indicators", "绩效指标个数不足", BLOCKING)
def _too_few_indicators(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    minimum = settings.min_indicators.get(TOTAL, 0)
    if len(goal.indicators) < minimum:
        yield (
            None,
            "indicators",
            f"绩效指标共{len(goal.indicators)}个，少于要求的{minimum}个：请补充能反映项目主要产出和效果的指标",
        )


@_check("too_few_in_level1", "一级指标下的指标个数不足", BLOCKING)
def _too_few_in_level1(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    counts: dict[str, int] = {}
    for i in goal.indicators:
        counts[level_key(i.level1)] = counts.get(level_key(i.level1), 0) + 1
    for level1, minimum in settings.min_indicators.items():
        count = counts.get(level_key(level1), 0)
        # None at all of 产出、效益、满意度 is already a missing_* finding; one message is enough.
        if level1 == TOTAL or count >= minimum or (count == 0 and _covered_by_missing(level1, goal)):
            continue
        yield None, "indicators", f"{level1}共{count}个，少于要求的{minimum}个：请在“{level1}”下补充指标"


def _covered_by_missing(level1: str, goal: GoalFacts) -> bool:
    return "产出" in level1 or "效益" in level1 or ("满意" in level1 and goal.has_beneficiaries)


@_check("unknown_level", "一级或二级指标不在指标体系中", BLOCKING)
def _unknown_level(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    tree = settings.tree
    for i in goal.indicators:
        level2s = tree.get(level_key(i.level1))
        if level2s is None:
            yield (
                i.position,
                i.field("level1"),
                f"{i.label}：一级指标“{i.level1}”不在本地指标体系中，请改为{'、'.join(settings.indicator_tree)}之一",
            )
        elif level_key(i.level2) not in level2s:
            choices = "、".join(_level2s_of(i.level1, settings))
            yield (
                i.position,
                i.field("level2"),
                f"{i.label}：二级指标“{i.level2}”不属于“{i.level1}”，请改为{choices}之一",
            )


def _level2s_of(level1: str, settings: CheckSettings) -> list[str]:
    for name, level2s in settings.indicator_tree.items():
        if level_key(name) == level_key(level1):
            return level2s
    return []


@_check("empty_target", "指标值为空", BLOCKING)
def _empty_target(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    for i in goal.indicators:
        if i.is_quantitative and i.target_value is None:
            yield (
                i.position,
                i.field("target_value"),
                f"{i.label}：指标值为空。请填写目标数值（如“≥95”），或将指标性质改为“定性”并描述要达到的水平",
            )
        elif not i.is_quantitative and not i.target_text.strip():
            yield (
                i.position,
                i.field("target_text"),
                f"{i.label}：定性指标未描述目标水平。请写明要达到的程度（如“应保尽保”“达到国家二级标准”）",
            )


@_check("empty_unit", "计量单位为空", BLOCKING)
def _empty_unit(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    for i in goal.indicators:
        if i.is_quantitative and not i.unit.strip():
            yield i.position, i.field("unit"), f"{i.label}：定量指标缺少计量单位。请填写单位（如 %、个、人次、万元）"


@_check("duplicate_indicator", "重复的指标", BLOCKING)
def _duplicate_indicator(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    seen: set[tuple[str, str, str]] = set()
    for i in goal.indicators:
        key = (level_key(i.level1), level_key(i.level2), _plain_name(i.name))
        if key in seen:
            yield (
                i.position,
                i.field("name"),
                f"{i.label}：与前面的同名指标重复（一级、二级指标和名称都相同）。请删除重复项或合并为一项",
            )
        seen.add(key)


_SPACE_AND_QUOTES = re.compile(r"[\s“”\"'‘’「」]+")


def _plain_name(name: str) -> str:
    return _SPACE_AND_QUOTES.sub("", name).casefold()


# --- measurability ------------------------------------------------------------------------------------


@_check("low_quantitative_share", "定量指标占比偏低", WARNING)
def _low_quantitative_share(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    total = len(goal.indicators)
    quantitative = sum(1 for i in goal.indicators if i.is_quantitative)
    minimum = settings.quantitative_share_min_percent
    if total and quantitative * 100 < minimum * total:
        share = percent(Decimal(quantitative), Decimal(total), 1)
        yield (
            None,
            "indicators",
            f"定量指标{quantitative}个，占{plain_number(share or Decimal(0))}%，低于要求的{plain_number(minimum)}%："
            "请把定性指标尽量细化为可衡量的数值目标（数量、比率、时限、金额）",
        )


@_check("vague_target", "指标无法衡量（用语笼统）", WARNING)
def _vague_target(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    pattern = settings.vague_pattern
    for i in goal.indicators:
        if not i.is_quantitative and (found := pattern.search(i.target_text)):
            yield (
                i.position,
                i.field("target_text"),
                f"{i.label}：目标“{i.target_text}”用语笼统（“{found.group()}”），无法衡量。"
                "请写明要达到的具体水平，或改为定量指标（如“≥95%”）",
            )
        if found := pattern.search(i.name):
            yield (
                i.position,
                i.field("name"),
                f"{i.label}：指标名称含笼统用语“{found.group()}”。请用可衡量的名称（如“群众满意度”“覆盖率”）",
            )


@_check("vague_goal_text", "总体目标用语笼统", WARNING)
def _vague_goal_text(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    for field, label, text in (
        ("annual_goal", "年度目标", goal.annual_goal),
        ("mid_term_goal", "中期目标", goal.mid_term_goal),
    ):
        if found := settings.vague_pattern.search(text):
            yield (
                None,
                field,
                f"{label}含笼统用语“{found.group()}”，无法衡量：请写明做什么、做多少、达到什么效果（与下列指标对应）",
            )


# --- relevance and appropriateness ---------------------------------------------------------------------

# Inputs (money spent or moved) are not outputs (财预〔2021〕101号): 资金到位率 is not a 数量指标.
_FUND_INPUT = re.compile(r"资金(?:到位|拨付|支付|投入|使用|下达)|投入资金|预算执行|拨付率|支付率|支出进度|执行进度")
# Exponent of ten from each money unit to 元, to convert without rounding.
_MONEY_UNITS = {"元": 0, "千元": 3, "万元": 4, "亿元": 8}


@_check("input_as_output", "以投入代替产出", WARNING)
def _input_as_output(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    for i in goal.indicators:
        if not (_is_output(i) and "数量" in i.level2):
            continue
        if found := _FUND_INPUT.search(i.name):
            what = f"“{found.group()}”是资金投入"
        elif normalize_unit(i.unit) in _MONEY_UNITS:
            what = f"以“{i.unit}”计量的是资金投入"
        else:
            continue
        yield (
            i.position,
            i.field("name"),
            f"{i.label}：{what}，不是产出。请改为项目提供的产品或服务的数量（如“补助发放人数”“建成公里数”）；"
            "资金到位、执行情况在预算执行中反映",
        )


@_check("cost_above_budget", "成本指标超过预算", BLOCKING)
def _cost_above_budget(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    budget = goal.budget_yuan
    if budget is None:
        return
    for i in goal.indicators:
        exponent = _MONEY_UNITS.get(normalize_unit(i.unit))
        if "成本" not in i.level2 or exponent is None or i.target_value is None:
            continue
        yuan = i.target_value.scaleb(exponent)
        if yuan > budget:
            yield (
                i.position,
                i.field("target_value"),
                f"{i.label}：目标值{plain_number(i.target_value)}{i.unit}（{format_wan(yuan)}万元）超过项目预算"
                f"{format_wan(budget)}万元。成本目标不应超过预算安排，请核对目标值和计量单位（元/万元）",
            )


@_check("below_last_year", "目标低于上年实际且未说明", WARNING)
def _below_last_year(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    for i in goal.indicators:
        last, target = i.last_year_actual, i.target_value
        if last is None or target is None or _explained(i):
            continue
        if i.operator in ("≥", ">") and target < last:
            worse = "低于"
        elif i.operator in ("≤", "<") and target > last:
            worse = "高于"  # a 反向 indicator (cost, time) gets worse upwards
        else:
            continue
        yield (
            i.position,
            i.field("remark"),
            f"{i.label}：目标值{plain_number(target)}{worse}上年实际值{plain_number(last)}，且未说明原因。"
            "请在备注中说明原因（如政策调整、任务量变化），或将目标调整到不低于上年水平",
        )


_REASON_WORDS = re.compile(r"因|由于|原因|调整|下降")


def _explained(i: IndicatorFacts) -> bool:
    """Any remark counts as the explanation; in 指标解释 (usually a definition) only words of a reason."""
    return bool(i.remark.strip()) or _REASON_WORDS.search(i.explanation) is not None


# --- consistency of the numbers ----------------------------------------------------------------------


@_check("weights_total", "指标分值合计不符", BLOCKING)
def _weights_total(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    weights = [i.weight for i in goal.indicators]
    if all(w is None for w in weights):
        return  # weights are optional; once one is given, all must be
    total = settings.indicator_weight_total
    missing = [i for i in goal.indicators if i.weight is None]
    for i in missing:
        yield (
            i.position,
            i.field("weight"),
            f"{i.label}：未填分值。其他指标填了分值，请为每个指标填写分值，合计{plain_number(total)}分",
        )
    given = sum((w for w in weights if w is not None), Decimal(0))
    if not missing and given != total:
        yield (
            None,
            "indicators",
            f"各指标分值合计{plain_number(given)}分，应为{plain_number(total)}分：请调整分值使合计为{plain_number(total)}分",
        )


@_check("satisfaction_above_100", "满意度目标超过100%", BLOCKING)
def _satisfaction_above_100(goal: GoalFacts, settings: CheckSettings) -> Iterator[Hit]:
    for i in goal.indicators:
        if (
            _is_satisfaction(i)
            and i.target_value is not None
            and i.target_value > 100
            and normalize_unit(i.unit) == "%"
        ):
            yield (
                i.position,
                i.field("target_value"),
                f"{i.label}：满意度目标{plain_number(i.target_value)}%超过100%。请填写0到100之间的比例（常见为≥85%或≥90%）",
            )
