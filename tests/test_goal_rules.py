"""Goal rules without a database: reading targets as published tables write them, and the automatic checks."""

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.rules.config import RuleValueError
from jixiao.rules.goal_checks import CHECKS, CheckSettings, GoalFacts, IndicatorFacts, check_goal
from jixiao.rules.targets import (
    OPERATORS,
    QUALITATIVE,
    ParsedTarget,
    TargetError,
    format_target,
    parse_target,
    polarity,
)

D = Decimal

# --- parsing targets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "operator", "value", "unit"),
    [
        # inline, as in published 绩效目标表
        ("≥50个", "≥", "50", "个"),
        ("≤90万元", "≤", "90", "万元"),
        ("≥100百分比", "≥", "100", "%"),
        ("=8个", "=", "8", "个"),
        ("=42个", "=", "42", "个"),
        ("≤202.6万元", "≤", "202.6", "万元"),
        ("100%", "=", "100", "%"),
        ("≥95%", "≥", "95", "%"),
        ("≥ 95 %", "≥", "95", "%"),
        ("≤ 10 次", "≤", "10", "次"),
        ("≥3百分点", "≥", "3", "%"),
        # words
        ("不低于95%", "≥", "95", "%"),
        ("不少于3次", "≥", "3", "次"),
        ("不超过30万元", "≤", "30", "万元"),
        ("大于等于90%", "≥", "90", "%"),
        ("小于或等于5天", "≤", "5", "天"),
        ("大于60分", ">", "60", "分"),
        ("小于5%", "<", "5", "%"),
        ("低于3%", "<", "3", "%"),
        ("8个以上", "≥", "8", "个"),
        ("95%及以上", "≥", "95", "%"),
        ("5%以内", "≤", "5", "%"),
        ("控制在5%以内", "≤", "5", "%"),
        ("95%以上（含）", "≥", "95", "%"),
        # full-width and look-alike signs
        ("＞５％", ">", "5", "%"),
        ("＜3天", "<", "3", "天"),
        ("＝100％", "=", "100", "%"),
        ("≧95％", "≥", "95", "%"),
        ("≦20万元", "≤", "20", "万元"),
        (">=80%", "≥", "80", "%"),
        # numbers
        ("≥1,200人", "≥", "1200", "人"),
        ("≥1，200人", "≥", "1200", "人"),
        ("≥12,345,678.5元", "≥", "12345678.5", "元"),
        ("≥98.5%", "≥", "98.5", "%"),
        ("≤-5%", "≤", "-5", "%"),
        # units that carry digits or letters stay units
        ("≥500m3", "≥", "500", "m3"),
        ("≥20m²", "≥", "20", "m²"),
        ("≤35微克/立方米", "≤", "35", "微克/立方米"),
        ("≥2次/年", "≥", "2", "次/年"),
        # the indicator's name written in front (domain.md §2.3)
        ("科目调整次数≤10次", "≤", "10", "次"),
        ("结余率…≤5%", "≤", "5", "%"),
        ("PM2.5年均浓度≤35微克/立方米", "≤", "35", "微克/立方米"),
    ],
)
def test_inline_targets_are_read_into_operator_value_and_unit(text, operator, value, unit):
    parsed = parse_target(text)
    assert (parsed.operator, parsed.value, parsed.unit, parsed.text) == (operator, D(value), unit, text.strip())
    assert isinstance(parsed.value, Decimal)


@pytest.mark.parametrize(
    ("text", "column", "unit_column", "expected"),
    [
        # 四川 2023 rows: 指标性质 | 指标值 | 度量单位 (domain.md §2.3)
        ("100", "=", "%", ("=", "100", "%")),  # 发放(缴纳)覆盖率
        ("30", "≤", "万元", ("≤", "30", "万元")),  # 成本控制数
        ("5", "≤", "%", ("≤", "5", "%")),
        ("95", "≥", "百分比", ("≥", "95", "%")),
        # the column wins where the text agrees or is silent
        ("≥95%", "≥", "", ("≥", "95", "%")),
        ("95", "＞", "%", (">", "95", "%")),
        ("95", ">=", "%", ("≥", "95", "%")),
        ("≥95", "=", "%", None),  # contradiction, below
        # the unit column wins over the unit in the text
        ("≤90万元", "", "元", ("≤", "90", "元")),
        # 指标性质 as a kind or a direction
        ("≥95%", "定量", "", ("≥", "95", "%")),
        ("95%", "定量", "", ("=", "95", "%")),
        ("95", "正向", "%", ("≥", "95", "%")),
        (">95%", "正向", "", (">", "95", "%")),
        ("10", "反向", "天", ("≤", "10", "天")),
        ("8", "等于", "个", ("=", "8", "个")),
        ("8", "大于等于", "个", ("≥", "8", "个")),
    ],
)
def test_a_separate_operator_or_unit_column_wins(text, column, unit_column, expected):
    if expected is None:
        with pytest.raises(TargetError):
            parse_target(text, operator=column, unit=unit_column)
        return
    parsed = parse_target(text, operator=column, unit=unit_column)
    assert (parsed.operator, parsed.value, parsed.unit) == (expected[0], D(expected[1]), expected[2])


