"""The self-evaluation scoring engine: worked examples from docs (domain topic 1, §1.4–1.5) and properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.rules import config
from jixiao.rules import scoring as s
from jixiao.rules.scoring import Funds, Indicator, ScoringError, Settings

D = Decimal


def one(operator, target, actual, weight="20", **kw):
    return s.score_indicator(Indicator("指标", D(weight), operator, D(target), D(actual), **kw))


def test_positive_indicator_scores_in_proportion_and_explains():
    got = one("≥", "50", "48")
    assert got.score == D("19.2") and got.polarity == "正向"
    assert got.explanation.startswith("正向指标：实际值 48 ÷ 指标值 50 × 分值 20 = 19.2")
    assert one("≥", "50", "60").score == D("20")  # met: full points, never more
    assert one(">", "50", "50").score == D("20")
    assert one("≥", "3", "1").score == D(20) / 3  # full precision kept
    assert one("≥", "3", "1").explanation.startswith("正向指标：实际值 1 ÷ 指标值 3 × 分值 20 = ≈6.6667")


def test_negative_indicator_linear_and_ratio():
    assert one("≤", "100", "90").score == D("20")
    assert one("≤", "100", "150").score == D("10")  # (1 − 50/100) × 20
    assert one("<", "100", "200").score == D("0")  # twice the target: nothing
    ratio = Settings(negative_formula=s.RATIO)
    got = s.score_indicator(Indicator("成本", D(10), "≤", D(2000), D(2500)), ratio)
    assert got.score == D("8") and got.explanation.startswith(
        "反向指标（比值公式）：指标值 2000 ÷ 实际值 2500 × 分值 10 = 8"
    )
    # a target of 0 has nothing to divide by: any excess scores 0 under both formulas
    assert one("≤", "0", "1").score == 0
    assert s.score_indicator(Indicator("事故", D(10), "≤", D(0), D(1)), ratio).score == 0


def test_equal_indicator_with_a_target_of_zero():
    assert one("=", "0", "0").score == D("20")
    assert one("=", "0", "-1").score == D("20")
    assert one("=", "0", "1").score == D("0")
    assert one("=", "100", "95").score == D("19")  # otherwise as 正向


def test_qualitative_tiers_and_the_chosen_point():
    def q(tier, points=None, weight="10"):
        return s.score_indicator(
            Indicator("群众满意", D(weight), "定性", tier=tier, points=None if points is None else D(points))
        )

    assert q("达成").score == D("10")  # without a chosen point: the top of the band
    got = q("部分达成", "7")
    assert got.score == D("7") and got.band == (D("6"), D("8"))
    assert "部分达成（分值的 60%–80%，即 6–8 分），评定得分 7（分值 10 的 70%）" in got.explanation
    assert q("达成", "8").score == D("8")  # 80% belongs to 达成 (含80%)
    assert q("未达成", "0").score == 0
    with pytest.raises(ScoringError, match="不在该档"):
        q("部分达成", "8")
    with pytest.raises(ScoringError, match="不在该档"):
        q("未达成", "6")
    with pytest.raises(ScoringError, match="须在 6–8 分之间评定得分"):
        q("部分达成")
    with pytest.raises(ScoringError, match="档次“较好”无效"):
        q("较好", "7")


def test_deduction_only_with_a_reason():
    base = Indicator("培训人数", D(20), "≥", D(50), D(200), deduction=D(4))
    with pytest.raises(ScoringError, match="须说明理由") as exc:
        s.score_indicator(base)
    assert exc.value.field == "deduction"
    got = s.score_indicator(Indicator(**{**base.__dict__, "deduction_reason": "年初指标值设定明显偏低"}))
    assert got.score == D("16") and got.formula_score == D("20")
    assert got.explanation.endswith("偏离度调减 4 分（年初指标值设定明显偏低），得 16")


def test_execution_score_capped_and_never_dividing_by_zero():
    # P22: 86.2% executed → 8.62 (the published form shows 9)
    got = s.score_execution(Funds(D("1000"), D("862")))
    assert got.score == D("8.62") and got.rate == D("0.862")
    assert s.score_execution(Funds(D("100"), D("130"))).score == D("10")
    initial = s.score_execution(Funds(D("120"), D("90"), initial=D("100")), Settings(execution_denominator=s.INITIAL))
    assert initial.score == D("9") and "年初预算数 100" in initial.explanation
    zero = s.score_execution(Funds(D("0"), D("5")))
    assert not zero.applicable and zero.rate is None and zero.score == 0
    assert not s.score_execution(Funds(None, None)).applicable


def test_not_applicable_dropped_and_total_rescaled():
    form = s.score_form(
        [
            Indicator("里程", D(50), "≥", D(100), D(80), level1="产出指标"),
            Indicator("节约率", D(30), "≥", D(10), None, level1="效益指标", applicable=False),
            Indicator("满意度", D(10), "≥", D(90), D(95), level1="满意度指标"),
        ],
        Funds(D(50), D(50)),
    )
    # (10 + 40 + 10) ÷ 70 × 100
    assert form.raw_total == D("60") and form.possible == D("70")
    assert form.total == D(6000) / D(70) and form.grade == "良" and form.rescaled
    assert form.explanation.startswith("适用部分得分 60 ÷ 适用分值 70 × 100 = ≈85.7143")


def test_grades_with_inclusive_lower_bounds_and_configured_bands():
    settings = Settings()
    assert [settings.grade(D(v)) for v in ("100", "90", "89.99", "80", "79.99", "60", "59.99", "0")] == [
        "优",
        "优",
        "良",
        "良",
        "中",
        "中",
        "差",
        "差",
    ]
    province = [{"grade": "优", "min": "80"}, {"grade": "良", "min": "70"}, {"grade": "中", "min": "60"}]
    province.append({"grade": "差", "min": "0"})
    assert Settings.from_rules({"evaluation.grade_bands": province}).grade(D("85")) == "优"


def test_settings_from_rule_values_and_overrides():
    class Effective:  # what rules_config.resolve_all gives: objects with a .value
        def __init__(self, value):
            self.value = value

    settings = Settings.from_rules(
        {"self_evaluation.negative_formula": Effective("ratio"), "self_evaluation.display_places": Effective(0)}
    )
    assert settings.negative_formula == s.RATIO and settings.places == 0
    assert Settings.from_rules({}, negative_formula="linear").negative_formula == s.LINEAR
    with pytest.raises(ScoringError, match="反向指标计分公式"):
        Settings(negative_formula="square")
    with pytest.raises(config.RuleValueError):
        config.definition("self_evaluation.negative_formula").check("square")
    assert config.definition("self_evaluation.qualitative_tiers").check(
        config.definition("self_evaluation.qualitative_tiers").default
    )


def test_display_rounding_half_up_only_for_display():
    assert s.show(D("8.625")) == "8.63" and s.show(D("88.5"), 0) == "89" and s.show(D("84.49"), 0) == "84"
    assert s.rounded(D(20) / 3) == D("6.67")


def test_weight_templates():
    inds = [
        Indicator("a", D(50), "≥", D(1), D(1), level1="产出指标"),
        Indicator("b", D(40), "≥", D(1), D(1), level1="效益指标"),
    ]
    assert s.template_problems(s.SICHUAN, inds, D(10)) == []
    assert s.template_problems(s.NATIONAL, inds, D(10)) == ["效益指标分值合计为 40，模板为 30"]
    assert s.template_problems(s.NATIONAL, inds, D(5))[0] == "预算执行率分值为 5，模板为 10"


def test_reconciliation_says_where_and_whether_rounding_explains_it():
    form = s.score_form(
        [
            Indicator("人数", D(20), "≥", D(50), D(48)),
            Indicator("场次", D(20), "≥", D(3), D(1)),
            Indicator("成本", D(50), "≤", D(100), D(120)),
        ],
        Funds(D(1000), D(862)),
    )
    # 8.62 + 19.2 + 6.666… + 40 = 74.4866…
    rec = s.reconcile(
        form,
        {"人数": D("19"), "场次": D("6.67"), "成本": D("35")},
        execution=D("8.6"),
        total=D("69"),
        grade="良",
    )
    got = {d.item: (d.difference, d.rounding) for d in rec.differences}
    assert got == {
        "人数": (D("-0.2"), "取整"),
        "成本": (D("-5"), ""),
        s.EXECUTION: (D("-0.02"), "保留1位小数"),
        s.TOTAL: (D("69") - form.total, ""),
    }
    assert rec.compared == 5 and rec.computed_grade == "中" and rec.grade_differs
    assert rec.notes == (
        "公布的总分 69 不等于公布的各项得分之和 69.27",
        "公布的等级“良”与公布的总分 69 按等级划分应得的“中”不符",
    )


# --- properties ---

amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=D("0.01"), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)
operators = st.sampled_from(["≥", ">", "≤", "<", "="])
formulas = st.sampled_from([Settings(), Settings(negative_formula=s.RATIO)])


@given(operators, amounts, amounts, weights, formulas)
def test_scores_stay_within_zero_and_the_weight(op, target, actual, weight, settings):
    got = s.score_indicator(Indicator("x", weight, op, target, actual), settings).score
    assert 0 <= got <= weight


@given(operators, positive, amounts, amounts, weights, formulas)
def test_scores_are_monotone_in_the_actual_value(op, target, a, b, weight, settings):
    low, high = sorted((a, b))
    first = s.score_indicator(Indicator("x", weight, op, target, low), settings).score
    second = s.score_indicator(Indicator("x", weight, op, target, high), settings).score
    if s.polarity(op) == s.NEGATIVE:
        assert first >= second
    else:
        assert first <= second


rows = st.lists(st.tuples(operators, positive, amounts, weights, st.booleans()), min_size=1, max_size=12)


@given(rows, st.one_of(st.none(), st.tuples(amounts, amounts)))
def test_total_is_the_sum_of_its_parts(items, funds):
    inds = [Indicator(f"i{n}", w, op, t, a, applicable=ok) for n, (op, t, a, w, ok) in enumerate(items)]
    money = None if funds is None else Funds(funds[0], funds[1])
    form = s.score_form(inds, money)
    parts = [x.score for x in form.indicators if x.applicable]
    if form.execution is not None and form.execution.applicable:
        parts.append(form.execution.score)
    assert form.raw_total == sum(parts, D(0))
    assert all(x.score == 0 for x in form.indicators if not x.applicable)
    if not form.rescaled:
        assert form.total == form.raw_total


@given(st.lists(st.tuples(positive, weights), min_size=2, max_size=10), st.integers(min_value=0, max_value=9))
def test_rescaling_keeps_full_marks_at_100(items, drop):
    inds = [Indicator(f"i{n}", w, "≥", t, t, applicable=n != drop % len(items)) for n, (t, w) in enumerate(items)]
    form = s.score_form(inds)
    if form.possible > 0:  # every applicable indicator at full marks: 100 whatever was dropped
        assert form.total == 100
