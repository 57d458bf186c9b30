"""The monitoring warning rules: each fires when it should and not otherwise, and says why."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.rules import config
from jixiao.rules.monitoring_warnings import (
    CONFIG_KEYS,
    Colour,
    IndicatorInput,
    Rule,
    Thresholds,
    behind_run,
    behind_schedule_warning,
    execution_colour,
    execution_colours,
    execution_warning,
    indicator_warning,
    likelihood_warning,
    project_warnings,
    qualitative_warning,
    worst,
)
from jixiao.rules.progress import Basis, time_progress

T = Thresholds()
D = Decimal


def test_the_example_reads_as_a_person_would_write_it():
    w = execution_warning(D("320"), D("1000"), time_progress(7), T)
    assert w.rule == Rule.EXECUTION and w.colour == Colour.RED
    assert w.explanation == "执行进度 32.0% ÷ 时间进度 58.3% = 54.9%，低于红色预警线 60%"
    assert w.threshold == 60
    assert w.inputs["时间进度"] == "58.3%（7月 ÷ 12）" and w.inputs["预算数（元）"] == "1000"


@pytest.mark.parametrize(
    ("paid", "colour", "line"),
    [
        ("349.99", Colour.RED, 60),
        ("350", Colour.YELLOW, 80),
        ("466.66", Colour.YELLOW, 80),
        ("466.67", Colour.GREEN, 80),
    ],
)
def test_execution_colours_at_the_lines(paid, colour, line):
    # 7 months: time progress 7/12; 60% of it is 350 of 1000 exactly, 80% is 466.666…
    w = execution_warning(D(paid), D("1000"), time_progress(7), T)
    assert (w.colour, w.threshold) == (colour, line)


def test_a_budget_of_zero_or_none_is_red_without_dividing():
    for budget in (D(0), None):
        w = execution_warning(D("5"), budget, time_progress(3), T)
        assert w.colour == Colour.RED and w.value == 0
        assert "执行进度按0计" in w.explanation
    assert execution_colour(5, 0, 3, 12, T.limits) == Colour.RED


def test_no_payment_data_counts_as_nothing_spent():
    w = execution_warning(None, D("1000"), time_progress(1), T)
    assert w.colour == Colour.RED and "无支付数据" in w.explanation


def test_thresholds_come_from_the_configuration():
    keys = set(CONFIG_KEYS.values())
    assert keys <= set(config.DEFINITIONS)
    t = Thresholds.from_config({CONFIG_KEYS["red_below"]: "50", CONFIG_KEYS["yellow_below"]: "70", "other": 1})
    assert (t.red_below, t.yellow_below, t.blue_at, t.behind_months) == (50, 70, 120, 3)
    w = execution_warning(D("320"), D("1000"), time_progress(7), t)
    assert w.colour == Colour.YELLOW and "低于黄色预警线 70%" in w.explanation
    defaults = Thresholds.from_config({k: config.DEFINITIONS[k].default for k in keys})
    assert defaults == T


def test_time_progress_by_days():
    tp = time_progress(2, year=2024, basis=Basis.DAY)
    assert (tp.elapsed, tp.period) == (60, 366)
    t = Thresholds(basis=Basis.DAY)
    # 100 of 600 by the end of February: 16.7% ÷ 16.4% is green by days; by months (16.7%) it is exactly 100%
    assert execution_warning(D("100"), D("600"), t.progress(2, 2024), t).colour == Colour.GREEN
    with pytest.raises(ValueError, match="年度"):
        time_progress(2, basis="day")


def test_behind_schedule_fires_after_n_months_in_a_row():
    budget = D("1200")
    # months 1..5 spending to date; green in month 1 and 2 then 3 months behind
    cumulative = [D("100"), D("200"), D("200"), D("200"), D("200")]
    w = behind_schedule_warning(cumulative, budget, T)
    assert w.colour == Colour.RED and w.value == 3
    assert "已连续3个月执行进度靠后" in w.explanation
    assert behind_schedule_warning(cumulative[:4], budget, T).colour == Colour.GREEN
    assert behind_schedule_warning(cumulative, budget, Thresholds(behind_months=4)).colour == Colour.GREEN
    caught_up = [*cumulative, D("600")]
    assert behind_schedule_warning(caught_up, budget, T).colour == Colour.GREEN


def test_indicator_progress_pro_rata_blue_and_zero_target():
    tp = time_progress(6)
    name = "维修改造校舍面积"
    assert indicator_warning(name, "≥", D(1200), D(300), tp, T).colour == Colour.RED  # 25% ÷ 50% = 50%
    assert indicator_warning(name, "≥", D(1200), D(420), tp, T).colour == Colour.YELLOW  # 70%
    assert indicator_warning(name, "≥", D(1200), D(600), tp, T).colour == Colour.GREEN  # 100%
    blue = indicator_warning(name, "≥", D(1200), D(1440), tp, T, unit="平方米")
    assert blue.colour == Colour.BLUE and "指标值可能设定偏低" in blue.explanation and blue.subject == name
    assert indicator_warning(name, "≥", D(1200), D(1439), tp, T).colour == Colour.GREEN
    assert indicator_warning(name, "≥", D(0), D(5), tp, T).colour == Colour.RED
    assert indicator_warning(name, "≥", D(1200), None, tp, T).colour == Colour.MANUAL


def test_rates_are_not_pro_rated_and_ceilings_are_checked():
    tp = time_progress(6)
    assert indicator_warning("合格率", "≥", D(95), D(90), tp, T, unit="%").colour == Colour.GREEN  # 94.7%
    assert indicator_warning("合格率", "≥", D(95), D(70), tp, T, unit="%").colour == Colour.YELLOW
    assert indicator_warning("成本", "≤", D(100), D(100), tp, T).colour == Colour.GREEN
    over = indicator_warning("成本", "≤", D(100), D("100.5"), tp, T, unit="万元")
    assert over.colour == Colour.RED and "已超出指标值≤100万元" in over.explanation


def test_declared_likelihood_and_qualitative():
    assert likelihood_warning("x", "不可能").colour == Colour.RED
    assert likelihood_warning("x", "完全不可能").colour == Colour.RED
    assert likelihood_warning("x", "有可能").colour == Colour.YELLOW
    assert likelihood_warning("x", "确定能").colour == Colour.GREEN
    assert likelihood_warning("x", "").colour == Colour.MANUAL
    q = qualitative_warning("群众满意", "明显提升", "已召开座谈会")
    assert q.colour == Colour.MANUAL and q.flagged and "人工判断" in q.explanation
    assert indicator_warning("群众满意", "定性", None, None, time_progress(7), T, target_text="明显提升").rule == (
        Rule.QUALITATIVE
    )


def test_a_project_gets_every_rule_and_shows_the_worst():
    found = project_warnings(
        month=7,
        budget=D("1000"),
        cumulative=[D("500")] * 7,
        indicators=[IndicatorInput("面积", "≥", D(100), D(70), likelihood="有可能")],
        thresholds=T,
    )
    assert [w.rule for w in found] == [Rule.EXECUTION, Rule.BEHIND_SCHEDULE, Rule.INDICATOR, Rule.LIKELIHOOD]
    assert [w.colour for w in found] == [Colour.GREEN, Colour.GREEN, Colour.GREEN, Colour.YELLOW]
    assert worst(found) == Colour.YELLOW
    assert worst([]) == Colour.GREEN
    assert found[0].as_dict()["explanation"].startswith("执行进度 50.0%")


amounts = st.integers(min_value=0, max_value=10**12)


@given(paid=amounts, budget=amounts, month=st.integers(1, 12))
def test_the_integer_core_agrees_with_the_explained_rule(paid, budget, month):
    tp = time_progress(month)
    w = execution_warning(D(paid) / 100, D(budget) / 100, tp, T)
    assert execution_colour(paid, budget, tp.elapsed, tp.period, T.limits) == w.colour


@given(paid=amounts, budget=st.integers(1, 10**12), month=st.integers(1, 12), more=amounts)
def test_spending_more_never_makes_the_colour_worse(paid, budget, month, more):
    tp = time_progress(month)
    severity = {Colour.RED: 2, Colour.YELLOW: 1, Colour.GREEN: 0}
    before = execution_colour(paid, budget, tp.elapsed, tp.period, T.limits)
    after = execution_colour(paid + more, budget, tp.elapsed, tp.period, T.limits)
    assert severity[after] <= severity[before]


@given(st.lists(amounts, min_size=1, max_size=12), st.integers(1, 10**12))
def test_behind_run_counts_the_trailing_months_that_are_not_green(steps, budget):
    cumulative = []
    total = 0
    for s in steps:
        total += s
        cumulative.append(total)
    colours = execution_colours(cumulative, budget, T)
    run = behind_run(colours)
    assert all(c != Colour.GREEN for c in colours[len(colours) - run :])
    assert run == len(colours) or colours[len(colours) - run - 1] == Colour.GREEN
    w = behind_schedule_warning([D(c) for c in cumulative], D(budget), T)
    assert (w.colour == Colour.RED) == (run >= T.behind_months)


@given(
    target=st.decimals(min_value=D("0.01"), max_value=D(10**9), places=2),
    value=st.decimals(min_value=D(0), max_value=D(10**10), places=2),
    month=st.integers(1, 12),
)
def test_indicator_warnings_always_explain_and_blue_means_far_above_the_target(target, value, month):
    w = indicator_warning("x", "≥", target, value, time_progress(month), T)
    assert w.explanation and w.threshold is not None and w.value is not None
    assert (w.colour == Colour.BLUE) == (value * 100 >= target * T.blue_at)