@pytest.mark.parametrize("text", ["应保尽保", "达标", "有效提升", "不低于上年", "达成年度指标", "优", ""])
def test_a_text_without_a_number_is_qualitative_and_kept(text):
    assert parse_target(text) == ParsedTarget(QUALITATIVE, None, "", text)


def test_a_qualitative_column_keeps_the_text_even_with_numbers_in_it():
    parsed = parse_target("基本达到95%以上", operator="定性")
    assert (parsed.operator, parsed.value, parsed.text) == (QUALITATIVE, None, "基本达到95%以上")


def test_a_quantitative_column_without_a_number_is_an_empty_target_not_a_qualitative_one():
    assert parse_target("应保尽保", operator="定量") == ParsedTarget("=", None, "", "应保尽保")
    assert parse_target("", operator="≥", unit="%") == ParsedTarget("≥", None, "%", "")
    assert parse_target("≥") == ParsedTarget("≥", None, "", "≥")


@pytest.mark.parametrize(
    ("text", "column", "names"),
    [
        ("≥5", "≤", ["≤", "≥5"]),
        ("不低于95%", "反向", ["反向", "不低于95%", "≥"]),
        ("<3天", "正向", ["正向", "<"]),
        ("≤8个以上", "", ["≤", "以上"]),
        ("5-10个", "", ["5", "10"]),
        ("2024年完成100%", "", ["2024", "100"]),
        ("95", "约等于", ["约等于"]),
    ],
)
def test_contradictions_are_refused_naming_both_sides(text, column, names):
    with pytest.raises(TargetError) as error:
        parse_target(text, operator=column)
    for name in names:
        assert name in str(error.value)


def test_the_same_number_twice_is_not_a_contradiction():
    assert parse_target("≥95%（不低于95%）").value == D(95)


def test_format_target_writes_the_usual_form():
    assert format_target("≥", D("50"), "个") == "≥50个"
    assert format_target("≤", D("202.6000"), "万元") == "≤202.6万元"
    assert format_target("=", D("1E+3"), "人") == "=1000人"
    assert format_target("=", D("100.00"), "%") == "=100%"
    assert format_target(QUALITATIVE, None, "") == ""
    assert format_target("≥", None, "%") == ""
    with pytest.raises(TargetError):
        format_target("≈", D(1), "个")


@pytest.mark.parametrize(
    ("operator", "expected"),
    [("≥", "正向"), (">", "正向"), ("≤", "反向"), ("<", "反向"), ("=", "等于"), ("定性", "定性")],
)
def test_polarity_follows_the_operator(operator, expected):
    assert polarity(operator) == expected


def test_polarity_refuses_what_is_not_an_operator():
    with pytest.raises(TargetError):
        polarity("≈")


VALUES = st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=4, allow_nan=False, allow_infinity=False)
UNITS = st.sampled_from(["", "个", "%", "万元", "元", "人次", "次/年", "m²", "m3", "公里", "元/人·月", "微克/立方米"])


@given(st.sampled_from(OPERATORS), VALUES, UNITS)
def test_format_then_parse_gives_back_the_target(operator, value, unit):
    text = format_target(operator, value, unit)
    assert parse_target(text) == ParsedTarget(operator, value, unit, text)


@given(st.sampled_from(OPERATORS), VALUES, UNITS)
def test_split_columns_read_the_same_as_the_inline_form(operator, value, unit):
    inline = parse_target(format_target(operator, value, unit))
    split = parse_target(format_target("=", value, "").lstrip("="), operator=operator, unit=unit)
    assert (split.operator, split.value, split.unit) == (inline.operator, inline.value, inline.unit)


@given(st.text(max_size=30), st.sampled_from(["", "=", "≥", "≤", "定性", "定量", "正向", "反向"]))
def test_any_text_is_read_or_refused_with_a_target_error(text, column):
    try:
        parsed = parse_target(text, operator=column)
    except TargetError as error:
        assert str(error)
        return
    assert parsed.operator in (*OPERATORS, QUALITATIVE)
    assert parsed.value is None or parsed.value.is_finite()
    if parsed.operator == QUALITATIVE:
        assert parsed.value is None


# --- goal checks ----------------------------------------------------------------------------------------


def indicator(position, level1, level2, name, operator="≥", value=None, unit="", **more):
    return IndicatorFacts(
        position=position,
        level1=level1,
        level2=level2,
        name=name,
        operator=operator,
        target_value=None if value is None else D(value),
        target_text=more.pop("text", "" if value is None else format_target(operator, D(value), unit)),
        unit=unit,
        **more,
    )


GOOD = GoalFacts(
    kind="project",
    category="民生保障",
    budget_yuan=D("1440000"),
    has_beneficiaries=True,
    annual_goal="为全县1200名困难老人按月发放护理补贴，发放准确率100%，受益老人满意度不低于90%。",
    indicators=(
        indicator(1, "产出指标", "数量指标", "补贴发放人数", "≥", "1200", "人", last_year_actual=D(1100)),
        indicator(2, "产出指标", "质量指标", "补贴发放准确率", "=", "100", "%"),
        indicator(3, "产出指标", "时效指标", "补贴按月发放及时率", "≥", "95", "%"),
        indicator(4, "产出指标", "成本指标", "人均补助标准", "≤", "1200", "元"),
        indicator(5, "效益指标", "社会效益指标", "困难老人基本生活保障", QUALITATIVE, text="应保尽保"),
        indicator(6, "满意度指标", "服务对象满意度指标", "受益老人满意度", "≥", "90", "%"),
    ),
)
DEFAULTS = CheckSettings.from_rules({})


def with_indicator(goal, position, **changes):
    return dataclasses.replace(
        goal,
        indicators=tuple(dataclasses.replace(i, **changes) if i.position == position else i for i in goal.indicators),
    )


def without(goal, *levels):
    return dataclasses.replace(goal, indicators=tuple(i for i in goal.indicators if i.level1 not in levels))


def adding(goal, *extra):
    return dataclasses.replace(goal, indicators=goal.indicators + extra)


def ids(findings):
    return {f.check for f in findings}


def test_a_well_formed_goal_has_no_findings():
    assert check_goal(GOOD, DEFAULTS) == []


def too_few_settings(**minimum):
    return CheckSettings.from_rules({"goals.min_indicators": minimum})


# (check, goal that trips it, field of the finding[, settings other than the defaults])
FIRES = [
    ("empty_annual_goal", dataclasses.replace(GOOD, annual_goal="  "), "annual_goal"),
    ("missing_output", without(GOOD, "产出指标"), "indicators"),
    ("missing_benefit", without(GOOD, "效益指标"), "indicators"),
    ("missing_satisfaction", without(GOOD, "满意度指标"), "indicators"),
    ("too_few_indicators", without(GOOD, "产出指标"), "indicators"),
    ("unknown_level", with_indicator(GOOD, 2, level1="投入指标"), "indicators.2.level1"),
    ("unknown_level", with_indicator(GOOD, 2, level2="效率指标"), "indicators.2.level2"),
    ("empty_target", with_indicator(GOOD, 3, target_value=None, target_text=""), "indicators.3.target_value"),
    ("empty_target", with_indicator(GOOD, 5, target_text=" "), "indicators.5.target_text"),
    ("empty_unit", with_indicator(GOOD, 2, unit=""), "indicators.2.unit"),
    (
        "duplicate_indicator",
        adding(GOOD, indicator(7, "产出指标", "数量指标", "补贴发放 人数", "≥", "1", "人")),
        "indicators.7.name",
    ),
    (
        "low_quantitative_share",
        with_indicator(
            with_indicator(GOOD, 2, operator=QUALITATIVE, target_text="全部准确"),
            3,
            operator=QUALITATIVE,
            target_text="按月发放",
        ),
        "indicators",
    ),
    ("vague_target", with_indicator(GOOD, 5, target_text="生活水平有所提高"), "indicators.5.target_text"),
    ("vague_target", with_indicator(GOOD, 5, name="保障水平进一步提升"), "indicators.5.name"),
    ("vague_goal_text", dataclasses.replace(GOOD, annual_goal="进一步加强养老服务，效果明显"), "annual_goal"),
    ("vague_goal_text", dataclasses.replace(GOOD, mid_term_goal="养老服务体系逐步完善"), "mid_term_goal"),
    ("input_as_output", with_indicator(GOOD, 1, name="资金到位率", unit="%"), "indicators.1.name"),
    (
        "input_as_output",
        with_indicator(GOOD, 1, name="补贴发放金额", target_value=D(144), unit="万元"),
        "indicators.1.name",
    ),
    ("input_as_output", with_indicator(GOOD, 1, name="预算执行率", unit="%"), "indicators.1.name"),
    ("cost_above_budget", with_indicator(GOOD, 4, target_value=D("144.01"), unit="万元"), "indicators.4.target_value"),
    (
        "cost_above_budget",
        with_indicator(GOOD, 4, level2="经济成本指标", target_value=D("1440000.01")),
        "indicators.4.target_value",
    ),
    ("below_last_year", with_indicator(GOOD, 1, target_value=D(1000)), "indicators.1.remark"),
    ("below_last_year", with_indicator(GOOD, 4, last_year_actual=D(1000)), "indicators.4.remark"),
    ("too_few_in_level1", GOOD, "indicators", too_few_settings(满意度指标=2)),
    (
        "weights_total",
        with_indicator(
            dataclasses.replace(GOOD, indicators=tuple(dataclasses.replace(i, weight=D(15)) for i in GOOD.indicators)),
            2,
            weight=None,
        ),
        "indicators.2.weight",
    ),
    (
        "weights_total",
        dataclasses.replace(GOOD, indicators=tuple(dataclasses.replace(i, weight=D(20)) for i in GOOD.indicators)),
        "indicators",
    ),
    ("satisfaction_above_100", with_indicator(GOOD, 6, target_value=D("100.5")), "indicators.6.target_value"),
]


@pytest.mark.parametrize("case", FIRES, ids=[f"{case[0]}-{n}" for n, case in enumerate(FIRES)])
def test_each_check_fires_on_the_fault_it_looks_for(case):
    check, goal, field, rules = (*case, DEFAULTS)[:4]
    findings = [f for f in check_goal(goal, rules) if f.check == check]
    assert [f.field for f in findings] == [field]
    finding = findings[0]
    assert finding.severity == CHECKS[check].default_severity
    assert "请" in finding.message  # says how to fix it
    if finding.indicator is not None:
        named = next(i for i in goal.indicators if i.position == finding.indicator)
        assert field.startswith(f"indicators.{named.position}.")
        assert finding.message.startswith(f"{named.level1}/{named.level2}/“{named.name}”：")


def test_every_check_has_a_case_that_fires():
    assert {case[0] for case in FIRES} == set(CHECKS)


@pytest.mark.parametrize(
    ("check", "goal", "rules"),
    [
        ("missing_satisfaction", dataclasses.replace(without(GOOD, "满意度指标"), has_beneficiaries=False), DEFAULTS),
        ("too_few_indicators", GOOD, too_few_settings(合计=6)),
        ("too_few_in_level1", GOOD, too_few_settings(产出指标=4, 效益=1)),
        # no 产出 at all is one finding (missing_output), not two
        ("too_few_in_level1", without(GOOD, "产出指标"), too_few_settings(产出指标=2)),
        ("unknown_level", with_indicator(GOOD, 4, level1="产出", level2="经济成本指标"), DEFAULTS),
        ("empty_unit", GOOD, DEFAULTS),  # the 定性 indicator has no unit and needs none
        (
            "duplicate_indicator",
            adding(GOOD, indicator(7, "产出指标", "质量指标", "补贴发放人数", "≥", "1", "人")),
            DEFAULTS,
        ),
        ("low_quantitative_share", GOOD, CheckSettings.from_rules({"goals.quantitative_share_min_percent": "83.3"})),
        (
            "vague_target",
            with_indicator(GOOD, 2, name="群众满意度有所提升"),
            CheckSettings.from_rules({"goals.vague_words": ["效果明显"]}),
        ),
        (
            "input_as_output",
            adding(GOOD, indicator(7, "产出指标", "时效指标", "资金拨付及时率", "≥", "95", "%")),
            DEFAULTS,
        ),
        (
            "input_as_output",
            adding(GOOD, indicator(7, "产出指标", "成本指标", "补贴资金", "≤", "144", "万元")),
            DEFAULTS,
        ),
        ("cost_above_budget", with_indicator(GOOD, 4, target_value=D(144), unit="万元"), DEFAULTS),
        (
            "cost_above_budget",
            dataclasses.replace(with_indicator(GOOD, 4, target_value=D(999), unit="万元"), budget_yuan=None),
            DEFAULTS,
        ),
        ("cost_above_budget", with_indicator(GOOD, 4, target_value=D(2000000), unit="人"), DEFAULTS),
        (
            "below_last_year",
            with_indicator(GOOD, 1, target_value=D(1000), remark="2024年起部分老人纳入特困供养"),
            DEFAULTS,
        ),
        (
            "below_last_year",
            with_indicator(GOOD, 1, target_value=D(1000), explanation="由于人口外迁，对象减少"),
            DEFAULTS,
        ),
        ("below_last_year", with_indicator(GOOD, 1, target_value=D(1100)), DEFAULTS),
        ("below_last_year", with_indicator(GOOD, 4, last_year_actual=D(1300)), DEFAULTS),
        (
            "weights_total",
            dataclasses.replace(GOOD, indicators=tuple(dataclasses.replace(i, weight=D(15)) for i in GOOD.indicators)),
            DEFAULTS,
        ),
        ("satisfaction_above_100", with_indicator(GOOD, 6, target_value=D(100)), DEFAULTS),
        ("satisfaction_above_100", with_indicator(GOOD, 6, target_value=D(120), unit="分"), DEFAULTS),
    ],
)
def test_checks_stay_quiet_on_near_misses(check, goal, rules):
    assert check not in ids(check_goal(goal, rules))


def test_minimum_counts_come_from_the_region_settings():
    findings = check_goal(GOOD, too_few_settings(合计=7, 产出指标=5))
    by_check = {f.check: f for f in findings}
    assert "绩效指标共6个，少于要求的7个" in by_check["too_few_indicators"].message
    assert "产出指标共4个，少于要求的5个" in by_check["too_few_in_level1"].message


def test_cost_is_compared_with_the_budget_in_yuan_exactly():
    finding = next(f for f in check_goal(with_indicator(GOOD, 4, target_value=D("144.01"), unit="万元"), DEFAULTS))
    assert "144.01万元" in finding.message
    assert "144.00万元" in finding.message  # the budget, in 万元


def test_share_is_shown_in_the_message():
    goal = with_indicator(
        with_indicator(GOOD, 2, operator=QUALITATIVE, target_text="准确"), 3, operator=QUALITATIVE, target_text="及时"
    )
    (finding,) = [f for f in check_goal(goal, DEFAULTS) if f.check == "low_quantitative_share"]
    assert "定量指标3个，占50%，低于要求的60%" in finding.message


def test_severity_is_configurable_per_check():
    goal = with_indicator(GOOD, 1, name="资金到位率", unit="%")
    stricter = CheckSettings.from_rules({"goals.check_severity": {"input_as_output": "blocking"}})
    assert [f.severity for f in check_goal(goal, DEFAULTS)] == ["warning"]
    assert [f.severity for f in check_goal(goal, stricter)] == ["blocking"]


def test_unknown_check_ids_are_refused_in_the_severity_rule():
    with pytest.raises(RuleValueError, match="没有编号为“input_as_outputs”的检查"):
        CheckSettings.from_rules({"goals.check_severity": {"input_as_outputs": "blocking"}})


def test_settings_accept_values_as_stored():
    settings = CheckSettings.from_rules(
        {
            "goals.quantitative_share_min_percent": "70",
            "goals.indicator_weight_total": 100,
            "goals.vague_words": "效果明显，有所提升",
        }
    )
    assert settings.quantitative_share_min_percent == D(70)
    assert settings.indicator_weight_total == D(100)
    assert settings.vague_words == ("效果明显", "有所提升")


def test_findings_come_blocking_first_then_by_position():
    goal = with_indicator(with_indicator(GOOD, 1, name="资金到位率", unit="%"), 6, target_value=D(120))
    goal = with_indicator(dataclasses.replace(goal, annual_goal=""), 3, unit="")
    findings = check_goal(goal, DEFAULTS)
    assert [(f.severity, f.indicator, f.check) for f in findings] == [
        ("blocking", None, "empty_annual_goal"),
        ("blocking", 3, "empty_unit"),
        ("blocking", 6, "satisfaction_above_100"),
        ("warning", 1, "input_as_output"),
    ]


@given(st.lists(st.sampled_from(GOOD.indicators), min_size=1, max_size=12))
def test_any_repeated_indicator_is_flagged_once_per_repetition(picked):
    goal = dataclasses.replace(GOOD, indicators=tuple(dataclasses.replace(i, position=n) for n, i in enumerate(picked)))
    findings = check_goal(goal, DEFAULTS)
    duplicates = [f for f in findings if f.check == "duplicate_indicator"]
    assert len(duplicates) == len(picked) - len({i.name for i in picked})
    keys = [(f.severity != "blocking", -1 if f.indicator is None else f.indicator) for f in findings]
    assert keys == sorted(keys)


def test_docs_list_every_check():
    text = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for check in CHECKS.values():
        assert f"`{check.id}`" in text, f"docs/rules.md does not describe {check.id}"
        assert check.label in text
